"""Events as the outbox stores them (``adapters.event_payloads``) and responses
(``entrypoints.convert``): one of every type, deterministic ids, topics, and payloads that
parse into the protobuf messages of requests.proto.

The parse checks run when the generated ``linli.v1.requests_pb2`` is importable (``make
proto`` generates it) and are skipped otherwise.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from linli.common.domain_events import DomainEvent
from linli.requests.adapters import event_payloads as payloads
from linli.requests.domain import deadlines, dispatch, duplicates, lifecycle, moderation, roundtable, visits
from linli.requests.domain import events as ev
from linli.requests.domain.duplicates import DuplicateProbe, suggest_duplicates
from linli.requests.domain.model import (
    Attachment,
    RedactableField,
    ResidentGroup,
    RoundTableOutcome,
    TextRedaction,
    Urgency,
)
from linli.requests.domain.statistics import Dimension, public_board, statistics
from linli.requests.entrypoints import convert
from tests.unit.requests.req_support import (
    DISPATCHER,
    GRID,
    HOUSING_LIAISON,
    NOW,
    PLACE,
    POINT,
    RESIDENT,
    URBAN,
    URBAN_LIAISON,
    VOL1,
    VOL2,
    accepted,
    claimed,
    deliberating,
    in_progress,
    offered,
    rated,
    resolved,
    submitted,
)
from tests.unit.requests.req_support import (
    next_id as make_id,
)


def every_event() -> list[DomainEvent]:
    """At least one event of every type, from realistic flows, encoded as the outbox stores them."""
    out: list[Any] = []

    a = submitted()
    lifecycle.accept(a, DISPATCHER, category="water_supply", urgency=Urgency.URGENT, now=NOW)
    deadlines.escalate(a, GRID, reason="pipe burst", now=NOW)
    deadlines.sweep(a, NOW + timedelta(days=30))
    out += a.pending_events

    b = submitted()
    lifecycle.reject(b, DISPATCHER, reason="spam", now=NOW)
    out += b.pending_events

    c = offered()
    dispatch.decline_offer(c, VOL1, reason="busy", now=NOW)
    dispatch.claim(c, VOL2, now=NOW)
    out += c.pending_events

    d = offered()
    dispatch.expire_offers(d, NOW + timedelta(hours=1))
    dispatch.expire_offers(d, NOW + timedelta(hours=2))
    out += d.pending_events

    e = in_progress()
    lifecycle.transfer(e, VOL1, to=URBAN, reason="enforcement", now=NOW)
    lifecycle.respond_to_transfer(e, URBAN_LIAISON, accept=False, reason="not ours", now=NOW)
    lifecycle.transfer(e, DISPATCHER, to=URBAN, reason="really enforcement", now=NOW)
    lifecycle.respond_to_transfer(e, URBAN_LIAISON, accept=True, now=NOW)
    lifecycle.start_work(e, URBAN_LIAISON, now=NOW)
    lifecycle.resolve(
        e, URBAN_LIAISON, text="removed", photos=[Attachment(id="p1", url="https://f/p1.jpg")], hours=2.5, now=NOW
    )
    lifecycle.rate(e, RESIDENT, stars=1, comment="no", now=NOW)
    out += e.pending_events

    f = rated()
    lifecycle.close(f, RESIDENT, now=NOW)
    moderation.moderate(
        f, DISPATCHER, hidden=True, redactions=[TextRedaction(RedactableField.TITLE, 0, 1)], reason="private", now=NOW
    )
    out += f.pending_events

    g = claimed()
    lifecycle.cancel(g, RESIDENT, reason="moved", now=NOW)
    out += g.pending_events

    h = accepted()
    deadlines.escalate(h, DISPATCHER, reason="whistle", now=NOW)
    deadlines.acknowledge(h, HOUSING_LIAISON, note="coming", now=NOW)
    out += h.pending_events

    i = deliberating()
    roundtable.record_meeting(i, DISPATCHER, held_at=NOW, notes="met", attendees=["物业", "楼长"], now=NOW)
    children = roundtable.conclude_round_table(
        i,
        DISPATCHER,
        outcome=RoundTableOutcome.SPLIT,
        summary="two parts",
        parts=[roundtable.SplitPart(category="parking", title="paint")],
        new_ids=[make_id()],
        now=NOW,
    )
    out += i.pending_events + children[0].pending_events

    j = deliberating()
    roundtable.conclude_round_table(j, DISPATCHER, outcome=RoundTableOutcome.RESOLVE, summary="done", now=NOW)
    out += j.pending_events

    k, original = submitted(), accepted()
    duplicates.merge(k, original, DISPATCHER, reason="same", now=NOW)
    out += k.pending_events + original.pending_events

    plan = visits.schedule_visits(
        visits.VisitPlanDraft(
            resident_group=ResidentGroup.SPECIAL, resident_person_id="p-elder", starts_at=NOW, point=POINT
        ),
        plan_id="plan-1",
        place=PLACE,
        caller=GRID,
        now=NOW,
    )
    visits.stop_visit_plan(plan, GRID, reason="moved", now=NOW)
    out += plan.pending_events

    resolved_request = resolved()
    lifecycle.reopen(resolved_request, RESIDENT, reason="again", now=NOW)
    out += resolved_request.pending_events
    return [payloads.encode(e) for e in out]


def test_every_event_type_is_produced() -> None:
    assert {e.type for e in every_event()} == set(ev.MESSAGE_OF_TYPE)


def test_event_ids_are_unique_and_deterministic() -> None:
    events = every_event()
    assert len({e.id for e in events}) == len(events)
    assert payloads.event_id(ev.REQUEST_ACCEPTED, "r1", 2) == payloads.event_id(ev.REQUEST_ACCEPTED, "r1", 2)
    assert payloads.event_id(ev.REQUEST_ACCEPTED, "r1", 2) != payloads.event_id(ev.REQUEST_ACCEPTED, "r1", 2, "x")
    with pytest.raises(ValueError, match="unknown event type"):
        payloads.make_event("org.linli.nope.v1", "r", 1, NOW, {})


def test_topics_and_headers() -> None:
    for event in every_event():
        if event.tombstone:  # a hidden or rejected request's tombstone on the public feed: no payload
            assert event.topic == ev.PUBLIC_TOPIC and event.payload == {}
            continue
        assert int(event.payload["header"]["aggregateVersion"]) >= 1
        if event.type == ev.PUBLIC_REQUEST_CHANGED:
            assert event.topic == ev.PUBLIC_TOPIC
            assert "actorPersonId" not in event.payload["header"]
        else:
            assert event.topic == ev.TOPIC
            assert event.subject == (event.payload.get("request") or event.payload["plan"])["id"]


def test_timestamps_match_protobufs_printer() -> None:
    assert payloads.timestamp(NOW) == "2025-03-03T09:00:00Z"
    assert payloads.timestamp(NOW + timedelta(milliseconds=5)) == "2025-03-03T09:00:00.005Z"
    assert payloads.timestamp(NOW + timedelta(microseconds=5)) == "2025-03-03T09:00:00.000005Z"
    assert payloads.timestamp(None) is None


def _parse(pb: Any, json_format: Any, name: str, payload: dict[str, Any]) -> None:
    message = getattr(pb, name)()
    json_format.ParseDict(payload, message)  # raises on any unknown or mistyped field
    assert json_format.MessageToDict(message) == payload


def test_payloads_parse_into_the_protobuf_messages() -> None:
    pb = pytest.importorskip("linli.v1.requests_pb2")
    json_format = pytest.importorskip("google.protobuf.json_format")
    for event in every_event():
        _parse(pb, json_format, event.message_name, event.payload)


def test_resources_parse_into_the_protobuf_messages() -> None:
    pb = pytest.importorskip("linli.v1.requests_pb2")
    json_format = pytest.importorskip("google.protobuf.json_format")
    samples = [rated(), deliberating(), offered()]
    e = in_progress()
    lifecycle.transfer(e, VOL1, to=URBAN, reason="x", now=NOW)
    samples.append(e)
    for request in samples:
        _parse(pb, json_format, "Request", payloads.request(request))
        view = moderation.public_view(request)
        assert view is not None
        _parse(pb, json_format, "PublicRequest", payloads.public_request(view))
    stats = statistics(
        samples,
        period_start=NOW - timedelta(days=1),
        period_end=NOW + timedelta(days=1),
        group_by=[Dimension.STATUS, Dimension.PERIOD],
    )
    _parse(pb, json_format, "Statistics", convert.statistics(stats))
    board = public_board(samples, period_start=NOW - timedelta(days=1), period_end=NOW + timedelta(days=1))
    _parse(pb, json_format, "PublicBoard", convert.public_board(board))
    probe = DuplicateProbe.of(submitted())
    (suggestion, *_) = suggest_duplicates(probe, samples)
    _parse(pb, json_format, "DuplicateSuggestion", convert.duplicate_suggestion(suggestion))
