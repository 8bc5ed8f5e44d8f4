"""Existence and state do not leak through the errors of commands on a request.

Whoever may not know of a request (another community's dispatcher, a neighbour) gets, for
every command and in every state, exactly the NOT_FOUND of a missing id; an anonymous caller
gets the same UNAUTHENTICATED for both; a caller who sees the request but may not act gets
PERMISSION_DENIED before any status check.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest

from linli.common.commands import Actor, Command
from linli.common.errors import FailedPrecondition, LinliError, NotFound, PermissionDenied, Unauthenticated
from linli.requests.bootstrap import RequestsApp
from linli.requests.domain.model import (
    Assignee,
    AssigneeKind,
    PartyKind,
    Request,
    RoundTableOutcome,
    RoundTableParty,
    Status,
)
from linli.requests.service_layer import commands as c
from tests.unit.requests import test_handlers as base
from tests.unit.requests.test_handlers import (
    ANONYMOUS,
    DISPATCHER,
    FOREIGN_DISPATCHER,
    NEIGHBOUR,
    NOW,
    RESIDENT,
    VOLUNTEER,
    accepted,
    claimed,
    resolved,
    submit,
)

app = base.app
clock = base.clock

MISSING = "req_0000000000000000000000"
OTHER_MISSING = "req_0000000000000000000001"
V1 = Assignee(kind=AssigneeKind.VOLUNTEER, id="v-1")
V2 = Assignee(kind=AssigneeKind.VOLUNTEER, id="v-2")
PARTY = (RoundTableParty(kind=PartyKind.OTHER, name="Owners"),)

#: One builder per command on a request: (caller, request id) -> command.
COMMANDS: dict[str, Callable[[Actor, str], Command]] = {
    "accept": lambda a, r: c.AcceptRequest(actor=a, request_id=r),
    "reject": lambda a, r: c.RejectRequest(actor=a, request_id=r, reason="spam"),
    "dispatch": lambda a, r: c.DispatchRequest(actor=a, request_id=r, assignee=V1),
    "offer": lambda a, r: c.OfferToVolunteers(actor=a, request_id=r, candidates=("v-1",)),
    "offer_matched": lambda a, r: c.OfferToVolunteers(actor=a, request_id=r),
    "claim": lambda a, r: c.ClaimRequest(actor=a, request_id=r),
    "decline": lambda a, r: c.DeclineOffer(actor=a, request_id=r),
    "start": lambda a, r: c.StartWork(actor=a, request_id=r),
    "resolve": lambda a, r: c.ResolveRequest(actor=a, request_id=r, text="done", hours=1),
    "rate": lambda a, r: c.RateRequest(actor=a, request_id=r, stars=5),
    "close": lambda a, r: c.CloseRequest(actor=a, request_id=r),
    "reopen": lambda a, r: c.ReopenRequest(actor=a, request_id=r, reason="again"),
    "cancel": lambda a, r: c.CancelRequest(actor=a, request_id=r, reason="moved"),
    "transfer": lambda a, r: c.TransferRequest(actor=a, request_id=r, to=V2, reason="busy"),
    "transfer_response": lambda a, r: c.RespondToTransfer(actor=a, request_id=r, accept=True),
    "escalate": lambda a, r: c.EscalateRequest(actor=a, request_id=r, reason="late"),
    "acknowledge": lambda a, r: c.AcknowledgeEscalation(actor=a, request_id=r),
    "moderate": lambda a, r: c.ModerateRequest(actor=a, request_id=r, hidden=True, reason="abuse"),
    "round_table": lambda a, r: c.StartRoundTable(actor=a, request_id=r, topic="t", parties=PARTY),
    "meeting": lambda a, r: c.RecordMeeting(actor=a, request_id=r, held_at=NOW - timedelta(hours=1), notes="n"),
    "conclude": lambda a, r: c.ConcludeRoundTable(
        actor=a, request_id=r, outcome=RoundTableOutcome.RESOLVE, summary="s"
    ),
    "merge": lambda a, r: c.MergeRequests(actor=a, duplicate_id=r, original_id=OTHER_MISSING, reason="same"),
    "stale_accept": lambda a, r: c.AcceptRequest(actor=a, request_id=r, expected_version=99),
    "get": lambda a, r: c.GetRequest(actor=a, request_id=r),
    "duplicates": lambda a, r: c.SuggestDuplicates(actor=a, request_id=r),
}


def _staged(app: RequestsApp, state: str) -> Request:
    """A request of RESIDENT's in ``state``."""
    if state == "submitted":
        return submit(app)
    if state == "accepted":
        return accepted(app)
    if state == "offered":
        request = accepted(app)
        done: Request = app.handle(c.OfferToVolunteers(actor=DISPATCHER, request_id=request.id, candidates=("v-1",)))
        return done
    if state == "claimed":
        return claimed(app)
    if state == "resolved":
        return resolved(app)
    if state == "rated":
        request = resolved(app)
        return app.handle(c.RateRequest(actor=RESIDENT, request_id=request.id, stars=5))  # type: ignore[no-any-return]
    if state == "closed":
        request = resolved(app)
        return app.handle(c.CloseRequest(actor=DISPATCHER, request_id=request.id))  # type: ignore[no-any-return]
    if state == "rejected":
        request = submit(app)
        return app.handle(c.RejectRequest(actor=DISPATCHER, request_id=request.id, reason="spam"))  # type: ignore[no-any-return]
    if state == "cancelled":
        request = submit(app)
        return app.handle(c.CancelRequest(actor=RESIDENT, request_id=request.id, reason="x"))  # type: ignore[no-any-return]
    if state == "hidden":
        request = submit(app)
        return app.handle(  # type: ignore[no-any-return]
            c.ModerateRequest(actor=DISPATCHER, request_id=request.id, hidden=True, reason="abuse")
        )
    if state == "deliberating":
        request = accepted(app)
        return app.handle(  # type: ignore[no-any-return]
            c.StartRoundTable(actor=DISPATCHER, request_id=request.id, topic="t", parties=PARTY)
        )
    if state == "transferring":
        request = claimed(app)
        return app.handle(  # type: ignore[no-any-return]
            c.TransferRequest(actor=VOLUNTEER, request_id=request.id, to=V2, reason="busy")
        )
    raise AssertionError(state)


STATES = (
    "submitted",
    "accepted",
    "offered",
    "claimed",
    "resolved",
    "rated",
    "closed",
    "rejected",
    "cancelled",
    "hidden",
    "deliberating",
    "transferring",
)


def _refusal(app: RequestsApp, command: Command) -> LinliError:
    with pytest.raises(LinliError) as caught:
        app.handle(command)
    return caught.value


def _answer(error: LinliError, request_id: str) -> tuple[str, str]:
    return type(error).status_name, str(error).replace(request_id, "<id>")


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("outsider", [FOREIGN_DISPATCHER, NEIGHBOUR, ANONYMOUS], ids=["foreign", "neighbour", "anon"])
def test_an_outsider_cannot_tell_a_request_from_a_missing_id(app: RequestsApp, state: str, outsider: Actor) -> None:
    request = _staged(app, state)
    for name, build in COMMANDS.items():
        missing = _refusal(app, build(outsider, MISSING))
        existing = _refusal(app, build(outsider, request.id))
        assert _answer(existing, request.id) == _answer(missing, MISSING), (name, state)
        expected = Unauthenticated if outsider is ANONYMOUS else NotFound
        assert isinstance(existing, expected), (name, state, existing)


@pytest.mark.parametrize("state", ["rejected", "hidden"])
def test_a_private_request_cannot_be_followed_by_an_outsider(app: RequestsApp, state: str) -> None:
    request = _staged(app, state)
    for outsider in (FOREIGN_DISPATCHER, NEIGHBOUR):
        missing = _refusal(app, c.FollowRequest(actor=outsider, request_id=MISSING))
        existing = _refusal(app, c.FollowRequest(actor=outsider, request_id=request.id))
        assert isinstance(existing, NotFound)
        assert _answer(existing, request.id) == _answer(missing, MISSING)


def test_anyone_signed_in_follows_a_public_request(app: RequestsApp) -> None:
    request = submit(app)
    assert app.handle(c.FollowRequest(actor=FOREIGN_DISPATCHER, request_id=request.id)) == (True, 1)
    assert app.handle(c.FollowRequest(actor=NEIGHBOUR, request_id=request.id)) == (True, 2)
    with pytest.raises(Unauthenticated):
        app.handle(c.FollowRequest(actor=ANONYMOUS, request_id=request.id))


def test_a_caller_who_sees_but_may_not_act_is_refused_before_the_status(app: RequestsApp) -> None:
    closed = _staged(app, "closed")
    # the requester sees it; accepting is staff work in any status: PERMISSION_DENIED, not
    # "cannot accept a request that is closed"
    with pytest.raises(PermissionDenied, match="may not accept request"):
        app.handle(c.AcceptRequest(actor=RESIDENT, request_id=closed.id))
    # a follower sees the public view and holds no capacity either
    public = submit(app)
    app.handle(c.FollowRequest(actor=NEIGHBOUR, request_id=public.id))
    with pytest.raises(PermissionDenied):
        app.handle(c.CancelRequest(actor=NEIGHBOUR, request_id=public.id, reason="x"))
    # with a capacity the status decides
    with pytest.raises(FailedPrecondition, match="cannot cancel a request that is closed"):
        app.handle(c.CancelRequest(actor=RESIDENT, request_id=closed.id, reason="x"))
    assert closed.status is Status.CLOSED


def test_a_volunteer_holding_an_offer_may_know_the_request(app: RequestsApp) -> None:
    offered = _staged(app, "offered")
    done = app.handle(c.ClaimRequest(actor=VOLUNTEER, request_id=offered.id))
    assert done.status is Status.CLAIMED


def test_a_volunteer_whose_offer_ended_hears_why_not_that_it_is_missing(app: RequestsApp) -> None:
    offered = _staged(app, "offered")
    app.handle(c.DeclineOffer(actor=VOLUNTEER, request_id=offered.id))
    with pytest.raises((PermissionDenied, FailedPrecondition)):
        app.handle(c.ClaimRequest(actor=VOLUNTEER, request_id=offered.id))
