"""`python -m linli.organizations.seed`: loads the demo city through the gRPC API.

A district of Taizhou modelled on the reports (Jiaojiang): five street offices, fifteen
communities, compounds and building groups, one grid per compound, city departments and
co-building units that answer escalations, community living rooms and outdoor-worker rest
stations with events, and demo people holding roles. Every create carries an idempotency
key derived from the code, so running the seed again changes nothing.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import sys

import grpc
from google.protobuf import timestamp_pb2

from linli.common import tokens
from linli.common.logs import configure_logging
from linli.v1 import common_pb2, organizations_pb2_grpc
from linli.v1 import organizations_pb2 as pb

log = logging.getLogger(__name__)


def seed_identity() -> list[tuple[str, str]]:
    """The seed calls as an operator, signed with the ops key (LINLI_SIGNING_KEY_FILE)."""
    return tokens.ops_metadata("seed", "operator")


K = pb.OrganizationKind

# (code, zh, en, centre lat, centre lng)
STREETS = [
    ("JJ-BY", "白云街道", "Baiyun Subdistrict", 28.660, 121.420),
    ("JJ-HM", "海门街道", "Haimen Subdistrict", 28.680, 121.445),
    ("JJ-JZ", "葭沚街道", "Jiazhi Subdistrict", 28.640, 121.400),
    ("JJ-HJ", "洪家街道", "Hongjia Subdistrict", 28.600, 121.410),
    ("JJ-SJ", "三甲街道", "Sanjia Subdistrict", 28.620, 121.470),
]
COMMUNITY_NAMES = [
    ("东山社区", "Dongshan Community"),
    ("西山社区", "Xishan Community"),
    ("南门社区", "Nanmen Community"),
    ("北岙社区", "Bei'ao Community"),
    ("江城社区", "Jiangcheng Community"),
    ("海虹社区", "Haihong Community"),
    ("葭芷社区", "Jiazhi Community"),
    ("星明社区", "Xingming Community"),
    ("洪家社区", "Hongjia Community"),
    ("后所社区", "Housuo Community"),
    ("三甲社区", "Sanjia Community"),
    ("东海社区", "Donghai Community"),
    ("新城社区", "Xincheng Community"),
    ("滨海社区", "Binhai Community"),
    ("云西社区", "Yunxi Community"),
]
# (code, zh, en, accepted categories, response deadline in minutes)
DEPARTMENTS = [
    (
        "JJ-POLICE",
        "椒江公安分局",
        "Jiaojiang Public Security Bureau",
        ["neighbour_dispute", "throwing_objects", "parking"],
        60,
    ),
    (
        "JJ-URBAN",
        "椒江区综合行政执法局",
        "Jiaojiang Urban Management Bureau",
        ["illegal_construction", "flying_wire_charging", "parking", "road_flooding"],
        240,
    ),
    ("JJ-MARKET", "椒江区市场监督管理局", "Jiaojiang Market Supervision Bureau", ["food_safety", "pricing"], 480),
    (
        "JJ-HOUSING",
        "椒江区住房和城乡建设局",
        "Jiaojiang Housing and Construction Bureau",
        ["repairs", "heating", "elevator"],
        480,
    ),
    (
        "JJ-WATER",
        "台州市供水有限公司椒江分公司",
        "Taizhou Water Supply, Jiaojiang Branch",
        ["water_supply", "road_flooding"],
        120,
    ),
    ("JJ-TELECOM", "椒江区通信发展办公室", "Jiaojiang Telecom Coordination Office", ["poor_signal"], 1440),
]
UNITS = [
    ("JJ-SCH-1", "椒江区第一中学", "Jiaojiang No. 1 Middle School", ["tutoring"], 1440),
    ("JJ-HOSP-1", "台州医院椒江院区", "Taizhou Hospital, Jiaojiang Campus", ["elderly_care", "medical"], 240),
    ("JJ-CO-1", "国网台州供电公司椒江分部", "State Grid Jiaojiang Branch", ["flying_wire_charging", "repairs"], 240),
]


class Seeder:
    def __init__(self, stub: organizations_pb2_grpc.OrganizationServiceStub) -> None:
        self.stub = stub
        self.created = 0

    def org(
        self,
        kind: int,
        code: str,
        zh: str,
        en: str,
        parent: str = "",
        lat: float = 0.0,
        lng: float = 0.0,
        **extra: object,
    ) -> pb.Organization:
        request = pb.CreateOrganizationRequest(
            idempotency_key=f"seed:{code}",
            kind=kind,  # type: ignore[arg-type]
            code=code,
            parent_id=parent,
            name=common_pb2.LocalizedText(zh=zh, en=en),
            **extra,  # type: ignore[arg-type]
        )
        if lat:
            request.location.CopyFrom(common_pb2.GeoPoint(lat=lat, lng=lng))
            request.address.CopyFrom(
                common_pb2.Address(text=f"浙江省台州市椒江区{zh}", province="浙江省", city="台州市", district="椒江区")
            )
        self.created += 1
        result: pb.Organization = self.stub.CreateOrganization(request, metadata=seed_identity(), timeout=10)
        return result

    def grid(
        self, owner: pb.Organization, code: str, zh: str, lat: float, lng: float, size: float, households: int
    ) -> pb.Grid:
        shape = pb.GridShape(
            cell=pb.GridCell(
                south_west=common_pb2.GeoPoint(lat=lat, lng=lng),
                north_east=common_pb2.GeoPoint(lat=lat + size, lng=lng + size),
            )
        )
        result: pb.Grid = self.stub.CreateGrid(
            pb.CreateGridRequest(
                idempotency_key=f"seed:{code}",
                organization_id=owner.id,
                code=code,
                name=common_pb2.LocalizedText(zh=zh, en=f"Grid {code}"),
                shape=shape,
                households_count=households,
                leader_person_id=f"person-{code.lower()}-leader",
                worker_person_ids=[f"person-{code.lower()}-worker"],
            ),
            metadata=seed_identity(),
            timeout=10,
        )
        return result

    def run(self) -> None:
        district = self.org(K.ORGANIZATION_KIND_DISTRICT, "JJ", "椒江区", "Jiaojiang District", lat=28.673, lng=121.44)
        for code, zh, en, categories, deadline in DEPARTMENTS:
            self.org(
                K.ORGANIZATION_KIND_DEPARTMENT,
                code,
                zh,
                en,
                district.id,
                served_org_ids=[district.id],
                accepted_categories=categories,
                response_deadline_minutes=deadline,
            )
        communities: list[pb.Organization] = []
        for s, (street_code, street_zh, street_en, lat, lng) in enumerate(STREETS):
            street = self.org(
                K.ORGANIZATION_KIND_STREET_OFFICE, street_code, street_zh, street_en, district.id, lat=lat, lng=lng
            )
            for c in range(3):
                zh, en = COMMUNITY_NAMES[s * 3 + c]
                c_lat, c_lng = lat + c * 0.012, lng
                community = self.org(
                    K.ORGANIZATION_KIND_COMMUNITY_COMMITTEE,
                    f"{street_code}-C{c + 1}",
                    zh,
                    en,
                    street.id,
                    lat=c_lat,
                    lng=c_lng,
                    contacts=[common_pb2.Contact(name=f"{zh}值班室", phone=f"0576-8881{s}{c}00", role="duty phone")],
                )
                communities.append(community)
                self.community_detail(community, zh, en, c_lat, c_lng)
        for code, zh, en, categories, deadline in UNITS:
            self.org(
                K.ORGANIZATION_KIND_CO_BUILDING_UNIT,
                code,
                zh,
                en,
                district.id,
                served_org_ids=[c.id for c in communities[:6]],
                accepted_categories=categories,
                response_deadline_minutes=deadline,
            )
        self.roles(district, communities)

    def community_detail(self, community: pb.Organization, zh: str, en: str, lat: float, lng: float) -> None:
        for b in range(2):
            compound = self.org(
                K.ORGANIZATION_KIND_COMPOUND_BRANCH,
                f"{community.code}-X{b + 1}",
                f"{zh}第{b + 1}小区党支部",
                f"{en} Compound {b + 1} Branch",
                community.id,
                lat=lat,
                lng=lng + b * 0.006,
            )
            self.grid(
                compound,
                f"{community.code}-G{b + 1}",
                f"{zh}第{b + 1}网格",
                lat - 0.003,
                lng + b * 0.006 - 0.003,
                0.006,
                300 + 40 * b,
            )
            for building in range(2):
                group = self.org(
                    K.ORGANIZATION_KIND_BUILDING_GROUP,
                    f"{compound.code}-B{building + 1}",
                    f"{building + 1}幢党小组",
                    f"Building {building + 1} Group",
                    compound.id,
                )
                self.org(
                    K.ORGANIZATION_KIND_MEMBER_HOUSEHOLD, f"{group.code}-H1", "党员中心户", "Member household", group.id
                )
        station = self.stub.CreateStation(
            pb.CreateStationRequest(
                idempotency_key=f"seed:{community.code}-LR",
                organization_id=community.id,
                kind=pb.STATION_KIND_LIVING_ROOM,
                code=f"{community.code}-LR",
                name=common_pb2.LocalizedText(zh=f"{zh}会客厅", en=f"{en} Living Room"),
                capacity=60,
                location=common_pb2.GeoPoint(lat=lat, lng=lng),
                opening_hours=[common_pb2.TimeWindow(weekday=d, start="08:30", end="20:30") for d in range(1, 8)],
            ),
            metadata=seed_identity(),
            timeout=10,
        )
        self.stub.CreateStation(
            pb.CreateStationRequest(
                idempotency_key=f"seed:{community.code}-REST",
                organization_id=community.id,
                kind=pb.STATION_KIND_OUTDOOR_WORKER_REST,
                code=f"{community.code}-REST",
                name=common_pb2.LocalizedText(zh=f"{zh}户外劳动者驿站", en=f"{en} Outdoor Workers' Rest Station"),
                capacity=12,
                location=common_pb2.GeoPoint(lat=lat + 0.001, lng=lng + 0.001),
                opening_hours=[common_pb2.TimeWindow(weekday=d, start="00:00", end="24:00") for d in range(1, 8)],
            ),
            metadata=seed_identity(),
            timeout=10,
        )
        first_of_month = dt.datetime(2026, 12, 5, 1, 0, tzinfo=dt.UTC)  # 09:00 in Taizhou, monthly market day
        starts = timestamp_pb2.Timestamp()
        starts.FromDatetime(first_of_month)
        ends = timestamp_pb2.Timestamp()
        ends.FromDatetime(first_of_month + dt.timedelta(hours=3))
        self.stub.ScheduleStationEvent(
            pb.ScheduleStationEventRequest(
                idempotency_key=f"seed:{community.code}-MARKET",
                station_id=station.id,
                title=common_pb2.LocalizedText(zh="服务集市日", en="Service market day"),
                description="义诊、理发、家电维修、法律咨询",
                starts_at=starts,
                ends_at=ends,
                capacity=60,
            ),
            metadata=seed_identity(),
            timeout=10,
        )

    def roles(self, district: pb.Organization, communities: list[pb.Organization]) -> None:
        grants = [
            ("person-district-admin", district.id, pb.ORGANIZATION_ROLE_ADMIN),
            ("person-district-dispatcher", district.id, pb.ORGANIZATION_ROLE_DISPATCHER),
        ]
        for community in communities:
            slug = community.code.lower()
            grants += [
                (f"person-{slug}-admin", community.id, pb.ORGANIZATION_ROLE_ADMIN),
                (f"person-{slug}-dispatcher", community.id, pb.ORGANIZATION_ROLE_DISPATCHER),
            ]
        for person, org_id, role in grants:
            self.stub.GrantRole(
                pb.GrantRoleRequest(
                    idempotency_key=f"seed:{person}:{role}", person_id=person, organization_id=org_id, role=role
                ),
                metadata=seed_identity(),
                timeout=10,
            )


def main() -> int:
    configure_logging("organizations-seed", os.environ.get("LINLI_LOG_LEVEL", "INFO"))
    target = os.environ.get("LINLI_ORGANIZATIONS_ADDR", "127.0.0.1:50051")
    with grpc.insecure_channel(target) as channel:
        grpc.channel_ready_future(channel).result(timeout=30)
        seeder = Seeder(organizations_pb2_grpc.OrganizationServiceStub(channel))
        seeder.run()
    log.info("demo city seeded", extra={"organizations": seeder.created, "target": target})
    return 0


if __name__ == "__main__":
    sys.exit(main())
