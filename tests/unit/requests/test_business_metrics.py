"""The requests service's business metrics: which series each stored event moves, the ledger
gauge counted at scrape time, and that a write that failed counts nothing."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from datetime import timedelta

import pytest
from prometheus_client import REGISTRY

from linli.common.errors import Conflict
from linli.requests.adapters import business_metrics as bm
from linli.requests.adapters.repository import Repository
from linli.requests.domain import deadlines, dispatch, lifecycle
from linli.requests.domain import events as ev
from linli.requests.domain.model import Place, Status
from tests.unit.requests.req_support import (
    DISPATCHER,
    NOW,
    RESIDENT,
    VOL1,
    VOLUNTEER_1,
    accepted,
    in_progress,
    offered,
    resolved,
    submitted,
)

C1 = {"category": "repairs", "community": "c1"}


def value(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


class Delta:
    """Reads a series now and again later: the counters are process-wide."""

    def __init__(self, name: str, **labels: str) -> None:
        self.name, self.labels = name, labels
        self.start = value(name, **labels)

    @property
    def moved(self) -> float:
        return value(self.name, **self.labels) - self.start


def test_a_request_resolved_in_time_and_rated_moves_its_series() -> None:
    submitted_ = Delta("linli_requests_submitted_total", **C1)
    claims = Delta("linli_requests_claims_total", **C1)
    met = Delta("linli_requests_resolved_total", **C1, deadline="met")
    missed = Delta("linli_requests_resolved_total", **C1, deadline="missed")
    ratings = Delta("linli_requests_rating_stars_count", **C1)
    stars = Delta("linli_requests_rating_stars_sum", **C1)
    four_or_less = Delta("linli_requests_rating_stars_bucket", **C1, le="4.0")
    request = resolved()  # claimed after a dispatch, resolved 2 h after the submit: within 48 h
    lifecycle.rate(request, RESIDENT, stars=5, now=NOW + timedelta(hours=3))
    bm.record_all(request.pending_events)
    assert (submitted_.moved, claims.moved, met.moved, missed.moved) == (1, 1, 1, 0)
    assert (ratings.moved, stars.moved, four_or_less.moved) == (1, 5, 0)


def test_a_late_resolution_counts_as_missed() -> None:
    missed = Delta("linli_requests_resolved_total", **C1, deadline="missed")
    request = in_progress()
    request.pending_events.clear()
    lifecycle.resolve(request, VOL1, text="done at last", now=NOW + timedelta(days=3))
    bm.record_all(request.pending_events)
    assert missed.moved == 1


def test_offers_count_each_volunteer_offered() -> None:
    offers = Delta("linli_requests_offers_total", **C1)
    request = offered()  # four candidates, offered two at a time
    bm.record_all(request.pending_events)
    assert offers.moved == 2


def test_breaches_and_escalations_from_the_deadline_timer() -> None:
    accept_breaches = Delta("linli_requests_deadline_breaches_total", **C1, deadline="accept")
    escalations = Delta("linli_requests_escalations_total", **C1, trigger="accept_breach")
    request = submitted()
    request.pending_events.clear()
    assert deadlines.sweep(request, NOW + timedelta(hours=3))
    bm.record_all(request.pending_events)
    assert accept_breaches.moved == 1
    assert escalations.moved == 1


def test_a_poor_rating_reopens_automatically() -> None:
    automatic = Delta("linli_requests_reopened_total", **C1, automatic="true")
    low = Delta("linli_requests_rating_stars_bucket", **C1, le="2.0")
    request = resolved()
    request.pending_events.clear()
    lifecycle.rate(request, RESIDENT, stars=1, now=NOW + timedelta(hours=3))
    bm.record_all(request.pending_events)
    assert automatic.moved == 1 and low.moved == 1


def test_an_unplaced_request_counts_under_none() -> None:
    unplaced = Delta("linli_requests_submitted_total", category="repairs", community=bm.UNPLACED)
    bm.record_all(submitted(place=Place()).pending_events)
    assert unplaced.moved == 1


def test_no_label_names_a_request_person_or_volunteer() -> None:
    request = resolved()
    lifecycle.rate(request, RESIDENT, stars=2, now=NOW + timedelta(hours=3))
    bm.record_all([*offered().pending_events, *request.pending_events])
    ids = {request.id, "p-resident", "p-vol1", "v-1", "v-2"}
    for metric in REGISTRY.collect():
        if metric.name.startswith("linli_requests_"):
            for sample in metric.samples:
                assert not ids & set(sample.labels.values()), sample


class _Refusing(bm.MeteredRepository):
    """The metered repository over a store that refuses every write (a stale version)."""

    def __init__(self) -> None:  # no database: the writes below never reach one
        pass


@pytest.fixture
def refusing_store(monkeypatch: pytest.MonkeyPatch) -> Iterator[_Refusing]:
    def refuse(self: Repository, aggregate: object, expected_version: int = 0) -> None:
        raise Conflict("stale")

    monkeypatch.setattr(Repository, "add", refuse)
    monkeypatch.setattr(Repository, "save", refuse)
    yield _Refusing()


def test_a_refused_write_counts_nothing(refusing_store: _Refusing) -> None:
    submitted_ = Delta("linli_requests_submitted_total", **C1)
    claims = Delta("linli_requests_claims_total", **C1)
    with pytest.raises(Conflict):
        refusing_store.add(submitted())
    request = accepted()
    dispatch.dispatch(request, DISPATCHER, assignee=VOLUNTEER_1, now=NOW)
    dispatch.claim(request, VOL1, now=NOW)
    with pytest.raises(Conflict):
        refusing_store.save(request, 1)
    assert submitted_.moved == 0 and claims.moved == 0
    assert request.pending_events  # untouched: the unit of work keeps them for no one


def test_the_ledger_keeps_the_gauge_in_step_with_every_put() -> None:
    ledger = bm.CountingLedger()
    detach = bm.watch_ledger(ledger)
    try:
        first, second = submitted(), submitted()
        ledger.load([first, second, resolved(), submitted(place=Place())], [])
        assert value("linli_requests_current", status="submitted", **C1) == 2
        working = copy.deepcopy(first)  # as the unit of work: change a copy, then swap it in
        lifecycle.accept(working, DISPATCHER, now=NOW)
        ledger.put(working)
        assert value("linli_requests_current", status="submitted", **C1) == 1
        assert value("linli_requests_current", status="accepted", **C1) == 1
        assert value("linli_requests_current", status="submitted", category="repairs", community="none") == 1
        assert ledger.counts() == bm.count_requests(ledger.requests.values())
    finally:
        detach()
    assert value("linli_requests_current", status="accepted", **C1) == 0


def test_count_requests_is_one_pass_by_status_category_community() -> None:
    requests = [submitted(), submitted(), resolved(), submitted(place=Place())]
    assert bm.count_requests(requests) == {
        (Status.SUBMITTED.value, "repairs", "c1"): 2,
        (Status.RESOLVED.value, "repairs", "c1"): 1,
        (Status.SUBMITTED.value, "repairs", "none"): 1,
    }


def test_timeliness_without_a_deadline_is_none() -> None:
    request = resolved()
    event = next(e for e in request.pending_events if isinstance(e, ev.RequestResolved))
    assert bm.deadline_outcome(event) == "met"
    late = type(event)(event.request, event.context, resolution=None)
    assert bm.deadline_outcome(late) == "none"


def test_a_new_pair_gets_every_series_at_zero() -> None:
    place = Place(grid_id="g7", community_id="c7", street_id="s1", org_path=("d1", "s1", "c7"))
    bm.record_all(submitted(place=place).pending_events)
    pair = {"category": "repairs", "community": "c7"}
    assert REGISTRY.get_sample_value("linli_requests_submitted_total", pair) == 1
    for name, extra in (
        ("linli_requests_deadline_breaches_total", {"deadline": "resolve"}),
        ("linli_requests_escalations_total", {"trigger": "not_acknowledged"}),
        ("linli_requests_reopened_total", {"automatic": "false"}),
        ("linli_requests_resolved_total", {"deadline": "missed"}),
        ("linli_requests_rating_stars_count", {}),
        ("linli_requests_offers_total", {}),
    ):
        assert REGISTRY.get_sample_value(name, {**pair, **extra}) == 0, name
