"""gRPC clients of the four services and `call`, the one way routes reach them.

`call(clients.requests.SubmitRequest, message, person=person)` sends the call with a deadline,
the service token minted for `person` (`linli.gateway.auth.service_metadata`) and the request
id; a failed call raises the kit error the service raised (`linli.common.errors`: NotFound,
InvalidArgument, ...), which the app renders as a problem document with the mapped HTTP
status (INVALID_ARGUMENT 400, UNAUTHENTICATED 401, PERMISSION_DENIED 403, NOT_FOUND 404,
ALREADY_EXISTS / FAILED_PRECONDITION / ABORTED 409 (412 when the request carried If-Match),
RESOURCE_EXHAUSTED 429, UNAVAILABLE 503, DEADLINE_EXCEEDED 504).
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

import grpc
from flask import current_app, g, has_app_context, has_request_context

from linli.common.grpc_client import from_rpc_error, make_channel
from linli.common.identity import REQUEST_ID_KEY
from linli.common.logs import request_id_var
from linli.v1 import (
    notifications_pb2_grpc,
    organizations_pb2_grpc,
    requests_pb2_grpc,
    volunteers_pb2_grpc,
)

if TYPE_CHECKING:
    from linli.gateway.config import GatewayConfig

T = TypeVar("T")
log = logging.getLogger(__name__)

EXTENSION_KEY = "linli_clients"
SERVICES = ("organizations", "volunteers", "requests", "notifications")


@dataclass
class Clients:
    """Stubs of the services over kit channels (default deadline, retries for idempotent calls)."""

    organizations: organizations_pb2_grpc.OrganizationServiceStub
    volunteers: volunteers_pb2_grpc.VolunteerServiceStub
    requests: requests_pb2_grpc.RequestServiceStub
    notifications: notifications_pb2_grpc.NotificationServiceStub
    channels: dict[str, grpc.Channel] = field(default_factory=dict)
    default_timeout: float = 5.0

    @classmethod
    def connect(cls, config: GatewayConfig) -> Clients:
        timeout = config.grpc_timeout_seconds
        addresses = {
            "organizations": config.organizations_addr,
            "volunteers": config.volunteers_addr,
            "requests": config.requests_addr,
            "notifications": config.notifications_addr,
        }
        channels = {name: make_channel(address, timeout) for name, address in addresses.items()}
        return cls(
            organizations=organizations_pb2_grpc.OrganizationServiceStub(channels["organizations"]),
            volunteers=volunteers_pb2_grpc.VolunteerServiceStub(channels["volunteers"]),
            requests=requests_pb2_grpc.RequestServiceStub(channels["requests"]),
            notifications=notifications_pb2_grpc.NotificationServiceStub(channels["notifications"]),
            channels=channels,
            default_timeout=timeout,
        )

    def close(self) -> None:
        for channel in self.channels.values():
            channel.close()


def current() -> Clients:
    """The clients of the app handling the current request."""
    clients: Clients = current_app.extensions[EXTENSION_KEY]
    return clients


def _service_metadata(person: Any) -> list[tuple[str, str]]:
    """The signed service token for `person` (G3's auth module), else no identity (anonymous)."""
    try:
        auth = importlib.import_module("linli.gateway.auth")
    except ModuleNotFoundError as exc:
        if exc.name != "linli.gateway.auth":
            raise
        return []
    metadata: list[tuple[str, str]] = list(auth.service_metadata(person))
    return metadata


def metadata_for(person: Any = None) -> list[tuple[str, str]]:
    """gRPC metadata of a call made for `person`: the service token and the request id."""
    metadata = _service_metadata(person)
    if not any(key == REQUEST_ID_KEY for key, _ in metadata):
        request_id = (getattr(g, "request_id", "") if has_request_context() else "") or request_id_var.get()
        if request_id:
            metadata.append((REQUEST_ID_KEY, request_id))
    return metadata


def _timeout(timeout: float | None) -> float:
    if timeout is not None:
        return timeout
    if has_app_context() and EXTENSION_KEY in current_app.extensions:
        return current().default_timeout
    return 5.0


def call(
    method: Callable[..., T],
    request: Any,
    *,
    person: Any = None,
    timeout: float | None = None,
    idempotent: bool = False,
    metadata: list[tuple[str, str]] | None = None,
) -> T:
    """Calls a unary `method(request)` for `person` (None: anonymous) with a deadline.

    `idempotent=True` lets gRPC retry it on UNAVAILABLE (reads, and creates carrying an
    idempotency key). Failures raise the kit error the service raised.
    """
    target: Any = getattr(method, "retrying", method) if idempotent else method
    sent = [*metadata_for(person), *(metadata or [])]
    try:
        result: T = target(request, timeout=_timeout(timeout), metadata=sent)
    except grpc.RpcError as exc:
        raise from_rpc_error(exc) from exc
    return result


def stream(
    method: Callable[..., Any],
    request: Any,
    *,
    person: Any = None,
    timeout: float | None = None,
    metadata: list[tuple[str, str]] | None = None,
) -> Iterator[Any]:
    """Calls a server-streaming `method(request)` and yields its messages; `timeout` None means
    no deadline (an open stream such as the inbox for Server-Sent Events). `.cancel()` the
    returned generator's underlying call by closing the generator."""
    sent = [*metadata_for(person), *(metadata or [])]
    responses = method(request, timeout=timeout, metadata=sent)
    try:
        yield from responses
    except grpc.RpcError as exc:
        if exc.code() == grpc.StatusCode.CANCELLED:
            return
        raise from_rpc_error(exc) from exc
    finally:
        cancel = getattr(responses, "cancel", None)
        if cancel is not None:
            cancel()
