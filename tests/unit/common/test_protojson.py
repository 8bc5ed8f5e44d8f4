"""The kit's fast JSON-mapping parser gives what `json_format.ParseDict` gives, on every
payload and resource the services' event-payload and response builders produce."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from google.protobuf import json_format
from google.protobuf.timestamp_pb2 import Timestamp

from linli.common.protojson import parse_dict
from linli.requests.adapters import event_payloads
from linli.requests.domain import lifecycle, moderation
from linli.requests.domain.duplicates import DuplicateProbe, suggest_duplicates
from linli.requests.domain.statistics import Dimension, public_board, statistics
from linli.requests.entrypoints import convert
from linli.v1 import common_pb2, organizations_pb2, requests_pb2
from tests.unit.organizations.test_org_wire import every_event as organization_events
from tests.unit.requests.req_support import NOW, URBAN, VOL1, deliberating, in_progress, offered, rated, submitted
from tests.unit.requests.test_req_wire import every_event as request_events


def assert_same(payload: dict[str, Any], message_type: Any) -> None:
    expected = json_format.ParseDict(payload, message_type())
    assert parse_dict(payload, message_type()) == expected


def test_every_event_payload_of_requests_and_organizations() -> None:
    for event in request_events():
        assert_same(event.payload, getattr(requests_pb2, event.message_name))
    for event in organization_events():
        assert_same(event.payload, getattr(organizations_pb2, event.message_name))


def test_request_resources() -> None:
    samples = [rated(), deliberating(), offered()]
    moved = in_progress()
    lifecycle.transfer(moved, VOL1, to=URBAN, reason="x", now=NOW)
    samples.append(moved)
    for request in samples:
        assert_same(event_payloads.request(request), requests_pb2.Request)
        view = moderation.public_view(request)
        assert view is not None
        assert_same(event_payloads.public_request(view), requests_pb2.PublicRequest)
    start, end = NOW - timedelta(days=1), NOW + timedelta(days=1)
    assert_same(
        convert.statistics(
            statistics(samples, period_start=start, period_end=end, group_by=[Dimension.STATUS, Dimension.PERIOD])
        ),
        requests_pb2.Statistics,
    )
    assert_same(
        convert.public_board(public_board(samples, period_start=start, period_end=end)), requests_pb2.PublicBoard
    )
    (suggestion, *_) = suggest_duplicates(DuplicateProbe.of(submitted()), samples)
    assert_same(convert.duplicate_suggestion(suggestion), requests_pb2.DuplicateSuggestion)


@pytest.mark.parametrize(
    "value",
    [
        "2025-03-03T09:00:00Z",
        "2025-03-03T09:00:00.005Z",
        "2025-03-03T09:00:00.000005Z",
        "2025-03-03T17:00:00.25+08:00",
        "1969-12-31T23:59:59.5Z",
    ],
)
def test_timestamps(value: str) -> None:
    assert_same({"submittedAt": value}, requests_pb2.PublicRequest)
    expected = Timestamp()
    expected.FromJsonString(value)
    assert parse_dict({"submittedAt": value}, requests_pb2.PublicRequest()).submitted_at == expected


def test_scalars_enums_bytes_and_original_field_names() -> None:
    assert_same({"data": "aGVsbG8=", "last": True}, requests_pb2.CsvChunk)
    assert_same({"data": "aGk", "last": False}, requests_pb2.CsvChunk)  # unpadded base64
    assert_same({"lat": 28.5, "lng": "121.25"}, common_pb2.GeoPoint)
    assert_same({"status": 3, "category": "repairs", "version": "7"}, requests_pb2.Request)
    assert_same({"status": "REQUEST_STATUS_ACCEPTED", "org_path": ["a", "b"]}, requests_pb2.Request)


def test_unknown_fields_are_refused_unless_ignored() -> None:
    with pytest.raises(json_format.ParseError):
        parse_dict({"nope": 1}, requests_pb2.CsvChunk())
    assert parse_dict({"nope": 1, "last": True}, requests_pb2.CsvChunk(), ignore_unknown_fields=True).last


def test_values_that_do_not_convert_are_parse_errors() -> None:
    for payload in ({"last": "yes"}, {"data": 5}):
        with pytest.raises(json_format.ParseError):
            parse_dict(payload, requests_pb2.CsvChunk())
    with pytest.raises(json_format.ParseError):
        parse_dict({"status": "NOT_A_STATUS"}, requests_pb2.Request())
    with pytest.raises(json_format.ParseError):
        parse_dict({"submittedAt": "2025-03-03T09:00:00"}, requests_pb2.PublicRequest())  # no zone
