"""The PromQL of the rules and dashboards without a platform: how the scrape test
(tests/e2e/test_prometheus_scrape.py) reads them, and that every dashboard expression parses
(promtool checks them as recording rules, so a typo fails here in seconds)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.e2e.promql_sources import (
    alert_signal,
    dashboard_expressions,
    dashboard_files,
    label_values_query,
    names_in,
    rule_expressions,
    substitute,
    variable_values,
)


@pytest.mark.parametrize(
    ("expr", "signal"),
    [
        ('up{part_of="linli"} == 0', 'up{part_of="linli"}'),
        ("a:b:ratio > 0.05 and a:b:rate > 0.05", "a:b:ratio"),
        ("a:b:increase1h >= 3", "a:b:increase1h"),
        ("max by (service) (x) == 1", "max by (service) (x)"),
        ('absent(up{service="a"}) or absent(up{service="b"})', '(up{service="a"}) or (up{service="b"})'),
    ],
)
def test_an_alerts_signal_is_its_first_operand_without_the_threshold(expr: str, signal: str) -> None:
    assert alert_signal(expr) == signal


def test_an_alert_without_a_threshold_is_refused() -> None:
    with pytest.raises(AssertionError):
        alert_signal("rate(x[5m])")


def test_every_rule_gives_its_expressions_and_what_must_return() -> None:
    expressions = rule_expressions()
    alerts = [e for e in expressions if e.where.startswith("alert ") and not e.where.endswith("(signal)")]
    assert alerts and all(e.must_return is None for e in alerts)  # may rightly be empty
    assert all(e.must_return for e in expressions if e.where.startswith(("record", "recorded")))


def test_variables_take_grafanas_default_value() -> None:
    dashboard = {
        "templating": {
            "list": [
                {"name": "service", "includeAll": True, "allValue": ".*", "current": {"value": "$__all"}},
                {"name": "community", "includeAll": True, "current": {"value": ["$__all"]}},
                {"name": "category", "current": {"value": ["repairs", "parking"]}},
                {"name": "channel", "current": {"value": "webhook"}},
            ]
        }
    }
    values = variable_values(dashboard)
    assert (values["service"], values["community"], values["category"], values["channel"]) == (
        ".*",
        ".*",
        "repairs|parking",
        "webhook",
    )
    assert values["__rate_interval"] == "1m"


def test_every_variable_syntax_is_substituted() -> None:
    values = {"service": "requests", "__rate_interval": "1m"}
    expr = 'rate(x{a=~"$service",b="${service}",c="${service:regex}",d="[[service]]"}[$__rate_interval])'
    assert substitute(expr, values) == 'rate(x{a=~"requests",b="requests",c="requests",d="requests"}[1m])'
    with pytest.raises(AssertionError, match="not defined"):
        substitute('x{a=~"$missing"}', values)


def test_label_values_queries() -> None:
    assert label_values_query("label_values(up, service)") == ("up", "service")
    assert label_values_query('label_values(linli_x{a="b"}, community)') == ('linli_x{a="b"}', "community")
    assert label_values_query("query_result(up)") is None


def test_metric_names_leave_out_recorded_series_and_functions() -> None:
    expr = 'sum by (service) (rate(linli_a_total[5m])) / service:linli_a:rate5m > 0 and up{x="1"}'
    assert names_in(expr) == {"linli_a_total", "up"}


def test_the_dashboards_exist() -> None:
    assert dashboard_files(), "no dashboards in deploy/grafana/"


def test_every_dashboard_expression_parses(tmp_path: Path) -> None:
    promtool = shutil.which("promtool")
    assert promtool, "promtool missing: make system-deps installs Debian's prometheus"
    expressions = dashboard_expressions()
    rules = {
        "groups": [
            {
                "name": "dashboards",
                "rules": [{"record": f"dashboard:expr_{i}:check", "expr": e.expr} for i, e in enumerate(expressions)],
            }
        ]
    }
    path = tmp_path / "dashboards.rules.yml"
    path.write_text(yaml.safe_dump(rules), encoding="utf-8")
    result = subprocess.run([promtool, "check", "rules", str(path)], capture_output=True, text=True, check=False)
    where = "\n".join(f"expr_{i}: {e.where}" for i, e in enumerate(expressions))
    assert result.returncode == 0, f"{result.stdout}{result.stderr}\n{where}"
