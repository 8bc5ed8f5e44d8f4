"""The alert rules (deploy/prometheus/rules) with Debian's promtool: they load, their unit tests
pass, every alert is tested firing and not firing, every alert says how bad it is and what to
do; the generated PrometheusRule and tests are current; the PodMonitors select the services'
pods and metrics ports; every metric a rule names is one the services define."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
PROMETHEUS = ROOT / "deploy/prometheus"
RULES = PROMETHEUS / "rules/linli.rules.yml"
TESTS = sorted((PROMETHEUS / "tests").glob("*.yml"))
MONITORING = ROOT / "k8s/components/monitoring"
SEVERITIES = {"critical", "warning", "info"}
SERVICES = sorted(p.name for p in (ROOT / "services").iterdir() if p.is_dir() and p.name != "common")

PROMTOOL = shutil.which("promtool")


def load(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def load_all(path: Path) -> list[Any]:
    return [doc for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")) if doc]


def rules() -> list[dict[str, Any]]:
    return [rule for group in load(RULES)["groups"] for rule in group["rules"]]


def alerts() -> dict[str, dict[str, Any]]:
    return {rule["alert"]: rule for rule in rules() if "alert" in rule}


def promtool(*args: str) -> subprocess.CompletedProcess[str]:
    assert PROMTOOL is not None, "promtool missing: make system-deps installs Debian's prometheus"
    return subprocess.run([PROMTOOL, *args], capture_output=True, text=True, timeout=120, check=False)


def test_promtool_is_installed() -> None:
    # `make test` installs it (deploy/local/system-deps.sh); the tests below must not skip silently.
    assert PROMTOOL is not None, "promtool missing: make system-deps installs Debian's prometheus"


def test_promtool_checks_the_rules() -> None:
    result = promtool("check", "rules", str(RULES))
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"SUCCESS: {len(rules())} rules found" in result.stdout


def test_promtool_unit_tests_pass() -> None:
    assert TESTS, "no promtool tests in deploy/prometheus/tests"
    result = promtool("test", "rules", *map(str, TESTS))
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("SUCCESS") == len(TESTS), result.stdout


def test_every_alert_is_tested_firing_and_not_firing() -> None:
    firing: set[str] = set()
    quiet: set[str] = set()
    for path in TESTS:
        for case in load(path)["tests"]:
            for check in case.get("alert_rule_test", []):
                (firing if check.get("exp_alerts") else quiet).add(check["alertname"])
    defined = set(alerts())
    assert defined - firing == set(), "alerts without a firing test"
    assert defined - quiet == set(), "alerts without a not-firing test (exp_alerts: [])"
    assert (firing | quiet) - defined == set(), "tests of alerts that do not exist"


@pytest.mark.parametrize("name", sorted(alerts()))
def test_every_alert_has_a_severity_a_duration_and_a_runbook(name: str) -> None:
    rule = alerts()[name]
    assert rule["labels"]["severity"] in SEVERITIES
    assert re.fullmatch(r"\d+[smh]", str(rule["for"])), "an explicit `for:` (0m for counted events)"
    annotations = rule["annotations"]
    assert annotations["summary"].strip()
    assert len(annotations["description"]) > 40
    runbook = annotations["runbook"]
    for part in ("Means:", "First checks:", "Fix:"):
        assert part in runbook, f"the runbook says {part!r}"


def test_generated_files_are_current(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, str(PROMETHEUS / "generate.py"), str(tmp_path)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    for generated in tmp_path.rglob("*"):
        if generated.is_file():
            relative = generated.relative_to(tmp_path)
            assert (ROOT / relative).read_text(encoding="utf-8") == generated.read_text(encoding="utf-8"), (
                f"{relative} is stale: make monitoring"
            )


def test_the_prometheus_rule_carries_exactly_the_rule_file() -> None:
    (resource,) = load_all(MONITORING / "prometheusrule.yaml")
    assert resource["kind"] == "PrometheusRule"
    assert resource["spec"]["groups"] == load(RULES)["groups"]


def test_the_component_lists_its_resources() -> None:
    component = load(MONITORING / "kustomization.yaml")
    assert component["kind"] == "Component"
    assert sorted(component["resources"]) == sorted(
        p.name for p in MONITORING.glob("*.yaml") if p.name != "kustomization.yaml"
    )


def test_a_pod_monitor_per_service_selects_its_pods_and_metrics_port() -> None:
    monitors = {
        doc["spec"]["selector"]["matchLabels"]["app.kubernetes.io/name"]: doc
        for doc in load_all(MONITORING / "podmonitors.yaml")
    }
    assert sorted(monitors) == SERVICES
    for service, monitor in monitors.items():
        assert monitor["kind"] == "PodMonitor"
        assert monitor["spec"]["jobLabel"] == "app.kubernetes.io/name"
        (endpoint,) = monitor["spec"]["podMetricsEndpoints"]
        for label, target in (("name", "service"), ("part_of", "part_of")):
            relabel = {
                "sourceLabels": [f"__meta_kubernetes_pod_label_app_kubernetes_io_{label}"],
                "targetLabel": target,
            }
            assert relabel in endpoint["relabelings"]
        deployment = ROOT / "k8s/base" / service / "deployment.yaml"
        if not deployment.exists():
            continue  # the service's manifests are not written yet
        (pod,) = [doc for doc in load_all(deployment) if doc["kind"] == "Deployment"]
        template = pod["spec"]["template"]
        assert monitor["spec"]["selector"]["matchLabels"].items() <= template["metadata"]["labels"].items()
        ports = {
            port.get("name") for container in template["spec"]["containers"] for port in container.get("ports", [])
        }
        assert endpoint["port"] in ports, f"{service}: no container port named {endpoint['port']}"


def defined_metrics() -> set[str]:
    """Every metric name the services' code defines (prometheus_client's `Counter("name", ...)`
    and collectors' `...MetricFamily("name", ...)`)."""
    pattern = re.compile(r"""["'](linli_[a-z0-9_]+)["']""")
    names: set[str] = set()
    for source in (ROOT / "services").rglob("*.py"):
        names.update(pattern.findall(source.read_text(encoding="utf-8")))
    return names


def test_every_metric_a_rule_names_is_defined_by_a_service() -> None:
    defined = defined_metrics()
    recorded = {rule["record"] for rule in rules() if "record" in rule}
    named: set[str] = set()
    for rule in rules():
        used = set(re.findall(r"[a-z_]+:[a-z0-9_:]+", rule["expr"]))
        assert used <= recorded, f"recording rules that do not exist: {used - recorded}"
        raw = re.sub(r"[a-z_]+:[a-z0-9_:]+", " ", rule["expr"])
        named.update(re.findall(r"\b(linli_[a-z0-9_]+)", raw))
    assert named
    for name in named:
        base = re.sub(r"_(bucket|sum|count)$", "", name)
        assert name in defined or base in defined, f"{name} is not a metric any service defines"
