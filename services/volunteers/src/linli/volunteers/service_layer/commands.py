"""Every use case of the volunteers service as data: one frozen dataclass per command or
query, carrying its caller (``actor``, from the kit's ``Command``).

Entrypoints build them (the gRPC servicer from a request and ``Actor.current()``, the
requests consumer from an event, as the system) and hand them to the message bus;
``handlers`` runs them. Values arrive already converted from protobuf (domain types) but not
yet validated: validation is the domain's job.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from linli.common.commands import Command
from linli.volunteers.domain.ledger import LeaderboardPeriod
from linli.volunteers.domain.model import GeoPoint
from linli.volunteers.domain.volunteers import ProfileChanges, Registration

# -- volunteers ----------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class RegisterVolunteer(Command):
    """Registers the caller (or, for staff, ``registration.person_id``); a retry with the same
    idempotency key returns the first result."""

    idempotency_key: str = ""
    registration: Registration


@dataclass(frozen=True, kw_only=True)
class UpdateVolunteer(Command):
    """Changes profile fields: with ``paths`` (an update mask) exactly those, else every
    field set in ``changes``. Skills, posts and availability change here too."""

    volunteer_id: str
    expected_version: int = 0
    paths: tuple[str, ...] = ()
    changes: ProfileChanges


@dataclass(frozen=True, kw_only=True)
class SuspendVolunteer(Command):
    volunteer_id: str
    expected_version: int = 0
    reason: str = ""


@dataclass(frozen=True, kw_only=True)
class ReactivateVolunteer(Command):
    volunteer_id: str
    expected_version: int = 0


@dataclass(frozen=True, kw_only=True)
class GetVolunteer(Command):
    """By id, or by person id when the id is empty."""

    volunteer_id: str = ""
    person_id: str = ""


@dataclass(frozen=True, kw_only=True)
class GetIdentityCard(Command):
    volunteer_id: str


@dataclass(frozen=True, kw_only=True)
class SearchVolunteers(Command):
    """Volunteers passing every filter given (at least one), ordered by id."""

    community_id: str = ""
    skill: str = ""
    post: str = ""
    team_id: str = ""
    include_suspended: bool = False


@dataclass(frozen=True, kw_only=True)
class MatchVolunteers(Command):
    """The best k volunteers for a request at ``location`` (0: the default k)."""

    location: GeoPoint | None
    skills: tuple[str, ...] = ()
    category: str = ""
    at: datetime | None = None
    k: int = 0


# -- catalogue ------------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class ListPosts(Command):
    pass


@dataclass(frozen=True, kw_only=True)
class ListSkills(Command):
    pass


# -- teams ---------------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class CreateTeam(Command):
    idempotency_key: str = ""
    name: str
    leader_volunteer_id: str
    focus: str = ""
    owning_organization_id: str
    rapid_response: bool = False


@dataclass(frozen=True, kw_only=True)
class JoinTeam(Command):
    team_id: str
    volunteer_id: str
    expected_version: int = 0


@dataclass(frozen=True, kw_only=True)
class LeaveTeam(Command):
    team_id: str
    volunteer_id: str
    expected_version: int = 0


@dataclass(frozen=True, kw_only=True)
class GetTeamRoster(Command):
    team_id: str


@dataclass(frozen=True, kw_only=True)
class ListTeams(Command):
    """Teams passing the filters, ordered by name (then id)."""

    owning_organization_id: str = ""
    focus: str = ""
    rapid_response_only: bool = False


# -- points and hours ---------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class RecordCorrection(Command):
    idempotency_key: str
    volunteer_id: str
    community_id: str = ""
    hours_delta: float = 0.0
    points_delta: int = 0
    reason: str
    corrects_entry_id: str = ""
    request_id: str = ""


@dataclass(frozen=True, kw_only=True)
class GetPointsBalance(Command):
    volunteer_id: str


@dataclass(frozen=True, kw_only=True)
class ListLedgerEntries(Command):
    volunteer_id: str
    community_id: str = ""


@dataclass(frozen=True, kw_only=True)
class GetLeaderboard(Command):
    community_id: str
    period: LeaderboardPeriod
    at: datetime | None = None
    limit: int = 0


# -- the requests service's events (requests consumer) -------------------------------------------


@dataclass(frozen=True, kw_only=True)
class AssignTask(Command):
    """The request is in ``volunteer_id``'s hands after this event (claimed, dispatched to
    them, reopened while assigned...): it moves to them from whoever held it."""

    request_id: str
    volunteer_id: str


@dataclass(frozen=True, kw_only=True)
class ReleaseTask(Command):
    """Nobody holds the request after this event (resolved, cancelled, transferred away...)."""

    request_id: str


@dataclass(frozen=True, kw_only=True)
class RecordResolution(Command):
    """A volunteer resolved the request: remember the hours until it is rated."""

    request_id: str
    volunteer_id: str
    event_id: str
    hours: float
    resolved_at: datetime


@dataclass(frozen=True, kw_only=True)
class CreditRating(Command):
    """The resolved request was rated: credit hours and points (idempotent on ``event_id``)."""

    request_id: str
    volunteer_id: str
    event_id: str
    stars: int
    rated_at: datetime
