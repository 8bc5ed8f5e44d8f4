"""Policy checks over built manifests and the services' Dockerfiles. Each check takes the objects
(or a Dockerfile) and returns one sentence per violation; an empty list means it holds.

Init containers: Kubernetes refuses probes on a plain init container (it runs to completion
before the pod starts), so probes are required only of sidecars (restartPolicy Always); every
other rule applies to init containers as to containers."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from dockerfile_parse import DockerfileParser  # type: ignore[import-untyped]

Obj = Mapping[str, Any]

#: Kinds whose pod template the policies read, and where it is.
WORKLOADS: dict[str, tuple[str, ...]] = {
    "Deployment": ("spec", "template"),
    "StatefulSet": ("spec", "template"),
    "DaemonSet": ("spec", "template"),
    "ReplicaSet": ("spec", "template"),
    "Job": ("spec", "template"),
    "CronJob": ("spec", "jobTemplate", "spec", "template"),
}


def _dig(obj: Any, *path: str) -> Any:
    for key in path:
        if not isinstance(obj, Mapping):
            return None
        obj = obj.get(key)
    return obj


def _name(obj: Obj) -> str:
    return f"{obj.get('kind')}/{_dig(obj, 'metadata', 'name')}"


def _namespace(obj: Obj) -> str:
    return str(_dig(obj, "metadata", "namespace") or "default")


def pod_templates(objects: Iterable[Obj]) -> Iterator[tuple[Obj, Obj]]:
    """(workload, pod template) for every workload; a bare Pod is its own template."""
    for obj in objects:
        kind = str(obj.get("kind"))
        if kind == "Pod":
            yield obj, obj
        elif kind in WORKLOADS:
            template = _dig(obj, *WORKLOADS[kind])
            yield obj, template if isinstance(template, Mapping) else {}


def image_is_pinned(image: str) -> bool:
    """An explicit tag other than `latest`, or a digest."""
    if "@sha256:" in image:
        return True
    last = image.rsplit("/", 1)[-1]
    if ":" not in last:
        return False
    return last.rsplit(":", 1)[1] not in ("", "latest")


def container_violations(objects: Iterable[Obj]) -> list[str]:
    out: list[str] = []
    for workload, template in pod_templates(objects):
        spec = template.get("spec") or {}
        pod_sc = spec.get("securityContext") or {}
        entries = [(c, False) for c in spec.get("containers") or []]
        entries += [(c, True) for c in spec.get("initContainers") or []]
        for container, init in entries:
            where = f"{_name(workload)} container {container.get('name')}"
            out.extend(f"{where}: {problem}" for problem in _container_problems(workload, pod_sc, container, init))
    return out


def _container_problems(workload: Obj, pod_sc: Mapping[str, Any], c: Mapping[str, Any], init: bool) -> list[str]:
    problems: list[str] = []
    needs_probes = not init or c.get("restartPolicy") == "Always"
    if needs_probes:
        wanted = ["livenessProbe", "readinessProbe"]
        if workload.get("kind") == "Deployment":
            wanted.append("startupProbe")
        problems += [f"no {probe}" for probe in wanted if not c.get(probe)]
    resources = c.get("resources") or {}
    for part in ("requests", "limits"):
        missing = [r for r in ("cpu", "memory") if r not in (resources.get(part) or {})]
        if missing:
            problems.append(f"no {part} for {', '.join(missing)}")
    sc = c.get("securityContext") or {}
    run_as_non_root = sc.get("runAsNonRoot", pod_sc.get("runAsNonRoot"))
    if run_as_non_root is not True:
        problems.append("runAsNonRoot is not true")
    if sc.get("readOnlyRootFilesystem") is not True:
        problems.append("readOnlyRootFilesystem is not true")
    if sc.get("allowPrivilegeEscalation") is not False:
        problems.append("allowPrivilegeEscalation is not false")
    if "ALL" not in ((sc.get("capabilities") or {}).get("drop") or []):
        problems.append("capabilities do not drop ALL")
    seccomp = sc.get("seccompProfile", pod_sc.get("seccompProfile")) or {}
    if seccomp.get("type") != "RuntimeDefault":
        problems.append("seccomp profile is not RuntimeDefault")
    if sc.get("privileged") is True:
        problems.append("privileged")
    image = str(c.get("image") or "")
    if not image_is_pinned(image):
        problems.append(f"image {image!r} has no explicit tag (or `latest`) and no digest")
    return problems


def selector_matches(selector: Mapping[str, Any] | None, labels: Mapping[str, str]) -> bool:
    """A LabelSelector against a set of labels, as Kubernetes evaluates it (an empty selector
    matches everything)."""
    if selector is None:
        return False
    for key, value in (selector.get("matchLabels") or {}).items():
        if labels.get(key) != value:
            return False
    for expr in selector.get("matchExpressions") or []:
        key, op, values = expr.get("key"), expr.get("operator"), expr.get("values") or []
        if op == "In" and labels.get(key) not in values:
            return False
        if op == "NotIn" and key in labels and labels[key] in values:
            return False
        if op == "Exists" and key not in labels:
            return False
        if op == "DoesNotExist" and key in labels:
            return False
    return True


def _pod_labels(template: Obj) -> Mapping[str, str]:
    return _dig(template, "metadata", "labels") or {}


def pdb_violations(objects: Sequence[Obj]) -> list[str]:
    pdbs = [o for o in objects if o.get("kind") == "PodDisruptionBudget"]
    out: list[str] = []
    for workload, template in pod_templates(objects):
        if workload.get("kind") != "Deployment":
            continue
        labels = _pod_labels(template)
        if not any(
            _namespace(p) == _namespace(workload) and selector_matches(_dig(p, "spec", "selector"), labels)
            for p in pdbs
        ):
            out.append(f"{_name(workload)}: no PodDisruptionBudget selects its pods")
    return out


def _port_matches(rule_port: Mapping[str, Any], number: int | None, name: str | None, protocol: str) -> bool:
    if (rule_port.get("protocol") or "TCP") != protocol:
        return False
    port = rule_port.get("port")
    if port is None:
        return True
    if isinstance(port, str) and not port.isdigit():
        return port == name
    start = int(port)
    end = int(rule_port.get("endPort") or start)
    return number is not None and start <= number <= end


def _target(service_port: Mapping[str, Any], template: Obj) -> tuple[int | None, str | None]:
    """The container port a Service port reaches, by number and by name."""
    target = service_port.get("targetPort", service_port.get("port"))
    ports = [p for c in _dig(template, "spec", "containers") or [] for p in c.get("ports") or []]
    if isinstance(target, str) and not target.isdigit():
        numbers = [p.get("containerPort") for p in ports if p.get("name") == target]
        return (int(numbers[0]) if numbers else None), target
    number = int(target)
    names = [p.get("name") for p in ports if p.get("containerPort") == number and p.get("name")]
    return number, (str(names[0]) if names else None)


def _allows_ingress(policy: Obj) -> bool:
    types = _dig(policy, "spec", "policyTypes")
    return "Ingress" in types if types else True


def network_policy_violations(objects: Sequence[Obj]) -> list[str]:
    """Every Service port is allowed by an ingress rule of a NetworkPolicy that selects the
    Service's pods (the port matched by number or by name)."""
    policies = [o for o in objects if o.get("kind") == "NetworkPolicy" and _allows_ingress(o)]
    templates = list(pod_templates(objects))
    out: list[str] = []
    for service in (o for o in objects if o.get("kind") == "Service"):
        selector = _dig(service, "spec", "selector")
        if not selector:
            continue  # no pods of its own: endpoints managed elsewhere
        ns = _namespace(service)
        backends = [
            t
            for w, t in templates
            if _namespace(w) == ns and all(_pod_labels(t).get(k) == v for k, v in selector.items())
        ]
        if not backends:
            out.append(f"{_name(service)}: selects no pods of a workload here")
            continue
        for port in _dig(service, "spec", "ports") or []:
            protocol = port.get("protocol") or "TCP"
            for template in backends:
                number, name = _target(port, template)
                allowed = any(
                    _namespace(p) == ns
                    and selector_matches(_dig(p, "spec", "podSelector"), _pod_labels(template))
                    and any(
                        not rule.get("ports")
                        or any(_port_matches(rp, number, name, protocol) for rp in rule.get("ports") or [])
                        for rule in _dig(p, "spec", "ingress") or []
                    )
                    for p in policies
                )
                if not allowed:
                    out.append(
                        f"{_name(service)} port {port.get('name') or port.get('port')}: no NetworkPolicy allows it"
                    )
    return out


#: Packages that make a stage able to compile: none may reach the final stage.
COMPILERS = ("build-essential", "gcc", "g++", "clang", "cc", "make", "gfortran", "cargo", "rustc", "libc6-dev")


def dockerfile_violations(path: Path) -> list[str]:
    parser = DockerfileParser(str(path))
    stages: list[dict[str, Any]] = []
    for instruction in parser.structure:
        kind, value = instruction["instruction"], instruction["value"]
        if kind == "FROM":
            words = value.split()
            alias = words[2].lower() if len(words) >= 3 and words[1].upper() == "AS" else None
            stages.append({"base": words[0], "alias": alias, "lines": []})
        elif stages:
            stages[-1]["lines"].append((kind, value))
    if not stages:
        return [f"{path}: no FROM"]
    out: list[str] = []
    aliases = {s["alias"] for s in stages if s["alias"]}
    for stage in stages:
        base = stage["base"]
        if base.lower() not in aliases and "@sha256:" not in base:
            out.append(f"{path}: base {base} is not pinned by digest")
    chain = _stage_chain(stages, len(stages) - 1)
    lines = [line for stage in chain for line in stage["lines"]]
    users = [value for kind, value in lines if kind == "USER"]
    if not users or users[-1].split(":")[0] in ("root", "0"):
        out.append(f"{path}: the final stage runs as root (no USER, or USER root)")
    if not any(kind == "ENV" and "PYTHONUNBUFFERED" in value for kind, value in lines):
        out.append(f"{path}: the final stage does not set PYTHONUNBUFFERED")
    for kind, value in lines:
        if kind == "RUN" and any(_installs(value, package) for package in COMPILERS):
            out.append(f"{path}: the final stage installs a compiler: {value[:120]}")
    return out


def _stage_chain(stages: list[dict[str, Any]], index: int) -> list[dict[str, Any]]:
    """A stage and the stages it is built FROM, oldest first."""
    stage = stages[index]
    for i, earlier in enumerate(stages[:index]):
        if earlier["alias"] and earlier["alias"] == stage["base"].lower():
            return [*_stage_chain(stages, i), stage]
    return [stage]


def _installs(command: str, package: str) -> bool:
    words = command.replace(";", " ").replace("&&", " ").split()
    installing = any(w in ("install", "add") for w in words)
    return installing and package in words
