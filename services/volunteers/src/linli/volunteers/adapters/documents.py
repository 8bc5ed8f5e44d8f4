"""MongoDB collections of the volunteers service, declared with mongoengine.

The documents are the domain dataclasses in `linli.common.codec` form plus the kit's
aggregate fields (version, outbox). Declaring them here gives each collection its indexes;
reads and version-checked writes go through the raw collection (see repository.py).

- volunteers: the unique index on `person_id` backs the in-memory "one volunteer per person"
  check against races and restarts.
- ledger_entries: append-only; `_id` is the domain's deterministic entry id, so crediting one
  event twice collides on `_id` instead of doubling the points. Each entry carries its
  PointsCredited event in the outbox fields.
- task_resolutions: resolved requests waiting for their rating (plain documents by `_id` =
  request id, written only by the requests consumer).
- processed_events: the `ce_id`s the requests consumer has applied (linli.common.consumer).
"""

from __future__ import annotations

from typing import Any, ClassVar

import mongoengine

from linli.common.mongo import AggregateDocument


class VolunteerDocument(AggregateDocument):
    person_id = mongoengine.StringField(required=True)
    home_community_id = mongoengine.StringField(required=True)
    meta: ClassVar[dict[str, Any]] = {
        "collection": "volunteers",
        "strict": False,
        "indexes": [{"fields": ["person_id"], "unique": True}, "home_community_id"],
    }


class TeamDocument(AggregateDocument):
    owning_organization_id = mongoengine.StringField(required=True)
    meta: ClassVar[dict[str, Any]] = {"collection": "teams", "strict": False, "indexes": ["owning_organization_id"]}


class LedgerEntryDocument(AggregateDocument):
    volunteer_id = mongoengine.StringField(required=True)
    credited_community_id = mongoengine.StringField(required=True)
    meta: ClassVar[dict[str, Any]] = {
        "collection": "ledger_entries",
        "strict": False,
        "indexes": ["volunteer_id", "credited_community_id"],
    }


class TaskResolutionDocument(mongoengine.Document):  # type: ignore[misc]
    request_id = mongoengine.StringField(primary_key=True)
    volunteer_id = mongoengine.StringField(required=True)
    meta: ClassVar[dict[str, Any]] = {"collection": "task_resolutions", "strict": False}


class ProcessedEventDocument(mongoengine.Document):  # type: ignore[misc]
    key = mongoengine.StringField(primary_key=True)
    meta: ClassVar[dict[str, Any]] = {"collection": "processed_events", "strict": False}


AGGREGATE_DOCUMENTS: tuple[type[AggregateDocument], ...] = (VolunteerDocument, TeamDocument, LedgerEntryDocument)
