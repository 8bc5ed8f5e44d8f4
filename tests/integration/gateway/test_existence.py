"""Neither the existence nor the state of a private request leaks through errors.

For every command route on a request (and reading it), a caller who may not know of the
request (a resident of the same city, another community's dispatcher) gets exactly the answer
of a missing id, whatever the request's state: the same status and the same problem body except
`instance`, `request_id` and the id itself; an anonymous caller gets the same 401 for both.
The same holds over gRPC, calling the requests service directly with signed callers.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import grpc
import pytest
import requests

from linli.v1 import requests_pb2, requests_pb2_grpc
from tests.integration.gateway import test_access_matrix as matrix
from tests.integration.gateway.conftest import Platform
from tests.integration.gateway.test_access_matrix import Context
from tests.integration.gateway.test_api_journeys import PROBLEM, Caller, sign_up
from tests.support.identity import anonymous, who

pytestmark = pytest.mark.integration

world = matrix.world
volunteer_id = matrix.volunteer_id
ctx = matrix.ctx

MISSING = "req_0000000000000000000000"
OUTSIDERS = ("other_resident", "dispatcher_b", "anonymous")
#: States the matrix stages, and the ones this module adds.
STATES = (
    "submitted",
    "accepted",
    "offered",
    "claimed",
    "started",
    "resolved",
    "escalated",
    "round_table",
    "transferring",
    "closed",
    "rejected",
    "cancelled",
    "hidden",
)
PRIVATE_STATES = frozenset({"rejected", "hidden"})
#: What the service answers whoever may not know: never these (they would tell it exists).
TELLING = frozenset(
    {
        grpc.StatusCode.OK,
        grpc.StatusCode.FAILED_PRECONDITION,
        grpc.StatusCode.PERMISSION_DENIED,
        grpc.StatusCode.ABORTED,
    }
)


def _stage_more(ctx: Context, state: str) -> str:
    w = ctx.world
    if state == "closed":
        request_id = ctx.staged("resolved")
        ctx.spent("resolved")
        done = w.dispatcher_a.post(f"/requests/{request_id}/close", {})
    else:
        request_id = ctx.fresh_request()
        action, caller, body = {
            "rejected": ("reject", w.dispatcher_a, {"reason": "spam"}),
            "cancelled": ("cancel", w.resident, {"reason": "moved"}),
            "hidden": ("moderate", w.dispatcher_a, {"visibility": "hide", "reason": "abuse"}),
        }[state]
        done = caller.post(f"/requests/{request_id}/{action}", body)
    assert done.status_code == 200, f"staging {state}: {done.text}"
    return request_id


@pytest.fixture(scope="module")
def staged(ctx: Context) -> dict[str, str]:
    """One request of the resident's in each state; nobody below changes them."""
    found: dict[str, str] = {}
    for state in STATES:
        found[state] = (
            _stage_more(ctx, state) if state in ("closed", "rejected", "cancelled", "hidden") else ctx.staged(state)
        )
        ctx.spent(state)  # the matrix must not hand these out again
    return found


def _request_rows() -> list[matrix.Row]:
    rows = [row for row in matrix.MATRIX if row.route.startswith("/requests/{request_id}")]
    assert len(rows) >= 20, [row.route for row in rows]
    return rows


def _call(caller: Caller, row: matrix.Row, ctx: Context, request_id: str) -> requests.Response:
    path = row.route.replace("{request_id}", request_id)
    body = row.body(ctx) if callable(row.body) else row.body
    if row.method == "GET":
        return caller.get(path)
    return caller.post(path, body or {})


def _comparable(response: requests.Response, request_id: str) -> tuple[int, dict[str, Any]]:
    assert response.headers["Content-Type"].startswith(PROBLEM), (response.status_code, response.text[:300])
    body: dict[str, Any] = response.json()
    body.pop("instance", None)
    body.pop("request_id", None)
    text = json.dumps(body, sort_keys=True).replace(request_id, "<id>")
    return response.status_code, json.loads(text)


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("outsider", OUTSIDERS)
def test_a_request_is_as_unknown_as_a_missing_id_through_the_api(
    ctx: Context, staged: dict[str, str], state: str, outsider: str
) -> None:
    caller: Caller = getattr(ctx.world, outsider)
    request_id = staged[state]
    for row in _request_rows():
        if row.route.endswith("/follow") and state not in PRIVATE_STATES and outsider != "anonymous":
            continue  # a public request may be followed by anyone signed in
        existing = _call(caller, row, ctx, request_id)
        missing = _call(caller, row, ctx, MISSING)
        where = f"{row.method} {row.route} as {outsider} in {state}"
        assert _comparable(existing, request_id) == _comparable(missing, MISSING), where
        assert existing.status_code == (401 if outsider == "anonymous" else 404), (where, existing.text[:300])


@pytest.mark.parametrize("state", sorted(PRIVATE_STATES))
def test_a_private_request_cannot_be_followed_by_an_outsider(ctx: Context, staged: dict[str, str], state: str) -> None:
    for outsider in ("other_resident", "dispatcher_b"):
        caller: Caller = getattr(ctx.world, outsider)
        response = caller.post(f"/requests/{staged[state]}/follow", {})
        assert response.status_code == 404, response.text


def test_a_public_request_is_followed_by_anyone_signed_in(ctx: Context, staged: dict[str, str]) -> None:
    response = ctx.world.dispatcher_b.post(f"/requests/{staged['accepted']}/follow", {})
    assert response.status_code == 200, response.text
    assert response.json()["following"] is True


# -- the same over gRPC, with the service's own answers ------------------------------------------------
def _request_rpcs() -> list[tuple[str, type[Any]]]:
    """Every RPC of RequestService that names one request (request_id or duplicate_id), but the
    public view (open to anyone by design)."""
    service = requests_pb2.DESCRIPTOR.services_by_name["RequestService"]
    found = []
    for method in service.methods:
        fields = method.input_type.fields_by_name
        if method.name in ("GetPublicRequest", "SubmitRequest") or not ({"request_id", "duplicate_id"} & set(fields)):
            continue
        found.append((method.name, getattr(requests_pb2, method.input_type.name)))
    assert len(found) >= 20, found
    return found


def _message(kind: type[Any], request_id: str) -> Any:
    message = kind()
    fields = kind.DESCRIPTOR.fields_by_name
    if "duplicate_id" in fields:
        message.duplicate_id = request_id
        message.original_id = MISSING.replace("0", "1")
    else:
        message.request_id = request_id
    for name in ("reason", "result_text", "notes", "summary", "topic"):
        if name in fields:
            setattr(message, name, "x")
    return message


@pytest.fixture(scope="module")
def stub(gateway: Platform) -> Iterator[requests_pb2_grpc.RequestServiceStub]:
    channel = grpc.insecure_channel(gateway.requests.address)
    yield requests_pb2_grpc.RequestServiceStub(channel)
    channel.close()


def _grpc_answer(stub: requests_pb2_grpc.RequestServiceStub, rpc: str, message: Any, metadata: Any) -> tuple[Any, str]:
    call = getattr(stub, rpc)
    try:
        result = call(message, metadata=metadata, timeout=10)
        if rpc == "ExportLedgerCsv":
            list(result)
    except grpc.RpcError as error:
        return error.code(), error.details() or ""
    return grpc.StatusCode.OK, ""


@pytest.mark.parametrize("state", STATES)
def test_a_request_is_as_unknown_as_a_missing_id_over_grpc(
    ctx: Context, staged: dict[str, str], stub: requests_pb2_grpc.RequestServiceStub, state: str
) -> None:
    request_id = staged[state]
    callers = {
        "resident": who(f"grpc-outsider-{state}", "resident"),
        "dispatcher_b": who(f"grpc-dispatcher-{state}", f"dispatcher@{ctx.world.community_b}"),
        "anonymous": anonymous(),
    }
    for rpc, kind in _request_rpcs():
        for name, metadata in callers.items():
            if rpc == "FollowRequest" and state not in PRIVATE_STATES and name != "anonymous":
                continue
            code, details = _grpc_answer(stub, rpc, _message(kind, request_id), metadata)
            missing_code, missing_details = _grpc_answer(stub, rpc, _message(kind, MISSING), metadata)
            where = f"{rpc} as {name} in {state}"
            assert (code, details.replace(request_id, "<id>")) == (
                missing_code,
                missing_details.replace(MISSING, "<id>"),
            ), where
            assert code not in TELLING, (where, code, details)


# -- matching needs a role that dispatches or volunteers ------------------------------------------------
def test_matches_need_a_dispatching_or_volunteering_role(ctx: Context) -> None:
    w = ctx.world
    body = {"location": w.point_a}
    assert w.anonymous.post("/matches", body).status_code == 401
    stranger = sign_up(w.url, "stranger")
    refused = stranger.post("/matches", body)
    assert refused.status_code == 403 and refused.headers["Content-Type"].startswith(PROBLEM), refused.text
    for caller in (w.dispatcher_a, w.operator):
        answered = caller.post("/matches", body)
        assert answered.status_code == 200, answered.text


def test_the_leaderboard_period_defaults_to_the_month(ctx: Context) -> None:
    response = ctx.world.anonymous.get("/leaderboard", params={"community": ctx.world.community_a})
    assert response.status_code == 200, response.text
    assert response.json()["period"] == "month"
