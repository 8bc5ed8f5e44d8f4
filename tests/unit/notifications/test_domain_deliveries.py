"""Delivery ids and the delivery state machine with its typed events."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest

from linli.common.errors import FailedPrecondition
from linli.notifications.domain import events as ev
from linli.notifications.domain.deliveries import (
    delivery_id,
    inbox_entry_id,
    is_due,
    new_delivery,
    new_inbox_entry,
    record_attempt,
    replay,
)
from linli.notifications.domain.model import Channel, Delivery, DeliveryStatus, Message, SendResult
from linli.notifications.domain.retry import RetryPolicy
from tests.unit.notifications.domain_fakes import T0, facts

MESSAGE = Message(kind="request.resolved", language="en", title="T", body="B", link="https://x/r/1")


def status(made: Delivery) -> DeliveryStatus:
    """The status now (a call, so mypy does not narrow it across attempts)."""
    return made.status


POLICY = RetryPolicy(max_attempts=3, base_seconds=2.0, cap_seconds=60.0)


def delivery(**overrides: object) -> Delivery:
    made = new_delivery(
        event_id="evt-1",
        kind="request.resolved",
        channel=Channel.EMAIL,
        recipient_id="p_1",
        address="p1@example.org",
        message=MESSAGE,
        now=T0,
    )
    for name, value in overrides.items():
        setattr(made, name, value)
    return made


def test_ids_are_derived_and_distinct() -> None:
    assert delivery_id("e", "p", Channel.EMAIL) == delivery_id("e", "p", "email")
    assert delivery_id("e", "p", Channel.EMAIL).startswith("dlv_")
    ids = {
        delivery_id("e", "p", Channel.EMAIL),
        delivery_id("e", "p", Channel.SMS),
        delivery_id("e", "q", Channel.EMAIL),
        delivery_id("f", "p", Channel.EMAIL),
    }
    assert len(ids) == 4
    assert inbox_entry_id("e", "p") == inbox_entry_id("e", "p") != inbox_entry_id("e", "q")
    assert inbox_entry_id("e", "p").startswith("inb_") and inbox_entry_id("e", "p", "k") != inbox_entry_id("e", "p")


def test_new_delivery_is_pending_and_due_now_or_after_quiet_hours() -> None:
    made = delivery()
    assert status(made) is DeliveryStatus.PENDING and made.attempts == 0 and made.next_attempt_at == T0
    assert made.id == delivery_id("evt-1", "p_1", Channel.EMAIL) and made.pending_events == []
    assert is_due(made, T0)
    later = T0 + timedelta(hours=5)
    held = new_delivery(
        event_id="e",
        kind="k",
        channel=Channel.SMS,
        recipient_id="p",
        address="+86",
        message=MESSAGE,
        now=T0,
        not_before=later,
    )
    assert held.next_attempt_at == later and not is_due(held, T0) and is_due(held, later)


def test_new_inbox_entry() -> None:
    entry = new_inbox_entry(entry_id="inb_1", person_id="p_1", facts=facts(), message=MESSAGE, urgent=True, now=T0)
    assert (entry.kind, entry.event_id, entry.subject_id, entry.title, entry.link, entry.urgent) == (
        "request.resolved",
        "evt-1",
        "req_1",
        "T",
        "https://x/r/1",
        True,
    )
    assert entry.read_at is None


def test_success_delivers() -> None:
    made = delivery()
    record_attempt(made, SendResult(ok=True, status_code=250), T0, POLICY, random.Random(1))
    assert status(made) is DeliveryStatus.DELIVERED and made.attempts == 1 and made.delivered_at == T0
    assert made.next_attempt_at is None and made.last_status_code == 250
    (event,) = made.pending_events
    assert isinstance(event, ev.NotificationDelivered) and event.type == ev.DELIVERED
    assert event.subject == made.id and event.delivery.status is DeliveryStatus.DELIVERED
    assert event.version == 1 and event.delivery.attempts == 1


def test_failures_retry_with_backoff_then_dead_letter() -> None:
    made = delivery(version=1)
    rng = random.Random(3)
    record_attempt(made, SendResult(ok=False, status_code=503, error="unavailable"), T0, POLICY, rng)
    assert status(made) is DeliveryStatus.RETRYING and made.attempts == 1 and made.last_error == "unavailable"
    assert made.next_attempt_at is not None and T0 <= made.next_attempt_at <= T0 + timedelta(seconds=2)
    record_attempt(made, SendResult(ok=False, status_code=429, retry_after=30.0), T0, POLICY, rng)
    assert made.next_attempt_at is not None and made.next_attempt_at >= T0 + timedelta(seconds=30)
    assert made.last_error == "status 429"
    record_attempt(made, SendResult(ok=False, error="x" * 2000), T0, POLICY, rng)
    assert status(made) is DeliveryStatus.DEAD_LETTERED and made.next_attempt_at is None and len(made.last_error) == 500
    kinds = [type(e) for e in made.pending_events]
    assert kinds == [ev.NotificationFailed, ev.NotificationFailed, ev.NotificationDeadLettered]
    assert made.pending_events[-1].delivery.status is DeliveryStatus.DEAD_LETTERED
    assert made.pending_events[0].version == 2
    with pytest.raises(FailedPrecondition):
        record_attempt(made, SendResult(ok=True), T0, POLICY, rng)


def test_permanent_failure_dead_letters_at_once() -> None:
    made = delivery()
    record_attempt(
        made, SendResult(ok=False, status_code=410, error="gone", permanent=True), T0, POLICY, random.Random()
    )
    assert status(made) is DeliveryStatus.DEAD_LETTERED and made.attempts == 1


def test_delivered_is_not_sent_again() -> None:
    made = delivery()
    record_attempt(made, SendResult(ok=True), T0, POLICY, random.Random())
    with pytest.raises(FailedPrecondition, match="not sent again"):
        record_attempt(made, SendResult(ok=True), T0, POLICY, random.Random())


def test_replay_only_dead_letters_and_attempts_start_over() -> None:
    made = delivery()
    record_attempt(made, SendResult(ok=False, permanent=True, error="no"), T0, POLICY, random.Random())
    later = T0 + timedelta(hours=1)
    replay(made, later)
    assert status(made) is DeliveryStatus.PENDING and made.attempts == 0 and made.next_attempt_at == later
    assert made.last_error == "" and is_due(made, later)
    with pytest.raises(FailedPrecondition, match="only dead letters can be replayed"):
        replay(made, later)
    record_attempt(made, SendResult(ok=True), later, POLICY, random.Random())
    assert status(made) is DeliveryStatus.DELIVERED
    with pytest.raises(FailedPrecondition):
        replay(made, later)
