"""Scheduled care visits: cadences, due slots, idempotent keys, generated requests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from linli.common.errors import FailedPrecondition, InvalidArgument, PermissionDenied, Unauthenticated
from linli.requests.domain import events as ev
from linli.requests.domain import visits
from linli.requests.domain.model import Channel, ResidentGroup, Status, VisitCadence, VisitPlan
from linli.requests.domain.visits import VisitPlanDraft, due_visits, slot_key, slots
from tests.unit.requests.req_support import (
    ANONYMOUS,
    DISPATCHER,
    GRID,
    NOW,
    OTHER_PLACE,
    PLACE,
    POINT,
    RESIDENT,
)


def _plan(group: ResidentGroup = ResidentGroup.SPECIAL, **overrides: object) -> VisitPlan:
    values: dict[str, object] = {
        "resident_group": group,
        "resident_person_id": "p-elder",
        "starts_at": NOW,
        "point": POINT,
    }
    values.update(overrides)
    return visits.schedule_visits(
        VisitPlanDraft(**values),  # type: ignore[arg-type]
        plan_id=f"plan-{group.name.lower()}",
        place=PLACE,
        caller=GRID,
        now=NOW,
    )


@pytest.mark.parametrize(
    ("group", "cadence"),
    [
        (ResidentGroup.SPECIAL, VisitCadence.DAILY),
        (ResidentGroup.HARDSHIP, VisitCadence.WEEKLY),
        (ResidentGroup.KEY, VisitCadence.MONTHLY),
    ],
)
def test_group_default_cadence(group: ResidentGroup, cadence: VisitCadence) -> None:
    plan = _plan(group)
    assert plan.cadence is cadence
    assert plan.title == "走访关爱"
    assert plan.pending_events[0].type == ev.VISIT_PLAN_SCHEDULED


def test_groups_without_a_default_need_a_cadence() -> None:
    with pytest.raises(InvalidArgument) as raised:
        _plan(ResidentGroup.GENERAL)
    assert raised.value.field == "cadence"
    assert _plan(ResidentGroup.GENERAL, cadence=VisitCadence.WEEKLY).cadence is VisitCadence.WEEKLY


def test_plan_input_and_rights() -> None:
    with pytest.raises(InvalidArgument) as raised:
        _plan(ends_at=NOW)
    assert raised.value.field == "ends_at"
    with pytest.raises(InvalidArgument) as raised:
        _plan(interval=0)
    assert raised.value.field == "interval"
    with pytest.raises(InvalidArgument) as raised:
        _plan(category="unicorns")
    assert raised.value.field == "category"
    draft = VisitPlanDraft(
        resident_group=ResidentGroup.SPECIAL, resident_person_id="p-elder", starts_at=NOW, point=POINT
    )
    with pytest.raises(PermissionDenied):
        visits.schedule_visits(draft, plan_id="x", place=PLACE, caller=RESIDENT, now=NOW)
    with pytest.raises(PermissionDenied):
        visits.schedule_visits(draft, plan_id="x", place=OTHER_PLACE, caller=DISPATCHER, now=NOW)
    with pytest.raises(Unauthenticated):
        visits.schedule_visits(draft, plan_id="x", place=PLACE, caller=ANONYMOUS, now=NOW)


def test_daily_and_weekly_slots() -> None:
    daily = _plan(ResidentGroup.SPECIAL)
    assert slots(daily, None, NOW + timedelta(days=2)) == [NOW, NOW + timedelta(days=1), NOW + timedelta(days=2)]
    assert slots(daily, NOW, NOW + timedelta(days=2)) == [NOW + timedelta(days=1), NOW + timedelta(days=2)]
    weekly = _plan(ResidentGroup.HARDSHIP, interval=2)
    assert slots(weekly, None, NOW + timedelta(days=30)) == [NOW, NOW + timedelta(days=14), NOW + timedelta(days=28)]


def test_monthly_slots_clamp_to_month_end_in_local_time() -> None:
    start = datetime(2025, 1, 30, 16, 30, tzinfo=UTC)  # 31 January 00:30 in UTC+8
    plan = _plan(ResidentGroup.KEY, starts_at=start)
    got = slots(plan, None, datetime(2025, 5, 1, tzinfo=UTC))
    local_days = [(s + timedelta(hours=8)).strftime("%m-%d") for s in got]
    assert local_days == ["01-31", "02-28", "03-31", "04-30"]


def test_ends_at_and_limit() -> None:
    plan = _plan(ends_at=NOW + timedelta(days=1, hours=1))
    assert len(slots(plan, None, NOW + timedelta(days=10))) == 2
    assert len(slots(_plan(), None, NOW + timedelta(days=1000), limit=5)) == 5


def test_due_visits_are_idempotent_and_move_forward() -> None:
    plan = _plan()
    due = due_visits([plan], NOW + timedelta(days=1, hours=1))
    assert [d.slot for d in due] == [NOW, NOW + timedelta(days=1)]
    assert due[0].key == slot_key(plan.id, NOW) == "visit:plan-special:20250303T090000Z"
    assert due_visits([plan], NOW + timedelta(days=1, hours=1)) == due  # pure: same answer twice
    assert visits.mark_generated(plan, NOW + timedelta(days=1, hours=1), NOW) is True
    assert visits.mark_generated(plan, NOW, NOW) is False  # never moves back
    assert due_visits([plan], NOW + timedelta(days=1, hours=2)) == []
    next_due = due_visits([plan], NOW + timedelta(days=2))
    assert [d.slot for d in next_due] == [NOW + timedelta(days=2)]
    assert due_visits([plan], NOW + timedelta(hours=23), lookahead=timedelta(days=2)) != []


def test_stopped_plans_generate_nothing() -> None:
    plan = _plan()
    with pytest.raises(InvalidArgument):
        visits.stop_visit_plan(plan, GRID, reason="", now=NOW)
    visits.stop_visit_plan(plan, GRID, reason="moved away", now=NOW, expected_version=1)
    assert due_visits([plan], NOW + timedelta(days=5)) == []
    assert plan.pending_events[-1].type == ev.VISIT_PLAN_STOPPED
    with pytest.raises(FailedPrecondition):
        visits.stop_visit_plan(plan, GRID, reason="again", now=NOW)


def test_visit_request_is_generated_and_accepted() -> None:
    plan = _plan()
    (due,) = due_visits([plan], NOW)
    request = visits.visit_request(plan, due, request_id="req-visit-1", now=NOW - timedelta(hours=1))
    assert request.status is Status.ACCEPTED
    assert request.channel is Channel.SCHEDULED_VISIT
    assert request.requester.person_id == "p-elder"
    assert request.resident_group is ResidentGroup.SPECIAL
    assert (request.visit_plan_id, request.visit_slot, request.idempotency_key) == (plan.id, NOW, due.key)
    assert request.title == "走访关爱 2025-03-03"
    # deadlines count from the slot, not from the early creation
    assert request.accept_by == NOW + timedelta(minutes=720)
    assert [h.actor_role for h in request.history] == ["system", "system"]
