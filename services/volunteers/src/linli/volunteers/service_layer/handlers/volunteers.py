"""Handlers of volunteer profiles: register, update, suspend, reactivate, and the queries
(get, identity card, search, match, the catalogue).

Commands lock the volunteer's id; registration also locks ``person:<id>``, the invariant
"one volunteer per person" that spans aggregates.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass

from linli.common import validation
from linli.common.errors import InvalidArgument, NotFound
from linli.common.unit_of_work import UnitOfWork
from linli.volunteers.domain import catalogue, matching, rules, volunteers
from linli.volunteers.domain.catalogue import CatalogueEntry
from linli.volunteers.domain.match_index import DEFAULT_K, MAX_K
from linli.volunteers.domain.matching import Candidate
from linli.volunteers.domain.model import Volunteer
from linli.volunteers.domain.volunteers import IdentityCard
from linli.volunteers.service_layer import commands as c
from linli.volunteers.service_layer.access import Access
from linli.volunteers.service_layer.handlers.common import (
    Clock,
    VolunteerView,
    check_same_payload,
    communities,
    context_of,
    fresh_id,
    payload_digest,
    stored_team,
    stored_volunteer,
    view,
    working_volunteer,
)
from linli.volunteers.service_layer.ports import VolunteersReadModel

#: Longest request category a match looks at (the catalogue's are far shorter).
CATEGORY_MAX_LENGTH = catalogue.CODE_MAX_LENGTH


@dataclass(frozen=True, slots=True)
class MatchResult:
    """The skills a match used and the ranked candidates."""

    skills: tuple[str, ...]
    candidates: list[Candidate]


def register_volunteer(
    command: c.RegisterVolunteer, uow: UnitOfWork, directory: VolunteersReadModel, access: Access, clock: Clock
) -> VolunteerView:
    actor = command.actor
    person_id = command.registration.person_id.strip() or actor.subject
    registration = dataclasses.replace(command.registration, person_id=person_id)
    access.require_self_or_staff(
        actor.identity,
        person_id,
        (registration.home_community_id, registration.workplace_community_id),
        "register this person as a volunteer",
    )
    volunteer_id = fresh_id("vol", actor, command.idempotency_key)
    digest = payload_digest(command)
    with uow.start(volunteer_id, f"person:{person_id}") as work:
        found = directory.find(Volunteer, volunteer_id)
        if found is not None:  # a retry of a registration that succeeded
            check_same_payload(found.request_hash, digest, "registration")
        else:
            found = volunteers.register(
                volunteer_id,
                registration,
                clock(),
                context=context_of(actor),
                existing_for_person=directory.volunteer_of_person(person_id),
            )
            found.request_hash = digest
            work.add(found)
            work.commit()
    return view(found, actor, access)


def update_volunteer(command: c.UpdateVolunteer, uow: UnitOfWork, access: Access, clock: Clock) -> VolunteerView:
    actor = command.actor
    with uow.start(command.volunteer_id) as work:
        working = working_volunteer(work, command.volunteer_id)
        access.require_self_or_staff(actor.identity, working.person_id, communities(working), "change this volunteer")
        changes = volunteers.changes_from_mask(command.paths, command.changes)
        volunteers.update(
            working, changes, clock(), expected_version=command.expected_version, context=context_of(actor)
        )
        work.commit()
    return view(working, actor, access)


def suspend_volunteer(command: c.SuspendVolunteer, uow: UnitOfWork, access: Access, clock: Clock) -> VolunteerView:
    actor = command.actor
    with uow.start(command.volunteer_id) as work:
        working = working_volunteer(work, command.volunteer_id)
        access.require_staff(actor.identity, communities(working), "suspend this volunteer")
        volunteers.suspend(
            working, command.reason, clock(), expected_version=command.expected_version, context=context_of(actor)
        )
        work.commit()
    return view(working, actor, access)


def reactivate_volunteer(
    command: c.ReactivateVolunteer, uow: UnitOfWork, access: Access, clock: Clock
) -> VolunteerView:
    actor = command.actor
    with uow.start(command.volunteer_id) as work:
        working = working_volunteer(work, command.volunteer_id)
        access.require_staff(actor.identity, communities(working), "reactivate this volunteer")
        volunteers.reactivate(working, clock(), expected_version=command.expected_version, context=context_of(actor))
        work.commit()
    return view(working, actor, access)


# -- queries --------------------------------------------------------------------------------------
def get_volunteer(command: c.GetVolunteer, directory: VolunteersReadModel, access: Access) -> VolunteerView:
    if command.volunteer_id or not command.person_id:
        return view(stored_volunteer(directory, command.volunteer_id), command.actor, access)
    # Which person is which volunteer is personal: only that person and staff may ask.
    who = command.actor.identity
    person_id = validation.identifier(command.person_id, "person_id")
    if not access.may_look_up_person(who, person_id):
        access.refuse(who, "look volunteers up by person id")
    found = directory.volunteer_of_person(person_id)
    if found is None:
        raise NotFound(f"person {validation.echo(person_id)} is not registered as a volunteer", field="person_id")
    shown = view(found, command.actor, access)
    if not shown.personal:
        access.refuse(who, "look this person up")
    return shown


def get_identity_card(command: c.GetIdentityCard, directory: VolunteersReadModel) -> IdentityCard:
    found = stored_volunteer(directory, command.volunteer_id, "volunteer_id")
    return volunteers.identity_card(found, directory.teams_of(found))


def search_volunteers(
    command: c.SearchVolunteers, directory: VolunteersReadModel, access: Access
) -> list[VolunteerView]:
    if not (command.community_id or command.skill or command.post or command.team_id):
        raise InvalidArgument("give at least one of community_id, skill, post or team_id", field="community_id")
    community_id = validation.optional_identifier(command.community_id, "community_id")
    skill_code = _code(command.skill, catalogue.skill, "skill")
    post_code = _code(command.post, catalogue.post, "post")
    team_id = stored_team(directory, command.team_id, "team_id").id if command.team_id else ""
    ids = directory.ids_matching(community_id, skill_code, post_code, team_id)
    found = [v for vid in sorted(ids) if (v := directory.find(Volunteer, vid)) is not None]
    return [view(v, command.actor, access) for v in found if command.include_suspended or v.active]


def match_volunteers(
    command: c.MatchVolunteers, directory: VolunteersReadModel, access: Access, clock: Clock
) -> MatchResult:
    """Ranked candidates. Dispatching roles see exact distances; every other caller gets
    them (and the distance part of the scores) in 0.5 km bands (``matching.coarsened``)."""
    location = command.location
    if location is None:
        raise InvalidArgument("location is required", field="location")
    rules.validate_point(location, "location")
    if len(command.category) > CATEGORY_MAX_LENGTH:
        raise validation.invalid("category", f"must be at most {CATEGORY_MAX_LENGTH} characters")
    k = validation.count_limit(command.k, "k", maximum=MAX_K, default=DEFAULT_K)
    used = matching.resolve_skills(command.skills, command.category)
    candidates = directory.match(location.lat, location.lng, command.skills, command.at or clock(), k, command.category)
    if not access.may_see_exact_distances(command.actor.identity):
        candidates = [matching.coarsened(found) for found in candidates]
    return MatchResult(used, candidates)


def list_posts(command: c.ListPosts) -> list[CatalogueEntry]:
    return catalogue.list_posts()


def list_skills(command: c.ListSkills) -> list[CatalogueEntry]:
    return catalogue.list_skills()


def _code(value: str, lookup: Callable[[str], CatalogueEntry | None], field: str) -> str:
    """A catalogue code given as a filter ("" when not given); InvalidArgument when unknown."""
    code = value.strip().lower() if len(value) <= catalogue.CODE_MAX_LENGTH else value
    if code and lookup(code) is None:
        raise InvalidArgument(
            f"{field}: unknown {field} {validation.echo(value)}; see the catalogue for valid codes", field=field
        )
    return code
