"""Who holds a request is derived from the requests service's snapshots; holding and
releasing are idempotent set operations."""

from __future__ import annotations

from datetime import timedelta

import pytest

from linli.volunteers.domain import rules, tasks
from linli.volunteers.domain.tasks import RequestFacts
from tests.unit.volunteers.conftest import NOW, VolunteerFactory

VOLUNTEER = "ASSIGNEE_KIND_VOLUNTEER"


@pytest.mark.parametrize(
    ("status", "kind", "holder"),
    [
        ("REQUEST_STATUS_DISPATCHED", VOLUNTEER, "vol_1"),
        ("REQUEST_STATUS_CLAIMED", VOLUNTEER, "vol_1"),
        ("REQUEST_STATUS_IN_PROGRESS", VOLUNTEER, "vol_1"),
        ("REQUEST_STATUS_REOPENED", VOLUNTEER, "vol_1"),
        ("REQUEST_STATUS_DELIBERATING", VOLUNTEER, "vol_1"),
        ("REQUEST_STATUS_RESOLVED", VOLUNTEER, ""),  # the work is done: no longer a load
        ("REQUEST_STATUS_RATED", VOLUNTEER, ""),
        ("REQUEST_STATUS_CLOSED", VOLUNTEER, ""),
        ("REQUEST_STATUS_CANCELLED", VOLUNTEER, ""),
        ("REQUEST_STATUS_OFFERED", VOLUNTEER, ""),  # reopened and offered again: the old assignee is free
        ("REQUEST_STATUS_CLAIMED", "ASSIGNEE_KIND_TEAM", ""),
        ("REQUEST_STATUS_CLAIMED", "ASSIGNEE_KIND_UNSPECIFIED", ""),
    ],
)
def test_the_holder_follows_status_and_assignee(status: str, kind: str, holder: str) -> None:
    facts = RequestFacts("req_1", status, kind, "vol_1")
    assert facts.holder == holder
    assert facts.volunteer_id == ("vol_1" if kind == VOLUNTEER else "")


def test_holding_and_releasing_are_idempotent(new_volunteer: VolunteerFactory) -> None:
    volunteer = new_volunteer()
    assert tasks.hold_task(volunteer, "req_1", NOW)
    assert not tasks.hold_task(volunteer, "req_1", NOW + timedelta(minutes=5))  # dispatched, then claimed
    assert tasks.hold_task(volunteer, "req_2", NOW)
    assert (volunteer.open_tasks, volunteer.open_request_ids, volunteer.version) == (2, ("req_1", "req_2"), 3)
    assert volunteer.recent_assignments.at(NOW.timestamp()) == pytest.approx(2.0)

    assert tasks.release_task(volunteer, "req_1", NOW)
    assert not tasks.release_task(volunteer, "req_1", NOW)
    assert not tasks.release_task(volunteer, "req_unknown", NOW)
    assert (volunteer.open_tasks, volunteer.open_request_ids, volunteer.version) == (1, ("req_2",), 4)
    assert volunteer.recent_assignments.at(NOW.timestamp()) == pytest.approx(2.0)  # releasing keeps history


@pytest.mark.parametrize(
    ("reported", "credited"), [(2.5, 2.5), (0.0, 0.0), (30.0, rules.MAX_TASK_HOURS), (-1.0, 0.0), (float("nan"), 0.0)]
)
def test_creditable_hours_cap_what_the_ledger_refuses(reported: float, credited: float) -> None:
    assert tasks.creditable_hours(reported) == credited
