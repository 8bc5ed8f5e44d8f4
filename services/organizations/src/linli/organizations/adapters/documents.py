"""MongoDB collections of the organizations service, declared with mongoengine.

The documents are the domain dataclasses in `linli.common.codec` form plus the kit's
aggregate fields (version, outbox). Declaring them here gives each collection its indexes;
reads and version-checked writes go through the raw collection (see repository.py).
Unique indexes on `code` back the in-memory uniqueness check against races and restarts.
"""

from __future__ import annotations

from typing import Any, ClassVar

import mongoengine

from linli.common.mongo import AggregateDocument


class OrganizationDocument(AggregateDocument):
    code = mongoengine.StringField(required=True)
    parent_id = mongoengine.StringField()
    path = mongoengine.ListField(mongoengine.StringField())
    meta: ClassVar[dict[str, Any]] = {
        "collection": "organizations",
        "strict": False,
        "indexes": [{"fields": ["code"], "unique": True}, "parent_id", "path"],
    }


class GridDocument(AggregateDocument):
    code = mongoengine.StringField(required=True)
    organization_id = mongoengine.StringField(required=True)
    meta: ClassVar[dict[str, Any]] = {
        "collection": "grids",
        "strict": False,
        "indexes": [{"fields": ["code"], "unique": True}, "organization_id"],
    }


class StationDocument(AggregateDocument):
    code = mongoengine.StringField(required=True)
    organization_id = mongoengine.StringField(required=True)
    meta: ClassVar[dict[str, Any]] = {
        "collection": "stations",
        "strict": False,
        "indexes": [{"fields": ["code"], "unique": True}, "organization_id"],
    }


class StationEventDocument(AggregateDocument):
    station_id = mongoengine.StringField(required=True)
    meta: ClassVar[dict[str, Any]] = {"collection": "station_events", "strict": False, "indexes": ["station_id"]}


class RoleAssignmentDocument(AggregateDocument):
    person_id = mongoengine.StringField(required=True)
    organization_id = mongoengine.StringField(required=True)
    meta: ClassVar[dict[str, Any]] = {
        "collection": "role_assignments",
        "strict": False,
        "indexes": ["person_id", "organization_id"],
    }


ALL_DOCUMENTS: tuple[type[AggregateDocument], ...] = (
    OrganizationDocument,
    GridDocument,
    StationDocument,
    StationEventDocument,
    RoleAssignmentDocument,
)
