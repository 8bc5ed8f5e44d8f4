"""MongoDB collections of the requests service, declared with mongoengine.

Documents are the domain dataclasses in `linli.common.codec` form plus the kit's aggregate
fields (version, outbox). All access is by `_id` (see linli.common.mongo on FerretDB); the
secondary indexes serve MongoDB deployments and operators' ad-hoc queries.
"""

from __future__ import annotations

from typing import Any, ClassVar

import mongoengine

from linli.common.mongo import AggregateDocument


class RequestDocument(AggregateDocument):
    category = mongoengine.StringField(required=True)
    status = mongoengine.StringField(required=True)
    submitted_at = mongoengine.DateTimeField(required=True)
    meta: ClassVar[dict[str, Any]] = {
        "collection": "requests",
        "strict": False,
        "indexes": ["status", "category", "submitted_at"],
    }


class VisitPlanDocument(AggregateDocument):
    meta: ClassVar[dict[str, Any]] = {"collection": "visit_plans", "strict": False}
