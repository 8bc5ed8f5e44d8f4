"""Digest counters per community and day; the deadline-near and station-reminder watches."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from linli.notifications.domain.digest import DigestBook, day_start, digest_facts, local_day
from linli.notifications.domain.routing import DAILY_DIGEST, DEADLINE_NEAR, STATION_EVENT_REMINDER
from linli.notifications.domain.watches import (
    DeadlineWatch,
    StationEventWatch,
    deadline_near_facts,
    reminder_facts,
)
from tests.unit.notifications.domain_fakes import T0, facts

REQ = "org.linli.request."
DAY = date(2025, 3, 1)  # T0 is 10:00 on that day in the city


def test_counts_per_community_and_local_day() -> None:
    book = DigestBook()
    assert book.observe(facts(REQ + "submitted.v1", "e1"))
    assert book.observe(facts(REQ + "submitted.v1", "e2"))
    assert not book.observe(facts(REQ + "submitted.v1", "e2"))  # the same event again
    assert book.observe(facts(REQ + "resolved.v1", "e3"))
    assert book.observe(facts(REQ + "deadline_breached.v1", "e4"))
    assert book.observe(facts(REQ + "rated.v1", "e5", values={"stars": "5"}))
    assert book.observe(facts(REQ + "rated.v1", "e6", values={"stars": "4"}))
    assert not book.observe(facts(REQ + "rated.v1", "e7", values={"stars": "9"}))
    assert not book.observe(facts(REQ + "accepted.v1", "e8"))
    assert not book.observe(facts(REQ + "submitted.v1", "e9", community_id=""))
    assert book.observe(facts(REQ + "submitted.v1", "e10", community_id="com_2"))
    # 17:00 UTC is 01:00 next day in the city
    assert book.observe(facts(REQ + "submitted.v1", "e11", occurred_at=datetime(2025, 3, 1, 17, 0, tzinfo=UTC)))
    counts = book.counts("com_1", DAY)
    assert (counts.submitted, counts.resolved, counts.breaches, counts.average_rating) == (2, 1, 1, 4.5)
    assert counts.values() == {"submitted": "2", "resolved": "1", "breaches": "1", "average_rating": "4.5"}
    assert book.communities(DAY) == ("com_1", "com_2")
    assert book.counts("com_1", date(2025, 3, 2)).submitted == 1
    assert book.counts("com_9", DAY).values()["average_rating"] == ""


def test_personal_digest_counts_and_take() -> None:
    book = DigestBook()
    assert book.count_for("p_1", "request.resolved", "e1", T0)
    assert not book.count_for("p_1", "request.resolved", "e1", T0)
    assert book.count_for("p_1", "request.resolved", "e2", T0)
    assert book.count_for("p_1", "offer.made", "e3", T0)
    assert book.personal(DAY) == {"p_1": {"request.resolved": 2, "offer.made": 1}}
    book.observe(facts(REQ + "submitted.v1", "e4"))
    communities, persons = book.take(DAY)
    assert communities["com_1"].submitted == 1 and persons["p_1"].kinds["offer.made"] == 1
    assert book.take(DAY) == ({}, {}) and book.personal(DAY) == {}


def test_only_recent_days_are_kept() -> None:
    book = DigestBook(keep_days=2)
    for day in range(1, 6):
        book.observe(facts(REQ + "submitted.v1", f"e{day}", occurred_at=datetime(2025, 3, day, 2, tzinfo=UTC)))
    assert book.communities(date(2025, 3, 3)) == ()
    assert book.communities(date(2025, 3, 5)) == ("com_1",)
    assert not book.observe(facts(REQ + "submitted.v1", "old", occurred_at=datetime(2025, 3, 1, 2, tzinfo=UTC)))


def test_digest_facts_are_derived() -> None:
    book = DigestBook()
    book.observe(facts(REQ + "submitted.v1", "e1"))
    made = digest_facts("com_1", DAY, book.counts("com_1", DAY), T0, community="Sunny Garden")
    again = digest_facts("com_1", DAY, book.counts("com_1", DAY), T0 + timedelta(minutes=5))
    assert made.event_id == again.event_id and made.event_type == DAILY_DIGEST and made.community_id == "com_1"
    assert made.values["submitted"] == "1" and made.values["day"] == "2025-03-01"
    assert made.values["community"] == "Sunny Garden"
    assert local_day(day_start(DAY)) == DAY and local_day(day_start(DAY) - timedelta(seconds=1)) == date(2025, 2, 28)


def test_deadline_near_is_reported_once_within_the_lead() -> None:
    watch = DeadlineWatch(lead=timedelta(minutes=30))
    watch.observe(
        facts(
            REQ + "submitted.v1",
            "e1",
            values={"status": "submitted", "deadline": "2025-03-01T04:00:00Z", "deadline_kind": "accept"},
        )
    )
    assert watch.due(datetime(2025, 3, 1, 3, 29, tzinfo=UTC)) == []
    (due,) = watch.due(datetime(2025, 3, 1, 3, 30, tzinfo=UTC))
    assert (due.request_id, due.which, due.deadline) == ("req_1", "accept", datetime(2025, 3, 1, 4, 0, tzinfo=UTC))
    assert watch.due(datetime(2025, 3, 1, 3, 45, tzinfo=UTC)) == []
    # accepted: now the resolve deadline is watched
    watch.observe(
        facts(
            REQ + "accepted.v1",
            "e2",
            occurred_at=T0 + timedelta(minutes=1),
            values={
                "title": "Stair light",
                "status": "accepted",
                "deadline": "2025-03-02T04:00:00Z",
                "deadline_kind": "resolve",
            },
        )
    )
    assert watch.due(datetime(2025, 3, 1, 3, 59, tzinfo=UTC)) == []
    (due,) = watch.due(datetime(2025, 3, 2, 3, 40, tzinfo=UTC))
    assert due.which == "resolve" and due.facts.event_id == "e2"
    near = deadline_near_facts(due, datetime(2025, 3, 2, 3, 40, tzinfo=UTC))
    assert near.event_type == DEADLINE_NEAR and near.urgent and near.subject_id == "req_1"
    assert near.values["deadline"] == "2025-03-02T04:00:00Z" and near.values["deadline_kind"] == "resolve"
    assert near.community_id == "com_1" and near.values["title"] == "Stair light"
    assert near.event_id == deadline_near_facts(due, T0).event_id != "e2"


def test_moved_deadlines_passed_deadlines_and_closed_requests() -> None:
    watch = DeadlineWatch(lead=timedelta(hours=1))
    values = {"status": "in_progress", "deadline": "2025-03-01T04:00:00Z", "deadline_kind": "resolve"}
    watch.observe(facts(REQ + "work_started.v1", "e1", values=values))
    assert watch.due(datetime(2025, 3, 1, 5, 0, tzinfo=UTC)) == []  # already passed: the breach covers it
    watch.observe(
        facts(
            REQ + "reopened.v1",
            "e2",
            occurred_at=T0 + timedelta(hours=1),
            values={**values, "deadline": "2025-03-01T09:00:00Z"},
        )
    )
    assert len(watch.due(datetime(2025, 3, 1, 8, 30, tzinfo=UTC))) == 1  # a moved deadline is new
    # an escalation names the acknowledge deadline: the resolve deadline stays watched
    watch.observe(
        facts(
            REQ + "escalated.v1",
            "e3",
            occurred_at=T0 + timedelta(hours=2),
            values={**values, "deadline": "2025-03-01T12:00:00Z", "deadline_kind": "acknowledge"},
        )
    )
    assert len(watch) == 1
    watch.observe(facts(REQ + "resolved.v1", "e4", occurred_at=T0 + timedelta(hours=3), values={"status": "resolved"}))
    assert len(watch) == 0


def test_late_events_and_explicit_deadlines() -> None:
    watch = DeadlineWatch(lead=timedelta(hours=1))
    watch.observe(
        facts(
            REQ + "accepted.v1",
            "new",
            occurred_at=T0,
            values={"status": "accepted", "resolve_by": "2025-03-01T06:00:00Z", "accept_by": "2025-03-01T03:00:00Z"},
        )
    )
    watch.observe(
        facts(
            REQ + "submitted.v1",
            "old",
            occurred_at=T0 - timedelta(hours=1),
            values={"status": "submitted", "deadline": "2025-03-01T03:00:00Z", "deadline_kind": "accept"},
        )
    )
    dues = watch.due(datetime(2025, 3, 1, 5, 30, tzinfo=UTC))
    assert [(d.which, d.facts.event_id) for d in dues] == [("resolve", "new")]
    watch.observe(facts("org.linli.points.credited.v1", "x", values={"status": "resolved"}))
    assert len(watch) == 1
    watch.forget("req_1")
    assert len(watch) == 0


def test_station_event_reminders() -> None:
    watch = StationEventWatch(lead=timedelta(hours=2))
    scheduled = "org.linli.station_event.scheduled.v1"
    event = facts(
        scheduled,
        "s1",
        subject_id="sev_1",
        people={"signed_up": ("p_1", "p_2")},
        values={"event_title": "Tea", "starts_at": "2025-03-01T08:00:00Z"},
    )
    watch.observe(event)
    watch.observe(
        facts(scheduled, "s2", subject_id="sev_2", values={"starts_at": "2025-03-01T08:00:00Z", "cancelled": "true"})
    )
    watch.observe(facts(REQ + "submitted.v1", "x", values={"starts_at": "2025-03-01T08:00:00Z"}))
    assert len(watch) == 1
    assert watch.due(datetime(2025, 3, 1, 5, 59, tzinfo=UTC)) == []
    (due,) = watch.due(datetime(2025, 3, 1, 6, 0, tzinfo=UTC))
    assert due.event_id == "sev_1" and due.starts_at == datetime(2025, 3, 1, 8, 0, tzinfo=UTC)
    assert watch.due(datetime(2025, 3, 1, 7, 0, tzinfo=UTC)) == []
    reminder = reminder_facts(due, datetime(2025, 3, 1, 6, 0, tzinfo=UTC))
    assert reminder.event_type == STATION_EVENT_REMINDER and reminder.people["signed_up"] == ("p_1", "p_2")
    assert reminder.event_id == reminder_facts(due, T0).event_id
    # moved later: reminded again; cancelled: forgotten; started: forgotten
    watch.observe(facts(scheduled, "s3", subject_id="sev_1", values={"starts_at": "2025-03-01T12:00:00Z"}))
    assert len(watch.due(datetime(2025, 3, 1, 10, 30, tzinfo=UTC))) == 1
    assert watch.due(datetime(2025, 3, 1, 12, 0, tzinfo=UTC)) == [] and len(watch) == 0
    watch.observe(event)
    watch.observe(
        facts(scheduled, "s4", subject_id="sev_1", values={"starts_at": "2025-03-01T08:00:00Z", "cancelled": "true"})
    )
    assert len(watch) == 0
