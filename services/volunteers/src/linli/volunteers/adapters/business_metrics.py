"""Business metrics of the volunteers service: volunteers active, hours and points credited,
for the city view in Grafana.

Credits are counted when the ledger entry and its PointsCredited event were written
(``MeteredRepository.append_entry`` returned "written now"), so a replayed event, which finds
its entry already stored, counts nothing. Labels are bounded by the organisation tree
(``community``: the crediting community, or the volunteer's home community) and the entry
kind; never a volunteer or person id.

A volunteer with a workplace-linked community is credited by both communities (dual points),
so hours worked are the ``kind="home"`` series; ``workplace`` and ``correction`` are the
other entries. Counters only go up: a correction that takes hours or points away is counted
in the ``*_debited_total`` series.

``linli_volunteers_active`` is counted at scrape time by one pass over the directory.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter as Tally
from collections.abc import Callable, Iterable, Iterator, Mapping

from prometheus_client import REGISTRY, Counter
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from linli.common.aggregates import AggregateLike
from linli.common.metrics import ScrapeSources
from linli.volunteers.adapters.repository import Repository
from linli.volunteers.domain.model import LedgerEntry, LedgerEntryKind, Volunteer, VolunteerStatus

log = logging.getLogger(__name__)

#: The community label of an entry or volunteer without one.
NO_COMMUNITY = "none"

HOURS_CREDITED = Counter(
    "linli_volunteers_hours_credited_total",
    "Service hours credited to volunteers, by crediting community and ledger entry kind (home, workplace, "
    'correction); both communities credit a dual-point volunteer, so kind="home" counts hours worked once.',
    ["community", "kind"],
)
POINTS_CREDITED = Counter(
    "linli_volunteers_points_credited_total",
    "Points credited to volunteers, by crediting community and ledger entry kind (home, workplace, correction).",
    ["community", "kind"],
)
HOURS_DEBITED = Counter(
    "linli_volunteers_hours_debited_total",
    "Service hours taken away by ledger corrections, by community.",
    ["community"],
)
POINTS_DEBITED = Counter(
    "linli_volunteers_points_debited_total",
    "Points taken away by ledger corrections, by community.",
    ["community"],
)


_primed: set[str] = set()
_primed_lock = threading.Lock()


def prime(community: str) -> None:
    """Creates a community's credit and debit series at zero the first time it is seen (a
    volunteer's home or workplace, a credit), so rates read 0 rather than "no data"."""
    if community in _primed:
        return
    with _primed_lock:
        for kind in LedgerEntryKind:
            HOURS_CREDITED.labels(community, kind.name.lower())
            POINTS_CREDITED.labels(community, kind.name.lower())
        HOURS_DEBITED.labels(community)
        POINTS_DEBITED.labels(community)
        _primed.add(community)


def communities_of(volunteer: Volunteer) -> set[str]:
    return {volunteer.home_community_id or NO_COMMUNITY} | (
        {volunteer.workplace_community_id} if volunteer.workplace_community_id else set()
    )


def record_entry(entry: LedgerEntry) -> None:
    """Moves the series a newly written ledger entry stands for."""
    community = entry.credited_community_id or NO_COMMUNITY
    prime(community)
    kind = entry.kind.name.lower()
    if entry.hours > 0:
        HOURS_CREDITED.labels(community, kind).inc(entry.hours)
    elif entry.hours < 0:
        HOURS_DEBITED.labels(community).inc(-entry.hours)
    if entry.points > 0:
        POINTS_CREDITED.labels(community, kind).inc(entry.points)
    elif entry.points < 0:
        POINTS_DEBITED.labels(community).inc(-entry.points)


class MeteredRepository(Repository):
    """The service's repository, counting each ledger entry once it was written (and priming
    the series of a stored volunteer's communities)."""

    def add(self, aggregate: AggregateLike) -> None:
        super().add(aggregate)
        self._prime(aggregate)

    def save(self, aggregate: AggregateLike, expected_version: int) -> None:
        super().save(aggregate, expected_version)
        self._prime(aggregate)

    @staticmethod
    def _prime(aggregate: AggregateLike) -> None:
        if isinstance(aggregate, Volunteer):
            for community in communities_of(aggregate):
                prime(community)

    def append_entry(self, entry: LedgerEntry, event: object) -> tuple[LedgerEntry, bool]:
        stored, written = super().append_entry(entry, event)
        if written:
            try:
                record_entry(stored)
            except Exception:  # the entry is stored: a metrics fault must not fail the command
                log.warning("business metrics not recorded", exc_info=True)
        return stored, written


def count_active(volunteers: Iterable[Volunteer]) -> Tally[str]:
    """Active (not suspended) volunteers by home community: one pass."""
    return Tally(v.home_community_id or NO_COMMUNITY for v in volunteers if v.status is VolunteerStatus.ACTIVE)


VolunteersSource = Callable[[], Iterable[Volunteer]]


class ActiveVolunteers(Collector):
    """``linli_volunteers_active{community}``, counted from the directories attached (one per
    service in a process; tests run several) when Prometheus scrapes."""

    def __init__(self) -> None:
        self._sources = ScrapeSources[VolunteersSource]()

    def attach(self, source: VolunteersSource) -> Callable[[], None]:
        """Counts ``source`` from now on; the returned function stops that (at shutdown)."""
        return self._sources.attach(source)

    def collect(self) -> Iterator[Metric]:
        sources = self._sources.current()
        counts: Tally[str] = Tally()
        for source in sources:
            counts.update(count_active(source()))
        family = GaugeMetricFamily(
            "linli_volunteers_active", "Active (not suspended) volunteers, by home community.", labels=["community"]
        )
        for community, value in sorted(counts.items()):
            family.add_metric([community], value)
        yield family

    def describe(self) -> Iterator[Metric]:
        # Without describe() the registry would call collect() (a directory pass) at registration.
        yield GaugeMetricFamily("linli_volunteers_active", "", labels=["community"])


ACTIVE_VOLUNTEERS = ActiveVolunteers()
REGISTRY.register(ACTIVE_VOLUNTEERS)


def watch_directory(volunteers: Mapping[str, Volunteer]) -> Callable[[], None]:
    """Counts a directory's volunteers on every scrape (``volunteers``: the directory's id ->
    volunteer map, copied in one C-level step before the pass because writers replace entries)."""
    for volunteer in list(volunteers.values()):
        for community in communities_of(volunteer):
            prime(community)
    return ACTIVE_VOLUNTEERS.attach(lambda: list(volunteers.values()))
