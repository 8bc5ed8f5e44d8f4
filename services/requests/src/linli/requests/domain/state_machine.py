"""The request lifecycle as an explicit transition table, and who may take each step.

``TRANSITIONS`` maps (current status, action) to the new status and the *capacities* in
which a caller may act. A capacity is either a relation to this request (its requester, a
volunteer holding an open offer, the current handler, the receiver of a pending transfer,
the liaison of the department an escalation waits on) or a staff role held in scope: a
grant ``dispatcher@X`` counts when X is the request's grid, community, street or any id on
its organisation path (so a street dispatcher acts on all its communities' requests); a bare
grant (no ``@``) counts everywhere. ``operator`` and ``system`` are city-wide roles.

Every domain function follows the same order, so a refused command changes nothing:

1. ``begin``: stale ``expected_version`` -> Conflict; (status, action) not in the table ->
   FailedPrecondition naming the action and the status; a guard (e.g. a transfer waiting
   for an answer) -> FailedPrecondition; no allowed capacity -> Unauthenticated (anonymous)
   or PermissionDenied.
2. validate the input (InvalidArgument naming the field).
3. change the aggregate, then ``commit``: new status, history entry (who, role, when, why),
   version bump; then append the events.

Status self-loops (e.g. TRANSFER, ESCALATE, MODERATE) are transitions too: they are in
the table, checked the same way and recorded in the history.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType
from typing import Final

from linli.common.errors import FailedPrecondition, PermissionDenied, Unauthenticated
from linli.common.identity import SYSTEM, Identity

from . import events as ev
from . import rules
from .events import EventContext
from .model import OPEN_STATUSES, HistoryEntry, Request, Status
from .publication import feed_view


class Capacity(enum.Enum):
    """The role an action is taken in, as recorded in history and event headers."""

    REQUESTER = "requester"
    VOLUNTEER = "volunteer"
    HANDLER = "handler"
    TRANSFER_RECEIVER = "transfer_receiver"
    LIAISON = "liaison"
    GRID_WORKER = "grid_worker"
    DISPATCHER = "dispatcher"
    ADMIN = "admin"
    OPERATOR = "operator"
    SYSTEM = "system"


class Action(enum.Enum):
    """Everything that can happen to a request (names as recorded in history)."""

    SUBMIT = "submit"
    ACCEPT = "accept"
    REJECT = "reject"
    DISPATCH = "dispatch"
    OFFER = "offer"
    CLAIM = "claim"
    DECLINE_OFFER = "decline_offer"
    EXPIRE_OFFERS = "expire_offers"
    EXHAUST_OFFERS = "exhaust_offers"
    START_WORK = "start_work"
    RESOLVE = "resolve"
    RATE = "rate"
    CLOSE = "close"
    REOPEN = "reopen"
    CANCEL = "cancel"
    TRANSFER = "transfer"
    ACCEPT_TRANSFER = "accept_transfer"
    REFUSE_TRANSFER = "refuse_transfer"
    MARK_BREACH = "mark_breach"
    ESCALATE = "escalate"
    ACKNOWLEDGE_ESCALATION = "acknowledge_escalation"
    START_ROUND_TABLE = "start_round_table"
    RECORD_MEETING = "record_meeting"
    CONCLUDE_RESOLVE = "conclude_resolve"
    CONCLUDE_SPLIT = "conclude_split"
    MERGE = "merge"
    ABSORB_DUPLICATE = "absorb_duplicate"
    MODERATE = "moderate"


#: Grant role names (as in ``x-linli-roles``) that give a scoped staff capacity.
STAFF_ROLE_OF: Final[Mapping[Capacity, str]] = MappingProxyType(
    {
        Capacity.GRID_WORKER: "grid_worker",
        Capacity.DISPATCHER: "dispatcher",
        Capacity.ADMIN: "admin",
        Capacity.OPERATOR: "operator",
    }
)
#: Grant roles whose scope names an organisation the caller acts for (a department's or
#: unit's liaison or admin acts for it when it is assigned or escalated to).
ACTING_ROLES: Final = ("liaison", "admin")

#: Which capacity is recorded when a caller holds several: the closest relation first.
PRECEDENCE: Final = tuple(Capacity)

C = Capacity
S = Status
STAFF: Final = frozenset({C.GRID_WORKER, C.DISPATCHER, C.ADMIN, C.OPERATOR})
SUPERVISORS: Final = frozenset({C.DISPATCHER, C.ADMIN, C.OPERATOR})
ALL_STATUSES: Final = tuple(Status)
OPEN: Final = tuple(s for s in Status if s in OPEN_STATUSES)
#: Statuses a duplicate can still be merged into (not gone, refused or merged itself).
ABSORBING: Final = tuple(s for s in Status if s not in (S.REJECTED, S.CANCELLED, S.MERGED))


@dataclass(frozen=True, slots=True)
class Rule:
    """One row of the table: in ``from_status``, ``action`` leads to ``to_status`` and may be
    taken in any of ``capacities``."""

    action: Action
    from_status: Status
    to_status: Status
    capacities: frozenset[Capacity]


# (action, from statuses, to status or None for "stays", capacities)
_SPEC: Final[tuple[tuple[Action, Iterable[Status], Status | None, frozenset[Capacity]], ...]] = (
    (Action.ACCEPT, [S.SUBMITTED], S.ACCEPTED, STAFF | {C.SYSTEM}),
    (Action.REJECT, [S.SUBMITTED], S.REJECTED, STAFF),
    (Action.DISPATCH, [S.ACCEPTED, S.REOPENED, S.OFFERED], S.DISPATCHED, STAFF),
    (Action.OFFER, [S.ACCEPTED, S.REOPENED], S.OFFERED, STAFF | {C.SYSTEM}),
    (Action.CLAIM, [S.OFFERED], S.CLAIMED, frozenset({C.VOLUNTEER})),
    (Action.CLAIM, [S.DISPATCHED, S.REOPENED], S.CLAIMED, frozenset({C.HANDLER})),
    (Action.DECLINE_OFFER, [S.OFFERED], None, frozenset({C.VOLUNTEER})),
    (Action.EXPIRE_OFFERS, [S.OFFERED], None, frozenset({C.SYSTEM})),
    (Action.EXHAUST_OFFERS, [S.OFFERED], S.ACCEPTED, frozenset({C.SYSTEM})),
    (Action.START_WORK, [S.CLAIMED], S.IN_PROGRESS, frozenset({C.HANDLER})),
    (Action.RESOLVE, [S.IN_PROGRESS], S.RESOLVED, frozenset({C.HANDLER}) | SUPERVISORS),
    (Action.RATE, [S.RESOLVED], S.RATED, frozenset({C.REQUESTER})),
    (Action.CLOSE, [S.RESOLVED, S.RATED], S.CLOSED, STAFF | {C.REQUESTER, C.SYSTEM}),
    (Action.REOPEN, [S.RESOLVED, S.RATED], S.REOPENED, STAFF | {C.REQUESTER, C.SYSTEM}),
    (Action.REOPEN, [S.CLOSED], S.REOPENED, SUPERVISORS),
    (
        Action.CANCEL,
        [S.SUBMITTED, S.ACCEPTED, S.DISPATCHED, S.OFFERED, S.CLAIMED, S.IN_PROGRESS, S.REOPENED, S.DELIBERATING],
        S.CANCELLED,
        frozenset({C.REQUESTER}),
    ),
    (Action.TRANSFER, [S.DISPATCHED, S.CLAIMED, S.IN_PROGRESS], None, frozenset({C.HANDLER}) | SUPERVISORS),
    (Action.ACCEPT_TRANSFER, [S.DISPATCHED, S.CLAIMED, S.IN_PROGRESS], S.CLAIMED, frozenset({C.TRANSFER_RECEIVER})),
    (Action.REFUSE_TRANSFER, [S.DISPATCHED, S.CLAIMED, S.IN_PROGRESS], None, frozenset({C.TRANSFER_RECEIVER})),
    (Action.MARK_BREACH, OPEN, None, frozenset({C.SYSTEM})),
    (Action.ESCALATE, OPEN, None, STAFF | {C.HANDLER, C.SYSTEM}),
    (Action.ACKNOWLEDGE_ESCALATION, OPEN, None, frozenset({C.LIAISON, C.OPERATOR})),
    (
        Action.START_ROUND_TABLE,
        [S.ACCEPTED, S.DISPATCHED, S.CLAIMED, S.IN_PROGRESS, S.REOPENED],
        S.DELIBERATING,
        STAFF,
    ),
    (Action.RECORD_MEETING, [S.DELIBERATING], None, STAFF),
    (Action.CONCLUDE_RESOLVE, [S.DELIBERATING], S.RESOLVED, STAFF),
    (Action.CONCLUDE_SPLIT, [S.DELIBERATING], S.CLOSED, STAFF),
    (Action.MERGE, [S.SUBMITTED, S.ACCEPTED, S.DISPATCHED, S.OFFERED, S.REOPENED], S.MERGED, STAFF),
    (Action.ABSORB_DUPLICATE, ABSORBING, None, STAFF),
    (Action.MODERATE, ALL_STATUSES, None, SUPERVISORS),
)


def _build(
    spec: Iterable[tuple[Action, Iterable[Status], Status | None, frozenset[Capacity]]],
) -> dict[tuple[Status, Action], Rule]:
    table: dict[tuple[Status, Action], Rule] = {}
    for action, sources, target, capacities in spec:
        for source in sources:
            key = (source, action)
            if key in table:  # pragma: no cover - a data error caught at import
                raise ValueError(f"transition {source.name} x {action.name} listed twice")
            table[key] = Rule(action, source, target or source, frozenset(capacities))
    return table


#: The whole state machine: (status, action) -> Rule. Anything absent is illegal.
TRANSITIONS: Final[Mapping[tuple[Status, Action], Rule]] = MappingProxyType(_build(_SPEC))

#: Actions refused while a transfer waits for the receiver's answer (the handler is in doubt).
BLOCKED_BY_PENDING_TRANSFER: Final = frozenset(
    {Action.CLAIM, Action.START_WORK, Action.RESOLVE, Action.TRANSFER, Action.START_ROUND_TABLE}
)


@dataclass(frozen=True, slots=True)
class Caller:
    """Who is acting: the gateway's identity plus the handler ids the service layer resolved
    for them (their volunteer id, teams they lead...), which the domain cannot look up.
    ``trace_id`` is the API request id copied into event headers."""

    identity: Identity
    acts_for: frozenset[str] = field(default_factory=frozenset)
    trace_id: str = ""

    @classmethod
    def of(cls, identity: Identity, acts_for: Iterable[str] = (), trace_id: str = "") -> Caller:
        return cls(identity=identity, acts_for=frozenset(a for a in acts_for if a), trace_id=trace_id)

    @property
    def person_id(self) -> str:
        return self.identity.subject

    @property
    def handler_ids(self) -> frozenset[str]:
        """Ids of handlers this caller speaks for: themselves, what the service layer
        resolved, and the organisations they are liaison or admin of."""
        scoped = {s for s in self.identity.scopes_for(*ACTING_ROLES) if s}
        own = {self.person_id} if self.person_id else set()
        return frozenset(own | scoped | self.acts_for)

    def holds(self, role: str, scope_ids: Iterable[str]) -> bool:
        """True when the caller holds ``role`` everywhere or scoped at one of ``scope_ids``."""
        scopes = self.identity.scopes_for(role)
        return "" in scopes or bool(scopes & set(scope_ids))


SYSTEM_CALLER: Final = Caller(identity=SYSTEM)


def capacities(caller: Caller, request: Request) -> frozenset[Capacity]:
    """Every capacity in which ``caller`` stands towards ``request`` right now."""
    found: set[Capacity] = set()
    handler_ids = caller.handler_ids
    if request.requester.person_id and caller.person_id == request.requester.person_id:
        found.add(C.REQUESTER)
    if any(o.volunteer_id in handler_ids for o in request.open_offers):
        found.add(C.VOLUNTEER)
    if request.assignee is not None and request.assignee.id in handler_ids:
        found.add(C.HANDLER)
    if request.pending_transfer is not None and request.pending_transfer.to.id in handler_ids:
        found.add(C.TRANSFER_RECEIVER)
    pending = request.open_escalation
    if pending is not None and caller.holds("liaison", {pending.target_id, pending.department_code} - {""}):
        found.add(C.LIAISON)
    scope_ids = request.place.scope_ids
    for capacity, role in STAFF_ROLE_OF.items():
        if caller.holds(role, scope_ids):
            found.add(capacity)
    if caller.identity.has_role("system"):
        found.add(C.SYSTEM)
    return frozenset(found)


def rule_for(status: Status, action: Action) -> Rule:
    """The table row, or FailedPrecondition naming the action and the current status."""
    rule = TRANSITIONS.get((status, action))
    if rule is None:
        raise FailedPrecondition(
            f"cannot {action.value.replace('_', ' ')} a request that is {status.name.lower()}", field="status"
        )
    return rule


def allowed_actions(status: Status) -> list[Action]:
    """Actions the table allows from ``status`` (for clients showing buttons)."""
    return [action for (source, action) in TRANSITIONS if source is status]


def _check_guards(request: Request, action: Action) -> None:
    transfer = request.pending_transfer
    if transfer is not None and action in BLOCKED_BY_PENDING_TRANSFER:
        raise FailedPrecondition(
            f"cannot {action.value.replace('_', ' ')} while a transfer to {transfer.to.id} waits for an answer",
            field="pending_transfer",
        )
    if action in (Action.ACCEPT_TRANSFER, Action.REFUSE_TRANSFER) and transfer is None:
        raise FailedPrecondition("there is no transfer waiting for an answer", field="pending_transfer")
    if action is Action.ACKNOWLEDGE_ESCALATION and request.open_escalation is None:
        raise FailedPrecondition("there is no escalation waiting for acknowledgement", field="escalations")


@dataclass(frozen=True, slots=True)
class Step:
    """A checked, not yet applied, transition: the rule and the capacity it is taken in."""

    rule: Rule
    capacity: Capacity
    person_id: str
    trace_id: str = ""

    @property
    def role(self) -> str:
        return self.capacity.value

    @property
    def context(self) -> EventContext:
        """Event header fields for the events of this step."""
        return EventContext(actor_person_id=self.person_id, actor_role=self.role, request_id=self.trace_id)


def authorise(request: Request, rule: Rule, caller: Caller) -> Capacity:
    """The capacity ``caller`` takes ``rule`` in, or Unauthenticated / PermissionDenied."""
    held = capacities(caller, request) & rule.capacities
    if not held:
        if caller.identity.anonymous:
            raise Unauthenticated(f"{rule.action.value.replace('_', ' ')} needs an authenticated caller")
        allowed = ", ".join(sorted(c.value for c in rule.capacities))
        raise PermissionDenied(
            f"{caller.person_id} may not {rule.action.value.replace('_', ' ')} request {request.id} "
            f"(allowed: {allowed}, in the request's scope)"
        )
    return next(c for c in PRECEDENCE if c in held)


def begin(request: Request, action: Action, caller: Caller, expected_version: int = 0) -> Step:
    """Checks version, legality, guards and rights; changes nothing."""
    rules.check_version(request.version, expected_version, f"request {request.id}")
    rule = rule_for(request.status, action)
    _check_guards(request, action)
    capacity = authorise(request, rule, caller)
    return Step(rule=rule, capacity=capacity, person_id=caller.person_id, trace_id=caller.trace_id)


def system_step(request: Request, action: Action, trace_id: str = "") -> Step:
    """A follow-up step the system takes inside another command (e.g. reopening after a
    poor rating); legality is still checked against the table."""
    return begin(request, action, Caller(identity=SYSTEM, trace_id=trace_id))


def commit(request: Request, step: Step, now: datetime, reason: str = "") -> HistoryEntry:
    """Applies the status change of ``step``, bumps the version and records history."""
    if request.status is not step.rule.from_status:  # pragma: no cover - programming error
        raise RuntimeError(f"step for {step.rule.from_status.name} applied in {request.status.name}")
    from_status = request.status
    if step.rule.to_status is not from_status:
        request.status = step.rule.to_status
        request.status_reason = reason
    request.touch(now)
    entry = HistoryEntry(
        at=now,
        action=step.rule.action.value,
        actor_person_id=step.person_id,
        actor_role=step.role,
        from_status=from_status,
        to_status=request.status,
        reason=reason,
        version=request.version,
    )
    request.history = (*request.history, entry)
    return entry


def publish(request: Request, change: str, trace_id: str = "", actor_role: str = "") -> None:
    """Appends the redacted public feed's event for the request's current state; a removal
    (hidden or rejected) is followed by a tombstone for the compacted topic."""
    context = EventContext(actor_role=actor_role, request_id=trace_id)
    view = feed_view(request)
    request.pending_events.append(
        ev.PublicRequestChanged(
            request_id=request.id,
            version=request.version,
            updated_at=request.updated_at,
            view=view,
            change=change,
            context=context,
        )
    )
    if view is None:
        request.pending_events.append(
            ev.PublicRequestTombstone(request_id=request.id, version=request.version, updated_at=request.updated_at)
        )
