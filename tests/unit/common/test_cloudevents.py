from __future__ import annotations

import datetime as dt

import pytest

from linli.common.cloudevents import Envelope, event_type, from_kafka, new_event, to_kafka
from linli.common.errors import InvalidArgument
from linli.v1 import common_pb2


def test_event_type_and_topic_follow_the_convention() -> None:
    event = new_event("requests", event_type("request", "submitted"), "req-1", {"a": 1})
    assert event.type == "org.linli.request.submitted.v1"
    assert event.topic == "linli.requests.v1"
    assert event.source == "/linli/requests"
    assert event.key == b"req-1"


def test_binary_mode_headers_round_trip() -> None:
    point = common_pb2.GeoPoint(lat=28.65, lng=121.42)
    event = new_event("organizations", event_type("grid", "created"), "grid-9", point)
    key, value, headers = to_kafka(event)
    names = [name for name, _ in headers]
    assert names == ["ce_specversion", "ce_id", "ce_source", "ce_type", "ce_time", "ce_subject", "content-type"]
    assert dict(headers)["ce_time"].endswith(b"Z")
    decoded = from_kafka(event.topic, key, value, headers)
    assert decoded == event
    assert decoded.parse(common_pb2.GeoPoint()) == point
    assert decoded.json() == {"lat": 28.65, "lng": 121.42}


def test_document_round_trip_keeps_milliseconds() -> None:
    event = new_event("x", "t", "s", {}, time=dt.datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=dt.UTC))
    assert event.time.microsecond == 678000
    stored = event.to_document()
    stored["time"] = stored["time"].replace(tzinfo=None)  # as BSON returns it
    assert Envelope.from_document(stored) == event


@pytest.mark.parametrize(
    ("headers", "value", "field"),
    [
        ([("ce_id", b"1")], b"{}", "ce_specversion"),
        (
            [("ce_specversion", b"0.3"), ("ce_id", b"1"), ("ce_source", b"s"), ("ce_type", b"t")],
            b"{}",
            "ce_specversion",
        ),
        ([("ce_specversion", b"1.0"), ("ce_id", b"1"), ("ce_source", b"s"), ("ce_type", b"t")], b"not json", "value"),
        (
            [
                ("ce_specversion", b"1.0"),
                ("ce_id", b"1"),
                ("ce_source", b"s"),
                ("ce_type", b"t"),
                ("ce_time", b"yesterday"),
            ],
            b"{}",
            "ce_time",
        ),
    ],
)
def test_malformed_records_are_rejected_naming_the_problem(
    headers: list[tuple[str, bytes]], value: bytes, field: str
) -> None:
    with pytest.raises(InvalidArgument) as caught:
        from_kafka("t", b"k", value, headers)
    assert caught.value.field == field
