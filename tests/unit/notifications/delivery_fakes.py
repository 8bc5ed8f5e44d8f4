"""Helpers of the delivery tests (N2): deliveries and subscriptions to send, and a local
HTTP receiver on 127.0.0.1 that answers from a script and records what it got."""

from __future__ import annotations

import base64
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, TypeVar

from linli.common.errors import AlreadyExists, Conflict
from linli.notifications.domain.model import Channel, Delivery, Message, SendResult, Subscription

A = TypeVar("A")

NOW = datetime(2025, 3, 3, 2, 0, tzinfo=UTC)


def new_secret() -> str:
    return "whsec_" + base64.b64encode(os.urandom(24)).decode()


def make_message(
    *,
    title: str = "您的求助已受理",
    body: str = "“修水管”已被社区受理。",
    html: str = "<p>&ldquo;修水管&rdquo;已被社区受理。</p>",
    link: str = "https://linli.example/r/req_1",
    language: str = "zh-CN",
    kind: str = "request.accepted",
) -> Message:
    return Message(kind=kind, language=language, title=title, body=body, html=html, link=link)


def make_delivery(
    delivery_id: str = "dlv_1",
    *,
    channel: Channel = Channel.WEBHOOK,
    address: str = "sub_1",
    payload: str = '{"type":"linli.public.request.changed","id":"evt_1"}',
    message: Message | None = None,
    created_at: datetime = NOW,
    next_attempt_at: datetime | None = None,
    event_id: str = "evt_1",
) -> Delivery:
    return Delivery(
        id=delivery_id,
        event_id=event_id,
        kind="request.accepted",
        channel=channel,
        recipient_id=address if channel is Channel.WEBHOOK else "person_1",
        address=address,
        message=message or make_message(),
        created_at=created_at,
        payload=payload if channel is Channel.WEBHOOK else "",
        next_attempt_at=next_attempt_at,
    )


def make_subscription(
    subscription_id: str = "sub_1",
    *,
    url: str = "https://hooks.example.org/linli",
    secret: str | None = None,
    previous_secret: str = "",
    previous_secret_expires_at: datetime | None = None,
    active: bool = True,
) -> Subscription:
    return Subscription(
        id=subscription_id,
        agency_id="agency_1",
        name="城管局",
        url=url,
        secret=secret or new_secret(),
        previous_secret=previous_secret,
        previous_secret_expires_at=previous_secret_expires_at,
        active=active,
    )


class Subscriptions:
    """The part of the read model the webhook sender uses."""

    def __init__(self, *subscriptions: Subscription) -> None:
        self.items = {s.id: s for s in subscriptions}

    def find(self, kind: type[A], aggregate_id: str) -> A | None:
        found = self.items.get(aggregate_id)
        return found if isinstance(found, kind) else None


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass(frozen=True)
class Reply:
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b"ok"
    delay: float = 0.0


Script = Callable[[Received], Reply]


class Receiver:
    """An HTTP server on 127.0.0.1 that answers each POST with ``script(request)``."""

    def __init__(self, script: Script | None = None) -> None:
        self.script: Script = script or (lambda _: Reply())
        self.received: list[Received] = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length", "0"))
                request = Received(self.path, {k.lower(): v for k, v in self.headers.items()}, self.rfile.read(length))
                with receiver.lock:
                    receiver.received.append(request)
                reply = receiver.script(request)
                if reply.delay:
                    threading.Event().wait(reply.delay)
                self.send_response(reply.status)
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.send_header("content-length", str(len(reply.body)))
                self.end_headers()
                self.wfile.write(reply.body)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def count(self) -> int:
        with self.lock:
            return len(self.received)

    def start(self) -> Receiver:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@contextmanager
def receiving(script: Script | None = None) -> Iterator[Receiver]:
    receiver = Receiver(script).start()
    try:
        yield receiver
    finally:
        receiver.stop()


# -- the engine's fakes ------------------------------------------------------------------------------


class FakeClock:
    """A settable UTC clock for the engine and the domain."""

    def __init__(self, now: datetime = NOW) -> None:
        self.now = now
        self.lock = threading.Lock()

    def __call__(self) -> datetime:
        with self.lock:
            return self.now

    def advance(self, seconds: float) -> None:
        with self.lock:
            self.now += timedelta(seconds=seconds)


@dataclass(frozen=True)
class Write:
    op: str
    aggregate_id: str
    version: int
    event_types: tuple[str, ...]


class FakeRepository:
    """The kit's repository port: version-checked writes (add at 1, save at +1) that keep
    the typed events they carried; ``fail_next`` makes the next write fail."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.versions: dict[str, int] = {}
        self.writes: list[Write] = []
        self.events: list[Any] = []
        self.fail_next = 0

    def _written(self, op: str, aggregate: Any) -> None:
        self.events += aggregate.pending_events
        self.writes.append(Write(op, aggregate.id, aggregate.version, tuple(e.type for e in aggregate.pending_events)))
        aggregate.pending_events.clear()

    def add(self, aggregate: Any) -> None:
        with self.lock:
            if aggregate.id in self.versions:
                raise AlreadyExists(f"{aggregate.id} exists")
            aggregate.version = self.versions[aggregate.id] = 1
            self._written("add", aggregate)

    def save(self, aggregate: Any, expected_version: int) -> None:
        with self.lock:
            if self.fail_next:
                self.fail_next -= 1
                raise ConnectionError("database down")
            if self.versions.get(aggregate.id) != expected_version:
                raise Conflict(f"{aggregate.id} is not at version {expected_version}")
            aggregate.version = self.versions[aggregate.id] = expected_version + 1
            self._written("save", aggregate)

    def event_types(self, aggregate_id: str) -> list[str]:
        with self.lock:
            return [t for w in self.writes if w.aggregate_id == aggregate_id for t in w.event_types]


class ScriptedSender:
    """A ChannelSender whose answers per address come from a script: a list of results used
    in turn (the last one repeats), or a callable. ``gate`` (per address) blocks a send until
    set, to play a slow endpoint."""

    def __init__(self, channel: Channel = Channel.WEBHOOK, default: SendResult | None = None) -> None:
        self.channel = channel
        self.default = default or SendResult(ok=True, status_code=200)
        self.scripts: dict[str, list[SendResult]] = {}
        self.gates: dict[str, threading.Event] = {}
        self.sent: list[tuple[str, str]] = []  # (address, delivery id)
        self.lock = threading.Lock()
        self.in_flight: dict[str, int] = {}
        self.max_in_flight: dict[str, int] = {}

    def script(self, address: str, *results: SendResult) -> None:
        self.scripts[address] = list(results)

    def send(self, delivery: Delivery) -> SendResult:
        address = delivery.address
        with self.lock:
            self.in_flight[address] = self.in_flight.get(address, 0) + 1
            self.max_in_flight[address] = max(self.max_in_flight.get(address, 0), self.in_flight[address])
        try:
            gate = self.gates.get(address)
            if gate is not None:
                gate.wait(10)
            with self.lock:
                self.sent.append((address, delivery.id))
                script = self.scripts.get(address)
                if not script:
                    return self.default
                return script.pop(0) if len(script) > 1 else script[0]
        finally:
            with self.lock:
                self.in_flight[address] -= 1

    def count(self, address: str) -> int:
        with self.lock:
            return sum(1 for a, _ in self.sent if a == address)


FAIL = SendResult(ok=False, status_code=503, error="HTTP 503")
OK = SendResult(ok=True, status_code=200)
GONE = SendResult(ok=False, status_code=404, error="HTTP 404", permanent=True)
