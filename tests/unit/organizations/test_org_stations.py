"""Stations, their events calendar, sign-ups and attendance."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from linli.organizations.adapters.event_payloads import encode
from linli.organizations.domain import events as ev
from linli.organizations.domain import stations as st
from linli.organizations.domain.errors import ConflictError, PreconditionError, ValidationError
from linli.organizations.domain.model import (
    DutyRosterEntry,
    LocalizedText,
    Organization,
    OrganizationKind,
    Station,
    StationEvent,
    StationKind,
    TimeWindow,
)
from linli.organizations.domain.tree import new_organization

NOW = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def owner() -> Organization:
    street = new_organization(
        org_id="s",
        kind=OrganizationKind.STREET_OFFICE,
        code="S",
        name=LocalizedText(zh="白云街道"),
        parent=None,
        now=NOW,
    )
    return new_organization(
        org_id="c",
        kind=OrganizationKind.COMMUNITY_COMMITTEE,
        code="C",
        name=LocalizedText(zh="东山社区"),
        parent=street,
        now=NOW,
    )


@pytest.fixture
def station(owner: Organization) -> Station:
    return st.new_station(
        station_id="st-1",
        owner=owner,
        kind=StationKind.LIVING_ROOM,
        code="JJ-LR-001",
        name=LocalizedText(zh="东山会客厅", en="Dongshan living room"),
        opening_hours=[TimeWindow(1, "08:30", "11:30"), TimeWindow(1, "14:00", "17:30")],
        capacity=3,
        duty_roster=[DutyRosterEntry(window=TimeWindow(1, "08:30", "11:30"), name="李", phone="13800000000")],
        now=NOW,
    )


@pytest.fixture
def event(station: Station) -> StationEvent:
    return st.schedule_event(
        event_id="e-1",
        station=station,
        title=LocalizedText(zh="义诊"),
        starts_at=NOW + timedelta(days=1),
        ends_at=NOW + timedelta(days=1, hours=2),
        now=NOW,
    )


def test_new_station_emits_created(station: Station) -> None:
    assert station.version == 1
    [created] = [encode(e) for e in station.pending_events]
    assert created.type == ev.STATION_CREATED
    assert created.payload["station"]["kind"] == "STATION_KIND_LIVING_ROOM"
    assert created.payload["station"]["openingHours"][0] == {"weekday": 1, "start": "08:30", "end": "11:30"}


def test_opening_hours_and_duty(station: Station) -> None:
    assert st.is_open(station, 1, 9 * 60)
    assert not st.is_open(station, 1, 12 * 60)
    assert not st.is_open(station, 1, 11 * 60 + 30)  # end is exclusive
    assert not st.is_open(station, 2, 9 * 60)
    assert [e.name for e in st.on_duty(station, 1, 9 * 60)] == ["李"]
    assert st.on_duty(station, 1, 15 * 60) == ()


def test_bad_station_fields(owner: Organization) -> None:
    def create(**kw: object) -> Station:
        args: dict[str, object] = {
            "station_id": "x",
            "owner": owner,
            "kind": StationKind.SERVICE_POST,
            "code": "X",
            "name": LocalizedText(en="x"),
            "now": NOW,
        }
        args.update(kw)
        return st.new_station(**args)  # type: ignore[arg-type]

    cases: list[tuple[dict[str, object], str]] = [
        ({"capacity": -1}, "capacity"),
        ({"opening_hours": [TimeWindow(9, "08:00", "09:00")]}, "opening_hours[0].weekday"),
        ({"duty_roster": [DutyRosterEntry(window=TimeWindow(1, "08:00", "09:00"))]}, "duty_roster[0]"),
        (
            {"duty_roster": [DutyRosterEntry(window=TimeWindow(1, "09:00", "08:00"), name="a")]},
            "duty_roster[0].window.end",
        ),
        ({"name": LocalizedText()}, "name"),
    ]
    for kw, field in cases:
        with pytest.raises(ValidationError) as err:
            create(**kw)
        assert err.value.field == field, kw
    owner.archived = True
    with pytest.raises(PreconditionError):
        create()


def test_update_station(station: Station) -> None:
    assert st.update_station(station, ["capacity"], st.StationUpdate(capacity=3), now=NOW) == ()
    assert station.version == 1
    changed = st.update_station(station, [], st.StationUpdate(capacity=40, kind=StationKind.SERVICE_POST), now=NOW)
    assert changed == ("capacity", "kind")
    assert station.version == 2
    with pytest.raises(ConflictError):
        st.update_station(station, ["capacity"], st.StationUpdate(capacity=1), now=NOW, expected_version=1)


def test_update_station_kind_missing_raises_before_anything_changes(station: Station) -> None:
    with pytest.raises(ValidationError) as err:
        st.update_station(station, ["capacity", "kind"], st.StationUpdate(capacity=40), now=NOW)
    assert err.value.field == "kind"
    assert station.capacity == 3


def test_schedule_event(event: StationEvent) -> None:
    assert event.capacity == 3  # inherited from the station
    [scheduled] = [encode(e) for e in event.pending_events]
    assert scheduled.type == ev.STATION_EVENT_SCHEDULED
    assert scheduled.subject == "e-1"
    assert scheduled.payload["event"]["capacity"] == 3


def test_schedule_event_rules(station: Station) -> None:
    def schedule(**kw: object) -> StationEvent:
        args: dict[str, object] = {
            "event_id": "e",
            "station": station,
            "title": LocalizedText(zh="活动"),
            "starts_at": NOW,
            "ends_at": NOW + timedelta(hours=1),
            "now": NOW,
        }
        args.update(kw)
        return st.schedule_event(**args)  # type: ignore[arg-type]

    cases: list[tuple[dict[str, object], str]] = [
        ({"ends_at": NOW}, "ends_at"),
        ({"ends_at": NOW + timedelta(days=15)}, "ends_at"),
        ({"starts_at": datetime(2025, 3, 1)}, "starts_at"),
        ({"capacity": 4}, "capacity"),
        ({"title": LocalizedText()}, "title"),
    ]
    for kw, field in cases:
        with pytest.raises(ValidationError) as err:
            schedule(**kw)
        assert err.value.field == field, kw
    assert schedule(capacity=2).capacity == 2


def test_sign_up_is_idempotent_and_bounded(event: StationEvent) -> None:
    assert st.sign_up(event, "p1", now=NOW)
    assert not st.sign_up(event, "p1", now=NOW)
    assert event.signup_count == 1
    assert event.version == 2
    assert st.sign_up(event, "p2", now=NOW)
    assert st.sign_up(event, "p3", now=NOW)
    with pytest.raises(PreconditionError) as err:
        st.sign_up(event, "p4", now=NOW)
    assert "full" in err.value.message
    assert not st.sign_up(event, "p3", now=NOW)  # a retry of an accepted sign-up still succeeds
    assert st.cancel_sign_up(event, "p3", now=NOW)
    assert not st.cancel_sign_up(event, "p3", now=NOW)
    assert st.sign_up(event, "p4", now=NOW)


def test_sign_up_after_end_or_cancel(event: StationEvent) -> None:
    with pytest.raises(PreconditionError):
        st.sign_up(event, "p1", now=event.ends_at)
    assert st.cancel_event(event, now=NOW)
    assert not st.cancel_event(event, now=NOW)
    with pytest.raises(PreconditionError):
        st.sign_up(event, "p1", now=NOW)


def test_record_attendance(event: StationEvent) -> None:
    with pytest.raises(PreconditionError):
        st.record_attendance(event, 2, now=NOW)  # not started
    during = event.starts_at + timedelta(minutes=30)
    assert st.record_attendance(event, 5, now=during)  # walk-ins may exceed sign-ups
    assert not st.record_attendance(event, 5, now=during)  # absolute: a retry changes nothing
    assert event.attendance_count == 5
    with pytest.raises(ValidationError) as err:
        st.record_attendance(event, -1, now=during)
    assert err.value.field == "attendance_count"
    with pytest.raises(ConflictError):
        st.record_attendance(event, 6, now=during, expected_version=1)
