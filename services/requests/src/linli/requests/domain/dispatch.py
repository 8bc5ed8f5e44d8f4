"""Dispatch: manual (a dispatcher picks the handler) and assisted (offers to volunteers).

Assisted dispatch ("centre dispatches, volunteers take the order"): the service layer asks
volunteers' MatchVolunteers for ranked candidates and passes their ids here. The top
``batch_size`` get an offer that expires after ``ttl``; the rest wait in a queue. The first
volunteer to claim gets the request and every other open offer is withdrawn. A decline or
an expiry hands the freed place to the next queued candidates (a new round); when nobody is
left the request goes back to ACCEPTED for the dispatcher (OffersExhausted).

"First claim wins" needs no lock: a claim changes the status to CLAIMED and bumps the
version, so a second, concurrent claim either fails the repository's version check and is
retried against CLAIMED, where the table refuses it (FailedPrecondition).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Final

from linli.common.domain_events import timestamp_json
from linli.common.errors import FailedPrecondition, InvalidArgument

from . import events as ev
from . import rules
from .model import Assignee, AssigneeKind, Offer, OfferStatus, Request, Status
from .state_machine import Action, Caller, Step, begin, commit, publish, system_step

MIN_TTL: Final = timedelta(minutes=1)
MAX_TTL: Final = timedelta(days=7)
MAX_BATCH: Final = 20


@dataclass(frozen=True, slots=True)
class OfferPolicy:
    """Defaults for assisted dispatch (configurable per deployment and per call)."""

    batch_size: int = 3
    ttl: timedelta = timedelta(minutes=30)


DEFAULT_OFFER_POLICY: Final = OfferPolicy()


def withdraw_open_offers(request: Request, now: datetime) -> list[str]:
    """Marks every open offer withdrawn and empties the queue; returns the volunteer ids."""
    withdrawn = [o.volunteer_id for o in request.open_offers]
    request.offers = tuple(
        replace(o, status=OfferStatus.WITHDRAWN, closed_at=now) if o.status is OfferStatus.OPEN else o
        for o in request.offers
    )
    request.offer_queue = ()
    return withdrawn


def _withdrawn_event(request: Request, step: Step, withdrawn: list[str], reason: str) -> None:
    if withdrawn:
        request.pending_events.append(
            ev.OfferWithdrawn(ev.RequestFacts.of(request), step.context, volunteer_ids=tuple(withdrawn), reason=reason)
        )


def dispatch(
    request: Request, caller: Caller, *, assignee: Assignee, now: datetime, note: str = "", expected_version: int = 0
) -> None:
    """Manual dispatch to a volunteer, team, unit, department or staff member. From OFFERED
    it overrides the offers (withdrawn). The first handler becomes the first responder."""
    step = begin(request, Action.DISPATCH, caller, expected_version)
    target = rules.validate_assignee(assignee)
    text = rules.validate_reason(note, "note")
    withdrawn = withdraw_open_offers(request, now)
    request.assignee = target
    if request.first_responder is None:
        request.first_responder = target
    commit(request, step, now, text)
    request.pending_events.append(
        ev.RequestDispatched(ev.RequestFacts.of(request), step.context, assignee=target, note=text)
    )
    _withdrawn_event(request, step, withdrawn, "dispatched by hand")
    publish(request, "dispatched", caller.trace_id, step.role)


def _new_offers(request: Request, count: int, now: datetime) -> list[Offer]:
    """Moves up to ``count`` candidates from the queue into open offers (a new round)."""
    take = list(request.offer_queue[:count])
    if not take:
        return []
    request.offer_queue = request.offer_queue[count:]
    request.offer_round += 1
    expires = now + timedelta(seconds=request.offer_ttl_seconds)
    offers = [Offer(volunteer_id=v, offered_at=now, expires_at=expires, round=request.offer_round) for v in take]
    request.offers = (*request.offers, *offers)
    return offers


def _offered_event(request: Request, step: Step, offers: list[Offer]) -> None:
    request.pending_events.append(
        ev.RequestOffered(
            ev.RequestFacts.of(request),
            step.context,
            offers=tuple(offers),
            round=request.offer_round,
            queued_count=len(request.offer_queue),
        )
    )


def offer_to_volunteers(
    request: Request,
    caller: Caller,
    *,
    candidates: Sequence[str],
    now: datetime,
    batch_size: int = 0,
    ttl: timedelta | None = None,
    policy: OfferPolicy = DEFAULT_OFFER_POLICY,
    expected_version: int = 0,
) -> list[Offer]:
    """Offers the request to the best ``candidates`` (volunteer ids, best first). Volunteers
    who declined this request before are skipped. Returns the offers made."""
    step = begin(request, Action.OFFER, caller, expected_version)
    ranked = rules.validate_id_list(candidates, "candidate_volunteer_ids", max_items=rules.MAX_CANDIDATES)
    declined = {o.volunteer_id for o in request.offers if o.status is OfferStatus.DECLINED}
    fresh = tuple(v for v in ranked if v not in declined)
    if not fresh:
        raise InvalidArgument(
            "candidate_volunteer_ids: give at least one volunteer who has not declined", field="candidate_volunteer_ids"
        )
    size = rules.validate_positive(batch_size or policy.batch_size, "offer_count", maximum=MAX_BATCH)
    lifetime = ttl if ttl is not None else policy.ttl
    if not MIN_TTL <= lifetime <= MAX_TTL:
        raise InvalidArgument(
            f"offer_ttl_seconds: must be between {int(MIN_TTL.total_seconds())} and {int(MAX_TTL.total_seconds())}",
            field="offer_ttl_seconds",
        )
    request.offer_batch_size = size
    request.offer_ttl_seconds = int(lifetime.total_seconds())
    request.offer_queue = fresh
    offers = _new_offers(request, size, now)
    commit(request, step, now, f"offered to {len(offers)} of {len(fresh)} candidates")
    _offered_event(request, step, offers)
    publish(request, "offered", caller.trace_id, step.role)
    return offers


def _caller_offer(request: Request, caller: Caller) -> Offer:
    mine = caller.handler_ids
    offer = next((o for o in request.open_offers if o.volunteer_id in mine), None)
    if offer is None:  # pragma: no cover - begin grants VOLUNTEER only with an open offer
        raise FailedPrecondition("you hold no open offer for this request", field="offer")
    return offer


def claim(request: Request, caller: Caller, *, now: datetime, expected_version: int = 0) -> Assignee:
    """Takes the request. From OFFERED: a volunteer with an unexpired open offer; the first
    claim wins and the other offers are withdrawn. From DISPATCHED (or REOPENED): the
    handler confirms it takes the order (接单)."""
    step = begin(request, Action.CLAIM, caller, expected_version)
    withdrawn: list[str] = []
    if request.status is Status.OFFERED:
        offer = _caller_offer(request, caller)
        if offer.expires_at <= now:
            raise FailedPrecondition(f"your offer expired at {timestamp_json(offer.expires_at)}", field="offer")
        request.offers = tuple(
            replace(o, status=OfferStatus.CLAIMED, closed_at=now) if o is offer else o for o in request.offers
        )
        withdrawn = withdraw_open_offers(request, now)
        request.assignee = Assignee(kind=AssigneeKind.VOLUNTEER, id=offer.volunteer_id)
        if request.first_responder is None:
            request.first_responder = request.assignee
    owner = request.assignee
    if owner is None:  # pragma: no cover - HANDLER capacity implies an assignee
        raise FailedPrecondition("the request has no handler", field="assignee")
    commit(request, step, now)
    request.pending_events.append(ev.RequestClaimed(ev.RequestFacts.of(request), step.context, assignee=owner))
    _withdrawn_event(request, step, withdrawn, "claimed by another volunteer")
    publish(request, "claimed", caller.trace_id, step.role)
    return owner


def _refill_or_exhaust(request: Request, step: Step, now: datetime) -> None:
    """After offers closed: offer the freed places to queued candidates, or hand the
    request back to the dispatcher when nobody is left."""
    missing = max(0, request.offer_batch_size - len(request.open_offers))
    offers = _new_offers(request, missing, now)
    if offers:
        _offered_event(request, step, offers)
    elif not request.open_offers:
        exhausted = system_step(request, Action.EXHAUST_OFFERS, step.trace_id)
        commit(request, exhausted, now, "no candidate left")
        request.pending_events.append(ev.OffersExhausted(ev.RequestFacts.of(request), exhausted.context))


def decline_offer(
    request: Request, caller: Caller, *, now: datetime, reason: str = "", expected_version: int = 0
) -> None:
    """A volunteer says no; the next candidate is offered the place at once."""
    step = begin(request, Action.DECLINE_OFFER, caller, expected_version)
    why = rules.validate_reason(reason)
    offer = _caller_offer(request, caller)
    request.offers = tuple(
        replace(o, status=OfferStatus.DECLINED, closed_at=now) if o is offer else o for o in request.offers
    )
    commit(request, step, now, why)
    request.pending_events.append(
        ev.OfferDeclined(ev.RequestFacts.of(request), step.context, volunteer_id=offer.volunteer_id, reason=why)
    )
    _refill_or_exhaust(request, step, now)
    publish(request, "offer_declined", caller.trace_id, step.role)


def expire_offers(request: Request, now: datetime, trace_id: str = "") -> bool:
    """The offer timer: expires open offers whose time is up and moves on to the next
    candidates. A no-op (False) when nothing is due, so the timer may run it freely."""
    if request.status is not Status.OFFERED:
        return False
    due = [o for o in request.open_offers if o.expires_at <= now]
    if not due:
        return False
    step = system_step(request, Action.EXPIRE_OFFERS, trace_id)
    request.offers = tuple(
        replace(o, status=OfferStatus.EXPIRED, closed_at=now) if o in due else o for o in request.offers
    )
    commit(request, step, now, f"{len(due)} offer(s) expired")
    request.pending_events.append(
        ev.OfferExpired(ev.RequestFacts.of(request), step.context, volunteer_ids=tuple(o.volunteer_id for o in due))
    )
    _refill_or_exhaust(request, step, now)
    publish(request, "offers_expired", trace_id, step.role)
    return True


def next_offer_expiry(request: Request) -> datetime | None:
    """When the offer timer next has work on this request."""
    times = [o.expires_at for o in request.open_offers]
    return min(times) if times else None
