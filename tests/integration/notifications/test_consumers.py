"""The notifications service as a real process on real Kafka and FerretDB: request events in,
inbox entries out (read back through NotificationService as the people they are for); the
same event twice makes one entry; a crash (SIGKILL) in the middle of a batch, then a
restart, loses nothing and doubles nothing; an event from a foreign source is dead-lettered
while the others are applied.

The events are the requests service's own (its domain functions and event_payloads encoder);
``request.accepted`` notifies the requester and the followers, person ids the event carries,
so no other service is needed."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from typing import Any

import grpc
import pytest
from kafka import KafkaProducer

from linli.common.aggregates import envelope_of
from linli.common.cloudevents import Envelope, to_kafka
from linli.common.kafka_io import ensure_topics, make_producer
from linli.requests.adapters.event_payloads import encode as req_encode
from linli.requests.domain import events as req_ev
from linli.v1 import common_pb2, notifications_pb2, notifications_pb2_grpc
from tests.support.identity import who
from tests.support.infra import Infra
from tests.support.processes import ServiceProcess, start_service
from tests.support.topics import read_topic
from tests.unit.requests import req_support

PEOPLE = [f"p-it-{i}" for i in range(10)]


@pytest.fixture
def topics(infra: Infra) -> dict[str, str]:
    suffix = uuid.uuid4().hex[:8]
    names = {
        "requests": f"linli.requests.t{suffix}.v1",
        "public": f"linli.public.requests.t{suffix}.v1",
        "volunteers": f"linli.volunteers.t{suffix}.v1",
        "organizations": f"linli.organizations.t{suffix}.v1",
    }
    ensure_topics(infra.kafka_bootstrap, [n for t in names.values() for n in (t, f"{t}.dlq")], partitions=3)
    return names


@pytest.fixture
def service_env(topics: dict[str, str]) -> dict[str, str]:
    return {
        "LINLI_REQUESTS_TOPIC": topics["requests"],
        "LINLI_PUBLIC_REQUESTS_TOPIC": topics["public"],
        "LINLI_VOLUNTEERS_TOPIC": topics["volunteers"],
        "LINLI_ORGANIZATIONS_TOPIC": topics["organizations"],
        "LINLI_NOTIFICATIONS_CONSUMER_GROUP": f"notifications-{uuid.uuid4().hex[:6]}",
        "LINLI_MONGO_DB": f"test_notifications_{uuid.uuid4().hex[:6]}",
        "LINLI_ORGANIZATIONS_ADDR": "127.0.0.1:9",  # not needed by these rules
        "LINLI_VOLUNTEERS_ADDR": "127.0.0.1:9",
    }


@pytest.fixture
def producer(infra: Infra) -> Iterator[KafkaProducer]:
    made = make_producer(infra.kafka_bootstrap, client_id="test-notifications")
    try:
        yield made
    finally:
        made.close(timeout=5)


def accepted_events(count: int) -> list[Envelope]:
    """``request.accepted`` events of ``count`` requests, requesters spread over PEOPLE."""
    out = []
    for i in range(count):
        request = req_support.accepted()
        for event in request.pending_events:
            envelope = envelope_of(req_encode(event), req_ev.SOURCE)
            if envelope.type != req_ev.REQUEST_ACCEPTED:
                continue
            data = json.loads(envelope.data)
            data["request"]["requesterPersonId"] = PEOPLE[i % len(PEOPLE)]
            out.append(envelope.__class__(**{**envelope.__dict__, "data": json.dumps(data).encode()}))
    return out


def send(producer: KafkaProducer, topic: str, envelopes: list[Envelope]) -> None:
    for envelope in envelopes:
        key, value, headers = to_kafka(envelope)
        producer.send(topic, key=key, value=value, headers=headers)
    producer.flush(30)


def inbox(service: ServiceProcess, person: str) -> list[Any]:
    """Every entry of the person's inbox, through ListInbox as that person."""
    metadata = who(person, "resident")
    entries: list[Any] = []
    token = ""
    with grpc.insecure_channel(service.address) as channel:
        stub = notifications_pb2_grpc.NotificationServiceStub(channel)
        while True:
            page = stub.ListInbox(
                notifications_pb2.ListInboxRequest(page=common_pb2.PageRequest(page_size=100, page_token=token)),
                metadata=metadata,
                timeout=10,
            )
            entries.extend(page.entries)
            token = page.page.next_page_token
            if not token:
                return entries


def all_entries(service: ServiceProcess) -> list[Any]:
    return [entry for person in PEOPLE for entry in inbox(service, person)]


def wait_for_entries(service: ServiceProcess, expected: int, timeout: float = 90.0) -> list[Any]:
    deadline = time.monotonic() + timeout
    entries: list[Any] = []
    while time.monotonic() < deadline:
        entries = all_entries(service)
        if len(entries) >= expected:
            time.sleep(2.0)  # anything more (a double) would show up now
            return all_entries(service)
        time.sleep(0.5)
    return entries


def test_events_become_inbox_entries_once_even_when_sent_twice(
    infra: Infra, topics: dict[str, str], service_env: dict[str, str], producer: KafkaProducer
) -> None:
    service = start_service("notifications", infra, **service_env)
    try:
        events = accepted_events(20)
        send(producer, topics["requests"], events)
        send(producer, topics["requests"], events[:10])  # the same events again (a relay replay)
        foreign = envelope_of(req_encode(req_support.accepted().pending_events[-2]), "/linli/volunteers")
        send(producer, topics["requests"], [foreign])
        entries = wait_for_entries(service, 20)
        assert len(entries) == 20, service.logs()[-3000:]
        assert {e.event_id for e in entries} == {e.id for e in events}
        assert all(e.kind == "request.accepted" and e.subject_id.startswith("req_") for e in entries)
        assert all(e.link.endswith(f"/requests/{e.subject_id}") for e in entries)
        mine = inbox(service, PEOPLE[0])
        assert len(mine) == 2 and all(e.person_id == PEOPLE[0] for e in mine)
        dead = read_topic(infra.kafka_bootstrap, f"{topics['requests']}.dlq", {foreign.subject}, 1)
        assert len(dead) == 1
        assert dict(dead[0].headers)["ce_source"] == b"/linli/volunteers"
    finally:
        service.stop()


def test_a_crash_in_the_middle_of_a_batch_loses_nothing_and_doubles_nothing(
    infra: Infra, topics: dict[str, str], service_env: dict[str, str], producer: KafkaProducer
) -> None:
    events = accepted_events(1000)
    # Small batches, so the kill comes with some applied and a batch in hand, not after the lot.
    service_env = {**service_env, "LINLI_NOTIFICATIONS_BATCH_SIZE": "50"}
    service = start_service("notifications", infra, **service_env)
    try:
        send(producer, topics["requests"], events)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and len(all_entries(service)) < 20:
            time.sleep(0.05)
        applied_before = len(all_entries(service))
        assert 0 < applied_before < len(events), "the crash must come in the middle of the batch"
        service.process.kill()  # SIGKILL: no drain, no offset commit of the batch in hand
        service.process.wait(10)
    finally:
        service.stop()
    restarted = start_service("notifications", infra, **service_env)
    try:
        entries = wait_for_entries(restarted, len(events), timeout=120)
        assert len(entries) == len(events), restarted.logs()[-3000:]
        assert len({e.id for e in entries}) == len(events)
        assert {e.event_id for e in entries} == {e.id for e in events}
    finally:
        restarted.stop()
