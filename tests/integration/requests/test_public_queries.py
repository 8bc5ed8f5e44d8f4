"""The queries open to anyone over real gRPC (ListCategories, ListPublicRequests,
GetPublicRequest), against real FerretDB, Kafka and a running organizations service: anonymous
callers get the public view only, withheld text stays withheld, hidden requests never."""

from __future__ import annotations

import uuid
from typing import Any

import grpc
import pytest

from linli.v1 import common_pb2
from linli.v1 import requests_pb2 as pb
from tests.integration.requests.conftest import RunningRequests
from tests.support.identity import Metadata, anonymous, who

RESIDENT: Metadata = who("resident-public-1", "resident")
OPERATOR: Metadata = who("op-public-1", "operator")
DONGSHAN = common_pb2.GeoPoint(lat=28.660, lng=121.420)  # inside the seeded grid JJ-BY-C1-G1


def submit(service: RunningRequests, **fields: Any) -> pb.Request:
    values: dict[str, Any] = {
        "category": "repairs",
        "title": "楼道灯坏了 13800138000",
        "description": "12幢3单元楼道灯不亮",
        "point": DONGSHAN,
        "idempotency_key": uuid.uuid4().hex,
        **fields,
    }
    response: pb.SubmitRequestResponse = service.stub.SubmitRequest(
        pb.SubmitRequestRequest(**values), metadata=RESIDENT, timeout=10
    )
    return response.request


def listed(service: RunningRequests, **fields: Any) -> list[str]:
    answer = service.stub.ListPublicRequests(pb.ListPublicRequestsRequest(**fields), metadata=anonymous(), timeout=10)
    return [r.id for r in answer.requests]


def test_anyone_lists_the_catalogue(requests_service: RunningRequests) -> None:
    answer = requests_service.stub.ListCategories(pb.ListCategoriesRequest(), metadata=anonymous(), timeout=10)
    repairs = next(c for c in answer.categories if c.code == "repairs")
    assert repairs.name.zh == "维修" and repairs.department_code == "JJ-HOUSING" and repairs.active
    urgent = next(d for d in repairs.deadlines if d.urgency == pb.URGENCY_URGENT)
    assert (urgent.accept_seconds, urgent.resolve_seconds) == (60 * 60, 1440 * 60)
    assert any(d.code == "JJ-HOUSING" for d in answer.departments)


def test_anyone_reads_the_public_view_and_never_a_hidden_request(
    requests_service: RunningRequests, city: dict[str, str]
) -> None:
    stub = requests_service.stub
    shown = submit(requests_service)
    hidden = submit(requests_service, category="environment")
    stub.ModerateRequest(
        pb.ModerateRequestRequest(
            request_id=hidden.id, visibility=pb.ModerationVisibility.MODERATION_VISIBILITY_HIDE, reason="private"
        ),
        metadata=OPERATOR,
        timeout=10,
    )
    both = [shown.id, hidden.id]
    assert listed(requests_service, request_ids=both) == [shown.id]
    in_scope = listed(requests_service, scope_id=city["JJ-BY-C1"], categories=["repairs"])
    assert shown.id in in_scope and hidden.id not in in_scope
    assert shown.id not in listed(requests_service, scope_id=city["JJ-HM-C1"])
    assert shown.id in listed(requests_service, statuses=[pb.REQUEST_STATUS_SUBMITTED], request_ids=both)
    assert listed(requests_service, statuses=[pb.REQUEST_STATUS_CLOSED], request_ids=both) == []

    one = stub.GetPublicRequest(pb.GetPublicRequestRequest(request_id=shown.id), metadata=anonymous(), timeout=10)
    assert one.id == shown.id and one.text_withheld and one.title == "" and one.description == ""
    assert one.community_id == city["JJ-BY-C1"] and one.status == pb.REQUEST_STATUS_SUBMITTED
    for request_id in (hidden.id, "req_does_not_exist"):
        with pytest.raises(grpc.RpcError) as caught:
            stub.GetPublicRequest(pb.GetPublicRequestRequest(request_id=request_id), metadata=anonymous(), timeout=10)
        assert caught.value.code() == grpc.StatusCode.NOT_FOUND

    stub.ModerateRequest(
        pb.ModerateRequestRequest(request_id=shown.id, approve_publication=True), metadata=OPERATOR, timeout=10
    )
    approved = stub.GetPublicRequest(pb.GetPublicRequestRequest(request_id=shown.id), metadata=anonymous(), timeout=10)
    assert not approved.text_withheld and approved.title.startswith("楼道灯坏了")
    assert "13800138000" not in approved.title  # scrubbed


def test_pages_are_newest_first_and_bounded(requests_service: RunningRequests) -> None:
    made = [submit(requests_service).id for _ in range(3)]
    first = requests_service.stub.ListPublicRequests(
        pb.ListPublicRequestsRequest(request_ids=made, page=common_pb2.PageRequest(page_size=2)),
        metadata=anonymous(),
        timeout=10,
    )
    assert [r.id for r in first.requests] == made[::-1][:2] and first.page.next_page_token
    rest = requests_service.stub.ListPublicRequests(
        pb.ListPublicRequestsRequest(
            request_ids=made, page=common_pb2.PageRequest(page_size=2, page_token=first.page.next_page_token)
        ),
        metadata=anonymous(),
        timeout=10,
    )
    assert [r.id for r in rest.requests] == [made[0]] and not rest.page.next_page_token
    with pytest.raises(grpc.RpcError) as caught:
        requests_service.stub.ListPublicRequests(
            pb.ListPublicRequestsRequest(request_ids=[f"req_{i}" for i in range(101)]),
            metadata=anonymous(),
            timeout=10,
        )
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
