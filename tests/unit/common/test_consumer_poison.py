"""Poison on the consumer loop (fake Kafka): every event that cannot be decoded or applied
ends in the DLQ with a `linli_reason`, the next event is applied, and the loop never dies:
deep nesting, huge values, wrong JSON types, wrong source or type, a failing dedupe store, a
failing DLQ, a loop that dies and is restarted."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from kafka.errors import KafkaTimeoutError, MessageSizeTooLargeError

from linli.common.cloudevents import Envelope, new_event, to_kafka
from linli.common.consumer import EventConsumer, KafkaLikeConsumer, Reason, json_depth, matches
from linli.common.metrics import CONSUMER_RESTARTS, CONSUMER_STOPPED, EVENTS_CONSUMED
from tests.unit.common.test_consumer_loop import TOPIC, FakeDlq, FakeKafka, MemoryProcessed, Record, Sent

SOURCE = "/linli/tests"


class ReplayingKafka(FakeKafka):
    """A fresh consumer from the factory starts at the last commit, as a rejoining member does."""

    def __init__(self, records: list[Record], fail_polls: int = 0) -> None:
        super().__init__(records)
        self.opened = 0
        self.fail_polls = fail_polls

    def factory(self, *topics: str, **config: Any) -> KafkaLikeConsumer:
        self.opened += 1
        self.position = self.committed
        return super().factory(*topics, **config)

    def poll(self, timeout_ms: int) -> dict[Any, list[Any]]:
        if self.fail_polls:
            self.fail_polls -= 1
            raise RecursionError("maximum recursion depth exceeded (in the client)")
        return super().poll(timeout_ms)


def good(n: int, source: str = SOURCE, type_: str = "org.linli.test.done.v1") -> Envelope:
    event = new_event("tests", type_, f"s{n}", {"n": n}, topic=TOPIC)
    return Envelope(event.id, source, event.type, event.subject, event.time, event.data, event.topic)


def with_value(event: Envelope, value: bytes) -> Envelope:
    return Envelope(event.id, event.source, event.type, event.subject, event.time, value, event.topic)


def record(offset: int, event: Envelope, headers: list[tuple[str, bytes]] | None = None) -> Record:
    key, value, ce_headers = to_kafka(event)
    return Record(TOPIC, 0, offset, key, value, list(ce_headers) if headers is None else headers)


def stream(*items: Envelope | Record) -> list[Record]:
    out = []
    for offset, item in enumerate(items):
        if isinstance(item, Record):
            out.append(Record(item.topic, item.partition, offset, item.key, item.value, item.headers))
        else:
            out.append(record(offset, item))
    return out


def consume(
    kafka: FakeKafka,
    handler: Callable[[Envelope], None],
    *,
    dlq: Any = None,
    processed: Any = None,
    group: str = "g-poison",
    timeout: float = 10.0,
    **options: Any,
) -> EventConsumer:
    settings_: dict[str, Any] = {
        "max_attempts": 2,
        "retry_backoff": 0.001,
        "poll_timeout_ms": 5,
        "dlq_backoff": 0.001,
        "restart_backoff": 0.01,
        "max_restart_backoff": 0.05,
        **options,
    }
    consumer = EventConsumer(
        bootstrap="unused:9092",
        group_id=group,
        topics=[TOPIC],
        handler=handler,
        processed=processed,
        dlq_producer=dlq if dlq is not None else FakeDlq(),
        consumer_factory=kafka.factory,
        **settings_,
    )
    consumer.start()
    finished = threading.Event()

    def watch() -> None:
        kafka.drained.wait(timeout)
        finished.set()

    threading.Thread(target=watch, daemon=True).start()
    while not finished.wait(0.01) and not consumer.halted.is_set():
        pass
    consumer.stop(5)
    return consumer


def applied_ns(applied: list[Envelope]) -> list[int]:
    return [int(e.json()["n"]) for e in applied]


def reasons(dlq: FakeDlq) -> list[str]:
    return [letter[3]["linli_reason"].decode() for letter in dlq.letters]


def poisoned_then_good(poison: Envelope | Record, reason: str, **options: Any) -> None:
    """`poison` then a good event: the poison is dead-lettered with `reason`, the good one
    applied, everything committed, the consumer healthy."""
    kafka = ReplayingKafka(stream(good(0), poison, good(2)))
    dlq, applied = FakeDlq(), list[Envelope]()
    consumer = consume(kafka, applied.append, dlq=dlq, **options)
    assert reasons(dlq) == [reason]
    assert dlq.letters[0][3]["linli_error"]
    assert applied_ns(applied) == [0, 2]
    assert kafka.committed == 3 and consumer.healthy() and consumer.restarts == 0


def test_deep_nesting_is_dead_lettered_without_recursing() -> None:
    poisoned_then_good(with_value(good(1), b"[" * 100_000 + b"]" * 100_000), Reason.TOO_DEEP)


def test_deep_nesting_inside_an_object_too() -> None:
    deep = b'{"request":' + b'{"a":' * 5_000 + b"1" + b"}" * 5_000 + b"}"
    poisoned_then_good(with_value(good(1), deep), Reason.TOO_DEEP)


def test_the_depth_limit_is_configurable_and_brackets_in_strings_do_not_count() -> None:
    tricky = json.dumps({"text": "[" * 500, "list": [[[1]]]}).encode()
    kafka = ReplayingKafka(stream(with_value(good(0), tricky), with_value(good(1), b'{"a":[[[[1]]]]}')))
    dlq, applied = FakeDlq(), list[Envelope]()
    consume(kafka, applied.append, dlq=dlq, max_depth=4)
    assert [e.id for e in applied] == [kafka.records[0].headers[1][1].decode()]
    assert reasons(dlq) == [Reason.TOO_DEEP]


def test_a_huge_value_is_dead_lettered_before_parsing() -> None:
    huge = json.dumps({"n": 1, "text": "x" * 5_000_000}).encode()
    poisoned_then_good(with_value(good(1), huge), Reason.TOO_LARGE)


def test_the_size_limit_is_configurable() -> None:
    poisoned_then_good(
        with_value(good(1), json.dumps({"text": "x" * 2000}).encode()), Reason.TOO_LARGE, max_value_bytes=1000
    )


@pytest.mark.parametrize("value", [b"[1, 2]", b'"a string"', b"42", b"null", b"not json", b'{"n": 1', b"\xff\xfe", b""])
def test_data_that_is_not_a_json_object_is_dead_lettered(value: bytes) -> None:
    poisoned_then_good(with_value(good(1), value), Reason.INVALID_DATA)


def test_a_record_without_data_is_dead_lettered() -> None:
    key, _, headers = to_kafka(good(1))
    poisoned_then_good(Record(TOPIC, 0, 0, key, None, list(headers)), Reason.NOT_A_CLOUDEVENT)


@pytest.mark.parametrize("dropped", ["ce_id", "ce_source", "ce_type", "ce_specversion"])
def test_missing_headers_are_dead_lettered(dropped: str) -> None:
    key, value, headers = to_kafka(good(1))
    poisoned_then_good(
        Record(TOPIC, 0, 0, key, value, [h for h in headers if h[0] != dropped]), Reason.NOT_A_CLOUDEVENT
    )


def test_no_headers_at_all() -> None:
    poisoned_then_good(Record(TOPIC, 0, 0, None, b"{}", []), Reason.NOT_A_CLOUDEVENT)


def test_a_bad_ce_time_is_invalid_data() -> None:
    key, value, headers = to_kafka(good(1))
    bad = [(n, b"yesterday" if n == "ce_time" else v) for n, v in headers]
    poisoned_then_good(Record(TOPIC, 0, 0, key, value, bad), Reason.INVALID_DATA)


def test_events_from_an_unexpected_source_are_dead_lettered() -> None:
    poisoned_then_good(good(1, source="/evil"), Reason.UNEXPECTED_SOURCE, allowed_sources={SOURCE})


def test_events_of_an_unexpected_type_are_dead_lettered_and_prefixes_match() -> None:
    kafka = ReplayingKafka(
        stream(
            good(0, type_="org.linli.test.a.v1"),
            good(1, type_="com.evil.test.v1"),
            good(2, type_="org.linli.test.b.v1"),
        )
    )
    dlq, applied = FakeDlq(), list[Envelope]()
    consume(kafka, applied.append, dlq=dlq, allowed_sources={SOURCE}, allowed_types=["org.linli.test.*"])
    assert applied_ns(applied) == [0, 2] and reasons(dlq) == [Reason.UNEXPECTED_TYPE]
    assert matches("a", None) and matches("x.y", ["x.*"]) and not matches("x", ["x.*"]) and matches("x", ["x"])


def test_without_allowlists_any_source_is_accepted() -> None:
    kafka = ReplayingKafka(stream(good(0, source="/anything")))
    applied: list[Envelope] = []
    consume(kafka, applied.append)
    assert applied_ns(applied) == [0]


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        (RecursionError("maximum recursion depth exceeded"), Reason.TOO_DEEP),
        (MemoryError(), Reason.TOO_LARGE),
        (TypeError("'str' object is not a mapping"), Reason.HANDLER_FAILED),
    ],
)
def test_any_exception_from_the_handler_is_handled(error: BaseException, reason: str) -> None:
    kafka = ReplayingKafka(stream(good(0), good(1), good(2)))
    dlq, applied, tries = FakeDlq(), list[Envelope](), list[int]()

    def handle(event: Envelope) -> None:
        if event.json()["n"] == 1:
            tries.append(1)
            raise error
        applied.append(event)

    consumer = consume(kafka, handle, dlq=dlq, max_attempts=3)
    assert applied_ns(applied) == [0, 2] and reasons(dlq) == [reason]
    # deterministic failures are not retried; others are, up to max_attempts
    assert len(tries) == (3 if reason == Reason.HANDLER_FAILED else 1)
    assert kafka.committed == 3 and consumer.healthy() and consumer.restarts == 0


class FlakyProcessed(MemoryProcessed):
    def __init__(self, failures: int, stage: str = "seen") -> None:
        super().__init__()
        self.failures = failures
        self.stage = stage

    def _maybe_fail(self, stage: str) -> None:
        if stage == self.stage and self.failures:
            self.failures -= 1
            raise ConnectionError("dedupe store unreachable")

    def seen(self, group: str, event_id: str) -> bool:
        self._maybe_fail("seen")
        return super().seen(group, event_id)

    def mark(self, group: str, envelope: Envelope) -> None:
        self._maybe_fail("mark")
        super().mark(group, envelope)


@pytest.mark.parametrize("stage", ["seen", "mark"])
def test_a_dedupe_store_that_fails_for_a_while_is_retried(stage: str) -> None:
    kafka = ReplayingKafka(stream(good(0), good(1)))
    dlq, applied = FakeDlq(), list[Envelope]()
    consumer = consume(kafka, applied.append, dlq=dlq, processed=FlakyProcessed(2, stage), max_attempts=5)
    assert not dlq.letters and kafka.committed == 2 and consumer.healthy()
    assert sorted(set(applied_ns(applied))) == [0, 1]


def test_a_dedupe_store_that_keeps_failing_dead_letters_with_the_reason() -> None:
    kafka = ReplayingKafka(stream(good(0), good(1)))
    dlq, applied = FakeDlq(), list[Envelope]()
    processed = FlakyProcessed(2, "seen")  # both attempts of the first event
    consumer = consume(kafka, applied.append, dlq=dlq, processed=processed)
    assert reasons(dlq) == [Reason.DEDUPE_FAILED]
    assert applied_ns(applied) == [1] and kafka.committed == 2 and consumer.healthy()


class FailingDlq(FakeDlq):
    """Refuses `failures` sends (raising at send or at get), then accepts."""

    def __init__(self, failures: int, at_get: bool = False) -> None:
        super().__init__()
        self.failures = failures
        self.at_get = at_get
        self.tries = 0

    def send(self, topic: str, *, key: bytes | None, value: bytes | None, headers: list[tuple[str, bytes]]) -> Sent:
        self.tries += 1
        if self.failures:
            self.failures -= 1
            if not self.at_get:
                raise KafkaTimeoutError("DLQ unreachable")
            return Timeout()
        return super().send(topic, key=key, value=value, headers=headers)


class Timeout(Sent):
    def get(self, timeout: float) -> None:
        raise KafkaTimeoutError("no acknowledgement")


@pytest.mark.parametrize("at_get", [False, True])
def test_a_dlq_send_is_retried_with_backoff(at_get: bool) -> None:
    kafka = ReplayingKafka(stream(good(0), with_value(good(1), b"[]"), good(2)))
    dlq, applied = FailingDlq(3, at_get), list[Envelope]()
    consumer = consume(kafka, applied.append, dlq=dlq, dlq_attempts=5)
    assert dlq.tries == 4 and reasons(dlq) == [Reason.INVALID_DATA]
    assert applied_ns(applied) == [0, 2] and kafka.committed == 3 and consumer.healthy()


def test_a_dlq_that_keeps_failing_halts_visibly_without_committing() -> None:
    kafka = ReplayingKafka(stream(good(0), with_value(good(1), b"[]"), good(2)))
    dlq, applied = FailingDlq(1_000), list[Envelope]()
    consumer = consume(kafka, applied.append, dlq=dlq, dlq_attempts=3, group="g-dlq-down")
    assert dlq.tries == 3
    assert consumer.halted.is_set() and not consumer.healthy()
    assert CONSUMER_STOPPED.labels("g-dlq-down")._value.get() == 1
    assert applied_ns(applied) == [0]
    assert kafka.committed == 1  # the poison (and what follows) is redelivered after the fix
    assert kafka.closed and consumer.restarts == 0  # halted, not crashed: no restart loop


class SmallDlq(FakeDlq):
    """Refuses letters with a value over `limit` bytes, as a broker's message.max.bytes does."""

    def __init__(self, limit: int) -> None:
        super().__init__()
        self.limit = limit

    def send(self, topic: str, *, key: bytes | None, value: bytes | None, headers: list[tuple[str, bytes]]) -> Sent:
        if len(value or b"") + sum(len(v) for _, v in headers) > self.limit:
            raise MessageSizeTooLargeError("the message is 5000042 bytes when serialized")
        return super().send(topic, key=key, value=value, headers=headers)


def test_a_letter_too_large_for_the_dlq_goes_without_its_value() -> None:
    huge = json.dumps({"text": "x" * 2_000_000}).encode()
    kafka = ReplayingKafka(stream(with_value(good(0), huge), good(1)))
    dlq, applied = SmallDlq(100_000), list[Envelope]()
    consumer = consume(kafka, applied.append, dlq=dlq)
    ((_, key, value, headers),) = dlq.letters
    assert value is None and key == b"s0"
    assert headers["linli_reason"] == Reason.TOO_LARGE.encode()
    assert headers["linli_value_omitted"] == f"{len(huge)} bytes".encode()
    assert headers["ce_id"]  # the original headers travel along, cut
    assert applied_ns(applied) == [1] and consumer.healthy()


def test_a_loop_that_dies_is_restarted_with_backoff_and_shows_while_down() -> None:
    kafka = ReplayingKafka(stream(good(0), good(1)), fail_polls=3)
    applied: list[Envelope] = []
    before = CONSUMER_RESTARTS.labels("g-restart")._value.get()
    health: list[bool] = []
    consumer = EventConsumer(
        bootstrap="unused:9092",
        group_id="g-restart",
        topics=[TOPIC],
        handler=applied.append,
        processed=None,
        dlq_producer=FakeDlq(),
        poll_timeout_ms=5,
        restart_backoff=0.05,
        max_restart_backoff=0.2,
        consumer_factory=kafka.factory,
    )
    consumer.start()
    while not kafka.drained.wait(0.005):
        health.append(consumer.healthy())
    consumer.stop(5)
    assert False in health  # unhealthy while waiting to restart
    assert consumer.healthy() and consumer.restarts == 3 and kafka.opened == 4
    assert CONSUMER_RESTARTS.labels("g-restart")._value.get() - before == 3
    assert CONSUMER_STOPPED.labels("g-restart")._value.get() == 0  # consuming again
    assert applied_ns(applied) == [0, 1] and kafka.committed == 2


def test_an_exit_raised_by_a_handler_kills_the_loop_which_restarts_and_replays() -> None:
    kafka = ReplayingKafka(stream(good(0), good(1), good(2)))
    applied: list[Envelope] = []
    exits = [SystemExit(3)]

    def handle(event: Envelope) -> None:
        if event.json()["n"] == 1 and exits:
            raise exits.pop()
        applied.append(event)

    consumer = consume(kafka, handle)
    assert consumer.restarts == 1 and consumer.healthy()
    assert applied_ns(applied) == [0, 1, 2]  # event 1 was never committed, so it replays
    assert kafka.committed == 3


def test_the_loop_maintains_a_store_that_can_be_maintained() -> None:
    class Trimmed(MemoryProcessed):
        calls = 0

        def maintain(self) -> None:
            Trimmed.calls += 1
            if Trimmed.calls == 1:
                raise ConnectionError("trim failed")  # logged; tried again later

    kafka = ReplayingKafka(stream(good(0), good(1)))
    consume(kafka, lambda _: None, processed=Trimmed(), retention_check_seconds=0.0)
    assert Trimmed.calls >= 2


def test_dead_letters_are_counted_by_outcome() -> None:
    before = EVENTS_CONSUMED.labels("g-count", TOPIC, "dead_lettered")._value.get()
    consume(ReplayingKafka(stream(with_value(good(0), b"[]"))), lambda _: None, group="g-count")
    assert EVENTS_CONSUMED.labels("g-count", TOPIC, "dead_lettered")._value.get() - before == 1


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(alphabet='ab[]{}"\\ ,:'),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(alphabet='[]{}"\\x'), children, max_size=3)
    ),
    max_leaves=30,
)


def depth_of(value: object) -> int:
    if isinstance(value, list):
        return 1 + max((depth_of(v) for v in value), default=0)
    if isinstance(value, dict):
        return 1 + max((depth_of(v) for v in value.values()), default=0)
    return 0


@settings(max_examples=300, deadline=None)
@given(json_values)
def test_json_depth_is_the_nesting_depth(value: object) -> None:
    assert json_depth(json.dumps(value).encode()) == depth_of(value)
    assert json_depth(json.dumps(value, ensure_ascii=False).encode()) == depth_of(value)
