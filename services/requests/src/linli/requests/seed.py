"""`python -m linli.requests.seed`: a few hundred demo requests across categories and states.

Submitted through the gRPC API by demo residents at the seeded city's compounds, then moved
along the lifecycle by the community's dispatcher, the units and departments that take the
orders (their liaisons), volunteers (when the volunteers service runs) and the residents who
rate the results. Each request has an idempotency key; on a second run the submit returns the
existing request and the seed leaves it as it is.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import random
import sys

import grpc

from linli.common import tokens
from linli.common.logs import configure_logging
from linli.v1 import (
    common_pb2,
    organizations_pb2,
    organizations_pb2_grpc,
    requests_pb2_grpc,
    volunteers_pb2,
    volunteers_pb2_grpc,
)
from linli.v1 import requests_pb2 as pb

log = logging.getLogger(__name__)

Metadata = tuple[tuple[str, str], ...]

# (category, title, description)
ASKS = [
    ("repairs", "楼道灯坏了", "3单元楼道灯不亮，老人晚上下楼不方便。"),
    ("elderly_care", "独居老人需要买药", "82岁独居老人腿脚不便，需要有人帮忙去药店买降压药。"),
    ("illegal_construction", "楼顶违章搭建", "12幢楼顶有人搭建彩钢棚，存在安全隐患。"),
    ("flying_wire_charging", "飞线充电", "5幢一楼有电动车从窗户拉线充电。"),
    ("throwing_objects", "高空抛物", "昨晚有人从高层扔下酒瓶，差点砸到人。"),
    ("parking", "消防通道被占", "小区东门消防通道长期停放私家车。"),
    ("water_supply", "停水没有通知", "今天早上起整栋楼停水，没有提前通知。"),
    ("road_flooding", "路口积水", "下雨后小区门口路口积水没过脚踝。"),
    ("neighbour_dispute", "楼上噪音", "楼上住户每天深夜装修噪音扰民。"),
    ("poor_signal", "地下车库没有信号", "地下车库手机信号很差，紧急时无法打电话。"),
    ("environment", "垃圾清运不及时", "垃圾分类点垃圾满溢，两天没人清运。"),
    ("elevator", "电梯经常停", "7幢电梯本周停运三次，有老人被困。"),
]
COMPOUNDS = [
    (street, c, b) for street in ("JJ-BY", "JJ-HM", "JJ-JZ", "JJ-HJ", "JJ-SJ") for c in (1, 2, 3) for b in (1, 2)
]
CENTRES = {
    "JJ-BY": (28.660, 121.420),
    "JJ-HM": (28.680, 121.445),
    "JJ-JZ": (28.640, 121.400),
    "JJ-HJ": (28.600, 121.410),
    "JJ-SJ": (28.620, 121.470),
}
# Who takes which category's orders when the dispatcher sends them to a unit or department.
TAKERS = {
    "repairs": "JJ-HOUSING",
    "elevator": "JJ-HOUSING",
    "water_supply": "JJ-WATER",
    "illegal_construction": "JJ-URBAN",
    "flying_wire_charging": "JJ-CO-1",
    "road_flooding": "JJ-URBAN",
    "parking": "JJ-POLICE",
    "throwing_objects": "JJ-POLICE",
    "neighbour_dispute": "JJ-POLICE",
    "poor_signal": "JJ-TELECOM",
    "environment": "JJ-URBAN",
    "elderly_care": "JJ-HOSP-1",
}


def who(subject: str, *roles: str) -> Metadata:
    """A demo person's call, signed with the ops key (LINLI_SIGNING_KEY_FILE)."""
    return tuple(tokens.ops_metadata(subject, *roles))


class Seeder:
    def __init__(
        self,
        requests: requests_pb2_grpc.RequestServiceStub,
        org_ids: dict[str, str],
        volunteers: volunteers_pb2_grpc.VolunteerServiceStub | None,
    ) -> None:
        self.requests = requests
        self.org_ids = org_ids
        self.volunteers = volunteers
        self.random = random.Random(20261123)
        self.created = 0
        self.started = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)

    def run(self, count: int) -> None:
        for n in range(count):
            street, c, b = COMPOUNDS[n % len(COMPOUNDS)]
            category, title, description = ASKS[(n * 7) % len(ASKS)]
            lat, lng = CENTRES[street]
            point = common_pb2.GeoPoint(
                lat=lat + (c - 1) * 0.012 + self.random.uniform(-0.0025, 0.0025),
                lng=lng + (b - 1) * 0.006 + self.random.uniform(-0.0025, 0.0025),
            )
            resident_id = f"demo-resident-{n % 97}"
            resident = who(resident_id, "resident")
            # Residents submit on the web; phone calls are taken by the district's dispatcher and
            # patrols reported by the community's grid worker, on the resident's behalf.
            channel = (pb.CHANNEL_WEB, pb.CHANNEL_PHONE, pb.CHANNEL_GRID_PATROL)[n % 3]
            submitter = {
                pb.CHANNEL_WEB: resident,
                pb.CHANNEL_PHONE: who("person-jj-dispatcher", f"dispatcher@{self.org_ids['JJ']}"),
                pb.CHANNEL_GRID_PATROL: who(
                    f"person-{street.lower()}-c{c}-grid-worker", f"grid_worker@{self.org_ids[f'{street}-C{c}']}"
                ),
            }[channel]
            response = self.requests.SubmitRequest(
                pb.SubmitRequestRequest(
                    idempotency_key=f"seed:{n}",
                    category=category,
                    title=title,
                    description=description,
                    point=point,
                    channel=channel,
                    requester_person_id=resident_id,
                    address=common_pb2.Address(text=f"浙江省台州市椒江区{street}{c}社区{b}小区{n % 20 + 1}幢"),
                ),
                metadata=submitter,
                timeout=10,
            )
            request = response.request
            if request.submitted_at.ToDatetime(tzinfo=dt.UTC) < self.started:
                continue  # seeded by an earlier run
            if request.status != pb.REQUEST_STATUS_SUBMITTED or len(request.history) > 1:
                continue
            self.created += 1
            self.advance(n, request, resident)

    def advance(self, n: int, request: pb.Request, resident: Metadata) -> None:
        """Moves the request to one of the states a real ledger holds, by the people who would."""
        stage = n % 10
        if stage == 0 or not request.community_id:
            return  # waiting to be accepted
        dispatcher = who(f"person-{self.community_code(request)}-dispatcher", f"dispatcher@{request.community_id}")
        if stage == 1:
            self.requests.RejectRequest(
                pb.RejectRequestRequest(request_id=request.id, reason="不属于受理范围，已告知居民"),
                metadata=dispatcher,
                timeout=10,
            )
            return
        if stage == 2:
            self.requests.CancelRequest(
                pb.CancelRequestRequest(request_id=request.id, reason="问题已自行解决"), metadata=resident, timeout=10
            )
            return
        request = self.requests.AcceptRequest(
            pb.AcceptRequestRequest(request_id=request.id), metadata=dispatcher, timeout=10
        )
        if stage == 3:
            return
        handler = self.hand_over(n, request, dispatcher)
        if handler is None or stage == 4:
            return
        self.requests.StartWork(
            pb.StartWorkRequest(request_id=request.id, note="已到现场"), metadata=handler, timeout=10
        )
        if stage == 5:
            return
        self.requests.ResolveRequest(
            pb.ResolveRequestRequest(
                request_id=request.id,
                result_text="已处理完毕，现场照片见附件",
                hours=round(1 + (n % 4) * 0.5, 1),
                photos=[pb.Attachment(id=f"photo-{n}", url=f"https://files.linli.example/seed/{n}.jpg")],
            ),
            metadata=handler,
            timeout=10,
        )
        if stage == 6:
            return
        self.approve_publication(n, request.id, dispatcher)
        stars = 5 if n % 7 else 2  # now and then a poor rating, which reopens the request
        self.requests.RateRequest(
            pb.RateRequestRequest(
                request_id=request.id, stars=stars, comment="处理及时" if stars > 3 else "没有解决根本问题"
            ),
            metadata=resident,
            timeout=10,
        )
        if stars > 3 and stage >= 8:
            self.requests.CloseRequest(pb.CloseRequestRequest(request_id=request.id), metadata=resident, timeout=10)

    def approve_publication(self, n: int, request_id: str, dispatcher: Metadata) -> None:
        """The dispatcher reviews most resolved requests' text and photos for the public board;
        every fourth stays in the moderation queue, as on a real ledger."""
        if n % 4 == 0:
            return
        self.requests.ModerateRequest(
            pb.ModerateRequestRequest(request_id=request_id, approve_publication=True),
            metadata=dispatcher,
            timeout=10,
        )

    def hand_over(self, n: int, request: pb.Request, dispatcher: Metadata) -> Metadata | None:
        """Dispatches to a unit or department, or offers to volunteers; returns who works on it."""
        if n % 3 == 0 and self.volunteers is not None:
            offered = self.requests.OfferToVolunteers(
                pb.OfferToVolunteersRequest(request_id=request.id), metadata=dispatcher, timeout=10
            )
            for offer in offered.offers:
                volunteer = self.volunteers.GetVolunteer(
                    volunteers_pb2.GetVolunteerRequest(id=offer.volunteer_id),
                    metadata=who("seed", "operator"),
                    timeout=10,
                )
                person = who(volunteer.person_id, "volunteer")
                self.requests.ClaimRequest(pb.ClaimRequestRequest(request_id=request.id), metadata=person, timeout=10)
                return person
            return None
        taker = TAKERS.get(request.category, "JJ-URBAN")
        taker_id = self.org_ids[taker]
        is_unit = taker.startswith("JJ-CO") or taker == "JJ-HOSP-1"
        kind = pb.ASSIGNEE_KIND_UNIT if is_unit else pb.ASSIGNEE_KIND_DEPARTMENT
        self.requests.DispatchRequest(
            pb.DispatchRequestRequest(
                request_id=request.id, assignee=pb.Assignee(kind=kind, id=taker_id), note="中心派单"
            ),
            metadata=dispatcher,
            timeout=10,
        )
        liaison = who(f"person-{taker.lower()}-liaison", f"liaison@{taker_id}")
        self.requests.ClaimRequest(pb.ClaimRequestRequest(request_id=request.id), metadata=liaison, timeout=10)
        return liaison

    def community_code(self, request: pb.Request) -> str:
        return next((code.lower() for code, org_id in self.org_ids.items() if org_id == request.community_id), "x")


def main() -> int:
    configure_logging("requests-seed", os.environ.get("LINLI_LOG_LEVEL", "INFO"))
    count = int(os.environ.get("LINLI_SEED_REQUESTS", "300"))
    requests_addr = os.environ.get("LINLI_REQUESTS_ADDR", "127.0.0.1:50053")
    organizations_addr = os.environ.get("LINLI_ORGANIZATIONS_ADDR", "127.0.0.1:50051")
    volunteers_addr = os.environ.get("LINLI_VOLUNTEERS_ADDR", "127.0.0.1:50052")
    with grpc.insecure_channel(organizations_addr) as org_channel:
        stub = organizations_pb2_grpc.OrganizationServiceStub(org_channel)
        codes = ["JJ", *(f"{s}-C{c}" for s, c, _ in COMPOUNDS), *TAKERS.values()]
        org_ids = {
            code: stub.GetOrganization(organizations_pb2.GetOrganizationRequest(code=code), timeout=10).id
            for code in set(codes)
        }
    volunteer_channel = grpc.insecure_channel(volunteers_addr)
    try:
        grpc.channel_ready_future(volunteer_channel).result(timeout=3)
        volunteers: volunteers_pb2_grpc.VolunteerServiceStub | None = volunteers_pb2_grpc.VolunteerServiceStub(
            volunteer_channel
        )
    except grpc.FutureTimeoutError:
        volunteers = None
        log.warning("volunteers service not reachable: no assisted dispatch in the demo ledger")
    with grpc.insecure_channel(requests_addr) as channel:
        grpc.channel_ready_future(channel).result(timeout=30)
        seeder = Seeder(requests_pb2_grpc.RequestServiceStub(channel), org_ids, volunteers)
        seeder.run(count)
    volunteer_channel.close()
    log.info("demo requests seeded", extra={"new_requests": seeder.created, "asked": count})
    return 0


if __name__ == "__main__":
    sys.exit(main())
