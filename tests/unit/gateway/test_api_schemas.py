"""The REST API's JSON conversion and generated schemas (linli.gateway.api.schemas)."""

from __future__ import annotations

import datetime as dt

import pytest
from google.protobuf import timestamp_pb2

from linli.common.errors import InvalidArgument
from linli.gateway.api import schemas
from linli.v1 import common_pb2, notifications_pb2, organizations_pb2, requests_pb2, volunteers_pb2


def test_enums_are_lower_case_names_without_prefix() -> None:
    enum = requests_pb2.RequestStatus.DESCRIPTOR
    assert schemas.enum_to_json(enum, requests_pb2.REQUEST_STATUS_IN_PROGRESS) == "in_progress"
    assert schemas.enum_to_json(enum, 0) is None
    assert schemas.enum_from_json(enum, "in_progress") == requests_pb2.REQUEST_STATUS_IN_PROGRESS
    assert "unspecified" not in schemas.enum_names(enum)
    with pytest.raises(InvalidArgument) as caught:
        schemas.enum_from_json(enum, "unspecified", field="status")
    assert caught.value.field == "status"


def test_to_json_rules() -> None:
    request = requests_pb2.Request(id="req_1", status=requests_pb2.REQUEST_STATUS_RESOLVED, version=2**40)
    request.submitted_at.FromDatetime(dt.datetime(2025, 3, 1, 8, 0, tzinfo=dt.UTC))
    request.point.lat = 28.6
    out = schemas.to_json(request)
    assert out["status"] == "resolved"
    assert out["version"] == 2**40  # a JSON number, not a string
    assert out["submitted_at"] == "2025-03-01T08:00:00Z"
    assert out["point"] == {"lat": 28.6, "lng": 0.0}
    assert out["title"] == ""  # scalars are always present
    assert out["history"] == []  # lists too
    assert "urgency" not in out  # unset enums are left out
    assert "accepted_at" not in out  # unset timestamps too
    assert "rating" not in out  # and unset messages


def test_optional_scalars_left_out_when_unset() -> None:
    suggestion = requests_pb2.DuplicateSuggestion(request_id="r")
    assert "distance_meters" not in schemas.to_json(suggestion)
    suggestion.distance_meters = 0.0
    assert schemas.to_json(suggestion)["distance_meters"] == 0.0


def test_from_json_round_trip() -> None:
    data = {
        "category": "repairs",
        "title": "Leaking pipe",
        "point": {"lat": 28.6, "lng": 121.4},
        "urgency": "urgent",
        "attachments": [{"id": "a1", "url": "https://x/1.jpg", "kind": "photo"}],
    }
    message = schemas.from_json(data, requests_pb2.SubmitRequestRequest, idempotency_key="k1", client_token=None)
    assert message.urgency == requests_pb2.URGENCY_URGENT
    assert message.attachments[0].kind == requests_pb2.ATTACHMENT_KIND_PHOTO
    assert message.idempotency_key == "k1"
    assert message.client_token == ""


def test_from_json_timestamps_naive_is_utc() -> None:
    message = schemas.from_json(
        {"period_start": dt.datetime(2025, 1, 1), "period_end": "2025-02-01T00:00:00+08:00"},
        requests_pb2.GetStatisticsRequest,
    )
    assert message.period_start.ToDatetime(tzinfo=dt.UTC) == dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    assert message.period_end.ToDatetime(tzinfo=dt.UTC) == dt.datetime(2025, 1, 31, 16, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"stars": 2**40}, "stars"),
        ({"stars": "5"}, "stars"),
        ({"comment": "\ud800"}, "comment"),
        ({"nope": 1}, "nope"),
    ],
)
def test_from_json_refuses_bad_values_naming_the_field(data: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidArgument) as caught:
        schemas.from_json(data, requests_pb2.RateRequestRequest)
    assert caught.value.field == field


def test_from_json_refuses_non_finite_numbers() -> None:
    with pytest.raises(InvalidArgument) as caught:
        schemas.from_json({"hours": float("nan")}, requests_pb2.ResolveRequestRequest)
    assert caught.value.field == "hours"


def test_update_mask_from_body_fields() -> None:
    mask = schemas.update_mask_of({"name": {}, "bogus": 1, "code": "x"}, ("name", "code", "address"))
    assert list(mask.paths) == ["code", "name"]
    message = schemas.from_json({"update_mask": ["code"]}, organizations_pb2.UpdateOrganizationRequest)
    assert list(message.update_mask.paths) == ["code"]


def test_body_schema_validates_and_names_the_field() -> None:
    body = schemas.body_schema(
        requests_pb2.RateRequestRequest, "RateBodyTest", exclude=("request_id",), required=("stars",)
    )
    assert schemas.load(body, {"stars": 5}) == {"stars": 5}
    with pytest.raises(InvalidArgument) as caught:
        schemas.load(body, {})
    assert caught.value.field == "stars"
    with pytest.raises(InvalidArgument) as caught:
        schemas.load(body, {"stars": 5, "request_id": "x"})
    assert caught.value.field == "request_id"


def test_output_schemas_describe_every_field() -> None:
    for message_class in (
        requests_pb2.Request,
        volunteers_pb2.Volunteer,
        organizations_pb2.Grid,
        notifications_pb2.InboxEntry,
        common_pb2.Address,
    ):
        schema = schemas.output_schema(message_class)()
        assert set(schema.fields) == {f.name for f in message_class.DESCRIPTOR.fields}


def test_output_schema_accepts_what_to_json_produces() -> None:
    request = requests_pb2.Request(id="req_1", status=requests_pb2.REQUEST_STATUS_CLAIMED)
    request.offers.add(volunteer_id="v1", status=requests_pb2.OFFER_STATUS_OPEN)
    request.offers[0].offered_at.CopyFrom(timestamp_pb2.Timestamp(seconds=1_700_000_000))
    schema = schemas.output_schema(requests_pb2.Request)()
    assert schema.validate(schemas.to_json(request)) == {}
