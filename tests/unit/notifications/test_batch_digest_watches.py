"""The consumers' batch path (``ApplyEvents``), the personal digest, neutral titles before a
request's public title is approved, and the watches' persistence, on in-memory fakes."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from linli.notifications.adapters import watch_store as ws
from linli.notifications.domain.digest import MAX_HELD_ITEMS, personal_digest_facts
from linli.notifications.domain.model import Channel, Delivery, HandlerRef, InboxEntry, KindPreference, Preferences
from linli.notifications.domain.preferences import wants_digest
from linli.notifications.domain.routing import DEFAULT_RULES, PERSONAL_DIGEST, rule_named
from linli.notifications.domain.templates import neutral_title
from linli.notifications.entrypoints.timers import DailyDigest, WatchPersistence, make_watches
from linli.notifications.service_layer.commands import ApplyEvents, Incoming
from linli.notifications.service_layer.routing_handler import handle_apply_events
from tests.unit.notifications.domain_fakes import T0, facts
from tests.unit.notifications.test_apply_event import TEMPLATES, App, FakeReadModel

REQ = "org.linli.request."
DAY = date(2025, 3, 1)


class BatchReadModel(FakeReadModel):
    def holds(self, kind: type[Any], aggregate_id: str) -> bool:
        return (kind, aggregate_id) in self.items


class MemoryStore:
    """``BatchStore``: ids stored before are refused, like the unique ``_id``."""

    def __init__(self, stored: set[str] | None = None) -> None:
        self.stored = set(stored or ())
        self.writes: list[list[str]] = []

    def insert_new(self, aggregates: Sequence[Any]) -> set[str]:
        self.writes.append([a.id for a in aggregates])
        fresh = {a.id for a in aggregates} - self.stored
        self.stored |= fresh
        return fresh


def apply_batch(store: MemoryStore, read_model: BatchReadModel, *events: Any, now: datetime = T0) -> Any:
    return handle_apply_events(
        ApplyEvents(events=tuple(Incoming(f) for f in events)),
        store,
        read_model,
        None,
        TEMPLATES,
        DEFAULT_RULES,
        lambda: now,
        base_url="https://linli.example",
    )


def accepted(event_id: str, person: str, **values: str) -> Any:
    return facts(
        REQ + "accepted.v1",
        event_id,
        people={"requester": (person,)},
        values={"request_id": "req_1", "status": "accepted", "category": "repairs", **values},
    )


# -- the batch path ---------------------------------------------------------------------------------


def test_a_batch_is_one_insert_per_kind_and_reports_only_what_it_inserted() -> None:
    store, read_model = MemoryStore(), BatchReadModel()
    read_model.put(Preferences(id="p_2", email="p2@example.org"))
    result = apply_batch(store, read_model, *(accepted(f"e{n}", f"p_{n}", title="Stair light") for n in range(5)))
    assert len(result.inbox_entry_ids) == 5 and len(result.delivery_ids) == 1  # p_2's e-mail
    assert [len(write) for write in store.writes] == [5, 1]
    assert {e.person_id for e in read_model.all(InboxEntry)} == {f"p_{n}" for n in range(5)}
    (email,) = read_model.all(Delivery)
    assert email.channel is Channel.EMAIL and email.message.html  # e-mail gets its HTML part
    assert all(not e.title.endswith(":") for e in read_model.all(InboxEntry))


def test_a_replayed_batch_writes_nothing_twice_and_reports_nothing_new() -> None:
    events = [accepted(f"e{n}", f"p_{n}") for n in range(4)]
    store, read_model = MemoryStore(), BatchReadModel()
    first = apply_batch(store, read_model, *events)
    again = apply_batch(store, read_model, *events)  # held in memory: not even sent to the store
    assert len(first.inbox_entry_ids) == 4 and again.inbox_entry_ids == () and len(store.writes) == 1
    # after a restart the memory is empty, but the store's unique ids refuse the doubles
    restarted = BatchReadModel()
    replay = apply_batch(store, restarted, *events, accepted("e9", "p_9"))
    assert len(replay.inbox_entry_ids) == 1 and [e.person_id for e in restarted.all(InboxEntry)] == ["p_9"]


def test_the_batch_resolves_its_volunteers_in_one_directory_call() -> None:
    app = App()
    offered = [
        facts(REQ + "offered.v1", f"o{n}", volunteer_ids={"candidates": ("vol_1", "vol_2")}, values={"title": "T"})
        for n in range(3)
    ]
    handle_apply_events(
        ApplyEvents(events=tuple(Incoming(f) for f in offered)),
        MemoryStore(),
        BatchReadModel(),
        app.directory,
        TEMPLATES,
        DEFAULT_RULES,
        lambda: T0,
    )
    assert app.directory.calls == 1 + 3 * 1  # one for the batch; each event's own lookup hits a cache in real life


# -- neutral titles ---------------------------------------------------------------------------------


def test_before_the_public_title_is_approved_the_title_is_the_category_and_status() -> None:
    app = App()
    app.prefs("p_en", language="en")
    private = "3单元楼道灯不亮，电话13912345678"
    event = facts(
        REQ + "accepted.v1",
        "e-neutral",
        people={"requester": ("p_en", "p_zh")},
        values={"request_id": "req_1", "status": "accepted", "category": "repairs", "title": ""},
    )
    app.apply(event)
    titles = {e.person_id: e.title for e in app.entries()}
    assert titles == {
        "p_en": "Your request was accepted: Repairs request (accepted)",
        "p_zh": "您的求助已受理：维修类求助（已受理）",
    }
    assert all(private not in e.body for e in app.entries())
    assert neutral_title("en", "odd_code", "") == "Odd code request"
    assert neutral_title("zh-CN", "", "已受理") == "求助（已受理）"


def test_an_approved_public_title_is_used_as_is() -> None:
    app = App()
    app.apply(accepted("e-public", "p_1", title="楼道灯坏了"))
    (entry,) = app.entries()
    assert entry.title.endswith("楼道灯坏了")


# -- the personal digest ----------------------------------------------------------------------------


def test_held_notifications_become_one_personal_digest_per_person_in_their_language() -> None:
    digest = DailyDigest(time(8, 0))
    app = App()
    app.digest = digest  # type: ignore[assignment]
    app.prefs(
        "p_r",
        language="en",
        email="r@example.org",
        kinds=(KindPreference("request.resolved", digest=True), KindPreference("request.accepted", digest=True)),
    )
    resolved_values = {"title": "Stair light", "link": "/requests/req_1"}
    app.apply(facts(REQ + "resolved.v1", "e1", people={"requester": ("p_r",)}, values=resolved_values))
    app.apply(facts(REQ + "accepted.v1", "e2", people={"requester": ("p_r",)}, values={"title": "Water leak"}))
    app.apply(facts(REQ + "accepted.v1", "e2", people={"requester": ("p_r",)}, values={"title": "Water leak"}))
    assert app.deliveries() == []  # held, not sent
    next_morning = datetime(2025, 3, 2, 1, 0, tzinfo=UTC)  # 09:00 in the city
    (personal,) = [f for f in digest.due(next_morning) if f.event_type == PERSONAL_DIGEST]
    assert digest.due(next_morning) == []  # once per day
    assert personal.people == {"person": ("p_r",)} and personal.values["count"] == "2"
    app.apply(personal)
    (entry,) = [e for e in app.entries() if e.kind == "digest.personal"]
    assert entry.person_id == "p_r" and entry.title == "Your digest of 2025-03-01: 2 notifications"
    assert "Stair light" in entry.body and "Water leak" in entry.body and "/requests/req_1" in entry.body
    (mail,) = app.deliveries()
    assert mail.channel is Channel.EMAIL and mail.kind == "digest.personal" and mail.address == "r@example.org"
    assert "Water leak" in mail.message.html
    app.apply(personal)  # the timer again after a restart: nothing twice
    assert len(app.deliveries()) == 1


def test_a_long_day_lists_the_first_items_and_counts_the_rest() -> None:
    digest = DailyDigest(time(8, 0))
    for n in range(MAX_HELD_ITEMS + 5):
        digest.count_for("p_1", "offer.made", f"e{n}", T0, title=f"Offer {n}")
    _, personal = digest.book.take(DAY)
    made = personal_digest_facts("p_1", DAY, personal["p_1"], T0)
    assert made.values["count"] == str(MAX_HELD_ITEMS + 5) and made.values["more"] == "5"
    assert made.values["items"].count("\n") == MAX_HELD_ITEMS - 1
    message = TEMPLATES.render("digest.personal", "zh-CN", made.values, "")
    assert "另有 5 条未列出" in message.body


def test_digests_are_never_held_for_a_digest() -> None:
    rule = rule_named("digest.personal", DEFAULT_RULES)
    assert rule is not None
    prefs = Preferences(id="p", kinds=(KindPreference("digest.personal", digest=True),))
    assert not wants_digest(rule, prefs)


# -- persistence of the watches ---------------------------------------------------------------------


class MemoryWatchStore:
    def __init__(self) -> None:
        self.documents: dict[str, dict[str, Any]] = {}
        self.fail = False
        self.writes = 0
        self.inserted: list[str] = []

    def load(self) -> list[dict[str, Any]]:
        return [{"_id": key, **body} for key, body in self.documents.items()]

    def write(self, documents: Mapping[str, dict[str, Any] | None], new: Collection[str] = ()) -> None:
        if self.fail:
            raise ConnectionError("database went away")
        assert not set(new) & set(self.documents), "an id stored before is never inserted as new"
        self.inserted += sorted(new)
        self.writes += 1
        for key, body in documents.items():
            if body is None:
                self.documents.pop(key, None)
            else:
                self.documents[key] = dict(body)


def watches_on(store: MemoryWatchStore) -> tuple[Any, WatchPersistence]:
    watches = make_watches(deadline_near_minutes=30, station_reminder_hours=2, digest_time="08:00")
    return watches, WatchPersistence(watches, store)  # type: ignore[arg-type]


def test_a_restart_keeps_pending_deadlines_reminders_digest_counts_and_held_items() -> None:
    store = MemoryWatchStore()
    watches, persistence = watches_on(store)
    deadline = T0 + timedelta(hours=1)
    dispatched = facts(
        REQ + "dispatched.v1",
        "e-d",
        handlers={"handler": (HandlerRef("staff", "p_h"),)},
        values={"status": "dispatched", "deadline": deadline.isoformat(), "deadline_kind": "resolve"},
    )
    station = facts(
        "org.linli.station_event.scheduled.v1",
        "e-s",
        subject_id="sev_1",
        people={"signed_up": ("p_s",)},
        values={"starts_at": (T0 + timedelta(hours=3)).isoformat(), "station_id": "st_1"},
    )
    for event in (
        dispatched,
        station,
        facts(REQ + "submitted.v1", "e-sub", subject_id="req_2"),
        facts(REQ + "resolved.v1", "e-res", subject_id="req_3"),
    ):
        watches.observe(event)
    watches.digest.count_for("p_r", "request.resolved", "e-res", T0, title="Stair light", link="/requests/req_1")
    persistence.flush()
    persistence.flush()  # nothing changed: nothing written
    assert store.writes == 1 and len(store.inserted) == 4  # all new: inserted, not upserted

    restarted, again = watches_on(store)
    assert again.restore() == len(store.documents) == 4
    near = restarted.deadlines.due(deadline - timedelta(minutes=10))
    assert [f.handlers["handler"][0].id for f in near] == ["p_h"]
    (reminder,) = restarted.stations.due(T0 + timedelta(hours=2))
    assert reminder.people["signed_up"] == ("p_s",)
    made = restarted.digest.due(datetime(2025, 3, 2, 1, 0, tzinfo=UTC))
    community = next(f for f in made if f.event_type != PERSONAL_DIGEST)
    assert (community.values["submitted"], community.values["resolved"]) == ("1", "1")
    personal = next(f for f in made if f.event_type == PERSONAL_DIGEST)
    assert "Stair light" in personal.values["items"]
    again.flush()  # reported and sent: written, the day's digest documents deleted

    third, last = watches_on(store)
    last.restore()
    assert third.deadlines.due(deadline - timedelta(minutes=5)) == []  # reported once, even across restarts
    assert third.digest.due(datetime(2025, 3, 2, 2, 0, tzinfo=UTC)) == []  # the day's digests went out
    assert not any(key.startswith("digest|") for key in store.documents)


def test_a_failed_write_is_raised_and_written_with_the_next_flush() -> None:
    store = MemoryWatchStore()
    watches, persistence = watches_on(store)
    watches.digest.count_for("p_r", "request.resolved", "e1", T0, title="T")
    store.fail = True
    try:
        persistence.flush()
    except ConnectionError:
        pass
    else:
        raise AssertionError("the failure must reach the consumer, so its offsets are not committed")
    store.fail = False
    persistence.flush()
    assert list(store.documents) == [ws.digest_id("person", DAY, "p_r")]


def test_facts_survive_the_document_round_trip() -> None:
    event = facts(
        REQ + "escalated.v1",
        "e-x",
        people={"requester": ("p_1",), "followers": ("p_2", "p_3")},
        volunteer_ids={"candidates": ("vol_1",)},
        handlers={"handler": (HandlerRef("unit", "u_1"),)},
        values={"title": "T", "level": "1"},
        urgent=True,
    )
    assert ws.facts_from(ws.facts_document(event)) == event
