"""The outbox relay against real Kafka and FerretDB: the watermark, trimming, a crash between the
publish and the checkpoint, and events stored before numbering."""

from __future__ import annotations

import subprocess
import sys
import time
import uuid
from pathlib import Path

from kafka import KafkaConsumer, KafkaProducer
from pymongo.database import Database

from linli.common import mongo
from linli.common.cloudevents import Envelope, new_event
from linli.common.consumer import EventConsumer, ProcessedEvents
from linli.common.mongo import CHECKPOINTS, AggregateStore
from linli.common.outbox import OutboxRelay
from linli.common.publisher import ThreadPublisher
from tests.support.infra import Infra

HELPER = Path(__file__).with_name("relay_crash.py")


def read_all(infra: Infra, topic: str, expected: int, timeout: float = 20.0) -> list[object]:
    consumer = KafkaConsumer(
        topic,
        bootstrap_servers=infra.kafka_bootstrap,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        group_id=None,
        consumer_timeout_ms=1000,
    )
    records: list[object] = []
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline and len(records) < expected:
            records.extend(consumer)
        # one more quiet second so that extra (duplicate) records would show up
        records.extend(consumer)
    finally:
        consumer.close()
    return records


def test_events_are_published_once_with_cloudevents_headers(
    infra: Infra, database: Database[mongo.Document], topic: str, producer: KafkaProducer
) -> None:
    collection = database["aggregates"]
    store = AggregateStore(collection)
    relay = OutboxRelay(ThreadPublisher(producer), [store], poll_seconds=0.1)
    ids = [f"agg-{i}" for i in range(5)]
    for aggregate_id in ids:
        store.insert(
            {"_id": aggregate_id},
            [new_event("tests", "org.linli.test.created.v1", aggregate_id, {"id": aggregate_id}, topic=topic)],
        )
        store.update(
            aggregate_id,
            1,
            {"n": 1},
            [new_event("tests", "org.linli.test.changed.v1", aggregate_id, {"id": aggregate_id, "n": 1}, topic=topic)],
        )
    relay.start()  # the events were written before it existed: its recovery finds them
    try:
        assert relay.wait_until_published()
    finally:
        relay.stop()
    records = read_all(infra, topic, expected=10)
    assert len(records) == 10
    by_key: dict[bytes, list[str]] = {}
    for record in records:
        headers = dict(record.headers)  # type: ignore[attr-defined]
        assert headers["ce_specversion"] == b"1.0"
        assert headers["ce_source"] == b"/linli/tests"
        assert headers["content-type"] == b"application/json"
        assert headers["ce_subject"] == record.key  # type: ignore[attr-defined]
        uuid.UUID(headers["ce_id"].decode())
        by_key.setdefault(record.key, []).append(headers["ce_type"].decode())  # type: ignore[attr-defined]
    # per aggregate: both events, in order (same key -> same partition)
    assert by_key == {i.encode(): ["org.linli.test.created.v1", "org.linli.test.changed.v1"] for i in ids}
    # published, not yet trimmed: the stop persisted the watermark above every stored event
    checkpoint = database[CHECKPOINTS].find_one({"_id": "aggregates"})
    assert checkpoint is not None
    assert all(e["seq"] <= checkpoint["published_through"] for doc in collection.find() for e in doc["outbox"])
    assert relay.trim() == 5
    assert all(doc["outbox"] == [] for doc in collection.find())


def test_events_added_while_publishing_are_kept(
    infra: Infra, database: Database[mongo.Document], topic: str, producer: KafkaProducer
) -> None:
    collection = database["aggregates"]
    store = AggregateStore(collection)
    store.insert({"_id": "a"}, [new_event("tests", "t.first", "a", {}, topic=topic)])
    late = new_event("tests", "t.second", "a", {}, topic=topic)

    def write_during_publish(*_: object) -> None:
        store.update("a", 1, {"n": 2}, [late])

    relay = OutboxRelay(ThreadPublisher(producer), [store], on_published=write_during_publish)
    assert relay.drain_once() == 1
    left = collection.find_one({"_id": "a"})
    # the first was not settled when the second was written, so the second went in behind it
    assert left is not None and [e["id"] for e in left["outbox"]] == [e.id for e in (first_event(left), late)]
    assert relay.pending() == 1
    relay.on_published = None
    assert relay.drain_once() == 1
    assert relay.pending() == 0
    assert relay.trim() == 1
    assert collection.find_one({"_id": "a"})["outbox"] == []  # type: ignore[index]
    assert [dict(r.headers)["ce_type"] for r in read_all(infra, topic, 2)] == [b"t.first", b"t.second"]  # type: ignore[attr-defined]


def first_event(document: mongo.Document) -> Envelope:
    return Envelope.from_document(document["outbox"][0])


def test_relay_killed_after_publish_republishes_and_consumer_applies_once(
    infra: Infra, database: Database[mongo.Document], topic: str, producer: KafkaProducer
) -> None:
    collection = database["aggregates"]
    store = AggregateStore(collection)
    for n in range(3):
        store.insert({"_id": f"k{n}"}, [new_event("tests", "t.credit", f"k{n}", {"points": 10}, topic=topic)])

    crashed = subprocess.run(
        [sys.executable, str(HELPER), infra.kafka_bootstrap, infra.mongo_uri, database.name],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert crashed.returncode == 17, crashed.stderr  # died between the send and the checkpoint
    assert database[CHECKPOINTS].count_documents({}) == 0  # nothing was recorded as published
    assert len(read_all(infra, topic, 1)) >= 1  # ...but something had been published

    restarted = OutboxRelay(ThreadPublisher(producer), [AggregateStore(collection)])
    assert restarted.drain_once() == 3
    again = OutboxRelay(ThreadPublisher(producer), [AggregateStore(collection)])
    assert again.drain_once() == 0  # the watermark covers them now

    # The consumer side: a ledger that must credit each event exactly once.
    ledger = database["ledger"]

    def credit(envelope: Envelope) -> None:
        ledger.update_one({"_id": envelope.subject}, {"$inc": {"points": envelope.json()["points"]}}, upsert=True)

    consumer = EventConsumer(
        bootstrap=infra.kafka_bootstrap,
        group_id=f"g-{uuid.uuid4().hex[:6]}",
        topics=[topic],
        handler=credit,
        processed=ProcessedEvents(database["processed_events"]),
        dlq_producer=producer,
    )
    consumer.start()
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and database["processed_events"].count_documents({}) < 3:
            time.sleep(0.1)
        time.sleep(1.0)  # give the republished duplicates their chance to be (wrongly) applied
    finally:
        consumer.stop()
    published = read_all(infra, topic, 4)
    assert len(published) > 3  # duplicates really were on the topic
    assert {d["_id"]: d["points"] for d in ledger.find()} == {"k0": 10, "k1": 10, "k2": 10}


def test_a_restart_publishes_only_what_the_watermark_does_not_cover(
    infra: Infra, database: Database[mongo.Document], topic: str, producer: KafkaProducer
) -> None:
    collection = database["aggregates"]
    store = AggregateStore(collection)
    relay = OutboxRelay(ThreadPublisher(producer), [store])
    relay.recover()
    for n in range(3):
        store.insert({"_id": f"p{n}"}, [new_event("tests", "t.before", f"p{n}", {}, topic=topic)])
    assert relay.drain_once() == 3
    # a process that stores two more events and dies before its relay publishes them
    crashed = AggregateStore(collection)
    crashed.update("p0", 1, {"n": 1}, [new_event("tests", "t.after", "p0", {}, topic=topic)])
    crashed.insert({"_id": "p3"}, [new_event("tests", "t.after", "p3", {}, topic=topic)])

    restarted_store = AggregateStore(collection)
    restarted = OutboxRelay(ThreadPublisher(producer), [restarted_store])
    restarted.start()
    try:
        assert restarted.wait_until_published()
    finally:
        restarted.stop()
    types = sorted(dict(r.headers)["ce_type"] for r in read_all(infra, topic, 5))  # type: ignore[attr-defined]
    assert types == [b"t.after"] * 2 + [b"t.before"] * 3  # nothing published twice, nothing lost
    # a write after the restart replaces the published events of p0 with its own
    restarted_store.update("p0", 2, {"n": 2}, [new_event("tests", "t.again", "p0", {}, topic=topic)])
    assert [e["type"] for e in collection.find_one({"_id": "p0"})["outbox"]] == ["t.again"]  # type: ignore[index]


def test_events_stored_before_numbering_are_published_and_removed_at_start(
    infra: Infra, database: Database[mongo.Document], topic: str, producer: KafkaProducer
) -> None:
    collection = database["aggregates"]
    legacy = new_event("tests", "t.legacy", "old", {}, topic=topic)
    collection.insert_one({"_id": "old", "version": 1, "outbox": [legacy.to_document()]})  # no `seq`
    relay = OutboxRelay(ThreadPublisher(producer), [AggregateStore(collection)])
    assert relay.drain_once() == 1
    assert collection.find_one({"_id": "old"})["outbox"] == []  # type: ignore[index]
    assert OutboxRelay(ThreadPublisher(producer), [AggregateStore(collection)]).drain_once() == 0
    assert [dict(r.headers)["ce_id"] for r in read_all(infra, topic, 1)] == [legacy.id.encode()]  # type: ignore[attr-defined]


def test_trimming_waits_for_a_pause_in_writes(
    database: Database[mongo.Document], topic: str, producer: KafkaProducer
) -> None:
    collection = database["aggregates"]
    store = AggregateStore(collection)
    relay = OutboxRelay(ThreadPublisher(producer), [store], trim_idle_seconds=0.5)
    relay.recover()
    store.insert({"_id": "t1"}, [new_event("tests", "t.one", "t1", {}, topic=topic)])
    assert relay.drain_once() == 1
    assert relay.trim(idle_only=True) == 0  # a write came less than 0.5 s ago
    time.sleep(0.6)
    assert relay.trim(idle_only=True) == 1
    assert collection.find_one({"_id": "t1"})["outbox"] == []  # type: ignore[index]
