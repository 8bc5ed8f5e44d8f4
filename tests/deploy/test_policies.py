"""Policies over the built overlays and the services' Dockerfiles (tests/deploy/policies.py), and
proof on samples that each policy fails when broken: a good sample passes, and one change to it
is caught."""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest

from tests.deploy.manifests import ROOT, build_overlay, load_file, overlays
from tests.deploy.policies import (
    container_violations,
    dockerfile_violations,
    image_is_pinned,
    network_policy_violations,
    pdb_violations,
)

SAMPLES = Path(__file__).resolve().parent / "samples"
#: The first test of a session may build the tools (deploy/tools/build.sh, minutes on a fresh
#: machine) when pytest runs without `make test`, which builds them beforehand.
pytestmark = pytest.mark.timeout(1800)
GOOD_DOCKERFILE = SAMPLES / "dockerfiles" / "good.Dockerfile"
DIGEST = "@sha256:528257d48c1da0dcecc2e725d1ae34498d60c965f1241e39cd6a85a8859bdf84"
FINAL_FROM = f"\nFROM python:3.11-slim-bookworm{DIGEST}\n"
Check = Callable[[Sequence[dict[str, Any]]], list[str]]
CHECKS: dict[str, Check] = {
    "containers": container_violations,
    "pdb": pdb_violations,
    "network-policies": network_policy_violations,
}


@pytest.mark.parametrize("check", sorted(CHECKS))
@pytest.mark.parametrize("overlay", overlays())
def test_overlay_holds_policy(overlay: str, check: str) -> None:
    objects = list(build_overlay(overlay))
    assert any(o["kind"] == "Deployment" for o in objects)
    violations = CHECKS[check](objects)
    assert violations == [], "\n".join(violations)


@pytest.mark.parametrize(
    "dockerfile", sorted(p.relative_to(ROOT).as_posix() for p in ROOT.glob("services/*/Dockerfile"))
)
def test_dockerfile_holds_policy(dockerfile: str) -> None:
    assert dockerfile_violations(ROOT / dockerfile) == []


def test_every_service_has_a_dockerfile() -> None:
    services = {p.parent.name for p in ROOT.glob("services/*/src")} - {"common"}
    assert services == {p.parent.name for p in ROOT.glob("services/*/Dockerfile")}


def good_app() -> list[dict[str, Any]]:
    return load_file(SAMPLES / "good" / "app.yaml")


def test_good_sample_passes_every_policy() -> None:
    for name, check in CHECKS.items():
        assert check(good_app()) == [], name


def _kind(objects: list[dict[str, Any]], kind: str) -> dict[str, Any]:
    return next(o for o in objects if o["kind"] == kind)


def _container(objects: list[dict[str, Any]], init: bool = False) -> dict[str, Any]:
    spec = _kind(objects, "Deployment")["spec"]["template"]["spec"]
    result: dict[str, Any] = spec["initContainers" if init else "containers"][0]
    return result


def _pod_spec(objects: list[dict[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = _kind(objects, "Deployment")["spec"]["template"]["spec"]
    return result


BREAKS: dict[str, tuple[Callable[[list[dict[str, Any]]], None], str]] = {
    "no liveness probe": (lambda o: _container(o).pop("livenessProbe"), "no livenessProbe"),
    "no readiness probe": (lambda o: _container(o).pop("readinessProbe"), "no readinessProbe"),
    "no startup probe": (lambda o: _container(o).pop("startupProbe"), "no startupProbe"),
    "no limits": (lambda o: _container(o)["resources"].pop("limits"), "no limits for cpu, memory"),
    "no memory request": (lambda o: _container(o)["resources"]["requests"].pop("memory"), "no requests for memory"),
    "init container without limits": (
        lambda o: _container(o, init=True)["resources"].pop("limits"),
        "container wait: no limits",
    ),
    "runs as root": (lambda o: _pod_spec(o)["securityContext"].pop("runAsNonRoot"), "runAsNonRoot is not true"),
    "container overrides runAsNonRoot": (
        lambda o: _container(o)["securityContext"].update(runAsNonRoot=False),
        "runAsNonRoot is not true",
    ),
    "writable root": (
        lambda o: _container(o)["securityContext"].pop("readOnlyRootFilesystem"),
        "readOnlyRootFilesystem is not true",
    ),
    "privilege escalation": (
        lambda o: _container(o)["securityContext"].update(allowPrivilegeEscalation=True),
        "allowPrivilegeEscalation is not false",
    ),
    "capabilities kept": (
        lambda o: _container(o, init=True)["securityContext"].update(capabilities={"drop": ["NET_RAW"]}),
        "capabilities do not drop ALL",
    ),
    "no seccomp": (lambda o: _pod_spec(o)["securityContext"].pop("seccompProfile"), "seccomp profile"),
    "latest tag": (lambda o: _container(o).update(image="example/sample:latest"), "no explicit tag"),
    "no tag": (lambda o: _container(o).update(image="registry:5000/sample"), "no explicit tag"),
    "no pdb": (lambda o: o.remove(_kind(o, "PodDisruptionBudget")), "no PodDisruptionBudget"),
    "pdb selects other pods": (
        lambda o: _kind(o, "PodDisruptionBudget")["spec"]["selector"]["matchLabels"].update(
            {"app.kubernetes.io/name": "other"}
        ),
        "no PodDisruptionBudget",
    ),
    "port by name not allowed": (
        lambda o: _kind(o, "NetworkPolicy")["spec"]["ingress"][0]["ports"][0].update(port="http"),
        "Service/sample port grpc: no NetworkPolicy allows it",
    ),
    "port by number not allowed": (
        lambda o: _kind(o, "NetworkPolicy")["spec"]["ingress"][1]["ports"][0].update(port=9102),
        "Service/sample port metrics: no NetworkPolicy allows it",
    ),
    "policy selects other pods": (
        lambda o: _kind(o, "NetworkPolicy")["spec"]["podSelector"].update(matchLabels={"app": "other"}),
        "no NetworkPolicy allows it",
    ),
    "egress-only policy": (
        lambda o: _kind(o, "NetworkPolicy")["spec"].update(policyTypes=["Egress"]),
        "no NetworkPolicy allows it",
    ),
}


@pytest.mark.parametrize("case", sorted(BREAKS))
def test_broken_sample_is_caught(case: str) -> None:
    objects = copy.deepcopy(good_app())
    breaks, expected = BREAKS[case]
    breaks(objects)
    violations = [v for check in CHECKS.values() for v in check(objects)]
    assert any(expected in v for v in violations), violations


def test_named_port_matches_a_numbered_rule() -> None:
    objects = copy.deepcopy(good_app())
    # The rule names the port by number, the Service by name: the container port links them.
    _kind(objects, "NetworkPolicy")["spec"]["ingress"][0]["ports"][0]["port"] = 50051
    assert network_policy_violations(objects) == []


@pytest.mark.parametrize(
    ("image", "pinned"),
    [
        ("linli/gateway:0.1.0", True),
        ("registry.example.org:5000/linli/gateway:0.1.0", True),
        ("linli/gateway@sha256:" + "a" * 64, True),
        ("linli/gateway", False),
        ("linli/gateway:latest", False),
        ("registry.example.org:5000/linli/gateway", False),
    ],
)
def test_image_pinning(image: str, pinned: bool) -> None:
    assert image_is_pinned(image) is pinned


def test_good_dockerfile_passes() -> None:
    assert dockerfile_violations(GOOD_DOCKERFILE) == []


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "@sha256:528257d48c1da0dcecc2e725d1ae34498d60c965f1241e39cd6a85a8859bdf84\nENV",
            "\nENV",
            "not pinned by digest",
        ),
        ("USER 10001:10001\n", "", "runs as root"),
        ("USER 10001:10001\n", "USER root\n", "runs as root"),
        ("ENV PYTHONUNBUFFERED=1 \\\n    PATH", "ENV PATH", "PYTHONUNBUFFERED"),
        ("COPY --from=builder", "RUN apt-get install -y gcc\nCOPY --from=builder", "installs a compiler"),
        # A final stage built FROM the builder inherits its compiler.
        (
            FINAL_FROM,
            "\nFROM builder\n",
            "installs a compiler",
        ),
    ],
)
def test_broken_dockerfile_is_caught(tmp_path: Path, old: str, new: str, expected: str) -> None:
    text = GOOD_DOCKERFILE.read_text()
    assert old in text
    broken = tmp_path / "Dockerfile"
    broken.write_text(text.replace(old, new, 1) if old.startswith("\nFROM") else _replace_last(text, old, new))
    violations = dockerfile_violations(broken)
    assert any(expected in v for v in violations), violations


def _replace_last(text: str, old: str, new: str) -> str:
    head, _, tail = text.rpartition(old)
    return head + new + tail
