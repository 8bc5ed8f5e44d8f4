"""Building the kustomize overlays and validating every object they hold, offline.

Built-in kinds go to kubernetes-validate (the Kubernetes JSON schemas it ships, strict: unknown
fields fail); custom resources go to the checker that decodes them with their operator's own API
model (deploy/tools: crdcheck-go for Prometheus Operator and MongoDB Community, crdcheck-strimzi
for Strimzi). An object that none of them knows is a finding, never skipped.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import kubernetes_validate  # type: ignore[import-untyped]
import yaml

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "k8s"
BUILD_SCRIPT = ROOT / "deploy" / "tools" / "build.sh"
CHECKERS = ("crdcheck-go", "crdcheck-strimzi")
#: The newest Kubernetes whose schemas kubernetes-validate ships.
KUBERNETES_VERSION = kubernetes_validate.latest_version()

Obj = dict[str, Any]


def overlays() -> list[str]:
    return sorted(p.name for p in (K8S / "overlays").iterdir() if (p / "kustomization.yaml").is_file())


@functools.cache
def tools_bin() -> Path:
    """The folder of kustomize and the checkers; builds them the first time (deploy/tools/build.sh)."""
    done = subprocess.run(["bash", str(BUILD_SCRIPT)], capture_output=True, text=True, timeout=1800, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"deploy/tools/build.sh failed:\n{done.stderr[-4000:]}")
    return Path(done.stdout.strip().splitlines()[-1])


def kustomize_build(directory: Path) -> str:
    done = subprocess.run(
        [str(tools_bin() / "kustomize"), "build", str(directory)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if done.returncode != 0:
        raise AssertionError(f"kustomize build {directory} failed:\n{done.stderr}")
    return done.stdout


@functools.cache
def build_overlay(overlay: str) -> tuple[Obj, ...]:
    """The overlay's objects, built from a copy of k8s/ with fresh dev secrets (git-ignored files
    the dev overlay reads): the work tree is left as it was."""
    with tempfile.TemporaryDirectory(prefix="linli-k8s-") as tmp:
        copy = Path(tmp) / "k8s"
        shutil.copytree(K8S, copy, ignore=shutil.ignore_patterns("keys", "passwords"))
        keys = copy / "scripts" / "dev-keys.sh"
        if keys.exists():
            _run_script(keys, env={**os.environ, "PYTHON": sys.executable})
        passwords = copy / "infra" / "scripts" / "dev-passwords.sh"
        if passwords.exists():
            _run_script(passwords, str(copy / "infra" / "components" / "dev" / "passwords"))
        text = kustomize_build(copy / "overlays" / overlay)
    return tuple(load_objects(text))


def _run_script(script: Path, *args: str, env: Mapping[str, str] | None = None) -> None:
    done = subprocess.run(
        ["bash", str(script), *args], env=env, capture_output=True, text=True, timeout=120, check=False
    )
    if done.returncode != 0:
        raise AssertionError(f"{script.name} failed:\n{done.stderr}")


def load_objects(text: str) -> list[Obj]:
    return [doc for doc in yaml.safe_load_all(text) if doc]


def load_file(path: Path) -> list[Obj]:
    return load_objects(path.read_text())


def object_id(obj: Mapping[str, Any]) -> str:
    meta = obj.get("metadata") or {}
    return f"{obj.get('kind')}/{meta.get('name')}"


@functools.cache
def checker_kinds() -> Mapping[str, str]:
    """'apiVersion kind' -> the checker that knows it, as each checker lists itself (--kinds)."""
    kinds: dict[str, str] = {}
    for tool in CHECKERS:
        done = subprocess.run(
            [str(tools_bin() / tool), "--kinds"], capture_output=True, text=True, timeout=120, check=True
        )
        for line in done.stdout.splitlines():
            if line.strip():
                kinds[line.strip()] = tool
    return kinds


@dataclass(frozen=True)
class Report:
    """What validating a set of objects found, and which validator took each object."""

    findings: tuple[str, ...]
    taken_by: Mapping[str, str]


def run_checker(tool: str, objects: Iterable[Obj]) -> list[str]:
    """The checker's finding lines for these objects (one run over all of them)."""
    docs = list(objects)
    if not docs:
        return []
    done = subprocess.run(
        [str(tools_bin() / tool)],
        input=yaml.safe_dump_all(docs, sort_keys=False),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    lines = [line for line in done.stdout.splitlines() if line.strip()]
    if done.returncode not in (0, 1) or (done.returncode == 1 and not lines):
        lines.append(f"{tool} failed (exit {done.returncode}): {done.stderr.strip()[-2000:]}")
    if done.returncode == 0 and lines:
        lines.append(f"{tool} printed findings but exited 0")
    return [f"{tool}: {line}" for line in lines]


def kubernetes_schema_findings(obj: Obj) -> list[str] | None:
    """Findings of the Kubernetes schemas (strict); None when they have no schema for the kind."""
    try:
        kubernetes_validate.validate(obj, KUBERNETES_VERSION, strict=True)
    except kubernetes_validate.SchemaNotFoundError:
        return None
    except kubernetes_validate.ValidationError as e:
        path = ".".join(str(p) for p in e.path)
        return [f"kubernetes-validate {KUBERNETES_VERSION}: {object_id(obj)}: {path}: {e.message}"]
    return []


def validate_objects(objects: Iterable[Obj]) -> Report:
    findings: list[str] = []
    taken_by: dict[str, str] = {}
    by_tool: dict[str, list[Obj]] = {tool: [] for tool in CHECKERS}
    kinds = checker_kinds()
    for obj in objects:
        key = f"{obj.get('apiVersion')} {obj.get('kind')}"
        tool = kinds.get(key)
        if tool is not None:
            by_tool[tool].append(obj)
            taken_by[object_id(obj)] = tool
            continue
        schema = kubernetes_schema_findings(obj)
        if schema is None:
            findings.append(f"{object_id(obj)}: no validator knows {key}")
            continue
        taken_by[object_id(obj)] = "kubernetes-validate"
        findings.extend(schema)
    for tool, docs in by_tool.items():
        findings.extend(run_checker(tool, docs))
    return Report(tuple(findings), taken_by)


@functools.cache
def overlay_report(overlay: str) -> Report:
    """Validating an overlay's objects, once per session."""
    return validate_objects(build_overlay(overlay))
