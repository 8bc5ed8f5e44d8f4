"""Scheduled care visits (Fengxin's "five sees"): special groups are seen daily, hardship
groups weekly, key groups regularly (monthly here). A visit plan for one resident generates
a request for every slot; "scheduled visits are requests too".

Slots are ``starts_at + k * interval`` days, weeks or calendar months (months are counted in
the city's local time, UTC+8, so "the 31st" becomes the last day of shorter months without
drifting). ``due_visits(plans, now)`` is pure: it lists the slots after
``generated_through`` up to ``now`` (plus an optional look-ahead), each with an idempotency
key derived from plan and slot. The timer creates each request with an id derived from that
key, then calls ``mark_generated``; a crash in between only repeats creations that collide
on the id, so nothing is doubled.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from types import MappingProxyType
from typing import Final

from linli.common.errors import FailedPrecondition, InvalidArgument, PermissionDenied, Unauthenticated

from . import events as ev
from . import rules
from .catalogue import DEFAULT_CATALOGUE, Catalogue
from .lifecycle import Submission, accept, submit
from .model import (
    CITY_TZ,
    Address,
    Channel,
    GeoPoint,
    Place,
    Request,
    Requester,
    ResidentGroup,
    VisitCadence,
    VisitPlan,
)
from .state_machine import SYSTEM_CALLER, Caller

#: The cadence a group gets when the plan does not say.
DEFAULT_CADENCE: Final[Mapping[ResidentGroup, VisitCadence]] = MappingProxyType(
    {
        ResidentGroup.SPECIAL: VisitCadence.DAILY,
        ResidentGroup.HARDSHIP: VisitCadence.WEEKLY,
        ResidentGroup.KEY: VisitCadence.MONTHLY,
    }
)
#: Slots one run generates per plan at most (a plan started long ago catches up gradually).
MAX_SLOTS_PER_RUN: Final = 100
MAX_INTERVAL: Final = 366
PLANNER_ROLES: Final = ("grid_worker", "dispatcher", "admin", "operator")
DEFAULT_VISIT_CATEGORY: Final = "care_visit"


@dataclass(frozen=True, slots=True)
class VisitPlanDraft:
    """A plan as asked for. ``cadence`` None takes the group's default."""

    resident_group: ResidentGroup
    resident_person_id: str
    starts_at: datetime
    cadence: VisitCadence | None = None
    interval: int = 1
    ends_at: datetime | None = None
    category: str = DEFAULT_VISIT_CATEGORY
    title: str = ""
    description: str = ""
    address: Address | None = None
    point: GeoPoint | None = None


@dataclass(frozen=True, slots=True)
class DueVisit:
    """A slot whose request should exist now."""

    plan_id: str
    slot: datetime
    key: str


def _authorise(caller: Caller, place: Place, what: str) -> None:
    if any(caller.holds(role, place.scope_ids) for role in PLANNER_ROLES):
        return
    if caller.identity.anonymous:
        raise Unauthenticated(f"{what} needs an authenticated caller")
    raise PermissionDenied(f"{caller.person_id} may not {what} here (grid worker, dispatcher, admin or operator)")


def schedule_visits(
    draft: VisitPlanDraft,
    *,
    plan_id: str,
    place: Place,
    caller: Caller,
    now: datetime,
    catalogue: Catalogue = DEFAULT_CATALOGUE,
) -> VisitPlan:
    """A new, active visit plan. Event: VisitPlanScheduled."""
    _authorise(caller, place, "schedule visits")
    cadence = draft.cadence or DEFAULT_CADENCE.get(draft.resident_group)
    if cadence is None:
        raise InvalidArgument(
            f"cadence: required for resident group {draft.resident_group.name} (no default cadence)", field="cadence"
        )
    category = catalogue.category(draft.category)
    interval = rules.validate_positive(draft.interval, "interval", maximum=MAX_INTERVAL)
    if draft.ends_at is not None and draft.ends_at <= draft.starts_at:
        raise InvalidArgument("ends_at: must be after starts_at", field="ends_at")
    address, point = rules.validate_location(draft.address, draft.point)
    plan = VisitPlan(
        id=plan_id,
        resident_group=draft.resident_group,
        cadence=cadence,
        interval=interval,
        starts_at=draft.starts_at,
        ends_at=draft.ends_at,
        category=category.code,
        title=rules.validate_text(draft.title, "title", max_length=rules.TITLE_MAX_LENGTH) or category.zh,
        description=rules.validate_description(draft.description),
        resident_person_id=rules.validate_id(draft.resident_person_id, "resident_person_id"),
        address=address,
        point=point,
        place=place,
        created_by=caller.person_id,
        created_at=now,
        updated_at=now,
    )
    context = ev.EventContext(actor_person_id=caller.person_id, actor_role="planner", request_id=caller.trace_id)
    plan.pending_events.append(ev.VisitPlanScheduled(ev.plan_snapshot(plan), context))
    return plan


def stop_visit_plan(plan: VisitPlan, caller: Caller, *, reason: str, now: datetime, expected_version: int = 0) -> None:
    """Stops generating visits (the resident moved, the group changed...)."""
    rules.check_version(plan.version, expected_version, f"visit plan {plan.id}")
    _authorise(caller, plan.place, "stop visit plans")
    why = rules.validate_reason(reason, required=True)
    if not plan.active:
        raise FailedPrecondition(f"visit plan {plan.id} is already stopped", field="active")
    plan.active = False
    plan.stop_reason = why
    plan.touch(now)
    context = ev.EventContext(actor_person_id=caller.person_id, actor_role="planner", request_id=caller.trace_id)
    plan.pending_events.append(ev.VisitPlanStopped(ev.plan_snapshot(plan), context, reason=why))


def _add_months(moment: datetime, months: int) -> datetime:
    local = moment.astimezone(CITY_TZ)
    index = local.month - 1 + months
    year, month = local.year + index // 12, index % 12 + 1
    day = min(local.day, calendar.monthrange(year, month)[1])
    return local.replace(year=year, month=month, day=day).astimezone(moment.tzinfo)


def slot_at(plan: VisitPlan, k: int) -> datetime:
    """The k-th slot (k = 0 is ``starts_at``)."""
    if plan.cadence is VisitCadence.MONTHLY:
        return _add_months(plan.starts_at, k * plan.interval)
    days = 1 if plan.cadence is VisitCadence.DAILY else 7
    return plan.starts_at + timedelta(days=days * plan.interval * k)


def _first_index_after(plan: VisitPlan, moment: datetime) -> int:
    """A lower bound for the first slot index strictly after ``moment``."""
    if moment < plan.starts_at:
        return 0
    if plan.cadence is VisitCadence.MONTHLY:
        local_start, local_moment = plan.starts_at.astimezone(CITY_TZ), moment.astimezone(CITY_TZ)
        months = (local_moment.year - local_start.year) * 12 + local_moment.month - local_start.month
        return max(0, months // plan.interval - 1)
    days = 1 if plan.cadence is VisitCadence.DAILY else 7
    return max(0, (moment - plan.starts_at) // timedelta(days=days * plan.interval))


def slots(plan: VisitPlan, after: datetime | None, until: datetime, limit: int = MAX_SLOTS_PER_RUN) -> list[datetime]:
    """Slots in (``after``, ``until``] (from ``starts_at`` inclusive when ``after`` is None),
    never past ``ends_at``, at most ``limit``."""
    end = until if plan.ends_at is None else min(until, plan.ends_at)
    k = 0 if after is None else _first_index_after(plan, after)
    found: list[datetime] = []
    while len(found) < limit:
        slot = slot_at(plan, k)
        if slot > end:
            break
        if after is None or slot > after:
            found.append(slot)
        k += 1
    return found


def slot_key(plan_id: str, slot: datetime) -> str:
    """The idempotency key of one slot's request."""
    return f"visit:{plan_id}:{slot.astimezone(UTC):%Y%m%dT%H%M%SZ}"


def due_visits(
    plans: Iterable[VisitPlan],
    now: datetime,
    *,
    lookahead: timedelta = timedelta(0),
    limit_per_plan: int = MAX_SLOTS_PER_RUN,
) -> list[DueVisit]:
    """Every slot of the active plans that should have its request by ``now + lookahead``
    and has not been generated yet, oldest first."""
    due = [
        DueVisit(plan_id=plan.id, slot=slot, key=slot_key(plan.id, slot))
        for plan in plans
        if plan.active
        for slot in slots(plan, plan.generated_through, now + lookahead, limit_per_plan)
    ]
    due.sort(key=lambda d: (d.slot, d.plan_id))
    return due


def mark_generated(plan: VisitPlan, through: datetime, now: datetime) -> bool:
    """Records that every slot up to ``through`` has its request (only ever moves forward)."""
    if plan.generated_through is not None and through <= plan.generated_through:
        return False
    plan.generated_through = through
    plan.touch(now)
    return True


def visit_request(
    plan: VisitPlan,
    due: DueVisit,
    *,
    request_id: str,
    now: datetime,
    catalogue: Catalogue = DEFAULT_CATALOGUE,
) -> Request:
    """The request of one due slot, submitted and accepted into the ledger by the system
    (a planned visit needs no triage). The resident is the requester."""
    if due.plan_id != plan.id:
        raise InvalidArgument(f"due: slot belongs to plan {due.plan_id}, not {plan.id}", field="plan_id")
    local = due.slot.astimezone(CITY_TZ)
    submission = Submission(
        category=plan.category,
        title=rules.validate_title(f"{plan.title} {local:%Y-%m-%d}"[: rules.TITLE_MAX_LENGTH]),
        description=plan.description,
        address=plan.address,
        point=plan.point,
        requester=Requester(person_id=plan.resident_person_id),
        resident_group=plan.resident_group,
        channel=Channel.SCHEDULED_VISIT,
        idempotency_key=due.key,
    )
    request = submit(
        submission,
        request_id=request_id,
        place=plan.place,
        caller=SYSTEM_CALLER,
        now=now,
        catalogue=catalogue,
        visit_plan_id=plan.id,
        visit_slot=due.slot,
        deadline_start=due.slot,
    )
    accept(request, SYSTEM_CALLER, now=now, note=f"scheduled visit {due.key}", catalogue=catalogue)
    return request
