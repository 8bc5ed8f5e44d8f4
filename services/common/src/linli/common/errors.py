"""Errors every layer raises, mapped once onto gRPC status codes and RFC 9457 problems.

Domain and service code raise these (or their own subclasses); the gRPC error interceptor
(grpc_interceptors.ErrorInterceptor) turns them into a status with the message and the
offending field in trailing metadata, and the gateway turns a failed gRPC call back into an
HTTP problem body. Anything else that escapes is a bug: it is logged with its stack trace
and the caller sees a bare INTERNAL error.

This module imports nothing from gRPC (codes are named by string), so pure domain code can
raise these errors.
"""

from __future__ import annotations

from typing import Any, ClassVar

# Trailing-metadata keys that carry the structured part of an error across gRPC.
FIELD_KEY = "x-linli-error-field"
TYPE_KEY = "x-linli-error-type"

PROBLEM_BASE = "https://linli.dev/problems/"


class LinliError(Exception):
    """An expected failure with a message fit to show the caller."""

    status_name: ClassVar[str] = "UNKNOWN"
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
    status_name = "INVALID_ARGUMENT"
    http_status = 400
    slug = "invalid-argument"
    title = "Invalid argument"


class NotFound(LinliError):
    status_name = "NOT_FOUND"
    http_status = 404
    slug = "not-found"
    title = "Not found"


class AlreadyExists(LinliError):
    status_name = "ALREADY_EXISTS"
    http_status = 409
    slug = "already-exists"
    title = "Already exists"


class FailedPrecondition(LinliError):
    status_name = "FAILED_PRECONDITION"
    http_status = 409
    slug = "failed-precondition"
    title = "Not allowed in the current state"


class Conflict(LinliError):
    """A stale write: the aggregate changed since the caller read it (optimistic concurrency)."""

    status_name = "ABORTED"
    http_status = 409
    slug = "conflict"
    title = "Conflicting change"


class Unauthenticated(LinliError):
    status_name = "UNAUTHENTICATED"
    http_status = 401
    slug = "unauthenticated"
    title = "Authentication required"


class PermissionDenied(LinliError):
    status_name = "PERMISSION_DENIED"
    http_status = 403
    slug = "permission-denied"
    title = "Permission denied"


class ResourceExhausted(LinliError):
    status_name = "RESOURCE_EXHAUSTED"
    http_status = 429
    slug = "resource-exhausted"
    title = "Too many requests"


class Unavailable(LinliError):
    status_name = "UNAVAILABLE"
    http_status = 503
    slug = "unavailable"
    title = "Service unavailable"


class DeadlineExceeded(LinliError):
    status_name = "DEADLINE_EXCEEDED"
    http_status = 504
    slug = "deadline-exceeded"
    title = "Timed out"


class Internal(LinliError):
    status_name = "INTERNAL"
    http_status = 500
    slug = "internal"
    title = "Internal error"


ALL_ERRORS: tuple[type[LinliError], ...] = (
    InvalidArgument,
    NotFound,
    AlreadyExists,
    FailedPrecondition,
    Conflict,
    Unauthenticated,
    PermissionDenied,
    ResourceExhausted,
    Unavailable,
    DeadlineExceeded,
    Internal,
)
_BY_STATUS: dict[str, type[LinliError]] = {cls.status_name: cls for cls in ALL_ERRORS}
_BY_STATUS.update(OUT_OF_RANGE=InvalidArgument, CANCELLED=Unavailable)


def error_for_status(status_name: str) -> type[LinliError]:
    """The error class for a gRPC status code name such as "NOT_FOUND" (Internal if unknown)."""
    return _BY_STATUS.get(status_name, Internal)
