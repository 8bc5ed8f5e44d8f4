"""Open311 endpoints in process, over fake gRPC stubs: formats, parameters, error arrays,
API keys, and what reaches the requests service."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import pytest
from flask import Flask
from flask.testing import FlaskClient

from linli.common.errors import InvalidArgument, NotFound, PermissionDenied
from linli.gateway import auth
from linli.gateway.accounts.repository import MemoryDocuments
from linli.gateway.app import create_app
from linli.gateway.clients import Clients
from linli.gateway.config import GatewayConfig
from linli.gateway.open311 import mapping, routes
from linli.requests.domain.catalogue import DEFAULT_CATALOGUE
from linli.requests.entrypoints.convert import categories_out
from linli.v1 import common_pb2, organizations_pb2, requests_pb2

RS = requests_pb2.RequestStatus
NOW = datetime.now(UTC)


@dataclass
class FakeRequests:
    submitted: list[tuple[requests_pb2.SubmitRequestRequest, list[tuple[str, str]]]] = field(default_factory=list)
    ledger: dict[str, requests_pb2.Request] = field(default_factory=dict)
    board: list[requests_pb2.PublicRequest] = field(default_factory=list)
    listed: list[requests_pb2.ListRequestsRequest] = field(default_factory=list)
    public_listed: list[requests_pb2.ListPublicRequestsRequest] = field(default_factory=list)
    catalogue_calls: int = 0

    def SubmitRequest(self, message: requests_pb2.SubmitRequestRequest, **kw: Any) -> Any:
        self.submitted.append((message, kw["metadata"]))
        record = requests_pb2.Request(
            id=f"req_{len(self.submitted)}",
            category=message.category,
            title=message.title,
            description=message.description,
            status=RS.REQUEST_STATUS_SUBMITTED,
            community_id="org_c1",
        )
        record.submitted_at.CopyFrom(mapping.to_timestamp(NOW))
        self.ledger[record.id] = record
        return requests_pb2.SubmitRequestResponse(request=record)

    def GetRequest(self, message: requests_pb2.GetRequestRequest, **kw: Any) -> Any:
        if message.request_id == "req_secret":
            raise PermissionDenied("no")
        if message.request_id not in self.ledger:
            raise NotFound("no such request")
        return self.ledger[message.request_id]

    def ListRequests(self, message: requests_pb2.ListRequestsRequest, **kw: Any) -> Any:
        self.listed.append(message)
        return requests_pb2.ListRequestsResponse(requests=list(self.ledger.values()))

    def ListCategories(self, message: requests_pb2.ListCategoriesRequest, **kw: Any) -> Any:
        self.catalogue_calls += 1
        return categories_out(DEFAULT_CATALOGUE)

    def ListPublicRequests(self, message: requests_pb2.ListPublicRequestsRequest, **kw: Any) -> Any:
        self.public_listed.append(message)
        if len(message.request_ids) > 100:
            raise InvalidArgument("request_ids: at most 100")
        found = [
            r
            for r in self.board
            if (not message.request_ids or r.id in message.request_ids)
            and (not message.statuses or r.status in message.statuses)
            and (not message.categories or r.category in message.categories)
        ]
        return requests_pb2.ListPublicRequestsResponse(requests=found)

    def GetPublicRequest(self, message: requests_pb2.GetPublicRequestRequest, **kw: Any) -> Any:
        assert not kw["metadata"] or all(k != "authorization" for k, _ in kw["metadata"])
        for record in self.board:
            if record.id == message.request_id:
                return record
        raise NotFound("request_id: no such request")


class FakeOrganizations:
    def GetOrganization(self, message: organizations_pb2.GetOrganizationRequest, **kw: Any) -> Any:
        return organizations_pb2.Organization(
            id=message.id, name=common_pb2.LocalizedText(zh="东山社区", en="Dongshan")
        )


@dataclass
class FakeClients:
    requests: FakeRequests = field(default_factory=FakeRequests)
    organizations: FakeOrganizations = field(default_factory=FakeOrganizations)
    default_timeout: float = 5.0


@dataclass
class Setup:
    app: Flask
    client: FlaskClient
    fakes: FakeClients
    key: str


@pytest.fixture
def setup() -> Iterator[Setup]:
    routes.reset_caches()
    fakes = FakeClients()
    config = GatewayConfig.from_env({"LINLI_RATE_LIMIT_ENABLED": "false", "LINLI_RATE_LIMIT_STORAGE_URI": "memory://"})
    app = create_app(config, clients=cast(Clients, fakes))
    state = auth.init_app(app, config, clients=cast(Clients, fakes), documents=MemoryDocuments())
    _, key = state.accounts.create_api_key(
        name="city app", organization_id="org_c1", roles=["open311_client"], rate_limit="1000/minute", created_by="t"
    )
    board_item = requests_pb2.PublicRequest(
        id="req_board", category="environment", status=RS.REQUEST_STATUS_CLOSED, title="垃圾", community_id="org_c1"
    )
    board_item.submitted_at.CopyFrom(mapping.to_timestamp(NOW - timedelta(days=1)))
    fakes.requests.board.append(board_item)
    open_item = requests_pb2.PublicRequest(
        id="req_open",
        category="repairs",
        status=RS.REQUEST_STATUS_ACCEPTED,
        title="楼道灯",
        description="灯不亮",
        community_id="org_c1",
        text_withheld=False,
        photos=[requests_pb2.PublicPhoto(id="p1", url="https://files.example/p1.jpg")],
    )
    open_item.submitted_at.CopyFrom(mapping.to_timestamp(NOW - timedelta(hours=2)))
    fakes.requests.board.append(open_item)
    yield Setup(app, app.test_client(), fakes, key)
    routes.reset_caches()


def body(response: Any) -> Any:
    """The JSON document of a response (a list or an object)."""
    assert response.content_type.startswith("application/json")
    return json.loads(response.data)


def xml_of(body: bytes) -> ET.Element:
    assert body.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    return ET.fromstring(body)


def test_discovery_and_services_in_both_formats(setup: Setup) -> None:
    found = setup.client.get("/open311/v2/discovery.json")
    assert found.status_code == 200
    assert body(found)["endpoints"][0]["url"] == "http://localhost/open311/v2"
    root = xml_of(setup.client.get("/open311/v2/discovery.xml").data)
    assert root.tag == "discovery"
    assert root.findtext("./endpoints/endpoint/specification") == mapping.SPECIFICATION
    listed = setup.client.get("/open311/v2/services.json?jurisdiction_id=x")
    assert any(s["service_code"] == "repairs" for s in body(listed))
    services_xml = xml_of(setup.client.get("/open311/v2/services.xml", headers={"Accept-Language": "zh-CN"}).data)
    names = {s.findtext("service_code"): s.findtext("service_name") for s in services_xml.findall("service")}
    assert names["repairs"] == "维修"
    definition = xml_of(setup.client.get("/open311/v2/services/repairs.xml").data)
    assert definition.tag == "service_definition"
    assert [a.findtext("code") for a in definition.findall("./attributes/attribute")] == ["title", "urgency"]


def test_errors_are_arrays_with_the_right_status(setup: Setup) -> None:
    missing = setup.client.get("/open311/v2/services/potholes.json")
    assert missing.status_code == 404
    assert body(missing) == [
        {"code": 404, "description": "service_code: unknown service 'potholes'; see services.json"}
    ]
    bad = setup.client.get("/open311/v2/requests.xml?status=pending")
    assert bad.status_code == 400
    root = xml_of(bad.data)
    assert root.tag == "errors" and root.findtext("./error/code") == "400"
    assert root.findtext("./error/description", "").startswith("status:")
    assert setup.client.get("/open311/v2/requests.csv").status_code == 404
    assert body(setup.client.get("/open311/v2/nothing/here"))[0]["code"] == 404
    wrong = setup.client.delete("/open311/v2/requests.json")
    assert wrong.status_code == 405 and body(wrong)[0]["code"] == 405


def test_post_needs_a_valid_api_key(setup: Setup) -> None:
    form = {"service_code": "repairs", "address_string": "3 幢", "description": "漏水"}
    without = setup.client.post("/open311/v2/requests.json", data=form)
    assert without.status_code == 403 and body(without)[0]["description"].startswith("api_key:")
    wrong = setup.client.post("/open311/v2/requests.xml", data={**form, "api_key": "lk_0000_nope"})
    assert wrong.status_code == 403
    assert xml_of(wrong.data).findtext("./error/code") == "403"
    assert setup.fakes.requests.submitted == []


def test_post_sends_personal_data_only_to_the_private_contact(setup: Setup) -> None:
    form = {
        "api_key": setup.key,
        "service_code": "repairs",
        "lat": "28.65",
        "long": "121.42",
        "description": "楼道水管漏水",
        "email": "wang@example.com",
        "phone": "13800138000",
        "first_name": "小明",
        "last_name": "王",
        "attribute[urgency]": "urgent",
    }
    created = setup.client.post("/open311/v2/requests.json", data=form, headers={"Idempotency-Key": "k-1"})
    assert created.status_code == 200
    answer = body(created)
    assert answer[0]["service_request_id"] == "req_1"
    assert set(answer[0]) == {"service_request_id", "service_notice", "account_id"}
    message, metadata = setup.fakes.requests.submitted[0]
    assert message.anonymous_contact.email == "wang@example.com"
    assert message.anonymous_contact.name == "小明 王"
    assert message.requester_person_id.startswith("apikey-")
    assert message.idempotency_key == "k-1"
    assert message.channel == requests_pb2.Channel.CHANNEL_OPEN311
    assert "13800138000" not in message.title + message.description
    assert any(k in {"authorization", "x-linli-subject"} for k, _ in metadata)
    # the key holder finds it again, open, without any personal data
    found = setup.client.get("/open311/v2/requests/req_1.json", headers={"X-Api-Key": setup.key})
    assert found.status_code == 200
    entry = body(found)[0]
    assert entry["status"] == "open" and entry["agency_responsible"] == "Dongshan"
    assert entry["description"] is None  # the ledger's text is not the public text
    xml_post = setup.client.post(
        "/open311/v2/requests.xml", data={**form, "attribute[urgency]": "low"}, headers={"Idempotency-Key": "k-2"}
    )
    root = xml_of(xml_post.data)
    assert root.tag == "service_requests" and root.findtext("./request/service_request_id") == "req_2"


def test_post_errors_name_open311_parameters(setup: Setup) -> None:
    answer = setup.client.post("/open311/v2/requests.json", data={"api_key": setup.key, "service_code": "repairs"})
    assert answer.status_code == 400
    assert body(answer)[0]["description"].startswith("lat:")


def test_anonymous_reads_get_open_and_closed_public_requests(setup: Setup) -> None:
    listed = setup.client.get("/open311/v2/requests.json")
    assert [e["service_request_id"] for e in body(listed)] == ["req_open", "req_board"]
    assert setup.fakes.requests.listed == []
    sent = setup.fakes.requests.public_listed[-1]
    assert sent.HasField("submitted_from") and list(sent.statuses) == [] and sent.page.page_size == 500
    opened = body(setup.client.get("/open311/v2/requests.json?status=open"))
    assert [e["service_request_id"] for e in opened] == ["req_open"]
    assert set(setup.fakes.requests.public_listed[-1].statuses) == mapping.OPEN_STATUSES
    assert opened[0]["status"] == "open" and opened[0]["description"] == "楼道灯: 灯不亮"
    assert opened[0]["media_url"] == "https://files.example/p1.jpg"
    one = setup.client.get("/open311/v2/requests/req_board.xml")
    assert xml_of(one.data).findtext("./request/status") == "closed"
    hidden = setup.client.get("/open311/v2/requests/req_secret.json")
    assert hidden.status_code == 404
    token = setup.client.get("/open311/v2/tokens/req_open.json")
    assert body(token) == [{"service_request_id": "req_open", "token": "req_open"}]
    by_ids = setup.client.get("/open311/v2/requests.json?service_request_id=req_open,req_board,req_nope")
    assert [e["service_request_id"] for e in body(by_ids)] == ["req_open", "req_board"]
    assert list(setup.fakes.requests.public_listed[-1].request_ids) == ["req_open", "req_board", "req_nope"]


def test_the_service_list_comes_from_the_requests_service_once(setup: Setup) -> None:
    for _ in range(3):
        assert setup.client.get("/open311/v2/services.json").status_code == 200
    assert setup.fakes.requests.catalogue_calls == 1


def test_key_holders_list_their_requests_with_the_standard_filters(setup: Setup) -> None:
    setup.client.post(
        "/open311/v2/requests.json",
        data={"api_key": setup.key, "service_code": "repairs", "address_string": "x", "description": "d"},
    )
    start = (NOW - timedelta(days=2)).strftime("%Y-%m-%dT%H:%M:%SZ")
    end = (NOW + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    listed = setup.client.get(
        f"/open311/v2/requests.json?api_key={setup.key}&service_code=repairs&status=open"
        f"&start_date={start}&end_date={end}"
    )
    # the key's own request from the ledger, then the public open repairs request
    assert [e["service_request_id"] for e in body(listed)] == ["req_1", "req_open"]
    sent = setup.fakes.requests.listed[-1]
    assert list(sent.categories) == ["repairs"]
    assert set(sent.statuses) == mapping.OPEN_STATUSES
    both = setup.client.get(
        "/open311/v2/requests.xml?service_request_id=req_1,req_board,req_secret", headers={"X-Api-Key": setup.key}
    )
    ids = [r.findtext("service_request_id") for r in xml_of(both.data).findall("request")]
    assert ids == ["req_1", "req_board"]
    closed = setup.client.get("/open311/v2/requests.json?status=closed", headers={"X-Api-Key": setup.key})
    assert [e["service_request_id"] for e in body(closed)] == ["req_board"]
    everything = setup.client.get("/open311/v2/requests.json", headers={"X-Api-Key": setup.key})
    assert [e["service_request_id"] for e in body(everything)] == ["req_1", "req_open", "req_board"]
