"""The processed-events store's bounded retention, against real FerretDB."""

from __future__ import annotations

import datetime as dt

from pymongo.database import Database

from linli.common import mongo
from linli.common.cloudevents import new_event, utc_now
from linli.common.consumer import ProcessedEvents


def test_entries_older_than_the_retention_are_trimmed_and_recent_ones_kept(database: Database[mongo.Document]) -> None:
    store = ProcessedEvents(database["processed_events"], retention=dt.timedelta(days=7))
    old, recent = new_event("tests", "org.linli.test.v1", "s1", {}), new_event("tests", "org.linli.test.v1", "s2", {})
    store.mark("g", old)
    store.mark("g", recent)
    database["processed_events"].update_one(
        {"_id": f"g:{old.id}"}, {"$set": {"applied_at": utc_now() - dt.timedelta(days=8)}}
    )
    store.maintain()
    assert store.ttl_index is not None
    assert not store.seen("g", old.id) and store.seen("g", recent.id)
    assert store.trim(now=utc_now() + dt.timedelta(days=8)) == 1
    assert not store.seen("g", recent.id)


def test_a_ttl_index_where_the_server_has_one(database: Database[mongo.Document]) -> None:
    store = ProcessedEvents(database["processed_events"], retention=dt.timedelta(days=30))
    store.mark("g", new_event("tests", "org.linli.test.v1", "s1", {}))
    made = store.ensure_retention()
    indexes = database["processed_events"].index_information()
    if made:  # MongoDB
        assert indexes["applied_at_ttl"]["expireAfterSeconds"] == 30 * 86400
    else:  # FerretDB 1.24 has no TTL indexes: the trim uses a plain one
        assert indexes["applied_at"]["key"] == [("applied_at", 1)]
    # either way, running it again (every start) is harmless
    assert store.ensure_retention() == made


def test_an_index_of_other_options_falls_back_to_trimming(database: Database[mongo.Document]) -> None:
    database["processed_events"].create_index("applied_at", name="applied_at_ttl")  # no TTL
    store = ProcessedEvents(database["processed_events"], retention=dt.timedelta(days=30))
    assert store.ensure_retention() is False
    store.maintain()  # trims all the same
