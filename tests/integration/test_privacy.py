"""The privacy suite (issue 10): requests full of personal data, in many forms, submitted
through the real requests service (in-process, real FerretDB and Kafka, the organizations
service in a process), then every public surface read: the public board, the public topic
from a fresh consumer group, a follower's view, anonymous reads and duplicate suggestions.
Nothing identifying may appear; hidden and rejected requests end in a tombstone, and a
redacted request's latest public record carries nothing of what was redacted.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import time
import unicodedata
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import grpc
import pytest
from google.protobuf import timestamp_pb2
from kafka import KafkaAdminClient, KafkaConsumer
from kafka.admin import ConfigResource, ConfigResourceType

from linli.common.kafka_io import ensure_topics, platform_topics
from linli.v1 import common_pb2, organizations_pb2, organizations_pb2_grpc
from linli.v1 import requests_pb2 as pb
from tests.integration.requests.conftest import RunningRequests, start_requests
from tests.support.identity import Metadata, anonymous, who
from tests.support.infra import Infra
from tests.support.processes import ServiceProcess, start_service

PUBLIC_TOPIC = "linli.public.requests.v1"
DONGSHAN = common_pb2.GeoPoint(lat=28.660, lng=121.420)  # inside the seeded grid JJ-BY-C1-G1
NEARBY = common_pb2.GeoPoint(lat=28.6603, lng=121.4201)
ANONYMOUS: Metadata = anonymous()


RESIDENT = who("res-wang", "resident")
NEIGHBOUR = who("res-li", "resident")
VOLUNTEER = who("vol-zhao", "resident")

#: Who is on the requests: the requester's contact name, the handler's display name.
NAMES = ["王秀英", "李建国", "赵志刚", "Zhang Wei"]
#: Digit secrets, compared after every separator and invisible character is taken out.
DIGITS = [
    "13800138000",
    "13912345678",
    "057688123456",
    "88123456",
    "110105194912310026",
    "11010519491231002",
    "110105491231002",
]
#: Other secrets, compared after NFKC and case folding.
OTHERS = ["wangxy@example.com", "li.jg@example.cn", "wxid_wang88", "zhangwei_1990", "qq 12345678", "东山路88号3幢401"]

#: The corpus: (title, description). Chinese and English, full-width, separated digits,
#: invisible characters inside numbers, 15- and 18-digit IDs, full-width @, WeChat and QQ
#: ids, the names of the people on the request.
CORPUS = [
    ("王秀英家楼道灯坏了", "请联系王秀英 １３８００１３８０００，住东山路88号3幢401"),
    ("Light broken, call Zhang Wei", "Call 138 0013 8000 or mail wangxy＠example.com, WeChat: zhangwei_1990"),
    ("水管漏水", "电话 1 3 8-0013-8000，微信号：wxid_wang88，QQ 12345678"),
    ("门口垃圾", "号码13\u200b912\u200d345\u2060678，身份证110105194912310026，旧证110105491231002"),
    ("噪音扰民", "证件 11010519491231002X，座机 0576-88123456，邮箱 ｌｉ．ｊｇ＠ｅｘａｍｐｌｅ．ｃｎ，联系人：李建国"),
    ("路灯不亮", "找赵志刚师傅，他电话 139\u00ad1234\u202e5678，或者打 88123456"),
]


def _flat(text: str) -> str:
    folded = unicodedata.normalize("NFKC", "".join(ch for ch in text if unicodedata.category(ch) != "Cf"))
    return folded.casefold()


def leaks(text: str, *, names: bool = True) -> list[str]:
    """Every secret found in ``text`` (in any of the forms the corpus used)."""
    flat = _flat(text)
    digits = re.sub(r"[\s\-./()_\u2010-\u2015]", "", flat)
    found = [n for n in NAMES if n.casefold() in flat or n.casefold().replace(" ", "") in flat.replace(" ", "")]
    found = found if names else []
    found += [d for d in DIGITS if d in digits]
    found += [o for o in OTHERS if o.casefold() in flat]
    if re.search(r"[0-9]{11,}", digits):
        found.append("a run of 11+ digits")
    return found


@pytest.fixture(scope="module")
def organizations(infra: Infra) -> Iterator[ServiceProcess]:
    ensure_topics(infra.kafka_bootstrap, platform_topics())
    service = start_service("organizations", infra)
    try:
        seeded = service.run_module("linli.organizations.seed")
        assert seeded.returncode == 0, seeded.stderr
        yield service
    finally:
        service.stop()


@pytest.fixture(scope="module")
def city(organizations: ServiceProcess) -> dict[str, str]:
    with grpc.insecure_channel(organizations.address) as channel:
        stub = organizations_pb2_grpc.OrganizationServiceStub(channel)
        return {
            code: stub.GetOrganization(organizations_pb2.GetOrganizationRequest(code=code), timeout=5).id
            for code in ("JJ-BY-C1",)
        }


@pytest.fixture(scope="module")
def service(infra: Infra, organizations: ServiceProcess) -> Iterator[RunningRequests]:
    running = start_requests(infra, organizations, f"test_privacy_{uuid.uuid4().hex[:8]}")
    try:
        yield running
    finally:
        running.stop()


def public_records(infra: Infra, keys: set[str], done: Callable[[dict[str, list[Any]]], bool]) -> dict[str, list[Any]]:
    """Every record of the public topic for ``keys``, read by a fresh consumer group, in log
    order per key; read again until ``done`` holds (the relay publishes asynchronously)."""
    deadline = time.monotonic() + 30
    by_key: dict[str, list[Any]] = {}
    while time.monotonic() < deadline:
        consumer = KafkaConsumer(
            PUBLIC_TOPIC,
            bootstrap_servers=infra.kafka_bootstrap,
            group_id=f"privacy-{uuid.uuid4().hex}",
            auto_offset_reset="earliest",
            enable_auto_commit=False,
            consumer_timeout_ms=2000,
        )
        try:
            by_key = {}
            for record in consumer:
                if record.key is not None and record.key.decode() in keys:
                    by_key.setdefault(record.key.decode(), []).append(record)
        finally:
            consumer.close()
        if done(by_key):
            return by_key
        time.sleep(0.5)
    raise AssertionError(f"public topic incomplete: { {k: len(v) for k, v in by_key.items()} }")


def test_nothing_identifying_reaches_a_public_surface(
    infra: Infra, service: RunningRequests, city: dict[str, str]
) -> None:
    stub = service.stub
    dispatcher = who("disp-c1", f"dispatcher@{city['JJ-BY-C1']}")
    started = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
    ids: list[str] = []
    for i, (title, description) in enumerate(CORPUS):
        if i % 2:  # an anonymous caller with a contact (Open311-like), scoped by its own token
            created = stub.SubmitRequest(
                pb.SubmitRequestRequest(
                    category="repairs",
                    title=title,
                    description=description,
                    point=DONGSHAN,
                    anonymous_contact=common_pb2.Contact(name="李建国", phone="13912345678", email="li.jg@example.cn"),
                    idempotency_key=f"privacy-{i}",
                    client_token=f"token-{uuid.uuid4().hex}",
                ),
                metadata=ANONYMOUS,
                timeout=10,
            ).request
        else:
            created = stub.SubmitRequest(
                pb.SubmitRequestRequest(
                    category="repairs",
                    title=title,
                    description=description,
                    address=common_pb2.Address(text="东山路88号3幢401", point=DONGSHAN),
                    attachments=[pb.Attachment(id=f"a{i}", url=f"https://files.example/{i}.jpg")],
                ),
                metadata=RESIDENT,
                timeout=10,
            ).request
        ids.append(created.id)
    approved, pending, redacted, as_is, hidden, rejected = ids

    # The whole loop for the first: dispatched to a named volunteer, resolved with a result
    # text that names people and numbers, then approved as is (scrubbing still applies).
    stub.AcceptRequest(pb.AcceptRequestRequest(request_id=approved), metadata=dispatcher, timeout=5)
    stub.DispatchRequest(
        pb.DispatchRequestRequest(
            request_id=approved, assignee=pb.Assignee(kind=pb.ASSIGNEE_KIND_VOLUNTEER, id="vol-zhao", name="赵志刚")
        ),
        metadata=dispatcher,
        timeout=5,
    )
    stub.ClaimRequest(pb.ClaimRequestRequest(request_id=approved), metadata=VOLUNTEER, timeout=5)
    stub.StartWork(pb.StartWorkRequest(request_id=approved), metadata=VOLUNTEER, timeout=5)
    stub.ResolveRequest(
        pb.ResolveRequestRequest(
            request_id=approved,
            result_text="赵志刚已为王秀英换灯，回访电话 １３８-００１３-８０００，微信 wxid_wang88",
            photos=[pb.Attachment(id="r0", url="https://files.example/r0.jpg")],
        ),
        metadata=VOLUNTEER,
        timeout=5,
    )
    queue = stub.ListPendingPublications(pb.ListPendingPublicationsRequest(), metadata=dispatcher, timeout=5)
    waiting = {item.request.id for item in queue.items}
    assert set(ids) <= waiting
    for item in queue.items:
        # What a reviewer would approve: numbers, e-mails and ids are already masked; a name
        # the service does not know ("call Zhang Wei") is what the review is for.
        preview = json.dumps([item.preview.title, item.preview.description, item.preview.result_text])
        assert not leaks(preview, names=False), preview
    # The reviewer redacts the name the service cannot know (the requester is a person id
    # here, with no contact name); the handler's name and every number are scrubbed anyway.
    stub.ModerateRequest(
        pb.ModerateRequestRequest(
            request_id=approved,
            approve_publication=True,
            redactions=[
                pb.TextRedaction(field=pb.REDACTABLE_FIELD_TITLE, start=0, end=3),
                pb.TextRedaction(field=pb.REDACTABLE_FIELD_DESCRIPTION, start=3, end=6),
                pb.TextRedaction(field=pb.REDACTABLE_FIELD_RESULT, start=5, end=8),
            ],
            reason="names the requester",
        ),
        metadata=dispatcher,
        timeout=5,
    )
    # Approved with a redaction of the whole description.
    length = len(CORPUS[2][1])
    stub.ModerateRequest(
        pb.ModerateRequestRequest(
            request_id=redacted,
            approve_publication=True,
            redactions=[pb.TextRedaction(field=pb.REDACTABLE_FIELD_DESCRIPTION, start=0, end=length)],
            reason="contact details",
        ),
        metadata=dispatcher,
        timeout=5,
    )
    stub.ModerateRequest(
        pb.ModerateRequestRequest(request_id=as_is, approve_publication=True), metadata=dispatcher, timeout=5
    )
    stub.ModerateRequest(
        pb.ModerateRequestRequest(request_id=hidden, visibility=pb.MODERATION_VISIBILITY_HIDE, reason="abuse"),
        metadata=dispatcher,
        timeout=5,
    )
    stub.RejectRequest(pb.RejectRequestRequest(request_id=rejected, reason="spam"), metadata=dispatcher, timeout=5)
    remaining = {
        i.request.id
        for i in stub.ListPendingPublications(pb.ListPendingPublicationsRequest(), metadata=dispatcher, timeout=5).items
    }
    assert pending in remaining and not remaining & {approved, redacted, as_is, hidden, rejected}

    # A follower gets the public view only.
    stub.FollowRequest(pb.FollowRequestRequest(request_id=pending), metadata=NEIGHBOUR, timeout=5)
    stub.FollowRequest(pb.FollowRequestRequest(request_id=approved), metadata=NEIGHBOUR, timeout=5)
    for request_id in (pending, approved):
        seen = stub.GetRequest(pb.GetRequestRequest(request_id=request_id), metadata=NEIGHBOUR, timeout=5)
        assert seen.public_view_only and not seen.HasField("requester") and not seen.HasField("address")
        assert not seen.HasField("point") and not seen.history and not seen.follower_person_ids
        assert leaks(str(seen)) == [], seen
    listed = stub.ListRequests(pb.ListRequestsRequest(), metadata=NEIGHBOUR, timeout=5).requests
    assert {r.id for r in listed} == {pending, approved} and all(r.public_view_only for r in listed)
    assert leaks(str(listed)) == []
    pending_view = stub.GetRequest(pb.GetRequestRequest(request_id=pending), metadata=NEIGHBOUR, timeout=5)
    assert pending_view.title == "" and pending_view.description == ""

    # Anonymous reads: the ledger is closed; suggestions give bands, never hidden requests.
    with pytest.raises(grpc.RpcError) as refused:
        stub.GetRequest(pb.GetRequestRequest(request_id=pending), metadata=ANONYMOUS, timeout=5)
    assert refused.value.code() == grpc.StatusCode.UNAUTHENTICATED
    suggestions = stub.SuggestDuplicates(
        pb.SuggestDuplicatesRequest(
            category="repairs", title="楼道灯坏了", description="水管漏水 噪音 路灯", point=NEARBY
        ),
        metadata=ANONYMOUS,
        timeout=5,
    ).suggestions
    assert hidden not in {s.request_id for s in suggestions}
    assert all(not s.HasField("distance_meters") and s.distance_band in ("<100 m", "<300 m") for s in suggestions)

    # The public board (anyone).
    start, end = timestamp_pb2.Timestamp(), timestamp_pb2.Timestamp()
    start.FromDatetime(started)
    end.FromDatetime(dt.datetime.now(dt.UTC) + dt.timedelta(minutes=5))
    board = stub.GetPublicBoard(
        pb.GetPublicBoardRequest(scope_id=city["JJ-BY-C1"], period_start=start, period_end=end, recent_limit=100),
        metadata=ANONYMOUS,
        timeout=5,
    )
    recent = {r.id: r for r in board.recent_results}
    assert approved in recent and recent[approved].result_text and "***" in recent[approved].result_text
    assert leaks(str(board)) == [], board

    # The public topic, from a fresh consumer group: every record, not only the latest.
    keys = set(ids)

    def complete(by_key: dict[str, list[Any]]) -> bool:
        return (
            set(by_key) == keys
            and all(by_key[k][-1].value is None for k in (hidden, rejected))
            and any(r.value is not None and json.loads(r.value)["request"].get("resultText") for r in by_key[approved])
        )

    by_key = public_records(infra, keys, complete)
    for key, found in by_key.items():
        for record in found:
            if record.value is not None:
                assert leaks(record.value.decode()) == [], (key, record.value.decode())
                assert "actorPersonId" not in record.value.decode()
    for key in (hidden, rejected):
        assert by_key[key][-1].value is None  # a tombstone: the compacted topic forgets it
    latest = json.loads(by_key[redacted][-1].value)["request"]
    assert latest["description"] == "***" and latest.get("title") == CORPUS[2][0]
    assert json.loads(by_key[pending][-1].value)["request"].get("textWithheld") is True

    # The topic is compacted, so the latest record per request is what an agency holds.
    admin = KafkaAdminClient(bootstrap_servers=infra.kafka_bootstrap)
    try:
        described = admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, PUBLIC_TOPIC)])
        text = str(described)
        assert "cleanup.policy" in text and "compact" in text
    finally:
        admin.close()


def test_idempotency_keys_are_scoped_and_bound_to_the_payload(service: RunningRequests) -> None:
    stub = service.stub
    base: dict[str, Any] = {
        "category": "repairs",
        "title": "路灯坏了",
        "point": DONGSHAN,
        "idempotency_key": "same-key",
    }
    contact = common_pb2.Contact(phone="13800138000")
    with pytest.raises(grpc.RpcError) as caught:
        stub.SubmitRequest(pb.SubmitRequestRequest(anonymous_contact=contact, **base), metadata=ANONYMOUS, timeout=5)
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    token = f"token-{uuid.uuid4().hex}"
    first = stub.SubmitRequest(
        pb.SubmitRequestRequest(anonymous_contact=contact, client_token=token, **base), metadata=ANONYMOUS, timeout=5
    ).request
    other = stub.SubmitRequest(
        pb.SubmitRequestRequest(anonymous_contact=contact, client_token=token[::-1], **base),
        metadata=ANONYMOUS,
        timeout=5,
    ).request
    assert other.id != first.id
    with pytest.raises(grpc.RpcError) as caught:
        stub.SubmitRequest(
            pb.SubmitRequestRequest(anonymous_contact=contact, client_token=token, **{**base, "title": "别的事"}),
            metadata=ANONYMOUS,
            timeout=5,
        )
    assert caught.value.code() == grpc.StatusCode.ABORTED


def test_bad_input_is_bounded(service: RunningRequests) -> None:
    stub = service.stub
    huge = "灯" * 1_000_000
    for request in (
        pb.SuggestDuplicatesRequest(category="repairs", title="灯", description=huge, point=DONGSHAN),
        pb.SuggestDuplicatesRequest(category="repairs", title="灯", point=common_pb2.GeoPoint(lat=float("nan"), lng=1)),
        pb.SuggestDuplicatesRequest(category="repairs", title="灯", limit=1000),
    ):
        with pytest.raises(grpc.RpcError) as caught:
            stub.SuggestDuplicates(request, metadata=ANONYMOUS, timeout=10)
        assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert len(caught.value.details() or "") < 300
    start, end = timestamp_pb2.Timestamp(), timestamp_pb2.Timestamp()
    start.FromDatetime(dt.datetime(2025, 1, 1, tzinfo=dt.UTC))
    end.FromDatetime(dt.datetime(2025, 2, 1, tzinfo=dt.UTC))
    with pytest.raises(grpc.RpcError) as caught:
        stub.GetPublicBoard(
            pb.GetPublicBoardRequest(period_start=start, period_end=end, recent_limit=101),
            metadata=ANONYMOUS,
            timeout=5,
        )
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    with pytest.raises(grpc.RpcError) as caught:
        stub.SubmitRequest(
            pb.SubmitRequestRequest(category="repairs", title="x", point=common_pb2.GeoPoint(lat=float("inf"), lng=1)),
            metadata=RESIDENT,
            timeout=5,
        )
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
