"""Recipient resolution on a fake people directory: parts, handlers, roles, escalation."""

from __future__ import annotations

import pytest

from linli.notifications.domain.model import HandlerRef
from linli.notifications.domain.recipients import resolve, resolve_all
from tests.unit.notifications.domain_fakes import FakeDirectory, facts


@pytest.fixture
def directory() -> FakeDirectory:
    return FakeDirectory(
        volunteers={"vol_1": "p_v1", "vol_2": "p_v2", "vol_3": "p_v1"},
        roles={
            ("dispatcher", "com_1"): ["p_d1", "p_d2"],
            ("admin", "com_1"): ["p_a1", "p_d1"],
            ("dispatcher", "str_1"): ["p_sd"],
            ("liaison", "dept_water"): ["p_l1"],
            ("liaison", "dept_city"): ["p_l9"],
            ("admin", "unit_2"): ["p_ua"],
            ("liaison", "unit_1"): ["p_ul"],
            ("admin", "unit_1"): ["p_ua1"],
        },
        parents={"dept_empty": ["dept_none", "dept_city", "root"]},
        leaders={"team_1": "p_lead"},
    )


def test_people_parts_are_deduplicated_without_empty_ids(directory: FakeDirectory) -> None:
    event = facts(people={"requester": ("p_r",), "followers": ("p_f1", "", "p_r", "p_f1")})
    assert resolve(event, "requester", directory) == ("p_r",)
    assert resolve(event, "followers", directory) == ("p_f1", "p_r")
    assert resolve_all(event, ("requester", "followers"), directory) == ("p_r", "p_f1")
    assert resolve(event, "signed_up", directory) == ()


def test_candidates_are_volunteers_resolved_to_persons(directory: FakeDirectory) -> None:
    event = facts(volunteer_ids={"candidates": ("vol_1", "vol_2", "vol_unknown", "vol_3", "")})
    assert resolve(event, "candidates", directory) == ("p_v1", "p_v2")


def test_volunteer_part_from_volunteer_ids_or_people(directory: FakeDirectory) -> None:
    assert resolve(facts(volunteer_ids={"volunteer": ("vol_2",)}), "volunteer", directory) == ("p_v2",)
    assert resolve(facts(people={"volunteer": ("p_x",)}), "volunteer", directory) == ("p_x",)


def test_handlers_by_kind(directory: FakeDirectory) -> None:
    refs = (
        HandlerRef("volunteer", "vol_1"),
        HandlerRef("team", "team_1"),
        HandlerRef("unit", "unit_1"),  # liaison first
        HandlerRef("unit", "unit_2"),  # no liaison: its admin
        HandlerRef("staff", "p_staff"),
        HandlerRef("other", "whoever"),
        HandlerRef("team", "team_without_leader"),
        HandlerRef("volunteer", ""),
    )
    assert resolve(facts(handlers={"handler": refs}), "handler", directory) == (
        "p_v1",
        "p_lead",
        "p_ul",
        "p_ua",
        "p_staff",
    )


def test_transfer_receiver_and_parties(directory: FakeDirectory) -> None:
    event = facts(
        handlers={
            "transfer_receiver": (HandlerRef("department", "dept_water"),),
            "parties": (HandlerRef("resident", "p_res"), HandlerRef("organization", "com_1")),
        }
    )
    assert resolve(event, "transfer_receiver", directory) == ("p_l1",)
    assert resolve(event, "parties", directory) == ("p_res", "p_a1", "p_d1")


def test_roles_at_the_place(directory: FakeDirectory) -> None:
    event = facts()
    assert resolve(event, "role:dispatcher@community", directory) == ("p_d1", "p_d2")
    assert resolve(event, "role:dispatcher@street", directory) == ("p_sd",)
    assert resolve_all(event, ("role:admin@community", "role:dispatcher@community"), directory) == (
        "p_a1",
        "p_d1",
        "p_d2",
    )
    assert resolve(facts(community_id=""), "role:dispatcher@community", directory) == ()


def test_escalation_reaches_the_department_s_liaisons(directory: FakeDirectory) -> None:
    assert resolve(facts(department_id="dept_water"), "role:liaison@department", directory) == ("p_l1",)


def test_escalation_climbs_to_the_next_level_with_liaisons(directory: FakeDirectory) -> None:
    # dept_empty has none, its parent dept_none has none, dept_city has one.
    assert resolve(facts(department_id="dept_empty"), "role:liaison@department", directory) == ("p_l9",)
    assert resolve(facts(department_id="dept_nobody"), "role:liaison@department", directory) == ()
    assert resolve(facts(department_id=""), "role:liaison@department", directory) == ()


def test_agencies_and_unknown_selectors(directory: FakeDirectory) -> None:
    assert resolve(facts(), "agencies", directory) == ()
    with pytest.raises(ValueError, match="unknown selector 'mayor'"):
        resolve(facts(), "mayor", directory)
