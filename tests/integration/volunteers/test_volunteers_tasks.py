"""The requests consumer against real Kafka and FerretDB: the requests service's CloudEvents
(built from its protobuf messages) open and release volunteers' tasks and credit hours and
points exactly once; and a restarted service rebuilds the MatchIndex and the ledger."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from kafka import KafkaConsumer, KafkaProducer

from linli.common.cloudevents import Envelope, new_event
from linli.common.kafka_io import send_envelope
from linli.v1 import common_pb2, requests_pb2
from linli.v1 import volunteers_pb2 as pb
from linli.volunteers.domain.model import Volunteer
from linli.volunteers.domain.tasks import RequestFacts
from tests.integration.volunteers.conftest import (
    COMMUNITY,
    OPERATOR,
    OTHER_COMMUNITY,
    RunningVolunteers,
    start_volunteers,
)
from tests.integration.volunteers.support import MONDAY_10, events_for, register, timestamp, unique, wait_for
from tests.support.infra import Infra

RequestMessage = (
    requests_pb2.RequestClaimed
    | requests_pb2.RequestDispatched
    | requests_pb2.RequestResolved
    | requests_pb2.RequestRated
    | requests_pb2.RequestClosed
    | requests_pb2.RequestCancelled
    | requests_pb2.RequestReopened
    | requests_pb2.TransferAccepted
)
S = requests_pb2.RequestStatus


def snapshot(request_id: str, status: int, volunteer_id: str = "", version: int = 1) -> requests_pb2.RequestSnapshot:
    value = requests_pb2.RequestSnapshot(
        id=request_id,
        status=status,  # type: ignore[arg-type]
        category="water_supply",
        community_id=COMMUNITY,
        version=version,
    )
    if volunteer_id:
        value.assignee.CopyFrom(requests_pb2.Assignee(kind=requests_pb2.ASSIGNEE_KIND_VOLUNTEER, id=volunteer_id))
    return value


def publish(producer: KafkaProducer, happened: str, message: RequestMessage) -> Envelope:
    """Sends a requests-service CloudEvent about ``message.request`` to linli.requests.v1."""
    envelope = new_event("requests", f"org.linli.request.{happened}.v1", message.request.id, message)
    resend(producer, envelope)
    return envelope


def resend(producer: KafkaProducer, envelope: Envelope) -> None:
    send_envelope(producer, envelope)
    producer.flush(10)


def open_tasks(vols: RunningVolunteers, volunteer_id: str) -> int:
    # open tasks are not public (issue 10): read them as staff
    volunteer = vols.stub.GetVolunteer(pb.GetVolunteerRequest(id=volunteer_id), metadata=OPERATOR, timeout=5)
    return int(volunteer.open_tasks)


def points(vols: RunningVolunteers, volunteer_id: str) -> pb.PointsBalance:
    balance: pb.PointsBalance = vols.stub.GetPointsBalance(
        pb.GetPointsBalanceRequest(volunteer_id=volunteer_id), timeout=5
    )
    return balance


@pytest.fixture(scope="module")
def consuming(vols: RunningVolunteers) -> Iterator[RunningVolunteers]:
    """The service once its consumer holds the requests topic's partitions."""
    vols.wait_until_consuming()
    yield vols


def test_claim_resolve_and_rate_credit_points_once(
    infra: Infra, consuming: RunningVolunteers, producer: KafkaProducer
) -> None:
    vols = consuming
    volunteer = register(vols, workplace_community_id=OTHER_COMMUNITY)
    request_id = unique("req")
    publish(
        producer,
        "claimed",
        requests_pb2.RequestClaimed(
            request=snapshot(request_id, S.REQUEST_STATUS_CLAIMED, volunteer.id, 3),
            assignee=requests_pb2.Assignee(kind=requests_pb2.ASSIGNEE_KIND_VOLUNTEER, id=volunteer.id),
        ),
    )
    wait_for(lambda: open_tasks(vols, volunteer.id) == 1, what="the claim to open a task")

    resolution = requests_pb2.Resolution(
        text="换了水龙头阀芯", hours=2.0, resolved_at=timestamp(MONDAY_10), resolved_by=volunteer.person_id
    )
    publish(
        producer,
        "resolved",
        requests_pb2.RequestResolved(
            request=snapshot(request_id, S.REQUEST_STATUS_RESOLVED, volunteer.id, 5), resolution=resolution
        ),
    )
    wait_for(lambda: open_tasks(vols, volunteer.id) == 0, what="the resolution to release the task")
    rated = publish(
        producer,
        "rated",
        requests_pb2.RequestRated(
            request=snapshot(request_id, S.REQUEST_STATUS_RATED, volunteer.id, 6), stars=5, comment="很及时"
        ),
    )
    wait_for(lambda: points(vols, volunteer.id).total_points > 0, what="the rating to credit points")

    resend(producer, rated)  # the same event (same ce_id) delivered again
    # A later event on the same request (same partition) proves the replay was consumed first.
    publish(
        producer,
        "reopened",
        requests_pb2.RequestReopened(
            request=snapshot(request_id, S.REQUEST_STATUS_REOPENED, volunteer.id, 7), reason="漏水复发"
        ),
    )
    wait_for(lambda: open_tasks(vols, volunteer.id) == 1, what="the reopening to hold the task again")

    balance = points(vols, volunteer.id)
    # 2 h rated 5 stars: (5 + 10 * 2) * 1.5 = 38 points, from home and workplace (dual points).
    assert (balance.total_points, balance.service_hours, balance.entry_count) == (76, 2.0, 2)
    assert sorted((c.community_id, c.points) for c in balance.communities) == [(COMMUNITY, 38), (OTHER_COMMUNITY, 38)]
    # whole entries are for the volunteer and staff (issue 10): read them as staff
    entries = vols.stub.ListLedgerEntries(
        pb.ListLedgerEntriesRequest(volunteer_id=volunteer.id), metadata=OPERATOR, timeout=5
    ).entries
    assert {(e.kind, e.cause_event_id, e.request_id, e.rating) for e in entries} == {
        (pb.LEDGER_ENTRY_KIND_HOME, rated.id, request_id, 5),
        (pb.LEDGER_ENTRY_KIND_WORKPLACE, rated.id, request_id, 5),
    }
    assert all(e.occurred_at.ToDatetime(tzinfo=UTC) == MONDAY_10 for e in entries)
    credited = [t for t, _ in events_for(infra, {volunteer.id}, 3) if t == "org.linli.points.credited.v1"]
    assert len(credited) == 2

    # The ledger itself is idempotent on the event id, without the consumer's processed-events store.
    facts = RequestFacts(request_id, "REQUEST_STATUS_RATED", "ASSIGNEE_KIND_VOLUNTEER", volunteer.id)
    again = vols.services.tasks.rated(facts, rated.id, 5, datetime.now(UTC))
    assert {e.id for e in again} == {e.id for e in entries}
    assert points(vols, volunteer.id).total_points == 76


def test_open_tasks_follow_claims_and_releases(consuming: RunningVolunteers, producer: KafkaProducer) -> None:
    vols = consuming
    volunteer, other = register(vols, max_concurrent_tasks=4), register(vols)
    first, second, third = unique("req"), unique("req"), unique("req")
    publish(
        producer,
        "dispatched",
        requests_pb2.RequestDispatched(request=snapshot(first, S.REQUEST_STATUS_DISPATCHED, volunteer.id, 2)),
    )
    publish(
        producer,
        "claimed",
        requests_pb2.RequestClaimed(  # claiming a task dispatched to you: still one task
            request=snapshot(first, S.REQUEST_STATUS_CLAIMED, volunteer.id, 3)
        ),
    )
    publish(
        producer,
        "claimed",
        requests_pb2.RequestClaimed(request=snapshot(second, S.REQUEST_STATUS_CLAIMED, volunteer.id, 3)),
    )
    publish(
        producer,
        "claimed",
        requests_pb2.RequestClaimed(request=snapshot(third, S.REQUEST_STATUS_CLAIMED, volunteer.id, 3)),
    )
    wait_for(lambda: open_tasks(vols, volunteer.id) == 3, what="three open tasks")
    assert set(vols.services.core.directory.volunteers[volunteer.id].open_request_ids) == {first, second, third}

    near = common_pb2.GeoPoint(lat=28.66, lng=121.42)
    match = vols.stub.MatchVolunteers(
        pb.MatchVolunteersRequest(location=near, skills=["plumbing"], k=100, at=timestamp(MONDAY_10)), timeout=5
    )
    mine = next(c for c in match.candidates if c.volunteer_id == volunteer.id)
    assert mine.breakdown.load == pytest.approx(1 - 3 / 4) and mine.breakdown.fairness < 0.3

    publish(
        producer,
        "cancelled",
        requests_pb2.RequestCancelled(
            request=snapshot(first, S.REQUEST_STATUS_CANCELLED, volunteer.id, 4), reason="不需要了"
        ),
    )
    publish(
        producer,
        "closed",
        requests_pb2.RequestClosed(request=snapshot(second, S.REQUEST_STATUS_CLOSED, volunteer.id, 9)),
    )
    wait_for(lambda: open_tasks(vols, volunteer.id) == 1, what="cancel and close to release two tasks")
    publish(
        producer,
        "closed",
        requests_pb2.RequestClosed(  # closing again never goes below zero
            request=snapshot(second, S.REQUEST_STATUS_CLOSED, volunteer.id, 10)
        ),
    )
    publish(
        producer,
        "transfer_accepted",
        requests_pb2.TransferAccepted(request=snapshot(third, S.REQUEST_STATUS_CLAIMED, other.id, 5)),
    )
    wait_for(lambda: open_tasks(vols, other.id) == 1, what="the transfer to reach the receiver")
    assert open_tasks(vols, volunteer.id) == 0


def test_an_event_that_cannot_be_applied_is_dead_lettered(
    infra: Infra, consuming: RunningVolunteers, producer: KafkaProducer
) -> None:
    vols = consuming
    volunteer = register(vols)
    request_id = unique("req")
    publish(
        producer,
        "resolved",
        requests_pb2.RequestResolved(
            request=snapshot(request_id, S.REQUEST_STATUS_RESOLVED, volunteer.id, 5),
            resolution=requests_pb2.Resolution(hours=1.0, resolved_at=timestamp(MONDAY_10)),
        ),
    )
    unrated = publish(
        producer,
        "rated",
        requests_pb2.RequestRated(  # 0 stars: not a rating
            request=snapshot(request_id, S.REQUEST_STATUS_RATED, volunteer.id, 6)
        ),
    )

    def dead_letters() -> list[dict[str, bytes]]:
        consumer = KafkaConsumer(
            "linli.requests.v1.dlq",
            bootstrap_servers=infra.kafka_bootstrap,
            group_id=None,
            auto_offset_reset="earliest",
            consumer_timeout_ms=1500,
        )
        try:
            return [dict(r.headers) for r in consumer if dict(r.headers).get("ce_id") == unrated.id.encode()]
        finally:
            consumer.close()

    wait_for(lambda: bool(dead_letters()), what="the unrated event in the dead-letter topic")
    headers = dead_letters()[0]
    assert headers["linli_consumer_group"] == vols.config.consumer_group.encode()
    assert b"rating" in headers["linli_error"]
    assert points(vols, volunteer.id).entry_count == 0


def test_a_restarted_service_rebuilds_the_index_and_the_ledger(
    infra: Infra, consuming: RunningVolunteers, producer: KafkaProducer
) -> None:
    vols = consuming
    lat, lng = 30.1, 120.1  # away from the other tests' volunteers
    people = [
        register(vols, home=common_pb2.GeoPoint(lat=lat + i * 0.004, lng=lng), skills=["tutoring"]) for i in range(6)
    ]
    vols.stub.SuspendVolunteer(pb.SuspendVolunteerRequest(id=people[5].id, reason="moved away"), metadata=OPERATOR)
    team = vols.stub.CreateTeam(
        pb.CreateTeamRequest(
            name=unique("课业辅导队"), leader_volunteer_id=people[0].id, owning_organization_id=COMMUNITY
        ),
        metadata=OPERATOR,
    )
    vols.stub.JoinTeam(pb.JoinTeamRequest(team_id=team.id, volunteer_id=people[1].id), metadata=OPERATOR)
    request_id = unique("req")
    publish(
        producer,
        "claimed",
        requests_pb2.RequestClaimed(request=snapshot(request_id, S.REQUEST_STATUS_CLAIMED, people[0].id, 3)),
    )
    publish(
        producer,
        "claimed",
        requests_pb2.RequestClaimed(request=snapshot(unique("req"), S.REQUEST_STATUS_CLAIMED, people[1].id, 3)),
    )
    publish(
        producer,
        "resolved",
        requests_pb2.RequestResolved(
            request=snapshot(request_id, S.REQUEST_STATUS_RESOLVED, people[0].id, 5),
            resolution=requests_pb2.Resolution(hours=1.5, resolved_at=timestamp(MONDAY_10)),
        ),
    )
    publish(
        producer,
        "rated",
        requests_pb2.RequestRated(request=snapshot(request_id, S.REQUEST_STATUS_RATED, people[0].id, 6), stars=4),
    )
    wait_for(
        lambda: points(vols, people[0].id).total_points > 0 and open_tasks(vols, people[1].id) == 1,
        what="the claims and the credit",
    )
    query = pb.MatchVolunteersRequest(
        location=common_pb2.GeoPoint(lat=lat, lng=lng),
        skills=["tutoring"],
        k=10,
        at=timestamp(MONDAY_10 + timedelta(days=1)),
    )
    before_match = vols.stub.MatchVolunteers(query, timeout=5)
    before = vols.services.core.directory
    before_volunteers, before_entries = dict(before.volunteers), dict(before.entries)
    # The rosters decide team membership, whatever a volunteer's stored copy says:
    vols.services.core.repository.stores[Volunteer].collection.update_one(
        {"_id": people[1].id}, {"$set": {"team_ids": []}}
    )

    vols.stop()
    restarted = start_volunteers(infra, vols.config.mongo_db, vols.config.consumer_group)
    vols.runtime, vols.services, vols.channel, vols.stub = (
        restarted.runtime,
        restarted.services,
        restarted.channel,
        restarted.stub,
    )
    after_match = vols.stub.MatchVolunteers(query, timeout=5)
    assert [(c.volunteer_id, c.score, c.breakdown.load) for c in after_match.candidates] == [
        (c.volunteer_id, c.score, c.breakdown.load) for c in before_match.candidates
    ]
    assert len(after_match.candidates) == 5  # the suspended volunteer stays out
    directory = vols.services.core.directory
    assert directory.volunteers == before_volunteers  # team lists derived from the rosters
    assert directory.entries == before_entries
    assert directory.holders == {r: v.id for v in before_volunteers.values() for r in v.open_request_ids}
    assert len(directory.index) == len(before_volunteers)
    assert points(vols, people[0].id).total_points == 24  # 1.5 h, 4 stars: (5 + 10 * 1.5) * 1.2
    assert list(vols.stub.GetVolunteer(pb.GetVolunteerRequest(id=people[1].id)).team_ids) == [team.id]
