"""Golden payloads: the events the domain produces today, byte for byte as the outbox stores
them (id, type, subject, time, topic, message and the JSON value), so moving the wire format
out of the domain cannot change what goes to Kafka.

Regenerate the fixture only for a deliberate, compatible change:
``LINLI_REGENERATE_GOLDEN=1 .venv/bin/python -m pytest tests/unit/requests/test_req_event_payloads.py``.
"""

from __future__ import annotations

import itertools
import json
import os
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from linli.common.aggregates import envelope_of
from linli.requests.adapters.event_payloads import encode
from linli.requests.domain import deadlines, dispatch, duplicates, lifecycle, moderation, roundtable, visits
from linli.requests.domain import events as ev
from linli.requests.domain.model import (
    Attachment,
    Contact,
    RedactableField,
    Requester,
    ResidentGroup,
    RoundTableOutcome,
    TextRedaction,
    Urgency,
)
from tests.unit.requests import req_support
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

GOLDEN = Path(__file__).parent / "golden" / "request_events.json"


def encoded(pending: list[Any]) -> list[Any]:
    """The events as the repository encodes them at commit."""
    return [encode(e) for e in pending]


def flows() -> list[Any]:
    """At least one event of every type, from realistic flows, with deterministic ids."""
    out: list[Any] = []

    a = submitted()
    lifecycle.accept(a, DISPATCHER, category="water_supply", urgency=Urgency.URGENT, note="call 13812345678", now=NOW)
    deadlines.escalate(a, GRID, reason="pipe burst", now=NOW)
    deadlines.sweep(a, NOW + timedelta(days=30))
    out += a.pending_events

    b = submitted()
    lifecycle.reject(b, DISPATCHER, reason="spam from someone@example.com", now=NOW)
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
    lifecycle.start_work(e, URBAN_LIAISON, note="on site", now=NOW)
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
        new_ids=[req_support.next_id()],
        now=NOW,
    )
    out += i.pending_events + children[0].pending_events

    j = deliberating()
    roundtable.conclude_round_table(j, DISPATCHER, outcome=RoundTableOutcome.RESOLVE, summary="done", now=NOW)
    out += j.pending_events

    k, original = submitted(), accepted()
    lifecycle.follow(original, RESIDENT, following=True, now=NOW)
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
    (due, *_) = visits.due_visits([plan], NOW + timedelta(days=1))
    out += visits.visit_request(plan, due, request_id="req_visit", now=NOW).pending_events
    visits.stop_visit_plan(plan, GRID, reason="moved", now=NOW)
    out += plan.pending_events

    reopened = resolved()
    lifecycle.reopen(reopened, RESIDENT, reason="again, call 王阿姨 0576-88123456", now=NOW)
    out += reopened.pending_events

    # free text scrubbed of the anonymous requester's contact details
    anonymous = submitted(requester=Requester(contact=Contact(name="王阿姨", phone="0576-88123456")))
    lifecycle.reject(anonymous, DISPATCHER, reason="王阿姨 0576-88123456 called twice", now=NOW)
    out += anonymous.pending_events
    return out


def recorded(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    monkeypatch.setattr(req_support, "_ids", itertools.count(1))
    records = []
    for event in encoded(flows()):
        envelope = envelope_of(event, ev.SOURCE)
        records.append(
            {
                "id": envelope.id,
                "type": envelope.type,
                "subject": envelope.subject,
                "time": envelope.time.isoformat(),
                "topic": envelope.topic,
                "message": event.message_name,
                "data": envelope.data.decode(),
            }
        )
    return records


def test_every_event_type_is_covered(monkeypatch: pytest.MonkeyPatch) -> None:
    assert {r["type"] for r in recorded(monkeypatch)} == set(ev.MESSAGE_OF_TYPE)


def test_payloads_are_byte_identical_to_the_golden_file(monkeypatch: pytest.MonkeyPatch) -> None:
    records = recorded(monkeypatch)
    if os.environ.get("LINLI_REGENERATE_GOLDEN"):
        GOLDEN.write_text(json.dumps(records, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    expected = json.loads(GOLDEN.read_text(encoding="utf-8"))
    assert len(records) == len(expected)
    for got, want in zip(records, expected, strict=True):
        assert got == want
