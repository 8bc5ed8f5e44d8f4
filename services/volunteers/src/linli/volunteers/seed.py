"""`python -m linli.volunteers.seed`: registers the demo city's volunteers and teams through
the gRPC API.

The communities come from the organizations service (the seeded district "JJ", its
community committees and their locations; `LINLI_ORGANIZATIONS_ADDR`). Around each one the
seed places volunteers whose profiles follow the people the reports describe: retired
residents on weekday mornings (care for the elderly, patrols, mediation, haircuts), workers
on evenings and Saturdays (electricians, plumbers, drivers), professionals at weekends (legal
aid, medical care, counselling) and students (tutoring, phone and computer help), with
Chinese names common in Taizhou, claimed posts from the "ten posts" and some with a
workplace-linked community (dual points). Each community gets four teams (one a rapid-response
team) led by one of its volunteers, and about a third of its volunteers join one.

Everything is derived from the volunteer's number, and every create carries an idempotency
key, so running the seed again changes nothing (a second run takes about 2 s). Settings:
`LINLI_VOLUNTEERS_ADDR` (default 127.0.0.1:50052), `LINLI_SEED_VOLUNTEERS` (default 3000),
`LINLI_SEED_WORKERS` (parallel calls, default 8).
"""

from __future__ import annotations

import logging
import os
import random
import sys
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TypeVar

import grpc

from linli.common import tokens
from linli.common.logs import configure_logging
from linli.v1 import common_pb2, organizations_pb2, organizations_pb2_grpc, volunteers_pb2_grpc
from linli.v1 import volunteers_pb2 as pb

log = logging.getLogger(__name__)


def seed_identity() -> list[tuple[str, str]]:
    """The seed calls as an operator, signed with the ops key (LINLI_SIGNING_KEY_FILE)."""
    return tokens.ops_metadata("seed", "operator")


DISTRICT_CODE = "JJ"
TEAMS_PER_COMMUNITY = 4
JOIN_SHARE = 0.33
T = TypeVar("T")

SURNAMES = "王陈林李张徐黄郑周金杨赵吴叶朱蒋应梁许罗管泮潘何胡郭蔡冯章卢阮颜方谢朱洪丁"
GIVEN = (
    "伟",
    "芳",
    "娜",
    "秀英",
    "敏",
    "静",
    "丽",
    "强",
    "磊",
    "军",
    "洋",
    "勇",
    "艳",
    "杰",
    "娟",
    "涛",
    "明",
    "超",
    "秀兰",
    "霞",
    "平",
    "刚",
    "桂英",
    "建华",
    "建国",
    "志强",
    "海燕",
    "晓红",
    "丹",
    "慧",
    "玲",
    "燕",
    "红",
    "波",
    "斌",
    "浩",
    "宇",
    "婷",
    "欣怡",
    "佳琪",
    "晨",
    "阳",
    "鑫",
    "辉",
    "亮",
    "飞",
    "海峰",
    "国平",
    "文华",
    "德福",
    "春梅",
    "玉兰",
    "凤英",
    "雪梅",
    "立新",
    "永强",
    "丽娟",
    "子涵",
    "雨欣",
    "一鸣",
)


WEEKDAYS = (1, 2, 3, 4, 5)
Windows = tuple[tuple[int, str, str], ...]


def days(weekdays: Sequence[int], start: str, end: str) -> Windows:
    """The same window on each of ``weekdays``."""
    return tuple((day, start, end) for day in weekdays)


@dataclass(frozen=True)
class Persona:
    """A kind of volunteer: what they know, when they are free, how far they go."""

    name: str
    weight: int
    skills: tuple[str, ...]
    posts: tuple[str, ...]
    windows: tuple[Windows, ...]  # alternative weekly schedules
    radius_km: tuple[float, float]
    workplace_share: float
    languages: tuple[str, ...]


PERSONAS = (
    Persona(
        "retired",
        40,
        (
            "elderly_care",
            "meal_delivery",
            "safety_patrol",
            "policy_explanation",
            "dispute_mediation",
            "haircut",
            "cleaning",
            "health_clinic",
        ),
        (
            "civility_persuasion",
            "dispute_mediation",
            "safety_patrol",
            "elderly_care",
            "garbage_sorting",
            "public_opinion",
        ),
        (
            (*days(WEEKDAYS, "08:00", "11:30"), *days(WEEKDAYS, "14:00", "17:00")),
            (*days((1, 3, 5), "07:30", "10:00"), *days((6,), "08:00", "12:00")),
        ),
        (1.0, 3.0),
        0.05,
        ("zh", "zh-wuu"),
    ),
    Persona(
        "worker",
        35,
        (
            "electrical_repair",
            "plumbing",
            "appliance_repair",
            "carpentry",
            "driving",
            "it_help",
            "first_aid",
            "fire_safety",
        ),
        ("emergency_response", "safety_patrol", "environment_improvement"),
        (
            (*days(WEEKDAYS, "18:30", "21:00"), *days((6,), "09:00", "12:00")),
            (*days((6,), "08:00", "18:00"), *days((7,), "08:00", "12:00")),
        ),
        (3.0, 8.0),
        0.35,
        ("zh", "zh-wuu"),
    ),
    Persona(
        "professional",
        15,
        (
            "legal_advice",
            "medical_care",
            "psychological_counselling",
            "first_aid",
            "tutoring",
            "translation",
            "health_clinic",
        ),
        ("policy_publicity", "consultation", "dispute_mediation"),
        (((6, "09:00", "12:00"), (6, "14:00", "17:00")), ((7, "09:00", "17:00"),), ((3, "19:00", "21:00"),)),
        (5.0, 15.0),
        0.4,
        ("zh", "en"),
    ),
    Persona(
        "student",
        10,
        ("tutoring", "it_help", "translation", "sign_language", "childcare"),
        ("policy_publicity", "garbage_sorting"),
        (days((6, 7), "09:00", "17:00"), days(WEEKDAYS, "16:30", "18:30")),
        (2.0, 5.0),
        0.0,
        ("zh", "en"),
    ),
)
#: (focus, Chinese team name suffix, rapid response)
TEAM_KINDS = (
    ("emergency", "应急突击队", True),
    ("elderly care", "关爱帮扶志愿服务队", False),
    ("repairs", "便民维修志愿服务队", False),
    ("tutoring", "四点半课堂志愿服务队", False),
)


@dataclass(frozen=True)
class Community:
    id: str
    code: str
    zh: str
    lat: float
    lng: float


def communities(channel: grpc.Channel) -> list[Community]:
    """The seeded district's community committees with their locations."""
    stub = organizations_pb2_grpc.OrganizationServiceStub(channel)
    district = stub.GetOrganization(organizations_pb2.GetOrganizationRequest(code=DISTRICT_CODE), timeout=10)
    found = stub.ListSubtree(
        organizations_pb2.ListSubtreeRequest(
            root_id=district.id,
            kinds=[organizations_pb2.ORGANIZATION_KIND_COMMUNITY_COMMITTEE],
            page=common_pb2.PageRequest(page_size=500),
        ),
        timeout=10,
    )
    return [
        Community(o.id, o.code, o.name.zh, o.location.lat, o.location.lng)
        for o in found.organizations
        if o.HasField("location")
    ]


def volunteer_request(number: int, places: Sequence[Community]) -> pb.RegisterVolunteerRequest:
    """Volunteer `number`'s registration; the same number always gives the same request."""
    rng = random.Random(f"linli-volunteer-{number}")
    home = places[number % len(places)]
    persona = rng.choices(PERSONAS, weights=[p.weight for p in PERSONAS])[0]
    workplace = ""
    if rng.random() < persona.workplace_share:
        workplace = rng.choice([c for c in places if c.id != home.id] or [home]).id
    schedule = rng.choice(persona.windows)
    return pb.RegisterVolunteerRequest(
        idempotency_key=f"seed:volunteer:{number:05d}",
        person_id=f"person-vol-{number:05d}",
        display_name=rng.choice(SURNAMES) + rng.choice(GIVEN),
        phone=f"1{rng.choice('3589')}{rng.randrange(10)}{rng.randrange(10**8):08d}",
        home_community_id=home.id,
        workplace_community_id=workplace,
        skills=rng.sample(persona.skills, rng.choice((1, 1, 2, 2, 3))),
        posts=rng.sample(persona.posts, rng.choice((0, 1, 1, 2))),
        languages=list(persona.languages[: 1 + rng.randrange(len(persona.languages))]),
        service_radius_km=round(rng.uniform(*persona.radius_km), 1),
        home=common_pb2.GeoPoint(
            lat=round(home.lat + rng.gauss(0, 0.006), 6), lng=round(home.lng + rng.gauss(0, 0.006), 6)
        ),
        availability=[common_pb2.TimeWindow(weekday=d, start=s, end=e) for d, s, e in schedule],
        max_concurrent_tasks=rng.choice((1, 2, 2, 3, 3, 3, 4, 5)),
    )


class Seeder:
    def __init__(self, stub: volunteers_pb2_grpc.VolunteerServiceStub, workers: int) -> None:
        self.stub = stub
        self.workers = workers

    def _parallel(self, call: Callable[[T], object], items: Sequence[T]) -> list[object]:
        with ThreadPoolExecutor(self.workers, thread_name_prefix="seed") as pool:
            return list(pool.map(call, items))

    def run(self, places: Sequence[Community], count: int) -> dict[str, float]:
        started = time.monotonic()
        requests = [volunteer_request(n, places) for n in range(count)]
        registered = [v for v in self._parallel(self._register, requests) if isinstance(v, pb.Volunteer)]
        registering = time.monotonic() - started
        by_community: dict[str, list[pb.Volunteer]] = {}
        for volunteer in registered:
            by_community.setdefault(volunteer.home_community_id, []).append(volunteer)
        joins: list[tuple[str, str]] = []
        teams = 0
        for place in places:
            members = by_community.get(place.id, [])
            if len(members) < TEAMS_PER_COMMUNITY:
                continue
            team_ids = [self._team(place, kind, members[k]) for k, kind in enumerate(TEAM_KINDS)]
            teams += len(team_ids)
            rng = random.Random(f"linli-teams-{place.code}")
            for volunteer in members[TEAMS_PER_COMMUNITY:]:
                if rng.random() < JOIN_SHARE:
                    joins.append((rng.choice(team_ids), volunteer.id))
        self._parallel(self._join, joins)
        return {
            "volunteers": len(registered),
            "teams": teams,
            "members_joined": len(joins),
            "registering_seconds": round(registering, 1),
            "teams_seconds": round(time.monotonic() - started - registering, 1),
        }

    def _register(self, request: pb.RegisterVolunteerRequest) -> pb.Volunteer:
        result: pb.Volunteer = self.stub.RegisterVolunteer(request, metadata=seed_identity(), timeout=30)
        return result

    def _team(self, place: Community, kind: tuple[str, str, bool], leader: pb.Volunteer) -> str:
        focus, suffix, rapid = kind
        team: pb.Team = self.stub.CreateTeam(
            pb.CreateTeamRequest(
                idempotency_key=f"seed:team:{place.code}:{focus}",
                name=f"{place.zh}{suffix}",
                focus=focus,
                leader_volunteer_id=leader.id,
                owning_organization_id=place.id,
                rapid_response=rapid,
            ),
            metadata=seed_identity(),
            timeout=30,
        )
        return team.id

    def _join(self, join: tuple[str, str]) -> None:
        team_id, volunteer_id = join
        self.stub.JoinTeam(
            pb.JoinTeamRequest(team_id=team_id, volunteer_id=volunteer_id), metadata=seed_identity(), timeout=30
        )


def main() -> int:
    configure_logging("volunteers-seed", os.environ.get("LINLI_LOG_LEVEL", "INFO"))
    organizations = os.environ.get("LINLI_ORGANIZATIONS_ADDR", "127.0.0.1:50051")
    target = os.environ.get("LINLI_VOLUNTEERS_ADDR", "127.0.0.1:50052")
    count = int(os.environ.get("LINLI_SEED_VOLUNTEERS", "3000"))
    workers = int(os.environ.get("LINLI_SEED_WORKERS", "8"))
    started = time.monotonic()
    with grpc.insecure_channel(organizations) as channel:
        grpc.channel_ready_future(channel).result(timeout=30)
        places = communities(channel)
    if not places:
        log.error("no communities with a location under the district", extra={"district": DISTRICT_CODE})
        return 1
    with grpc.insecure_channel(target) as channel:
        grpc.channel_ready_future(channel).result(timeout=30)
        done = Seeder(volunteers_pb2_grpc.VolunteerServiceStub(channel), workers).run(places, count)
    log.info(
        "volunteers seeded",
        extra={**done, "communities": len(places), "target": target, "seconds": round(time.monotonic() - started, 1)},
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
