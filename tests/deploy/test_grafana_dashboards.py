"""The Grafana dashboards offline: generated from deploy/grafana/generate.py and up to date,
every metric they name is one the services define, every panel queries the chosen data source,
and the Kubernetes component provisions them for Grafana's sidecar.

tests/e2e/test_prometheus_scrape.py runs every expression against a real Prometheus."""

from __future__ import annotations

import importlib
import importlib.util
import json
import re
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml
from prometheus_client import REGISTRY

ROOT = Path(__file__).resolve().parents[2]
DASHBOARDS = sorted((ROOT / "deploy/grafana").glob("*.json"))
COMPONENT = ROOT / "k8s/components/grafana-dashboards"

#: Every module that defines a Prometheus metric (importing one registers its metrics).
METRIC_MODULES = (
    "linli.common.metrics",
    "linli.common.timers",
    "linli.requests.adapters.business_metrics",
    "linli.volunteers.adapters.business_metrics",
    "linli.notifications.entrypoints.delivery_worker",
    "linli.gateway.health",
)
METRIC = re.compile(r"\blinli_[a-z0-9_]+\b")


def generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("grafana_generate", ROOT / "deploy/grafana/generate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up while defined
    spec.loader.exec_module(module)
    return module


def exported_names() -> set[str]:
    """Sample names the services expose (histograms' _bucket/_sum/_count included)."""
    for name in METRIC_MODULES:
        importlib.import_module(name)
    names: set[str] = set()
    for family in REGISTRY.collect():
        names.add(family.name)
        kind = family.type
        if kind == "counter":
            names.add(f"{family.name}_total")
        elif kind == "histogram":
            names.update(f"{family.name}_{suffix}" for suffix in ("bucket", "sum", "count"))
    return names


def load(path: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return loaded


def expressions(dashboard: dict[str, Any]) -> list[str]:
    found = [t["expr"] for p in dashboard["panels"] for t in p.get("targets", [])]
    found += [v["query"] for v in dashboard["templating"]["list"] if v["type"] == "query"]
    return found


def test_both_dashboards_exist_and_are_up_to_date() -> None:
    assert [p.name for p in DASHBOARDS] == ["linli-city.json", "linli-platform-overview.json"]
    for path, text in generator().outputs().items():
        assert (ROOT / path).read_text(encoding="utf-8") == text, f"{path} is stale: run 'make dashboards'"


@pytest.mark.parametrize("path", DASHBOARDS, ids=lambda p: p.stem)
def test_every_metric_named_is_exported(path: Path) -> None:
    known = exported_names()
    named = {m for expr in expressions(load(path)) for m in METRIC.findall(expr)}
    assert named, "a dashboard with no Linli metric"
    assert named <= known, sorted(named - known)


@pytest.mark.parametrize("path", DASHBOARDS, ids=lambda p: p.stem)
def test_panels_query_the_chosen_data_source(path: Path) -> None:
    dashboard = load(path)
    assert dashboard["uid"] == path.stem
    variables = {v["name"]: v for v in dashboard["templating"]["list"]}
    assert variables["datasource"]["type"] == "datasource"
    for name, variable in variables.items():
        if variable["type"] == "query":
            assert variable["query"].startswith("label_values("), name
            assert variable["includeAll"] and variable["allValue"] == ".*", name
    panels = [p for p in dashboard["panels"] if p["type"] != "row"]
    assert len({p["id"] for p in dashboard["panels"]}) == len(dashboard["panels"])
    for panel in panels:
        assert panel["targets"], panel["title"]
        assert panel["datasource"] == {"type": "prometheus", "uid": "${datasource}"}, panel["title"]
        for target in panel["targets"]:
            assert target["datasource"] == panel["datasource"]
            used = set(re.findall(r"\$(\w+)", target["expr"]))
            assert used <= {*variables, "__rate_interval", "__range"}, (panel["title"], used)


def test_no_expression_groups_by_an_id() -> None:
    for path in DASHBOARDS:
        for expr in expressions(load(path)):
            for group in re.findall(r"by \(([^)]*)\)", expr):
                assert not {"request_id", "person_id", "volunteer_id", "id"} & {g.strip() for g in group.split(",")}


def test_the_component_provisions_each_dashboard_for_the_sidecar() -> None:
    kustomization = yaml.safe_load((COMPONENT / "kustomization.yaml").read_text(encoding="utf-8"))
    assert kustomization["kind"] == "Component"
    provisioned: dict[str, Any] = {}
    for resource in kustomization["resources"]:
        configmap = yaml.safe_load((COMPONENT / resource).read_text(encoding="utf-8"))
        assert configmap["kind"] == "ConfigMap"
        assert configmap["metadata"]["labels"]["grafana_dashboard"] == "1"
        for key, text in configmap["data"].items():
            assert len(text) < 256 * 1024  # kubectl apply's last-applied annotation
            provisioned[key] = json.loads(text)
    assert provisioned == {p.name: load(p) for p in DASHBOARDS}
