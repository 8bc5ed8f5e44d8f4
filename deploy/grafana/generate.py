"""Writes Linli's Grafana dashboards from code (Grafana's own grafana-foundation-sdk builders):

- deploy/grafana/linli-platform-overview.json: traffic, errors and latency per service and
  RPC, the gateway's HTTP side, Kafka consumer lag, the outbox, dead letters, health;
- deploy/grafana/linli-city.json: the city view: requests submitted, open and resolved,
  on-time rate and satisfaction by community and category, breaches and escalations,
  volunteers, notifications by channel;
- k8s/components/grafana-dashboards/*.yaml: each dashboard as a ConfigMap labelled
  `grafana_dashboard: "1"`, which Grafana's dashboard sidecar provisions.

`python deploy/grafana/generate.py [OUT_DIR]` writes into the repository, or under OUT_DIR
(same relative paths) for `make dashboards-check` to compare. Every expression names only
metrics the services export, and reads 0 rather than nothing on a quiet platform
(`or ... * 0`, and the services prime their business series at zero), because
tests/e2e/test_prometheus_scrape.py runs each one against a real Prometheus.

Every target carries `service` (the pod's app.kubernetes.io/name; deploy/prometheus says so
for its rules too). Community and category values are organisation ids and catalogue codes.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml
from grafana_foundation_sdk.builders import bargauge, stat, timeseries
from grafana_foundation_sdk.builders import common as common_builders
from grafana_foundation_sdk.builders import dashboard as dash
from grafana_foundation_sdk.builders import prometheus as prom
from grafana_foundation_sdk.cog.builder import Builder
from grafana_foundation_sdk.cog.encoder import JSONEncoder
from grafana_foundation_sdk.models import common
from grafana_foundation_sdk.models import dashboard as model

from linli.requests.domain.model import OPEN_STATUSES

DASHBOARDS_DIR = Path("deploy/grafana")
COMPONENT_DIR = Path("k8s/components/grafana-dashboards")

DATASOURCE = model.DataSourceRef(type_val="prometheus", uid="${datasource}")
#: gRPC codes that mean the server failed, not the caller (as the alerts count them).
SERVER_FAILURES = "INTERNAL|UNKNOWN|UNAVAILABLE|DEADLINE_EXCEEDED|DATA_LOSS"
#: Server streams last as long as their client: their durations say nothing about latency.
STREAMS = ".*/(StreamInbox|ExportLedgerCsv|Watch|ServerReflectionInfo)"
OPEN = "|".join(sorted(status.value for status in OPEN_STATUSES))
RATE = "$__rate_interval"
RANGE = "$__range"

SERVICE = 'service=~"$service"'
PLACE = 'category=~"$category", community=~"$community"'
COMMUNITY = 'community=~"$community"'


@dataclass(frozen=True)
class Query:
    expr: str
    legend: str = ""


# -- panels ---------------------------------------------------------------------------------------


def _target(query: Query, ref: str, instant: bool) -> prom.Dataquery:
    target = prom.Dataquery().expr(query.expr).ref_id(ref).datasource(DATASOURCE)
    if query.legend:
        target = target.legend_format(query.legend)
    return target.instant() if instant else target.range()


def _refs(queries: Sequence[Query], instant: bool = False) -> list[prom.Dataquery]:
    return [_target(query, chr(ord("A") + i), instant) for i, query in enumerate(queries)]


def graph(title: str, description: str, unit: str, *queries: Query, width: int = 12) -> timeseries.Panel:
    panel = (
        timeseries.Panel()
        .title(title)
        .description(description)
        .datasource(DATASOURCE)
        .unit(unit)
        .span(width)
        .height(8)
        .fill_opacity(10)
        .legend(
            common_builders.VizLegendOptions()
            .display_mode(common.LegendDisplayMode.TABLE)
            .placement(common.LegendPlacement.BOTTOM)
            .show_legend(True)
            .calcs(["lastNotNull", "max"])
        )
    )
    for target in _refs(queries):
        panel = panel.with_target(target)
    return panel


def number(title: str, description: str, unit: str, query: Query, *, width: int = 4, decimals: int = 0) -> stat.Panel:
    panel = (
        stat.Panel()
        .title(title)
        .description(description)
        .datasource(DATASOURCE)
        .unit(unit)
        .decimals(decimals)
        .span(width)
        .height(4)
        .graph_mode(common.BigValueGraphMode.NONE)
        .reduce_options(common_builders.ReduceDataOptions().calcs(["lastNotNull"]).values(False))
    )
    for target in _refs([query], instant=True):
        panel = panel.with_target(target)
    return panel


def health(title: str, description: str, query: Query, *, one_is_good: bool, width: int = 6) -> stat.Panel:
    """A stat per series on a red or green background: below 1 and from 1 up (`up` is good at
    1; halted, degraded and down counts are bad from 1)."""
    below, above = ("red", "green") if one_is_good else ("green", "red")
    steps = [model.Threshold(value=None, color=below), model.Threshold(value=1, color=above)]
    return (
        number(title, description, "none", query, width=width)
        .color_mode(common.BigValueColorMode.BACKGROUND)
        .thresholds(dash.ThresholdsConfig().mode(model.ThresholdsMode.ABSOLUTE).steps(steps))
    )


def ranking(
    title: str, description: str, unit: str, query: Query, *, width: int = 12, decimals: int = 0
) -> bargauge.Panel:
    """One bar per series at the end of the range (by community, by category)."""
    panel = (
        bargauge.Panel()
        .title(title)
        .description(description)
        .datasource(DATASOURCE)
        .unit(unit)
        .decimals(decimals)
        .min(0)
        .span(width)
        .height(8)
        .orientation(common.VizOrientation.HORIZONTAL)
        .display_mode(common.BarGaugeDisplayMode.BASIC)
        .reduce_options(common_builders.ReduceDataOptions().calcs(["lastNotNull"]).values(False))
    )
    for target in _refs([query], instant=True):
        panel = panel.with_target(target)
    return panel


# -- variables ------------------------------------------------------------------------------------


def datasource_variable() -> dash.DatasourceVariable:
    return dash.DatasourceVariable("datasource").label("Data source").type("prometheus")


def label_variable(name: str, label: str, query: str) -> dash.QueryVariable:
    return (
        dash.QueryVariable(name)
        .label(label)
        .datasource(DATASOURCE)
        .query(query)
        .refresh(model.VariableRefresh.ON_TIME_RANGE_CHANGED)
        .sort(model.VariableSort.ALPHABETICAL_ASC)
        .multi(True)
        .include_all(True)
        .all_value(".*")
        .current(model.VariableOption(selected=True, text="All", value="$__all"))
    )


def base(uid: str, title: str, description: str, tags: list[str]) -> dash.Dashboard:
    return (
        dash.Dashboard(title)
        .uid(uid)
        .description(description)
        .tags(["linli", *tags])
        .timezone("browser")
        .time("now-6h", "now")
        .refresh("1m")
        .tooltip(model.DashboardCursorSync.CROSSHAIR)
        .with_variable(datasource_variable())
    )


# -- the platform overview ------------------------------------------------------------------------


def _selector(metric: str, *matchers: str) -> str:
    given = ", ".join(m for m in matchers if m)
    return f"{metric}{{{given}}}" if given else metric


def _ratio(metric: str, scope: str, failing: str, by: str) -> str:
    """Failures over all, reading 0 (not nothing) while nothing fails."""
    total = f"sum by ({by}) (rate({_selector(metric, scope)}[{RATE}]))"
    return f"(sum by ({by}) (rate({_selector(metric, scope, failing)}[{RATE}])) or {total} * 0) / {total}"


def _quantile(q: float, bucket: str, by: str) -> str:
    return f"histogram_quantile({q}, sum by ({by}, le) (rate({bucket}[{RATE}])))"


def platform_overview() -> dash.Dashboard:
    grpc = f"linli_grpc_server_handled_total{{{SERVICE}}}"
    grpc_bucket = f'linli_grpc_server_handling_seconds_bucket{{{SERVICE}, method!~"{STREAMS}"}}'
    http = "linli_gateway_http_requests_total"
    http_bucket = 'linli_gateway_http_request_duration_seconds_bucket{route!~".*/stream"}'
    consumed = f"linli_events_consumed_total{{{SERVICE}}}"
    board = base(
        "linli-platform-overview",
        "Linli platform overview",
        "Traffic, errors and latency per service and RPC, the gateway, Kafka consumers, the outbox and dead letters.",
        ["platform"],
    ).with_variable(label_variable("service", "Service", 'label_values(up{part_of="linli"}, service)'))
    board = (
        board.with_row(dash.Row("Health"))
        .with_panel(
            health(
                "Targets up",
                "1 per scrape target that answered its last scrape.",
                Query(f"sum by (service) (up{{{SERVICE}}})", "{{service}}"),
                one_is_good=True,
            )
        )
        .with_panel(
            health(
                "Degraded",
                "1 while a non-critical dependency (Kafka) fails: still serving, writes kept in the outbox.",
                Query(f"max by (service) (linli_service_degraded{{{SERVICE}}})", "{{service}}"),
                one_is_good=False,
            )
        )
        .with_panel(
            health(
                "Consumers halted",
                "1 while a consumer group is not consuming (dead-letter limit reached, or restarting).",
                Query(f"max by (service, group) (linli_consumer_stopped{{{SERVICE}}})", "{{service}} {{group}}"),
                one_is_good=False,
            )
        )
        .with_panel(
            health(
                "Dependencies down",
                "Health checks failing now (database, broker), per service.",
                Query(
                    f"count by (service) (linli_dependency_up{{{SERVICE}}} == 0) "
                    f"or count by (service) (linli_dependency_up{{{SERVICE}}}) * 0",
                    "{{service}}",
                ),
                one_is_good=False,
            )
        )
    )
    board = (
        board.with_row(dash.Row("gRPC: traffic, errors, latency"))
        .with_panel(
            graph(
                "Calls per second",
                "gRPC calls completed, by service.",
                "reqps",
                Query(f"sum by (service) (rate({grpc}[{RATE}]))", "{{service}}"),
            )
        )
        .with_panel(
            graph(
                "Server failure ratio",
                f"Share of calls ending {SERVER_FAILURES.replace('|', ', ')}: the server failed, not the caller.",
                "percentunit",
                Query(
                    _ratio("linli_grpc_server_handled_total", SERVICE, f'code=~"{SERVER_FAILURES}"', "service"),
                    "{{service}}",
                ),
            )
        )
        .with_panel(
            graph(
                "Latency p50 and p99",
                "Time to handle a unary call, by service (server streams left out).",
                "s",
                Query(_quantile(0.5, grpc_bucket, "service"), "p50 {{service}}"),
                Query(_quantile(0.99, grpc_bucket, "service"), "p99 {{service}}"),
            )
        )
        .with_panel(
            graph(
                "Calls by status code",
                "Every code, OK included: refusals of bad input show here.",
                "reqps",
                Query(f"sum by (service, code) (rate({grpc}[{RATE}]))", "{{service}} {{code}}"),
            )
        )
        .with_panel(
            graph(
                "Calls per second by RPC",
                "By service and method.",
                "reqps",
                Query(f"sum by (service, method) (rate({grpc}[{RATE}]))", "{{method}}"),
                width=8,
            )
        )
        .with_panel(
            graph(
                "p99 by RPC",
                "99th percentile per unary method.",
                "s",
                Query(_quantile(0.99, grpc_bucket, "service, method"), "{{method}}"),
                width=8,
            )
        )
        .with_panel(
            graph(
                "In flight",
                "Calls being handled now.",
                "short",
                Query(f"sum by (service) (linli_grpc_server_in_flight{{{SERVICE}}})", "{{service}}"),
                width=8,
            )
        )
    )
    board = (
        board.with_row(dash.Row("Gateway: HTTP"))
        .with_panel(
            graph(
                "Requests per second by route",
                "By route template and status.",
                "reqps",
                Query(f"sum by (route, status) (rate({http}[{RATE}]))", "{{route}} {{status}}"),
                width=8,
            )
        )
        .with_panel(
            graph(
                "5xx ratio",
                "Share of answers with a 5xx status.",
                "percentunit",
                Query(_ratio("linli_gateway_http_requests_total", "", 'status=~"5.."', "service"), "{{service}}"),
                width=8,
            )
        )
        .with_panel(
            graph(
                "Latency p50 and p99",
                "Time to answer, all routes (the event stream left out).",
                "s",
                Query(_quantile(0.5, http_bucket, "service"), "p50"),
                Query(_quantile(0.99, http_bucket, "service"), "p99"),
                width=8,
            )
        )
        .with_panel(
            graph(
                "p99 by route",
                "99th percentile per method and route template.",
                "s",
                Query(_quantile(0.99, http_bucket, "method, route"), "{{method}} {{route}}"),
                width=24,
            )
        )
    )
    board = (
        board.with_row(dash.Row("Kafka and the outbox"))
        .with_panel(
            graph(
                "Consumer lag",
                "Records behind the partitions' ends, per consumer group and topic.",
                "short",
                Query(
                    f"sum by (service, group, topic) (linli_consumer_lag_records{{{SERVICE}}})", "{{group}} {{topic}}"
                ),
                width=8,
            )
        )
        .with_panel(
            graph(
                "Events consumed",
                "By group and outcome (applied, duplicate, dead_lettered).",
                "ops",
                Query(f"sum by (service, group, outcome) (rate({consumed}[{RATE}]))", "{{group}} {{outcome}}"),
                width=8,
            )
        )
        .with_panel(
            graph(
                "Dead letters",
                "Events a consumer gave up on (sent to <topic>.dlq), per group and topic.",
                "short",
                Query(
                    "sum by (service, group, topic) "
                    f'(increase(linli_events_consumed_total{{{SERVICE}, outcome="dead_lettered"}}[{RATE}])) '
                    f"or sum by (service, group, topic) ({consumed}) * 0",
                    "{{group}} {{topic}}",
                ),
                width=8,
            )
        )
        .with_panel(
            graph(
                "Outbox backlog",
                "Events stored and not yet acknowledged by Kafka.",
                "short",
                Query(f"max by (service) (linli_outbox_pending_events{{{SERVICE}}})", "{{service}}"),
                width=8,
            )
        )
        .with_panel(
            graph(
                "Outbox lag p99",
                "Time from an event being stored to Kafka acknowledging it.",
                "s",
                Query(_quantile(0.99, f"linli_outbox_lag_seconds_bucket{{{SERVICE}}}", "service"), "{{service}}"),
                width=8,
            )
        )
        .with_panel(
            graph(
                "Events published and relay failures",
                "Events the outbox relay published per topic, and failed relay rounds.",
                "ops",
                Query(
                    f"sum by (service, topic) (rate(linli_events_published_total{{{SERVICE}}}[{RATE}]))", "{{topic}}"
                ),
                Query(
                    f"sum by (service) (rate(linli_outbox_publish_failures_total{{{SERVICE}}}[{RATE}]))",
                    "failures {{service}}",
                ),
                width=8,
            )
        )
        .with_panel(
            graph(
                "Notification delivery queue",
                "External deliveries (e-mail, SMS, webhooks) waiting, by channel.",
                "short",
                Query("sum by (channel) (linli_notifications_queue_depth)", "{{channel}}"),
            )
        )
        .with_panel(
            graph(
                "Periodic jobs",
                "Timer runs (deadline scan, offer expiry, visits, reminders) by outcome.",
                "ops",
                Query(
                    f"sum by (service, exported_job, outcome) (rate(linli_timer_runs_total{{{SERVICE}}}[{RATE}]))",
                    "{{exported_job}} {{outcome}}",
                ),
            )
        )
    )
    return board


# -- the city view --------------------------------------------------------------------------------


def _by(labels: str, expr: str) -> str:
    return f"sum by ({labels}) ({expr})" if labels else f"sum({expr})"


def on_time(by: str) -> str:
    """Resolved by the resolve deadline over all resolved that had one, over the range."""
    met = _by(by, f'increase(linli_requests_resolved_total{{{PLACE}, deadline="met"}}[{RANGE}])')
    due = _by(by, f'increase(linli_requests_resolved_total{{{PLACE}, deadline=~"met|missed"}}[{RANGE}])')
    return f"{met} / {due}"


def average_stars(by: str) -> str:
    total = _by(by, f"increase(linli_requests_rating_stars_sum{{{PLACE}}}[{RANGE}])")
    count = _by(by, f"increase(linli_requests_rating_stars_count{{{PLACE}}}[{RANGE}])")
    return f"{total} / {count}"


def city() -> dash.Dashboard:
    open_now = f'linli_requests_current{{{PLACE}, status=~"{OPEN}"}}'
    per_hour = "3600 * "
    board = (
        base(
            "linli-city",
            "Linli city view",
            "Requests, deadlines, satisfaction, volunteers and notifications, by community and category.",
            ["city"],
        )
        .with_variable(
            label_variable("community", "Community", "label_values(linli_requests_submitted_total, community)")
        )
        .with_variable(label_variable("category", "Category", "label_values(linli_requests_submitted_total, category)"))
    )
    board = (
        board.with_row(dash.Row("Requests"))
        .with_panel(
            number(
                "Submitted",
                "Requests submitted in the time range.",
                "short",
                Query(_by("", f"increase(linli_requests_submitted_total{{{PLACE}}}[{RANGE}])")),
            )
        )
        .with_panel(
            number(
                "Open now",
                f"Requests in an open status ({OPEN.replace('|', ', ')}).",
                "short",
                Query(_by("", open_now)),
            )
        )
        .with_panel(
            number(
                "Resolved",
                "Requests resolved in the time range.",
                "short",
                Query(_by("", f"increase(linli_requests_resolved_total{{{PLACE}}}[{RANGE}])")),
            )
        )
        .with_panel(
            number(
                "On-time rate",
                "Resolved by the resolve deadline, of those resolved in the range.",
                "percentunit",
                Query(on_time("")),
                decimals=1,
            )
        )
        .with_panel(
            number(
                "Average rating",
                "Stars (1-5) residents gave in the time range.",
                "none",
                Query(average_stars("")),
                decimals=2,
            )
        )
        .with_panel(
            number(
                "Satisfied",
                "Share of ratings of 4 or 5 stars in the time range.",
                "percentunit",
                Query(
                    f'1 - sum(increase(linli_requests_rating_stars_bucket{{{PLACE}, le=~"3(\\\\.0)?"}}[{RANGE}])) '
                    f"/ sum(increase(linli_requests_rating_stars_count{{{PLACE}}}[{RANGE}]))"
                ),
                decimals=1,
            )
        )
        .with_panel(
            graph(
                "Submitted and resolved per hour",
                "Across the chosen communities and categories.",
                "short",
                Query(per_hour + _by("", f"rate(linli_requests_submitted_total{{{PLACE}}}[{RATE}])"), "submitted"),
                Query(per_hour + _by("", f"rate(linli_requests_resolved_total{{{PLACE}}}[{RATE}])"), "resolved"),
            )
        )
        .with_panel(
            graph(
                "Requests by status",
                "Every request in the ledger, by its status now.",
                "short",
                Query(_by("status", f"linli_requests_current{{{PLACE}}}"), "{{status}}"),
            )
        )
        .with_panel(
            ranking(
                "Open by community", "Open requests now.", "short", Query(_by("community", open_now), "{{community}}")
            )
        )
        .with_panel(
            ranking("Open by category", "Open requests now.", "short", Query(_by("category", open_now), "{{category}}"))
        )
    )
    board = (
        board.with_row(dash.Row("On time and satisfaction"))
        .with_panel(
            ranking(
                "On-time rate by community",
                "Resolved by the deadline, of those resolved in the range.",
                "percentunit",
                Query(on_time("community"), "{{community}}"),
                decimals=1,
            )
        )
        .with_panel(
            ranking(
                "On-time rate by category",
                "Resolved by the deadline, of those resolved in the range.",
                "percentunit",
                Query(on_time("category"), "{{category}}"),
                decimals=1,
            )
        )
        .with_panel(
            ranking(
                "Average rating by community",
                "Stars (1-5) given in the range.",
                "none",
                Query(average_stars("community"), "{{community}}"),
                decimals=2,
            )
        )
        .with_panel(
            ranking(
                "Average rating by category",
                "Stars (1-5) given in the range.",
                "none",
                Query(average_stars("category"), "{{category}}"),
                decimals=2,
            )
        )
    )
    board = (
        board.with_row(dash.Row("Deadlines and escalations"))
        .with_panel(
            graph(
                "Deadline breaches per hour",
                "Accept, resolve and acknowledge deadlines the deadline timer found passed.",
                "short",
                Query(
                    per_hour + _by("deadline", f"rate(linli_requests_deadline_breaches_total{{{PLACE}}}[{RATE}])"),
                    "{{deadline}}",
                ),
                width=8,
            )
        )
        .with_panel(
            graph(
                "Escalations per hour",
                "Escalations up the ladder, by what triggered them.",
                "short",
                Query(
                    per_hour + _by("trigger", f"rate(linli_requests_escalations_total{{{PLACE}}}[{RATE}])"),
                    "{{trigger}}",
                ),
                width=8,
            )
        )
        .with_panel(
            graph(
                "Reopened per hour",
                "Requests reopened: automatic after a poor rating, or by hand.",
                "short",
                Query(
                    per_hour + _by("automatic", f"rate(linli_requests_reopened_total{{{PLACE}}}[{RATE}])"),
                    "automatic={{automatic}}",
                ),
                width=8,
            )
        )
        .with_panel(
            ranking(
                "Breaches by community",
                "Deadline breaches in the time range.",
                "short",
                Query(
                    _by("community", f"increase(linli_requests_deadline_breaches_total{{{PLACE}}}[{RANGE}])"),
                    "{{community}}",
                ),
            )
        )
        .with_panel(
            ranking(
                "Escalations by category",
                "Escalations in the time range.",
                "short",
                Query(
                    _by("category", f"increase(linli_requests_escalations_total{{{PLACE}}}[{RANGE}])"), "{{category}}"
                ),
            )
        )
    )
    board = (
        board.with_row(dash.Row("Volunteers"))
        .with_panel(
            number(
                "Active volunteers",
                "Registered and not suspended, in the chosen home communities.",
                "short",
                Query(_by("", f"linli_volunteers_active{{{COMMUNITY}}}")),
                width=6,
            )
        )
        .with_panel(
            number(
                "Hours worked",
                "Service hours credited in the range (home entries: a dual-point volunteer is credited twice).",
                "h",
                Query(_by("", f'increase(linli_volunteers_hours_credited_total{{{COMMUNITY}, kind="home"}}[{RANGE}])')),
                width=6,
                decimals=1,
            )
        )
        .with_panel(
            graph(
                "Offers and claims per hour",
                "Offers made to volunteers (one per volunteer) and offers claimed.",
                "short",
                Query(per_hour + _by("", f"rate(linli_requests_offers_total{{{PLACE}}}[{RATE}])"), "offers"),
                Query(per_hour + _by("", f"rate(linli_requests_claims_total{{{PLACE}}}[{RATE}])"), "claims"),
            )
        )
        .with_panel(
            ranking(
                "Active volunteers by community",
                "Registered and not suspended, by home community.",
                "short",
                Query(_by("community", f"linli_volunteers_active{{{COMMUNITY}}}"), "{{community}}"),
                width=8,
            )
        )
        .with_panel(
            ranking(
                "Hours credited by community",
                "Hours each community credited in the range (home and workplace entries, corrections).",
                "h",
                Query(
                    _by("community", f"increase(linli_volunteers_hours_credited_total{{{COMMUNITY}}}[{RANGE}])"),
                    "{{community}}",
                ),
                width=8,
                decimals=1,
            )
        )
        .with_panel(
            ranking(
                "Points credited by community",
                "Points each community credited in the range.",
                "short",
                Query(
                    _by("community", f"increase(linli_volunteers_points_credited_total{{{COMMUNITY}}}[{RANGE}])"),
                    "{{community}}",
                ),
                width=8,
            )
        )
    )
    board = (
        board.with_row(dash.Row("Notifications"))
        .with_panel(
            graph(
                "Deliveries by channel",
                "External delivery attempts (e-mail, SMS, webhooks) by channel and outcome; "
                "inbox entries are stored, not delivered.",
                "ops",
                Query(
                    "sum by (channel, outcome) (rate(linli_notifications_deliveries_total[$__rate_interval]))",
                    "{{channel}} {{outcome}}",
                ),
            )
        )
        .with_panel(
            graph(
                "Waiting by channel",
                "Deliveries queued (due or scheduled for a retry).",
                "short",
                Query("sum by (channel) (linli_notifications_queue_depth)", "{{channel}}"),
            )
        )
    )
    return board


# -- output ---------------------------------------------------------------------------------------

DASHBOARDS = {"linli-platform-overview": platform_overview, "linli-city": city}

HEADER = "# Generated by deploy/grafana/generate.py; do not edit (make dashboards).\n"


def render(board: Builder[model.Dashboard]) -> str:
    built = board.build()
    for number_, panel in enumerate(built.panels or [], start=1):
        panel.id_val = number_  # stable ids: links and the sidecar's diffs refer to them
    return json.dumps(built, cls=JSONEncoder, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def configmap(name: str, dashboard_json: str) -> str:
    document = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {
            "name": f"{name}-dashboard",
            "labels": {"grafana_dashboard": "1", "app.kubernetes.io/part-of": "linli"},
            "annotations": {"grafana_folder": "Linli"},
        },
        # compact: kubectl apply keeps a copy in an annotation limited to 256 KiB
        "data": {
            f"{name}.json": json.dumps(
                json.loads(dashboard_json), sort_keys=True, separators=(",", ":"), ensure_ascii=False
            )
        },
    }
    return HEADER + yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=1_000_000)


KUSTOMIZATION = """\
# Grafana dashboards as ConfigMaps for Grafana's dashboard sidecar (label grafana_dashboard: "1",
# folder from the grafana_folder annotation). Generated with the dashboards: make dashboards.
apiVersion: kustomize.config.k8s.io/v1alpha1
kind: Component
resources:
{resources}"""


def outputs() -> dict[Path, str]:
    """Every generated file by its path relative to the repository root."""
    files: dict[Path, str] = {}
    resources = ""
    for name, build in DASHBOARDS.items():
        text = render(build())
        files[DASHBOARDS_DIR / f"{name}.json"] = text
        files[COMPONENT_DIR / f"{name}.yaml"] = configmap(name, text)
        resources += f"  - {name}.yaml\n"
    files[COMPONENT_DIR / "kustomization.yaml"] = KUSTOMIZATION.format(resources=resources)
    return files


def main(argv: Sequence[str]) -> int:
    root = Path(argv[1]) if len(argv) > 1 else Path(__file__).resolve().parents[2]
    for path, text in outputs().items():
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
