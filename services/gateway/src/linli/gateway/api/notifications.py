"""`/api/v1` routes of the notifications service: the inbox (with a live Server-Sent Events
stream), preferences, agencies' webhook subscriptions, dead letters and the notification kinds.

`GET /inbox/stream` serves the notifications service's `StreamInbox` server stream as
`text/event-stream`: one `event: inbox` per entry with `id:` = the entry id (a reconnecting
browser sends it back as `Last-Event-ID`, which becomes `after_entry_id`, so nothing is
missed), and a `: heartbeat` comment every `HEARTBEAT_SECONDS` so proxies keep the connection
and a gone client is noticed (the write fails, the generator is closed, and the gRPC stream is
cancelled). A reader thread moves entries from the gRPC stream into a queue, so the heartbeat
does not wait for the next entry.
"""

from __future__ import annotations

import json
import logging
import queue
import threading
from collections.abc import Iterator
from typing import Any

import grpc
from apiflask import APIBlueprint, Schema
from flask import Response, request, stream_with_context
from marshmallow import fields, validate

from linli.gateway import clients as gw_clients
from linli.gateway.api import schemas as s
from linli.gateway.api.support import require_person, unary
from linli.v1 import notifications_pb2 as nt

bp = APIBlueprint("api_notifications", __name__, tag="Notifications")
log = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 15.0
# A stream is re-opened by the browser after this long, so a gateway worker is never held forever.
MAX_STREAM_SECONDS = 300.0

# --- inbox ------------------------------------------------------------------------------------

unary(
    bp,
    "GET",
    "/inbox",
    name="list_inbox",
    summary="The signed-in person's inbox, newest first",
    service="notifications",
    rpc="ListInbox",
    request_type=nt.ListInboxRequest,
    response_type=nt.ListInboxResponse,
    query=s.query_schema("ListInboxQuery", {"unread_only": fields.Boolean()}),
    requires_identity=True,
)

unary(
    bp,
    "GET",
    "/inbox/unread-count",
    name="get_unread_count",
    summary="How many inbox entries are unread",
    service="notifications",
    rpc="GetUnreadCount",
    request_type=nt.GetUnreadCountRequest,
    response_type=nt.UnreadCount,
    requires_identity=True,
)

unary(
    bp,
    "POST",
    "/inbox/read",
    name="mark_read",
    summary="Mark some entries read (unknown ids: 404, nothing marked)",
    service="notifications",
    rpc="MarkRead",
    request_type=nt.MarkReadRequest,
    response_type=nt.MarkReadResponse,
    body=s.body_schema(nt.MarkReadRequest, "MarkReadBody", required=("entry_ids",)),
    requires_identity=True,
)

unary(
    bp,
    "POST",
    "/inbox/read-all",
    name="mark_all_read",
    summary="Mark every entry read",
    service="notifications",
    rpc="MarkAllRead",
    request_type=nt.MarkAllReadRequest,
    response_type=nt.MarkReadResponse,
    requires_identity=True,
)


class StreamQuery(Schema):
    after = fields.String(
        validate=validate.Length(max=128),
        metadata={"description": "Resume after this entry id (same as the Last-Event-ID header)."},
    )


def sse_event(entry: dict[str, Any]) -> str:
    """One Server-Sent Event for an inbox entry."""
    data = json.dumps(entry, ensure_ascii=False, separators=(",", ":"))
    return f"id: {entry.get('id', '')}\nevent: inbox\ndata: {data}\n\n"


_END = object()

#: One event of the stream, as Server-Sent Events parse it (OpenAPI describes SSE per event).
SSE_EVENT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "event": {"type": "string", "enum": ["inbox", "error"]},
        "id": {"type": "string", "description": "The inbox entry id (send it back as Last-Event-ID)."},
        "data": {"type": "string", "description": "The inbox entry as JSON ({} for an error)."},
        "retry": {"type": "integer"},
    },
}


@bp.get("/inbox/stream")
@bp.input(StreamQuery, location="query")
@bp.doc(
    summary="New inbox entries as Server-Sent Events (Last-Event-ID resumes)",
    operation_id="stream_inbox",
    responses={  # type: ignore[arg-type]
        200: {
            "description": "text/event-stream: `event: inbox`, `id:` entry id, `data:` the entry as JSON; "
            "`event: error` when the stream ended early (reconnect)",
            "content": {"text/event-stream": {"schema": SSE_EVENT_SCHEMA}},
        },
        401: "Sign-in required",
    },
)
def stream_inbox(query_data: dict[str, Any]) -> Response:
    person = require_person()
    after = request.headers.get("Last-Event-ID", "") or query_data.get("after", "")
    message = s.from_json({"after_entry_id": after[:128] or None}, nt.StreamInboxRequest)
    stub = gw_clients.current().notifications
    # Started here, in the request: the reader thread has no request context to sign the
    # call with (a lazily started stream went out anonymous and was refused).
    entries = stub.StreamInbox(message, timeout=MAX_STREAM_SECONDS, metadata=gw_clients.metadata_for(person))
    items: queue.Queue[Any] = queue.Queue(maxsize=1000)
    stop = threading.Event()

    def read() -> None:
        try:
            for entry in entries:
                if stop.is_set():
                    break
                items.put(entry)
        except grpc.RpcError as error:  # ended stream: reported to the client as its end
            if error.code() != grpc.StatusCode.CANCELLED:
                log.warning("inbox stream ended: %s", error.code())
                items.put(error)
        finally:
            items.put(_END)

    reader = threading.Thread(target=read, name="sse-inbox", daemon=True)
    reader.start()

    def events() -> Iterator[str]:
        try:
            yield "retry: 3000\n: connected\n\n"
            while True:
                try:
                    item = items.get(timeout=HEARTBEAT_SECONDS)
                except queue.Empty:
                    yield ": heartbeat\n\n"
                    continue
                if item is _END:
                    return
                if isinstance(item, Exception):
                    yield "event: error\ndata: {}\n\n"
                    return
                yield sse_event(s.to_json(item))
        finally:
            stop.set()
            entries.cancel()

    return Response(
        stream_with_context(events()),
        mimetype="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


# --- preferences ------------------------------------------------------------------------------

unary(
    bp,
    "GET",
    "/preferences",
    name="get_preferences",
    summary="Notification preferences (own; anyone's for operators)",
    service="notifications",
    rpc="GetPreferences",
    request_type=nt.GetPreferencesRequest,
    response_type=nt.Preferences,
    query=s.query_schema("PreferencesQuery", {"person_id": s.ID("Person (operators)", data_key="person")}, paged=False),
    requires_identity=True,
)

unary(
    bp,
    "PUT",
    "/preferences",
    name="update_preferences",
    summary="Replace notification preferences",
    service="notifications",
    rpc="UpdatePreferences",
    request_type=nt.UpdatePreferencesRequest,
    response_type=nt.Preferences,
    body=s.body_schema(nt.UpdatePreferencesRequest, "UpdatePreferencesBody"),
    version_field="expected_version",
    requires_identity=True,
)

# --- subscriptions ----------------------------------------------------------------------------

unary(
    bp,
    "POST",
    "/subscriptions",
    name="create_subscription",
    summary="Create a webhook subscription (operators, agency admins); the secret is shown once",
    service="notifications",
    rpc="CreateSubscription",
    request_type=nt.CreateSubscriptionRequest,
    response_type=nt.CreateSubscriptionResponse,
    body=s.body_schema(nt.CreateSubscriptionRequest, "CreateSubscriptionBody", required=("agency_id", "name", "url")),
    status=201,
    idempotency_field="idempotency_key",
    location=lambda r: f"/subscriptions/{r.subscription.id}",
    etag=lambda r: int(r.subscription.version),
    requires_identity=True,
)

unary(
    bp,
    "GET",
    "/subscriptions",
    name="list_subscriptions",
    summary="Subscriptions of an agency (operators: all)",
    service="notifications",
    rpc="ListSubscriptions",
    request_type=nt.ListSubscriptionsRequest,
    response_type=nt.ListSubscriptionsResponse,
    query=s.query_schema("ListSubscriptionsQuery", {"agency_id": s.ID("Agency", data_key="agency")}),
    requires_identity=True,
)

unary(
    bp,
    "GET",
    "/subscriptions/<subscription_id>",
    name="get_subscription",
    summary="A subscription",
    service="notifications",
    rpc="GetSubscription",
    request_type=nt.GetSubscriptionRequest,
    response_type=nt.Subscription,
    requires_identity=True,
)

unary(
    bp,
    "PATCH",
    "/subscriptions/<subscription_id>",
    name="update_subscription",
    summary="Change a subscription (active: 1 activates, 2 pauses)",
    service="notifications",
    rpc="UpdateSubscription",
    request_type=nt.UpdateSubscriptionRequest,
    response_type=nt.Subscription,
    body=s.body_schema(
        nt.UpdateSubscriptionRequest, "UpdateSubscriptionBody", exclude=("subscription_id", "expected_version")
    ),
    version_field="expected_version",
    requires_identity=True,
)

unary(
    bp,
    "DELETE",
    "/subscriptions/<subscription_id>",
    name="delete_subscription",
    summary="Delete a subscription",
    service="notifications",
    rpc="DeleteSubscription",
    request_type=nt.DeleteSubscriptionRequest,
    response_type=nt.Subscription,
    version_field="expected_version",
    requires_identity=True,
)

unary(
    bp,
    "POST",
    "/subscriptions/<subscription_id>/rotate-secret",
    name="rotate_subscription_secret",
    summary="Rotate the signing secret (the new one is shown once)",
    service="notifications",
    rpc="RotateSubscriptionSecret",
    request_type=nt.RotateSubscriptionSecretRequest,
    response_type=nt.RotateSubscriptionSecretResponse,
    body=s.body_schema(
        nt.RotateSubscriptionSecretRequest, "RotateSecretBody", exclude=("subscription_id", "expected_version")
    ),
    version_field="expected_version",
    etag=lambda r: int(r.subscription.version),
    requires_identity=True,
)

unary(
    bp,
    "POST",
    "/subscriptions/<subscription_id>/test",
    name="send_test_delivery",
    summary="Send a signed test delivery now and report the outcome",
    service="notifications",
    rpc="SendTestDelivery",
    request_type=nt.SendTestDeliveryRequest,
    response_type=nt.Delivery,
    requires_identity=True,
)

# --- operations ---------------------------------------------------------------------------------

unary(
    bp,
    "GET",
    "/dead-letters",
    name="list_dead_letters",
    summary="Deliveries that failed every attempt (operators)",
    service="notifications",
    rpc="ListDeadLetters",
    request_type=nt.ListDeadLettersRequest,
    response_type=nt.ListDeadLettersResponse,
    query=s.query_schema(
        "DeadLettersQuery",
        {
            "channel": s.ENUM(nt.NotificationChannel.DESCRIPTOR),
            "recipient_id": s.ID("Person or subscription id", data_key="recipient"),
        },
    ),
    requires_identity=True,
)

unary(
    bp,
    "POST",
    "/dead-letters/<delivery_id>/replay",
    name="replay_dead_letter",
    summary="Queue a dead-lettered delivery again (operators)",
    service="notifications",
    rpc="ReplayDeadLetter",
    request_type=nt.ReplayDeadLetterRequest,
    response_type=nt.Delivery,
    requires_identity=True,
)

unary(
    bp,
    "GET",
    "/notification-kinds",
    name="list_notification_kinds",
    summary="The routing rules in force",
    service="notifications",
    rpc="ListNotificationKinds",
    request_type=nt.ListNotificationKindsRequest,
    response_type=nt.ListNotificationKindsResponse,
)
