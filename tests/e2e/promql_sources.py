"""The PromQL the platform's monitoring runs: every expression of the alert rules
(deploy/prometheus/rules) and of the Grafana dashboards (deploy/grafana/*.json), with what
each must return on a platform that did some work, and the metric names each one reads.

Dashboard variables take their default value as Grafana would (`All` is the variable's
allValue); `$__rate_interval` is 1m (over 4 scrapes at 1 s), `$__range` 5m.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
RULES = ROOT / "deploy/prometheus/rules/linli.rules.yml"
DASHBOARDS = ROOT / "deploy/grafana"
GRAFANA_BUILTINS = {"__rate_interval": "1m", "__interval": "15s", "__range": "5m", "__range_s": "300"}
#: A recording rule's name (level:metric:operations), never a scraped metric.
RECORDED_NAME = re.compile(r"\b[a-z_]+:[a-zA-Z0-9_:]+")
METRIC_NAME = re.compile(r"\b((?:linli_[a-z0-9_]+)|up)\b(?!\s*\()")
COMPARISON_TAIL = re.compile(r"\s*(==|!=|>=|<=|>|<)\s*(bool\s+)?-?[0-9.e+]+\s*$")


@dataclass(frozen=True)
class Expression:
    where: str
    expr: str
    #: what must return a series (None: the expression only has to parse)
    must_return: str | None


def rule_expressions() -> list[Expression]:
    found: list[Expression] = []
    for group in yaml.safe_load(RULES.read_text(encoding="utf-8"))["groups"]:
        for rule in group["rules"]:
            expr = " ".join(rule["expr"].split())
            if "record" in rule:
                found.append(Expression(f"record {rule['record']}", expr, expr))
                found.append(Expression(f"recorded series {rule['record']}", rule["record"], rule["record"]))
            else:
                found.append(Expression(f"alert {rule['alert']}", expr, None))
                found.append(Expression(f"alert {rule['alert']} (signal)", expr, alert_signal(expr)))
    return found


def alert_signal(expr: str) -> str:
    """The left operand of an alert (before any `and`/`unless`/`or`), without its final
    threshold comparison: what the alert watches, which exists while it is quiet. An alert on
    absent series watches the series themselves."""
    if expr.startswith("absent("):
        return re.sub(r"\babsent\(", "(", expr)
    left = re.split(r"\s+(?:and|unless|or)\s+", expr)[0]
    signal = COMPARISON_TAIL.sub("", left)
    assert signal != left, f"the alert {expr!r} does not end its first operand with a threshold"
    return signal


def dashboard_files() -> list[Path]:
    return sorted(DASHBOARDS.glob("*.json"))


def panels_of(panels: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for panel in panels:
        yield panel
        yield from panels_of(panel.get("panels") or [])  # rows keep collapsed panels inside


def variable_values(dashboard: dict[str, Any]) -> dict[str, str]:
    """Each variable's default value as Grafana substitutes it in a query."""
    values = dict(GRAFANA_BUILTINS)
    for variable in dashboard.get("templating", {}).get("list", []):
        current = variable.get("current") or {}
        value = current.get("value", "")
        if isinstance(value, list):
            value = value[0] if len(value) == 1 else "|".join(value)
        if value in ("$__all", "All") or (not value and variable.get("includeAll")):
            value = variable.get("allValue") or ".*"
        values[variable["name"]] = str(value)
    return values


def substitute(expr: str, values: dict[str, str]) -> str:
    def value_of(match: re.Match[str]) -> str:
        name = match.group(1) or match.group(2) or match.group(3)
        assert name in values, f"dashboard variable ${name} is not defined"
        return values[name]

    return re.sub(r"\$\{(\w+)(?::\w+)?\}|\[\[(\w+)\]\]|\$(\w+)", value_of, expr)


def label_values_query(query: str) -> tuple[str, str] | None:
    """`label_values(selector, label)` as (selector, label); None for other variable queries."""
    match = re.fullmatch(r"\s*label_values\(\s*(.+?)\s*,\s*(\w+)\s*\)\s*", query)
    return (match.group(1), match.group(2)) if match else None


def dashboard_expressions() -> list[Expression]:
    found: list[Expression] = []
    for path in dashboard_files():
        dashboard = json.loads(path.read_text(encoding="utf-8"))
        values = variable_values(dashboard)
        for panel in panels_of(dashboard.get("panels") or []):
            for target in panel.get("targets") or []:
                if target.get("expr"):
                    expr = substitute(target["expr"], values)
                    found.append(Expression(f"{path.name}: panel {panel.get('title')!r}", expr, expr))
        for variable in dashboard.get("templating", {}).get("list", []):
            if variable.get("type") != "query":
                continue
            query = variable["query"]["query"] if isinstance(variable["query"], dict) else variable["query"]
            parsed = label_values_query(query)
            assert parsed, f"{path.name}: variable {variable['name']}: only label_values(selector, label) is checked"
            selector, label = parsed
            expr = f"count by ({label}) ({substitute(selector, values)})"
            found.append(Expression(f"{path.name}: variable {variable['name']}", expr, expr))
    return found


def names_in(expr: str) -> set[str]:
    return set(METRIC_NAME.findall(RECORDED_NAME.sub(" ", expr)))
