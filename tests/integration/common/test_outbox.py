"""The outbox relay against real Kafka and FerretDB, including a crash between publish and removal."""

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
from linli.common.mongo import PENDING_QUERY, AggregateStore
from linli.common.outbox import OutboxRelay, wait_until_empty
from tests.support.infra import Infra

HELPER = Path(__file__).with_name("relay_crash.py")


def read_all(infra: Infra, topic: str, expected: int, timeout: float = 20.0) -> list[object]:
    consumer = KafkaConsumer(topic, bootstrap_servers=infra.kafka_bootstrap, auto_offset_reset="earliest",
                             enable_auto_commit=False, group_id=None, consumer_timeout_ms=1000)
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
        infra: Infra, database: Database[mongo.Document], topic: str, producer: KafkaProducer) -> None:
    collection = database["aggregates"]
    store = AggregateStore(collection)
    relay = OutboxRelay(producer, [store], poll_seconds=0.1)
    ids = [f"agg-{i}" for i in range(5)]
    for aggregate_id in ids:
        store.insert({"_id": aggregate_id}, [new_event("tests", "org.linli.test.created.v1", aggregate_id,
                                                       {"id": aggregate_id}, topic=topic)])
        store.update(aggregate_id, 1, {"n": 1}, [new_event("tests", "org.linli.test.changed.v1", aggregate_id,
                                                           {"id": aggregate_id, "n": 1}, topic=topic)])
    relay.start()
    try:
        assert wait_until_empty([store])
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
    assert all(doc["outbox"] == [] for doc in collection.find())


def test_events_added_while_publishing_are_kept(
        infra: Infra, database: Database[mongo.Document], topic: str, producer: KafkaProducer) -> None:
    collection = database["aggregates"]
    store = AggregateStore(collection)
    store.insert({"_id": "a"}, [new_event("tests", "t.first", "a", {}, topic=topic)])
    late = new_event("tests", "t.second", "a", {}, topic=topic)

    def write_during_publish(*_: object) -> None:
        store.update("a", 1, {"n": 2}, [late])

    relay = OutboxRelay(producer, [store], on_published=write_during_publish)
    assert relay.drain_once() == 1
    left = collection.find_one({"_id": "a"})
    assert left is not None and [e["id"] for e in left["outbox"]] == [late.id]
    relay.on_published = None
    assert relay.drain_once() == 1
    assert [dict(r.headers)["ce_type"] for r in read_all(infra, topic, 2)] == [b"t.first", b"t.second"]  # type: ignore[attr-defined]


def test_relay_killed_after_publish_republishes_and_consumer_applies_once(
        infra: Infra, database: Database[mongo.Document], topic: str, producer: KafkaProducer) -> None:
    collection = database["aggregates"]
    store = AggregateStore(collection)
    for n in range(3):
        store.insert({"_id": f"k{n}"}, [new_event("tests", "t.credit", f"k{n}", {"points": 10}, topic=topic)])

    crashed = subprocess.run(
        [sys.executable, str(HELPER), infra.kafka_bootstrap, infra.mongo_uri, database.name],
        capture_output=True, text=True, timeout=120, check=False)
    assert crashed.returncode == 17, crashed.stderr  # died between the send and the removal
    assert collection.count_documents(PENDING_QUERY) == 3  # nothing was removed
    assert len(read_all(infra, topic, 1)) >= 1  # ...but something had been published

    restarted = OutboxRelay(producer, [AggregateStore(collection)])
    while restarted.drain_once():
        pass
    assert collection.count_documents(PENDING_QUERY) == 0

    # The consumer side: a ledger that must credit each event exactly once.
    ledger = database["ledger"]

    def credit(envelope: Envelope) -> None:
        ledger.update_one({"_id": envelope.subject}, {"$inc": {"points": envelope.json()["points"]}}, upsert=True)

    consumer = EventConsumer(
        bootstrap=infra.kafka_bootstrap, group_id=f"g-{uuid.uuid4().hex[:6]}", topics=[topic], handler=credit,
        processed=ProcessedEvents(database["processed_events"]), dlq_producer=producer)
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
