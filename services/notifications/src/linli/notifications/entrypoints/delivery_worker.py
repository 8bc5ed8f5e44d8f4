"""The delivery engine: sends committed deliveries (e-mail, SMS, webhooks) through their
channel's sender, retries with backoff, pauses failing endpoints and dead-letters the hopeless.

**Per-endpoint queues.** An endpoint is where a delivery goes: the subscription id for a
webhook, the mailbox for an e-mail, the number for an SMS. Each endpoint has its own queue
(a heap by due time) and at most one send in flight; the engine keeps one heap of endpoints
by the time they next need attention. A slow or dead endpoint therefore holds at most one
worker thread at a time and never delays another endpoint's deliveries. Each channel has its
own pool of ``workers`` threads, so a stuck SMTP server does not hold webhook sends either.

**Circuit breaker per endpoint** (``domain.circuit.CircuitBreaker``): ``failure_threshold``
retryable failures in a row open it; while open the endpoint's deliveries wait (no attempt is
spent) until it half-opens and lets one probe through; a success closes it. A permanent
failure (a 4xx, a refused address) proves the endpoint answers and counts as a success for
the breaker. ``linli_notifications_open_circuits{channel}`` shows how many are open.

**After each attempt** the delivery is changed by ``domain.deliveries.record_attempt`` in the
kit's unit of work (locked by its id, version-checked, stored with its typed event, then
swapped into the read model): DELIVERED, RETRYING at ``next_attempt_at`` (backoff with full
jitter, Retry-After as a floor) or DEAD_LETTERED after the retry limit or a permanent failure.
If that write fails, the delivery is tried again ``store_retry_seconds`` later (the receiver
may see it twice, with the same ``webhook-id`` / Message-ID / Idempotency-Key to drop it).

**Feeding it**: ``submit(ids)`` after new deliveries were committed (the bus does it for
``ApplyEvent``, the replay handler after a replay); ``start()`` queues every pending
delivery of the read model (a restart loses nothing). ``replay(ids)`` is ``submit`` for
deliveries an operator just replayed, letting an open circuit probe at once.

**Time** is the injected ``clock`` (UTC datetimes) for the domain and the schedule, and its
timestamp for the breakers, so tests drive everything with one fake clock. ``run_pending()``
does every attempt that is due now in the calling thread (unit tests); ``start()`` runs the
scheduler thread and the channel pools, and ``stop()`` lets in-flight sends finish.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import random
import threading
import time
from collections import Counter as Tally
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol, TypeVar

from prometheus_client import Counter, Gauge, Histogram

from linli.common.codec import utc_millis
from linli.common.unit_of_work import UnitOfWork
from linli.notifications.domain.circuit import CircuitBreaker, CircuitState
from linli.notifications.domain.deliveries import ACTIVE, record_attempt
from linli.notifications.domain.model import Channel, Delivery, DeliveryStatus, SendResult
from linli.notifications.domain.retry import RetryPolicy
from linli.notifications.service_layer.ports import ChannelSender

log = logging.getLogger(__name__)

A = TypeVar("A")

DELIVERIES = Counter(
    "linli_notifications_deliveries_total",
    "Delivery attempts by channel and outcome (delivered, retrying, dead_lettered, store_failed).",
    ["channel", "outcome"],
)
DELIVERY_LATENCY = Histogram(
    "linli_notifications_delivery_latency_seconds",
    "Time from the event (the delivery's creation when the event was applied) to its delivery.",
    ["channel"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600, 14400),
)
SEND_SECONDS = Histogram(
    "linli_notifications_send_seconds",
    "Time one send attempt took, by channel.",
    ["channel"],
    buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
QUEUE_DEPTH = Gauge(
    "linli_notifications_queue_depth", "Deliveries waiting in the engine (due or scheduled), by channel.", ["channel"]
)
DEAD_LETTERS = Counter(
    "linli_notifications_dead_letters_total", "Deliveries that went to the dead-letter store.", ["channel"]
)
OPEN_CIRCUITS = Gauge(
    "linli_notifications_open_circuits", "Endpoints whose circuit is open or half-open, by channel.", ["channel"]
)

EndpointKey = tuple[Channel, str]


class DeliveryReadModel(Protocol):
    """What the engine reads: deliveries by id, and the pending ones at start."""

    def find(self, kind: type[A], aggregate_id: str) -> A | None: ...

    def pending_deliveries(self) -> Sequence[Delivery]: ...


def endpoint_of(delivery: Delivery) -> EndpointKey:
    """Where a delivery goes: (channel, subscription id | mailbox | number)."""
    address = delivery.address.strip()
    if delivery.channel is Channel.EMAIL:
        address = address.lower()
    elif delivery.channel is Channel.SMS:
        address = address.replace(" ", "").replace("-", "")
    return delivery.channel, address


@dataclass
class _Endpoint:
    key: EndpointKey
    breaker: CircuitBreaker
    queue: list[tuple[float, int, str]] = field(default_factory=list)  # (due, seq, delivery id)
    busy: bool = False
    wake: float | None = None  # due time of this endpoint's live entry in the engine's heap


@dataclass(frozen=True)
class _Job:
    endpoint: _Endpoint
    delivery: Delivery
    sender: ChannelSender | None


class DeliveryEngine:
    """See the module docstring. A runtime worker (``start``/``stop``) and the handlers'
    ``DeliveryQueue`` (``submit``) and ``CircuitStates`` (``circuit_retry_at``)."""

    def __init__(
        self,
        uow: UnitOfWork,
        read_model: DeliveryReadModel,
        senders: Mapping[Channel, ChannelSender],
        policy: RetryPolicy,
        clock: Callable[[], datetime] = utc_millis,
        *,
        workers: int = 8,
        failure_threshold: int = 5,
        open_seconds: float = 60.0,
        rng: random.Random | None = None,
        idle_seconds: float = 1.0,
        store_retry_seconds: float = 5.0,
    ) -> None:
        if workers < 1:
            raise ValueError("delivery engine: workers must be at least 1")
        self.uow = uow
        self.read_model = read_model
        self.senders = dict(senders)
        self.policy = policy
        self.clock = clock
        self.workers = workers
        self.failure_threshold = failure_threshold
        self.open_seconds = open_seconds
        self.rng = rng or random.Random()
        self.idle_seconds = idle_seconds
        self.store_retry_seconds = store_retry_seconds
        self._cond = threading.Condition()
        self._seq = itertools.count()
        self._endpoints: dict[EndpointKey, _Endpoint] = {}
        self._heap: list[tuple[float, int, EndpointKey]] = []
        self._where: dict[str, EndpointKey] = {}  # queued or in-flight delivery id -> endpoint
        self._depth: Tally[Channel] = Tally()
        self._busy: Tally[Channel] = Tally()
        self._waiting: dict[Channel, list[EndpointKey]] = {}  # due, but their channel's pool was full
        self._open: dict[Channel, set[str]] = {}
        self._pools: dict[Channel, ThreadPoolExecutor] = {}
        self._thread: threading.Thread | None = None
        self._threaded = False  # True once started: sends go to the pools, at most ``workers`` each
        self._stopping = False

    # -- feeding -----------------------------------------------------------------------------------
    def submit(self, delivery_ids: Iterable[str]) -> None:
        """Queues committed deliveries (unknown, finished or already queued ids are ignored),
        each due at its ``next_attempt_at``."""
        # Looked up before taking the lock: a finished delivery may be read from the database.
        found = [self.read_model.find(Delivery, delivery_id) for delivery_id in dict.fromkeys(delivery_ids)]
        with self._cond:
            added = False
            for delivery in found:
                if delivery is None or delivery.status not in ACTIVE or delivery.id in self._where:
                    continue
                self._enqueue(delivery, self._due_of(delivery))
                added = True
            if added:
                self._refresh_depth()
                self._cond.notify_all()

    def replay(self, delivery_ids: Iterable[str]) -> None:
        """``submit`` for deliveries an operator just replayed (stored as pending): an open
        circuit of their endpoint lets a probe through now instead of at the end of its pause."""
        ids = list(delivery_ids)
        now = self._now()
        with self._cond:
            for delivery_id in ids:
                delivery = self.read_model.find(Delivery, delivery_id)
                if delivery is None:
                    continue
                endpoint = self._endpoints.get(endpoint_of(delivery))
                breaker = endpoint.breaker if endpoint is not None else None
                if breaker is not None and breaker.state is CircuitState.OPEN and breaker.retry_at is not None:
                    breaker.retry_at = min(breaker.retry_at, now)
        self.submit(ids)

    def circuit_retry_at(self, endpoint: str) -> datetime | None:
        """When the open circuit of a webhook subscription (or ``channel:address``) lets its
        next probe through; None when it is closed."""
        name, _, address = endpoint.partition(":")
        try:
            key: EndpointKey = (Channel(name), address) if address else (Channel.WEBHOOK, endpoint)
        except ValueError:
            key = (Channel.WEBHOOK, endpoint)
        with self._cond:
            found = self._endpoints.get(key)
            if found is None or not found.breaker.is_open(self._now()):
                return None
            retry_at = found.breaker.retry_at
        return datetime.fromtimestamp(retry_at, UTC) if retry_at is not None else None

    def queued(self) -> int:
        """Deliveries queued or in flight."""
        with self._cond:
            return len(self._where)

    # -- the runtime worker ----------------------------------------------------------------------
    def start(self) -> None:
        """Queues every pending delivery of the read model and starts sending."""
        self.submit(d.id for d in self.read_model.pending_deliveries())
        self._stopping = False
        self._threaded = True
        self._thread = threading.Thread(target=self._run, name="delivery-engine", daemon=True)
        self._thread.start()
        log.info("delivery engine started", extra={"queued": self.queued()})

    def stop(self, timeout: float = 30.0) -> None:
        """Stops scheduling, lets the sends in flight finish (up to ``timeout``) and records
        their outcome; what is still queued stays pending in the store for the next start."""
        deadline = time.monotonic() + timeout
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        if self._thread is not None:
            self._thread.join(max(0.0, deadline - time.monotonic()))
        with self._cond:
            while sum(self._busy.values()) and time.monotonic() < deadline:
                self._cond.wait(max(0.0, min(0.1, deadline - time.monotonic())))
            unfinished = sum(self._busy.values())
        for pool in self._pools.values():
            pool.shutdown(wait=False, cancel_futures=True)
        self._pools.clear()
        if unfinished:
            log.warning("delivery engine stopped with sends in flight", extra={"in_flight": unfinished})

    def run_pending(self) -> int:
        """Does every attempt due now, in this thread, until none is due; the number made.
        (Unit tests drive the engine with it and a fake clock.)"""
        attempts = 0
        while True:
            with self._cond:
                jobs = self._take_due(self._now())
            if not jobs:
                return attempts
            for job in jobs:
                self._attempt(job)
                attempts += 1

    def _run(self) -> None:
        while True:
            with self._cond:
                if self._stopping:
                    return
                jobs = self._take_due(self._now())
                if not jobs:
                    self._cond.wait(self._wait_seconds())
                    continue
            for job in jobs:
                self._pool(job.delivery.channel).submit(self._attempt, job)

    def _pool(self, channel: Channel) -> ThreadPoolExecutor:
        pool = self._pools.get(channel)
        if pool is None:
            pool = self._pools[channel] = ThreadPoolExecutor(self.workers, thread_name_prefix=f"deliver-{channel}")
        return pool

    def _wait_seconds(self) -> float:
        if not self._heap:
            return self.idle_seconds
        return min(self.idle_seconds, max(0.0, self._heap[0][0] - self._now()))

    # -- scheduling (under the lock) -------------------------------------------------------------
    def _now(self) -> float:
        return self.clock().timestamp()

    def _due_of(self, delivery: Delivery) -> float:
        return delivery.next_attempt_at.timestamp() if delivery.next_attempt_at is not None else self._now()

    def _enqueue(self, delivery: Delivery, due: float) -> None:
        key = endpoint_of(delivery)
        endpoint = self._endpoints.get(key)
        if endpoint is None:
            breaker = CircuitBreaker(self.failure_threshold, self.open_seconds)
            endpoint = self._endpoints[key] = _Endpoint(key, breaker)
        heapq.heappush(endpoint.queue, (due, next(self._seq), delivery.id))
        self._where[delivery.id] = key
        self._depth[key[0]] += 1
        self._schedule(endpoint)

    def _schedule(self, endpoint: _Endpoint, at: float | None = None) -> None:
        """Puts the endpoint in the engine's heap at its next due time (or ``at``), unless it
        is busy (its send's end reschedules it) or already there earlier."""
        if endpoint.busy:
            return
        if not endpoint.queue:
            if endpoint.breaker.state is CircuitState.CLOSED and endpoint.breaker.failures == 0:
                self._endpoints.pop(endpoint.key, None)  # nothing to remember
            return
        wake = endpoint.queue[0][0] if at is None else at
        breaker = endpoint.breaker
        if breaker.state is CircuitState.OPEN and breaker.retry_at is not None:
            wake = max(wake, breaker.retry_at)
        if endpoint.wake is None or wake < endpoint.wake:
            endpoint.wake = wake
            heapq.heappush(self._heap, (wake, next(self._seq), endpoint.key))

    def _take_due(self, now: float) -> list[_Job]:
        """Pops the endpoints due now and takes the head delivery of each one that may send."""
        jobs: list[_Job] = []
        while self._heap and self._heap[0][0] <= now:
            wake, _, key = heapq.heappop(self._heap)
            endpoint = self._endpoints.get(key)
            if endpoint is None or endpoint.wake != wake:
                continue  # superseded by an earlier entry
            endpoint.wake = None
            job = self._take_from(endpoint, now)
            if job is not None:
                jobs.append(job)
        self._refresh_depth()
        return jobs

    def _take_from(self, endpoint: _Endpoint, now: float) -> _Job | None:
        channel = endpoint.key[0]
        while endpoint.queue and not endpoint.busy:
            due, _, delivery_id = endpoint.queue[0]
            if due > now:
                self._schedule(endpoint)
                return None
            delivery = self.read_model.find(Delivery, delivery_id)
            if delivery is None or delivery.status not in ACTIVE:
                self._drop_head(endpoint)
                continue
            stored_due = self._due_of(delivery)
            if stored_due > now:  # rescheduled since it was queued (e.g. held by quiet hours)
                self._drop_head(endpoint)
                self._enqueue(delivery, stored_due)
                return None
            if self._threaded and self._busy[channel] >= self.workers:
                self._waiting.setdefault(channel, []).append(endpoint.key)
                return None
            sender = self.senders.get(delivery.channel)
            if sender is not None and not endpoint.breaker.allow(now):
                retry_at = endpoint.breaker.retry_at
                self._schedule(endpoint, retry_at if retry_at is not None and retry_at > now else now + 1.0)
                return None
            heapq.heappop(endpoint.queue)
            self._depth[channel] -= 1
            endpoint.busy = True
            self._busy[channel] += 1
            return _Job(endpoint, delivery, sender)
        if not endpoint.busy:
            self._schedule(endpoint)
        return None

    def _drop_head(self, endpoint: _Endpoint) -> None:
        _, _, delivery_id = heapq.heappop(endpoint.queue)
        self._depth[endpoint.key[0]] -= 1
        if self._where.get(delivery_id) == endpoint.key:
            del self._where[delivery_id]

    def _refresh_depth(self) -> None:
        for channel in (Channel.EMAIL, Channel.SMS, Channel.WEBHOOK):
            QUEUE_DEPTH.labels(channel.value).set(self._depth[channel])

    # -- one attempt (a pool thread, or the caller of run_pending) --------------------------------
    def _attempt(self, job: _Job) -> None:
        delivery, channel = job.delivery, job.delivery.channel
        started = time.monotonic()
        result = self._send(job)
        SEND_SECONDS.labels(channel.value).observe(time.monotonic() - started)
        now = self.clock()
        saved: Delivery | None = None
        outcome = "gone"
        try:
            with self.uow.start(delivery.id) as work:
                current = work.get(Delivery, delivery.id)
                if current is not None and current.status in ACTIVE:
                    record_attempt(current, result, now, self.policy, self.rng)
                    work.commit()
                    saved, outcome = current, current.status.value
        except Exception:
            outcome = "store_failed"
            log.exception("delivery attempt not stored", extra={"delivery_id": delivery.id})
        DELIVERIES.labels(channel.value, outcome).inc()
        if saved is not None and saved.status is DeliveryStatus.DELIVERED:
            DELIVERY_LATENCY.labels(channel.value).observe(max(0.0, (now - saved.created_at).total_seconds()))
        elif saved is not None and saved.status is DeliveryStatus.DEAD_LETTERED:
            DEAD_LETTERS.labels(channel.value).inc()
            log.warning(
                "delivery dead-lettered",
                extra={"delivery_id": saved.id, "channel": channel.value, "error": saved.last_error},
            )
        self._finish(job, result, saved, outcome == "store_failed", now.timestamp())

    def _send(self, job: _Job) -> SendResult:
        if job.sender is None:
            return SendResult(
                ok=False, error=f"channel {job.delivery.channel.value} is not configured (no sender)", permanent=True
            )
        try:
            return job.sender.send(job.delivery)
        except Exception as exc:  # a sender must not raise; if one does, it is a retryable failure
            log.exception("sender raised", extra={"delivery_id": job.delivery.id})
            return SendResult(ok=False, error=f"{type(exc).__name__}: {exc}"[:300])

    def _finish(self, job: _Job, result: SendResult, saved: Delivery | None, store_failed: bool, now: float) -> None:
        endpoint, delivery_id = job.endpoint, job.delivery.id
        channel, address = endpoint.key
        with self._cond:
            if job.sender is not None:
                if result.ok or result.permanent:
                    endpoint.breaker.record_success()
                else:
                    endpoint.breaker.record_failure(now)
                opened = self._open.setdefault(channel, set())
                was_open = address in opened
                if endpoint.breaker.is_open(now):
                    opened.add(address)
                    if not was_open:
                        log.warning("circuit opened", extra={"channel": channel.value, "endpoint": address})
                else:
                    opened.discard(address)
                OPEN_CIRCUITS.labels(channel.value).set(len(opened))
            endpoint.busy = False
            self._busy[channel] -= 1
            if store_failed:
                heapq.heappush(endpoint.queue, (now + self.store_retry_seconds, next(self._seq), delivery_id))
                self._depth[channel] += 1
            elif saved is not None and saved.status in ACTIVE:
                heapq.heappush(endpoint.queue, (self._due_of(saved), next(self._seq), delivery_id))
                self._depth[channel] += 1
            else:
                self._where.pop(delivery_id, None)
            self._schedule(endpoint)
            for key in self._waiting.pop(channel, []):
                waiting = self._endpoints.get(key)
                if waiting is not None:
                    self._schedule(waiting, now)
            self._refresh_depth()
            self._cond.notify_all()
