"""What the handlers share: the event context of a caller, idempotent ids and the digest of
a create's payload, look-ups that name the field at fault, and the types of what handlers
return."""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from linli.common import validation
from linli.common.commands import Actor, Command
from linli.common.domain_events import EventContext
from linli.common.errors import Conflict, InvalidArgument, NotFound
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
    """A fresh id, or the id derived from the caller and their idempotency key.

    The key is scoped to the caller's subject, so nobody reaches another caller's resource
    by guessing a key. Every create of this service needs an authenticated caller (checked
    before this), so there is no anonymous key space to scope."""
    if idempotency_key:
        return idempotent_id(prefix, actor.subject, rules.validate_idempotency_key(idempotency_key))
    return new_id(prefix)


_NOT_PAYLOAD = frozenset({"actor", "idempotency_key"})


def payload_digest(command: Command) -> str:
    """A digest of what a create asks for (every field but the caller and the key), stored
    with the new aggregate: a retry must ask for the same thing (``check_same_payload``)."""
    parts = [(f.name, getattr(command, f.name)) for f in dataclasses.fields(command) if f.name not in _NOT_PAYLOAD]
    return hashlib.sha256(repr(parts).encode()).hexdigest()


def check_same_payload(stored_digest: str, digest: str, what: str) -> None:
    """A retried create returns the first result only when it asks for the same thing;
    the same key with another payload is a Conflict (ABORTED). Aggregates stored before
    digests were kept ("") are accepted."""
    if stored_digest and stored_digest != digest:
        raise Conflict(
            f"idempotency_key: already used for a different {what}; use a new key for a new request",
            field="idempotency_key",
        )


def _checked_id(value: str, field: str) -> str:
    """An id to look up: required, and no longer than ids are (bounded work, short echoes)."""
    if not value:
        raise InvalidArgument(f"{field} is required", field=field)
    return validation.identifier(value, field)


def stored_volunteer(directory: VolunteersReadModel, volunteer_id: str, field: str = "id") -> Volunteer:
    """The stored volunteer (read-only), InvalidArgument when no id, NotFound when unknown."""
    found = directory.find(Volunteer, _checked_id(volunteer_id, field))
    if found is None:
        raise NotFound(f"volunteer {validation.echo(volunteer_id)} does not exist", field=field)
    return found


def stored_team(directory: VolunteersReadModel, team_id: str, field: str = "id") -> Team:
    found = directory.find(Team, _checked_id(team_id, field))
    if found is None:
        raise NotFound(f"team {validation.echo(team_id)} does not exist", field=field)
    return found


def working_volunteer(work: Work, volunteer_id: str, field: str = "id") -> Volunteer:
    """The unit of work's copy of a volunteer it locked (same errors as ``stored_volunteer``)."""
    found = work.get(Volunteer, _checked_id(volunteer_id, field))
    if found is None:
        raise NotFound(f"volunteer {validation.echo(volunteer_id)} does not exist", field=field)
    return found


def working_team(work: Work, team_id: str, field: str = "id") -> Team:
    found = work.get(Team, _checked_id(team_id, field))
    if found is None:
        raise NotFound(f"team {validation.echo(team_id)} does not exist", field=field)
    return found


def communities(volunteer: Volunteer) -> tuple[str, str]:
    return volunteer.home_community_id, volunteer.workplace_community_id
