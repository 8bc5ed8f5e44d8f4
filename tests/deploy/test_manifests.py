"""Every overlay builds with the pinned kustomize, and every object it holds validates offline:
built-in kinds against the Kubernetes schemas (kubernetes-validate, strict), custom resources
with their operators' own API models (deploy/tools). The samples prove that each check fails on
a misspelt field, and that an object no validator knows fails too."""

from __future__ import annotations

import functools
import subprocess
from pathlib import Path

import pytest

from tests.deploy.manifests import (
    Report,
    build_overlay,
    checker_kinds,
    load_file,
    object_id,
    overlay_report,
    overlays,
    run_checker,
    tools_bin,
    validate_objects,
)

SAMPLES = Path(__file__).resolve().parent / "samples"


@functools.cache
def sample_report(folder: str, sample: str) -> Report:
    """Several tests read one sample's findings: the checkers (a JVM start for Strimzi) run once."""
    return validate_objects(load_file(SAMPLES / folder / sample))


#: The first test of a session may build the tools (deploy/tools/build.sh, minutes on a fresh
#: machine) when pytest runs without `make test`, which builds them beforehand.
pytestmark = pytest.mark.timeout(1800)


@pytest.mark.parametrize("overlay", overlays())
def test_overlay_builds(overlay: str) -> None:
    objects = build_overlay(overlay)
    kinds = {obj["kind"] for obj in objects}
    assert {"Deployment", "Service", "NetworkPolicy"} <= kinds, kinds


@pytest.mark.parametrize("overlay", overlays())
def test_every_object_validates(overlay: str) -> None:
    objects = build_overlay(overlay)
    report = overlay_report(overlay)
    assert report.findings == (), "\n".join(report.findings)
    assert set(report.taken_by) == {object_id(obj) for obj in objects}


@pytest.mark.parametrize("overlay", overlays())
def test_custom_resources_go_to_their_operators_models(overlay: str) -> None:
    report = overlay_report(overlay)
    taken = {(oid.split("/")[0], tool) for oid, tool in report.taken_by.items()}
    for kind, tool in [
        ("Kafka", "crdcheck-strimzi"),
        ("KafkaTopic", "crdcheck-strimzi"),
        ("KafkaUser", "crdcheck-strimzi"),
        ("MongoDBCommunity", "crdcheck-go"),
        ("PrometheusRule", "crdcheck-go"),
    ]:
        assert (kind, tool) in taken, f"no {kind} checked by {tool} in {overlay}"


def test_checkers_know_the_operators_kinds() -> None:
    kinds = checker_kinds()
    for key in [
        "kafka.strimzi.io/v1beta2 Kafka",
        "kafka.strimzi.io/v1 Kafka",
        "kafka.strimzi.io/v1beta2 KafkaNodePool",
        "kafka.strimzi.io/v1beta2 KafkaTopic",
        "kafka.strimzi.io/v1beta2 KafkaUser",
        "monitoring.coreos.com/v1 PodMonitor",
        "monitoring.coreos.com/v1 ServiceMonitor",
        "monitoring.coreos.com/v1 PrometheusRule",
        "mongodbcommunity.mongodb.com/v1 MongoDBCommunity",
    ]:
        assert key in kinds, key


@pytest.mark.parametrize("sample", ["strimzi.yaml", "monitoring.yaml", "mongodb.yaml"])
def test_good_samples_pass(sample: str) -> None:
    report = sample_report("good", sample)
    assert report.findings == (), "\n".join(report.findings)


@pytest.mark.parametrize(
    ("sample", "expected"),
    [
        ("deployment-misspelt.yaml", ["kubernetes-validate", "Deployment/sample", "readinesProbe"]),
        ("kafka-misspelt.yaml", ["crdcheck-strimzi", "Kafka/sample: spec.kafka.listners: unknown field"]),
        (
            "kafkatopic-misspelt.yaml",
            ["crdcheck-strimzi", "spec.partitons: unknown field"],
        ),
        ("kafkauser-bad-operation.yaml", ["spec.authorization.acls[1].hots: unknown field"]),
        ("kafkauser-bad-operation.yaml", ["spec.authorization.acls[0].operations[0]: value dropped", "Wrte"]),
        (
            "prometheusrule-misspelt.yaml",
            ["crdcheck-go", "rules[0].exp: unknown"],
        ),
        ("prometheusrule-misspelt.yaml", ["spec.groups[0].rules[1].expr: does not parse"]),
        ("servicemonitor-misspelt.yaml", ["ServiceMonitor/sample: spec.endpoints[0].prot: unknown field"]),
        ("mongodb-misspelt.yaml", ["crdcheck-go", "MongoDBCommunity/sample: spec.memebers: unknown field"]),
        # Inside the StatefulSet override, which the operator's type decodes laxly by itself.
        ("mongodb-misspelt.yaml", ["spec.statefulSet.spec.template.spec.containres: unknown field"]),
        ("unknown-kind.yaml", ["Widget/sample: no validator knows example.org/v1 Widget"]),
    ],
)
def test_bad_samples_are_caught(sample: str, expected: list[str]) -> None:
    report = sample_report("bad", sample)
    assert any(all(part in line for part in expected) for line in report.findings), "\n".join(report.findings)


@pytest.mark.parametrize("tool", ["crdcheck-go", "crdcheck-strimzi"])
def test_checkers_refuse_a_kind_they_do_not_know(tool: str) -> None:
    findings = run_checker(tool, load_file(SAMPLES / "bad" / "unknown-kind.yaml"))
    assert any("Widget/sample: apiVersion: no validator for example.org/v1 Widget" in line for line in findings), (
        findings
    )


@pytest.mark.parametrize(
    ("tool", "sample", "expected"),
    [
        ("crdcheck-go", "podmonitor-duplicate-key.yaml", 'key "port" already set'),
        ("crdcheck-strimzi", "kafkatopic-duplicate-key.yaml", "Duplicate field 'partitions'"),
    ],
)
def test_checkers_refuse_duplicate_keys(tool: str, sample: str, expected: str) -> None:
    # Read straight from the file: a YAML loader on the way would keep the last value silently.
    done = subprocess.run(
        [str(tools_bin() / tool), str(SAMPLES / "bad" / sample)], capture_output=True, text=True, check=False
    )
    assert done.returncode == 1
    assert expected in done.stdout, done.stdout
