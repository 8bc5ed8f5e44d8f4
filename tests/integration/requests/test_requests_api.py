"""The requests gRPC API against real FerretDB, Kafka and a running organizations service."""

from __future__ import annotations

import datetime as dt
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

import grpc
import pytest
from google.protobuf import timestamp_pb2

from linli.common.errors import FIELD_KEY
from linli.requests.domain.model import GeoPoint
from linli.v1 import common_pb2, organizations_pb2, organizations_pb2_grpc
from linli.v1 import requests_pb2 as pb
from tests.integration.requests.conftest import RunningRequests, start_requests
from tests.support.identity import Metadata, identity_of, who
from tests.support.infra import Infra
from tests.support.processes import ServiceProcess
from tests.support.topics import ce_type, read_topic

RESIDENT: Metadata = who("resident-1", "resident")
OPERATOR: Metadata = who("op-1", "operator")
DONGSHAN = common_pb2.GeoPoint(lat=28.660, lng=121.420)  # inside the seeded grid JJ-BY-C1-G1


def convert_point(point: common_pb2.GeoPoint) -> GeoPoint:
    return GeoPoint(lat=point.lat, lng=point.lng)


def dispatcher(city: dict[str, str], code: str = "JJ-BY-C1") -> Metadata:
    return who(f"disp-{code}", f"dispatcher@{city[code]}")


def submit(requests_service: RunningRequests, metadata: Metadata = RESIDENT, **fields: Any) -> pb.SubmitRequestResponse:
    values: dict[str, Any] = {
        "category": "repairs",
        "title": "楼道灯坏了",
        "description": "12幢3单元楼道灯不亮",
        "point": DONGSHAN,
        **fields,
    }
    response: pb.SubmitRequestResponse = requests_service.stub.SubmitRequest(
        pb.SubmitRequestRequest(**values), metadata=metadata, timeout=10
    )
    return response


def rpc_error(call: Callable[[], object]) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as caught:
        call()
    return caught.value


def field_of(error: grpc.RpcError) -> str:
    return str(dict(error.trailing_metadata() or ()).get(FIELD_KEY, ""))


def records(infra: Infra, topic: str, key: str, expected: int, timeout: float = 20.0) -> list[tuple[str, bytes]]:
    """(ce_type, value) of `topic`'s records with `key`, in order."""
    return [(ce_type(r), r.value) for r in read_topic(infra.kafka_bootstrap, topic, {key}, expected, timeout)]


def wait_for(condition: Callable[[], bool], timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError("condition not met in time")


def test_submit_routes_to_grid_and_computes_deadlines(requests_service: RunningRequests, city: dict[str, str]) -> None:
    before = dt.datetime.now(dt.UTC)
    created = submit(requests_service).request
    assert created.status == pb.REQUEST_STATUS_SUBMITTED
    assert created.community_id == city["JJ-BY-C1"] and created.street_id == city["JJ-BY"]
    assert city["JJ"] in created.org_path
    accept_by = created.accept_by.ToDatetime(tzinfo=dt.UTC)
    assert dt.timedelta(minutes=119) < accept_by - before < dt.timedelta(minutes=121)  # repairs: 2 h to accept
    assert created.requester.person_id == "resident-1"


def test_a_whole_life_with_assisted_dispatch(
    infra: Infra, requests_service: RunningRequests, city: dict[str, str]
) -> None:
    stub = requests_service.stub
    request = submit(requests_service).request
    request = stub.AcceptRequest(
        pb.AcceptRequestRequest(request_id=request.id, expected_version=request.version),
        metadata=dispatcher(city),
        timeout=5,
    )
    request = stub.OfferToVolunteers(
        pb.OfferToVolunteersRequest(
            request_id=request.id,
            expected_version=request.version,
            candidate_volunteer_ids=["vol-a", "vol-b", "vol-c"],
            offer_count=3,
        ),
        metadata=dispatcher(city),
        timeout=5,
    )
    assert request.status == pb.REQUEST_STATUS_OFFERED and len(request.offers) == 3

    outcomes: dict[str, str] = {}

    def claim(volunteer: str) -> None:
        try:
            stub.ClaimRequest(
                pb.ClaimRequestRequest(request_id=request.id), metadata=who(volunteer, "resident"), timeout=5
            )
            outcomes[volunteer] = "won"
        except grpc.RpcError as exc:
            outcomes[volunteer] = exc.code().name

    threads = [threading.Thread(target=claim, args=(v,)) for v in ("vol-a", "vol-b", "vol-c")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    winners = [v for v, outcome in outcomes.items() if outcome == "won"]
    assert len(winners) == 1, outcomes  # exactly one winner when volunteers claim at once
    assert all(o == "FAILED_PRECONDITION" for v, o in outcomes.items() if v != winners[0])
    winner = who(winners[0], "resident")
    request = stub.GetRequest(pb.GetRequestRequest(request_id=request.id), metadata=OPERATOR, timeout=5)
    assert request.status == pb.REQUEST_STATUS_CLAIMED and request.assignee.id == winners[0]
    assert request.first_responder.id == winners[0]
    assert all(o.status != pb.OFFER_STATUS_OPEN for o in request.offers)  # the others' offers are withdrawn

    request = stub.StartWork(pb.StartWorkRequest(request_id=request.id), metadata=winner, timeout=5)
    request = stub.ResolveRequest(
        pb.ResolveRequestRequest(request_id=request.id, result_text="换了灯泡", hours=1.5), metadata=winner, timeout=5
    )
    request = stub.RateRequest(
        pb.RateRequestRequest(request_id=request.id, stars=5, comment="很快"), metadata=RESIDENT, timeout=5
    )
    request = stub.CloseRequest(pb.CloseRequestRequest(request_id=request.id), metadata=RESIDENT, timeout=5)
    assert request.status == pb.REQUEST_STATUS_CLOSED
    actions = [h.action for h in request.history]
    assert actions[:2] == ["submit", "accept"] and actions[-4:] == ["start_work", "resolve", "rate", "close"]
    assert [h.actor.person_id for h in request.history if h.action == "resolve"] == [winners[0]]

    types = [t for t, _ in records(infra, "linli.requests.v1", request.id, 8)]
    assert types[:3] == [
        "org.linli.request.submitted.v1",
        "org.linli.request.accepted.v1",
        "org.linli.request.offered.v1",
    ]
    assert types[-4:] == [
        "org.linli.request.work_started.v1",
        "org.linli.request.resolved.v1",
        "org.linli.request.rated.v1",
        "org.linli.request.closed.v1",
    ]
    assert "org.linli.request.claimed.v1" in types and "org.linli.request.offer_withdrawn.v1" in types
    public = records(infra, "linli.public.requests.v1", request.id, 5)
    assert public and all(t == "org.linli.public.request.changed.v1" for t, _ in public)
    assert all(b"resident-1" not in value and b"vol-" not in value for _, value in public)


def test_bad_input_and_illegal_transitions_change_nothing(
    requests_service: RunningRequests, city: dict[str, str]
) -> None:
    stub = requests_service.stub
    unknown = rpc_error(lambda: submit(requests_service, category="teleportation"))
    assert unknown.code() == grpc.StatusCode.INVALID_ARGUMENT and field_of(unknown) == "category"
    too_long = rpc_error(lambda: submit(requests_service, title="长" * 500))
    assert too_long.code() == grpc.StatusCode.INVALID_ARGUMENT and field_of(too_long) == "title"
    too_many = rpc_error(
        lambda: submit(
            requests_service,
            attachments=[pb.Attachment(id=f"a{i}", url=f"https://files.example/{i}.jpg") for i in range(20)],
        )
    )
    assert too_many.code() == grpc.StatusCode.INVALID_ARGUMENT and field_of(too_many).startswith("attachments")
    anonymous = rpc_error(lambda: submit(requests_service, metadata=[]))
    assert anonymous.code() == grpc.StatusCode.INVALID_ARGUMENT  # anonymous needs a contact

    request = submit(requests_service).request
    early_rating = rpc_error(
        lambda: stub.RateRequest(pb.RateRequestRequest(request_id=request.id, stars=5), metadata=RESIDENT)
    )
    assert early_rating.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert "rate" in early_rating.details() and "submitted" in early_rating.details()
    resident_accepts = rpc_error(
        lambda: stub.AcceptRequest(pb.AcceptRequestRequest(request_id=request.id), metadata=RESIDENT)
    )
    assert resident_accepts.code() == grpc.StatusCode.PERMISSION_DENIED
    other_community = rpc_error(
        lambda: stub.AcceptRequest(
            pb.AcceptRequestRequest(request_id=request.id), metadata=dispatcher(city, "JJ-HM-C1")
        )
    )
    assert other_community.code() == grpc.StatusCode.NOT_FOUND  # existence is private outside the scope
    stale = rpc_error(
        lambda: stub.AcceptRequest(
            pb.AcceptRequestRequest(request_id=request.id, expected_version=7), metadata=dispatcher(city)
        )
    )
    assert stale.code() == grpc.StatusCode.ABORTED
    missing = rpc_error(lambda: stub.GetRequest(pb.GetRequestRequest(request_id="req_missing"), metadata=OPERATOR))
    assert missing.code() == grpc.StatusCode.NOT_FOUND
    after = stub.GetRequest(pb.GetRequestRequest(request_id=request.id), metadata=OPERATOR, timeout=5)
    assert after.version == request.version and after.status == pb.REQUEST_STATUS_SUBMITTED
    assert len(after.history) == 1
    stored = requests_service.service.repository.get(type(requests_service.service.request(request.id)), request.id)
    assert stored is not None and stored.version == request.version


def test_the_ledger_is_scoped_to_what_the_caller_may_see(
    requests_service: RunningRequests, city: dict[str, str]
) -> None:
    mine = submit(requests_service, metadata=who("resident-scope", "resident")).request
    here = requests_service.stub.ListRequests(
        pb.ListRequestsRequest(community_id=city["JJ-BY-C1"]), metadata=dispatcher(city), timeout=5
    )
    assert mine.id in {r.id for r in here.requests}
    elsewhere = requests_service.stub.ListRequests(
        pb.ListRequestsRequest(), metadata=dispatcher(city, "JJ-HM-C1"), timeout=5
    )
    assert mine.id not in {r.id for r in elsewhere.requests}
    own = requests_service.stub.ListRequests(
        pb.ListRequestsRequest(), metadata=who("resident-scope", "resident"), timeout=5
    )
    assert [r.id for r in own.requests] == [mine.id]
    hidden = rpc_error(
        lambda: requests_service.stub.GetRequest(
            pb.GetRequestRequest(request_id=mine.id), metadata=dispatcher(city, "JJ-HM-C1")
        )
    )
    assert hidden.code() == grpc.StatusCode.NOT_FOUND  # as unknown as a missing id


def test_submit_is_idempotent_and_suggests_duplicates(
    infra: Infra, requests_service: RunningRequests, city: dict[str, str]
) -> None:
    key = uuid.uuid4().hex
    first = submit(requests_service, idempotency_key=key, category="parking", title="小区门口乱停车堵住消防通道")
    again = submit(requests_service, idempotency_key=key, category="parking", title="小区门口乱停车堵住消防通道")
    assert again.request.id == first.request.id
    assert [t for t, _ in records(infra, "linli.requests.v1", first.request.id, 1)] == [
        "org.linli.request.submitted.v1"
    ]
    similar = submit(
        requests_service, metadata=who("resident-2", "resident"), category="parking", title="门口乱停车，消防通道被堵"
    )
    assert first.request.id in {s.request_id for s in similar.suggested_duplicates}
    merged = requests_service.stub.MergeRequest(
        pb.MergeRequestRequest(duplicate_id=similar.request.id, original_id=first.request.id, reason="同一问题"),
        metadata=dispatcher(city),
        timeout=5,
    )
    assert merged.duplicate.status == pb.REQUEST_STATUS_MERGED
    assert merged.duplicate.merged_into_id == first.request.id
    assert "resident-2" in merged.original.follower_person_ids  # followers of both hear of the outcome


def test_the_deadline_timer_marks_breaches_and_blows_the_whistle(
    requests_service: RunningRequests, city: dict[str, str]
) -> None:
    request = submit(requests_service, category="neighbour_dispute", title="楼上噪音纠纷").request
    real_clock = requests_service.service.clock
    requests_service.service.clock = lambda: real_clock() + dt.timedelta(hours=5)  # past the 4 h to accept
    try:

        def escalated() -> bool:
            return bool(requests_service.service.request(request.id).escalations)

        wait_for(escalated)
    finally:
        requests_service.service.clock = real_clock
    after = requests_service.stub.GetRequest(pb.GetRequestRequest(request_id=request.id), metadata=OPERATOR, timeout=5)
    assert [b.kind for b in after.breaches] == [pb.DEADLINE_KIND_ACCEPT]
    escalation = after.escalations[0]
    assert escalation.department_code == "JJ-POLICE" and escalation.target_id == city["JJ-POLICE"]
    liaison = who("police-liaison", f"liaison@{city['JJ-POLICE']}")
    acknowledged = requests_service.stub.AcknowledgeEscalation(
        pb.AcknowledgeEscalationRequest(request_id=request.id, note="已派民警调解"), metadata=liaison, timeout=5
    )
    assert acknowledged.escalations[0].acknowledged_by == "police-liaison"


def test_offers_expire_and_move_to_the_next_candidates(requests_service: RunningRequests, city: dict[str, str]) -> None:
    stub = requests_service.stub
    request = submit(requests_service).request
    request = stub.AcceptRequest(pb.AcceptRequestRequest(request_id=request.id), metadata=dispatcher(city), timeout=5)
    request = stub.OfferToVolunteers(
        pb.OfferToVolunteersRequest(
            request_id=request.id, candidate_volunteer_ids=["slow-1", "next-2"], offer_count=1, offer_ttl_seconds=60
        ),
        metadata=dispatcher(city),
        timeout=5,
    )
    assert [o.volunteer_id for o in request.offers] == ["slow-1"]

    def moved_on() -> bool:
        offers = requests_service.service.request(request.id).offers
        return any(o.volunteer_id == "next-2" for o in offers)

    real_clock = requests_service.service.clock
    requests_service.service.clock = lambda: real_clock() + dt.timedelta(seconds=61)  # the offer timer sees it expire
    try:
        wait_for(moved_on)
    finally:
        requests_service.service.clock = real_clock
    late = rpc_error(
        lambda: stub.ClaimRequest(pb.ClaimRequestRequest(request_id=request.id), metadata=who("slow-1", "resident"))
    )
    assert late.code() in (grpc.StatusCode.PERMISSION_DENIED, grpc.StatusCode.FAILED_PRECONDITION)
    claimed = stub.ClaimRequest(
        pb.ClaimRequestRequest(request_id=request.id), metadata=who("next-2", "resident"), timeout=5
    )
    assert claimed.assignee.id == "next-2"


def test_statistics_board_and_export(requests_service: RunningRequests, city: dict[str, str]) -> None:
    for _ in range(3):  # its own data: the test must not depend on the ones before it
        submit(requests_service)
    start = timestamp_pb2.Timestamp(seconds=int(time.time()) - 86400)
    end = timestamp_pb2.Timestamp(seconds=int(time.time()) + 86400)
    stats = requests_service.stub.GetStatistics(
        pb.GetStatisticsRequest(
            scope_id=city["JJ-BY-C1"], period_start=start, period_end=end, group_by=[pb.STATISTICS_DIMENSION_STATUS]
        ),
        metadata=dispatcher(city),
        timeout=5,
    )
    assert stats.overall.total >= 3 and stats.buckets
    board = requests_service.stub.GetPublicBoard(
        pb.GetPublicBoardRequest(period_start=start, period_end=end), timeout=5
    )
    assert board.overall.total >= 3
    assert b"resident-1" not in board.SerializeToString()
    chunks = list(
        requests_service.stub.ExportLedgerCsv(
            pb.ExportLedgerCsvRequest(scope_id=city["JJ-BY-C1"], period_start=start, period_end=end),
            metadata=dispatcher(city),
            timeout=10,
        )
    )
    text = b"".join(c.data for c in chunks).decode("utf-8-sig")
    assert chunks[-1].last and text.splitlines()[0].startswith("id,") and len(text.splitlines()) >= 4
    denied = rpc_error(
        lambda: list(
            requests_service.stub.ExportLedgerCsv(
                pb.ExportLedgerCsvRequest(
                    scope_id=city["JJ-BY-C1"], period_start=start, period_end=end, include_personal_data=True
                ),
                metadata=who("grid-1", f"grid_worker@{city['JJ-BY-C1']}"),
            )
        )
    )
    assert denied.code() == grpc.StatusCode.PERMISSION_DENIED


def test_scheduled_visits_generate_requests(requests_service: RunningRequests, city: dict[str, str]) -> None:
    starts = timestamp_pb2.Timestamp(seconds=int(time.time()) - 2 * 86400 - 60)
    plan = requests_service.stub.ScheduleVisits(
        pb.ScheduleVisitsRequest(
            idempotency_key=uuid.uuid4().hex,
            resident_group=pb.RESIDENT_GROUP_SPECIAL,
            cadence=pb.VISIT_CADENCE_DAILY,
            starts_at=starts,
            resident_person_id="elder-1",
            title="独居老人每日探访",
            point=DONGSHAN,
        ),
        metadata=dispatcher(city),
        timeout=5,
    )

    def generated() -> list[str]:
        return [r.id for r in requests_service.service.ledger.requests.values() if r.visit_plan_id == plan.id]

    wait_for(lambda: len(generated()) >= 3)
    time.sleep(0.5)
    assert len(generated()) == 3  # the slots of two days ago, yesterday and today, once each


def test_a_restarted_service_reloads_the_ledger(
    infra: Infra, requests_service: RunningRequests, organizations: ServiceProcess
) -> None:
    request = submit(requests_service).request
    before = requests_service.stub.GetRequest(pb.GetRequestRequest(request_id=request.id), metadata=OPERATOR, timeout=5)
    requests_service.stop()
    restarted = start_requests(infra, organizations, requests_service.config.mongo_db)
    # the rest of the package goes on with the restarted service
    requests_service.runtime, requests_service.service = restarted.runtime, restarted.service
    requests_service.channel, requests_service.stub = restarted.channel, restarted.stub
    again = restarted.stub.GetRequest(pb.GetRequestRequest(request_id=request.id), metadata=OPERATOR, timeout=5)
    assert again == before


def test_routing_uses_a_copy_of_the_grids_kept_from_organization_events(
    requests_service: RunningRequests, organizations: ServiceProcess, city: dict[str, str]
) -> None:
    places = requests_service.service.organizations.places
    assert places is not None
    wait_for(places.ready.is_set)
    with grpc.insecure_channel(organizations.address) as channel:
        stub = organizations_pb2_grpc.OrganizationServiceStub(channel)
        operator = who("op-1", "operator")
        compound = stub.CreateOrganization(
            organizations_pb2.CreateOrganizationRequest(
                kind=organizations_pb2.ORGANIZATION_KIND_COMPOUND_BRANCH,
                code=f"NEW-{uuid.uuid4().hex[:6]}",
                parent_id=city["JJ-HM-C1"],
                name=common_pb2.LocalizedText(zh="新建小区"),
            ),
            metadata=operator,
            timeout=5,
        )
        stub.CreateGrid(
            organizations_pb2.CreateGridRequest(
                organization_id=compound.id,
                code=f"G-{uuid.uuid4().hex[:6]}",
                name=common_pb2.LocalizedText(zh="新网格"),
                shape=organizations_pb2.GridShape(
                    cell=organizations_pb2.GridCell(
                        south_west=common_pb2.GeoPoint(lat=29.500, lng=122.000),
                        north_east=common_pb2.GeoPoint(lat=29.510, lng=122.010),
                    )
                ),
            ),
            metadata=operator,
            timeout=5,
        )
    inside = common_pb2.GeoPoint(lat=29.505, lng=122.005)

    def routed() -> bool:
        return bool(requests_service.service.organizations.place_of(convert_point(inside)).grid_id)

    wait_for(routed)  # no restart: the grid arrived as an event
    created = submit(requests_service, point=inside).request
    assert created.community_id == city["JJ-HM-C1"] and compound.id in created.org_path


def test_transfer_needs_the_receivers_answer(requests_service: RunningRequests, city: dict[str, str]) -> None:
    stub = requests_service.stub
    request = submit(requests_service, category="parking", title="占用消防通道").request
    request = stub.AcceptRequest(pb.AcceptRequestRequest(request_id=request.id), metadata=dispatcher(city), timeout=5)
    police, urban = city["JJ-POLICE"], city["JJ-URBAN"]
    request = stub.DispatchRequest(
        pb.DispatchRequestRequest(
            request_id=request.id, assignee=pb.Assignee(kind=pb.ASSIGNEE_KIND_DEPARTMENT, id=police)
        ),
        metadata=dispatcher(city),
        timeout=5,
    )
    police_liaison, urban_liaison = who("pl", f"liaison@{police}"), who("ul", f"liaison@{urban}")
    request = stub.ClaimRequest(pb.ClaimRequestRequest(request_id=request.id), metadata=police_liaison, timeout=5)
    assert request.first_responder.id == police  # first responder: owns it until an accepted transfer
    request = stub.TransferRequest(
        pb.TransferRequestRequest(
            request_id=request.id, to=pb.Assignee(kind=pb.ASSIGNEE_KIND_DEPARTMENT, id=urban), reason="属城管职责"
        ),
        metadata=police_liaison,
        timeout=5,
    )
    blocked = rpc_error(lambda: stub.StartWork(pb.StartWorkRequest(request_id=request.id), metadata=police_liaison))
    assert blocked.code() == grpc.StatusCode.FAILED_PRECONDITION  # while the transfer waits for an answer
    not_receiver = rpc_error(
        lambda: stub.RespondToTransfer(
            pb.RespondToTransferRequest(request_id=request.id, accept=True), metadata=police_liaison
        )
    )
    assert not_receiver.code() == grpc.StatusCode.PERMISSION_DENIED
    refused = stub.RespondToTransfer(
        pb.RespondToTransferRequest(request_id=request.id, accept=False, reason="不属本局"),
        metadata=urban_liaison,
        timeout=5,
    )
    assert refused.assignee.id == police and not refused.HasField("pending_transfer")
    stub.TransferRequest(
        pb.TransferRequestRequest(
            request_id=request.id, to=pb.Assignee(kind=pb.ASSIGNEE_KIND_DEPARTMENT, id=urban), reason="经协调"
        ),
        metadata=police_liaison,
        timeout=5,
    )
    accepted = stub.RespondToTransfer(
        pb.RespondToTransferRequest(request_id=request.id, accept=True), metadata=urban_liaison, timeout=5
    )
    assert accepted.assignee.id == urban and accepted.first_responder.id == police
    assert accepted.status == pb.REQUEST_STATUS_CLAIMED


def test_a_round_table_splits_a_hard_case(requests_service: RunningRequests, city: dict[str, str]) -> None:
    stub = requests_service.stub
    request = submit(requests_service, category="parking", title="小区停车位不足，需增设车位").request
    request = stub.AcceptRequest(pb.AcceptRequestRequest(request_id=request.id), metadata=dispatcher(city), timeout=5)
    request = stub.StartRoundTable(
        pb.StartRoundTableRequest(
            request_id=request.id,
            topic="增设车位议事会",
            parties=[
                pb.RoundTableParty(kind=pb.PARTY_KIND_RESIDENT, id="resident-1", name="居民代表"),
                pb.RoundTableParty(kind=pb.PARTY_KIND_DEPARTMENT, id=city["JJ-URBAN"], name="综合执法局"),
            ],
        ),
        metadata=dispatcher(city),
        timeout=5,
    )
    assert request.status == pb.REQUEST_STATUS_DELIBERATING
    held = timestamp_pb2.Timestamp()
    held.GetCurrentTime()
    request = stub.RecordMeeting(
        pb.RecordMeetingRequest(request_id=request.id, held_at=held, notes="同意划出8个车位", attendees=["resident-1"]),
        metadata=dispatcher(city),
        timeout=5,
    )
    concluded = stub.ConcludeRoundTable(
        pb.ConcludeRoundTableRequest(
            request_id=request.id,
            outcome=pb.ROUND_TABLE_OUTCOME_SPLIT,
            summary="分两项落实",
            parts=[
                pb.SplitPart(category="parking", title="划线增设8个车位"),
                pb.SplitPart(category="environment", title="清理占道杂物"),
            ],
        ),
        metadata=dispatcher(city),
        timeout=5,
    )
    assert concluded.request.status == pb.REQUEST_STATUS_CLOSED
    assert [c.category for c in concluded.created] == ["parking", "environment"]
    assert all(c.split_from_id == request.id and c.status == pb.REQUEST_STATUS_ACCEPTED for c in concluded.created)
    assert len(concluded.request.round_table.meetings) == 1


def test_moderation_hides_a_request_from_the_public_board(
    requests_service: RunningRequests, city: dict[str, str]
) -> None:
    request = submit(requests_service, title="邻居家门口有可疑人员", description="电话13800138000").request
    start = timestamp_pb2.Timestamp(seconds=int(time.time()) - 3600)
    end = timestamp_pb2.Timestamp(seconds=int(time.time()) + 3600)

    def on_board() -> set[str]:
        board = requests_service.stub.GetPublicBoard(
            pb.GetPublicBoardRequest(period_start=start, period_end=end, recent_limit=100), timeout=5
        )
        return {r.id for r in board.recent_results}

    hidden = requests_service.stub.ModerateRequest(
        pb.ModerateRequestRequest(
            request_id=request.id, visibility=pb.MODERATION_VISIBILITY_HIDE, reason="涉及个人隐私"
        ),
        metadata=dispatcher(city),
        timeout=5,
    )
    assert hidden.moderation.hidden and hidden.moderation.records[0].reason == "涉及个人隐私"
    assert request.id not in on_board()
    no_reason = rpc_error(
        lambda: requests_service.stub.ModerateRequest(
            pb.ModerateRequestRequest(request_id=request.id, visibility=pb.MODERATION_VISIBILITY_SHOW),
            metadata=dispatcher(city),
        )
    )
    assert no_reason.code() == grpc.StatusCode.INVALID_ARGUMENT and field_of(no_reason) == "reason"


def test_listing_from_the_indexes_equals_a_scan_of_the_whole_ledger(
    requests_service: RunningRequests, city: dict[str, str]
) -> None:
    """The ledger answers from its scope and person indexes; the answer must be what checking
    every request would give, for staff, residents, followers and operators alike."""
    stub = requests_service.stub
    asker, follower = who("idx-asker", "resident"), who("idx-follower", "resident")
    first = submit(requests_service, metadata=asker).request
    submit(requests_service, metadata=asker, point=common_pb2.GeoPoint(lat=28.680, lng=121.445))  # elsewhere
    stub.FollowRequest(
        pb.FollowRequestRequest(request_id=first.id, expected_version=first.version), metadata=follower, timeout=5
    )
    service = requests_service.service
    grid_id = service.request(first.id).place.grid_id
    street_id = service.request(first.id).place.street_id
    callers = [
        asker,
        follower,
        dispatcher(city),
        dispatcher(city, "JJ-HM-C1"),
        who("idx-operator", "operator"),
        who("idx-nobody", "resident"),
    ]
    queries = [
        pb.ListRequestsRequest(),
        pb.ListRequestsRequest(community_id=city["JJ-BY-C1"]),
        pb.ListRequestsRequest(grid_id=grid_id),
        pb.ListRequestsRequest(scope_id=street_id),
        pb.ListRequestsRequest(community_id=city["JJ-BY-C1"], grid_id=grid_id),
    ]
    for metadata in callers:
        identity = identity_of(metadata)
        for query in queries:
            query.page.page_size = 500
            listed = stub.ListRequests(query, metadata=metadata, timeout=10)
            expected = sorted(
                (
                    r
                    for r in service.ledger.requests.values()
                    if (not query.community_id or r.place.community_id == query.community_id)
                    and (not query.grid_id or r.place.grid_id == query.grid_id)
                    and (not query.scope_id or query.scope_id in r.place.scope_ids)
                    and service._may_see(identity, r)
                ),
                key=lambda r: (r.submitted_at, r.id),
                reverse=True,
            )
            assert [r.id for r in listed.requests] == [r.id for r in expected[:500]], (metadata, query)
            assert listed.page.total_size == len(expected)
    mine = stub.ListRequests(pb.ListRequestsRequest(), metadata=follower, timeout=5)
    assert [r.id for r in mine.requests] == [first.id]
