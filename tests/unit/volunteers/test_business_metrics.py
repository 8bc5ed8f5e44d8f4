"""The volunteers service's business metrics: credits by community and kind, debits by
corrections, a replayed credit counted once, and active volunteers counted when scraped."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest
from prometheus_client import REGISTRY

from linli.common.errors import AlreadyExists
from linli.volunteers.adapters import business_metrics as bm
from linli.volunteers.adapters.repository import Repository
from linli.volunteers.domain import ledger
from linli.volunteers.domain.ledger import TaskCredit
from linli.volunteers.domain.model import LedgerEntry, Volunteer, VolunteerStatus

NOW = datetime(2025, 3, 3, 2, 0, tzinfo=UTC)
Factory = Callable[..., Volunteer]


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


def task_credit(event: str = "evt_m1", hours: float = 2.0) -> TaskCredit:
    return TaskCredit(
        cause_event_id=event, volunteer_id="vol_1", request_id=f"req_{event}", hours=hours, rating=5, occurred_at=NOW
    )


def test_dual_points_credit_both_communities_by_kind(new_volunteer: Factory) -> None:
    home_hours = Delta("linli_volunteers_hours_credited_total", community="org_mh", kind="home")
    work_hours = Delta("linli_volunteers_hours_credited_total", community="org_mw", kind="workplace")
    home_points = Delta("linli_volunteers_points_credited_total", community="org_mh", kind="home")
    volunteer = new_volunteer(home_community_id="org_mh", workplace_community_id="org_mw")
    for entry in ledger.credit_task(task_credit(), volunteer, NOW):
        bm.record_entry(entry)
    assert (home_hours.moved, work_hours.moved, home_points.moved) == (2.0, 2.0, 38)


def test_a_correction_taking_away_counts_as_a_debit(new_volunteer: Factory) -> None:
    debited_hours = Delta("linli_volunteers_hours_debited_total", community="org_mc")
    debited_points = Delta("linli_volunteers_points_debited_total", community="org_mc")
    credited = Delta("linli_volunteers_points_credited_total", community="org_mc", kind="correction")
    fix = ledger.correction(
        volunteer_id="vol_1", community_id="org_mc", hours_delta=-0.5, points_delta=-8, reason="too many",
        idempotency_key="fix-m1", recorded_by="admin", now=NOW,
    )  # fmt: skip
    bm.record_entry(fix)
    assert (debited_hours.moved, debited_points.moved, credited.moved) == (0.5, 8, 0)
    more = ledger.correction(
        volunteer_id="vol_1", community_id="org_mc", hours_delta=1.0, points_delta=10, reason="missed",
        idempotency_key="fix-m2", recorded_by="admin", now=NOW,
    )  # fmt: skip
    bm.record_entry(more)
    assert credited.moved == 10


class _Store(bm.MeteredRepository):
    """The metered repository without a database: ``Repository.append_entry`` is replaced by
    the fixture below with an in-memory insert that refuses a second write of one id."""

    def __init__(self) -> None:
        self.entries: dict[str, LedgerEntry] = {}


@pytest.fixture
def store(monkeypatch: pytest.MonkeyPatch) -> Iterator[_Store]:
    def append(self: _Store, entry: LedgerEntry, event: object) -> tuple[LedgerEntry, bool]:
        if entry.id in self.entries:
            return self.entries[entry.id], False
        self.entries[entry.id] = entry
        return entry, True

    monkeypatch.setattr(Repository, "append_entry", append)
    yield _Store()


def test_a_replayed_credit_counts_once(store: _Store, new_volunteer: Factory) -> None:
    hours = Delta("linli_volunteers_hours_credited_total", community="org_mr", kind="home")
    (entry,) = ledger.credit_task(task_credit("evt_m2", 1.5), new_volunteer(home_community_id="org_mr"), NOW)
    assert store.append_entry(entry, None) == (entry, True)
    assert store.append_entry(entry, None) == (entry, False)
    assert hours.moved == 1.5


def test_a_refused_write_counts_nothing(monkeypatch: pytest.MonkeyPatch, new_volunteer: Factory) -> None:
    def refuse(self: _Store, entry: LedgerEntry, event: object) -> tuple[LedgerEntry, bool]:
        raise AlreadyExists("ledger entry: another credit holds this id")

    monkeypatch.setattr(Repository, "append_entry", refuse)
    hours = Delta("linli_volunteers_hours_credited_total", community="org_mx", kind="home")
    (entry,) = ledger.credit_task(task_credit("evt_m4"), new_volunteer(home_community_id="org_mx"), NOW)
    with pytest.raises(AlreadyExists):
        _Store().append_entry(entry, None)
    assert hours.moved == 0


def test_active_volunteers_are_counted_when_scraped(new_volunteer: Factory) -> None:
    directory: dict[str, Volunteer] = {}
    detach = bm.watch_directory(directory)
    try:
        for i, community in enumerate(("org_ma", "org_ma", "org_mb")):
            volunteer = new_volunteer(f"vol_a{i}", home_community_id=community)
            directory[volunteer.id] = volunteer
        suspended = dataclasses.replace(directory["vol_a1"], status=VolunteerStatus.SUSPENDED, version=2)
        assert (
            value("linli_volunteers_active", community="org_ma"),
            value("linli_volunteers_active", community="org_mb"),
        ) == (2, 1)
        directory["vol_a1"] = suspended  # the directory swaps in the suspended copy
        assert value("linli_volunteers_active", community="org_ma") == 1
    finally:
        detach()
    assert value("linli_volunteers_active", community="org_mb") == 0


def test_no_label_names_a_volunteer_or_person(new_volunteer: Factory) -> None:
    volunteer = new_volunteer("vol_secret", home_community_id="org_ml")
    for entry in ledger.credit_task(
        dataclasses.replace(task_credit("evt_m3"), volunteer_id="vol_secret"), volunteer, NOW + timedelta(hours=1)
    ):
        bm.record_entry(entry)
    for metric in REGISTRY.collect():
        if metric.name.startswith("linli_volunteers_"):
            for sample in metric.samples:
                assert not {"vol_secret", "person_vol_secret", "req_evt_m3"} & set(sample.labels.values())


def test_a_directory_primes_its_communities_at_zero(new_volunteer: Factory) -> None:
    volunteer = new_volunteer("vol_p", home_community_id="org_mp", workplace_community_id="org_mq")
    bm.watch_directory({volunteer.id: volunteer})()
    for community in ("org_mp", "org_mq"):
        assert (
            REGISTRY.get_sample_value("linli_volunteers_hours_credited_total", {"community": community, "kind": "home"})
            == 0
        )
        assert REGISTRY.get_sample_value("linli_volunteers_points_debited_total", {"community": community}) == 0
