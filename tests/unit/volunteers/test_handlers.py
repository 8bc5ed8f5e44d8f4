"""Every command and query handler of the volunteers service, driven through the message bus
on in-memory fakes (``vol_fakes``): what is written, what the read model shows, and that a
refusal writes nothing and leaves the read model as it was."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest

from linli.common.commands import Actor, Command
from linli.common.errors import (
    AlreadyExists,
    Conflict,
    FailedPrecondition,
    InvalidArgument,
    NotFound,
    PermissionDenied,
    Unauthenticated,
)
from linli.volunteers.domain import events as ev
from linli.volunteers.domain.ledger import LeaderboardPeriod
from linli.volunteers.domain.model import GeoPoint, LedgerEntry, LedgerEntryKind, Team, TimeWindow, Volunteer
from linli.volunteers.domain.volunteers import ProfileChanges, Registration
from linli.volunteers.service_layer import commands as c
from linli.volunteers.service_layer.handlers import HANDLERS
from linli.volunteers.service_layer.handlers.common import VolunteerView
from tests.unit.volunteers.conftest import NOW
from tests.unit.volunteers.vol_fakes import ANONYMOUS, EAST, OPERATOR, STREET, WEST, App, Write, actor, make_app

HOME = GeoPoint(28.66, 121.42)


@pytest.fixture
def app() -> App:
    return make_app()


def registration(**overrides: Any) -> Registration:
    values: dict[str, Any] = {
        "person_id": "person-1",
        "display_name": "王秀英",
        "phone": "13800001111",
        "home_community_id": EAST,
        "skills": ["plumbing"],
        "posts": ["elderly_care"],
        "languages": ["zh"],
        "service_radius_km": 5.0,
        "home": HOME,
        "availability": [TimeWindow(1, "08:00", "12:00")],
        "max_concurrent_tasks": 3,
    }
    values.update(overrides)
    return Registration(**values)


def register(app: App, who: Actor = OPERATOR, key: str = "", **overrides: Any) -> Volunteer:
    shown: VolunteerView = app.handle(
        c.RegisterVolunteer(actor=who, idempotency_key=key, registration=registration(**overrides))
    )
    return shown.volunteer


def match_ids(app: App, *skills: str, category: str = "") -> list[str]:
    result = app.handle(
        c.MatchVolunteers(actor=OPERATOR, location=HOME, skills=skills, category=category, k=10, at=NOW)
    )
    return [candidate.volunteer_id for candidate in result.candidates]


def untouched(app: App) -> tuple[list[Write], dict[str, Volunteer], dict[str, Team], dict[str, LedgerEntry]]:
    """What a refused command must leave as it was."""
    d = app.directory
    return list(app.repository.writes), dict(d.volunteers), dict(d.teams), dict(d.entries)


def test_every_command_has_a_handler() -> None:
    commands = {
        value
        for value in vars(c).values()
        if isinstance(value, type) and issubclass(value, Command) and value is not Command
    }
    assert commands == set(HANDLERS)


# -- volunteers -------------------------------------------------------------------------------------
def test_register_writes_once_and_shows_in_the_read_model_and_matching(app: App) -> None:
    shown: VolunteerView = app.handle(c.RegisterVolunteer(actor=OPERATOR, registration=registration()))
    volunteer = shown.volunteer
    assert shown.personal and volunteer.id.startswith("vol_") and volunteer.version == 1
    assert app.repository.writes == [Write("add", volunteer.id, 1, (ev.VOLUNTEER_REGISTERED,))]
    [event] = app.repository.events
    assert event.payload["header"] == {
        "aggregateVersion": "1",
        "actorPersonId": "op-1",
        "actorRole": "operator",
        "requestId": "req-op",
    }
    assert app.directory.find(Volunteer, volunteer.id) is volunteer
    assert app.directory.volunteer_of_person("person-1") is volunteer
    assert match_ids(app, "plumbing") == [volunteer.id]


def test_a_retried_registration_returns_the_first_and_a_second_profile_is_refused(app: App) -> None:
    first = register(app, key="k1")
    assert register(app, key="k1") is first
    before = untouched(app)
    with pytest.raises(AlreadyExists) as refused:
        register(app, key="k2")
    assert refused.value.field == "person_id" and first.id in str(refused.value)
    assert untouched(app) == before


def test_who_may_register(app: App) -> None:
    me = actor("person-9")
    mine = app.handle(c.RegisterVolunteer(actor=me, registration=registration(person_id="")))
    assert mine.volunteer.person_id == "person-9" and mine.personal
    before = untouched(app)
    with pytest.raises(PermissionDenied):
        register(app, actor("person-8"), person_id="person-7")
    with pytest.raises(Unauthenticated):
        register(app, ANONYMOUS, person_id="person-7")
    assert untouched(app) == before
    street_admin = actor("admin-s", f"admin@{STREET}")
    assert register(app, street_admin, person_id="person-7").home_community_id == EAST  # EAST lies below STREET
    assert EAST in app.organizations.asked


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"skills": ["plumbing", "juggling"]}, "skills[1]"),
        ({"home": None}, "home"),
        ({"display_name": ""}, "display_name"),
        ({"max_concurrent_tasks": 99}, "max_concurrent_tasks"),
    ],
)
def test_a_bad_registration_names_the_field_and_stores_nothing(app: App, overrides: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidArgument) as refused:
        register(app, **overrides)
    assert refused.value.field == field
    assert untouched(app) == ([], {}, {}, {})
    assert len(app.directory.index) == 0


def test_an_idempotency_key_is_bounded(app: App) -> None:
    with pytest.raises(InvalidArgument) as refused:
        register(app, key="k" * 201)
    assert refused.value.field == "idempotency_key"


def test_update_writes_a_new_version_and_reindexes(app: App) -> None:
    volunteer = register(app)
    app.clock.advance(minutes=1)
    shown = app.handle(
        c.UpdateVolunteer(
            actor=actor("person-1"),
            volunteer_id=volunteer.id,
            expected_version=1,
            paths=("skills",),
            changes=ProfileChanges(skills=["tutoring"]),
        )
    )
    assert shown.volunteer.version == 2 and shown.volunteer.skills == ("tutoring",) and shown.personal
    assert app.repository.writes[-1] == Write("save", volunteer.id, 2, (ev.VOLUNTEER_UPDATED,))
    assert match_ids(app, "plumbing") == [] and match_ids(app, "tutoring") == [volunteer.id]
    found = app.handle(c.SearchVolunteers(actor=OPERATOR, skill="tutoring"))
    assert [v.volunteer.id for v in found] == [volunteer.id]
    assert app.handle(c.SearchVolunteers(actor=OPERATOR, skill="plumbing")) == []


def test_an_update_that_changes_nothing_writes_nothing(app: App) -> None:
    volunteer = register(app)
    writes = list(app.repository.writes)
    shown = app.handle(
        c.UpdateVolunteer(actor=OPERATOR, volunteer_id=volunteer.id, changes=ProfileChanges(display_name="王秀英"))
    )
    assert shown.volunteer.version == 1 and app.repository.writes == writes


def test_refused_updates_leave_data_untouched(app: App) -> None:
    volunteer = register(app)
    before = untouched(app)
    change = ProfileChanges(display_name="Other")
    with pytest.raises(Conflict) as stale:
        app.handle(c.UpdateVolunteer(actor=OPERATOR, volunteer_id=volunteer.id, expected_version=7, changes=change))
    assert stale.value.field == "expected_version"
    with pytest.raises(PermissionDenied):
        app.handle(c.UpdateVolunteer(actor=actor("person-2"), volunteer_id=volunteer.id, changes=change))
    with pytest.raises(InvalidArgument) as bad_path:
        app.handle(c.UpdateVolunteer(actor=OPERATOR, volunteer_id=volunteer.id, paths=("nope",), changes=change))
    assert bad_path.value.field == "update_mask.paths[0]"
    with pytest.raises(NotFound):
        app.handle(c.UpdateVolunteer(actor=OPERATOR, volunteer_id="vol_missing", changes=change))
    with pytest.raises(InvalidArgument) as no_id:
        app.handle(c.UpdateVolunteer(actor=OPERATOR, volunteer_id="", changes=change))
    assert no_id.value.field == "id"
    assert untouched(app) == before
    assert app.directory.find(Volunteer, volunteer.id) is volunteer and volunteer.display_name == "王秀英"


def test_a_stale_stored_version_is_a_conflict_and_changes_nothing(app: App) -> None:
    """Another writer moved the stored document on: the version-checked write refuses."""
    volunteer = register(app)
    app.repository.versions[volunteer.id] = 5
    before = untouched(app)
    with pytest.raises(Conflict):
        app.handle(c.SuspendVolunteer(actor=OPERATOR, volunteer_id=volunteer.id, reason="on leave"))
    assert untouched(app) == before
    assert app.directory.find(Volunteer, volunteer.id) is volunteer and volunteer.active
    assert match_ids(app, "plumbing") == [volunteer.id]


def test_suspend_and_reactivate(app: App) -> None:
    volunteer = register(app)
    with pytest.raises(PermissionDenied):
        app.handle(c.SuspendVolunteer(actor=actor("person-1"), volunteer_id=volunteer.id, reason="tired"))
    admin = actor("admin-e", f"admin@{EAST}")
    suspended = app.handle(
        c.SuspendVolunteer(actor=admin, volunteer_id=volunteer.id, expected_version=1, reason="on leave")
    ).volunteer
    assert not suspended.active and suspended.version == 2 and match_ids(app, "plumbing") == []
    writes = list(app.repository.writes)
    again = app.handle(c.SuspendVolunteer(actor=admin, volunteer_id=volunteer.id, reason="on leave")).volunteer
    assert again.version == 2 and app.repository.writes == writes
    with pytest.raises(InvalidArgument) as no_reason:
        app.handle(c.SuspendVolunteer(actor=admin, volunteer_id=volunteer.id, reason=" "))
    assert no_reason.value.field == "reason"
    assert app.handle(c.SearchVolunteers(actor=OPERATOR, community_id=EAST)) == []
    assert len(app.handle(c.SearchVolunteers(actor=OPERATOR, community_id=EAST, include_suspended=True))) == 1
    active = app.handle(c.ReactivateVolunteer(actor=admin, volunteer_id=volunteer.id, expected_version=2)).volunteer
    assert active.active and active.version == 3 and match_ids(app, "plumbing") == [volunteer.id]
    assert [w.event_types for w in app.repository.writes[-1:]] == [(ev.VOLUNTEER_REACTIVATED,)]
    with pytest.raises(PermissionDenied):
        app.handle(c.ReactivateVolunteer(actor=actor("admin-w", f"admin@{WEST}"), volunteer_id=volunteer.id))


def test_get_volunteer_by_id_or_person_with_personal_data_only_for_self_and_staff(app: App) -> None:
    volunteer = register(app)
    by_id = app.handle(c.GetVolunteer(actor=actor("stranger"), volunteer_id=volunteer.id))
    assert by_id.volunteer is volunteer and not by_id.personal
    by_person = app.handle(c.GetVolunteer(actor=actor("person-1"), person_id="person-1"))
    assert by_person.volunteer is volunteer and by_person.personal
    with pytest.raises(NotFound) as unknown_person:
        app.handle(c.GetVolunteer(actor=OPERATOR, person_id="nobody"))
    assert unknown_person.value.field == "person_id"
    with pytest.raises(InvalidArgument):
        app.handle(c.GetVolunteer(actor=OPERATOR))
    with pytest.raises(NotFound):
        app.handle(c.GetVolunteer(actor=OPERATOR, volunteer_id="vol_missing"))


def test_identity_card(app: App) -> None:
    volunteer = register(app, posts=["safety_patrol"])
    team = app.handle(
        c.CreateTeam(actor=OPERATOR, name="巡逻队", leader_volunteer_id=volunteer.id, owning_organization_id=EAST)
    )
    card = app.handle(c.GetIdentityCard(actor=ANONYMOUS, volunteer_id=volunteer.id))
    assert card.teams == ((team.id, "巡逻队", True),) and [p.code for p in card.posts] == ["safety_patrol"]
    with pytest.raises(NotFound) as unknown:
        app.handle(c.GetIdentityCard(actor=ANONYMOUS, volunteer_id="vol_missing"))
    assert unknown.value.field == "volunteer_id"


def test_search_filters(app: App) -> None:
    east = register(app, person_id="p-east", skills=["plumbing"], posts=["safety_patrol"])
    west = register(app, person_id="p-west", home_community_id=WEST, workplace_community_id=EAST, skills=["tutoring"])
    team = app.handle(c.CreateTeam(actor=OPERATOR, name="T", leader_volunteer_id=west.id, owning_organization_id=WEST))

    def ids(**filters: Any) -> list[str]:
        return [v.volunteer.id for v in app.handle(c.SearchVolunteers(actor=OPERATOR, **filters))]

    assert ids(community_id=EAST) == sorted([east.id, west.id])
    assert ids(community_id=EAST, skill="Tutoring") == [west.id]
    assert ids(post="safety_patrol") == [east.id]
    assert ids(team_id=team.id) == [west.id]
    for filters, field in (({}, "community_id"), ({"skill": "juggling"}, "skill"), ({"post": "mayor"}, "post")):
        with pytest.raises(InvalidArgument) as refused:
            ids(**filters)
        assert refused.value.field == field
    with pytest.raises(NotFound) as no_team:
        ids(team_id="team_missing")
    assert no_team.value.field == "team_id"


def test_match_ranks_with_breakdowns_and_resolves_category_skills(app: App) -> None:
    near = register(app, person_id="p-near")
    far = register(app, person_id="p-far", home=GeoPoint(28.68, 121.43))
    result = app.handle(c.MatchVolunteers(actor=OPERATOR, location=HOME, category="repairs.plumbing", at=NOW))
    assert result.skills == ("plumbing",)
    assert [x.volunteer_id for x in result.candidates] == [near.id, far.id]
    assert result.candidates[0].breakdown.total == result.candidates[0].score
    with pytest.raises(InvalidArgument) as no_location:
        app.handle(c.MatchVolunteers(actor=OPERATOR, location=None))
    assert no_location.value.field == "location"
    default_time = app.handle(c.MatchVolunteers(actor=OPERATOR, location=HOME, skills=("plumbing",)))
    assert len(default_time.candidates) == 2  # at defaults to the clock


def test_catalogue_queries(app: App) -> None:
    posts = app.handle(c.ListPosts(actor=ANONYMOUS))
    skills = app.handle(c.ListSkills(actor=ANONYMOUS))
    assert posts[0].code == "civility_persuasion" and skills[0].code == "electrical_repair"


# -- teams ------------------------------------------------------------------------------------------
def test_create_team_lists_it_on_the_leader_and_refuses_a_second_of_the_same_name(app: App) -> None:
    leader = register(app)
    team = app.handle(
        c.CreateTeam(
            actor=OPERATOR,
            idempotency_key="t1",
            name="东山应急突击队",
            leader_volunteer_id=leader.id,
            focus="emergency",
            owning_organization_id=EAST,
            rapid_response=True,
        )
    )
    assert team.member_ids == (leader.id,) and team.version == 1
    assert app.repository.writes[-1] == Write("add", team.id, 1, (ev.TEAM_CREATED,))
    assert app.directory.find(Volunteer, leader.id).team_ids == (team.id,)  # type: ignore[union-attr]
    assert app.repository.versions[leader.id] == 1  # the leader's document is not written
    retry = app.handle(
        c.CreateTeam(
            actor=OPERATOR,
            idempotency_key="t1",
            name="东山应急突击队",
            leader_volunteer_id=leader.id,
            focus="emergency",
            owning_organization_id=EAST,
            rapid_response=True,
        )
    )
    assert retry is team
    with pytest.raises(Conflict) as other_payload:  # the same key for another team (issue 10)
        app.handle(
            c.CreateTeam(
                actor=OPERATOR,
                idempotency_key="t1",
                name="东山应急突击队",
                leader_volunteer_id=leader.id,
                owning_organization_id=EAST,
            )
        )
    assert other_payload.value.field == "idempotency_key"
    before = untouched(app)
    with pytest.raises(AlreadyExists) as same_name:
        app.handle(
            c.CreateTeam(
                actor=OPERATOR, name=" 东山应急突击队 ", leader_volunteer_id=leader.id, owning_organization_id=EAST
            )
        )
    assert same_name.value.field == "name"
    with pytest.raises(PermissionDenied):
        app.handle(
            c.CreateTeam(
                actor=actor("person-1"), name="Mine", leader_volunteer_id=leader.id, owning_organization_id=EAST
            )
        )
    with pytest.raises(NotFound) as no_leader:
        app.handle(
            c.CreateTeam(actor=OPERATOR, name="X", leader_volunteer_id="vol_missing", owning_organization_id=EAST)
        )
    assert no_leader.value.field == "leader_volunteer_id"
    assert untouched(app) == before


def test_a_suspended_leader_cannot_create_a_team(app: App) -> None:
    leader = register(app)
    app.handle(c.SuspendVolunteer(actor=OPERATOR, volunteer_id=leader.id, reason="away"))
    before = untouched(app)
    with pytest.raises(FailedPrecondition) as refused:
        app.handle(c.CreateTeam(actor=OPERATOR, name="X", leader_volunteer_id=leader.id, owning_organization_id=EAST))
    assert refused.value.field == "leader_volunteer_id"
    assert untouched(app) == before


def test_join_and_leave_write_the_team_only(app: App) -> None:
    leader = register(app, person_id="p-lead")
    member = register(app, person_id="p-member")
    team = app.handle(
        c.CreateTeam(actor=OPERATOR, name="T", leader_volunteer_id=leader.id, owning_organization_id=EAST)
    )
    joined = app.handle(c.JoinTeam(actor=actor("p-lead"), team_id=team.id, volunteer_id=member.id, expected_version=1))
    assert joined.member_ids == (leader.id, member.id) and joined.version == 2
    assert app.repository.writes[-1] == Write("save", team.id, 2, (ev.TEAM_MEMBER_JOINED,))
    assert app.directory.find(Volunteer, member.id).team_ids == (team.id,)  # type: ignore[union-attr]
    assert app.repository.versions[member.id] == 1
    writes = list(app.repository.writes)
    assert app.handle(c.JoinTeam(actor=actor("p-member"), team_id=team.id, volunteer_id=member.id)).version == 2
    assert app.repository.writes == writes  # joining twice changes nothing
    left = app.handle(c.LeaveTeam(actor=actor("p-member"), team_id=team.id, volunteer_id=member.id))
    assert left.member_ids == (leader.id,) and left.version == 3
    assert app.directory.find(Volunteer, member.id).team_ids == ()  # type: ignore[union-attr]
    assert [v.volunteer.id for v in app.handle(c.SearchVolunteers(actor=OPERATOR, team_id=team.id))] == [leader.id]


def test_refused_membership_changes_leave_data_untouched(app: App) -> None:
    leader = register(app, person_id="p-lead")
    member = register(app, person_id="p-member")
    team = app.handle(
        c.CreateTeam(actor=OPERATOR, name="T", leader_volunteer_id=leader.id, owning_organization_id=EAST)
    )
    before = untouched(app)
    with pytest.raises(PermissionDenied):
        app.handle(c.JoinTeam(actor=actor("stranger"), team_id=team.id, volunteer_id=member.id))
    with pytest.raises(Conflict):
        app.handle(c.JoinTeam(actor=OPERATOR, team_id=team.id, volunteer_id=member.id, expected_version=4))
    with pytest.raises(FailedPrecondition) as leader_leaves:
        app.handle(c.LeaveTeam(actor=OPERATOR, team_id=team.id, volunteer_id=leader.id))
    assert leader_leaves.value.field == "volunteer_id"
    with pytest.raises(NotFound) as no_team:
        app.handle(c.JoinTeam(actor=OPERATOR, team_id="team_missing", volunteer_id=member.id))
    assert no_team.value.field == "team_id"
    with pytest.raises(NotFound) as no_volunteer:
        app.handle(c.JoinTeam(actor=OPERATOR, team_id=team.id, volunteer_id="vol_missing"))
    assert no_volunteer.value.field == "volunteer_id"
    app.handle(c.SuspendVolunteer(actor=OPERATOR, volunteer_id=member.id, reason="away"))
    before = untouched(app)
    with pytest.raises(FailedPrecondition):
        app.handle(c.JoinTeam(actor=OPERATOR, team_id=team.id, volunteer_id=member.id))
    assert untouched(app) == before


def test_roster_and_list_teams(app: App) -> None:
    leader = register(app, person_id="p-lead")
    member = register(app, person_id="p-member")
    rapid = app.handle(
        c.CreateTeam(
            actor=OPERATOR,
            name="b rapid",
            leader_volunteer_id=leader.id,
            focus="Flood",
            owning_organization_id=EAST,
            rapid_response=True,
        )
    )
    other = app.handle(
        c.CreateTeam(actor=OPERATOR, name="A quiet", leader_volunteer_id=member.id, owning_organization_id=WEST)
    )
    app.handle(c.JoinTeam(actor=OPERATOR, team_id=rapid.id, volunteer_id=member.id))
    team, cards = app.handle(c.GetTeamRoster(actor=ANONYMOUS, team_id=rapid.id))
    assert team.member_ids == (leader.id, member.id)
    assert [(card.volunteer_id, card.teams) for card in cards] == [
        (leader.id, ((rapid.id, "b rapid", True),)),
        (member.id, ((other.id, "A quiet", True), (rapid.id, "b rapid", False))),
    ]
    with pytest.raises(NotFound):
        app.handle(c.GetTeamRoster(actor=ANONYMOUS, team_id="team_missing"))

    def names(**filters: Any) -> list[str]:
        return [t.name for t in app.handle(c.ListTeams(actor=ANONYMOUS, **filters))]

    assert names() == ["A quiet", "b rapid"]
    assert names(owning_organization_id=EAST) == ["b rapid"]
    assert names(focus=" flood ") == ["b rapid"] and names(rapid_response_only=True) == ["b rapid"]


# -- points and hours -------------------------------------------------------------------------------
def rated(
    app: App, volunteer: Volunteer, request_id: str = "req-1", event_id: str = "evt-rated-1", stars: int = 5
) -> list[LedgerEntry]:
    entries: list[LedgerEntry] = app.handle(
        c.CreditRating(
            actor=Actor.system(""),
            request_id=request_id,
            volunteer_id=volunteer.id,
            event_id=event_id,
            stars=stars,
            rated_at=NOW + timedelta(days=1),
        )
    )
    return entries


def test_resolution_then_rating_credits_home_and_workplace_once(app: App) -> None:
    volunteer = register(app, workplace_community_id=WEST)
    app.handle(
        c.RecordResolution(
            actor=Actor.system(""),
            request_id="req-1",
            volunteer_id=volunteer.id,
            event_id="evt-resolved",
            hours=2.0,
            resolved_at=NOW,
        )
    )
    entries = rated(app, volunteer)
    assert [(e.kind, e.credited_community_id, e.hours, e.points) for e in entries] == [
        (LedgerEntryKind.HOME, EAST, 2.0, 38),
        (LedgerEntryKind.WORKPLACE, WEST, 2.0, 38),
    ]
    assert all(e.occurred_at == NOW for e in entries)
    assert [e.type for e in app.ledger.events] == [ev.POINTS_CREDITED] * 2
    assert app.ledger.events[0].payload["header"] == {
        "aggregateVersion": "1",
        "actorPersonId": "system",
        "actorRole": "system",
    }
    # A replayed event (the consumer crashed before recording it) credits nothing twice.
    assert rated(app, volunteer) == entries
    assert len(app.ledger.events) == 2 and len(app.ledger.entries) == 2
    balance = app.handle(c.GetPointsBalance(actor=ANONYMOUS, volunteer_id=volunteer.id))
    assert (balance.total_points, balance.service_hours, balance.entry_count) == (76, 2.0, 2)
    # The same event replayed with other amounts is a Conflict, not a second truth.
    app.ledger.resolutions["req-1"] = app.ledger.resolutions["req-1"].__class__(
        request_id="req-1", volunteer_id=volunteer.id, hours=3.0, resolved_at=NOW, cause_event_id="evt-resolved"
    )
    with pytest.raises(Conflict):
        rated(app, volunteer)
    assert len(app.ledger.entries) == 2


def test_a_rating_without_resolution_or_of_a_stranger(app: App) -> None:
    volunteer = register(app)
    [entry] = rated(app, volunteer, request_id="req-2", stars=3)
    assert (entry.hours, entry.points, entry.occurred_at) == (0.0, 5, NOW + timedelta(days=1))
    nobody = Volunteer(
        **{
            **{
                f: getattr(volunteer, f)
                for f in (
                    "person_id",
                    "display_name",
                    "home_community_id",
                    "service_radius_km",
                    "home",
                    "created_at",
                    "updated_at",
                )
            },
            "id": "vol_unknown",
        }
    )
    assert rated(app, nobody, request_id="req-3") == []
    app.handle(
        c.RecordResolution(
            actor=Actor.system(""),
            request_id="req-4",
            volunteer_id="vol_unknown",
            event_id="e",
            hours=1.0,
            resolved_at=NOW,
        )
    )
    assert app.ledger.resolutions == {}


def test_corrections(app: App) -> None:
    volunteer = register(app)
    [credit] = rated(app, volunteer)
    admin = actor("admin-e", f"admin@{EAST}")
    fix = c.RecordCorrection(
        actor=admin,
        idempotency_key="fix-1",
        volunteer_id=volunteer.id,
        hours_delta=-0.5,
        points_delta=-5,
        reason="typo",
        corrects_entry_id=credit.id,
    )
    entry = app.handle(fix)
    assert (entry.kind, entry.credited_community_id, entry.recorded_by) == (LedgerEntryKind.CORRECTION, EAST, "admin-e")
    assert app.ledger.events[-1].payload["header"]["actorPersonId"] == "admin-e"
    app.clock.advance(hours=1)
    assert app.handle(fix) == entry and len(app.ledger.entries) == 2  # a retry
    before = untouched(app)
    with pytest.raises(Conflict):
        app.handle(
            c.RecordCorrection(
                actor=admin,
                idempotency_key="fix-1",
                volunteer_id=volunteer.id,
                hours_delta=-1.0,
                points_delta=-5,
                reason="typo",
                corrects_entry_id=credit.id,
            )
        )
    with pytest.raises(PermissionDenied):
        app.handle(
            c.RecordCorrection(
                actor=actor("admin-w", f"admin@{WEST}"),
                idempotency_key="fix-2",
                volunteer_id=volunteer.id,
                points_delta=5,
                reason="bonus",
            )
        )
    with pytest.raises(NotFound) as unknown_entry:
        app.handle(
            c.RecordCorrection(
                actor=admin,
                idempotency_key="fix-3",
                volunteer_id=volunteer.id,
                points_delta=5,
                reason="x",
                corrects_entry_id="led_missing",
            )
        )
    assert unknown_entry.value.field == "corrects_entry_id"
    with pytest.raises(InvalidArgument) as nothing:
        app.handle(c.RecordCorrection(actor=admin, idempotency_key="fix-4", volunteer_id=volunteer.id, reason="x"))
    assert nothing.value.field == "points_delta"
    assert untouched(app) == before and len(app.ledger.entries) == 2


def test_balance_history_and_leaderboard(app: App) -> None:
    first = register(app, person_id="p-1")
    second = register(app, person_id="p-2", display_name="李")
    rated(app, first, request_id="req-1", event_id="e1", stars=5)
    rated(app, second, request_id="req-2", event_id="e2", stars=1)
    history = app.handle(c.ListLedgerEntries(actor=ANONYMOUS, volunteer_id=first.id))
    assert [e.volunteer_id for e in history] == [first.id]
    assert app.handle(c.ListLedgerEntries(actor=ANONYMOUS, volunteer_id=first.id, community_id=WEST)) == []
    board = app.handle(c.GetLeaderboard(actor=ANONYMOUS, community_id=EAST, period=LeaderboardPeriod.MONTH))
    assert [(r.rank, r.volunteer_id) for r in board.rows] == [(1, first.id), (2, second.id)]
    assert board.names == {first.id: "王秀英", second.id: "李"} and board.bounds is not None
    everything = app.handle(
        c.GetLeaderboard(actor=ANONYMOUS, community_id=EAST, period=LeaderboardPeriod.ALL_TIME, limit=1)
    )
    assert everything.bounds is None and len(everything.rows) == 1
    for bad, field in (
        (c.GetLeaderboard(community_id=" ", period=LeaderboardPeriod.WEEK), "community_id"),
        (c.GetLeaderboard(community_id=EAST, period=LeaderboardPeriod.WEEK, limit=101), "limit"),
    ):
        with pytest.raises(InvalidArgument) as refused:
            app.handle(bad)
        assert refused.value.field == field
    with pytest.raises(NotFound):
        app.handle(c.GetPointsBalance(actor=ANONYMOUS, volunteer_id="vol_missing"))
    with pytest.raises(InvalidArgument):
        app.handle(c.ListLedgerEntries(actor=ANONYMOUS, volunteer_id=""))


# -- tasks (the requests consumer's commands) -----------------------------------------------------
def test_tasks_move_between_holders_and_feed_matching(app: App) -> None:
    first = register(app, person_id="p-1")
    second = register(app, person_id="p-2")
    system = Actor.system("")
    app.handle(c.AssignTask(actor=system, request_id="req-1", volunteer_id=first.id))
    held = app.directory.find(Volunteer, first.id)
    assert held is not None and held.open_request_ids == ("req-1",) and held.open_tasks == 1 and held.version == 2
    assert held.recent_assignments.count == 1.0
    assert app.repository.writes[-1] == Write("save", first.id, 2, ())  # load changes carry no event
    assert app.directory.holder_of("req-1") == first.id
    breakdown = {
        x.volunteer_id: x.breakdown
        for x in app.handle(c.MatchVolunteers(actor=OPERATOR, location=HOME, skills=("plumbing",), at=NOW)).candidates
    }
    assert breakdown[first.id].load < breakdown[second.id].load  # the index saw the load
    writes = list(app.repository.writes)
    app.handle(c.AssignTask(actor=system, request_id="req-1", volunteer_id=first.id))
    assert app.repository.writes == writes  # a replay changes nothing
    app.handle(c.AssignTask(actor=system, request_id="req-1", volunteer_id=second.id))
    assert [w.aggregate_id for w in app.repository.writes[len(writes) :]] == [first.id, second.id]
    assert app.directory.holder_of("req-1") == second.id
    assert app.directory.find(Volunteer, first.id).open_tasks == 0  # type: ignore[union-attr]
    app.handle(c.ReleaseTask(actor=system, request_id="req-1"))
    assert app.directory.holder_of("req-1") == "" and app.directory.find(Volunteer, second.id).open_tasks == 0  # type: ignore[union-attr]
    writes = list(app.repository.writes)
    app.handle(c.ReleaseTask(actor=system, request_id="req-1"))
    app.handle(c.AssignTask(actor=system, request_id="req-2", volunteer_id="vol_unknown"))
    assert app.repository.writes == writes and app.directory.holder_of("req-2") == ""


def test_a_failed_write_of_a_move_leaves_the_read_model_as_it_was(app: App) -> None:
    first = register(app, person_id="p-1")
    app.handle(c.AssignTask(actor=Actor.system(""), request_id="req-1", volunteer_id=first.id))
    app.repository.versions[first.id] = 9
    held = app.directory.find(Volunteer, first.id)
    with pytest.raises(Conflict):
        app.handle(c.ReleaseTask(actor=Actor.system(""), request_id="req-1"))
    assert app.directory.find(Volunteer, first.id) is held and app.directory.holder_of("req-1") == first.id


def test_concurrent_commands_on_different_volunteers_all_land(app: App) -> None:
    people = [register(app, person_id=f"p-{i}") for i in range(8)]
    errors: list[BaseException] = []

    def work(volunteer: Volunteer, i: int) -> None:
        try:
            for n in range(5):
                app.handle(c.AssignTask(actor=Actor.system(""), request_id=f"req-{i}-{n}", volunteer_id=volunteer.id))
            app.handle(
                c.UpdateVolunteer(
                    actor=OPERATOR, volunteer_id=volunteer.id, changes=ProfileChanges(display_name=f"V{i}")
                )
            )
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=work, args=(v, i)) for i, v in enumerate(people)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    for i, volunteer in enumerate(people):
        now = app.directory.find(Volunteer, volunteer.id)
        assert now is not None and now.open_tasks == 5 and now.display_name == f"V{i}" and now.version == 7
        assert app.repository.versions[volunteer.id] == 7
    assert len(app.directory.holders) == 40
