"""What the handlers share: the event context of a caller, idempotent ids, look-ups that
name the field at fault, and the types of what handlers return."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from linli.common.commands import Actor
from linli.common.domain_events import EventContext
from linli.common.errors import InvalidArgument, NotFound
from linli.common.ids import idempotent_id, new_id
from linli.common.unit_of_work import Work
from linli.volunteers.domain import rules
from linli.volunteers.domain.model import Team, Volunteer
from linli.volunteers.service_layer.access import Access
from linli.volunteers.service_layer.ports import VolunteersReadModel

Clock = Callable[[], datetime]


@dataclass(frozen=True, slots=True)
class VolunteerView:
    """A volunteer as one caller may see it: ``personal`` says whether phone and home are shown."""

    volunteer: Volunteer
    personal: bool


def view(volunteer: Volunteer, actor: Actor, access: Access) -> VolunteerView:
    return VolunteerView(volunteer, access.may_see_personal(actor.identity, volunteer))


def context_of(actor: Actor) -> EventContext:
    """The caller, as recorded in event headers."""
    role = next((grant.role for grant in actor.identity.grants), "")
    return EventContext(actor_person_id=actor.subject, actor_role=role, request_id=actor.request_id)


def fresh_id(prefix: str, actor: Actor, idempotency_key: str) -> str:
    """A fresh id, or the id derived from the caller and their idempotency key."""
    if idempotency_key:
        return idempotent_id(prefix, actor.subject, rules.validate_idempotency_key(idempotency_key))
    return new_id(prefix)


def _required(value: str, field: str) -> None:
    if not value:
        raise InvalidArgument(f"{field} is required", field=field)


def stored_volunteer(directory: VolunteersReadModel, volunteer_id: str, field: str = "id") -> Volunteer:
    """The stored volunteer (read-only), InvalidArgument when no id, NotFound when unknown."""
    _required(volunteer_id, field)
    found = directory.find(Volunteer, volunteer_id)
    if found is None:
        raise NotFound(f"volunteer {volunteer_id} does not exist", field=field)
    return found


def stored_team(directory: VolunteersReadModel, team_id: str, field: str = "id") -> Team:
    _required(team_id, field)
    found = directory.find(Team, team_id)
    if found is None:
        raise NotFound(f"team {team_id} does not exist", field=field)
    return found


def working_volunteer(work: Work, volunteer_id: str, field: str = "id") -> Volunteer:
    """The unit of work's copy of a volunteer it locked (same errors as ``stored_volunteer``)."""
    _required(volunteer_id, field)
    found = work.get(Volunteer, volunteer_id)
    if found is None:
        raise NotFound(f"volunteer {volunteer_id} does not exist", field=field)
    return found


def working_team(work: Work, team_id: str, field: str = "id") -> Team:
    _required(team_id, field)
    found = work.get(Team, team_id)
    if found is None:
        raise NotFound(f"team {team_id} does not exist", field=field)
    return found


def communities(volunteer: Volunteer) -> tuple[str, str]:
    return volunteer.home_community_id, volunteer.workplace_community_id
