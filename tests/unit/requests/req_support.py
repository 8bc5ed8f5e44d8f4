"""Shared builders for the requests unit tests: callers in every capacity, requests driven
into every status through the real domain functions, and one way to perform each action."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from linli.common.identity import Identity
from linli.requests.domain import deadlines, dispatch, duplicates, lifecycle, moderation, roundtable
from linli.requests.domain.model import (
    Address,
    Assignee,
    AssigneeKind,
    Attachment,
    AttachmentKind,
    Contact,
    GeoPoint,
    PartyKind,
    Place,
    Request,
    Requester,
    RoundTableOutcome,
    RoundTableParty,
    Status,
)
from linli.requests.domain.roundtable import SplitPart
from linli.requests.domain.state_machine import (
    SYSTEM_CALLER,
    TRANSITIONS,
    Action,
    Caller,
    Capacity,
    begin,
)

NOW = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
PLACE = Place(grid_id="g1", community_id="c1", street_id="s1", org_path=("d1", "s1", "c1"))
OTHER_PLACE = Place(grid_id="g9", community_id="c9", street_id="s9", org_path=("d1", "s9", "c9"))
POINT = GeoPoint(28.6601, 121.4201)


def person(subject: str, *roles: str, acts_for: tuple[str, ...] = ()) -> Caller:
    return Caller.of(Identity.of(subject, list(roles)), acts_for)


RESIDENT = person("p-resident", "resident")
OTHER_RESIDENT = person("p-other", "resident")
VOL1 = person("p-vol1", "volunteer", acts_for=("v-1",))
VOL2 = person("p-vol2", "volunteer", acts_for=("v-2",))
VOL3 = person("p-vol3", "volunteer", acts_for=("v-3",))
GRID = person("p-grid", "grid_worker@c1")
DISPATCHER = person("p-disp", "dispatcher@c1")
STREET_DISPATCHER = person("p-street", "dispatcher@s1")
DISTRICT_DISPATCHER = person("p-district", "dispatcher@d1")
CITY_DISPATCHER = person("p-city", "dispatcher")
FOREIGN_DISPATCHER = person("p-foreign", "dispatcher@c9")
ADMIN = person("p-admin", "admin@s1")
OPERATOR = person("p-op", "operator")
URBAN_LIAISON = person("p-urban", "liaison@org-urban")
HOUSING_LIAISON = person("p-housing", "liaison@JJ-HOUSING")
ANONYMOUS = Caller(identity=Identity())

#: The caller used for each capacity (the request builders below make them fit).
CALLER_FOR: dict[Capacity, Caller] = {
    Capacity.REQUESTER: RESIDENT,
    Capacity.VOLUNTEER: VOL1,
    Capacity.HANDLER: VOL1,
    Capacity.TRANSFER_RECEIVER: URBAN_LIAISON,
    Capacity.LIAISON: HOUSING_LIAISON,
    Capacity.GRID_WORKER: GRID,
    Capacity.DISPATCHER: DISPATCHER,
    Capacity.ADMIN: ADMIN,
    Capacity.OPERATOR: OPERATOR,
    Capacity.SYSTEM: SYSTEM_CALLER,
}
#: Callers tried against every rule in the permission tests.
PROBES: dict[str, Caller] = {
    "resident": RESIDENT,
    "other_resident": OTHER_RESIDENT,
    "volunteer1": VOL1,
    "volunteer3": VOL3,
    "grid_worker": GRID,
    "dispatcher": DISPATCHER,
    "foreign_dispatcher": FOREIGN_DISPATCHER,
    "admin": ADMIN,
    "operator": OPERATOR,
    "urban_liaison": URBAN_LIAISON,
    "housing_liaison": HOUSING_LIAISON,
    "system": SYSTEM_CALLER,
    "anonymous": ANONYMOUS,
}

VOLUNTEER_1 = Assignee(kind=AssigneeKind.VOLUNTEER, id="v-1")
URBAN = Assignee(kind=AssigneeKind.DEPARTMENT, id="org-urban", name="Urban management")

_ids = itertools.count(1)


def next_id(prefix: str = "req") -> str:
    return f"{prefix}_{next(_ids):05d}"


def status_of(request: Request) -> Status:
    """The current status (a call, so mypy does not keep an earlier narrowing)."""
    return request.status


def submission(**overrides: object) -> lifecycle.Submission:
    values: dict[str, object] = {
        "category": "repairs",
        "title": "楼道灯坏了 corridor light broken",
        "description": "3号楼2单元楼道灯不亮, 请联系 13812345678",
        "address": Address(text="东山社区3号楼2单元301", point=POINT),
        "point": POINT,
        "requester": Requester(person_id="p-resident"),
        "attachments": (Attachment(id="a1", url="https://files.example/a1.jpg", kind=AttachmentKind.PHOTO),),
    }
    values.update(overrides)
    return lifecycle.Submission(**values)  # type: ignore[arg-type]


def submitted(now: datetime = NOW, place: Place = PLACE, **overrides: object) -> Request:
    return lifecycle.submit(submission(**overrides), request_id=next_id(), place=place, caller=RESIDENT, now=now)


def accepted(now: datetime = NOW) -> Request:
    request = submitted(now)
    lifecycle.accept(request, DISPATCHER, now=now)
    return request


def offered(now: datetime = NOW) -> Request:
    request = accepted(now)
    dispatch.offer_to_volunteers(
        request, DISPATCHER, candidates=["v-1", "v-2", "v-3", "v-4"], batch_size=2, ttl=timedelta(minutes=30), now=now
    )
    return request


def dispatched(now: datetime = NOW) -> Request:
    request = accepted(now)
    dispatch.dispatch(request, DISPATCHER, assignee=VOLUNTEER_1, now=now)
    return request


def claimed(now: datetime = NOW) -> Request:
    request = dispatched(now)
    dispatch.claim(request, VOL1, now=now)
    return request


def in_progress(now: datetime = NOW) -> Request:
    request = claimed(now)
    lifecycle.start_work(request, VOL1, now=now)
    return request


def resolved(now: datetime = NOW) -> Request:
    request = in_progress(now)
    lifecycle.resolve(
        request,
        VOL1,
        text="换了新灯泡 replaced the bulb",
        photos=[Attachment(id="r1", url="https://files.example/r1.jpg")],
        hours=1.5,
        now=now + timedelta(hours=2),
    )
    return request


def rated(now: datetime = NOW) -> Request:
    request = resolved(now)
    lifecycle.rate(request, RESIDENT, stars=5, comment="thanks", now=now + timedelta(hours=3))
    return request


def closed(now: datetime = NOW) -> Request:
    request = rated(now)
    lifecycle.close(request, RESIDENT, now=now + timedelta(hours=4))
    return request


def reopened(now: datetime = NOW) -> Request:
    request = resolved(now)
    lifecycle.reopen(request, RESIDENT, reason="still dark", now=now + timedelta(hours=3))
    return request


def rejected(now: datetime = NOW) -> Request:
    request = submitted(now)
    lifecycle.reject(request, DISPATCHER, reason="not a public matter", now=now)
    return request


def cancelled(now: datetime = NOW) -> Request:
    request = submitted(now)
    lifecycle.cancel(request, RESIDENT, reason="fixed it myself", now=now)
    return request


def deliberating(now: datetime = NOW) -> Request:
    request = accepted(now)
    roundtable.start_round_table(
        request,
        DISPATCHER,
        topic="parking spaces",
        parties=[RoundTableParty(kind=PartyKind.ORGANIZATION, id="org-pm", name="物业")],
        now=now,
    )
    return request


def merged(now: datetime = NOW) -> Request:
    original = accepted(now)
    request = submitted(now)
    duplicates.merge(request, original, DISPATCHER, reason="same light", now=now)
    return request


BUILDERS: dict[Status, Callable[[], Request]] = {
    Status.SUBMITTED: submitted,
    Status.ACCEPTED: accepted,
    Status.REJECTED: rejected,
    Status.DISPATCHED: dispatched,
    Status.OFFERED: offered,
    Status.CLAIMED: claimed,
    Status.IN_PROGRESS: in_progress,
    Status.RESOLVED: resolved,
    Status.RATED: rated,
    Status.CLOSED: closed,
    Status.REOPENED: reopened,
    Status.CANCELLED: cancelled,
    Status.DELIBERATING: deliberating,
    Status.MERGED: merged,
}

#: A moment after every deadline and offer of the builders above.
LATER = NOW + timedelta(days=30)
#: Actions the domain only takes as the system inside its own functions (no caller argument).
SYSTEM_ONLY = frozenset({Action.MARK_BREACH, Action.EXPIRE_OFFERS, Action.EXHAUST_OFFERS})


def prepare(action: Action, request: Request) -> None:
    """Sets up what an action needs besides the status (a pending transfer, an open
    escalation), when the status allows setting it up."""
    status = request.status
    if action in (Action.ACCEPT_TRANSFER, Action.REFUSE_TRANSFER) and (status, Action.TRANSFER) in TRANSITIONS:
        lifecycle.transfer(request, DISPATCHER, to=URBAN, reason="needs the bureau", now=NOW)
    if action is Action.ACKNOWLEDGE_ESCALATION and (status, Action.ESCALATE) in TRANSITIONS:
        deadlines.escalate(request, DISPATCHER, reason="whistle", now=NOW)


def act(action: Action, request: Request, caller: Caller) -> None:
    """Performs ``action`` on ``request`` as ``caller`` with valid input, through the real
    domain function (system-only steps: the real function for the system, else ``begin``)."""
    if action in SYSTEM_ONLY and caller is not SYSTEM_CALLER:
        begin(request, action, caller)
        return
    now = NOW + timedelta(hours=6)
    match action:
        case Action.ACCEPT:
            lifecycle.accept(request, caller, now=now)
        case Action.REJECT:
            lifecycle.reject(request, caller, reason="duplicate of a phone call", now=now)
        case Action.DISPATCH:
            dispatch.dispatch(request, caller, assignee=VOLUNTEER_1, now=now)
        case Action.OFFER:
            dispatch.offer_to_volunteers(request, caller, candidates=["v-1", "v-2", "v-3"], now=now)
        case Action.CLAIM:
            dispatch.claim(request, caller, now=NOW + timedelta(minutes=5))
        case Action.DECLINE_OFFER:
            dispatch.decline_offer(request, caller, reason="busy", now=NOW + timedelta(minutes=5))
        case Action.EXPIRE_OFFERS:
            if not dispatch.expire_offers(request, LATER):
                begin(request, action, caller)
        case Action.EXHAUST_OFFERS:
            if request.status is not Status.OFFERED:
                begin(request, action, caller)
            step = 0
            while request.status is Status.OFFERED:
                step += 1
                dispatch.expire_offers(request, LATER + timedelta(days=step))
        case Action.MARK_BREACH:
            if not deadlines.sweep(request, LATER):
                begin(request, action, caller)
        case Action.START_WORK:
            lifecycle.start_work(request, caller, now=now)
        case Action.RESOLVE:
            lifecycle.resolve(request, caller, text="done", now=now)
        case Action.RATE:
            lifecycle.rate(request, caller, stars=4, now=now)
        case Action.CLOSE:
            lifecycle.close(request, caller, now=now)
        case Action.REOPEN:
            lifecycle.reopen(request, caller, reason="it broke again", now=now)
        case Action.CANCEL:
            lifecycle.cancel(request, caller, reason="no longer needed", now=now)
        case Action.TRANSFER:
            lifecycle.transfer(request, caller, to=URBAN, reason="needs the bureau", now=now)
        case Action.ACCEPT_TRANSFER:
            lifecycle.respond_to_transfer(request, caller, accept=True, now=now)
        case Action.REFUSE_TRANSFER:
            lifecycle.respond_to_transfer(request, caller, accept=False, reason="not ours", now=now)
        case Action.ESCALATE:
            deadlines.escalate(request, caller, reason="the community cannot solve it", now=now)
        case Action.ACKNOWLEDGE_ESCALATION:
            deadlines.acknowledge(request, caller, note="on our way", now=now)
        case Action.START_ROUND_TABLE:
            roundtable.start_round_table(
                request, caller, topic="", parties=[RoundTableParty(kind=PartyKind.RESIDENT, name="楼长")], now=now
            )
        case Action.RECORD_MEETING:
            roundtable.record_meeting(request, caller, held_at=now, notes="agreed on a plan", now=now)
        case Action.CONCLUDE_RESOLVE:
            roundtable.conclude_round_table(
                request, caller, outcome=RoundTableOutcome.RESOLVE, summary="8 new spaces", now=now
            )
        case Action.CONCLUDE_SPLIT:
            roundtable.conclude_round_table(
                request,
                caller,
                outcome=RoundTableOutcome.SPLIT,
                summary="two pieces of work",
                parts=[SplitPart(category="parking", title="paint spaces"), SplitPart(category="other", title="sign")],
                new_ids=[next_id(), next_id()],
                now=now,
            )
        case Action.MERGE:
            duplicates.merge(request, accepted(), caller, reason="same issue", now=now)
        case Action.ABSORB_DUPLICATE:
            duplicates.merge(submitted(), request, caller, reason="same issue", now=now)
        case Action.MODERATE:
            moderation.moderate(request, caller, hidden=True, reason="private matter", now=now)
        case _:  # pragma: no cover - SUBMIT has no row
            raise AssertionError(action)


def anonymous_contact_submission() -> lifecycle.Submission:
    return submission(requester=Requester(contact=Contact(name="王阿姨", phone="0576-88123456")))
