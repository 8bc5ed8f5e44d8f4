"""Time limits (限时办结) and the escalation ladder ("the community blows the whistle,
departments report", 社区吹哨、部门报到).

Deadlines: each category has minutes to accept and to resolve, counted in wall-clock time
from submission (no business-hours calendar: residents' problems do not wait for Monday);
the urgency scales both (urgent halves them, low stretches them by half).

The ladder: rung 1 is the category's department; each further rung is the next
organisation up the request's organisation path (street, then district...). A breach of the
accept or resolve limit marks the breach and escalates to the next rung when nobody is
already waiting to acknowledge. The organisation on a rung must acknowledge within its
response time (the department's ``response_minutes``; ``LadderPolicy.upper_level_minutes``
for territorial levels) or the timer escalates one rung up. At the top the breach is still
recorded and the top keeps the escalation.

Everything is pure: the timer entry point calls ``sweep(request, now, ...)`` on candidate
requests (e.g. those with ``accept_by``/``resolve_by``/acknowledge-by before now); it does
nothing when nothing is due, so running it twice is harmless.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import Final

from linli.common import validation
from linli.common.domain_events import optional_timestamp_json, timestamp_json
from linli.common.errors import FailedPrecondition, InvalidArgument

from . import events as ev
from . import rules
from .catalogue import DEFAULT_CATALOGUE, Catalogue, Category
from .model import (
    OPEN_STATUSES,
    Breach,
    DeadlineKind,
    Escalation,
    EscalationTrigger,
    Request,
    Status,
    Urgency,
)
from .state_machine import Action, Caller, Step, begin, commit, publish, system_step

#: How urgency scales a category's limits.
URGENCY_FACTORS: Final[Mapping[Urgency, float]] = MappingProxyType(
    {Urgency.LOW: 1.5, Urgency.NORMAL: 1.0, Urgency.URGENT: 0.5}
)


@dataclass(frozen=True, slots=True)
class Deadlines:
    accept_by: datetime
    resolve_by: datetime


def compute_deadlines(
    category: Category,
    urgency: Urgency,
    start: datetime,
    factors: Mapping[Urgency, float] = URGENCY_FACTORS,
) -> Deadlines:
    """The accept and resolve deadlines of a request of ``category`` submitted at ``start``."""
    factor = factors[urgency]
    return Deadlines(
        accept_by=start + timedelta(minutes=category.accept_minutes * factor),
        resolve_by=start + timedelta(minutes=category.resolve_minutes * factor),
    )


def resolve_deadline(
    category: Category, urgency: Urgency, start: datetime, factors: Mapping[Urgency, float] = URGENCY_FACTORS
) -> datetime:
    """A fresh resolve deadline counted from ``start`` (used when a request is reopened)."""
    return compute_deadlines(category, urgency, start, factors).resolve_by


# --------------------------------------------------------------------------- breaches


def breaches(request: Request, now: datetime) -> list[Breach]:
    """Limits passed at ``now`` that are not yet recorded (pure). A breach is recorded per
    deadline value, so a reopened request with a new resolve deadline can breach again."""
    recorded = {(b.kind, b.deadline) for b in request.breaches}
    found: list[Breach] = []

    def check(kind: DeadlineKind, deadline: datetime, level: int = 0) -> None:
        if now > deadline and (kind, deadline) not in recorded:
            found.append(Breach(kind=kind, deadline=deadline, detected_at=now, escalation_level=level))

    if request.status is Status.SUBMITTED:
        check(DeadlineKind.ACCEPT, request.accept_by)
    if request.status in OPEN_STATUSES:
        check(DeadlineKind.RESOLVE, request.resolve_by)
        pending = request.open_escalation
        if pending is not None:
            check(DeadlineKind.ACKNOWLEDGE, pending.acknowledge_by, pending.level)
    return found


def next_due(request: Request) -> datetime | None:
    """The earliest moment ``sweep`` could find something to do (for timer scheduling)."""
    if request.status not in OPEN_STATUSES:
        return None
    times = [request.resolve_by]
    if request.status is Status.SUBMITTED:
        times.append(request.accept_by)
    pending = request.open_escalation
    if pending is not None:
        times.append(pending.acknowledge_by)
    recorded = {b.deadline for b in request.breaches}
    pending_times = [t for t in times if t not in recorded]
    return min(pending_times) if pending_times else None


# --------------------------------------------------------------------------- the ladder


@dataclass(frozen=True, slots=True)
class LadderPolicy:
    """Response times for rungs that are not departments, and for departments the catalogue
    does not know."""

    upper_level_minutes: int = 24 * 60
    default_department_minutes: int = 8 * 60


DEFAULT_LADDER: Final = LadderPolicy()


@dataclass(frozen=True, slots=True)
class Rung:
    level: int
    target_id: str
    department_code: str
    response_minutes: int


def ladder(
    request: Request,
    catalogue: Catalogue = DEFAULT_CATALOGUE,
    policy: LadderPolicy = DEFAULT_LADDER,
    department_ids: Mapping[str, str] | None = None,
    department_code: str = "",
) -> list[Rung]:
    """The rungs for ``request``, level 1 first: the department (``department_code``, else
    the category's), then each organisation above the community on the request's path,
    nearest first. ``department_ids`` maps department codes to organisation ids (resolved by
    the service layer through organisations); an unmapped code stands for itself."""
    rungs: list[Rung] = []
    code = department_code
    if not code:
        category = catalogue.categories.get(request.category)
        code = category.department_code if category else ""
    if code:
        department = catalogue.department(code)
        minutes = department.response_minutes if department else policy.default_department_minutes
        rungs.append(Rung(1, (department_ids or {}).get(code, code), code, minutes))
    place = request.place
    below = {place.community_id, place.grid_id} - {""}
    for org_id in reversed(place.org_path):
        if org_id not in below:
            rungs.append(Rung(len(rungs) + 1, org_id, "", policy.upper_level_minutes))
    return rungs


def _next_rung(request: Request, rungs: list[Rung]) -> Rung | None:
    level = request.escalation_level
    return next((r for r in rungs if r.level == level + 1), None)


def _escalate_to(
    request: Request, step: Step, rung: Rung, trigger: EscalationTrigger, reason: str, now: datetime
) -> Escalation:
    """Adds the rung's escalation (superseding one still waiting), commits, emits."""
    escalation = Escalation(
        level=rung.level,
        target_id=rung.target_id,
        department_code=rung.department_code,
        trigger=trigger,
        escalated_at=now,
        acknowledge_by=now + timedelta(minutes=rung.response_minutes),
        reason=reason,
        escalated_by=step.person_id,
        escalated_role=step.role,
    )
    request.escalations = (
        *(replace(e, superseded=True) if e.awaiting_acknowledgement else e for e in request.escalations),
        escalation,
    )
    commit(request, step, now, reason)
    request.pending_events.append(ev.RequestEscalated(ev.RequestFacts.of(request), step.context, escalation=escalation))
    return escalation


_TRIGGER_OF: Final = {
    DeadlineKind.ACCEPT: EscalationTrigger.ACCEPT_BREACH,
    DeadlineKind.RESOLVE: EscalationTrigger.RESOLVE_BREACH,
    DeadlineKind.ACKNOWLEDGE: EscalationTrigger.NOT_ACKNOWLEDGED,
}


def sweep(
    request: Request,
    now: datetime,
    *,
    catalogue: Catalogue = DEFAULT_CATALOGUE,
    policy: LadderPolicy = DEFAULT_LADDER,
    department_ids: Mapping[str, str] | None = None,
    trace_id: str = "",
) -> bool:
    """The deadline timer's work on one request: record each new breach (one history step
    and one DeadlineBreached event each), then escalate once if needed. Returns whether
    anything changed."""
    found = breaches(request, now)
    if not found:
        return False
    for item in found:
        step = system_step(request, Action.MARK_BREACH, trace_id)
        request.breaches = (*request.breaches, item)
        commit(request, step, now, f"{item.kind.name.lower()} deadline {timestamp_json(item.deadline)} passed")
        request.pending_events.append(ev.DeadlineBreached(ev.RequestFacts.of(request), step.context, breach=item))
    unanswered = any(b.kind is DeadlineKind.ACKNOWLEDGE for b in found)
    if unanswered or request.open_escalation is None:
        trigger = _TRIGGER_OF[DeadlineKind.ACKNOWLEDGE if unanswered else found[0].kind]
        rung = _next_rung(request, ladder(request, catalogue, policy, department_ids))
        if rung is not None:
            step = system_step(request, Action.ESCALATE, trace_id)
            _escalate_to(request, step, rung, trigger, f"automatic: {trigger.name.lower()}", now)
    publish(request, "deadline_breached", trace_id, "system")
    return True


def escalate(
    request: Request,
    caller: Caller,
    *,
    reason: str,
    now: datetime,
    department_code: str = "",
    catalogue: Catalogue = DEFAULT_CATALOGUE,
    policy: LadderPolicy = DEFAULT_LADDER,
    department_ids: Mapping[str, str] | None = None,
    expected_version: int = 0,
) -> Escalation:
    """The manual whistle: escalate to the next rung (or, with ``department_code``, to that
    department as the next rung). Refused while an escalation waits for acknowledgement."""
    step = begin(request, Action.ESCALATE, caller, expected_version)
    why = rules.validate_reason(reason, required=True)
    code = department_code.strip()
    if code and catalogue.department(code) is None:
        raise InvalidArgument(f"department_code: unknown department {validation.echo(code)}", field="department_code")
    pending = request.open_escalation
    if pending is not None:
        raise FailedPrecondition(
            f"already escalated to {pending.target_id}, waiting for acknowledgement until "
            f"{optional_timestamp_json(pending.acknowledge_by)}",
            field="escalations",
        )
    if code:
        rungs = ladder(request, catalogue, policy, department_ids, code)
        rung = replace(rungs[0], level=request.escalation_level + 1)
    else:
        rung_or_none = _next_rung(request, ladder(request, catalogue, policy, department_ids))
        if rung_or_none is None:
            raise FailedPrecondition("already at the top of the escalation ladder", field="escalations")
        rung = rung_or_none
    escalation = _escalate_to(request, step, rung, EscalationTrigger.MANUAL, why, now)
    publish(request, "escalated", caller.trace_id, step.role)
    return escalation


def acknowledge(
    request: Request, caller: Caller, *, now: datetime, note: str = "", expected_version: int = 0
) -> Escalation:
    """The department (or the organisation on the current rung) reports: the escalation
    stops climbing. Only its liaison (or an operator) may do this."""
    step = begin(request, Action.ACKNOWLEDGE_ESCALATION, caller, expected_version)
    text = rules.validate_reason(note, "note")
    pending = request.open_escalation
    if pending is None:  # pragma: no cover - guarded by begin
        raise FailedPrecondition("there is no escalation waiting for acknowledgement", field="escalations")
    done = replace(pending, acknowledged_at=now, acknowledged_by=caller.person_id, note=text)
    request.escalations = tuple(done if e is pending else e for e in request.escalations)
    commit(request, step, now, text)
    request.pending_events.append(ev.EscalationAcknowledged(ev.RequestFacts.of(request), step.context, escalation=done))
    publish(request, "escalation_acknowledged", caller.trace_id, step.role)
    return done
