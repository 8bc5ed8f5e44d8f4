"""What every command carries: who asked, read once by the entrypoint.

A command is a frozen dataclass naming one use case and its inputs. The entrypoint (gRPC
servicer, Kafka consumer, timer) builds it, filling ``actor`` from the call it serves; the
handler reads the caller from the command and never from ambient context, so handlers are
plain functions that unit tests call with any caller they like.
"""

from __future__ import annotations

from dataclasses import dataclass

from linli.common.identity import ANONYMOUS, SYSTEM, Identity, current_identity
from linli.common.logs import request_id_var


@dataclass(frozen=True, slots=True)
class Actor:
    """The caller of a command and the API request id it arrived with (copied into events)."""

    identity: Identity = ANONYMOUS
    request_id: str = ""

    @property
    def subject(self) -> str:
        return self.identity.subject

    @classmethod
    def current(cls) -> Actor:
        """The caller of the gRPC call being served (set by the kit's interceptors). Only
        entrypoints call this."""
        return cls(identity=current_identity.get(), request_id=request_id_var.get())

    @classmethod
    def system(cls, request_id: str) -> Actor:
        """The service itself (timers, consumers), with a trace id naming the worker."""
        return cls(identity=SYSTEM, request_id=request_id)


ANONYMOUS_ACTOR = Actor()


@dataclass(frozen=True, kw_only=True)
class Command:
    """Base of every service's commands and queries."""

    actor: Actor = ANONYMOUS_ACTOR
