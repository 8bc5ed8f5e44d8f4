"""Issue 10 over real gRPC: anonymous reads of the volunteers service carry only public
fields, matching distances are banded for callers who do not dispatch, idempotency keys are
bound to their payload and oversized input is refused fast."""

from __future__ import annotations

import math
import time

import grpc

from linli.v1 import common_pb2
from linli.v1 import volunteers_pb2 as pb
from tests.integration.volunteers.conftest import COMMUNITY, OPERATOR, OTHER_COMMUNITY, RunningVolunteers, person
from tests.integration.volunteers.support import MONDAY_10, field_of, register, rpc_error, timestamp, unique

SECRET_PHONE = "13911112222"


def test_anonymous_reads_carry_only_public_fields(vols: RunningVolunteers) -> None:
    me = unique("person-priv")
    volunteer = register(
        vols, person_id=me, phone=SECRET_PHONE, workplace_community_id=OTHER_COMMUNITY, display_name="赵敏"
    )
    team = vols.stub.CreateTeam(
        pb.CreateTeamRequest(name=unique("隐私队"), leader_volunteer_id=volunteer.id, owning_organization_id=COMMUNITY),
        metadata=OPERATOR,
        timeout=5,
    )
    vols.stub.RecordCorrection(
        pb.RecordCorrectionRequest(
            idempotency_key=unique("fix"),
            volunteer_id=volunteer.id,
            community_id=COMMUNITY,
            points_delta=5,
            reason="补记张阿姨家的维修",
            request_id="req_private_1",
        ),
        metadata=OPERATOR,
        timeout=5,
    )
    vols.stub.SuspendVolunteer(
        pb.SuspendVolunteerRequest(id=volunteer.id, reason="病假休息中"), metadata=OPERATOR, timeout=5
    )
    secrets = (me, SECRET_PHONE, OTHER_COMMUNITY, "病假休息中", "补记张阿姨家的维修", "req_private_1", "op-1")
    answers = [
        vols.stub.GetVolunteer(pb.GetVolunteerRequest(id=volunteer.id), timeout=5),
        vols.stub.SearchVolunteers(pb.SearchVolunteersRequest(team_id=team.id, include_suspended=True), timeout=5),
        vols.stub.GetIdentityCard(pb.GetIdentityCardRequest(volunteer_id=volunteer.id), timeout=5),
        vols.stub.GetTeam(pb.GetTeamRequest(id=team.id), timeout=5),
        vols.stub.ListTeams(pb.ListTeamsRequest(owning_organization_id=COMMUNITY), timeout=5),
        vols.stub.ListLedgerEntries(pb.ListLedgerEntriesRequest(volunteer_id=volunteer.id), timeout=5),
        vols.stub.GetPointsBalance(pb.GetPointsBalanceRequest(volunteer_id=volunteer.id), timeout=5),
        vols.stub.GetLeaderboard(
            pb.GetLeaderboardRequest(community_id=COMMUNITY, period=pb.LEADERBOARD_PERIOD_ALL_TIME), timeout=5
        ),
    ]
    for answer in answers:
        text = str(answer)
        assert not [s for s in secrets if s in text], (type(answer).__name__, text)
    public = answers[0]
    assert public.display_name == "赵敏" and public.status == pb.VOLUNTEER_STATUS_SUSPENDED
    assert not public.HasField("home") and not public.availability and public.max_concurrent_tasks == 0
    assert list(public.team_ids) == [team.id]
    assert [v.id for v in answers[1].volunteers] == [volunteer.id]
    assert answers[5].entries[0].points == 5 and answers[6].total_points == 5
    # by person id: only that person and staff
    lookup = rpc_error(lambda: vols.stub.GetVolunteer(pb.GetVolunteerRequest(person_id=me), timeout=5))
    assert lookup.code() == grpc.StatusCode.UNAUTHENTICATED
    nosy = rpc_error(
        lambda: vols.stub.GetVolunteer(pb.GetVolunteerRequest(person_id=me), metadata=person("nosy"), timeout=5)
    )
    assert nosy.code() == grpc.StatusCode.PERMISSION_DENIED
    mine = vols.stub.GetVolunteer(pb.GetVolunteerRequest(person_id=me), metadata=person(me), timeout=5)
    assert mine.phone == SECRET_PHONE and mine.suspension_reason == "病假休息中" and mine.person_id == me
    ledger = vols.stub.ListLedgerEntries(
        pb.ListLedgerEntriesRequest(volunteer_id=volunteer.id), metadata=OPERATOR, timeout=5
    )
    assert ledger.entries[0].reason == "补记张阿姨家的维修"


def test_match_distances_are_banded_for_anonymous_and_resident_callers(vols: RunningVolunteers) -> None:
    lat, lng = 31.3000, 121.6000  # away from every other test's volunteers
    km = 1 / 111.2
    near = register(vols, home=common_pb2.GeoPoint(lat=lat + 0.33 * km, lng=lng))
    far = register(vols, home=common_pb2.GeoPoint(lat=lat + 1.2 * km, lng=lng))
    request = pb.MatchVolunteersRequest(
        location=common_pb2.GeoPoint(lat=lat, lng=lng), skills=["plumbing"], at=timestamp(MONDAY_10), k=10
    )
    dispatcher = vols.stub.MatchVolunteers(request, metadata=person("d-1", f"dispatcher@{COMMUNITY}"), timeout=5)
    assert [c.volunteer_id for c in dispatcher.candidates] == [near.id, far.id]
    assert abs(dispatcher.candidates[0].distance_km - 0.33) < 0.01
    for metadata in ((), person("res-1", "resident")):
        banded = vols.stub.MatchVolunteers(request, metadata=metadata, timeout=5)
        assert [c.volunteer_id for c in banded.candidates] == [near.id, far.id]
        assert [c.distance_km for c in banded.candidates] == [0.5, 1.5]
        assert banded.candidates[0].breakdown.distance == 1 / (1 + 0.5 / 2)


def test_a_key_reused_with_another_payload_is_aborted(vols: RunningVolunteers) -> None:
    key = unique("reg")
    me = unique("person-key")
    first = register(vols, metadata=person(me), person_id=me, idempotency_key=key)
    again = register(vols, metadata=person(me), person_id=me, idempotency_key=key)
    assert again.id == first.id and again.version == first.version
    other = rpc_error(
        lambda: register(vols, metadata=person(me), person_id=me, idempotency_key=key, display_name="另一个名字")
    )
    assert other.code() == grpc.StatusCode.ABORTED and field_of(other) == "idempotency_key"
    stored = vols.stub.GetVolunteer(pb.GetVolunteerRequest(id=first.id), timeout=5)
    assert stored.display_name == first.display_name


def test_oversized_and_non_finite_input_is_refused_fast(vols: RunningVolunteers) -> None:
    started = time.perf_counter()
    calls = [
        lambda: vols.stub.SearchVolunteers(pb.SearchVolunteersRequest(skill="x" * 1_000_000), timeout=10),
        lambda: vols.stub.GetVolunteer(pb.GetVolunteerRequest(id="v" * 1_000_000), timeout=10),
        lambda: vols.stub.ListTeams(pb.ListTeamsRequest(focus="f" * 1_000_000), timeout=10),
        lambda: vols.stub.MatchVolunteers(
            pb.MatchVolunteersRequest(location=common_pb2.GeoPoint(lat=28.6, lng=121.4), category="c" * 1_000_000),
            timeout=10,
        ),
        lambda: vols.stub.MatchVolunteers(
            pb.MatchVolunteersRequest(location=common_pb2.GeoPoint(lat=math.nan, lng=121.4)), timeout=10
        ),
        lambda: vols.stub.MatchVolunteers(
            pb.MatchVolunteersRequest(location=common_pb2.GeoPoint(lat=28.6, lng=math.inf)), timeout=10
        ),
        lambda: vols.stub.SearchVolunteers(
            pb.SearchVolunteersRequest(community_id=COMMUNITY, page=common_pb2.PageRequest(page_token="t" * 10_000)),
            timeout=10,
        ),
    ]
    for call in calls:
        error = rpc_error(call)
        assert error.code() == grpc.StatusCode.INVALID_ARGUMENT, error
        assert len(error.details() or "") < 200
    assert time.perf_counter() - started < 2.0
