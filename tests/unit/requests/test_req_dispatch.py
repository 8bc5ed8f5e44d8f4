"""Assisted dispatch: offers, first claim wins, declines and expiry moving on."""

from __future__ import annotations

from datetime import timedelta

import pytest

from linli.common.errors import FailedPrecondition, InvalidArgument, PermissionDenied
from linli.requests.adapters.event_payloads import encode
from linli.requests.domain import dispatch
from linli.requests.domain import events as ev
from linli.requests.domain.dispatch import OfferPolicy
from linli.requests.domain.model import AssigneeKind, OfferStatus, Status
from tests.unit.requests.req_support import (
    DISPATCHER,
    NOW,
    VOL1,
    VOL2,
    VOL3,
    VOLUNTEER_1,
    accepted,
    offered,
    person,
    status_of,
)

TTL = timedelta(minutes=30)


def _statuses(request: object) -> dict[str, OfferStatus]:
    return {o.volunteer_id: o.status for o in request.offers}  # type: ignore[attr-defined]


def test_offers_go_to_the_top_candidates() -> None:
    request = accepted()
    offers = dispatch.offer_to_volunteers(
        request, DISPATCHER, candidates=["v-1", "v-2", "v-3", "v-1"], batch_size=2, ttl=TTL, now=NOW
    )
    assert [o.volunteer_id for o in offers] == ["v-1", "v-2"]
    assert all(o.expires_at == NOW + TTL and o.round == 1 for o in offers)
    assert request.offer_queue == ("v-3",)
    assert status_of(request) is Status.OFFERED
    offered_event = next(encode(e) for e in request.pending_events if e.type == ev.REQUEST_OFFERED)
    assert offered_event.payload["queuedCount"] == 1


def test_policy_defaults() -> None:
    request = accepted()
    offers = dispatch.offer_to_volunteers(
        request,
        DISPATCHER,
        candidates=[f"v-{i}" for i in range(10)],
        now=NOW,
        policy=OfferPolicy(batch_size=4, ttl=timedelta(minutes=5)),
    )
    assert len(offers) == 4
    assert request.offer_ttl_seconds == 300


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"candidates": []}, "candidate_volunteer_ids"),
        ({"candidates": ["bad id"]}, "candidate_volunteer_ids[0]"),
        ({"candidates": [f"v-{i}" for i in range(101)]}, "candidate_volunteer_ids"),
        ({"candidates": ["v-1"], "batch_size": 21}, "offer_count"),
        ({"candidates": ["v-1"], "ttl": timedelta(seconds=10)}, "offer_ttl_seconds"),
        ({"candidates": ["v-1"], "ttl": timedelta(days=8)}, "offer_ttl_seconds"),
    ],
)
def test_offer_input_is_checked(kwargs: dict[str, object], field: str) -> None:
    request = accepted()
    with pytest.raises(InvalidArgument) as raised:
        dispatch.offer_to_volunteers(request, DISPATCHER, now=NOW, **kwargs)  # type: ignore[arg-type]
    assert raised.value.field == field
    assert status_of(request) is Status.ACCEPTED


def test_first_claim_wins_and_others_are_withdrawn() -> None:
    request = offered()  # v-1, v-2 offered; v-3, v-4 queued
    owner = dispatch.claim(request, VOL2, now=NOW + timedelta(minutes=1))
    assert owner.kind is AssigneeKind.VOLUNTEER and owner.id == "v-2"
    assert status_of(request) is Status.CLAIMED
    assert request.first_responder == owner
    assert _statuses(request) == {"v-1": OfferStatus.WITHDRAWN, "v-2": OfferStatus.CLAIMED}
    assert request.offer_queue == ()
    withdrawn = next(encode(e) for e in request.pending_events if e.type == ev.OFFER_WITHDRAWN)
    assert withdrawn.payload["volunteerIds"] == ["v-1"]
    # the slower volunteer loses: the request is no longer on offer
    with pytest.raises(FailedPrecondition, match="cannot claim a request that is claimed"):
        dispatch.claim(request, VOL1, now=NOW + timedelta(minutes=2))


def test_a_volunteer_without_an_offer_cannot_claim() -> None:
    request = offered()
    with pytest.raises(PermissionDenied):
        dispatch.claim(request, VOL3, now=NOW)  # queued, not offered yet
    with pytest.raises(PermissionDenied):
        dispatch.claim(request, DISPATCHER, now=NOW)


def test_an_expired_offer_cannot_be_claimed_even_before_the_timer_ran() -> None:
    request = offered()
    with pytest.raises(FailedPrecondition) as raised:
        dispatch.claim(request, VOL1, now=NOW + TTL)
    assert raised.value.field == "offer"
    assert status_of(request) is Status.OFFERED


def test_expiry_moves_to_the_next_candidates_then_exhausts() -> None:
    request = offered()
    assert dispatch.next_offer_expiry(request) == NOW + TTL
    assert dispatch.expire_offers(request, NOW + TTL - timedelta(seconds=1)) is False
    t1 = NOW + TTL
    assert dispatch.expire_offers(request, t1) is True
    assert _statuses(request) == {
        "v-1": OfferStatus.EXPIRED,
        "v-2": OfferStatus.EXPIRED,
        "v-3": OfferStatus.OPEN,
        "v-4": OfferStatus.OPEN,
    }
    assert request.offer_round == 2
    assert status_of(request) is Status.OFFERED
    assert [e.type for e in request.pending_events[-3:]] == [
        ev.OFFER_EXPIRED,
        ev.REQUEST_OFFERED,
        ev.PUBLIC_REQUEST_CHANGED,
    ]
    assert dispatch.next_offer_expiry(request) == t1 + TTL
    dispatch.claim(request, VOL3, now=t1 + timedelta(minutes=1))
    assert request.assignee is not None and request.assignee.id == "v-3"


def test_all_expired_hands_back_to_the_dispatcher() -> None:
    request = offered()
    dispatch.expire_offers(request, NOW + TTL)
    dispatch.expire_offers(request, NOW + 2 * TTL)
    assert status_of(request) is Status.ACCEPTED
    assert request.history[-1].action == "exhaust_offers"
    assert any(e.type == ev.OFFERS_EXHAUSTED for e in request.pending_events)
    assert dispatch.expire_offers(request, NOW + 3 * TTL) is False


def test_decline_offers_the_place_to_the_next_candidate() -> None:
    request = offered()
    dispatch.decline_offer(request, VOL1, reason="at work", now=NOW + timedelta(minutes=3))
    statuses = _statuses(request)
    assert statuses["v-1"] is OfferStatus.DECLINED
    assert statuses["v-3"] is OfferStatus.OPEN
    assert request.offer_queue == ("v-4",)
    assert request.history[-1].reason == "at work"


def test_declined_volunteers_are_not_offered_again() -> None:
    request = offered()
    for caller in (VOL1, VOL2):
        dispatch.decline_offer(request, caller, now=NOW)
    v4 = person("p-vol4", "volunteer", acts_for=("v-4",))
    for caller in (VOL3, v4):
        dispatch.decline_offer(request, caller, now=NOW)
    assert status_of(request) is Status.ACCEPTED
    with pytest.raises(InvalidArgument, match="has not declined"):
        dispatch.offer_to_volunteers(request, DISPATCHER, candidates=["v-1", "v-2"], now=NOW)
    offers = dispatch.offer_to_volunteers(request, DISPATCHER, candidates=["v-1", "v-5"], now=NOW)
    assert [o.volunteer_id for o in offers] == ["v-5"]


def test_manual_dispatch_overrides_offers() -> None:
    request = offered()
    dispatch.dispatch(request, DISPATCHER, assignee=VOLUNTEER_1, note="I called her", now=NOW)
    assert status_of(request) is Status.DISPATCHED
    assert not request.open_offers
    assert request.offer_queue == ()
    dispatch.claim(request, VOL1, now=NOW)
    assert status_of(request) is Status.CLAIMED
