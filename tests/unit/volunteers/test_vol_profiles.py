"""Volunteer and team aggregates: registration, updates, suspension, teams, identity card,
and the outbox events they leave (checked against the protobuf messages when generated)."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from linli.common.domain_events import timestamp_json
from linli.common.errors import AlreadyExists, Conflict, FailedPrecondition, InvalidArgument
from linli.volunteers.adapters.event_payloads import encode
from linli.volunteers.domain import events as ev
from linli.volunteers.domain import teams, volunteers
from linli.volunteers.domain.events import EventContext
from linli.volunteers.domain.model import GeoPoint, TimeWindow, Volunteer, VolunteerStatus
from linli.volunteers.domain.volunteers import ProfileChanges, Registration

NOW = datetime(2025, 3, 3, 2, 0, tzinfo=UTC)
Factory = Callable[..., Volunteer]


def registration(**overrides: Any) -> Registration:
    values: dict[str, Any] = {
        "person_id": "person_1",
        "display_name": "王师傅",
        "phone": "13800000000",
        "home_community_id": "org_dongshan",
        "workplace_community_id": "org_baiyun",
        "skills": ["electrical_repair", "plumbing"],
        "posts": ["safety_patrol"],
        "languages": ["zh"],
        "service_radius_km": 3.0,
        "home": GeoPoint(28.68, 121.44),
        "availability": [TimeWindow(6, "09:00", "12:00")],
    }
    values.update(overrides)
    return Registration(**values)


def assert_parses(typed: object) -> None:
    """The encoded payload parses into its protobuf message (when the generated code exists)."""
    event = encode(typed)
    try:
        pb = importlib.import_module("linli.v1.volunteers_pb2")
        json_format = importlib.import_module("google.protobuf.json_format")
    except ImportError:
        return
    json_format.ParseDict(event.payload, getattr(pb, event.message_name)())


def test_register_creates_version_1_with_event() -> None:
    volunteer = volunteers.register("vol_1", registration(), NOW, context=EventContext(actor_person_id="person_1"))
    assert volunteer.version == 1
    assert volunteer.status is VolunteerStatus.ACTIVE
    assert volunteer.max_concurrent_tasks == 3  # the default when 0 is given
    [event] = [encode(e) for e in volunteer.pending_events]
    assert event.type == ev.VOLUNTEER_REGISTERED
    assert event.subject == "vol_1"
    assert event.payload["header"] == {"aggregateVersion": "1", "actorPersonId": "person_1"}
    assert event.payload["workplaceCommunityId"] == "org_baiyun"
    assert "phone" not in event.payload and "home" not in event.payload
    assert_parses(event)


def test_register_event_id_is_deterministic() -> None:
    first = volunteers.register("vol_1", registration(), NOW)
    again = volunteers.register("vol_1", registration(), NOW)
    assert encode(first.pending_events[0]).id == encode(again.pending_events[0]).id


def test_workplace_equal_to_home_is_dropped() -> None:
    volunteer = volunteers.register("vol_1", registration(workplace_community_id="org_dongshan"), NOW)
    assert volunteer.workplace_community_id == ""


def test_duplicate_person_is_already_exists(new_volunteer: Factory) -> None:
    existing = new_volunteer("vol_0")
    with pytest.raises(AlreadyExists) as err:
        volunteers.register("vol_1", registration(), NOW, existing_for_person=existing)
    assert err.value.field == "person_id"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"skills": ["plumbing", "juggling"]}, "skills[1]"),
        ({"posts": ["king"]}, "posts[0]"),
        ({"home": GeoPoint(28.6, 200.0)}, "home.lng"),
        ({"home": None}, "home"),
        ({"service_radius_km": 0.0}, "service_radius_km"),
        ({"availability": [TimeWindow(1, "09:00", "08:00")]}, "availability[0].end"),
        ({"max_concurrent_tasks": 21}, "max_concurrent_tasks"),
        ({"display_name": ""}, "display_name"),
        ({"home_community_id": ""}, "home_community_id"),
    ],
)
def test_register_rejects_bad_input_naming_the_field(overrides: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidArgument) as err:
        volunteers.register("vol_1", registration(**overrides), NOW)
    assert err.value.field == field


def test_update_changes_only_what_differs() -> None:
    volunteer = volunteers.register("vol_1", registration(), NOW)
    later = NOW + timedelta(hours=1)
    changed = volunteers.update(
        volunteer,
        ProfileChanges(skills=["plumbing", "electrical_repair"], phone="13900000000", service_radius_km=5.0),
        later,
        expected_version=1,
    )
    # skills are the same set but in another order: that is a change of the stored tuple
    assert changed == ["phone", "service_radius_km", "skills"]
    assert volunteer.version == 2
    assert volunteer.updated_at == later
    event = encode(volunteer.pending_events[-1])
    assert event.type == ev.VOLUNTEER_UPDATED
    assert event.payload["changedFields"] == changed
    assert "13900000000" not in str(event.payload)
    assert_parses(event)


def test_update_without_change_bumps_nothing() -> None:
    volunteer = volunteers.register("vol_1", registration(), NOW)
    assert volunteers.update(volunteer, ProfileChanges(display_name="王师傅"), NOW) == []
    assert volunteer.version == 1
    assert len(volunteer.pending_events) == 1


def test_update_with_stale_version_conflicts() -> None:
    volunteer = volunteers.register("vol_1", registration(), NOW)
    with pytest.raises(Conflict):
        volunteers.update(volunteer, ProfileChanges(display_name="x"), NOW, expected_version=7)


def test_update_mask_selects_fields() -> None:
    values = ProfileChanges(display_name="new", phone="139")
    assert volunteers.changes_from_mask(["display_name"], values) == ProfileChanges(display_name="new")
    assert volunteers.changes_from_mask([], values) == values
    with pytest.raises(InvalidArgument) as err:
        volunteers.changes_from_mask(["display_name", "status"], values)
    assert err.value.field == "update_mask.paths[1]"


def test_suspend_and_reactivate_are_idempotent() -> None:
    volunteer = volunteers.register("vol_1", registration(), NOW)
    assert volunteers.suspend(volunteer, "left the city", NOW) is True
    assert volunteers.suspend(volunteer, "again", NOW) is False
    assert volunteer.status is VolunteerStatus.SUSPENDED
    assert volunteer.suspension_reason == "left the city"
    assert volunteers.reactivate(volunteer, NOW) is True
    assert volunteers.reactivate(volunteer, NOW) is False
    assert volunteer.active and volunteer.suspended_at is None
    assert [e.type for e in volunteer.pending_events] == [
        ev.VOLUNTEER_REGISTERED,
        ev.VOLUNTEER_SUSPENDED,
        ev.VOLUNTEER_REACTIVATED,
    ]
    for event in volunteer.pending_events:
        assert_parses(event)


def test_suspend_needs_a_reason(new_volunteer: Factory) -> None:
    volunteer = new_volunteer()
    with pytest.raises(InvalidArgument) as err:
        volunteers.suspend(volunteer, " ", NOW)
    assert err.value.field == "reason"


def test_open_tasks_follow_claims_and_releases(new_volunteer: Factory) -> None:
    volunteer = new_volunteer()
    volunteers.task_claimed(volunteer, NOW)
    volunteers.task_claimed(volunteer, NOW + timedelta(hours=1))
    assert volunteer.open_tasks == 2
    assert volunteer.recent_assignments.count > 1.99
    volunteers.task_released(volunteer, NOW)
    volunteers.task_released(volunteer, NOW)
    volunteers.task_released(volunteer, NOW)
    assert volunteer.open_tasks == 0


def test_identity_card_is_public_data_only(new_volunteer: Factory) -> None:
    volunteer = new_volunteer("vol_1")
    volunteer.posts = ("safety_patrol", "dispute_mediation")
    leader = new_volunteer("vol_lead")
    team = teams.create_team(
        "team_1", name="Repairs", leader=leader, focus="repairs", owning_organization_id="org_1",
        rapid_response=True, now=NOW,
    )  # fmt: skip
    teams.join_team(team, volunteer, NOW)
    other = teams.create_team(
        "team_2", name="Patrol", leader=leader, focus="", owning_organization_id="org_1", rapid_response=False, now=NOW
    )
    card = volunteers.identity_card(volunteer, [team, other])
    assert card.teams == (("team_1", "Repairs", False),)
    assert [p.code for p in card.posts] == ["safety_patrol", "dispute_mediation"]
    assert "13800000000" not in repr(card)
    assert volunteers.identity_card(leader, [team]).teams == (("team_1", "Repairs", True),)


def test_team_lifecycle(new_volunteer: Factory) -> None:
    leader, member = new_volunteer("vol_lead"), new_volunteer("vol_2")
    team = teams.create_team(
        "team_1", name=" Elderly care ", leader=leader, focus="elderly care", owning_organization_id="org_1",
        rapid_response=False, now=NOW,
    )  # fmt: skip
    assert team.name == "Elderly care"
    assert list(team.member_ids) == ["vol_lead"]
    assert teams.join_team(team, member, NOW, expected_version=1) is True
    assert teams.join_team(team, member, NOW) is False
    assert list(team.member_ids) == ["vol_lead", "vol_2"]
    assert team.version == 2
    with pytest.raises(FailedPrecondition) as err:
        teams.leave_team(team, "vol_lead", NOW)
    assert err.value.field == "volunteer_id"
    assert teams.leave_team(team, "vol_2", NOW) is True
    assert teams.leave_team(team, "vol_2", NOW) is False
    assert [e.type for e in team.pending_events] == [ev.TEAM_CREATED, ev.TEAM_MEMBER_JOINED, ev.TEAM_MEMBER_LEFT]
    for event in team.pending_events:
        assert_parses(event)
    with pytest.raises(Conflict):
        teams.join_team(team, member, NOW, expected_version=1)


def test_suspended_volunteers_cannot_lead_or_join(new_volunteer: Factory) -> None:
    suspended = new_volunteer("vol_s")
    volunteers.suspend(suspended, "misconduct", NOW)
    with pytest.raises(FailedPrecondition) as err:
        teams.create_team(
            "team_1",
            name="T",
            leader=suspended,
            focus="",
            owning_organization_id="org_1",
            rapid_response=False,
            now=NOW,
        )
    assert err.value.field == "leader_volunteer_id"
    team = teams.create_team(
        "team_1",
        name="T",
        leader=new_volunteer(),
        focus="",
        owning_organization_id="org_1",
        rapid_response=False,
        now=NOW,
    )
    with pytest.raises(FailedPrecondition):
        teams.join_team(team, suspended, NOW)


def test_volunteer_copy_of_team_ids(new_volunteer: Factory) -> None:
    volunteer = new_volunteer()
    assert teams.add_team_id(volunteer, "team_1") is True
    assert teams.add_team_id(volunteer, "team_1") is False
    assert teams.remove_team_id(volunteer, "team_1") is True
    assert teams.remove_team_id(volunteer, "team_1") is False
    assert volunteer.team_ids == ()


def test_timestamps_in_events_are_utc_rfc3339() -> None:
    assert timestamp_json(datetime(2025, 3, 3, 10, 0, tzinfo=UTC)) == "2025-03-03T10:00:00Z"
