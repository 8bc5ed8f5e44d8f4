"""The timers' watches survive a restart (real Kafka and FerretDB, the service in-process):
a request event arrives, the service stops before the deadline-near notice is due, a new
service on the same database and consumer group (which does not read the event again) sends
the notice when it comes due; and a batch's inbox entries are stored once even when the
whole batch is replayed to a restarted service."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from kafka import KafkaProducer

from linli.common.aggregates import envelope_of
from linli.common.cloudevents import Envelope, to_kafka
from linli.common.kafka_io import ensure_topics, make_producer
from linli.common.metrics import EVENTS_CONSUMED
from linli.requests.adapters.event_payloads import encode as req_encode
from linli.requests.domain import events as req_ev
from linli.v1 import common_pb2, notifications_pb2
from tests.integration.notifications.conftest import FakeDirectory, RunningNotifications, person, start_notifications
from tests.support.infra import Infra
from tests.unit.requests import req_support

DISPATCHER = "p-disp-restart"
REQUESTER = "p-req-restart"


@pytest.fixture
def topics(infra: Infra) -> dict[str, str]:
    suffix = uuid.uuid4().hex[:8]
    names = {
        "requests_topic": f"linli.requests.w{suffix}.v1",
        "public_requests_topic": f"linli.public.requests.w{suffix}.v1",
        "volunteers_topic": f"linli.volunteers.w{suffix}.v1",
        "organizations_topic": f"linli.organizations.w{suffix}.v1",
    }
    ensure_topics(infra.kafka_bootstrap, [n for t in names.values() for n in (t, f"{t}.dlq")], partitions=3)
    return names


@pytest.fixture
def producer(infra: Infra) -> Iterator[KafkaProducer]:
    made = make_producer(infra.kafka_bootstrap, client_id="test-watches-restart")
    try:
        yield made
    finally:
        made.close(timeout=5)


def accepted_event(resolve_by: datetime) -> tuple[Envelope, str]:
    """A ``request.accepted`` event of REQUESTER's request, due to be resolved at ``resolve_by``;
    and the request's community."""
    request = req_support.accepted()
    for event in request.pending_events:
        envelope = envelope_of(req_encode(event), req_ev.SOURCE)
        if envelope.type == req_ev.REQUEST_ACCEPTED:
            data = json.loads(envelope.data)
            data["request"]["requesterPersonId"] = REQUESTER
            data["request"]["resolveBy"] = resolve_by.isoformat().replace("+00:00", "Z")
            return envelope.__class__(**{**envelope.__dict__, "data": json.dumps(data).encode()}), data["request"][
                "communityId"
            ]
    raise AssertionError("no request.accepted event")


def inbox(service: RunningNotifications, who: str) -> list[Any]:
    return list(
        service.stub.ListInbox(
            notifications_pb2.ListInboxRequest(page=common_pb2.PageRequest(page_size=100)),
            metadata=person(who, "resident"),
            timeout=10,
        ).entries
    )


def wait_for(service: RunningNotifications, who: str, kind: str, timeout: float) -> list[Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = [e for e in inbox(service, who) if e.kind == kind]
        if found:
            return found
        time.sleep(0.2)
    return []


def test_a_deadline_learnt_before_a_restart_is_still_notified_after_it(
    infra: Infra, topics: dict[str, str], producer: KafkaProducer
) -> None:
    resolve_by = datetime.now(UTC) + timedelta(seconds=70)
    lead_minutes = 0.75  # the notice is due 45 s before: about 25 s from now
    envelope, community = accepted_event(resolve_by)
    directory = FakeDirectory(roles={("dispatcher", community): (DISPATCHER,)})
    settings: dict[str, Any] = {
        **topics,
        "consumer_group": f"notifications-restart-{uuid.uuid4().hex[:6]}",
        "deadline_near_minutes": lead_minutes,
        "timer_scan_seconds": 0.5,
    }
    database = f"test_notif_restart_{uuid.uuid4().hex[:8]}"
    first = start_notifications(infra, database, directory, **settings)
    try:
        key, value, headers = to_kafka(envelope)
        producer.send(topics["requests_topic"], key=key, value=value, headers=headers)
        producer.flush(30)
        assert wait_for(first, REQUESTER, "request.accepted", timeout=60), "the event was not applied"
        assert first.services.watches.deadlines.watch.state(envelope.subject) is not None
    finally:
        first.stop()
    due = resolve_by - timedelta(minutes=lead_minutes)
    assert datetime.now(UTC) < due, "the first service must stop before the notice is due (slow machine?)"

    second = start_notifications(infra, database, directory, **settings)
    try:
        assert inbox(second, DISPATCHER) == []  # not due yet
        near = wait_for(second, DISPATCHER, "deadline.near", timeout=90)
        assert len(near) == 1 and near[0].subject_id == envelope.subject
        assert datetime.now(UTC) >= due - timedelta(seconds=1)
        assert near[0].urgent
        time.sleep(1.5)  # a few more timer scans: still one notice
        assert len([e for e in inbox(second, DISPATCHER) if e.kind == "deadline.near"]) == 1
    finally:
        second.stop()


def applied(group: str, topic: str) -> float:
    """Events the group applied from the topic (the kit's consumer metric, in this process)."""
    return float(EVENTS_CONSUMED.labels(group, topic, "applied")._value.get())


def test_a_replayed_batch_makes_no_second_entry(infra: Infra, topics: dict[str, str], producer: KafkaProducer) -> None:
    events = [accepted_event(datetime.now(UTC) + timedelta(days=1))[0] for _ in range(30)]
    settings: dict[str, Any] = {**topics, "consumer_group": f"notifications-replay-{uuid.uuid4().hex[:6]}"}
    database = f"test_notif_replay_{uuid.uuid4().hex[:8]}"
    first = start_notifications(infra, database, **settings)
    try:
        for envelope in events:
            key, value, headers = to_kafka(envelope)
            producer.send(topics["requests_topic"], key=key, value=value, headers=headers)
        producer.flush(30)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and len(inbox(first, REQUESTER)) < len(events):
            time.sleep(0.2)
        assert len(inbox(first, REQUESTER)) == len(events)
    finally:
        first.stop()
    # a new consumer group reads the whole topic again: every insert of the batch collides
    group = f"notifications-replay-{uuid.uuid4().hex[:6]}"
    replay = start_notifications(infra, database, **{**settings, "consumer_group": group})
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and applied(group, topics["requests_topic"]) < len(events):
            time.sleep(0.2)
        assert applied(group, topics["requests_topic"]) == len(events)
        entries = inbox(replay, REQUESTER)
        assert len(entries) == len(events) and len({e.id for e in entries}) == len(events)
    finally:
        replay.stop()
