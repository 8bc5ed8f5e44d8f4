"""The handlers of the requests service: one function per command or query.

A command builds the domain ``Caller`` from its actor (plus the volunteer ids the person
acts for), opens a unit of work on the request ids it touches (a merge both, a round-table
split the parent and its children), lets the domain change the working copies (the domain
checks the expected version, the transition and the caller's right, so a refused command
changes nothing) and commits: one version-checked write per changed aggregate with its
events, then the swap into the ledger. Queries read the ledger without locks and filter by
what the caller may see (``access``).

Dependencies are injected by parameter name (``bootstrap``): ``uow``, ``ledger`` (the read
model), ``repository``, ``organizations``, ``volunteers``, ``catalogue``, ``offer_policy``,
``clock``.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import Any, Final

from linli.common import validation
from linli.common.commands import Actor
from linli.common.errors import AlreadyExists, Conflict, InvalidArgument, NotFound, PermissionDenied, Unauthenticated
from linli.common.identity import Identity
from linli.common.ids import idempotent_id, new_id
from linli.common.unit_of_work import UnitOfWork, Work, run_each
from linli.requests.domain import (
    deadlines,
    dispatch,
    duplicates,
    lifecycle,
    moderation,
    publication,
    roundtable,
    rules,
    statistics,
    visits,
)
from linli.requests.domain.catalogue import Catalogue
from linli.requests.domain.model import RedactableField, Request, RoundTableOutcome, VisitPlan
from linli.requests.domain.publication import PublicRequest
from linli.requests.domain.state_machine import SUPERVISORS, TRANSITIONS, Action, Caller, Capacity, capacities
from linli.requests.service_layer import access
from linli.requests.service_layer import commands as c
from linli.requests.service_layer.ports import OrganizationsPort, RequestReadModel, RequestRepository, VolunteersPort

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]


# -- plumbing ---------------------------------------------------------------------------------
def caller_of(actor: Actor, volunteers: VolunteersPort) -> Caller:
    """The domain's caller: the identity, the volunteer ids it acts for, the request id as
    the trace id copied into event headers."""
    return Caller.of(actor.identity, acts_for=volunteers.acts_for(actor.identity), trace_id=actor.request_id)


def unknown_request(request_id: str, field: str = "request_id") -> NotFound:
    """The one answer for a missing request and for one the caller may not know of: the same
    status and words, so neither existence nor state leaks."""
    return NotFound(f"{field}: request {request_id} does not exist", field=field)


def stored_request(ledger: RequestReadModel, request_id: str, field: str = "request_id") -> Request:
    """The ledger's request (read only), or the API's error for a missing or unknown id."""
    if not request_id:
        raise InvalidArgument(f"{field}: is required", field=field)
    validation.identifier(request_id, field)  # an id is short: nothing long is echoed back
    found = ledger.find(Request, request_id)
    if found is None:
        raise unknown_request(request_id, field)
    return found


def working_request(work: Work, request_id: str, field: str = "request_id") -> Request:
    """A working copy of a request locked by ``work``."""
    if not request_id:
        raise InvalidArgument(f"{field}: is required", field=field)
    validation.identifier(request_id, field)
    found = work.get(Request, request_id)
    if found is None:
        raise unknown_request(request_id, field)
    return found


def _capacities_by_action() -> dict[Action, frozenset[Capacity]]:
    found: dict[Action, frozenset[Capacity]] = {}
    for (_, action), rule in TRANSITIONS.items():
        found[action] = found.get(action, frozenset()) | rule.capacities
    return found


#: Every capacity an action may be taken in, in any status: a caller holding none of them is
#: refused before the request's status is looked at.
ACTION_CAPACITIES: Final[Mapping[Action, frozenset[Capacity]]] = MappingProxyType(_capacities_by_action())


def _verb(action: Action) -> str:
    return action.value.replace("_", " ")


def _held(caller: Caller, request: Request) -> frozenset[Capacity]:
    """The caller's capacities now, plus VOLUNTEER for one who was offered the request (the
    offer since withdrawn, expired or declined): they were told of it, and a claim that lost
    the race should hear that the request is claimed, not that it does not exist."""
    held = capacities(caller, request)
    handler_ids = caller.handler_ids
    if any(offer.volunteer_id in handler_ids for offer in request.offers):
        held |= {Capacity.VOLUNTEER}
    return held


def may_know(caller: Caller, request: Request) -> bool:
    """Whether the caller may know the request exists: they see it (staff in scope, the
    requester, the handler, a follower) or stand in a relation the lifecycle table names (an
    offer, a pending transfer, an escalation waiting on their department)."""
    return access.sight(caller.identity, request, lambda _: caller.acts_for) is not None or bool(_held(caller, request))


def require_authenticated(actor: Actor, action: Action) -> None:
    """Commands on a request are for signed-in callers: refused before the id is looked up,
    so an anonymous caller learns nothing of which ids exist."""
    if actor.identity.anonymous:
        raise Unauthenticated(f"{_verb(action)} needs an authenticated caller")


def guard(caller: Caller, request: Request, actions: Sequence[Action], field: str = "request_id") -> None:
    """Visibility first, then the right to act, and only then (in the domain) version, status
    and guards: a caller who may not know of the request gets the missing id's NOT_FOUND
    whatever its state; one who sees it but holds no capacity any status would allow for the
    action gets PERMISSION_DENIED."""
    if not may_know(caller, request):
        raise unknown_request(request.id, field)
    allowed = frozenset[Capacity]().union(*(ACTION_CAPACITIES[action] for action in actions))
    if not _held(caller, request) & allowed:
        names = ", ".join(sorted(capacity.value for capacity in allowed))
        raise PermissionDenied(
            f"{caller.person_id} may not {_verb(actions[0])} request {request.id} "
            f"(allowed: {names}, in the request's scope)"
        )


def change_request(
    command: c.RequestCommand,
    uow: UnitOfWork,
    volunteers: VolunteersPort,
    action: Action | Sequence[Action],
    change: Callable[[Request, Caller], Any],
) -> Request:
    """Runs one domain command on a working copy of the request and commits it, after the
    caller passed ``guard`` for ``action`` (several when the command's outcome picks one)."""
    actions = (action,) if isinstance(action, Action) else tuple(action)
    require_authenticated(command.actor, actions[0])
    caller = caller_of(command.actor, volunteers)
    with uow.start(command.request_id) as work:
        request = working_request(work, command.request_id)
        guard(caller, request, actions)
        change(request, caller)
        work.commit()
        return request


def add_if_new(uow: UnitOfWork, repository: RequestRepository, request: Request) -> None:
    """Stores a request the service derived (a split part, a visit) unless it exists: its id
    is derived from what caused it, so a retry after a crash finds the one stored before."""
    with uow.start(request.id) as work:
        if uow.read_model.find(Request, request.id) is not None:
            return
        try:
            work.add(request)
            work.commit()
        except AlreadyExists:
            stored = repository.get(Request, request.id)
            if stored is None:
                raise
            uow.read_model.put(stored)


# -- submit -------------------------------------------------------------------------------------
def handle_submit(
    command: c.SubmitRequest,
    uow: UnitOfWork,
    ledger: RequestReadModel,
    organizations: OrganizationsPort,
    volunteers: VolunteersPort,
    catalogue: Catalogue,
    clock: Clock,
) -> tuple[Request, list[duplicates.DuplicateSuggestion]]:
    """Idempotency keys are scoped to the caller: an authenticated caller's person id, or an
    anonymous caller's ``client_token`` (a secret the client made; an anonymous key without
    one is refused), so a guessed key never returns somebody else's request. A retry must
    carry the same payload (its SHA-256 is stored with the request): a reused key with a
    different payload is ABORTED."""
    submission = command.submission
    caller = caller_of(command.actor, volunteers)
    key = validation.idempotency_key(submission.idempotency_key)
    payload_hash = lifecycle.submission_hash(submission)
    if key:
        owner = caller.person_id
        if not owner:
            if not command.client_token:
                raise InvalidArgument(
                    "client_token: an anonymous submit with an idempotency_key needs the client's own token",
                    field="client_token",
                )
            token = rules.validate_client_token(command.client_token)
            owner = "anonymous:" + hashlib.sha256(token.encode()).hexdigest()
        request_id = idempotent_id("req", owner, key)
    else:
        request_id = new_id("req")
    with uow.start(request_id) as work:
        existing = ledger.find(Request, request_id)
        if existing is not None:  # a retry of a submit that succeeded
            if existing.payload_hash and existing.payload_hash != payload_hash:
                raise Conflict(
                    "idempotency_key: already used for a different request; use a new key", field="idempotency_key"
                )
            return existing, []
        catalogue.category(submission.category, "category")  # fail fast, before the lookup
        location = submission.point or (submission.address.point if submission.address else None)
        if location is not None:
            rules.validate_point(location, "point" if submission.point else "address.point")
        place = organizations.place_of(location)
        request = lifecycle.submit(
            submission, request_id=request_id, place=place, caller=caller, now=clock(), catalogue=catalogue
        )
        if key:
            request.payload_hash = payload_hash
        work.add(request)
        work.commit()
    return request, _suggest(ledger, duplicates.DuplicateProbe.of(request), staff=access.is_staff(caller.identity))


# -- lifecycle ------------------------------------------------------------------------------------
def handle_accept(
    command: c.AcceptRequest, uow: UnitOfWork, volunteers: VolunteersPort, catalogue: Catalogue, clock: Clock
) -> Request:
    return change_request(
        command,
        uow,
        volunteers,
        Action.ACCEPT,
        lambda r, who: lifecycle.accept(
            r,
            who,
            now=clock(),
            category=command.category,
            urgency=command.urgency,
            note=command.note,
            catalogue=catalogue,
            expected_version=command.expected_version,
        ),
    )


def handle_reject(command: c.RejectRequest, uow: UnitOfWork, volunteers: VolunteersPort, clock: Clock) -> Request:
    return change_request(
        command,
        uow,
        volunteers,
        Action.REJECT,
        lambda r, who: lifecycle.reject(
            r, who, reason=command.reason, now=clock(), expected_version=command.expected_version
        ),
    )


def handle_dispatch(command: c.DispatchRequest, uow: UnitOfWork, volunteers: VolunteersPort, clock: Clock) -> Request:
    return change_request(
        command,
        uow,
        volunteers,
        Action.DISPATCH,
        lambda r, who: dispatch.dispatch(
            r, who, assignee=command.assignee, now=clock(), note=command.note, expected_version=command.expected_version
        ),
    )


def handle_offer(
    command: c.OfferToVolunteers,
    uow: UnitOfWork,
    ledger: RequestReadModel,
    volunteers: VolunteersPort,
    offer_policy: dispatch.OfferPolicy,
    clock: Clock,
) -> Request:
    candidates: Sequence[str] = command.candidates
    if not candidates:
        # the ledger's copy is checked too: matching answers about the request's place
        require_authenticated(command.actor, Action.OFFER)
        current = stored_request(ledger, command.request_id)
        guard(caller_of(command.actor, volunteers), current, (Action.OFFER,))
        if current.location is None:
            raise InvalidArgument(
                "candidate_volunteer_ids: the request has no location to match volunteers near; name the candidates",
                field="candidate_volunteer_ids",
            )
        wanted = max(command.batch_size or offer_policy.batch_size, 1) * 3
        candidates = [m.volunteer_id for m in volunteers.match(current.location, current.category, wanted)]
        if not candidates:
            raise NotFound(
                "candidate_volunteer_ids: no active volunteer with the right skills is in reach",
                field="candidate_volunteer_ids",
            )
    ttl = timedelta(seconds=command.ttl_seconds) if command.ttl_seconds else None
    return change_request(
        command,
        uow,
        volunteers,
        Action.OFFER,
        lambda r, who: dispatch.offer_to_volunteers(
            r,
            who,
            candidates=candidates,
            now=clock(),
            batch_size=command.batch_size,
            ttl=ttl,
            policy=offer_policy,
            expected_version=command.expected_version,
        ),
    )


def handle_claim(command: c.ClaimRequest, uow: UnitOfWork, volunteers: VolunteersPort, clock: Clock) -> Request:
    return change_request(
        command,
        uow,
        volunteers,
        Action.CLAIM,
        lambda r, who: dispatch.claim(r, who, now=clock(), expected_version=command.expected_version),
    )


def handle_decline(command: c.DeclineOffer, uow: UnitOfWork, volunteers: VolunteersPort, clock: Clock) -> Request:
    return change_request(
        command,
        uow,
        volunteers,
        Action.DECLINE_OFFER,
        lambda r, who: dispatch.decline_offer(
            r, who, now=clock(), reason=command.reason, expected_version=command.expected_version
        ),
    )


def handle_start_work(command: c.StartWork, uow: UnitOfWork, volunteers: VolunteersPort, clock: Clock) -> Request:
    return change_request(
        command,
        uow,
        volunteers,
        Action.START_WORK,
        lambda r, who: lifecycle.start_work(
            r, who, now=clock(), note=command.note, expected_version=command.expected_version
        ),
    )


def handle_resolve(command: c.ResolveRequest, uow: UnitOfWork, volunteers: VolunteersPort, clock: Clock) -> Request:
    return change_request(
        command,
        uow,
        volunteers,
        Action.RESOLVE,
        lambda r, who: lifecycle.resolve(
            r,
            who,
            text=command.text,
            now=clock(),
            photos=command.photos,
            hours=command.hours,
            expected_version=command.expected_version,
        ),
    )


def handle_rate(
    command: c.RateRequest, uow: UnitOfWork, volunteers: VolunteersPort, catalogue: Catalogue, clock: Clock
) -> Request:
    return change_request(
        command,
        uow,
        volunteers,
        Action.RATE,
        lambda r, who: lifecycle.rate(
            r,
            who,
            stars=command.stars,
            now=clock(),
            comment=command.comment,
            catalogue=catalogue,
            expected_version=command.expected_version,
        ),
    )


def handle_close(command: c.CloseRequest, uow: UnitOfWork, volunteers: VolunteersPort, clock: Clock) -> Request:
    return change_request(
        command,
        uow,
        volunteers,
        Action.CLOSE,
        lambda r, who: lifecycle.close(
            r, who, now=clock(), note=command.note, expected_version=command.expected_version
        ),
    )


def handle_reopen(
    command: c.ReopenRequest, uow: UnitOfWork, volunteers: VolunteersPort, catalogue: Catalogue, clock: Clock
) -> Request:
    return change_request(
        command,
        uow,
        volunteers,
        Action.REOPEN,
        lambda r, who: lifecycle.reopen(
            r, who, reason=command.reason, now=clock(), catalogue=catalogue, expected_version=command.expected_version
        ),
    )


def handle_cancel(command: c.CancelRequest, uow: UnitOfWork, volunteers: VolunteersPort, clock: Clock) -> Request:
    return change_request(
        command,
        uow,
        volunteers,
        Action.CANCEL,
        lambda r, who: lifecycle.cancel(
            r, who, reason=command.reason, now=clock(), expected_version=command.expected_version
        ),
    )


def handle_transfer(command: c.TransferRequest, uow: UnitOfWork, volunteers: VolunteersPort, clock: Clock) -> Request:
    return change_request(
        command,
        uow,
        volunteers,
        Action.TRANSFER,
        lambda r, who: lifecycle.transfer(
            r, who, to=command.to, reason=command.reason, now=clock(), expected_version=command.expected_version
        ),
    )


def handle_respond_to_transfer(
    command: c.RespondToTransfer, uow: UnitOfWork, volunteers: VolunteersPort, clock: Clock
) -> Request:
    return change_request(
        command,
        uow,
        volunteers,
        Action.ACCEPT_TRANSFER if command.accept else Action.REFUSE_TRANSFER,
        lambda r, who: lifecycle.respond_to_transfer(
            r, who, accept=command.accept, now=clock(), reason=command.reason, expected_version=command.expected_version
        ),
    )


def handle_escalate(
    command: c.EscalateRequest,
    uow: UnitOfWork,
    organizations: OrganizationsPort,
    volunteers: VolunteersPort,
    catalogue: Catalogue,
    clock: Clock,
) -> Request:
    department_ids = organizations.department_ids(list(catalogue.departments))
    return change_request(
        command,
        uow,
        volunteers,
        Action.ESCALATE,
        lambda r, who: deadlines.escalate(
            r,
            who,
            reason=command.reason,
            now=clock(),
            department_code=command.department_code,
            catalogue=catalogue,
            department_ids=department_ids,
            expected_version=command.expected_version,
        ),
    )


def handle_acknowledge(
    command: c.AcknowledgeEscalation, uow: UnitOfWork, volunteers: VolunteersPort, clock: Clock
) -> Request:
    return change_request(
        command,
        uow,
        volunteers,
        Action.ACKNOWLEDGE_ESCALATION,
        lambda r, who: deadlines.acknowledge(
            r, who, now=clock(), note=command.note, expected_version=command.expected_version
        ),
    )


def handle_follow(
    command: c.FollowRequest, uow: UnitOfWork, volunteers: VolunteersPort, clock: Clock
) -> tuple[bool, int]:
    """Whether the caller now follows the request, and how many do. Anyone signed in may
    follow a request the public feed shows; a private one (hidden, rejected) only those who
    may know of it, and to anyone else it is as unknown as a missing id."""
    if command.actor.identity.anonymous:
        raise Unauthenticated("following a request needs an authenticated caller")
    caller = caller_of(command.actor, volunteers)
    with uow.start(command.request_id) as work:
        request = working_request(work, command.request_id)
        if publication.feed_view(request) is None and not may_know(caller, request):
            raise unknown_request(request.id)
        lifecycle.follow(
            request, caller, now=clock(), following=not command.unfollow, expected_version=command.expected_version
        )
        work.commit()
    return command.actor.subject in request.followers, len(request.followers)


def handle_moderate(command: c.ModerateRequest, uow: UnitOfWork, volunteers: VolunteersPort, clock: Clock) -> Request:
    return change_request(
        command,
        uow,
        volunteers,
        Action.MODERATE,
        lambda r, who: moderation.moderate(
            r,
            who,
            reason=command.reason,
            now=clock(),
            hidden=command.hidden,
            redactions=command.redactions,
            redact_attachment_ids=command.attachment_ids,
            expected_version=command.expected_version,
            approve=command.approve,
        ),
    )


def handle_list_pending_publications(
    command: c.ListPendingPublications, ledger: RequestReadModel, volunteers: VolunteersPort
) -> list[tuple[Request, tuple[RedactableField, ...]]]:
    """Requests the caller may moderate whose text or photos wait for a review, oldest
    first, with the fields waiting."""
    identity = access.reader(command.actor)
    caller = Caller.of(identity)
    scope = validation.optional_identifier(command.scope_id, "scope_id")
    if not identity.has_role(*access.GLOBAL_READERS) and not identity.scopes_for("dispatcher", "admin", "operator"):
        raise PermissionDenied("only dispatchers, admins and operators review publications")
    found = [
        (r, fields)
        for r in _candidates(identity, ledger, volunteers, (scope,))
        if (fields := publication.awaiting_review(r)) and capacities(caller, r) & SUPERVISORS
    ]
    found.sort(key=lambda item: (item[0].submitted_at, item[0].id))
    return found


# -- round-table ------------------------------------------------------------------------------------
def handle_start_round_table(
    command: c.StartRoundTable, uow: UnitOfWork, volunteers: VolunteersPort, clock: Clock
) -> Request:
    return change_request(
        command,
        uow,
        volunteers,
        Action.START_ROUND_TABLE,
        lambda r, who: roundtable.start_round_table(
            r, who, topic=command.topic, parties=command.parties, now=clock(), expected_version=command.expected_version
        ),
    )


def handle_record_meeting(
    command: c.RecordMeeting, uow: UnitOfWork, volunteers: VolunteersPort, clock: Clock
) -> Request:
    return change_request(
        command,
        uow,
        volunteers,
        Action.RECORD_MEETING,
        lambda r, who: roundtable.record_meeting(
            r,
            who,
            held_at=command.held_at,
            notes=command.notes,
            attendees=command.attendees,
            now=clock(),
            expected_version=command.expected_version,
        ),
    )


def handle_conclude_round_table(
    command: c.ConcludeRoundTable,
    uow: UnitOfWork,
    ledger: RequestReadModel,
    repository: RequestRepository,
    volunteers: VolunteersPort,
    catalogue: Catalogue,
    clock: Clock,
) -> tuple[Request, list[Request]]:
    """The parent's write first, then each split part: the parts' ids derive from the parent
    and its version, so a retry after a crash between the writes finds the stored ones."""
    caller = caller_of(command.actor, volunteers)
    new_ids = [
        idempotent_id("req", command.request_id, f"split:{command.expected_version}:{i}")
        for i in range(len(command.parts))
    ]
    action = Action.CONCLUDE_SPLIT if command.outcome is RoundTableOutcome.SPLIT else Action.CONCLUDE_RESOLVE
    require_authenticated(command.actor, action)
    with uow.start(command.request_id, *new_ids) as work:
        parent = working_request(work, command.request_id)
        guard(caller, parent, (action,))
        created = roundtable.conclude_round_table(
            parent,
            caller,
            outcome=command.outcome,
            summary=command.summary,
            now=clock(),
            parts=command.parts,
            new_ids=new_ids,
            catalogue=catalogue,
            expected_version=command.expected_version,
        )
        work.commit()
        for child in created:
            add_if_new(uow, repository, child)
    return parent, [stored_request(ledger, child.id) for child in created]


# -- duplicates ---------------------------------------------------------------------------------------
def _suggest(
    ledger: RequestReadModel, probe: duplicates.DuplicateProbe, limit: int = 0, *, staff: bool
) -> list[duplicates.DuplicateSuggestion]:
    """Staff get exact distances; anyone else only distance bands, and never a hidden
    request."""
    policy = duplicates.DuplicatePolicy(limit=limit) if limit else duplicates.DuplicatePolicy()
    oldest, newest = probe.at - policy.window, probe.at + policy.window
    candidates = [
        r
        for r in ledger.near(probe.category, probe.point, probe.grid_id, oldest, newest)
        if r.id != probe.id and oldest <= r.submitted_at <= newest and (staff or not r.moderation.hidden)
    ]
    found = duplicates.suggest_duplicates(probe, candidates, policy)
    return found if staff else [duplicates.coarse(s) for s in found]


def handle_suggest_duplicates(
    command: c.SuggestDuplicates,
    ledger: RequestReadModel,
    organizations: OrganizationsPort,
    volunteers: VolunteersPort,
    catalogue: Catalogue,
    clock: Clock,
) -> list[duplicates.DuplicateSuggestion]:
    limit = validation.count_limit(
        command.limit, "limit", maximum=rules.SUGGESTION_LIMIT_MAX, default=rules.SUGGESTION_LIMIT_DEFAULT
    )
    staff = access.is_staff(command.actor.identity)
    if command.request_id:
        request = _visible_request(command.actor, command.request_id, ledger, volunteers)
        if not isinstance(request, Request):  # a follower: the request's place is not theirs to probe
            raise PermissionDenied(f"{command.actor.identity.subject} may not see request {command.request_id}")
        probe = duplicates.DuplicateProbe.of(request)
    else:  # a request not submitted yet: the form suggests duplicates as people type
        text = rules.validate_text(
            command.text, "text", max_length=rules.TITLE_MAX_LENGTH + rules.DESCRIPTION_MAX_LENGTH + 1
        )
        catalogue.category(command.category, "category")
        point = None if command.point is None else rules.validate_point(command.point, "point")
        place = organizations.place_of(point)
        probe = duplicates.DuplicateProbe(
            category=command.category, text=text, at=clock(), point=point, grid_id=place.grid_id
        )
    return _suggest(ledger, probe, limit, staff=staff)


def handle_merge(
    command: c.MergeRequests, uow: UnitOfWork, volunteers: VolunteersPort, clock: Clock
) -> tuple[Request, Request]:
    """The duplicate's write carries "merged into"; the original's write adds the followers.
    A crash between them leaves followers to re-follow, nothing lost."""
    if command.duplicate_id == command.original_id:
        raise InvalidArgument("original_id: a request cannot be merged into itself", field="original_id")
    require_authenticated(command.actor, Action.MERGE)
    caller = caller_of(command.actor, volunteers)
    with uow.start(command.duplicate_id, command.original_id) as work:
        duplicate = working_request(work, command.duplicate_id, "duplicate_id")
        guard(caller, duplicate, (Action.MERGE,), "duplicate_id")
        original = working_request(work, command.original_id, "original_id")
        guard(caller, original, (Action.ABSORB_DUPLICATE,), "original_id")
        duplicates.merge(
            duplicate,
            original,
            caller,
            reason=command.reason,
            now=clock(),
            expected_version=command.expected_version,
            original_expected_version=command.original_expected_version,
        )
        work.commit()
        return duplicate, original


# -- visits -----------------------------------------------------------------------------------------------
def handle_schedule_visits(
    command: c.ScheduleVisits,
    uow: UnitOfWork,
    ledger: RequestReadModel,
    organizations: OrganizationsPort,
    volunteers: VolunteersPort,
    catalogue: Catalogue,
    clock: Clock,
) -> VisitPlan:
    caller = caller_of(command.actor, volunteers)
    key = command.idempotency_key
    plan_id = idempotent_id("vpl", caller.person_id, key) if key else new_id("vpl")
    with uow.start(plan_id) as work:
        existing = ledger.find(VisitPlan, plan_id)
        if existing is not None:
            return existing
        draft = command.draft
        place = organizations.place_of(draft.point or (draft.address.point if draft.address else None))
        plan = visits.schedule_visits(
            draft, plan_id=plan_id, place=place, caller=caller, now=clock(), catalogue=catalogue
        )
        work.add(plan)
        work.commit()
        return plan


def handle_stop_visit_plan(
    command: c.StopVisitPlan, uow: UnitOfWork, volunteers: VolunteersPort, clock: Clock
) -> VisitPlan:
    caller = caller_of(command.actor, volunteers)
    with uow.start(command.plan_id) as work:
        plan = work.get(VisitPlan, command.plan_id)
        if plan is None:
            raise NotFound(f"plan_id: visit plan {command.plan_id} does not exist", field="plan_id")
        visits.stop_visit_plan(
            plan, caller, reason=command.reason, now=clock(), expected_version=command.expected_version
        )
        work.commit()
        return plan


def handle_list_visit_plans(command: c.ListVisitPlans, ledger: RequestReadModel) -> list[VisitPlan]:
    identity = access.reader(command.actor)
    found = [
        p
        for p in ledger.all_plans()
        if (command.include_stopped or p.active)
        and (not command.resident_person_id or p.resident_person_id == command.resident_person_id)
        and (not command.scope_id or command.scope_id in p.place.scope_ids)
        and (command.resident_group is None or p.resident_group is command.resident_group)
        and access.may_see_scope(identity, p.place.scope_ids, p.resident_person_id)
    ]
    return sorted(found, key=lambda p: (p.starts_at, p.id))


# -- timers -----------------------------------------------------------------------------------------------
def _log_failure(request_id: str, error: Exception) -> None:
    log.error("timer could not update a request", extra={"request": request_id}, exc_info=error)


def handle_sweep_deadlines(
    command: c.SweepDeadlines,
    uow: UnitOfWork,
    ledger: RequestReadModel,
    organizations: OrganizationsPort,
    catalogue: Catalogue,
    clock: Clock,
) -> int:
    """Marks breaches and escalates; returns how many requests changed."""
    now = clock()
    due = [r.id for r in ledger.open_requests() if (d := deadlines.next_due(r)) is not None and d <= now]
    department_ids = organizations.department_ids(list(catalogue.departments)) if due else {}

    def sweep(request_id: str) -> bool:
        with uow.start(request_id) as work:
            request = working_request(work, request_id)
            if not deadlines.sweep(
                request, now, catalogue=catalogue, department_ids=department_ids, trace_id=command.actor.request_id
            ):
                return False
            work.commit()
            return True

    return run_each(due, sweep, _log_failure)


def handle_expire_offers(command: c.ExpireOffers, uow: UnitOfWork, ledger: RequestReadModel, clock: Clock) -> int:
    """Moves requests whose offers expired on; returns how many changed."""
    now = clock()
    due = [r.id for r in ledger.open_requests() if (d := dispatch.next_offer_expiry(r)) is not None and d <= now]

    def expire(request_id: str) -> bool:
        with uow.start(request_id) as work:
            request = working_request(work, request_id)
            if not dispatch.expire_offers(request, now, trace_id=command.actor.request_id):
                return False
            work.commit()
            return True

    return run_each(due, expire, _log_failure)


def handle_generate_visits(
    command: c.GenerateVisits,
    uow: UnitOfWork,
    ledger: RequestReadModel,
    repository: RequestRepository,
    catalogue: Catalogue,
    clock: Clock,
) -> int:
    """Creates the request of every visit slot that is due, then marks the slot generated on
    its plan; returns how many requests were new. The request's id derives from the slot,
    so a crash between the two writes does not visit twice."""
    now = clock()
    due_visits = {due.key: due for due in visits.due_visits(ledger.all_plans(), now)}

    def generate(key: str) -> bool:
        due = due_visits[key]
        with uow.start(due.plan_id) as work:
            plan = work.get(VisitPlan, due.plan_id)
            if plan is None:
                return False
            request = visits.visit_request(
                plan, due, request_id=idempotent_id("req", "visit", due.key), now=now, catalogue=catalogue
            )
            created = ledger.find(Request, request.id) is None
            if created:
                add_if_new(uow, repository, request)
            if visits.mark_generated(plan, due.slot, now):
                work.commit()
            return created

    return run_each(
        list(due_visits),
        generate,
        lambda key, error: log.error("timer could not generate a visit", extra={"visit": key}, exc_info=error),
    )


# -- queries -----------------------------------------------------------------------------------------------
def _as_seen(request: Request, sight: str) -> Request | PublicRequest:
    """The full record, or for a follower the public view (the withheld view when hidden:
    followers still see its status, never its text)."""
    if sight == access.FULL:
        return request
    return publication.public_view(request) or publication.withheld_view(request)


def _visible_request(
    actor: Actor, request_id: str, ledger: RequestReadModel, volunteers: VolunteersPort
) -> Request | PublicRequest:
    identity = access.reader(actor)
    request = stored_request(ledger, request_id)
    sight = access.sight(identity, request, volunteers.acts_for)
    if sight is None:  # existence is private: the missing id's answer
        raise unknown_request(request_id)
    return _as_seen(request, sight)


def handle_get_request(
    command: c.GetRequest, ledger: RequestReadModel, volunteers: VolunteersPort
) -> Request | PublicRequest:
    """The full record, or only the public view for a caller who merely follows it."""
    return _visible_request(command.actor, command.request_id, ledger, volunteers)


def _candidates(
    identity: Identity, ledger: RequestReadModel, volunteers: VolunteersPort, places: Iterable[str] = ()
) -> Iterable[Request]:
    """The requests ``identity`` might see (``access.may_see`` decides), placed in every one
    of ``places`` (scope, community, street or grid ids), from the ledger's indexes rather
    than the whole ledger when they allow."""
    wanted = [place for place in places if place]
    if wanted:
        ids = ledger.in_every_scope(wanted)
    elif access.reads_everything(identity):
        return ledger.all_requests()
    else:
        ids = ledger.in_scopes(identity.scopes_for(*access.STAFF_ROLES)) | ledger.of_people(
            {identity.subject, *volunteers.acts_for(identity)}
        )
    return ledger.requests_of(ids)


def _matches(request: Request, query: c.ListRequests) -> bool:
    place = request.place
    return (
        (not query.statuses or request.status in query.statuses)
        and (not query.categories or request.category in query.categories)
        and (not query.community_id or place.community_id == query.community_id)
        and (not query.grid_id or place.grid_id == query.grid_id)
        and (not query.street_id or place.street_id == query.street_id)
        and (not query.scope_id or query.scope_id in place.scope_ids)
        and (not query.handler_id or (request.assignee is not None and request.assignee.id == query.handler_id))
        and (query.submitted_from is None or request.submitted_at >= query.submitted_from)
        and (query.submitted_to is None or request.submitted_at < query.submitted_to)
        and (not query.breached_only or bool(request.breaches))
        and (not query.escalated_only or bool(request.escalations))
    )


def _check_query(command: c.ListRequests) -> None:
    for name in ("community_id", "grid_id", "street_id", "scope_id", "handler_id"):
        validation.optional_identifier(getattr(command, name), name)
    rules.validate_query_categories(command.categories)


def handle_list_requests(
    command: c.ListRequests, ledger: RequestReadModel, volunteers: VolunteersPort
) -> list[Request | PublicRequest]:
    """Newest first; requests the caller only follows come as their public view."""
    identity = access.reader(command.actor)
    _check_query(command)
    places = (command.scope_id, command.community_id, command.street_id, command.grid_id)
    seen = [
        (r, sight)
        for r in _candidates(identity, ledger, volunteers, places)
        if _matches(r, command) and (sight := access.sight(identity, r, volunteers.acts_for)) is not None
    ]
    seen.sort(key=lambda item: (item[0].submitted_at, item[0].id), reverse=True)
    return [_as_seen(r, sight) for r, sight in seen]


def _scoped_for_reports(
    actor: Actor, scope_id: str, ledger: RequestReadModel, volunteers: VolunteersPort
) -> list[Request]:
    """What the caller's reports count: requests they see in full (not the ones they only
    follow)."""
    identity = access.reader(actor)
    validation.optional_identifier(scope_id, "scope_id")
    return [
        r
        for r in _candidates(identity, ledger, volunteers, (scope_id,))
        if access.sight(identity, r, volunteers.acts_for) == access.FULL
    ]


def handle_get_statistics(
    command: c.GetStatistics, ledger: RequestReadModel, volunteers: VolunteersPort
) -> statistics.Statistics:
    rules.validate_query_categories(command.categories)
    return statistics.statistics(
        _scoped_for_reports(command.actor, command.scope_id, ledger, volunteers),
        period_start=command.period_start,
        period_end=command.period_end,
        group_by=command.group_by,
        granularity=command.granularity,
        scope_id=command.scope_id,
        categories=command.categories,
    )


def handle_get_public_board(command: c.GetPublicBoard, ledger: RequestReadModel) -> statistics.PublicBoard:
    """Open to anyone: built from the public view only (no personal data)."""
    scope_id = validation.optional_identifier(command.scope_id, "scope_id")
    recent_limit = validation.count_limit(
        command.recent_limit, "recent_limit", maximum=rules.BOARD_RECENT_MAX, default=rules.BOARD_RECENT_DEFAULT
    )
    placed = ledger.requests_of(ledger.in_scopes([scope_id])) if scope_id else ledger.all_requests()
    return statistics.public_board(
        placed,
        period_start=command.period_start,
        period_end=command.period_end,
        scope_id=scope_id,
        recent_limit=recent_limit,
    )


def handle_export_ledger_csv(
    command: c.ExportLedgerCsv, ledger: RequestReadModel, volunteers: VolunteersPort
) -> list[Request]:
    """The requests to export (the entrypoint writes them as CSV), personal data only for
    operators, or admins and dispatchers of the scope."""
    identity = access.reader(command.actor)
    if command.include_personal and not access.may_export_personal_data(identity, command.scope_id):
        raise PermissionDenied(
            "include_personal_data: only operators, or admins and dispatchers of the scope, may export personal data"
        )
    return statistics.select(
        _scoped_for_reports(command.actor, command.scope_id, ledger, volunteers),
        period_start=command.period_start,
        period_end=command.period_end,
        scope_id=command.scope_id,
    )


# -- open to anyone: the catalogue and the public view ---------------------------------------------------
def handle_list_categories(command: c.ListCategories, catalogue: Catalogue) -> Catalogue:
    """The catalogue as this service uses it; retired categories only when asked for."""
    if command.include_retired:
        return catalogue
    active = {code: category for code, category in catalogue.categories.items() if category.active}
    return Catalogue(categories=MappingProxyType(active), departments=catalogue.departments)


def _public_matches(request: Request, query: c.ListPublicRequests) -> bool:
    return (
        (not query.statuses or request.status in query.statuses)
        and (not query.categories or request.category in query.categories)
        and (not query.scope_id or query.scope_id in request.place.scope_ids)
        and (query.submitted_from is None or request.submitted_at >= query.submitted_from)
        and (query.submitted_to is None or request.submitted_at < query.submitted_to)
    )


def handle_list_public_requests(command: c.ListPublicRequests, ledger: RequestReadModel) -> list[PublicRequest]:
    """Open to anyone: the public view of every request the public feed carries (never a
    hidden or rejected one; text as far as approved), newest first."""
    scope_id = validation.optional_identifier(command.scope_id, "scope_id")
    rules.validate_query_categories(command.categories)
    ids = validation.identifier_list(command.request_ids, "request_ids", max_items=rules.PUBLIC_IDS_MAX)
    if command.submitted_from and command.submitted_to and command.submitted_to <= command.submitted_from:
        raise InvalidArgument("submitted_to: must be after submitted_from", field="submitted_to")
    if ids:
        candidates: Iterable[Request] = [r for i in ids if (r := ledger.find(Request, i)) is not None]
    elif scope_id:
        candidates = ledger.requests_of(ledger.in_scopes([scope_id]))
    else:
        candidates = ledger.all_requests()
    chosen = sorted(
        (r for r in candidates if _public_matches(r, command)), key=lambda r: (r.submitted_at, r.id), reverse=True
    )
    return [view for r in chosen if (view := publication.feed_view(r)) is not None]


def handle_get_public_request(command: c.GetPublicRequest, ledger: RequestReadModel) -> PublicRequest:
    """Open to anyone: one request's public view; a hidden or rejected request is as unknown
    as a missing one (NOT_FOUND, same words)."""
    request = stored_request(ledger, command.request_id)
    view = publication.feed_view(request)
    if view is None:
        raise NotFound(f"request_id: request {command.request_id} does not exist", field="request_id")
    return view


HANDLERS: dict[type[Any], Callable[..., Any]] = {
    c.SubmitRequest: handle_submit,
    c.AcceptRequest: handle_accept,
    c.RejectRequest: handle_reject,
    c.DispatchRequest: handle_dispatch,
    c.OfferToVolunteers: handle_offer,
    c.ClaimRequest: handle_claim,
    c.DeclineOffer: handle_decline,
    c.StartWork: handle_start_work,
    c.ResolveRequest: handle_resolve,
    c.RateRequest: handle_rate,
    c.CloseRequest: handle_close,
    c.ReopenRequest: handle_reopen,
    c.CancelRequest: handle_cancel,
    c.TransferRequest: handle_transfer,
    c.RespondToTransfer: handle_respond_to_transfer,
    c.EscalateRequest: handle_escalate,
    c.AcknowledgeEscalation: handle_acknowledge,
    c.FollowRequest: handle_follow,
    c.ModerateRequest: handle_moderate,
    c.ListPendingPublications: handle_list_pending_publications,
    c.StartRoundTable: handle_start_round_table,
    c.RecordMeeting: handle_record_meeting,
    c.ConcludeRoundTable: handle_conclude_round_table,
    c.MergeRequests: handle_merge,
    c.ScheduleVisits: handle_schedule_visits,
    c.StopVisitPlan: handle_stop_visit_plan,
    c.SweepDeadlines: handle_sweep_deadlines,
    c.ExpireOffers: handle_expire_offers,
    c.GenerateVisits: handle_generate_visits,
    c.GetRequest: handle_get_request,
    c.ListRequests: handle_list_requests,
    c.SuggestDuplicates: handle_suggest_duplicates,
    c.ListVisitPlans: handle_list_visit_plans,
    c.GetStatistics: handle_get_statistics,
    c.GetPublicBoard: handle_get_public_board,
    c.ExportLedgerCsv: handle_export_ledger_csv,
    c.ListCategories: handle_list_categories,
    c.ListPublicRequests: handle_list_public_requests,
    c.GetPublicRequest: handle_get_public_request,
}
