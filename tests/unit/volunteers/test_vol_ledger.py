"""The points and hours ledger: formula, dual points, exactly-once credit, corrections,
balances and leaderboards."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from linli.common.errors import Conflict, InvalidArgument
from linli.volunteers.adapters.event_payloads import encode
from linli.volunteers.domain import ledger
from linli.volunteers.domain.ledger import LeaderboardPeriod, Ledger, TaskCredit
from linli.volunteers.domain.model import LedgerEntry, LedgerEntryKind, Volunteer

NOW = datetime(2025, 3, 3, 2, 0, tzinfo=UTC)
Factory = Callable[..., Volunteer]


def credit(
    event: str = "evt_1", hours: float = 2.0, rating: int = 5, when: datetime = NOW, volunteer: str = "vol_1"
) -> TaskCredit:
    return TaskCredit(
        cause_event_id=event, volunteer_id=volunteer, request_id=f"req_{event}", hours=hours, rating=rating,
        occurred_at=when,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("hours", "rating", "points"),
    [
        (2.0, 5, 38),  # (5 + 20) * 1.5 = 37.5 -> 38 (half up)
        (2.0, 3, 25),
        (1.0, 1, 8),  # 15 * 0.5 = 7.5 -> 8
        (0.0, 4, 6),  # a quick fix still earns the flat part: 5 * 1.2
        (0.25, 2, 6),  # 7.5 * 0.8 = 6
        (24.0, 5, 368),
    ],
)
def test_points_formula(hours: float, rating: int, points: int) -> None:
    assert ledger.task_points(hours, rating) == points


def test_points_need_a_rating_and_non_negative_hours() -> None:
    with pytest.raises(InvalidArgument) as err:
        ledger.task_points(1.0, 0)
    assert err.value.field == "rating"
    with pytest.raises(InvalidArgument) as err:
        ledger.task_points(-1.0, 5)
    assert err.value.field == "hours"


def test_dual_points_credit_home_and_workplace(new_volunteer: Factory) -> None:
    volunteer = new_volunteer(home_community_id="org_home", workplace_community_id="org_work")
    home, work = ledger.credit_task(credit(), volunteer, NOW)
    assert (home.kind, home.credited_community_id) == (LedgerEntryKind.HOME, "org_home")
    assert (work.kind, work.credited_community_id) == (LedgerEntryKind.WORKPLACE, "org_work")
    assert home.hours == work.hours == 2.0
    assert home.points == work.points == 38
    assert home.id == ledger.entry_id("evt_1", "org_home") != work.id
    assert home.cause_event_id == "evt_1" and home.request_id == "req_evt_1"


def test_one_entry_without_a_distinct_workplace(new_volunteer: Factory) -> None:
    assert len(ledger.credit_task(credit(), new_volunteer(workplace_community_id=""), NOW)) == 1
    same = new_volunteer(home_community_id="org_a", workplace_community_id="org_a")
    assert len(ledger.credit_task(credit(), same, NOW)) == 1


def test_credit_for_another_volunteer_is_rejected(new_volunteer: Factory) -> None:
    with pytest.raises(InvalidArgument) as err:
        ledger.credit_task(credit(volunteer="vol_2"), new_volunteer("vol_1"), NOW)
    assert err.value.field == "volunteer_id"


def test_crediting_an_event_twice_is_detected_and_ignored(new_volunteer: Factory) -> None:
    volunteer = new_volunteer(workplace_community_id="org_work")
    book = Ledger()
    first = book.append(ledger.credit_task(credit(), volunteer, NOW))
    # a redelivered event, processed later: same ids, nothing added
    again = book.append(ledger.credit_task(credit(), volunteer, NOW + timedelta(minutes=5)))
    assert len(first) == 2 and again == []
    assert len(book) == 2
    assert ledger.balance("vol_1", book.entries()).total_points == 76


def test_replay_with_different_amounts_is_a_conflict(new_volunteer: Factory) -> None:
    volunteer = new_volunteer()
    book = Ledger(ledger.credit_task(credit(hours=2.0), volunteer, NOW))
    with pytest.raises(Conflict) as err:
        book.append(ledger.credit_task(credit(hours=3.0), volunteer, NOW))
    assert err.value.field == "cause_event_id"


def test_corrections_are_new_entries_never_edits(new_volunteer: Factory) -> None:
    volunteer = new_volunteer(workplace_community_id="org_work")
    book = Ledger(ledger.credit_task(credit(), volunteer, NOW))
    home = book.entries()[0]
    fix = ledger.correction(
        volunteer_id="vol_1", community_id="", hours_delta=-0.5, points_delta=-8, reason="logged 30 min too many",
        idempotency_key="fix-1", recorded_by="person_admin", now=NOW + timedelta(days=1), corrects=home,
    )  # fmt: skip
    assert fix.kind is LedgerEntryKind.CORRECTION
    assert fix.credited_community_id == "org_home"  # taken from the corrected entry
    assert fix.occurred_at == home.occurred_at and fix.corrects_entry_id == home.id
    assert book.append([fix]) == [fix]
    assert book.append([fix]) == []  # the same idempotency key again
    assert book.get(home.id) == home  # untouched
    balance = ledger.balance("vol_1", book.entries())
    assert balance.service_hours == 1.5
    assert balance.total_points == 38 + 38 - 8
    assert {c.community_id: (c.hours, c.points) for c in balance.communities} == {
        "org_home": (1.5, 30),
        "org_work": (2.0, 38),
    }
    assert balance.entry_count == 3


def test_correction_rules() -> None:
    base = {
        "volunteer_id": "vol_1", "community_id": "org_home", "hours_delta": 1.0, "points_delta": 10,
        "reason": "missed task", "idempotency_key": "k1", "recorded_by": "admin", "now": NOW,
    }  # fmt: skip
    entry = ledger.correction(**base)  # type: ignore[arg-type]
    assert entry.occurred_at == NOW and entry.hours == 1.0
    with pytest.raises(InvalidArgument) as err:
        ledger.correction(**{**base, "reason": ""})  # type: ignore[arg-type]
    assert err.value.field == "reason"
    with pytest.raises(InvalidArgument) as err:
        ledger.correction(**{**base, "hours_delta": 0.0, "points_delta": 0})  # type: ignore[arg-type]
    assert err.value.field == "points_delta"
    other = LedgerEntry(
        id="led_x", volunteer_id="vol_2", hours=1.0, points=10, credited_community_id="org_home",
        kind=LedgerEntryKind.HOME, cause_event_id="e", occurred_at=NOW, created_at=NOW,
    )  # fmt: skip
    with pytest.raises(InvalidArgument) as err:
        ledger.correction(**{**base, "corrects": other})  # type: ignore[arg-type]
    assert err.value.field == "corrects_entry_id"
    mine = LedgerEntry(
        id="led_y", volunteer_id="vol_1", hours=1.0, points=10, credited_community_id="org_work",
        kind=LedgerEntryKind.WORKPLACE, cause_event_id="e", occurred_at=NOW, created_at=NOW,
    )  # fmt: skip
    with pytest.raises(InvalidArgument) as err:
        ledger.correction(**{**base, "corrects": mine})  # type: ignore[arg-type]
    assert err.value.field == "community_id"


def test_correcting_a_workplace_mirror_does_not_change_service_hours(new_volunteer: Factory) -> None:
    volunteer = new_volunteer(workplace_community_id="org_work")
    book = Ledger(ledger.credit_task(credit(), volunteer, NOW))
    work = next(e for e in book.entries() if e.kind is LedgerEntryKind.WORKPLACE)
    book.append([
        ledger.correction(
            volunteer_id="vol_1", community_id="org_work", hours_delta=-2.0, points_delta=-38, reason="wrong unit",
            idempotency_key="k", recorded_by="admin", now=NOW, corrects=work,
        )
    ])  # fmt: skip
    balance = ledger.balance("vol_1", book.entries())
    assert balance.service_hours == 2.0
    assert balance.total_points == 38


def test_history_is_newest_first_and_filterable(new_volunteer: Factory) -> None:
    volunteer = new_volunteer(workplace_community_id="org_work")
    entries = [
        *ledger.credit_task(credit("e1", when=NOW), volunteer, NOW),
        *ledger.credit_task(credit("e2", when=NOW + timedelta(days=2)), volunteer, NOW),
    ]
    assert [e.cause_event_id for e in ledger.history(entries, "org_home")] == ["e2", "e1"]
    assert len(ledger.history(entries)) == 4


@pytest.mark.parametrize(
    ("period", "at", "start", "end"),
    [
        # 2025-03-31 17:00 UTC is already 1 April in the city (UTC+8)
        (LeaderboardPeriod.MONTH, datetime(2025, 3, 31, 17, 0, tzinfo=UTC), "2025-04-01", "2025-05-01"),
        (LeaderboardPeriod.MONTH, datetime(2025, 12, 10, tzinfo=UTC), "2025-12-01", "2026-01-01"),
        (LeaderboardPeriod.QUARTER, datetime(2025, 11, 10, tzinfo=UTC), "2025-10-01", "2026-01-01"),
        (LeaderboardPeriod.QUARTER, datetime(2025, 2, 10, tzinfo=UTC), "2025-01-01", "2025-04-01"),
        (LeaderboardPeriod.YEAR, datetime(2025, 6, 1, tzinfo=UTC), "2025-01-01", "2026-01-01"),
        (LeaderboardPeriod.WEEK, datetime(2025, 3, 5, 12, 0, tzinfo=UTC), "2025-03-03", "2025-03-10"),
    ],
)
def test_period_bounds_in_city_time(period: LeaderboardPeriod, at: datetime, start: str, end: str) -> None:
    bounds = ledger.period_bounds(period, at)
    assert bounds is not None
    assert bounds[0].isoformat() == f"{start}T00:00:00+08:00"
    assert bounds[1].isoformat() == f"{end}T00:00:00+08:00"


def test_all_time_has_no_bounds_and_naive_times_are_rejected() -> None:
    assert ledger.period_bounds(LeaderboardPeriod.ALL_TIME, NOW) is None
    with pytest.raises(InvalidArgument) as err:
        ledger.period_bounds(LeaderboardPeriod.MONTH, datetime(2025, 3, 1))
    assert err.value.field == "at"


def test_leaderboard_per_community_and_period(new_volunteer: Factory) -> None:
    march = datetime(2025, 3, 10, tzinfo=UTC)
    april = datetime(2025, 4, 10, tzinfo=UTC)
    alice = new_volunteer("alice", home_community_id="org_a", workplace_community_id="org_b")
    bob = new_volunteer("bob", home_community_id="org_a")
    carol = new_volunteer("carol", home_community_id="org_a")
    dave = new_volunteer("dave", home_community_id="org_c", workplace_community_id="org_a")
    entries = [
        *ledger.credit_task(credit("a1", 2.0, 5, march, "alice"), alice, march),  # 38
        *ledger.credit_task(credit("b1", 2.0, 5, march, "bob"), bob, march),  # 38
        *ledger.credit_task(credit("c1", 1.0, 3, march, "carol"), carol, march),  # 15
        *ledger.credit_task(credit("c2", 9.0, 5, april, "carol"), carol, april),  # April: not counted
        *ledger.credit_task(credit("d1", 3.0, 4, march, "dave"), dave, march),  # 42, via the workplace link
    ]
    bounds = ledger.period_bounds(LeaderboardPeriod.MONTH, march)
    rows = ledger.leaderboard(entries, "org_a", bounds)
    assert [(r.rank, r.volunteer_id, r.points) for r in rows] == [
        (1, "dave", 42),
        (2, "alice", 38),
        (2, "bob", 38),
        (4, "carol", 15),
    ]
    assert [r.volunteer_id for r in ledger.leaderboard(entries, "org_b", bounds)] == ["alice"]
    assert len(ledger.leaderboard(entries, "org_a", bounds, limit=2)) == 2
    all_time = ledger.leaderboard(entries, "org_a", None)
    assert all_time[0].volunteer_id == "carol" and all_time[0].points == 15 + 143


def test_points_credited_event(new_volunteer: Factory) -> None:
    [entry] = ledger.credit_task(credit(), new_volunteer(), NOW)
    event = encode(ledger.points_credited_event(entry))
    assert event.subject == "vol_1"
    assert event.payload["points"] == "38" and event.payload["kind"] == "LEDGER_ENTRY_KIND_HOME"
    assert event.id == encode(ledger.points_credited_event(entry)).id
