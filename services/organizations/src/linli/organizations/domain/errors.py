"""Domain errors.

Each error names the request field at fault so that callers (people filling a form, or
another service) can tell what to fix. The service layer maps them onto the kit's error
types: ValidationError -> INVALID_ARGUMENT, NotFoundError -> NOT_FOUND, AlreadyExistsError
-> ALREADY_EXISTS, PreconditionError -> FAILED_PRECONDITION, ConflictError -> ABORTED.
They are plain exceptions so the domain stays free of gRPC and HTTP.
"""

from __future__ import annotations


class DomainError(Exception):
    """Base of every domain error: ``field`` is the request field at fault (dotted path,
    e.g. ``name.zh`` or ``contacts[1].phone``), ``message`` says what is wrong with it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}" if field else message)
        self.field = field
        self.message = message


class ValidationError(DomainError):
    """The input is wrong whatever the state of the system (INVALID_ARGUMENT)."""


class NotFoundError(DomainError):
    """A referenced resource does not exist (NOT_FOUND)."""


class AlreadyExistsError(DomainError):
    """A unique value (e.g. a code) is taken (ALREADY_EXISTS)."""


class PreconditionError(DomainError):
    """The input is valid but the current state forbids it: a cycle, an archived parent,
    active children, a full event (FAILED_PRECONDITION)."""


class ConflictError(DomainError):
    """A concurrent change won: the expected version is stale (ABORTED)."""
