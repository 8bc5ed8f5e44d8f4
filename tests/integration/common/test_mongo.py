"""mongoengine and the kit's aggregate writes against the real MongoDB-compatible server."""

from __future__ import annotations

import threading

import mongoengine
import pytest
from pymongo.database import Database

from linli.common import mongo
from linli.common.cloudevents import new_event
from linli.common.errors import AlreadyExists, Conflict, NotFound
from linli.common.mongo import AggregateStore


class Station(mongo.AggregateDocument):
    code = mongoengine.StringField(required=True, unique=True)
    name = mongoengine.StringField(required=True)
    capacity = mongoengine.IntField(default=0)
    tags = mongoengine.ListField(mongoengine.StringField())
    meta = {"collection": "stations"}  # noqa: RUF012 - mongoengine's API


def test_create_query_and_unique_index(database: Database[mongo.Document]) -> None:
    Station.ensure_indexes()
    Station(code="JJ-001", name="东山社区会客厅", capacity=40).save()
    Station(code="JJ-002", name="Baiyun rest station", capacity=12).save()
    assert [s.code for s in Station.objects(capacity__gte=20)] == ["JJ-001"]
    assert Station.objects.get(code="JJ-002").name == "Baiyun rest station"
    with pytest.raises(mongoengine.NotUniqueError):
        Station(code="JJ-001", name="duplicate").save()
    assert Station.objects.count() == 2
    assert "outbox.seq_1" in database["stations"].index_information()


def test_atomic_push_pull_inc_and_find_and_modify(database: Database[mongo.Document]) -> None:
    station = Station(code="S1", name="n").save()
    Station.objects(id=station.id).update_one(push__tags="elderly", inc__capacity=5)
    Station.objects(id=station.id).update_one(push__tags="repairs")
    Station.objects(id=station.id).update_one(pull__tags="elderly")
    station.reload()
    assert station.tags == ["repairs"] and station.capacity == 5
    # find-and-modify returns the document as it was and changes it atomically
    before = Station.objects(id=station.id, capacity=5).modify(inc__capacity=1)
    assert before is not None and before.capacity == 5
    assert Station.objects.get(id=station.id).capacity == 6
    assert Station.objects(id=station.id, capacity=5).modify(inc__capacity=1) is None


def test_concurrent_writes_through_the_store_are_not_lost(database: Database[mongo.Document]) -> None:
    """FerretDB v1 can lose concurrent updates of one document made on separate connections;
    the store's per-aggregate lock is what makes this hold with a pool of 8."""
    store = AggregateStore(database["counters"])
    store.insert({"_id": "c", "n": 0})

    def bump() -> None:
        for _ in range(25):
            while True:
                current = store.get("c")
                try:
                    store.update("c", current["version"], {"n": current["n"] + 1})
                    break
                except Conflict:
                    continue

    threads = [threading.Thread(target=bump) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    final = store.get("c")
    assert final["n"] == 100 and final["version"] == 101


def test_ferretdb_is_detected_so_version_checks_avoid_scans(database: Database[mongo.Document]) -> None:
    assert mongo.is_ferretdb(database)
    assert AggregateStore(database["x"]).atomic_filters is False


@pytest.mark.parametrize("atomic_filters", [False, True], ids=["read-check-write", "filter-on-version"])
def test_aggregate_store_versions_and_conflicts(database: Database[mongo.Document], atomic_filters: bool) -> None:
    collection = database["requests"]
    collection.create_index("code", unique=True)
    woken: list[str] = []
    store = AggregateStore(
        collection,
        notify=lambda aggregate_id, _events, _replaced: woken.append(aggregate_id),
        entity="request",
        atomic_filters=atomic_filters,
    )
    event = new_event("requests", "org.linli.request.submitted.v1", "r1", {"id": "r1"})
    assert store.insert({"_id": "r1", "code": "A", "status": "submitted"}, [event]) == 1
    assert woken == ["r1"]
    with pytest.raises(AlreadyExists):
        store.insert({"_id": "r2", "code": "A"})

    accepted = new_event("requests", "org.linli.request.accepted.v1", "r1", {"id": "r1"})
    assert store.update("r1", 1, {"status": "accepted"}, [accepted]) == 2
    with pytest.raises(Conflict) as stale:
        store.update("r1", 1, {"status": "rejected"})
    assert stale.value.field == "expected_version"
    with pytest.raises(NotFound):
        store.update("missing", 1, {"status": "x"})

    stored = collection.find_one({"_id": "r1"})
    assert stored is not None
    assert stored["status"] == "accepted" and stored["version"] == 2  # the stale write changed nothing
    assert [e["id"] for e in stored["outbox"]] == [event.id, accepted.id]  # the first was still pending
    assert stored["outbox"][0]["seq"] < stored["outbox"][1]["seq"]
    assert "outbox" not in store.get("r1")
    # the failed writes (duplicate key, stale version, missing) left no number pending
    assert store.watermark.pending_count() == 2


def test_a_write_drops_the_published_events_and_keeps_pending_ones(database: Database[mongo.Document]) -> None:
    collection = database["requests"]
    store = AggregateStore(collection, entity="request")
    store.watermark.mark_recovered()  # as the relay does at start
    first = new_event("requests", "t.submitted", "r1", {})
    store.insert({"_id": "r1", "status": "submitted"}, [first])
    stored = collection.find_one({"_id": "r1"})
    assert stored is not None
    store.watermark.settle([stored["outbox"][0]["seq"]])  # what the relay does once Kafka acknowledged it

    second = new_event("requests", "t.accepted", "r1", {})
    store.update("r1", 1, {"status": "accepted"}, [second])
    assert [e["id"] for e in store.collection.find_one({"_id": "r1"})["outbox"]] == [second.id]  # type: ignore[index]
    third = new_event("requests", "t.resolved", "r1", {})
    store.update("r1", 2, {"status": "resolved"}, [third])  # the second is pending: appended behind it
    assert [e["id"] for e in store.collection.find_one({"_id": "r1"})["outbox"]] == [  # type: ignore[index]
        second.id,
        third.id,
    ]
    assert store.watermark.published_through() < min(
        e["seq"]
        for e in store.collection.find_one({"_id": "r1"})["outbox"]  # type: ignore[index]
    )


def test_before_recovery_a_write_never_drops_stored_events(database: Database[mongo.Document]) -> None:
    collection = database["requests"]
    left = new_event("requests", "t.left-by-a-crash", "r1", {})
    AggregateStore(collection).insert({"_id": "r1"}, [left])
    restarted = AggregateStore(collection)  # a new process: nothing of r1 is pending in its memory
    restarted.update("r1", 1, {"n": 1}, [new_event("requests", "t.next", "r1", {})])
    assert [e["type"] for e in collection.find_one({"_id": "r1"})["outbox"]] == [  # type: ignore[index]
        "t.left-by-a-crash",
        "t.next",
    ]


def test_concurrent_writers_of_one_version_have_exactly_one_winner(database: Database[mongo.Document]) -> None:
    store = AggregateStore(database["claims"], entity="request")
    store.insert({"_id": "r1", "claimed_by": ""})
    outcomes: list[str] = []

    def claim(volunteer: str) -> None:
        try:
            store.update("r1", 1, {"claimed_by": volunteer})
            outcomes.append(volunteer)
        except Conflict:
            outcomes.append("conflict")

    threads = [threading.Thread(target=claim, args=(f"v{i}",)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    winners = [o for o in outcomes if o != "conflict"]
    assert len(winners) == 1 and outcomes.count("conflict") == 7
    assert store.get("r1")["claimed_by"] == winners[0]
