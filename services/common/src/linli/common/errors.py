"""Errors every layer raises, mapped once onto gRPC status codes and RFC 9457 problems.

Domain and service code raise these (or their own subclasses); the gRPC interceptor turns
them into a status with the message and the offending field in trailing metadata, and the
gateway turns a failed gRPC call back into an HTTP problem body. Anything else that escapes
is a bug: it is logged with its stack trace and the caller sees a bare INTERNAL error.
"""

from __future__ import annotations

from typing import Any, ClassVar

import grpc

# Trailing-metadata keys that carry the structured part of an error across gRPC.
FIELD_KEY = "x-linli-error-field"
TYPE_KEY = "x-linli-error-type"

PROBLEM_BASE = "https://linli.dev/problems/"


class LinliError(Exception):
    """An expected failure with a message fit to show the caller."""

    code: ClassVar[grpc.StatusCode] = grpc.StatusCode.UNKNOWN
    http_status: ClassVar[int] = 500
    slug: ClassVar[str] = "error"
    title: ClassVar[str] = "Error"

    def __init__(self, message: str, *, field: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def problem(self, instance: str = "", **extra: Any) -> dict[str, Any]:
        """The RFC 9457 problem document for this error."""
        body: dict[str, Any] = {
            "type": PROBLEM_BASE + self.slug,
            "title": self.title,
            "status": self.http_status,
            "detail": self.message,
        }
        if self.field:
            body["field"] = self.field
        if instance:
            body["instance"] = instance
        body.update(extra)
        return body


class InvalidArgument(LinliError):
    code = grpc.StatusCode.INVALID_ARGUMENT
    http_status = 400
    slug = "invalid-argument"
    title = "Invalid argument"


class NotFound(LinliError):
    code = grpc.StatusCode.NOT_FOUND
    http_status = 404
    slug = "not-found"
    title = "Not found"


class AlreadyExists(LinliError):
    code = grpc.StatusCode.ALREADY_EXISTS
    http_status = 409
    slug = "already-exists"
    title = "Already exists"


class FailedPrecondition(LinliError):
    code = grpc.StatusCode.FAILED_PRECONDITION
    http_status = 409
    slug = "failed-precondition"
    title = "Not allowed in the current state"


class Conflict(LinliError):
    """A stale write: the aggregate changed since the caller read it (optimistic concurrency)."""

    code = grpc.StatusCode.ABORTED
    http_status = 409
    slug = "conflict"
    title = "Conflicting change"


class Unauthenticated(LinliError):
    code = grpc.StatusCode.UNAUTHENTICATED
    http_status = 401
    slug = "unauthenticated"
    title = "Authentication required"


class PermissionDenied(LinliError):
    code = grpc.StatusCode.PERMISSION_DENIED
    http_status = 403
    slug = "permission-denied"
    title = "Permission denied"


class ResourceExhausted(LinliError):
    code = grpc.StatusCode.RESOURCE_EXHAUSTED
    http_status = 429
    slug = "resource-exhausted"
    title = "Too many requests"


class Unavailable(LinliError):
    code = grpc.StatusCode.UNAVAILABLE
    http_status = 503
    slug = "unavailable"
    title = "Service unavailable"


class DeadlineExceeded(LinliError):
    code = grpc.StatusCode.DEADLINE_EXCEEDED
    http_status = 504
    slug = "deadline-exceeded"
    title = "Timed out"


class Internal(LinliError):
    code = grpc.StatusCode.INTERNAL
    http_status = 500
    slug = "internal"
    title = "Internal error"


_BY_CODE: dict[grpc.StatusCode, type[LinliError]] = {
    cls.code: cls
    for cls in (InvalidArgument, NotFound, AlreadyExists, FailedPrecondition, Conflict, Unauthenticated,
                PermissionDenied, ResourceExhausted, Unavailable, DeadlineExceeded, Internal)
}
_BY_CODE[grpc.StatusCode.OUT_OF_RANGE] = InvalidArgument
_BY_CODE[grpc.StatusCode.CANCELLED] = Unavailable


def error_for_code(code: grpc.StatusCode) -> type[LinliError]:
    return _BY_CODE.get(code, Internal)


def from_rpc_error(error: grpc.RpcError) -> LinliError:
    """Rebuilds the LinliError a downstream service raised from the failed call."""
    code: grpc.StatusCode = error.code()
    details: str = error.details() or code.name
    field = ""
    for key, value in error.trailing_metadata() or ():
        if key == FIELD_KEY:
            field = str(value)
    return error_for_code(code)(details, field=field)
