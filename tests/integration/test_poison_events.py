"""Poison events against every consumer of the platform, on real Kafka and FerretDB.

For each consumer (the volunteers' requests consumer, the requests' organizations feed, the
notifications service's requests consumer), a run of poison events is published, then a good
event, all on one partition: deep nesting
(100,000 levels), a 5 MB value (the topic is allowed 8 MB for the test; the DLQ keeps its
broker default, so that letter goes without its value), wrong JSON types, a wrong ce_source,
a wrong ce_type, missing CloudEvents headers. Each poison ends in `<topic>.dlq` with a
`linli_reason` header, the good event after them is applied, and the service stays SERVING.
Two consumers read the requests topic, so each test marks its poisons with its own prefix.
"""

from __future__ import annotations

import json
import re
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer
from kafka.admin import ConfigResource, ConfigResourceType
from pymongo import MongoClient

from linli.common.cloudevents import dlq_topic, new_event, to_kafka
from linli.common.consumer import Reason
from linli.common.kafka_io import ensure_topics, platform_topics
from tests.support.infra import Infra
from tests.support.processes import ServiceProcess, start_service

REQUESTS_TOPIC = "linli.requests.v1"
ORGANIZATIONS_TOPIC = "linli.organizations.v1"
BIG = 8 << 20


@dataclass(frozen=True)
class Poison:
    name: str
    value: bytes | None
    headers: list[tuple[str, bytes]]
    reason: str


def ce_headers(source: str, type_: str, subject: str) -> list[tuple[str, bytes]]:
    event = new_event("tests", type_, subject, {})
    _, _, headers = to_kafka(event)
    return [(n, source.encode() if n == "ce_source" else v) for n, v in headers]


def poisons(source: str, type_: str, subject: str, wrong_types: list[bytes]) -> list[Poison]:
    """The poison run for a consumer of `source`'s `type_` events."""
    headers = ce_headers(source, type_, subject)
    deep = b'{"x":' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    huge = json.dumps({"x": "y" * (5 << 20)}).encode()
    found = [
        Poison("deep", deep, headers, Reason.TOO_DEEP),
        Poison("huge", huge, headers, Reason.TOO_LARGE),
        Poison("wrong-source", b"{}", ce_headers("/linli/evil", type_, subject), Reason.UNEXPECTED_SOURCE),
        Poison("wrong-type", b"{}", ce_headers(source, "com.evil.thing.v1", subject), Reason.UNEXPECTED_TYPE),
        Poison("no-headers", b"{}", [], Reason.NOT_A_CLOUDEVENT),
        Poison("no-ce-id", b"{}", [(n, v) for n, v in headers if n != "ce_id"], Reason.NOT_A_CLOUDEVENT),
        Poison("not-json", b"{not json", headers, Reason.INVALID_DATA),
        Poison("array", b"[1, 2, 3]", headers, Reason.INVALID_DATA),
    ]
    found += [Poison(f"wrong-types-{n}", value, headers, Reason.INVALID_DATA) for n, value in enumerate(wrong_types)]
    return found


def publish(producer: KafkaProducer, topic: str, key: bytes, items: list[Poison], good: Any) -> None:
    """The poisons then the good event, one key (one partition, in this order)."""
    for poison in items:
        # a fresh ce_id each (the dedupe store must not skip one), a marker to find its letter
        headers = [(n, str(uuid.uuid4()).encode() if n == "ce_id" else v) for n, v in poison.headers]
        producer.send(topic, key=key, value=poison.value, headers=[*headers, ("x-poison", poison.name.encode())])
    _, value, headers = to_kafka(good)
    producer.send(topic, key=key, value=value, headers=headers)
    producer.flush(30)


def letters(
    bootstrap: str, topic: str, group: str, wanted: int, prefix: str = "", timeout: float = 60.0
) -> dict[str, dict[str, bytes]]:
    """DLQ letters of `group` by their x-poison marker (those starting with `prefix`), once
    `wanted` arrived."""
    found: dict[str, dict[str, bytes]] = {}
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and len(found) < wanted:
        consumer = KafkaConsumer(
            dlq_topic(topic),
            bootstrap_servers=bootstrap,
            group_id=None,
            auto_offset_reset="earliest",
            consumer_timeout_ms=2000,
        )
        try:
            for record in consumer:
                headers = {n: v for n, v in record.headers}
                marker = headers.get("x-poison", b"").decode()
                if headers.get("linli_consumer_group") == group.encode() and marker and marker.startswith(prefix):
                    found[marker] = {**headers, "value": record.value or b""}
        finally:
            consumer.close()
    return found


def consumed(service: ServiceProcess, group: str, outcome: str) -> float:
    with urllib.request.urlopen(f"http://127.0.0.1:{service.metrics_port}/metrics", timeout=5) as response:
        text = response.read().decode()
    total = 0.0
    for line in text.splitlines():
        if (
            line.startswith("linli_events_consumed_total{")
            and f'group="{group}"' in line
            and f'outcome="{outcome}"' in line
        ):
            total += float(line.rsplit(" ", 1)[1])
    return total


def metric(service: ServiceProcess, name: str, group: str) -> float | None:
    with urllib.request.urlopen(f"http://127.0.0.1:{service.metrics_port}/metrics", timeout=5) as response:
        text = response.read().decode()
    found = re.search(rf'^{name}\{{group="{re.escape(group)}"\}} (\S+)$', text, re.MULTILINE)
    return float(found.group(1)) if found else None


def serving(service: ServiceProcess) -> str:
    with grpc.insecure_channel(service.address) as channel:
        status = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=5).status
    return str(health_pb2.HealthCheckResponse.ServingStatus.Name(status))


def wait_for(condition: Callable[[], bool], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError("condition not met in time")


@pytest.fixture(scope="module")
def platform(infra: Infra) -> Iterator[dict[str, ServiceProcess]]:
    ensure_topics(infra.kafka_bootstrap, platform_topics())
    admin = KafkaAdminClient(bootstrap_servers=infra.kafka_bootstrap, client_id="poison-test")
    try:  # room for a 5 MB poison on the source topics; their DLQs keep the broker default
        admin.alter_configs(
            [
                ConfigResource(ConfigResourceType.TOPIC, t, configs={"max.message.bytes": str(BIG)})
                for t in (REQUESTS_TOPIC, ORGANIZATIONS_TOPIC)
            ]
        )
    finally:
        admin.close()
    started: dict[str, ServiceProcess] = {}
    try:
        started["organizations"] = orgs = start_service("organizations", infra)
        assert orgs.run_module("linli.organizations.seed").returncode == 0
        started["volunteers"] = vols = start_service("volunteers", infra, LINLI_ORGANIZATIONS_ADDR=orgs.address)
        started["requests"] = start_service(
            "requests", infra, LINLI_ORGANIZATIONS_ADDR=orgs.address, LINLI_VOLUNTEERS_ADDR=vols.address
        )
        started["notifications"] = start_service(
            "notifications", infra, LINLI_ORGANIZATIONS_ADDR=orgs.address, LINLI_VOLUNTEERS_ADDR=vols.address
        )
        yield started
    finally:
        for service in reversed(started.values()):
            service.stop()


@pytest.fixture(scope="module")
def producer(infra: Infra) -> Iterator[KafkaProducer]:
    made = KafkaProducer(bootstrap_servers=infra.kafka_bootstrap, max_request_size=BIG, acks="all")
    try:
        yield made
    finally:
        made.close(timeout=5)


def check_run(
    infra: Infra,
    service: ServiceProcess,
    topic: str,
    group: str,
    items: list[Poison],
    applied_before: float,
    prefix: str = "",
) -> None:
    found = letters(infra.kafka_bootstrap, topic, group, len(items), prefix)
    assert sorted(found) == sorted(p.name for p in items), f"dead letters: {sorted(found)}\n{service.logs()[-3000:]}"
    for poison in items:
        letter = found[poison.name]
        assert letter["linli_reason"].decode() == poison.reason, (poison.name, letter["linli_reason"])
        assert letter["linli_error"] and letter["linli_original_topic"] == topic.encode()
    huge = found[f"{prefix}huge"]
    assert huge["value"] == b"" and int(huge["linli_value_omitted"].split()[0]) > 5 << 20
    wait_for(lambda: consumed(service, group, "applied") > applied_before)
    assert metric(service, "linli_consumer_stopped", group) == 0
    assert not metric(service, "linli_consumer_restarts_total", group)
    assert serving(service) == "SERVING"
    assert service.process.poll() is None


def test_the_volunteers_requests_consumer_survives_poison(
    infra: Infra, platform: dict[str, ServiceProcess], producer: KafkaProducer
) -> None:
    volunteers = platform["volunteers"]
    group = volunteers.env["LINLI_VOLUNTEERS_CONSUMER_GROUP"]
    request_id = f"req_poison_{uuid.uuid4().hex[:8]}"
    claimed = "org.linli.request.claimed.v1"
    wrong_types = [
        b'{"request": "a string"}',
        b'{"request": {"id": 12, "status": ["x"]}}',
        b'{"request": {"id": "r", "assignee": {"kind": {"nested": true}}}}',
        b'{"request": {"id": "r"}, "stars": "five"}',
    ]
    items = [
        Poison(f"vol-{p.name}", p.value, p.headers, p.reason)
        for p in poisons("/linli/requests", claimed, request_id, wrong_types)
    ]
    items[-1] = Poison(
        "vol-wrong-types-rated",
        items[-1].value,
        ce_headers("/linli/requests", "org.linli.request.rated.v1", request_id),
        Reason.INVALID_DATA,
    )
    good = new_event(
        "requests",
        "org.linli.request.submitted.v1",
        request_id,
        {"request": {"id": request_id, "status": "REQUEST_STATUS_SUBMITTED"}},
        topic=REQUESTS_TOPIC,
    )
    good = type(good)(good.id, "/linli/requests", good.type, good.subject, good.time, good.data, good.topic)
    before = consumed(volunteers, group, "applied")
    publish(producer, REQUESTS_TOPIC, request_id.encode(), items, good)
    check_run(infra, volunteers, REQUESTS_TOPIC, group, items, before, prefix="vol-")
    client: MongoClient[dict[str, Any]] = MongoClient(infra.mongo_uri)
    database = client[volunteers.env["LINLI_MONGO_DB"]]
    wait_for(lambda: database["processed_events"].find_one({"_id": f"{group}:{good.id}"}) is not None)


def test_the_requests_organizations_feed_survives_poison(
    infra: Infra, platform: dict[str, ServiceProcess], producer: KafkaProducer
) -> None:
    requests = platform["requests"]
    group = requests.env["LINLI_PLACES_CONSUMER_GROUP"]
    grid_id = f"grid_poison_{uuid.uuid4().hex[:8]}"
    created = "org.linli.grid.created.v1"
    wrong_types = [
        b'{"grid": []}',
        b'{"grid": {"id": 7}}',
        b'{"grid": {"id": "g", "shape": {"polygon": {"vertices": "many"}}}}',
        b'{"organization": {"path": "not a list"}}',
    ]
    items = poisons("/linli/organizations", created, grid_id, wrong_types)
    items[-1] = Poison(
        "wrong-types-organization",
        items[-1].value,
        ce_headers("/linli/organizations", "org.linli.organization.updated.v1", grid_id),
        Reason.INVALID_DATA,
    )
    cell = {"southWest": {"lat": 10.0, "lng": 10.0}, "northEast": {"lat": 10.01, "lng": 10.01}}
    good = new_event(
        "organizations",
        created,
        grid_id,
        {"grid": {"id": grid_id, "organizationId": "o", "shape": {"cell": cell}}},
        topic=ORGANIZATIONS_TOPIC,
    )
    # the feed reads on from the offsets it took before its snapshot: it polls once it has them
    wait_for(lambda: metric(requests, "linli_consumer_stopped", group) == 0)
    before = consumed(requests, group, "applied")
    publish(producer, ORGANIZATIONS_TOPIC, grid_id.encode(), items, good)
    check_run(infra, requests, ORGANIZATIONS_TOPIC, group, items, before)


def test_the_notifications_requests_consumer_survives_poison(
    infra: Infra, platform: dict[str, ServiceProcess], producer: KafkaProducer
) -> None:
    notifications = platform["notifications"]
    group = notifications.env["LINLI_NOTIFICATIONS_CONSUMER_GROUP"]
    request_id = f"req_poison_{uuid.uuid4().hex[:8]}"
    offered = "org.linli.request.offered.v1"
    wrong_types = [
        b'{"request": "a string"}',
        b'{"request": {"id": 12, "status": ["x"]}}',
        b'{"request": {"id": "r", "followerPersonIds": "everyone"}}',
        b'{"request": {"id": "r"}, "offers": [{"volunteerId": {"nested": true}}]}',
    ]
    items = [
        Poison(f"notif-{p.name}", p.value, p.headers, p.reason)
        for p in poisons("/linli/requests", offered, request_id, wrong_types)
    ]
    good = new_event(
        "requests",
        "org.linli.request.submitted.v1",
        request_id,
        {"request": {"id": request_id, "status": "REQUEST_STATUS_SUBMITTED"}},
        topic=REQUESTS_TOPIC,
    )
    good = type(good)(good.id, "/linli/requests", good.type, good.subject, good.time, good.data, good.topic)
    before = consumed(notifications, group, "applied")
    publish(producer, REQUESTS_TOPIC, request_id.encode(), items, good)
    check_run(infra, notifications, REQUESTS_TOPIC, group, items, before, prefix="notif-")
