"""Open311 GeoReport v2 through the gateway process, against the real services: every
endpoint with the standard's parameter names, in JSON and XML (parsed with xml.etree), POST
with and without a valid API key, a posted request found again open and then closed, and
errors in the standard's array form."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import grpc
import pytest
from pymongo import MongoClient

from linli.gateway.accounts.passwords import HashParameters, Passwords
from linli.gateway.accounts.repository import AccountRepository, MongoDocuments
from linli.gateway.accounts.service import AccountService
from linli.v1 import organizations_pb2, organizations_pb2_grpc, requests_pb2, requests_pb2_grpc
from tests.integration.gateway.conftest import Platform
from tests.support.identity import who

pytestmark = pytest.mark.integration

INSIDE_A_GRID = ("28.660", "121.420")  # the seeded grid JJ-BY-C1-G1
SECRETS = ("wang.xiaoming@example.com", "13800138000", "Xiaoming", "Wang", "device-42", "acct-7", "28.66", "121.42")


@dataclass
class Answer:
    status: int
    content_type: str
    body: bytes

    def json(self) -> Any:
        assert self.content_type.startswith("application/json"), self.content_type
        return json.loads(self.body)

    def xml(self) -> ET.Element:
        assert self.content_type.startswith("text/xml"), self.content_type
        assert self.body.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
        return ET.fromstring(self.body)


def send(
    gateway: Platform,
    path: str,
    *,
    query: dict[str, str] | None = None,
    form: dict[str, str] | list[tuple[str, str]] | None = None,
    headers: dict[str, str] | None = None,
    method: str | None = None,
) -> Answer:
    url = f"{gateway.url}/open311/v2/{path}"
    if query:
        url += "?" + urllib.parse.urlencode(query)
    data = urllib.parse.urlencode(form).encode() if form is not None else None
    sent = urllib.request.Request(url, data=data, headers=headers or {}, method=method)
    if data is not None:
        sent.add_header("Content-Type", "application/x-www-form-urlencoded")
    try:
        with urllib.request.urlopen(sent, timeout=20) as response:
            return Answer(response.status, response.headers.get("Content-Type", ""), response.read())
    except urllib.error.HTTPError as error:
        return Answer(error.code, error.headers.get("Content-Type", ""), error.read())


def json_errors(answer: Answer, code: int) -> list[dict[str, Any]]:
    assert answer.status == code, answer.body[:500]
    errors = answer.json()
    assert isinstance(errors, list) and errors
    for error in errors:
        assert set(error) == {"code", "description"} and error["code"] == code
    return errors


def xml_errors(answer: Answer, code: int) -> list[ET.Element]:
    assert answer.status == code, answer.body[:500]
    root = answer.xml()
    assert root.tag == "errors"
    errors = root.findall("error")
    assert errors
    for error in errors:
        assert error.findtext("code") == str(code) and error.findtext("description")
    return errors


@pytest.fixture(scope="module")
def api_key(gateway: Platform) -> str:
    """An Open311 client's key, made the way an admin's call makes it (stored hashed in the
    gateway's own database)."""
    client: MongoClient[dict[str, Any]] = MongoClient(gateway.gateway.env["LINLI_MONGO_URI"], tz_aware=True)
    try:
        accounts = AccountService(
            AccountRepository(MongoDocuments(client[gateway.gateway.env["LINLI_MONGO_DB"]])),
            Passwords(HashParameters(1, 8, 1)),
        )
        _, key = accounts.create_api_key(
            name="city 311 app",
            organization_id=community_id(gateway),
            roles=["open311_client"],
            rate_limit="10000/minute",
            created_by="test",
        )
    finally:
        client.close()
    return key


def community_id(gateway: Platform) -> str:
    with grpc.insecure_channel(gateway.organizations.address) as channel:
        stub = organizations_pb2_grpc.OrganizationServiceStub(channel)
        located = stub.LocateGrid(
            organizations_pb2.LocateGridRequest(point={"lat": float(INSIDE_A_GRID[0]), "lng": float(INSIDE_A_GRID[1])}),
            metadata=who("ops", "operator"),
            timeout=10,
        )
    assert located.found
    return str(located.community.id)


def post_form(api_key: str | None, **extra: str) -> dict[str, str]:
    form = {
        "service_code": "repairs",
        "lat": INSIDE_A_GRID[0],
        "long": INSIDE_A_GRID[1],
        "description": "楼道水管漏水 water leaking in the stairwell",
        "email": "wang.xiaoming@example.com",
        "phone": "13800138000",
        "first_name": "Xiaoming",
        "last_name": "Wang",
        "device_id": "device-42",
        "account_id": "acct-7",
        "attribute[urgency]": "urgent",
        **extra,
    }
    if api_key is not None:
        form["api_key"] = api_key
    return form


def test_discovery(gateway: Platform) -> None:
    document = send(gateway, "discovery.json").json()
    endpoint = document["endpoints"][0]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"] == f"{gateway.url}/open311/v2"
    assert set(endpoint["formats"]) == {"text/xml", "application/json"}
    root = send(gateway, "discovery.xml").xml()
    assert root.tag == "discovery"
    assert root.findtext("./endpoints/endpoint/type") == "production"
    assert [f.text for f in root.findall("./endpoints/endpoint/formats/format")] == ["text/xml", "application/json"]


def test_services_and_definitions(gateway: Platform) -> None:
    listed = send(gateway, "services.json", query={"jurisdiction_id": "jiaojiang"}).json()
    by_code = {s["service_code"]: s for s in listed}
    assert {"repairs", "elderly_care", "flying_wire_charging"} <= set(by_code)
    for service in listed:
        assert set(service) == {"service_code", "service_name", "description", "metadata", "type", "keywords", "group"}
        assert service["type"] == "realtime" and isinstance(service["metadata"], bool)
    root = send(gateway, "services.xml", headers={"Accept-Language": "zh-CN,zh;q=0.9"}).xml()
    assert root.tag == "services"
    names = {s.findtext("service_code"): s.findtext("service_name") for s in root.findall("service")}
    assert names["repairs"] == "维修"
    assert root.find("./service/metadata") is not None
    assert root.findtext("./service/metadata") in ("true", "false")

    definition = send(gateway, "services/repairs.json").json()
    assert definition["service_code"] == "repairs"
    for attribute in definition["attributes"]:
        assert {"variable", "code", "datatype", "required", "datatype_description", "order", "description"} <= set(
            attribute
        )
    xml_definition = send(gateway, "services/elevator.xml", query={"locale": "zh_CN"}).xml()
    assert xml_definition.tag == "service_definition"
    urgency = next(a for a in xml_definition.findall("./attributes/attribute") if a.findtext("code") == "urgency")
    assert urgency.findtext("datatype") == "singlevaluelist"
    assert [v.findtext("key") for v in urgency.findall("./values/value")] == ["low", "normal", "urgent"]

    json_errors(send(gateway, "services/potholes.json"), 404)
    xml_errors(send(gateway, "services/potholes.xml"), 404)


def test_post_needs_a_valid_api_key(gateway: Platform) -> None:
    errors = json_errors(send(gateway, "requests.json", form=post_form(None)), 403)
    assert errors[0]["description"].startswith("api_key:")
    xml_errors(send(gateway, "requests.xml", form=post_form("lk_0000000000000000_forged")), 403)
    xml_errors(send(gateway, "requests.xml", form=post_form(None), headers={"X-Api-Key": "lk_bad"}), 403)


def test_a_posted_request_is_found_open_then_closed_without_personal_data(gateway: Platform, api_key: str) -> None:
    created = send(gateway, "requests.json", form=post_form(api_key))
    assert created.status == 200, created.body
    answer = created.json()
    assert len(answer) == 1 and set(answer[0]) == {"service_request_id", "service_notice", "account_id"}
    request_id = answer[0]["service_request_id"]
    assert answer[0]["service_notice"]

    # the resident's contact went to the private requester contact, never to public fields
    with grpc.insecure_channel(gateway.requests.address) as channel:
        stub = requests_pb2_grpc.RequestServiceStub(channel)
        stored = stub.GetRequest(
            requests_pb2.GetRequestRequest(request_id=request_id), metadata=who("ops", "operator"), timeout=10
        )
    assert stored.channel == requests_pb2.Channel.CHANNEL_OPEN311
    assert stored.requester.contact.email == "wang.xiaoming@example.com"
    assert stored.requester.contact.phone == "13800138000"
    assert stored.requester.contact.name == "Xiaoming Wang"
    assert stored.urgency == requests_pb2.Urgency.URGENCY_URGENT
    assert "13800138000" not in stored.title + stored.description

    single = send(gateway, f"requests/{request_id}.json", headers={"X-Api-Key": api_key}).json()
    assert len(single) == 1
    entry = single[0]
    assert entry["service_request_id"] == request_id
    assert entry["status"] == "open"
    assert entry["service_code"] == "repairs"
    assert entry["requested_datetime"] and entry["expected_datetime"]
    assert entry["lat"] is None and entry["long"] is None
    assert entry["agency_responsible"]  # the community it belongs to
    for secret in SECRETS:
        assert secret not in json.dumps(entry, ensure_ascii=False)

    xml_single = send(gateway, f"requests/{request_id}.xml", query={"api_key": api_key}).xml()
    assert xml_single.tag == "service_requests"
    assert xml_single.findtext("./request/service_request_id") == request_id
    assert xml_single.findtext("./request/status") == "open"
    assert all(
        s not in send(gateway, f"requests/{request_id}.xml", query={"api_key": api_key}).body.decode() for s in SECRETS
    )

    start = (datetime.now(UTC) - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    end = (datetime.now(UTC) + timedelta(hours=1)).isoformat(timespec="seconds")
    query = {"service_code": "repairs", "status": "open", "start_date": start, "end_date": end}
    listed = send(gateway, "requests.json", query=query, headers={"X-Api-Key": api_key}).json()
    assert request_id in [r["service_request_id"] for r in listed]
    assert all(r["status"] == "open" for r in listed)
    xml_listed = send(gateway, "requests.xml", query={**query, "api_key": api_key}).xml()
    assert request_id in [r.findtext("service_request_id") for r in xml_listed.findall("request")]
    by_ids = send(
        gateway,
        "requests.json",
        query={"service_request_id": f"{request_id},req_unknown"},
        headers={"X-Api-Key": api_key},
    ).json()
    assert [r["service_request_id"] for r in by_ids] == [request_id]

    token = send(gateway, f"tokens/{request_id}.json", headers={"X-Api-Key": api_key}).json()
    assert token == [{"service_request_id": request_id, "token": request_id}]
    xml_token = send(gateway, f"tokens/{request_id}.xml", query={"api_key": api_key}).xml()
    assert xml_token.findtext("./request/token") == request_id

    # an operator refuses it: it is closed from then on
    with grpc.insecure_channel(gateway.requests.address) as channel:
        stub = requests_pb2_grpc.RequestServiceStub(channel)
        stub.RejectRequest(
            requests_pb2.RejectRequestRequest(request_id=request_id, reason="already fixed by the neighbours"),
            metadata=who("ops", "operator"),
            timeout=10,
        )
    closed = send(gateway, "requests.json", query={"status": "closed"}, headers={"X-Api-Key": api_key}).json()
    found = next(r for r in closed if r["service_request_id"] == request_id)
    assert found["status"] == "closed" and found["status_notes"]
    still_open = send(gateway, "requests.json", query={"status": "open"}, headers={"X-Api-Key": api_key}).json()
    assert request_id not in [r["service_request_id"] for r in still_open]


def test_posted_with_an_address_and_a_title_in_xml(gateway: Platform, api_key: str) -> None:
    form = [
        ("api_key", api_key),
        ("service_code", "parking"),
        ("address_string", "白云街道东山社区 3 幢"),
        ("attribute[title]", "乱停车 <b>&"),
        ("description", "消防通道被占"),
        ("phone", "13800138000"),
    ]
    created = send(gateway, "requests.xml", form=form, headers={"Idempotency-Key": f"k-{uuid.uuid4().hex}"})
    assert created.status == 200, created.body
    root = created.xml()
    assert root.tag == "service_requests"
    request_id = root.findtext("./request/service_request_id")
    assert request_id and root.findtext("./request/service_notice")
    listed = send(gateway, "requests.xml", query={"service_request_id": request_id, "api_key": api_key}).xml()
    assert listed.findtext("./request/service_code") == "parking"


def test_anonymous_reads_see_open_and_closed_public_requests_never_hidden_ones(gateway: Platform, api_key: str) -> None:
    created = send(gateway, "requests.json", form=post_form(api_key)).json()
    request_id = created[0]["service_request_id"]
    listed = send(gateway, "requests.json", query={"status": "open", "service_code": "repairs"}).json()
    entry = next(r for r in listed if r["service_request_id"] == request_id)  # an open request is public
    assert entry["status"] == "open" and entry["service_code"] == "repairs"
    assert entry["description"] is None  # its text waits for a moderator's review
    assert entry["agency_responsible"] and entry["lat"] is None
    for secret in SECRETS:
        assert secret not in json.dumps(listed, ensure_ascii=False)
    root = send(gateway, "requests.xml", query={"status": "open"}).xml()
    assert request_id in [r.findtext("service_request_id") for r in root.findall("request")]
    single = send(gateway, f"requests/{request_id}.json").json()
    assert [r["service_request_id"] for r in single] == [request_id]
    token = send(gateway, f"tokens/{request_id}.json").json()
    assert token == [{"service_request_id": request_id, "token": request_id}]

    with grpc.insecure_channel(gateway.requests.address) as channel:
        requests_pb2_grpc.RequestServiceStub(channel).ModerateRequest(
            requests_pb2.ModerateRequestRequest(
                request_id=request_id,
                visibility=requests_pb2.ModerationVisibility.MODERATION_VISIBILITY_HIDE,
                reason="personal details",
            ),
            metadata=who("ops", "operator"),
            timeout=10,
        )
    errors = json_errors(send(gateway, f"requests/{request_id}.json"), 404)
    assert errors[0]["description"].startswith("service_request_id:")
    json_errors(send(gateway, f"tokens/{request_id}.json"), 404)
    again = send(gateway, "requests.json", query={"status": "open"}).json()
    assert request_id not in [r["service_request_id"] for r in again]


@pytest.mark.parametrize(
    ("path", "query", "code", "parameter"),
    [
        ("requests.json", {"status": "pending"}, 400, "status"),
        ("requests.xml", {"start_date": "yesterday"}, 400, "start_date"),
        ("requests.json", {"start_date": "2025-03-02", "end_date": "2025-03-01"}, 400, "end_date"),
        ("requests.xml", {"service_code": "potholes"}, 400, "service_code"),
        ("requests.json", {"service_request_id": "not an id"}, 400, "service_request_id"),
        ("requests/req_does_not_exist.xml", {}, 404, "service_request_id"),
        ("tokens/tok_unknown.json", {}, 404, "token"),
        ("requests.csv", {}, 404, "format"),
    ],
)
def test_errors_in_array_form(gateway: Platform, path: str, query: dict[str, str], code: int, parameter: str) -> None:
    answer = send(gateway, path, query=query)
    if path.endswith(".xml"):
        descriptions = [e.findtext("description", "") for e in xml_errors(answer, code)]
    else:
        descriptions = [e["description"] for e in json_errors(answer, code)]
    assert descriptions[0].startswith(f"{parameter}:"), descriptions


def test_post_errors_name_the_parameter(gateway: Platform, api_key: str) -> None:
    missing_location = send(gateway, "requests.json", form={"api_key": api_key, "service_code": "repairs"})
    assert json_errors(missing_location, 400)[0]["description"].startswith("lat:")
    bad_phone = send(gateway, "requests.xml", form=post_form(api_key, phone="call me maybe"))
    assert xml_errors(bad_phone, 400)[0].findtext("description", "").startswith("phone:")
    unknown = send(gateway, "requests.json", form=post_form(api_key, service_code="potholes"))
    assert json_errors(unknown, 400)[0]["description"].startswith("service_code:")
    wrong_method = send(gateway, "requests.json", method="DELETE")
    json_errors(wrong_method, 405)


def test_a_solved_and_published_request_is_public_with_its_text_and_photo(gateway: Platform, api_key: str) -> None:
    form = post_form(api_key, service_code="environment", media_url="https://media.linli.test/before.jpg")
    form["description"] = "垃圾堆在 3 幢门口"
    request_id = send(gateway, "requests.json", form=form).json()[0]["service_request_id"]
    operator = who("ops", "operator")
    with grpc.insecure_channel(gateway.requests.address) as channel:
        stub = requests_pb2_grpc.RequestServiceStub(channel)

        def step(method: Any, message: Any, metadata: Any = operator) -> None:
            method(message, metadata=metadata, timeout=10)

        step(stub.AcceptRequest, requests_pb2.AcceptRequestRequest(request_id=request_id))
        assignee = requests_pb2.Assignee(kind=requests_pb2.AssigneeKind.ASSIGNEE_KIND_STAFF, id="p_open311_worker")
        step(stub.DispatchRequest, requests_pb2.DispatchRequestRequest(request_id=request_id, assignee=assignee))
        worker = who("p_open311_worker")
        step(stub.ClaimRequest, requests_pb2.ClaimRequestRequest(request_id=request_id), worker)
        step(stub.StartWork, requests_pb2.StartWorkRequest(request_id=request_id), worker)
        step(
            stub.ResolveRequest, requests_pb2.ResolveRequestRequest(request_id=request_id, result_text="已清运"), worker
        )
        step(stub.ModerateRequest, requests_pb2.ModerateRequestRequest(request_id=request_id, approve_publication=True))

    listed = send(gateway, "requests.json", query={"service_code": "environment", "status": "closed"}).json()
    entry = next(r for r in listed if r["service_request_id"] == request_id)
    assert entry["status"] == "closed"
    assert entry["description"] == "垃圾堆在 3 幢门口"
    assert "已清运" in entry["status_notes"]
    assert entry["media_url"] == "https://media.linli.test/before.jpg"
    assert entry["lat"] is None and entry["long"] is None
    for secret in SECRETS:
        assert secret not in json.dumps(entry, ensure_ascii=False)
    root = send(gateway, f"requests/{request_id}.xml").xml()
    assert root.findtext("./request/status") == "closed"
    assert root.findtext("./request/media_url") == "https://media.linli.test/before.jpg"
