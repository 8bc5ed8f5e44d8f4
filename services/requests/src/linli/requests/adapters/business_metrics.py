"""Business metrics of the requests service: what the city view in Grafana is drawn from.

Counters move only for facts that are certain: the events of a write that succeeded
(``MeteredRepository`` counts an aggregate's pending events after the store accepted them, so
a refused or conflicting command counts nothing and a retried submit, which writes nothing,
counts once). No database read is added: every label comes from the facts the events carry.

Labels are bounded by the catalogue and the organisation tree: ``category`` (a catalogue
code), ``community`` (the community organisation a request was placed in; ``none`` when it
could not be located), and small enums. Never a request, person or volunteer id.

``linli_requests_current`` comes from counts the ledger keeps in step with every put
(``CountingLedger``, loading included), so it is exact after a restart and a scrape costs no
pass over the ledger.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter as Tally
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from prometheus_client import REGISTRY, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from linli.common.aggregates import AggregateLike
from linli.common.metrics import ScrapeSources
from linli.requests.adapters.ledger import Ledger
from linli.requests.adapters.repository import Repository
from linli.requests.domain import events as ev
from linli.requests.domain.model import DeadlineKind, EscalationTrigger, Request

log = logging.getLogger(__name__)

#: The community label of a request the organisation tree could not place.
UNPLACED = "none"

SUBMITTED = Counter(
    "linli_requests_submitted_total",
    "Requests submitted (every channel, visits and round-table splits included), by category and community.",
    ["category", "community"],
)
RESOLVED = Counter(
    "linli_requests_resolved_total",
    "Requests resolved, by category, community and whether the resolve deadline was met (deadline: met, missed, none).",
    ["category", "community", "deadline"],
)
BREACHES = Counter(
    "linli_requests_deadline_breaches_total",
    "Deadlines the deadline timer found passed, by category, community and deadline (accept, resolve, acknowledge).",
    ["category", "community", "deadline"],
)
ESCALATIONS = Counter(
    "linli_requests_escalations_total",
    "Escalations up the ladder, by category, community and trigger "
    "(manual, accept_breach, resolve_breach, not_acknowledged).",
    ["category", "community", "trigger"],
)
REOPENED = Counter(
    "linli_requests_reopened_total",
    "Requests reopened, by category, community and whether a poor rating reopened it (automatic: true, false).",
    ["category", "community", "automatic"],
)
RATINGS = Histogram(
    "linli_requests_rating_stars",
    "Ratings residents gave a result (1-5 stars), by category and community.",
    ["category", "community"],
    buckets=(1, 2, 3, 4, 5),
)
OFFERS = Counter(
    "linli_requests_offers_total",
    "Offers made to volunteers (one per volunteer offered), by category and community.",
    ["category", "community"],
)
CLAIMS = Counter(
    "linli_requests_claims_total",
    "Offers a volunteer claimed (the first claim wins the request), by category and community.",
    ["category", "community"],
)


def labels_of(facts: ev.RequestFacts) -> tuple[str, str]:
    """(category, community) of a request at the moment of an event."""
    return facts.category, facts.place.community_id or UNPLACED


def deadline_outcome(event: ev.RequestResolved) -> str:
    """``met`` when resolved by the resolve deadline, ``missed`` after it, ``none`` without one."""
    deadline = event.request.resolve_by
    if deadline is None or event.resolution is None:
        return "none"
    return "met" if event.resolution.resolved_at <= deadline else "missed"


_primed: set[tuple[str, str]] = set()
_primed_lock = threading.Lock()


def prime(category: str, community: str) -> None:
    """Creates every series of a (category, community) at zero the first time the pair is
    seen, so a rate or ratio reads 0 rather than "no data" until the first breach, escalation
    or reopening there (the label space is the same as without it: pairs that have requests)."""
    key = (category, community)
    if key in _primed:
        return
    with _primed_lock:
        for counter in (SUBMITTED, OFFERS, CLAIMS, RATINGS):
            counter.labels(*key)
        for outcome in ("met", "missed", "none"):
            RESOLVED.labels(*key, outcome)
        for kind in DeadlineKind:
            BREACHES.labels(*key, kind.value)
        for trigger in EscalationTrigger:
            ESCALATIONS.labels(*key, trigger.value)
        for automatic in ("true", "false"):
            REOPENED.labels(*key, automatic)
        _primed.add(key)


def record(event: object) -> None:
    """Moves the series one stored event stands for (other events move none)."""
    if not isinstance(event, ev.RequestEvent):
        return
    category, community = labels_of(event.request)
    prime(category, community)
    if isinstance(event, ev.RequestSubmitted):
        SUBMITTED.labels(category, community).inc()
    elif isinstance(event, ev.RequestResolved):
        RESOLVED.labels(category, community, deadline_outcome(event)).inc()
    elif isinstance(event, ev.DeadlineBreached) and event.breach is not None:
        BREACHES.labels(category, community, event.breach.kind.value).inc()
    elif isinstance(event, ev.RequestEscalated) and event.escalation is not None:
        ESCALATIONS.labels(category, community, event.escalation.trigger.value).inc()
    elif isinstance(event, ev.RequestReopened):
        REOPENED.labels(category, community, "true" if event.automatic else "false").inc()
    elif isinstance(event, ev.RequestRated):
        RATINGS.labels(category, community).observe(event.stars)
    elif isinstance(event, ev.RequestOffered) and event.offers:
        OFFERS.labels(category, community).inc(len(event.offers))
    elif isinstance(event, ev.RequestClaimed):
        CLAIMS.labels(category, community).inc()


def record_all(events: Iterable[object]) -> None:
    """Records a committed write's events; a metrics fault is logged, never raised, because
    the write it describes has already happened."""
    try:
        for event in events:
            record(event)
    except Exception:
        log.warning("business metrics not recorded", exc_info=True)


class MeteredRepository(Repository):
    """The service's repository, counting each write's events once the write succeeded."""

    def add(self, aggregate: AggregateLike) -> None:
        events = list(aggregate.pending_events)
        super().add(aggregate)
        record_all(events)

    def save(self, aggregate: AggregateLike, expected_version: int) -> None:
        events = list(aggregate.pending_events)
        super().save(aggregate, expected_version)
        record_all(events)


def count_requests(requests: Iterable[Request]) -> Tally[tuple[str, str, str]]:
    """Requests by (status, category, community), in one pass (what ``CountingLedger`` keeps)."""
    return Tally(_key(r) for r in requests)


def _key(request: Request) -> tuple[str, str, str]:
    return request.status.value, request.category, request.place.community_id or UNPLACED


class CountingLedger(Ledger):
    """The ledger, keeping the requests' counts by (status, category, community) in step with
    every put (load included): a scrape reads a few hundred numbers instead of passing over the
    whole ledger (200,000 requests: about 250 ms of the interpreter each time)."""

    def __init__(self) -> None:
        super().__init__()
        self._counts_lock = threading.Lock()
        self._counts: Tally[tuple[str, str, str]] = Tally()

    def put(self, aggregate: Any) -> None:
        if not isinstance(aggregate, Request):
            super().put(aggregate)
            return
        # puts of one request are serialised by the unit of work's lock on it
        previous = self.requests.get(aggregate.id)
        super().put(aggregate)
        key = _key(aggregate)
        prime(key[1], key[2])
        with self._counts_lock:
            if previous is not None:
                old = _key(previous)
                self._counts[old] -= 1
                if not self._counts[old]:
                    del self._counts[old]
            self._counts[key] += 1

    def counts(self) -> dict[tuple[str, str, str], int]:
        with self._counts_lock:
            return dict(self._counts)


CountsSource = Callable[[], Mapping[tuple[str, str, str], int]]


class LedgerCounts(Collector):
    """``linli_requests_current{status,category,community}`` from the ledgers attached (one
    per service in a process; tests run several)."""

    def __init__(self) -> None:
        self._sources = ScrapeSources[CountsSource]()

    def attach(self, source: CountsSource) -> Callable[[], None]:
        """Counts ``source`` from now on; the returned function stops that (at shutdown)."""
        return self._sources.attach(source)

    def collect(self) -> Iterator[Metric]:
        sources = self._sources.current()
        counts: Tally[tuple[str, str, str]] = Tally()
        for source in sources:
            counts.update(source())
        family = GaugeMetricFamily(
            "linli_requests_current",
            "Requests in the ledger now, by status, category and community.",
            labels=["status", "category", "community"],
        )
        for labels, value in sorted(counts.items()):
            family.add_metric(list(labels), value)
        yield family

    def describe(self) -> Iterator[Metric]:
        yield GaugeMetricFamily("linli_requests_current", "", labels=["status", "category", "community"])


LEDGER_COUNTS = LedgerCounts()
REGISTRY.register(LEDGER_COUNTS)


def watch_ledger(ledger: CountingLedger) -> Callable[[], None]:
    """Exports a ledger's counts on every scrape; the returned function stops that."""
    return LEDGER_COUNTS.attach(ledger.counts)
