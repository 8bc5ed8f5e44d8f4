"""Domain errors of the organizations service.

Each names the request field at fault (dotted path, e.g. ``name.zh`` or
``contacts[1].phone``) so callers can tell what to fix. They are the kit's error types
(grpc-free), so the gRPC interceptor maps them without a translation layer:
ValidationError -> INVALID_ARGUMENT, NotFoundError -> NOT_FOUND, AlreadyExistsError ->
ALREADY_EXISTS, PreconditionError -> FAILED_PRECONDITION, ConflictError -> ABORTED.
"""

from __future__ import annotations

from linli.common.errors import AlreadyExists, Conflict, FailedPrecondition, InvalidArgument, LinliError, NotFound


class DomainError(LinliError):
    """Base of every domain error: ``field`` is the request field at fault, ``reason`` what is wrong."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}" if field else message, field=field)
        self.reason = message


class ValidationError(DomainError, InvalidArgument):
    """The input is wrong whatever the state of the system."""


class NotFoundError(DomainError, NotFound):
    """A referenced resource does not exist."""


class AlreadyExistsError(DomainError, AlreadyExists):
    """A unique value (e.g. a code) is taken."""


class PreconditionError(DomainError, FailedPrecondition):
    """The input is valid but the current state forbids it: a cycle, an archived parent,
    active children, a full event."""


class ConflictError(DomainError, Conflict):
    """A concurrent change won: the expected version is stale."""
