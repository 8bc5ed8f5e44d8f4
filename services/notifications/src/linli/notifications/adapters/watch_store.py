"""The timers' watches as documents in the ``watch_state`` collection, so a restart keeps the
pending deadline and station reminders, the digests' counts and the items held for personal
digests.

One document per thing followed, its ``_id`` saying what it is:

| ``_id`` | what |
|---|---|
| ``deadline|<request id>`` | the request's latest facts, its deadlines, those already reported |
| ``station|<station event id>`` | the event's facts, its start, the starts already reminded of |
| ``digest|<day>|community|<id>`` | the community's counts of the day and the event ids counted |
| ``digest|<day>|person|<id>`` | a person's held notifications of the day (counts, items, ids seen) |
| ``digest_sent`` | the days whose digests went out |

``WatchStore.write`` inserts the documents it is told are new in one ``insert_many``
(unordered: on FerretDB an upsert reads before it writes, and costs about three inserts),
replaces the other changed ones and deletes the ones gone in one ``bulk_write`` (a "new" one
found stored after all is replaced too); ``load`` reads them all (a scan, at start). The documents are
plain data: ``facts_document`` / ``facts_from`` map ``EventFacts`` by hand, since its maps of
tuples and handler references are not what the kit's codec stores as is.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Collection as Keys
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime
from typing import Any

from pymongo import DeleteOne, ReplaceOne
from pymongo.collection import Collection
from pymongo.errors import BulkWriteError, DuplicateKeyError, WriteError

from linli.common.mongo import Document
from linli.notifications.domain.digest import DigestCounts, HeldItem, PersonalDigest
from linli.notifications.domain.model import EventFacts, HandlerRef
from linli.notifications.domain.watches import Watched

COLLECTION = "watch_state"
SENT_ID = "digest_sent"
_DUPLICATE_KEY = 11000

log = logging.getLogger(__name__)


def deadline_id(request_id: str) -> str:
    return f"deadline|{request_id}"


def station_id(event_id: str) -> str:
    return f"station|{event_id}"


def digest_id(kind: str, day: date, key: str) -> str:
    return f"digest|{day.isoformat()}|{kind}|{key}"


def aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


# -- EventFacts ---------------------------------------------------------------------------------


def facts_document(facts: EventFacts) -> Document:
    return {
        "event_id": facts.event_id,
        "event_type": facts.event_type,
        "source": facts.source,
        "subject_id": facts.subject_id,
        "occurred_at": facts.occurred_at,
        "community_id": facts.community_id,
        "street_id": facts.street_id,
        "grid_id": facts.grid_id,
        "org_path": list(facts.org_path),
        "department_id": facts.department_id,
        "people": {part: list(ids) for part, ids in facts.people.items()},
        "volunteer_ids": {part: list(ids) for part, ids in facts.volunteer_ids.items()},
        "handlers": {part: [{"kind": h.kind, "id": h.id} for h in refs] for part, refs in facts.handlers.items()},
        "values": dict(facts.values),
        "urgent": facts.urgent,
    }


def _ids(raw: Any) -> dict[str, tuple[str, ...]]:
    return {str(part): tuple(str(i) for i in ids) for part, ids in dict(raw or {}).items()}


def facts_from(document: Mapping[str, Any]) -> EventFacts:
    return EventFacts(
        event_id=str(document["event_id"]),
        event_type=str(document["event_type"]),
        source=str(document.get("source", "")),
        subject_id=str(document.get("subject_id", "")),
        occurred_at=aware(document["occurred_at"]),
        community_id=str(document.get("community_id", "")),
        street_id=str(document.get("street_id", "")),
        grid_id=str(document.get("grid_id", "")),
        org_path=tuple(str(i) for i in document.get("org_path") or ()),
        department_id=str(document.get("department_id", "")),
        people=_ids(document.get("people")),
        volunteer_ids=_ids(document.get("volunteer_ids")),
        handlers={
            str(part): tuple(HandlerRef(str(kind), str(ref)) for kind, ref in _pairs(refs, "kind", "id"))
            for part, refs in dict(document.get("handlers") or {}).items()
        },
        values={str(k): str(v) for k, v in dict(document.get("values") or {}).items()},
        urgent=bool(document.get("urgent", False)),
    )


# -- the watches' states ------------------------------------------------------------------------


def watched_document(watched: Watched) -> Document:
    return {
        "facts": facts_document(watched.facts),
        "deadlines": dict(watched.deadlines),
        "reported": [{"which": which, "at": at} for which, at in sorted(watched.reported)],
    }


def watched_from(document: Mapping[str, Any]) -> Watched:
    return Watched(
        facts=facts_from(document["facts"]),
        deadlines={str(k): aware(v) for k, v in dict(document.get("deadlines") or {}).items()},
        reported={(str(which), aware(at)) for which, at in _pairs(document.get("reported"), "which", "at")},
    )


def station_document(facts: EventFacts, starts_at: datetime, reported: Iterable[datetime]) -> Document:
    return {"facts": facts_document(facts), "starts_at": starts_at, "reported": list(reported)}


def community_document(counts: DigestCounts, events: Iterable[str]) -> Document:
    return {
        "submitted": counts.submitted,
        "resolved": counts.resolved,
        "breaches": counts.breaches,
        "rating_sum": counts.rating_sum,
        "ratings": counts.ratings,
        "events": sorted(events),
    }


def counts_from(document: Mapping[str, Any]) -> DigestCounts:
    return DigestCounts(
        submitted=int(document.get("submitted", 0)),
        resolved=int(document.get("resolved", 0)),
        breaches=int(document.get("breaches", 0)),
        rating_sum=int(document.get("rating_sum", 0)),
        ratings=int(document.get("ratings", 0)),
    )


def personal_document(held: PersonalDigest) -> Document:
    return {
        # A list, not a map: kinds such as "offer.made" hold a dot, which FerretDB refuses in a
        # field name (and MongoDB treats as a path).
        "kinds": [{"kind": kind, "count": count} for kind, count in sorted(held.kinds.items())],
        "items": [{"kind": i.kind, "event_id": i.event_id, "title": i.title, "link": i.link} for i in held.items],
        "seen": [{"kind": kind, "event_id": event_id} for kind, event_id in sorted(held.seen)],
    }


def _pairs(raw: Any, first: str, second: str) -> list[tuple[Any, Any]]:
    """Pairs stored as ``{first: .., second: ..}`` documents (FerretDB stores no arrays of
    arrays), or as a map or a list of pairs (what earlier versions wrote, in memory only)."""
    if isinstance(raw, Mapping):
        return list(raw.items())
    return [(item[first], item[second]) if isinstance(item, Mapping) else (item[0], item[1]) for item in raw or ()]


def personal_from(document: Mapping[str, Any]) -> PersonalDigest:
    return PersonalDigest(
        kinds=Counter({str(k): int(v) for k, v in _pairs(document.get("kinds"), "kind", "count")}),
        items=[
            HeldItem(str(i["kind"]), str(i["event_id"]), str(i.get("title", "")), str(i.get("link", "")))
            for i in document.get("items") or ()
        ],
        seen={(str(kind), str(event_id)) for kind, event_id in _pairs(document.get("seen"), "kind", "event_id")},
    )


# -- the collection -----------------------------------------------------------------------------


def _log_refused(errors: list[dict[str, Any]], keys: list[str]) -> set[str]:
    """Logs the documents the server refused for good (not a duplicate id); the ids. A write
    error is about one document (a transient failure raises another exception), so retrying it
    would only block every later write."""
    refused = {key for key, e in zip(keys, errors, strict=True) if e.get("code") != _DUPLICATE_KEY}
    for key, e in zip(keys, errors, strict=True):
        if e.get("code") != _DUPLICATE_KEY:
            log.error(
                "watch document refused",
                extra={"id": key[:200], "code": e.get("code"), "error": str(e.get("errmsg", ""))[:300]},
            )
    return refused


class WatchStore:
    """Reads and writes the watch documents (see the module docstring)."""

    def __init__(self, collection: Collection[Document]) -> None:
        self.collection = collection

    def load(self) -> list[Document]:
        return list(self.collection.find({}))

    def write(self, documents: Mapping[str, Document | None], new: Keys[str] = ()) -> None:
        """Inserts the ``new`` ones, replaces (upserts) the others, deletes those given as None."""
        fresh = sorted(key for key in new if documents.get(key) is not None)
        stored_already: set[str] = set()
        refused: set[str] = set()
        if fresh:
            try:
                self.collection.insert_many([{"_id": key, **(documents[key] or {})} for key in fresh], ordered=False)
            except BulkWriteError as error:
                errors = (error.details or {}).get("writeErrors", [])
                stored_already = {fresh[int(e["index"])] for e in errors if e.get("code") == _DUPLICATE_KEY}
                # FerretDB refuses a whole batch for one bad document: the others go one by one
                for e in errors:
                    key = fresh[int(e["index"])]
                    if e.get("code") == _DUPLICATE_KEY:
                        continue
                    try:
                        self.collection.insert_one({"_id": key, **(documents[key] or {})})
                    except DuplicateKeyError:
                        stored_already.add(key)
                    except WriteError as refusal:
                        refused |= _log_refused([dict(refusal.details or {})], [key])
        inserted = set(fresh) - stored_already
        keys = [key for key in sorted(documents) if key not in inserted and key not in refused]
        operations: list[Any] = [
            DeleteOne({"_id": key}) if documents[key] is None else ReplaceOne({"_id": key}, documents[key], upsert=True)
            for key in keys
        ]
        if operations:
            try:
                self.collection.bulk_write(operations, ordered=False)
            except BulkWriteError as error:
                for e in (error.details or {}).get("writeErrors", []):
                    key, operation = keys[int(e["index"])], operations[int(e["index"])]
                    try:
                        self.collection.bulk_write([operation])
                    except BulkWriteError as refusal:
                        _log_refused((refusal.details or {}).get("writeErrors", []), [key])
