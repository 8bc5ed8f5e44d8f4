"""Golden payloads: every event type the service emits, byte for byte as it goes to Kafka.

Recorded before the service layer was reshaped (issue 9); the envelopes built from the
domain's events must stay identical: ids, types, subjects, times, topics and the JSON bytes.
Regenerate only for a deliberate, compatible change: ``.venv/bin/python
tests/unit/organizations/test_org_event_payloads.py`` rewrites the fixture.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from linli.common.aggregates import AggregateRepository
from linli.organizations.adapters.event_payloads import encode
from linli.organizations.domain import events as ev
from linli.organizations.domain import stations as st
from linli.organizations.domain.events import EventContext
from linli.organizations.domain.geo import GeoPoint
from linli.organizations.domain.grids import (
    GridUpdate,
    new_grid,
    refresh_grid_context,
    shape_from_cell,
    shape_from_polygon,
    update_grid,
)
from linli.organizations.domain.model import (
    Address,
    Contact,
    DutyRosterEntry,
    LocalizedText,
    OrganizationKind,
    Role,
    StationKind,
    TimeWindow,
)
from linli.organizations.domain.roles import grant_role, revoke_role
from linli.organizations.domain.tree import (
    OrganizationUpdate,
    apply_move,
    archive_organization,
    new_organization,
    plan_move,
    update_organization,
)

FIXTURE = Path(__file__).with_name("org_event_payloads.json")
NOW = datetime(2025, 3, 1, 8, 30, 0, 123000, tzinfo=UTC)
LATER = NOW + timedelta(minutes=5, microseconds=456)
CTX = EventContext(actor_person_id="p-admin", actor_role="admin", request_id="req-1")
K = OrganizationKind


def _encoder() -> AggregateRepository:
    """The repository's envelope building, without a database."""
    return AggregateRepository({}, source=ev.SOURCE, encode=encode)


def outboxes() -> list[Any]:
    """Aggregates carrying one or more of each event type, in realistic shapes."""
    district = new_organization(
        org_id="d", kind=K.DISTRICT, code="D", name=LocalizedText(zh="椒江区"), parent=None, now=NOW
    )
    s1 = new_organization(
        org_id="s1",
        kind=K.STREET_OFFICE,
        code="S1",
        name=LocalizedText(zh="白云街道", en="Baiyun"),
        parent=district,
        now=NOW,
        ctx=CTX,
        address=Address(text="椒江区白云街道", city="台州", point=GeoPoint(28.68, 121.44)),
        location=GeoPoint(28.68, 121.44),
        contacts=[Contact(name="值班", phone="0576-88881234", role="duty phone"), Contact(email="a@b.cn")],
    )
    s2 = new_organization(
        org_id="s2", kind=K.STREET_OFFICE, code="S2", name=LocalizedText(en="S2"), parent=district, now=NOW
    )
    c1 = new_organization(
        org_id="c1", kind=K.COMMUNITY_COMMITTEE, code="C1", name=LocalizedText(zh="东山"), parent=s1, now=NOW, ctx=CTX
    )
    b1 = new_organization(
        org_id="b1", kind=K.COMPOUND_BRANCH, code="B1", name=LocalizedText(zh="小区"), parent=c1, now=NOW
    )
    unit = new_organization(
        org_id="u1",
        kind=K.CO_BUILDING_UNIT,
        code="U1",
        name=LocalizedText(zh="医院"),
        parent=s1,
        now=NOW,
        served_org_ids=["s1"],
        accepted_categories=["health", "Elderly_Care"],
        response_deadline_minutes=90,
    )
    update_organization(
        unit,
        ["name", "accepted_categories"],
        OrganizationUpdate(name=LocalizedText(zh="人民医院"), accepted_categories=["health"]),
        now=LATER,
        ctx=CTX,
    )
    update_organization(s2, ["address"], OrganizationUpdate(address=Address(text="somewhere")), now=LATER)
    plan = plan_move(c1, s2, [b1])
    apply_move(c1, plan, [b1], now=LATER, ctx=CTX)

    grid = new_grid(
        grid_id="g1",
        owner=b1,
        ancestors=[district, s2, c1],
        code="G1",
        name=LocalizedText(zh="一网格"),
        shape=shape_from_polygon([GeoPoint(28.6, 121.4), GeoPoint(28.6, 121.41), GeoPoint(28.61, 121.41)]),
        households_count=350,
        leader_person_id="p-lead",
        worker_person_ids=["p-w1", "p-w2"],
        now=NOW,
        ctx=CTX,
    )
    update_grid(
        grid, ["shape"], GridUpdate(shape=shape_from_cell(GeoPoint(28.6, 121.4), GeoPoint(28.61, 121.41))), now=LATER
    )
    update_grid(grid, ["households_count", "code"], GridUpdate(households_count=0, code="G1b"), now=LATER, ctx=CTX)
    bare = new_grid(
        grid_id="g2",
        owner=s1,
        ancestors=[district],
        code="G2",
        name=LocalizedText(en="bare"),
        shape=shape_from_cell(GeoPoint(28.7, 121.4), GeoPoint(28.71, 121.41)),
        now=NOW,
    )
    refresh_grid_context(bare, s2, [district], now=LATER, ctx=CTX)

    station = st.new_station(
        station_id="st1",
        owner=s1,
        kind=StationKind.OUTDOOR_WORKER_REST,
        code="ST1",
        name=LocalizedText(zh="驿站"),
        address=Address(text="路口", district="椒江区"),
        location=GeoPoint(28.65, 121.43),
        opening_hours=[TimeWindow(2, "08:00", "12:00"), TimeWindow(1, "00:00", "24:00")],
        capacity=20,
        duty_roster=[
            DutyRosterEntry(window=TimeWindow(1, "08:00", "12:00"), person_id="p-duty", name="张", phone="13800000000")
        ],
        contacts=[Contact(phone="12345")],
        now=NOW,
        ctx=CTX,
    )
    plain = st.new_station(
        station_id="st2", owner=c1, kind=StationKind.LIVING_ROOM, code="ST2", name=LocalizedText(en="Room"), now=NOW
    )
    event = st.schedule_event(
        event_id="e1",
        station=station,
        title=LocalizedText(zh="义诊"),
        description="free check-up\nbring ID",
        starts_at=datetime(2025, 3, 2, 9, 0, tzinfo=timezone(timedelta(hours=8))),
        ends_at=datetime(2025, 3, 2, 11, 0, tzinfo=timezone(timedelta(hours=8))),
        capacity=10,
        now=NOW,
        ctx=CTX,
    )
    open_event = st.schedule_event(
        event_id="e2",
        station=plain,
        title=LocalizedText(en="Tea"),
        starts_at=NOW + timedelta(days=1),
        ends_at=NOW + timedelta(days=1, hours=2),
        now=NOW,
    )

    assignment, _ = grant_role(None, person_id="p1", organization=s1, role=Role.LIAISON, granted_by="p-admin", now=NOW)
    revoke_role(assignment, revoked_by="p-admin", now=LATER, ctx=CTX)
    grant_role(
        assignment,
        person_id="p1",
        organization=s1,
        role=Role.LIAISON,
        granted_by="p-op",
        now=LATER + timedelta(seconds=1),
        ctx=CTX,
    )
    admin, _ = grant_role(None, person_id="p2", organization=c1, role=Role.ADMIN, granted_by="op-1", now=NOW, ctx=CTX)

    archive_organization(b1, now=LATER + timedelta(minutes=1), reason="merged", cascade_root_id="c1", ctx=CTX)
    archive_organization(c1, now=LATER + timedelta(minutes=1), reason="merged", ctx=CTX)
    archive_organization(s2, now=LATER + timedelta(minutes=2))
    return [district, s1, s2, c1, b1, unit, grid, bare, station, plain, event, open_event, assignment, admin]


def envelopes() -> list[dict[str, Any]]:
    encoder = _encoder()
    return [
        {
            "id": e.id,
            "type": e.type,
            "subject": e.subject,
            "time": e.time.isoformat(),
            "topic": e.topic,
            "source": e.source,
            "data": e.data.decode(),
        }
        for aggregate in outboxes()
        for e in encoder._envelopes(aggregate)
    ]


def test_every_event_type_is_covered() -> None:
    assert {e["type"] for e in envelopes()} == set(ev.MESSAGE_OF_TYPE)


def test_envelopes_are_byte_identical_to_the_recorded_ones() -> None:
    recorded = json.loads(FIXTURE.read_text(encoding="utf-8"))
    actual = envelopes()
    assert len(actual) == len(recorded)
    for got, expected in zip(actual, recorded, strict=True):
        assert got == expected, expected["type"]


if __name__ == "__main__":
    FIXTURE.write_text(json.dumps(envelopes(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
