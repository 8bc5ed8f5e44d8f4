"""The consumer loop against real Kafka and FerretDB: duplicates, poison messages, restarts."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable

from kafka import KafkaConsumer, KafkaProducer
from pymongo.database import Database

from linli.common import mongo
from linli.common.cloudevents import Envelope, dlq_topic, new_event
from linli.common.consumer import EventConsumer, ProcessedEvents
from linli.common.kafka_io import send_envelope
from tests.support.infra import Infra


def wait_for(condition: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError("condition not met in time")


def make_consumer(
    infra: Infra,
    database: Database[mongo.Document],
    topic: str,
    group: str,
    producer: KafkaProducer,
    handler: Callable[[Envelope], None],
) -> EventConsumer:
    return EventConsumer(
        bootstrap=infra.kafka_bootstrap,
        group_id=group,
        topics=[topic],
        handler=handler,
        processed=ProcessedEvents(database["processed_events"]),
        dlq_producer=producer,
        max_attempts=3,
        retry_backoff=0.05,
    )


def credit(database: Database[mongo.Document]) -> Callable[[Envelope], None]:
    def handle(envelope: Envelope) -> None:
        body = envelope.json()
        if body.get("poison"):
            raise ValueError("points must be a number")
        database["ledger"].update_one({"_id": envelope.subject}, {"$inc": {"points": body["points"]}}, upsert=True)

    return handle


def balance(database: Database[mongo.Document], volunteer: str) -> int:
    found = database["ledger"].find_one({"_id": volunteer})
    return int(found["points"]) if found else 0


def test_duplicate_event_applies_once(
    infra: Infra, database: Database[mongo.Document], topic: str, producer: KafkaProducer
) -> None:
    event = new_event("tests", "org.linli.test.credited.v1", "vol-1", {"points": 5}, topic=topic)
    for _ in range(3):  # the same ce_id delivered three times
        send_envelope(producer, event)
    send_envelope(producer, new_event("tests", "org.linli.test.credited.v1", "vol-1", {"points": 1}, topic=topic))
    producer.flush()
    consumer = make_consumer(infra, database, topic, f"g-{uuid.uuid4().hex[:6]}", producer, credit(database))
    consumer.start()
    try:
        wait_for(lambda: database["processed_events"].count_documents({}) == 2)
        time.sleep(0.5)
    finally:
        consumer.stop()
    assert balance(database, "vol-1") == 6


def test_poison_message_goes_to_dlq_and_the_next_one_is_processed(
    infra: Infra, database: Database[mongo.Document], topic: str, producer: KafkaProducer
) -> None:
    producer.send(topic, key=b"vol-2", value=b"not even json", headers=[("x", b"y")])
    failing = new_event("tests", "org.linli.test.credited.v1", "vol-2", {"poison": True}, topic=topic)
    send_envelope(producer, failing)
    send_envelope(producer, new_event("tests", "org.linli.test.credited.v1", "vol-2", {"points": 7}, topic=topic))
    producer.flush()
    consumer = make_consumer(infra, database, topic, f"g-{uuid.uuid4().hex[:6]}", producer, credit(database))
    consumer.start()
    try:
        wait_for(lambda: balance(database, "vol-2") == 7)
    finally:
        consumer.stop()

    dlq = KafkaConsumer(
        dlq_topic(topic),
        bootstrap_servers=infra.kafka_bootstrap,
        auto_offset_reset="earliest",
        group_id=None,
        consumer_timeout_ms=3000,
    )
    letters = list(dlq)
    dlq.close()
    assert len(letters) == 2
    by_error = {dict(r.headers)["linli_error"].decode(): dict(r.headers) for r in letters}
    not_cloudevent = next(h for e, h in by_error.items() if e.startswith("InvalidArgument"))
    assert b"not a CloudEvent" in not_cloudevent["linli_error"] and not_cloudevent["linli_attempts"] == b"1"
    handler_failure = by_error["ValueError: points must be a number"]
    assert handler_failure["linli_attempts"] == b"3"
    assert handler_failure["ce_id"] == failing.id.encode()
    assert handler_failure["linli_original_topic"] == topic.encode()
    assert database["processed_events"].count_documents({}) == 1


def test_offsets_survive_a_consumer_restart(
    infra: Infra, database: Database[mongo.Document], topic: str, producer: KafkaProducer
) -> None:
    group = f"g-{uuid.uuid4().hex[:6]}"
    seen: list[str] = []

    def record(envelope: Envelope) -> None:
        seen.append(envelope.id)

    first = [new_event("tests", "t", f"a{i}", {}, topic=topic) for i in range(5)]
    for event in first:
        send_envelope(producer, event)
    producer.flush()
    # No idempotency store here: only committed offsets can stop a replay after the restart.
    consumer = EventConsumer(
        bootstrap=infra.kafka_bootstrap,
        group_id=group,
        topics=[topic],
        handler=record,
        processed=None,
        dlq_producer=producer,
    )
    consumer.start()
    wait_for(lambda: len(seen) == 5)
    consumer.stop()

    second = [new_event("tests", "t", f"b{i}", {}, topic=topic) for i in range(3)]
    for event in second:
        send_envelope(producer, event)
    producer.flush()
    restarted = EventConsumer(
        bootstrap=infra.kafka_bootstrap,
        group_id=group,
        topics=[topic],
        handler=record,
        processed=None,
        dlq_producer=producer,
    )
    restarted.start()
    try:
        wait_for(lambda: len(seen) == 8)
        time.sleep(1.0)
    finally:
        restarted.stop()
    assert sorted(seen) == sorted(e.id for e in first + second)  # nothing twice, nothing lost
