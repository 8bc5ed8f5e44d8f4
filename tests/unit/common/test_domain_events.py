from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone

from linli.common.domain_events import EventContext, compact, derived_event_id, event_header, timestamp_json

NAMESPACE = uuid.UUID("6f0f3c8e-3b1c-5d0a-9a4f-0c7e2b1d9e55")


def test_timestamps_are_utc_rfc3339_as_protobuf_prints_them() -> None:
    assert timestamp_json(datetime(2025, 3, 2, 9, 0, tzinfo=timezone(timedelta(hours=8)))) == "2025-03-02T01:00:00Z"
    assert timestamp_json(datetime(2025, 3, 2, 9, 0)) == "2025-03-02T09:00:00Z"
    assert timestamp_json(datetime(2025, 3, 2, 9, 0, 1, 250000, tzinfo=UTC)) == "2025-03-02T09:00:01.250Z"
    assert timestamp_json(datetime(2025, 3, 2, 9, 0, 1, 5, tzinfo=UTC)) == "2025-03-02T09:00:01.000005Z"


def test_event_ids_are_derived_from_the_change() -> None:
    first = derived_event_id(NAMESPACE, "org.linli.x.created.v1", "agg-1", 1)
    assert first == derived_event_id(NAMESPACE, "org.linli.x.created.v1", "agg-1", 1)
    assert first == str(uuid.uuid5(NAMESPACE, "org.linli.x.created.v1|agg-1|1"))  # stable across releases
    assert first != derived_event_id(NAMESPACE, "org.linli.x.created.v1", "agg-1", 2)
    assert derived_event_id(NAMESPACE, "t", "s", 3, "") == derived_event_id(NAMESPACE, "t", "s", 3)


def test_headers_leave_out_what_is_empty() -> None:
    assert event_header(4, EventContext(actor_person_id="p-1")) == {"aggregateVersion": "4", "actorPersonId": "p-1"}
    assert compact({"a": 0, "b": "", "c": [], "d": "x", "e": None, "f": False}) == {"d": "x"}
