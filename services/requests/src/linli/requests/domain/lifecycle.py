"""Submitting a request and the lifecycle steps that are not dispatch, deadlines,
round-tables, merging or moderation (those have their own modules).

Every function takes the loaded aggregate, the ``Caller`` and ``now``; it checks the
transition table first (``state_machine.begin``), validates the input, then changes the
aggregate, records history and appends events. Nothing here reads a clock, makes ids or
does I/O: the service layer passes ``now`` and ids in.

Reading of the issue's "first responder" rule (首问负责): the first handler a request is
dispatched to (or who claims it) is recorded as ``first_responder`` and owns it; ownership
moves only through an explicit transfer that the receiver accepts.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from linli.common.errors import InvalidArgument, PermissionDenied, Unauthenticated

from . import events as ev
from . import rules
from .catalogue import DEFAULT_CATALOGUE, Catalogue
from .deadlines import compute_deadlines, resolve_deadline
from .dispatch import withdraw_open_offers
from .model import (
    Address,
    Assignee,
    Attachment,
    Channel,
    GeoPoint,
    HistoryEntry,
    Moderation,
    Place,
    Rating,
    RedactableField,
    Request,
    Requester,
    ResidentGroup,
    Resolution,
    Status,
    Transfer,
    Urgency,
)
from .state_machine import Action, Caller, Step, begin, commit, publish, system_step

#: Ratings at or below this reopen the request automatically ("reopened when the rating is poor").
POOR_RATING: int = 2

#: Channels only staff may use, and the grant roles that count as staff for them.
STAFF_CHANNELS = {
    Channel.GRID_PATROL: ("grid_worker", "dispatcher", "admin", "operator"),
    Channel.PHONE: ("grid_worker", "dispatcher", "admin", "operator"),
    Channel.SCHEDULED_VISIT: ("system",),
}
#: Roles that may submit on behalf of another person.
ON_BEHALF_ROLES = ("grid_worker", "dispatcher", "admin", "operator", "system")


@dataclass(frozen=True, slots=True)
class Submission:
    """What a resident (or staff on their behalf) asks for. ``urgency`` None takes the
    category's default; an empty ``requester`` means the authenticated caller."""

    category: str
    title: str
    description: str = ""
    address: Address | None = None
    point: GeoPoint | None = None
    requester: Requester = field(default_factory=Requester)
    resident_group: ResidentGroup | None = None
    urgency: Urgency | None = None
    attachments: tuple[Attachment, ...] = ()
    channel: Channel = Channel.WEB
    idempotency_key: str = ""


def submission_hash(submission: Submission) -> str:
    """SHA-256 of what was asked (everything but the idempotency key), stored with a request
    submitted with a key: a retry must ask for the same thing."""
    canonical = repr(replace(submission, idempotency_key=""))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _submitter_role(caller: Caller, place: Place, requester: Requester) -> str:
    """The role the submission is recorded in."""
    for role in ON_BEHALF_ROLES:
        if caller.holds(role, place.scope_ids):
            return role
    if requester.person_id and requester.person_id == caller.person_id:
        return "requester"
    return "anonymous" if caller.identity.anonymous else "resident"


def _check_submitter(caller: Caller, submission: Submission, requester: Requester, place: Place) -> None:
    allowed = STAFF_CHANNELS.get(submission.channel)
    if allowed is not None and not any(caller.holds(role, place.scope_ids) for role in allowed):
        raise PermissionDenied(
            f"channel: only {', '.join(allowed)} may submit through {submission.channel.name}", field="channel"
        )
    on_behalf = requester.person_id and requester.person_id != caller.person_id
    if on_behalf and not any(caller.holds(role, place.scope_ids) for role in ON_BEHALF_ROLES):
        if caller.identity.anonymous:
            raise Unauthenticated("requester.person_id: sign in to submit as a known person")
        raise PermissionDenied(
            "requester.person_id: only staff may submit on behalf of another person", field="requester.person_id"
        )


def submit(
    submission: Submission,
    *,
    request_id: str,
    place: Place,
    caller: Caller,
    now: datetime,
    catalogue: Catalogue = DEFAULT_CATALOGUE,
    visit_plan_id: str = "",
    visit_slot: datetime | None = None,
    split_from_id: str = "",
    followers: frozenset[str] = frozenset(),
    deadline_start: datetime | None = None,
) -> Request:
    """A new request in SUBMITTED, with its deadlines computed from the category and urgency.

    ``place`` comes from organisations' LocateGrid (grid, community, street, path).
    Anonymous callers must leave a contact; an authenticated caller with no requester given
    is the requester. Deadlines count from ``deadline_start`` (default ``now``; a scheduled
    visit created ahead of its slot counts from the slot). Events: RequestSubmitted,
    PublicRequestChanged.
    """
    category = catalogue.category(submission.category)
    title = rules.validate_title(submission.title)
    description = rules.validate_description(submission.description)
    address, point = rules.validate_location(submission.address, submission.point)
    given = submission.requester
    if given == Requester() and not caller.identity.anonymous:
        given = Requester(person_id=caller.person_id)
    requester = rules.validate_requester(given)
    attachments = rules.validate_attachments(submission.attachments)
    key = rules.validate_idempotency_key(submission.idempotency_key)
    if not split_from_id:  # a split part inherits its parent's channel, already checked
        _check_submitter(caller, submission, requester, place)
    urgency = submission.urgency or category.default_urgency
    deadlines = compute_deadlines(category, urgency, max(now, deadline_start or now))
    role = _submitter_role(caller, place, requester)
    request = Request(
        id=request_id,
        category=category.code,
        title=title,
        description=description,
        address=address,
        point=point,
        requester=requester,
        resident_group=submission.resident_group,
        urgency=urgency,
        attachments=attachments,
        channel=submission.channel,
        idempotency_key=key,
        place=place,
        accept_by=deadlines.accept_by,
        resolve_by=deadlines.resolve_by,
        submitted_at=now,
        updated_at=now,
        visit_plan_id=visit_plan_id,
        visit_slot=visit_slot,
        split_from_id=split_from_id,
        followers=followers,
        moderation=Moderation(auto_publish=category.auto_publish),
        history=(
            HistoryEntry(
                at=now,
                action=Action.SUBMIT.value,
                actor_person_id=caller.person_id,
                actor_role=role,
                from_status=None,
                to_status=Status.SUBMITTED,
                version=1,
            ),
        ),
    )
    context = ev.EventContext(actor_person_id=caller.person_id, actor_role=role, request_id=caller.trace_id)
    request.pending_events.append(
        ev.RequestSubmitted(
            ev.RequestFacts.of(request), context, attachment_count=len(attachments), split_from_id=split_from_id
        )
    )
    publish(request, "submitted", caller.trace_id, role)
    return request


def _emit(request: Request, event: ev.RequestEvent, step: Step, change: str) -> None:
    request.pending_events.append(event)
    publish(request, change, step.trace_id, step.role)


def accept(
    request: Request,
    caller: Caller,
    *,
    now: datetime,
    category: str = "",
    urgency: Urgency | None = None,
    note: str = "",
    catalogue: Catalogue = DEFAULT_CATALOGUE,
    expected_version: int = 0,
) -> None:
    """Takes the request into the ledger (台账), optionally reclassifying it; a new category
    or urgency recomputes the resolve deadline from the submission time."""
    step = begin(request, Action.ACCEPT, caller, expected_version)
    text = rules.validate_reason(note, "note")
    new_category = catalogue.category(category) if category.strip() else catalogue.categories.get(request.category)
    old_category = request.category
    new_urgency = urgency or request.urgency
    changed = new_category is not None and new_category.code != old_category
    if new_category is not None and (changed or new_urgency is not request.urgency):
        request.category = new_category.code
        request.urgency = new_urgency
        request.resolve_by = compute_deadlines(new_category, new_urgency, request.submitted_at).resolve_by
    request.accepted_at = now
    request.accepted_by = caller.person_id
    commit(request, step, now, text)
    reclassified = old_category if old_category != request.category else ""
    _emit(
        request,
        ev.RequestAccepted(ev.RequestFacts.of(request), step.context, reclassified_from=reclassified, note=text),
        step,
        "accepted",
    )


def reject(request: Request, caller: Caller, *, reason: str, now: datetime, expected_version: int = 0) -> None:
    """Refuses the request (not ours, spam, already handled elsewhere); a reason is required."""
    step = begin(request, Action.REJECT, caller, expected_version)
    why = rules.validate_reason(reason, required=True)
    request.closed_at = now
    commit(request, step, now, why)
    _emit(request, ev.RequestRejected(ev.RequestFacts.of(request), step.context, reason=why), step, "rejected")


def start_work(request: Request, caller: Caller, *, now: datetime, note: str = "", expected_version: int = 0) -> None:
    """The handler is on it (on site)."""
    step = begin(request, Action.START_WORK, caller, expected_version)
    text = rules.validate_reason(note, "note")
    commit(request, step, now, text)
    _emit(request, ev.WorkStarted(ev.RequestFacts.of(request), step.context, note=text), step, "work_started")


def resolve(
    request: Request,
    caller: Caller,
    *,
    text: str,
    now: datetime,
    photos: Sequence[Attachment] = (),
    hours: float = 0.0,
    expected_version: int = 0,
) -> Resolution:
    """Records the result: what was done, photos, hours worked."""
    step = begin(request, Action.RESOLVE, caller, expected_version)
    result = Resolution(
        text=rules.validate_text(text, "result_text", max_length=rules.RESULT_MAX_LENGTH, required=True),
        resolved_at=now,
        resolved_by=caller.person_id,
        photos=rules.validate_attachments(photos, "photos", max_items=rules.MAX_RESULT_PHOTOS),
        hours=rules.validate_hours(hours),
    )
    request.resolution = result
    request.moderation = request.moderation.without_approval(RedactableField.RESULT)
    request.resolved_at = now
    commit(request, step, now)
    _emit(request, ev.RequestResolved(ev.RequestFacts.of(request), step.context, resolution=result), step, "resolved")
    return result


def rate(
    request: Request,
    caller: Caller,
    *,
    stars: int,
    now: datetime,
    comment: str = "",
    catalogue: Catalogue = DEFAULT_CATALOGUE,
    poor_rating: int = POOR_RATING,
    expected_version: int = 0,
) -> None:
    """The requester rates the result 1-5. A poor rating (``<= poor_rating``) reopens the
    request at once, as a system step recorded after the rating."""
    step = begin(request, Action.RATE, caller, expected_version)
    value = rules.validate_stars(stars)
    text = rules.validate_text(comment, "comment", max_length=rules.COMMENT_MAX_LENGTH)
    request.rating = Rating(stars=value, rated_at=now, comment=text)
    commit(request, step, now, text)
    request.pending_events.append(ev.RequestRated(ev.RequestFacts.of(request), step.context, stars=value, comment=text))
    if value <= poor_rating:
        _reopen(
            request,
            system_step(request, Action.REOPEN, caller.trace_id),
            f"poor rating: {value}",
            now,
            catalogue,
            automatic=True,
        )
    publish(request, "rated", caller.trace_id, step.role)


def close(request: Request, caller: Caller, *, now: datetime, note: str = "", expected_version: int = 0) -> None:
    """Closes a resolved (rated or not) request: the loop is done."""
    step = begin(request, Action.CLOSE, caller, expected_version)
    text = rules.validate_reason(note, "note")
    request.closed_at = now
    commit(request, step, now, text)
    _emit(request, ev.RequestClosed(ev.RequestFacts.of(request), step.context, note=text), step, "closed")


def _reopen(request: Request, step: Step, reason: str, now: datetime, catalogue: Catalogue, *, automatic: bool) -> None:
    category = catalogue.categories.get(request.category)
    if category is not None:
        request.resolve_by = resolve_deadline(category, request.urgency, now)
    request.reopen_count += 1
    request.resolved_at = None
    request.closed_at = None
    commit(request, step, now, reason)
    request.pending_events.append(
        ev.RequestReopened(
            ev.RequestFacts.of(request),
            step.context,
            reason=reason,
            reopen_count=request.reopen_count,
            automatic=automatic,
        )
    )


def reopen(
    request: Request,
    caller: Caller,
    *,
    reason: str,
    now: datetime,
    catalogue: Catalogue = DEFAULT_CATALOGUE,
    expected_version: int = 0,
) -> None:
    """The resident objects (or staff reopen a closed case): back to work with a fresh
    resolve deadline; the owner keeps it."""
    step = begin(request, Action.REOPEN, caller, expected_version)
    why = rules.validate_reason(reason, required=True)
    _reopen(request, step, why, now, catalogue, automatic=False)
    publish(request, "reopened", caller.trace_id, step.role)


def cancel(request: Request, caller: Caller, *, reason: str, now: datetime, expected_version: int = 0) -> None:
    """The requester withdraws the request; open offers are withdrawn and a pending transfer
    dropped."""
    step = begin(request, Action.CANCEL, caller, expected_version)
    why = rules.validate_reason(reason)
    withdrawn = withdraw_open_offers(request, now)
    request.pending_transfer = None
    request.closed_at = now
    commit(request, step, now, why)
    request.pending_events.append(ev.RequestCancelled(ev.RequestFacts.of(request), step.context, reason=why))
    if withdrawn:
        request.pending_events.append(
            ev.OfferWithdrawn(
                ev.RequestFacts.of(request), step.context, volunteer_ids=tuple(withdrawn), reason="request cancelled"
            )
        )
    publish(request, "cancelled", caller.trace_id, step.role)


def transfer(
    request: Request, caller: Caller, *, to: Assignee, reason: str, now: datetime, expected_version: int = 0
) -> Transfer:
    """Asks ``to`` to take the request over (转单). The current handler keeps it until the
    receiver accepts."""
    step = begin(request, Action.TRANSFER, caller, expected_version)
    target = rules.validate_assignee(to, "to")
    why = rules.validate_reason(reason, required=True)
    if request.assignee is not None and (target.kind, target.id) == (request.assignee.kind, request.assignee.id):
        raise InvalidArgument(f"to: {target.id} already handles this request", field="to")
    pending = Transfer(
        to=target,
        from_assignee=request.assignee,
        reason=why,
        requested_by=caller.person_id,
        requested_role=step.role,
        requested_at=now,
    )
    request.pending_transfer = pending
    commit(request, step, now, why)
    _emit(
        request, ev.RequestTransferred(ev.RequestFacts.of(request), step.context, transfer=pending), step, "transferred"
    )
    return pending


def respond_to_transfer(
    request: Request, caller: Caller, *, accept: bool, now: datetime, reason: str = "", expected_version: int = 0
) -> None:
    """The receiver accepts (becomes the owner, request CLAIMED) or refuses (a reason is
    required; the current handler keeps it)."""
    step = begin(request, Action.ACCEPT_TRANSFER if accept else Action.REFUSE_TRANSFER, caller, expected_version)
    why = rules.validate_reason(reason, required=not accept)
    pending = request.pending_transfer
    if pending is None:  # pragma: no cover - guarded by begin
        raise InvalidArgument("there is no transfer waiting", field="pending_transfer")
    request.pending_transfer = None
    if accept:
        request.assignee = pending.to
        if request.first_responder is None:
            request.first_responder = pending.to
    commit(request, step, now, why)
    if accept:
        _emit(
            request,
            ev.TransferAccepted(ev.RequestFacts.of(request), step.context, transfer=pending),
            step,
            "transfer_accepted",
        )
    else:
        _emit(
            request,
            ev.TransferRefused(ev.RequestFacts.of(request), step.context, transfer=pending, reason=why),
            step,
            "transfer_refused",
        )


def follow(
    request: Request, caller: Caller, *, now: datetime, following: bool = True, expected_version: int = 0
) -> bool:
    """Adds (or removes) the caller as a follower, to hear of the outcome. Not a lifecycle
    transition: no history entry and no event, but the version moves (it is a change).
    Returns whether anything changed. Hidden requests can be followed only by their
    requester."""
    rules.check_version(request.version, expected_version, f"request {request.id}")
    if caller.identity.anonymous:
        raise Unauthenticated("following a request needs an authenticated caller")
    if following and request.moderation.hidden and caller.person_id != request.requester.person_id:
        raise PermissionDenied(f"request {request.id} is not public")
    present = caller.person_id in request.followers
    if present == following:
        return False
    if following:
        request.followers = request.followers | {caller.person_id}
    else:
        request.followers = request.followers - {caller.person_id}
    request.touch(now)
    return True
