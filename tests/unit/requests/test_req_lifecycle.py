"""Submission rules and limits, and the lifecycle steps' effects beyond the status."""

from __future__ import annotations

from datetime import timedelta

import pytest

from linli.common.errors import Conflict, FailedPrecondition, InvalidArgument, PermissionDenied, Unauthenticated
from linli.requests.adapters.event_payloads import encode
from linli.requests.domain import dispatch, lifecycle, moderation
from linli.requests.domain import events as ev
from linli.requests.domain.model import (
    Address,
    Assignee,
    AssigneeKind,
    Attachment,
    Channel,
    Contact,
    GeoPoint,
    Requester,
    Status,
    Urgency,
)
from tests.unit.requests.req_support import (
    ANONYMOUS,
    DISPATCHER,
    GRID,
    NOW,
    OTHER_RESIDENT,
    PLACE,
    RESIDENT,
    URBAN,
    URBAN_LIAISON,
    VOL1,
    VOLUNTEER_1,
    accepted,
    anonymous_contact_submission,
    claimed,
    dispatched,
    in_progress,
    next_id,
    offered,
    resolved,
    status_of,
    submission,
    submitted,
)


def test_submit_computes_deadlines_and_records_history() -> None:
    request = submitted()
    assert status_of(request) is Status.SUBMITTED
    assert request.accept_by == NOW + timedelta(minutes=120)
    assert request.resolve_by == NOW + timedelta(minutes=2880)
    assert request.urgency is Urgency.NORMAL
    assert request.version == 1
    (entry,) = request.history
    assert (entry.action, entry.actor_person_id, entry.actor_role, entry.from_status) == (
        "submit",
        "p-resident",
        "requester",
        None,
    )
    assert [e.type for e in request.pending_events] == [ev.REQUEST_SUBMITTED, ev.PUBLIC_REQUEST_CHANGED]


def test_submit_uses_category_default_urgency_and_urgent_halves() -> None:
    request = submitted(category="road_flooding")
    assert request.urgency is Urgency.URGENT
    assert request.accept_by == NOW + timedelta(minutes=15)
    assert request.resolve_by == NOW + timedelta(minutes=180)


def test_caller_is_requester_by_default() -> None:
    request = lifecycle.submit(
        submission(requester=Requester()), request_id=next_id(), place=PLACE, caller=OTHER_RESIDENT, now=NOW
    )
    assert request.requester.person_id == "p-other"


def test_anonymous_submission_needs_a_contact() -> None:
    request = lifecycle.submit(
        anonymous_contact_submission(), request_id=next_id(), place=PLACE, caller=ANONYMOUS, now=NOW
    )
    assert request.requester.contact == Contact(name="王阿姨", phone="0576-88123456")
    assert request.history[0].actor_role == "anonymous"
    with pytest.raises(InvalidArgument) as raised:
        lifecycle.submit(
            submission(requester=Requester()), request_id=next_id(), place=PLACE, caller=ANONYMOUS, now=NOW
        )
    assert raised.value.field == "requester"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"category": "unicorns"}, "category"),
        ({"title": ""}, "title"),
        ({"title": "x" * 121}, "title"),
        ({"description": "x" * 4001}, "description"),
        ({"attachments": tuple(Attachment(id=f"a{i}") for i in range(10))}, "attachments"),
        ({"attachments": (Attachment(id="a"), Attachment(id="a"))}, "attachments[1].id"),
        ({"attachments": (Attachment(id="a", url="javascript:alert(1)"),)}, "attachments[0].url"),
        ({"address": None, "point": None}, "location"),
        ({"point": GeoPoint(91.0, 0.0)}, "point.lat"),
        ({"title": "bad\x00title"}, "title"),
        ({"requester": Requester(contact=Contact(phone="call me"))}, "requester.contact.phone"),
        ({"idempotency_key": "k" * 201}, "idempotency_key"),
    ],
)
def test_submit_rejects_bad_input_naming_the_field(overrides: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidArgument) as raised:
        lifecycle.submit(submission(**overrides), request_id=next_id(), place=PLACE, caller=DISPATCHER, now=NOW)
    assert raised.value.field == field
    assert field.partition("[")[0].partition(".")[0] in raised.value.message


def test_limits_at_the_boundary_pass() -> None:
    request = lifecycle.submit(
        submission(
            title="题" * 120,
            description="述" * 4000,
            attachments=tuple(Attachment(id=f"a{i}") for i in range(9)),
        ),
        request_id=next_id(),
        place=PLACE,
        caller=RESIDENT,
        now=NOW,
    )
    assert len(request.attachments) == 9


def test_staff_channels_and_on_behalf() -> None:
    with pytest.raises(PermissionDenied) as raised:
        lifecycle.submit(
            submission(channel=Channel.GRID_PATROL), request_id=next_id(), place=PLACE, caller=RESIDENT, now=NOW
        )
    assert raised.value.field == "channel"
    patrol = lifecycle.submit(
        submission(channel=Channel.GRID_PATROL), request_id=next_id(), place=PLACE, caller=GRID, now=NOW
    )
    assert patrol.history[0].actor_role == "grid_worker"
    with pytest.raises(PermissionDenied):
        lifecycle.submit(
            submission(channel=Channel.SCHEDULED_VISIT), request_id=next_id(), place=PLACE, caller=DISPATCHER, now=NOW
        )
    with pytest.raises(PermissionDenied) as raised:
        lifecycle.submit(submission(), request_id=next_id(), place=PLACE, caller=OTHER_RESIDENT, now=NOW)
    assert raised.value.field == "requester.person_id"
    with pytest.raises(Unauthenticated):
        lifecycle.submit(submission(), request_id=next_id(), place=PLACE, caller=ANONYMOUS, now=NOW)


def test_accept_reclassifies_and_recomputes_resolve_deadline() -> None:
    request = submitted()
    lifecycle.accept(request, DISPATCHER, category="water_supply", urgency=Urgency.URGENT, now=NOW + timedelta(hours=1))
    assert request.category == "water_supply"
    assert request.resolve_by == NOW + timedelta(minutes=360)
    assert request.accepted_by == "p-disp"
    accepted_event = next(encode(e) for e in request.pending_events if e.type == ev.REQUEST_ACCEPTED)
    assert accepted_event.payload["reclassifiedFrom"] == "repairs"


def test_accept_with_unknown_category_changes_nothing() -> None:
    request = submitted()
    before = (request.version, request.status, len(request.history))
    with pytest.raises(InvalidArgument) as raised:
        lifecycle.accept(request, DISPATCHER, category="nope", now=NOW)
    assert raised.value.field == "category"
    assert (request.version, request.status, len(request.history)) == before


def test_stale_version_is_a_conflict_and_changes_nothing() -> None:
    request = submitted()
    lifecycle.accept(request, DISPATCHER, now=NOW, expected_version=1)
    with pytest.raises(Conflict) as raised:
        lifecycle.reject(request, DISPATCHER, reason="late", now=NOW, expected_version=1)
    assert raised.value.field == "expected_version"
    assert status_of(request) is Status.ACCEPTED


def test_reject_needs_a_reason() -> None:
    request = submitted()
    with pytest.raises(InvalidArgument) as raised:
        lifecycle.reject(request, DISPATCHER, reason="  ", now=NOW)
    assert raised.value.field == "reason"
    lifecycle.reject(request, DISPATCHER, reason="spam", now=NOW)
    assert request.status_reason == "spam"


def test_first_responder_owns_it_until_a_transfer_is_accepted() -> None:
    request = claimed()
    assert request.first_responder == VOLUNTEER_1
    assert request.assignee == VOLUNTEER_1
    lifecycle.transfer(request, VOL1, to=URBAN, reason="needs enforcement", now=NOW)
    assert request.assignee == VOLUNTEER_1  # still the owner while the receiver decides
    with pytest.raises(FailedPrecondition, match="waits for an answer"):
        lifecycle.start_work(request, VOL1, now=NOW)
    with pytest.raises(PermissionDenied):
        lifecycle.respond_to_transfer(request, VOL1, accept=True, now=NOW)
    lifecycle.respond_to_transfer(request, URBAN_LIAISON, accept=True, now=NOW)
    assert request.assignee == URBAN
    assert request.first_responder == VOLUNTEER_1
    assert status_of(request) is Status.CLAIMED
    lifecycle.start_work(request, URBAN_LIAISON, now=NOW)
    assert status_of(request) is Status.IN_PROGRESS


def test_refused_transfer_keeps_the_owner_and_needs_a_reason() -> None:
    request = in_progress()
    lifecycle.transfer(request, DISPATCHER, to=URBAN, reason="enforcement", now=NOW)
    with pytest.raises(InvalidArgument):
        lifecycle.respond_to_transfer(request, URBAN_LIAISON, accept=False, now=NOW)
    lifecycle.respond_to_transfer(request, URBAN_LIAISON, accept=False, reason="not ours", now=NOW)
    assert request.assignee == VOLUNTEER_1
    assert request.pending_transfer is None
    assert status_of(request) is Status.IN_PROGRESS
    assert request.history[-1].action == "refuse_transfer"


def test_transfer_to_current_handler_is_invalid() -> None:
    request = dispatched()
    with pytest.raises(InvalidArgument) as raised:
        lifecycle.transfer(request, DISPATCHER, to=VOLUNTEER_1, reason="x", now=NOW)
    assert raised.value.field == "to"


def test_dispatch_is_refused_once_someone_owns_it() -> None:
    request = dispatched()
    other = Assignee(kind=AssigneeKind.TEAM, id="team-1")
    with pytest.raises(FailedPrecondition, match="cannot dispatch a request that is dispatched"):
        dispatch.dispatch(request, DISPATCHER, assignee=other, now=NOW)


def test_resolve_limits() -> None:
    request = in_progress()
    with pytest.raises(InvalidArgument) as raised:
        lifecycle.resolve(request, VOL1, text="ok", hours=-1, now=NOW)
    assert raised.value.field == "hours"
    with pytest.raises(InvalidArgument) as raised:
        lifecycle.resolve(request, VOL1, text="", now=NOW)
    assert raised.value.field == "result_text"
    with pytest.raises(InvalidArgument) as raised:
        lifecycle.resolve(request, VOL1, text="ok", photos=[Attachment(id=f"p{i}") for i in range(10)], now=NOW)
    assert raised.value.field == "photos"
    assert status_of(request) is Status.IN_PROGRESS


@pytest.mark.parametrize("stars", [0, 6, -1, 9])
def test_rating_outside_one_to_five(stars: int) -> None:
    request = resolved()
    with pytest.raises(InvalidArgument, match=f"stars: must be 1-5, got {stars}"):
        lifecycle.rate(request, RESIDENT, stars=stars, now=NOW)
    assert status_of(request) is Status.RESOLVED


def test_comment_limit() -> None:
    request = resolved()
    with pytest.raises(InvalidArgument) as raised:
        lifecycle.rate(request, RESIDENT, stars=5, comment="x" * 1001, now=NOW)
    assert raised.value.field == "comment"


def test_poor_rating_reopens_automatically() -> None:
    request = resolved()
    old_deadline = request.resolve_by
    lifecycle.rate(request, RESIDENT, stars=2, comment="still dark", now=NOW + timedelta(days=1))
    assert status_of(request) is Status.REOPENED
    assert request.reopen_count == 1
    assert request.resolve_by == NOW + timedelta(days=1, minutes=2880)
    assert request.resolve_by != old_deadline
    rate_entry, reopen_entry = request.history[-2:]
    assert (rate_entry.action, rate_entry.actor_role) == ("rate", "requester")
    assert (reopen_entry.action, reopen_entry.actor_role, reopen_entry.to_status) == (
        "reopen",
        "system",
        Status.REOPENED,
    )
    reopened_event = next(encode(e) for e in request.pending_events if e.type == ev.REQUEST_REOPENED)
    assert reopened_event.payload["automatic"] is True
    # the owner picks it up again
    dispatch.claim(request, VOL1, now=NOW + timedelta(days=1))
    assert status_of(request) is Status.CLAIMED


def test_good_rating_then_close() -> None:
    request = resolved()
    lifecycle.rate(request, RESIDENT, stars=4, now=NOW)
    assert status_of(request) is Status.RATED
    lifecycle.close(request, DISPATCHER, now=NOW)
    assert status_of(request) is Status.CLOSED
    assert request.closed_at == NOW


def test_only_the_requester_rates() -> None:
    request = resolved()
    with pytest.raises(PermissionDenied):
        lifecycle.rate(request, DISPATCHER, stars=5, now=NOW)
    with pytest.raises(PermissionDenied):
        lifecycle.rate(request, OTHER_RESIDENT, stars=5, now=NOW)


def test_cancel_withdraws_offers() -> None:
    request = offered()
    lifecycle.cancel(request, RESIDENT, reason="solved", now=NOW)
    assert status_of(request) is Status.CANCELLED
    assert not request.open_offers
    withdrawn = next(encode(e) for e in request.pending_events if e.type == ev.OFFER_WITHDRAWN)
    assert withdrawn.payload["volunteerIds"] == ["v-1", "v-2"]


def test_follow_and_unfollow() -> None:
    request = accepted()
    version = request.version
    assert lifecycle.follow(request, OTHER_RESIDENT, now=NOW) is True
    assert lifecycle.follow(request, OTHER_RESIDENT, now=NOW) is False
    assert "p-other" in request.followers
    assert request.version == version + 1
    assert lifecycle.follow(request, OTHER_RESIDENT, now=NOW, following=False) is True
    assert "p-other" not in request.followers
    with pytest.raises(Unauthenticated):
        lifecycle.follow(request, ANONYMOUS, now=NOW)


def test_hidden_request_cannot_be_followed_by_others() -> None:
    request = accepted()
    moderation.moderate(request, DISPATCHER, hidden=True, reason="private", now=NOW)
    with pytest.raises(PermissionDenied):
        lifecycle.follow(request, OTHER_RESIDENT, now=NOW)


def test_address_only_location_is_enough() -> None:
    request = lifecycle.submit(
        submission(point=None, address=Address(text="东山社区")),
        request_id=next_id(),
        place=PLACE,
        caller=RESIDENT,
        now=NOW,
    )
    assert request.location is None
    assert request.address == Address(text="东山社区")


def test_anonymous_contact_validation() -> None:
    with pytest.raises(InvalidArgument) as raised:
        lifecycle.submit(
            submission(requester=Requester(contact=Contact(name="x", email="not-an-email"))),
            request_id=next_id(),
            place=PLACE,
            caller=ANONYMOUS,
            now=NOW,
        )
    assert raised.value.field == "requester.contact.email"
