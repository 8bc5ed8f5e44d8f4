"""`/api/v1` routes of the requests service: the ledger, its lifecycle actions, duplicates,
moderation, statistics, the public board, the CSV export and visit plans.

Residents submit (`POST /requests`, anonymous with `X-Client-Token`), follow, rate, reopen and
cancel; dispatchers and grid workers accept, reject, dispatch, offer, transfer, escalate, merge
and moderate; volunteers claim, decline, start and resolve; liaisons acknowledge escalations.
Every action is `POST /requests/{id}/<action>` with `If-Match: "v<version>"` (optional; a
stale version is 412) and answers the request with its new `ETag`. Who may do what, and who
sees which fields, is the requests service's decision (its state machine and privacy rules);
the gateway passes the signed-in person.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from apiflask import APIBlueprint
from flask import Response, stream_with_context
from marshmallow import fields, validate

from linli.common.errors import PermissionDenied, Unauthenticated
from linli.gateway import clients as gw_clients
from linli.gateway.api import schemas as s
from linli.gateway.api.support import ERRORS_READ, current_person, unary
from linli.v1 import requests_pb2 as rq

bp = APIBlueprint("api_requests", __name__, tag="Requests")

_STATUS = rq.RequestStatus.DESCRIPTOR
_KEEP_OUT = ("request_id", "expected_version")


def _request_location(result: Any) -> str:
    return f"/requests/{result.request.id}"


# --- the ledger ----------------------------------------------------------------------------

unary(
    bp,
    "POST",
    "/requests",
    name="submit_request",
    summary="Submit a request (anonymous callers give X-Client-Token with Idempotency-Key)",
    service="requests",
    rpc="SubmitRequest",
    request_type=rq.SubmitRequestRequest,
    response_type=rq.SubmitRequestResponse,
    body=s.body_schema(
        rq.SubmitRequestRequest,
        "SubmitRequestBody",
        exclude=("idempotency_key", "client_token"),
        required=("category", "title"),
    ),
    status=201,
    idempotency_field="idempotency_key",
    client_token_field="client_token",
    location=_request_location,
    etag=lambda r: int(r.request.version),
)

ListRequestsQuery = s.query_schema(
    "ListRequestsQuery",
    {
        "statuses": s.ENUMS(_STATUS, "Status filter (repeatable)", data_key="status"),
        "categories": s.IDS("Category codes (repeatable)", data_key="category"),
        "community_id": s.ID("Community id", data_key="community"),
        "grid_id": s.ID("Grid id", data_key="grid"),
        "street_id": s.ID("Street office id", data_key="street"),
        "scope_id": s.ID("Any organisation: requests placed in its subtree", data_key="scope"),
        "handler_id": s.ID("Current handler's id", data_key="handler"),
        "submitted_from": s.WHEN("Submitted at or after (RFC 3339)"),
        "submitted_to": s.WHEN("Submitted before (RFC 3339)"),
        "breached_only": fields.Boolean(data_key="breached", metadata={"description": "Only breached requests"}),
        "escalated_only": fields.Boolean(data_key="escalated", metadata={"description": "Only escalated requests"}),
    },
)

unary(
    bp,
    "GET",
    "/requests",
    name="list_requests",
    summary="The ledger: requests the caller may see, newest first",
    service="requests",
    rpc="ListRequests",
    request_type=rq.ListRequestsRequest,
    response_type=rq.ListRequestsResponse,
    query=ListRequestsQuery,
)

unary(
    bp,
    "GET",
    "/requests/<request_id>",
    name="get_request",
    summary="One request (ETag: its version); personal data only for callers allowed to see it",
    service="requests",
    rpc="GetRequest",
    request_type=rq.GetRequestRequest,
    response_type=rq.Request,
)

# --- lifecycle actions: POST /requests/{id}/<action> with If-Match --------------------------

_ACTIONS: list[tuple[str, str, type[Any], str, tuple[str, ...]]] = [
    ("accept", "AcceptRequest", rq.AcceptRequestRequest, "Accept into the ledger (optionally reclassify)", ()),
    ("reject", "RejectRequest", rq.RejectRequestRequest, "Reject with a reason", ("reason",)),
    ("dispatch", "DispatchRequest", rq.DispatchRequestRequest, "Dispatch to a handler", ("assignee",)),
    ("offer", "OfferToVolunteers", rq.OfferToVolunteersRequest, "Offer to volunteers (matched when none named)", ()),
    ("claim", "ClaimRequest", rq.ClaimRequestRequest, "Claim an offer (volunteer) or take the order (handler)", ()),
    ("decline", "DeclineOffer", rq.DeclineOfferRequest, "Decline an offer", ()),
    ("start", "StartWork", rq.StartWorkRequest, "Start work", ()),
    ("resolve", "ResolveRequest", rq.ResolveRequestRequest, "Record the result, photos and hours", ("result_text",)),
    ("rate", "RateRequest", rq.RateRequestRequest, "Rate the result 1-5 (1-2 reopens)", ("stars",)),
    ("close", "CloseRequest", rq.CloseRequestRequest, "Close", ()),
    ("reopen", "ReopenRequest", rq.ReopenRequestRequest, "Reopen with a reason", ("reason",)),
    ("cancel", "CancelRequest", rq.CancelRequestRequest, "Withdraw (requester)", ()),
    ("transfer", "TransferRequest", rq.TransferRequestRequest, "Ask another handler to take over", ("to", "reason")),
    (
        "transfer-response",
        "RespondToTransfer",
        rq.RespondToTransferRequest,
        "Accept or refuse a pending transfer",
        ("accept",),
    ),
    ("escalate", "EscalateRequest", rq.EscalateRequestRequest, "Blow the whistle: escalate", ("reason",)),
    ("acknowledge", "AcknowledgeEscalation", rq.AcknowledgeEscalationRequest, "Acknowledge an escalation", ()),
    ("moderate", "ModerateRequest", rq.ModerateRequestRequest, "Hide, show, redact or approve for publication", ()),
    ("round-table", "StartRoundTable", rq.StartRoundTableRequest, "Turn into a round-table", ("parties",)),
    ("round-table/meetings", "RecordMeeting", rq.RecordMeetingRequest, "Record a round-table meeting", ("notes",)),
]


def _camel(slug: str) -> str:
    return "".join(part.capitalize() for part in slug.replace("/", "-").split("-"))


for _slug, _rpc, _type, _summary, _required in _ACTIONS:
    unary(
        bp,
        "POST",
        f"/requests/<request_id>/{_slug}",
        name=f"request_{_slug.replace('-', '_').replace('/', '_')}",
        summary=_summary,
        service="requests",
        rpc=_rpc,
        request_type=_type,
        response_type=rq.Request,
        body=s.body_schema(_type, f"{_camel(_slug)}Body", exclude=_KEEP_OUT, required=_required),
        version_field="expected_version",
    )

unary(
    bp,
    "POST",
    "/requests/<request_id>/round-table/conclude",
    name="request_round_table_conclude",
    summary="Conclude a round-table: resolve with the summary, or split into new requests",
    service="requests",
    rpc="ConcludeRoundTable",
    request_type=rq.ConcludeRoundTableRequest,
    response_type=rq.ConcludeRoundTableResponse,
    body=s.body_schema(
        rq.ConcludeRoundTableRequest, "ConcludeRoundTableBody", exclude=_KEEP_OUT, required=("outcome", "summary")
    ),
    version_field="expected_version",
    etag=lambda r: int(r.request.version),
)

unary(
    bp,
    "POST",
    "/requests/<request_id>/merge",
    name="request_merge",
    summary="Merge this request (the duplicate; If-Match: its version) into original_id",
    service="requests",
    rpc="MergeRequest",
    request_type=rq.MergeRequestRequest,
    response_type=rq.MergeRequestResponse,
    path={"request_id": "duplicate_id"},
    body=s.body_schema(
        rq.MergeRequestRequest,
        "MergeRequestBody",
        exclude=("duplicate_id", "expected_version"),
        required=("original_id",),
    ),
    version_field="expected_version",
    etag=lambda r: int(r.duplicate.version),
)

unary(
    bp,
    "POST",
    "/requests/<request_id>/follow",
    name="request_follow",
    summary="Follow (or with unfollow: stop following) a request",
    service="requests",
    rpc="FollowRequest",
    request_type=rq.FollowRequestRequest,
    response_type=rq.FollowRequestResponse,
    body=s.body_schema(rq.FollowRequestRequest, "FollowRequestBody", exclude=_KEEP_OUT),
    version_field="expected_version",
)

# --- duplicates and moderation ------------------------------------------------------------

unary(
    bp,
    "GET",
    "/requests/<request_id>/duplicates",
    name="request_duplicates",
    summary="Likely duplicates of a request",
    service="requests",
    rpc="SuggestDuplicates",
    request_type=rq.SuggestDuplicatesRequest,
    response_type=rq.SuggestDuplicatesResponse,
    query=s.query_schema(
        "DuplicatesQuery", {"limit": fields.Integer(validate=validate.Range(min=1, max=20))}, paged=False
    ),
)

unary(
    bp,
    "POST",
    "/duplicates/suggest",
    name="suggest_duplicates",
    summary="Likely duplicates of a draft (before submitting)",
    service="requests",
    rpc="SuggestDuplicates",
    request_type=rq.SuggestDuplicatesRequest,
    response_type=rq.SuggestDuplicatesResponse,
    body=s.body_schema(rq.SuggestDuplicatesRequest, "SuggestDuplicatesBody", exclude=("request_id",)),
)

unary(
    bp,
    "GET",
    "/moderation/pending",
    name="list_pending_publications",
    summary="The moderation queue of the caller's scope, oldest first",
    service="requests",
    rpc="ListPendingPublications",
    request_type=rq.ListPendingPublicationsRequest,
    response_type=rq.ListPendingPublicationsResponse,
    query=s.query_schema("PendingPublicationsQuery", {"scope_id": s.ID("An organisation id")}),
)

# --- statistics, board, export --------------------------------------------------------------

DEFAULT_PERIOD_DAYS = 30


def _period(data: dict[str, Any]) -> dict[str, Any]:
    """A missing period is the last DEFAULT_PERIOD_DAYS days up to now (a missing start: the
    DEFAULT_PERIOD_DAYS days before the end)."""
    end = data.get("period_end") or dt.datetime.now(dt.UTC)
    data["period_end"] = end
    data.setdefault("period_start", None)
    if data["period_start"] is None:
        data["period_start"] = end - dt.timedelta(days=DEFAULT_PERIOD_DAYS)
    return data


_PERIOD: dict[str, Any] = {
    "scope_id": s.ID("An organisation id (empty: the city, operators)"),
    "period_start": s.WHEN("Submitted at or after (RFC 3339; default: 30 days before the end)"),
    "period_end": s.WHEN("Submitted before (RFC 3339; default: now)"),
}

unary(
    bp,
    "GET",
    "/statistics",
    name="get_statistics",
    summary="Statistics of a scope and period, grouped by dimensions",
    service="requests",
    rpc="GetStatistics",
    request_type=rq.GetStatisticsRequest,
    response_type=rq.Statistics,
    build=_period,
    query=s.query_schema(
        "StatisticsQuery",
        {
            **_PERIOD,
            "group_by": s.ENUMS(rq.StatisticsDimension.DESCRIPTOR, "Dimensions (repeatable)"),
            "granularity": s.ENUM(rq.PeriodGranularity.DESCRIPTOR, "Period size for group_by=period"),
            "categories": s.IDS("Category codes (repeatable)", data_key="category"),
        },
        paged=False,
    ),
)

unary(
    bp,
    "GET",
    "/board",
    name="get_public_board",
    summary="The public results board (open to anyone, no personal data)",
    service="requests",
    rpc="GetPublicBoard",
    request_type=rq.GetPublicBoardRequest,
    response_type=rq.PublicBoard,
    build=_period,
    query=s.query_schema(
        "PublicBoardQuery",
        {**_PERIOD, "recent_limit": fields.Integer(validate=validate.Range(min=1, max=100))},
        paged=False,
    ),
)

ExportQuery = s.query_schema(
    "ExportQuery",
    {**_PERIOD, "include_personal_data": fields.Boolean(metadata={"description": "Dispatchers/admins of the scope"})},
    paged=False,
)


@bp.get("/exports/ledger.csv")
@bp.input(ExportQuery, location="query")
@bp.doc(
    summary="The ledger of a scope and period as CSV (UTF-8 with BOM), streamed",
    operation_id="export_ledger_csv",
    responses={  # type: ignore[arg-type]
        200: {"description": "CSV", "content": {"text/csv": {"schema": {"type": "string"}}}},
        **ERRORS_READ,
    },
)
def export_ledger_csv(query_data: dict[str, Any]) -> Response:
    person = current_person()
    message = s.from_json(_period(dict(query_data)), rq.ExportLedgerCsvRequest)
    stub = gw_clients.current().requests
    chunks = gw_clients.stream(stub.ExportLedgerCsv, message, person=person, timeout=120.0)
    # Read the first chunk before answering, so a refusal is a problem document, not a broken CSV.
    try:
        first: Any = next(chunks)
    except StopIteration:
        first = None
    except Exception as error:  # the kit error raised by clients.stream
        _reraise_for_anonymous(error, person)
        raise

    def body() -> Iterator[bytes]:
        try:
            if first is not None:
                yield bytes(first.data)
            for chunk in chunks:
                yield bytes(chunk.data)
        finally:
            chunks.close()  # type: ignore[attr-defined]

    return Response(
        stream_with_context(body()),
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="ledger.csv"', "Cache-Control": "no-store"},
    )


def _reraise_for_anonymous(error: Exception, person: Any) -> None:
    if person is None and isinstance(error, PermissionDenied):
        raise Unauthenticated(f"sign in: {error.message}") from None


# --- visit plans ----------------------------------------------------------------------------

unary(
    bp,
    "POST",
    "/visit-plans",
    name="schedule_visits",
    summary="Create a recurring care-visit plan",
    service="requests",
    rpc="ScheduleVisits",
    request_type=rq.ScheduleVisitsRequest,
    response_type=rq.VisitPlan,
    body=s.body_schema(rq.ScheduleVisitsRequest, "ScheduleVisitsBody", required=("resident_group",)),
    status=201,
    idempotency_field="idempotency_key",
    location=lambda plan: f"/visit-plans/{plan.id}",
)

unary(
    bp,
    "GET",
    "/visit-plans",
    name="list_visit_plans",
    summary="Visit plans of a scope",
    service="requests",
    rpc="ListVisitPlans",
    request_type=rq.ListVisitPlansRequest,
    response_type=rq.ListVisitPlansResponse,
    query=s.query_schema(
        "VisitPlansQuery",
        {
            "scope_id": s.ID("An organisation id"),
            "resident_group": s.ENUM(rq.ResidentGroup.DESCRIPTOR),
            "resident_person_id": s.ID(),
            "include_stopped": fields.Boolean(),
        },
    ),
)

unary(
    bp,
    "POST",
    "/visit-plans/<plan_id>/stop",
    name="stop_visit_plan",
    summary="Stop a visit plan",
    service="requests",
    rpc="StopVisitPlan",
    request_type=rq.StopVisitPlanRequest,
    response_type=rq.VisitPlan,
    body=s.body_schema(
        rq.StopVisitPlanRequest, "StopVisitPlanBody", exclude=("plan_id", "expected_version"), required=("reason",)
    ),
    version_field="expected_version",
)
