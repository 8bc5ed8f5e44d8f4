"""Helpers shared by the volunteers integration tests (requests, callers, events)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import grpc
import pytest
from google.protobuf import timestamp_pb2

from linli.common.errors import FIELD_KEY
from linli.v1 import common_pb2
from linli.v1 import volunteers_pb2 as pb
from tests.integration.volunteers.conftest import COMMUNITY, OPERATOR, RunningVolunteers
from tests.support.infra import Infra
from tests.support.topics import ce_type, read_topic

#: Monday 3 March 2025, 10:00 in the city (02:00 UTC).
MONDAY_10 = datetime(2025, 3, 3, 2, 0, tzinfo=UTC)


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def timestamp(moment: datetime) -> timestamp_pb2.Timestamp:
    stamp = timestamp_pb2.Timestamp()
    stamp.FromDatetime(moment)
    return stamp


def window(weekday: int, start: str, end: str) -> common_pb2.TimeWindow:
    return common_pb2.TimeWindow(weekday=weekday, start=start, end=end)


def registration(**overrides: Any) -> pb.RegisterVolunteerRequest:
    """A valid registration of a new person; keyword arguments change what a test is about."""
    values: dict[str, Any] = {
        "person_id": unique("person"),
        "display_name": "王秀英",
        "phone": "13800001111",
        "home_community_id": COMMUNITY,
        "skills": ["plumbing"],
        "posts": ["elderly_care"],
        "languages": ["zh"],
        "service_radius_km": 5.0,
        "home": common_pb2.GeoPoint(lat=28.66, lng=121.42),
        "availability": [window(1, "08:00", "12:00")],
        "max_concurrent_tasks": 3,
    }
    values.update(overrides)
    return pb.RegisterVolunteerRequest(**values)


def register(vols: RunningVolunteers, metadata: Any = OPERATOR, **overrides: Any) -> pb.Volunteer:
    result: pb.Volunteer = vols.stub.RegisterVolunteer(registration(**overrides), metadata=metadata, timeout=10)
    return result


def rpc_error(call: Callable[[], object]) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as caught:
        call()
    return caught.value


def field_of(error: grpc.RpcError) -> str:
    return str(dict(error.trailing_metadata() or ()).get(FIELD_KEY, ""))


def wait_for(condition: Callable[[], bool], timeout: float = 20.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def events_for(infra: Infra, keys: set[str], expected: int, timeout: float = 20.0) -> list[tuple[str, str]]:
    """(ce_type, key) of the volunteers topic's records for `keys`, in log order per key."""
    return [
        (ce_type(r), r.key.decode())
        for r in read_topic(infra.kafka_bootstrap, "linli.volunteers.v1", keys, expected, timeout)
    ]
