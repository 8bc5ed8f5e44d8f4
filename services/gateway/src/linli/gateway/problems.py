"""RFC 9457 problem details for every error the gateway answers with.

Kit errors (`linli.common.errors`, also what a failed gRPC call becomes) carry their own type,
title and HTTP status; HTTP errors from Flask/werkzeug (unknown route, wrong method, rate
limit) and apiflask's request validation errors are rendered in the same shape. Nothing else
escapes: an unexpected exception is logged with its stack trace and the caller gets a bare
500 problem naming only the request id.
"""

from __future__ import annotations

from typing import Any

from flask import Response, current_app, g, has_request_context, json, request

from linli.common.errors import PROBLEM_BASE, LinliError

PROBLEM_MEDIA_TYPE = "application/problem+json"

_SLUGS = {
    400: "bad-request",
    401: "unauthenticated",
    403: "permission-denied",
    404: "not-found",
    405: "method-not-allowed",
    406: "not-acceptable",
    409: "conflict",
    412: "precondition-failed",
    413: "payload-too-large",
    415: "unsupported-media-type",
    422: "invalid-argument",
    428: "precondition-required",
    429: "too-many-requests",
    500: "internal",
    503: "unavailable",
    504: "deadline-exceeded",
}

_TITLES = {
    400: "Bad request",
    401: "Authentication required",
    403: "Permission denied",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    412: "Precondition failed",
    413: "Payload too large",
    415: "Unsupported media type",
    428: "Precondition required",
    429: "Too many requests",
    500: "Internal error",
    503: "Service unavailable",
    504: "Timed out",
}

# The problem document as a JSON schema (OpenAPI 3.1 is JSON Schema 2020-12).
PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "RFC 9457 problem details.",
    "properties": {
        "type": {"type": "string", "description": "URI naming the kind of problem."},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "field": {"type": "string", "description": "The request field at fault, when there is one."},
        "errors": {
            "type": "array",
            "description": "Every invalid field of the request (validation errors).",
            "items": {
                "type": "object",
                "properties": {"field": {"type": "string"}, "detail": {"type": "string"}},
                "required": ["field", "detail"],
            },
        },
        "request_id": {"type": "string"},
    },
    "required": ["type", "title", "status"],
    "additionalProperties": True,
}


def slug_for(status: int) -> str:
    return _SLUGS.get(status, "error" if status >= 500 else "client-error")


def title_for(status: int) -> str:
    return _TITLES.get(status, "Error")


def problem_response(
    status: int,
    detail: str = "",
    *,
    type_slug: str = "",
    title: str = "",
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> Response:
    """A problem+json response; `extra` members (field, errors, down, ...) are added to the body."""
    body: dict[str, Any] = {
        "type": PROBLEM_BASE + (type_slug or slug_for(status)),
        "title": title or title_for(status),
        "status": status,
    }
    if detail:
        body["detail"] = detail
    body.update({key: value for key, value in extra.items() if value not in (None, "", [], {})})
    return _respond(body, status, headers)


def from_linli_error(error: LinliError) -> Response:
    """The problem for a kit error. A stale version (ABORTED) on a request that carried If-Match
    is 412 Precondition Failed; otherwise the error's own status."""
    body = error.problem()
    status = error.http_status
    if error.status_name == "ABORTED" and request and request.headers.get("If-Match"):
        status = 412
        body.update(type=PROBLEM_BASE + "precondition-failed", title=title_for(412), status=412)
    if status >= 500 and error.status_name == "INTERNAL":
        body["detail"] = "internal error"
    return _respond(body, status, None)


def _respond(body: dict[str, Any], status: int, headers: dict[str, str] | None) -> Response:
    request_id = getattr(g, "request_id", "") if _in_request() else ""
    if request_id:
        body.setdefault("request_id", request_id)
    if _in_request():
        body.setdefault("instance", request.path)
    response = current_app.response_class(json.dumps(body), status=status, mimetype=PROBLEM_MEDIA_TYPE)
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def _in_request() -> bool:
    return has_request_context()
