"""Notifications end to end, with the platform's processes (organizations, volunteers,
requests, notifications) over real Kafka and FerretDB:

1. a resident submits, the dispatcher accepts and offers it to volunteers (picked by the
   volunteers service): each offered volunteer's person finds an ``offer.made`` entry in
   their inbox (read through ``NotificationService.ListInbox`` as that person);
2. a request left alone past its accept deadline (a catalogue override makes it one minute,
   the requests service scans every second): the community's dispatcher hears that the
   deadline is near (the notifications service's own timer), then of the breach, and after
   the automatic escalation the department's liaison hears of it (``request.escalated``).
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import grpc
import pytest

from linli.common.kafka_io import ensure_topics, platform_topics
from linli.v1 import (
    common_pb2,
    notifications_pb2,
    notifications_pb2_grpc,
    organizations_pb2,
    organizations_pb2_grpc,
    requests_pb2_grpc,
    volunteers_pb2,
    volunteers_pb2_grpc,
)
from linli.v1 import requests_pb2 as pb
from tests.support.identity import Metadata, who
from tests.support.infra import Infra
from tests.support.processes import ServiceProcess, start_service

RESIDENT: Metadata = who("e2e-resident", "resident")
OPERATOR: Metadata = who("e2e-operator", "operator")
DONGSHAN = common_pb2.GeoPoint(lat=28.661, lng=121.421)
LIAISON = "person-e2e-housing-liaison"


@pytest.fixture(scope="module")
def platform(infra: Infra, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, ServiceProcess]]:
    ensure_topics(infra.kafka_bootstrap, platform_topics())
    catalogue = tmp_path_factory.mktemp("catalogue") / "catalogue.json"
    catalogue.write_text(
        json.dumps(
            {
                "categories": [
                    {
                        "code": "hurry_repairs",
                        "zh": "急修",
                        "en": "Hurry repairs",
                        "accept_minutes": 1,
                        "resolve_minutes": 30,
                        "department_code": "JJ-HOUSING",
                    }
                ]
            }
        ),
        encoding="utf-8",
    )
    started: dict[str, ServiceProcess] = {}
    try:
        started["organizations"] = start_service("organizations", infra)
        assert started["organizations"].run_module("linli.organizations.seed").returncode == 0
        orgs = started["organizations"].address
        started["volunteers"] = start_service(
            "volunteers",
            infra,
            LINLI_ORGANIZATIONS_ADDR=orgs,
            LINLI_SEED_VOLUNTEERS="300",
            LINLI_VOLUNTEERS_CONSUMER_GROUP=f"e2e-{uuid.uuid4().hex[:6]}",
        )
        seeded = started["volunteers"].run_module("linli.volunteers.seed")
        assert seeded.returncode == 0, seeded.stderr
        vols = started["volunteers"].address
        started["notifications"] = start_service(
            "notifications",
            infra,
            LINLI_ORGANIZATIONS_ADDR=orgs,
            LINLI_VOLUNTEERS_ADDR=vols,
            LINLI_NOTIFICATIONS_CONSUMER_GROUP=f"e2e-{uuid.uuid4().hex[:6]}",
            LINLI_DEADLINE_NEAR_MINUTES="0.75",
            LINLI_NOTIFY_TIMER_SCAN_SECONDS="1",
            LINLI_PEOPLE_CACHE_SECONDS="2",
        )
        started["requests"] = start_service(
            "requests",
            infra,
            LINLI_ORGANIZATIONS_ADDR=orgs,
            LINLI_VOLUNTEERS_ADDR=vols,
            LINLI_CATALOGUE_FILE=str(catalogue),
            LINLI_DEADLINE_SCAN_SECONDS="1",
        )
        yield started
    finally:
        for process in reversed(started.values()):
            process.stop()


def inbox(platform: dict[str, ServiceProcess], person: str) -> list[Any]:
    with grpc.insecure_channel(platform["notifications"].address) as channel:
        stub = notifications_pb2_grpc.NotificationServiceStub(channel)
        page = stub.ListInbox(
            notifications_pb2.ListInboxRequest(page=common_pb2.PageRequest(page_size=100)),
            metadata=who(person, "resident"),
            timeout=10,
        )
        return list(page.entries)


def wait_for(found: Callable[[], list[Any]], timeout: float) -> list[Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = found()
        if result:
            return result
        time.sleep(0.5)
    return []


def entries_of(platform: dict[str, ServiceProcess], person: str, kind: str, subject: str) -> Callable[[], list[Any]]:
    return lambda: [e for e in inbox(platform, person) if e.kind == kind and e.subject_id == subject]


def test_offered_volunteers_hear_of_the_offer(platform: dict[str, ServiceProcess]) -> None:
    with (
        grpc.insecure_channel(platform["requests"].address) as r_channel,
        grpc.insecure_channel(platform["volunteers"].address) as v_channel,
    ):
        requests = requests_pb2_grpc.RequestServiceStub(r_channel)
        volunteers = volunteers_pb2_grpc.VolunteerServiceStub(v_channel)
        request = requests.SubmitRequest(
            pb.SubmitRequestRequest(
                category="repairs", title="厨房水管漏水", description="水管接头漏水，需要有人帮忙修一下", point=DONGSHAN
            ),
            metadata=RESIDENT,
            timeout=10,
        ).request
        dispatcher = who("e2e-dispatcher", f"dispatcher@{request.community_id}")
        requests.AcceptRequest(pb.AcceptRequestRequest(request_id=request.id), metadata=dispatcher, timeout=10)
        offered = requests.OfferToVolunteers(
            pb.OfferToVolunteersRequest(request_id=request.id, offer_count=2), metadata=dispatcher, timeout=10
        )
        assert offered.offers
        persons = [
            volunteers.GetVolunteer(
                volunteers_pb2.GetVolunteerRequest(id=o.volunteer_id), metadata=OPERATOR, timeout=10
            ).person_id
            for o in offered.offers
        ]
    assert all(persons), persons
    for person in persons:
        found = wait_for(entries_of(platform, person, "offer.made", request.id), timeout=30)
        assert len(found) == 1, platform["notifications"].logs()[-4000:]
        entry = found[0]
        assert entry.person_id == person and entry.title and entry.link.endswith(f"/requests/{request.id}")
    # the resident heard the request was accepted
    assert wait_for(entries_of(platform, "e2e-resident", "request.accepted", request.id), timeout=30)


def test_a_request_left_past_its_deadline_reaches_the_dispatcher_then_the_department(
    platform: dict[str, ServiceProcess],
) -> None:
    with grpc.insecure_channel(platform["organizations"].address) as o_channel:
        orgs = organizations_pb2_grpc.OrganizationServiceStub(o_channel)
        housing = orgs.GetOrganization(organizations_pb2.GetOrganizationRequest(code="JJ-HOUSING"), timeout=10)
        orgs.GrantRole(
            organizations_pb2.GrantRoleRequest(
                idempotency_key="e2e-liaison",
                person_id=LIAISON,
                organization_id=housing.id,
                role=organizations_pb2.ORGANIZATION_ROLE_LIAISON,
            ),
            metadata=OPERATOR,
            timeout=10,
        )
    with grpc.insecure_channel(platform["requests"].address) as r_channel:
        requests = requests_pb2_grpc.RequestServiceStub(r_channel)
        request = requests.SubmitRequest(
            pb.SubmitRequestRequest(
                category="hurry_repairs", title="电梯困人", description="电梯停在两层之间", point=DONGSHAN
            ),
            metadata=RESIDENT,
            timeout=10,
        ).request
    assert request.community_id
    with grpc.insecure_channel(platform["organizations"].address) as o_channel:
        orgs = organizations_pb2_grpc.OrganizationServiceStub(o_channel)
        community = orgs.GetOrganization(organizations_pb2.GetOrganizationRequest(id=request.community_id), timeout=10)
    dispatcher = f"person-{community.code.lower()}-dispatcher"  # granted by the organizations seed
    near = wait_for(entries_of(platform, dispatcher, "deadline.near", request.id), timeout=60)
    assert len(near) == 1, platform["notifications"].logs()[-4000:]
    assert near[0].urgent
    breached = wait_for(entries_of(platform, dispatcher, "deadline.breached", request.id), timeout=90)
    assert len(breached) == 1, platform["notifications"].logs()[-4000:]
    escalated = wait_for(entries_of(platform, LIAISON, "request.escalated", request.id), timeout=60)
    assert len(escalated) == 1, platform["notifications"].logs()[-4000:]
    assert escalated[0].urgent
    for name in ("requests", "notifications", "volunteers", "organizations"):
        assert platform[name].stop() == 0, platform[name].logs()[-4000:]
