"""A real Prometheus (Debian's binary) scrapes every service of a platform started as processes
over real Kafka and FerretDB, with the alert rules loaded, after a short scripted workload
(submit, accept, offer, claim, start, resolve, rate; pages through the gateway):

- `up` is 1 for every target;
- every PromQL expression in deploy/prometheus/rules and in the dashboards under
  deploy/grafana/ parses and returns at least one series. Alerts rightly return nothing while
  they do not fire, so an alert's expression must parse, and its signal (the left operand
  before the final threshold comparison: a recorded series, by design of the rules) must
  return a series; every recording rule's expression and recorded series must too;
- no rule or dashboard names a metric Prometheus did not scrape.

The expressions and what each must return: tests/e2e/promql_sources.py.
"""

from __future__ import annotations

import json
import subprocess
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
import pytest
import yaml

from linli.common.kafka_io import ensure_topics, platform_topics
from linli.v1 import (
    common_pb2,
    notifications_pb2,
    notifications_pb2_grpc,
    requests_pb2_grpc,
    volunteers_pb2,
    volunteers_pb2_grpc,
)
from linli.v1 import requests_pb2 as pb
from tests.e2e.promql_sources import (
    RULES,
    Expression,
    dashboard_expressions,
    dashboard_files,
    names_in,
    rule_expressions,
)
from tests.support.gateway import GatewayProcess, start_gateway
from tests.support.identity import Metadata, who
from tests.support.infra import Infra, free_port
from tests.support.processes import ServiceProcess, start_service

RESIDENT: Metadata = who("prom-resident", "resident")
OPERATOR: Metadata = who("prom-operator", "operator")
DONGSHAN = common_pb2.GeoPoint(lat=28.661, lng=121.421)


# -- the platform ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def platform(infra: Infra) -> Iterator[tuple[dict[str, ServiceProcess], GatewayProcess]]:
    ensure_topics(infra.kafka_bootstrap, platform_topics())
    started: dict[str, ServiceProcess] = {}
    gateway: GatewayProcess | None = None
    try:
        started["organizations"] = start_service("organizations", infra)
        assert started["organizations"].run_module("linli.organizations.seed").returncode == 0
        orgs = started["organizations"].address
        started["volunteers"] = start_service(
            "volunteers", infra, LINLI_ORGANIZATIONS_ADDR=orgs, LINLI_SEED_VOLUNTEERS="100"
        )
        seeded = started["volunteers"].run_module("linli.volunteers.seed")
        assert seeded.returncode == 0, seeded.stderr
        vols = started["volunteers"].address
        started["notifications"] = start_service(
            "notifications",
            infra,
            LINLI_ORGANIZATIONS_ADDR=orgs,
            LINLI_VOLUNTEERS_ADDR=vols,
            LINLI_NOTIFY_TIMER_SCAN_SECONDS="1",
            # an agency's webhook on a closed loopback port: its first failure opens the
            # circuit and dead-letters the delivery, so those series exist too
            LINLI_WEBHOOK_ALLOW_HTTP="true",
            LINLI_WEBHOOK_ALLOWED_CIDRS="127.0.0.0/8",
            LINLI_RETRY_MAX_ATTEMPTS="1",
            LINLI_CIRCUIT_FAILURE_THRESHOLD="1",
        )
        started["requests"] = start_service(
            "requests",
            infra,
            LINLI_ORGANIZATIONS_ADDR=orgs,
            LINLI_VOLUNTEERS_ADDR=vols,
            LINLI_DEADLINE_SCAN_SECONDS="1",
        )
        gateway = start_gateway(infra, started)
        yield started, gateway
    finally:
        if gateway is not None:
            gateway.stop()
        for process in reversed(started.values()):
            process.stop()


# -- Prometheus --------------------------------------------------------------------------------


@dataclass
class Prometheus:
    url: str
    process: subprocess.Popen[bytes]
    log: Path

    def get(self, path: str, **params: str) -> Any:
        query = f"?{urllib.parse.urlencode(params)}" if params else ""
        try:
            with urllib.request.urlopen(f"{self.url}{path}{query}", timeout=10) as response:
                return json.load(response)
        except urllib.error.HTTPError as error:  # 400/422: a query that does not parse or evaluate
            body: Any = json.load(error)
            return body

    def query(self, expr: str) -> tuple[str | None, list[Any]]:
        """(error, series) of an instant query."""
        answer = self.get("/api/v1/query", query=expr)
        if answer.get("status") != "success":
            return f"{answer.get('errorType')}: {answer.get('error')}", []
        return None, answer["data"]["result"]


def scrape_config(platform: dict[str, ServiceProcess], gateway: GatewayProcess) -> dict[str, Any]:
    """Every service's metrics port and the gateway's /metrics, each target labelled with its
    `service` and `part_of` as the cluster's PodMonitors label them."""
    targets = {name: f"127.0.0.1:{process.metrics_port}" for name, process in platform.items()}
    targets["gateway"] = f"127.0.0.1:{gateway.port}"
    return {
        "global": {"scrape_interval": "1s", "scrape_timeout": "1s", "evaluation_interval": "1s"},
        "rule_files": [str(RULES)],
        "scrape_configs": [
            {
                "job_name": name,
                "metrics_path": "/metrics",
                "static_configs": [{"targets": [target], "labels": {"service": name, "part_of": "linli"}}],
            }
            for name, target in sorted(targets.items())
        ],
    }


@pytest.fixture(scope="module")
def prometheus(platform: tuple[dict[str, ServiceProcess], GatewayProcess]) -> Iterator[Prometheus]:
    services, gateway = platform
    with tempfile.TemporaryDirectory(prefix="linli-prometheus-") as folder:
        config = Path(folder) / "prometheus.yml"
        config.write_text(yaml.safe_dump(scrape_config(services, gateway)), encoding="utf-8")
        port = free_port()
        log = Path(folder) / "prometheus.log"
        with log.open("wb") as out:
            process = subprocess.Popen(
                [
                    "prometheus",
                    f"--config.file={config}",
                    f"--storage.tsdb.path={Path(folder) / 'data'}",
                    f"--web.listen-address=127.0.0.1:{port}",
                    "--storage.tsdb.retention.time=1h",
                    "--log.level=warn",
                ],
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        server = Prometheus(f"http://127.0.0.1:{port}", process, log)
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    with urllib.request.urlopen(f"{server.url}/-/ready", timeout=2) as response:
                        if response.status == 200:
                            break
                except (urllib.error.URLError, ConnectionError, TimeoutError):
                    pass
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"prometheus did not start:\n{log.read_text()}")
                time.sleep(0.2)
            yield server
        finally:
            process.terminate()
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)


# -- the workload ----------------------------------------------------------------------------


def wait_for_series(server: Prometheus, selector: str) -> None:
    deadline = time.monotonic() + 20
    while not server.query(selector)[1]:
        assert time.monotonic() < deadline, f"Prometheus never scraped {selector}"
        time.sleep(0.3)


def subscribe_a_dead_webhook(services: dict[str, ServiceProcess]) -> None:
    """An agency's webhook subscription to a closed loopback port: the workload's public events
    become deliveries that fail there."""
    agency = "org_prom_agency"
    admin = who("prom-agency-admin", f"agency_admin@{agency}")
    with grpc.insecure_channel(services["notifications"].address) as channel:
        notifications = notifications_pb2_grpc.NotificationServiceStub(channel)
        made = notifications.CreateSubscription(
            notifications_pb2.CreateSubscriptionRequest(
                agency_id=agency,
                name="Prometheus test feed",
                url=f"http://127.0.0.1:{free_port()}/hook",
                idempotency_key=uuid.uuid4().hex,  # no event types: every public event
            ),
            metadata=admin,
            timeout=10,
        )
        assert made.subscription.active


def run_workload(services: dict[str, ServiceProcess], gateway: GatewayProcess, server: Prometheus) -> None:
    """One request through its whole loop over gRPC (submit, accept, offer, claim, start,
    resolve, rate), one left open, a caller's mistake (NOT_FOUND), a webhook that fails, and
    pages through the gateway."""
    subscribe_a_dead_webhook(services)
    with (
        grpc.insecure_channel(services["requests"].address) as r_channel,
        grpc.insecure_channel(services["volunteers"].address) as v_channel,
    ):
        requests = requests_pb2_grpc.RequestServiceStub(r_channel)
        volunteers = volunteers_pb2_grpc.VolunteerServiceStub(v_channel)
        request = requests.SubmitRequest(
            pb.SubmitRequestRequest(
                category="repairs",
                title="楼道灯不亮",
                description="三楼楼道灯坏了，晚上看不见",
                point=DONGSHAN,
                idempotency_key=uuid.uuid4().hex,
            ),
            metadata=RESIDENT,
            timeout=10,
        ).request
        # the request's series start at 0: let Prometheus see that before they move, or
        # increase() over the resolve would have no earlier sample to count from
        wait_for_series(server, f'linli_requests_resolved_total{{community="{request.community_id}"}}')
        dispatcher = who("prom-dispatcher", f"dispatcher@{request.community_id}")
        requests.AcceptRequest(pb.AcceptRequestRequest(request_id=request.id), metadata=dispatcher, timeout=10)
        offered = requests.OfferToVolunteers(
            pb.OfferToVolunteersRequest(request_id=request.id, offer_count=2), metadata=dispatcher, timeout=10
        )
        assert offered.offers
        volunteer = volunteers.GetVolunteer(
            volunteers_pb2.GetVolunteerRequest(id=offered.offers[0].volunteer_id), metadata=OPERATOR, timeout=10
        )
        person: Metadata = who(volunteer.person_id, "volunteer")
        requests.ClaimRequest(pb.ClaimRequestRequest(request_id=request.id), metadata=person, timeout=10)
        requests.StartWork(pb.StartWorkRequest(request_id=request.id), metadata=person, timeout=10)
        requests.ResolveRequest(
            pb.ResolveRequestRequest(request_id=request.id, result_text="换了灯泡", hours=1),
            metadata=person,
            timeout=10,
        )
        requests.RateRequest(pb.RateRequestRequest(request_id=request.id, stars=5), metadata=RESIDENT, timeout=10)
        requests.SubmitRequest(
            pb.SubmitRequestRequest(
                category="environment",
                title="垃圾桶满了",
                description="小区门口的垃圾桶满了，需要清理",
                point=DONGSHAN,
                idempotency_key=uuid.uuid4().hex,
            ),
            metadata=RESIDENT,
            timeout=10,
        )
        with pytest.raises(grpc.RpcError):
            requests.GetRequest(pb.GetRequestRequest(request_id="req-does-not-exist"), metadata=RESIDENT, timeout=10)
    for path in ("/", "/healthz", "/readyz", "/open311/v2/discovery.json", "/no-such-page"):
        try:
            with urllib.request.urlopen(f"{gateway.url}{path}", timeout=10):
                pass
        except urllib.error.HTTPError:
            pass  # a 404 is traffic too


# -- the test --------------------------------------------------------------------------------


def wait_until_every_target_is_up(server: Prometheus, targets: int) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        error, up = server.query("up == 1")
        if not error and len(up) == targets:
            time.sleep(1.5)  # one more scrape: a first sample before anything moves
            return
        time.sleep(0.5)
    raise AssertionError(f"not every target is up: {server.query('up')}")


def problems(server: Prometheus, expressions: list[Expression], targets: int) -> list[str]:
    found: list[str] = []
    error, up = server.query("up")
    if error or len(up) != targets or any(series["value"][1] != "1" for series in up):
        found.append(f"up: {error or [(s['metric'].get('service'), s['value'][1]) for s in up]}")
    scraped = set(server.get("/api/v1/label/__name__/values")["data"])
    for expression in expressions:
        error, series = server.query(expression.expr)
        if error:
            found.append(f"{expression.where}: {error} in {expression.expr}")
            continue
        if expression.must_return is not None:
            if expression.must_return != expression.expr:
                error, series = server.query(expression.must_return)
            if error or not series:
                found.append(f"{expression.where}: no series from {expression.must_return} {error or ''}")
        missing = names_in(expression.expr) - scraped
        if missing:
            found.append(f"{expression.where}: names metrics no service exports: {sorted(missing)}")
    return found


def test_prometheus_scrapes_every_service_and_every_rule_and_panel_returns_series(
    platform: tuple[dict[str, ServiceProcess], GatewayProcess], prometheus: Prometheus
) -> None:
    services, gateway = platform
    assert dashboard_files(), "no dashboards in deploy/grafana/"
    expressions = rule_expressions() + dashboard_expressions()
    # every target scraped before the workload, so rate() and increase() see the counters move
    wait_until_every_target_is_up(prometheus, targets=len(services) + 1)
    run_workload(services, gateway, prometheus)
    # rate() needs two scrapes after the counters moved, the volunteers' credit follows the
    # requests' events over Kafka, and consumer lag is sampled every 5 s
    deadline = time.monotonic() + 60
    while True:
        found = problems(prometheus, expressions, targets=len(services) + 1)
        if not found or time.monotonic() > deadline:
            break
        time.sleep(2)
    assert not found, "\n".join(found) + "\n" + prometheus.log.read_text()[-3000:]
