"""The watch store on the real MongoDB-compatible server: every kind of watch document is
accepted (FerretDB refuses a dot in a field name, which notification kinds such as "offer.made"
hold, and arrays of arrays), and a document the server refuses is logged and left out instead
of failing every later write and the documents written with it."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime

from pymongo.database import Database

from linli.common import mongo
from linli.notifications.adapters import watch_store as ws
from linli.notifications.domain.digest import HeldItem, PersonalDigest
from linli.notifications.domain.model import EventFacts, HandlerRef
from linli.notifications.domain.watches import Watched


def test_a_personal_digest_with_dotted_kinds_is_stored_and_read_back(database: Database[mongo.Document]) -> None:
    store = ws.WatchStore(database[ws.COLLECTION])
    held = PersonalDigest(
        kinds=Counter({"offer.made": 2, "request.resolved": 1}),
        items=[HeldItem("offer.made", "e1", "Repairs request (accepted)", "/requests/r1")],
        seen={("offer.made", "e1"), ("offer.made", "e2"), ("request.resolved", "e3")},
    )
    key = ws.digest_id("person", date(2026, 12, 1), "person-1")
    store.write({key: ws.personal_document(held)}, new={key})
    (document,) = store.load()
    assert ws.personal_from(document) == held
    held.kinds["offer.made"] += 1
    store.write({key: ws.personal_document(held)})  # a replace, as the next batch does
    assert ws.personal_from(store.load()[0]).kinds["offer.made"] == 3


def test_a_refused_document_does_not_block_the_others(database: Database[mongo.Document]) -> None:
    store = ws.WatchStore(database[ws.COLLECTION])
    bad, good = "digest|2026-12-01|person|bad", "digest|2026-12-01|person|good"
    body = ws.personal_document(PersonalDigest(kinds=Counter({"offer.made": 1})))
    store.write({bad: {"kinds": {"offer.made": 1}}, good: body}, new={bad, good})
    assert [d["_id"] for d in store.load()] == [good]


def test_deadline_and_station_watches_are_stored_and_read_back(database: Database[mongo.Document]) -> None:
    store = ws.WatchStore(database[ws.COLLECTION])
    at = datetime(2026, 12, 1, 8, 30, tzinfo=UTC)
    facts = EventFacts(
        event_id="e1",
        event_type="org.linli.request.accepted.v1",
        source="/linli/requests",
        subject_id="req_1",
        occurred_at=at,
        community_id="org_c",
        people={"requester": ("person-1",)},
        handlers={"assignee": (HandlerRef("organization", "org_c"),)},
        values={"title": "Repairs request (accepted)"},
    )
    watched = Watched(facts=facts, deadlines={"resolve": at}, reported={("resolve", at), ("accept", at)})
    deadline, station = ws.deadline_id("req_1"), ws.station_id("sev_1")
    store.write(
        {deadline: ws.watched_document(watched), station: ws.station_document(facts, at, [at])},
        new={deadline, station},
    )
    documents = {d["_id"]: d for d in store.load()}
    assert ws.watched_from(documents[deadline]) == watched
    assert ws.facts_from(documents[station]["facts"]) == facts
