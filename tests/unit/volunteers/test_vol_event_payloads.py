"""Golden event payloads: what the volunteers service puts on Kafka, byte for byte.

Recorded before the service layer and the wire format moved (issue 9); the CloudEvent id,
type, subject, time, topic and the JSON value of every event type must never change. Each
case drives the domain the way a handler does and encodes its typed events as the repository
does when it writes them (``adapters.event_payloads.encode``).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from linli.common.aggregates import envelope_of
from linli.common.domain_events import timestamp_json
from linli.volunteers.adapters.event_payloads import encode
from linli.volunteers.domain import events as ev
from linli.volunteers.domain import ledger, teams, volunteers
from linli.volunteers.domain.events import EventContext
from linli.volunteers.domain.ledger import TaskCredit
from linli.volunteers.domain.model import GeoPoint, TimeWindow
from linli.volunteers.domain.volunteers import ProfileChanges, Registration

NOW = datetime(2025, 3, 3, 2, 0, tzinfo=UTC)
STAFF = EventContext(actor_person_id="admin-1", actor_role="admin", request_id="req-abc")
SYSTEM = EventContext(actor_person_id="system", actor_role="system")

Outboxed = tuple[str, str, str, str, str, str]


def outboxed(events: list[Any]) -> list[Outboxed]:
    """(ce_id, ce_type, subject, time, topic, value) as the relay would publish them."""
    envelopes = [envelope_of(encode(event), ev.SOURCE) for event in events]
    return [(e.id, e.type, e.subject, timestamp_json(e.time), e.topic, e.data.decode()) for e in envelopes]


def every_event_type() -> list[Any]:
    registration = Registration(
        person_id="person_1",
        display_name="王师傅",
        phone="13800000000",
        home_community_id="org_dongshan",
        workplace_community_id="org_baiyun",
        skills=["electrical_repair", "plumbing"],
        posts=["safety_patrol"],
        languages=["zh"],
        service_radius_km=3.0,
        home=GeoPoint(28.68, 121.44),
        availability=[TimeWindow(6, "09:00", "12:00")],
    )
    first = volunteers.register("vol_1", registration, NOW, context=STAFF)
    volunteers.update(
        first,
        ProfileChanges(display_name="王大师", skills=["plumbing"], phone="13900000000"),
        NOW + timedelta(minutes=1),
        context=STAFF,
    )
    volunteers.suspend(first, "on leave", NOW + timedelta(minutes=2, microseconds=1500), context=STAFF)
    volunteers.reactivate(first, NOW + timedelta(minutes=3), context=EventContext())
    second = volunteers.register(
        "vol_2",
        Registration(
            person_id="person_2",
            display_name="李",
            home_community_id="org_dongshan",
            service_radius_km=2.5,
            home=GeoPoint(28.6, 121.4),
        ),
        NOW,
        context=EventContext(actor_person_id="person_2"),
    )
    team = teams.create_team(
        "team_1",
        name="东山应急突击队",
        leader=first,
        focus="emergency",
        owning_organization_id="org_dongshan",
        rapid_response=True,
        now=NOW,
        context=STAFF,
    )
    teams.join_team(team, second, NOW + timedelta(minutes=5), context=STAFF)
    teams.leave_team(team, "vol_2", NOW + timedelta(minutes=6), context=STAFF)
    quiet = teams.create_team(
        "team_2",
        name="Quiet",
        leader=second,
        focus="",
        owning_organization_id="org_x",
        rapid_response=False,
        now=NOW,
        context=EventContext(),
    )
    credit = TaskCredit(
        cause_event_id="evt-1", volunteer_id="vol_1", request_id="req_1", hours=2.0, rating=5, occurred_at=NOW
    )
    entries = ledger.credit_task(credit, first, NOW + timedelta(hours=1))
    fix = ledger.correction(
        volunteer_id="vol_1",
        community_id="",
        hours_delta=-0.5,
        points_delta=-5,
        reason="typo",
        idempotency_key="fix-1",
        recorded_by="admin-1",
        now=NOW + timedelta(hours=2),
        corrects=entries[0],
    )
    low = ledger.credit_task(
        TaskCredit(
            cause_event_id="evt-2", volunteer_id="vol_2", request_id="req_2", hours=0.0, rating=1, occurred_at=NOW
        ),
        second,
        NOW,
    )
    return [
        *first.pending_events,
        *second.pending_events,
        *team.pending_events,
        *quiet.pending_events,
        *(ledger.points_credited_event(e, SYSTEM) for e in entries),
        ledger.points_credited_event(fix, STAFF),
        *(ledger.points_credited_event(e) for e in low),
    ]


#: Recorded with the code of commit ff80cfe (before issue 9 moved anything).
EXPECTED = Path(__file__).with_name("vol_event_payloads.json")


def test_every_event_type_is_published_exactly_as_recorded() -> None:
    recorded = outboxed(every_event_type())
    assert {r[1] for r in recorded} == set(ev.MESSAGE_OF_TYPE)
    expected = [
        tuple(r[key] for key in ("id", "type", "subject", "time", "topic", "data"))
        for r in json.loads(EXPECTED.read_text(encoding="utf-8"))
    ]
    for actual, wanted in zip(recorded, expected, strict=True):
        assert actual == wanted
