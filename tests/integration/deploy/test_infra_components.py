"""The optional infrastructure components (no overlay includes them by default) build on top of
the prod overlay and validate like the overlays do (tests/deploy/manifests.py: Kubernetes
schemas, Strimzi's API model, strictly)."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest

from tests.deploy.manifests import K8S, Obj, kustomize_build, load_objects, validate_objects


def _prod_with(component: str) -> list[Obj]:
    with tempfile.TemporaryDirectory(prefix="linli-k8s-") as tmp:
        copy = Path(tmp) / "k8s"
        shutil.copytree(K8S, copy, ignore=shutil.ignore_patterns("keys", "passwords"))
        variant = copy / "overlays" / "prod-with"
        variant.mkdir()
        (variant / "kustomization.yaml").write_text(
            "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n"
            f"resources: [../prod]\ncomponents: [../../infra/components/{component}]\n",
            encoding="utf-8",
        )
        return load_objects(kustomize_build(variant))


def _strimzi(objects: list[Obj]) -> list[Obj]:
    return [obj for obj in objects if str(obj["apiVersion"]).startswith("kafka.strimzi.io/")]


@pytest.mark.parametrize("component", ["strimzi-v1", "agency-listener"])
def test_component_builds_and_validates(component: str) -> None:
    report = validate_objects(_prod_with(component))
    assert not report.findings, "\n".join(report.findings)


def test_strimzi_v1_moves_every_strimzi_resource_and_nothing_else() -> None:
    objects = _prod_with("strimzi-v1")
    strimzi = _strimzi(objects)
    assert len(strimzi) == 17  # Kafka, KafkaNodePool, 10 KafkaTopics, 5 KafkaUsers
    assert {obj["apiVersion"] for obj in strimzi} == {"kafka.strimzi.io/v1"}


def test_agency_listener_adds_a_tls_listener_with_client_certificates() -> None:
    (kafka,) = [obj for obj in _prod_with("agency-listener") if obj["kind"] == "Kafka"]
    listeners = {listener["name"]: listener for listener in kafka["spec"]["kafka"]["listeners"]}
    assert set(listeners) == {"tls", "agencies"}
    agencies = listeners["agencies"]
    assert (agencies["type"], agencies["tls"], agencies["authentication"]["type"]) == ("loadbalancer", True, "tls")
    assert agencies["configuration"]["loadBalancerSourceRanges"]
