"""The responses' JSON (``entrypoints.convert``) is exactly what the protobuf messages accept
(ParseDict is strict about names and types), and personal data appears only when asked for."""

from __future__ import annotations

from datetime import timedelta

import pytest
from google.protobuf import json_format

from linli.common.errors import InvalidArgument
from linli.v1 import volunteers_pb2 as pb
from linli.volunteers.domain import catalogue, ledger, teams, volunteers
from linli.volunteers.domain.ledger import LeaderboardPeriod, TaskCredit
from linli.volunteers.entrypoints import convert
from linli.volunteers.service_layer.handlers.points import Leaderboard
from tests.unit.volunteers.conftest import NOW, VolunteerFactory


def test_volunteer_with_and_without_personal_data(new_volunteer: VolunteerFactory) -> None:
    volunteer = new_volunteer(workplace_community_id="org_work")
    volunteers.suspend(volunteer, "on leave", NOW)
    full = json_format.ParseDict(convert.volunteer_json(volunteer, personal=True), pb.Volunteer())
    assert full.phone == "13800000000" and full.home.lat == 28.6 and full.version == 2
    assert full.status == pb.VOLUNTEER_STATUS_SUSPENDED and full.suspension_reason == "on leave"
    assert [(w.weekday, w.start, w.end) for w in full.availability] == [(1, "08:00", "12:00")]
    public = json_format.ParseDict(convert.volunteer_json(volunteer, personal=False), pb.Volunteer())
    assert public.phone == "" and not public.HasField("home") and public.display_name == volunteer.display_name


def test_team_roster_card_and_catalogue(new_volunteer: VolunteerFactory) -> None:
    leader = new_volunteer("vol_1")
    member = new_volunteer("vol_2")
    team = teams.create_team(
        "team_1",
        name="东山应急突击队",
        leader=leader,
        focus="emergency",
        owning_organization_id="org_home",
        rapid_response=True,
        now=NOW,
    )
    teams.join_team(team, member, NOW)
    cards = [volunteers.identity_card(v, [team]) for v in (leader, member)]
    roster = json_format.ParseDict(convert.team_roster_json(team, cards), pb.TeamRoster())
    assert list(roster.team.member_ids) == ["vol_1", "vol_2"] and roster.team.rapid_response
    assert roster.members[0].teams[0].leader and not roster.members[1].teams[0].leader
    post = json_format.ParseDict(convert.post_json(catalogue.list_posts()[0]), pb.Post())
    skill = json_format.ParseDict(convert.skill_json(catalogue.list_skills()[0]), pb.Skill())
    assert post.name.zh == "文明劝导岗" and skill.group == "repairs"


def test_ledger_balance_and_leaderboard(new_volunteer: VolunteerFactory) -> None:
    volunteer = new_volunteer(workplace_community_id="org_work")
    credit = TaskCredit(
        cause_event_id="evt-1", volunteer_id=volunteer.id, request_id="req_1", hours=2.0, rating=5, occurred_at=NOW
    )
    entries = ledger.credit_task(credit, volunteer, NOW + timedelta(hours=1))
    fix = ledger.correction(
        volunteer_id=volunteer.id,
        community_id="",
        hours_delta=-0.5,
        points_delta=-5,
        reason="typo",
        idempotency_key="fix-1",
        recorded_by="admin-1",
        now=NOW,
        corrects=entries[0],
    )
    parsed = [json_format.ParseDict(convert.ledger_entry_json(e), pb.LedgerEntry()) for e in [*entries, fix]]
    assert [p.kind for p in parsed] == [
        pb.LEDGER_ENTRY_KIND_HOME,
        pb.LEDGER_ENTRY_KIND_WORKPLACE,
        pb.LEDGER_ENTRY_KIND_CORRECTION,
    ]
    assert parsed[0].points == 38 and parsed[2].points == -5 and parsed[2].recorded_by.person_id == "admin-1"
    balance = json_format.ParseDict(
        convert.points_balance_json(ledger.balance(volunteer.id, [*entries, fix])), pb.PointsBalance()
    )
    assert (balance.total_points, balance.service_hours, balance.entry_count) == (71, 1.5, 3)
    bounds = ledger.period_bounds(LeaderboardPeriod.MONTH, NOW)
    rows = ledger.leaderboard([*entries, fix], "org_home", bounds)
    board = json_format.ParseDict(
        convert.leaderboard_json(
            Leaderboard("org_home", LeaderboardPeriod.MONTH, bounds, rows, {volunteer.id: "王秀英"})
        ),
        pb.Leaderboard(),
    )
    assert board.period == pb.LEADERBOARD_PERIOD_MONTH and board.HasField("period_start")
    assert [(r.rank, r.display_name, r.points) for r in board.rows] == [(1, "王秀英", 33)]


def test_leaderboard_periods_by_number() -> None:
    assert convert.leaderboard_period(pb.LEADERBOARD_PERIOD_QUARTER) is LeaderboardPeriod.QUARTER
    assert {convert.leaderboard_period(n) for n in range(1, 6)} == set(LeaderboardPeriod)
    for unknown in (0, 6):
        with pytest.raises(InvalidArgument) as refused:
            convert.leaderboard_period(unknown)
        assert refused.value.field == "period" and str(unknown) in str(refused.value)
