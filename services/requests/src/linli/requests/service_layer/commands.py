"""The requests service's use cases as data: one frozen dataclass per command or query.

Each carries the caller (``actor``, from the kit's ``Command``) and the inputs the gRPC
servicer, a timer or a test gives; ``handlers`` holds the function that runs each.
``expected_version`` 0 means "whatever the current version is".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from linli.common.commands import Command
from linli.requests.domain import statistics
from linli.requests.domain.lifecycle import Submission
from linli.requests.domain.model import (
    Assignee,
    Attachment,
    GeoPoint,
    ResidentGroup,
    RoundTableOutcome,
    RoundTableParty,
    Status,
    TextRedaction,
    Urgency,
)
from linli.requests.domain.roundtable import SplitPart
from linli.requests.domain.visits import VisitPlanDraft


@dataclass(frozen=True, kw_only=True)
class RequestCommand(Command):
    """A change to one request, at the version the caller last saw."""

    request_id: str
    expected_version: int = 0


# -- lifecycle --------------------------------------------------------------------------------
@dataclass(frozen=True, kw_only=True)
class SubmitRequest(Command):
    """``client_token`` scopes an anonymous caller's idempotency key (see ``handle_submit``)."""

    submission: Submission
    client_token: str = ""


@dataclass(frozen=True, kw_only=True)
class AcceptRequest(RequestCommand):
    category: str = ""
    urgency: Urgency | None = None
    note: str = ""


@dataclass(frozen=True, kw_only=True)
class RejectRequest(RequestCommand):
    reason: str = ""


@dataclass(frozen=True, kw_only=True)
class DispatchRequest(RequestCommand):
    assignee: Assignee
    note: str = ""


@dataclass(frozen=True, kw_only=True)
class OfferToVolunteers(RequestCommand):
    """Empty ``candidates``: the volunteers service's matching picks them."""

    candidates: tuple[str, ...] = ()
    batch_size: int = 0
    ttl_seconds: int = 0


@dataclass(frozen=True, kw_only=True)
class ClaimRequest(RequestCommand):
    pass


@dataclass(frozen=True, kw_only=True)
class DeclineOffer(RequestCommand):
    reason: str = ""


@dataclass(frozen=True, kw_only=True)
class StartWork(RequestCommand):
    note: str = ""


@dataclass(frozen=True, kw_only=True)
class ResolveRequest(RequestCommand):
    text: str = ""
    photos: tuple[Attachment, ...] = ()
    hours: float = 0.0


@dataclass(frozen=True, kw_only=True)
class RateRequest(RequestCommand):
    stars: int = 0
    comment: str = ""


@dataclass(frozen=True, kw_only=True)
class CloseRequest(RequestCommand):
    note: str = ""


@dataclass(frozen=True, kw_only=True)
class ReopenRequest(RequestCommand):
    reason: str = ""


@dataclass(frozen=True, kw_only=True)
class CancelRequest(RequestCommand):
    reason: str = ""


@dataclass(frozen=True, kw_only=True)
class TransferRequest(RequestCommand):
    to: Assignee
    reason: str = ""


@dataclass(frozen=True, kw_only=True)
class RespondToTransfer(RequestCommand):
    accept: bool = False
    reason: str = ""


@dataclass(frozen=True, kw_only=True)
class EscalateRequest(RequestCommand):
    reason: str = ""
    department_code: str = ""


@dataclass(frozen=True, kw_only=True)
class AcknowledgeEscalation(RequestCommand):
    note: str = ""


@dataclass(frozen=True, kw_only=True)
class FollowRequest(RequestCommand):
    unfollow: bool = False


@dataclass(frozen=True, kw_only=True)
class ModerateRequest(RequestCommand):
    """``hidden`` None leaves the visibility as it is."""

    hidden: bool | None = None
    redactions: tuple[TextRedaction, ...] = ()
    attachment_ids: tuple[str, ...] = ()
    reason: str = ""
    approve: bool = False


@dataclass(frozen=True, kw_only=True)
class ListPendingPublications(Command):
    """The moderation queue of the caller's scope (``scope_id`` narrows it)."""

    scope_id: str = ""


# -- round-table and duplicates --------------------------------------------------------------------
@dataclass(frozen=True, kw_only=True)
class StartRoundTable(RequestCommand):
    topic: str = ""
    parties: tuple[RoundTableParty, ...] = ()


@dataclass(frozen=True, kw_only=True)
class RecordMeeting(RequestCommand):
    held_at: datetime
    notes: str = ""
    attendees: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class ConcludeRoundTable(RequestCommand):
    outcome: RoundTableOutcome
    summary: str = ""
    parts: tuple[SplitPart, ...] = ()


@dataclass(frozen=True, kw_only=True)
class MergeRequests(Command):
    duplicate_id: str
    expected_version: int = 0
    original_id: str
    original_expected_version: int = 0
    reason: str = ""


# -- visits ------------------------------------------------------------------------------------------
@dataclass(frozen=True, kw_only=True)
class ScheduleVisits(Command):
    draft: VisitPlanDraft
    idempotency_key: str = ""


@dataclass(frozen=True, kw_only=True)
class StopVisitPlan(Command):
    plan_id: str
    expected_version: int = 0
    reason: str = ""


# -- timers (sent by the service itself) ---------------------------------------------------------------
@dataclass(frozen=True, kw_only=True)
class SweepDeadlines(Command):
    """Marks breaches and escalates every request whose deadline passed."""


@dataclass(frozen=True, kw_only=True)
class ExpireOffers(Command):
    """Moves every request whose offers expired on to its next candidates."""


@dataclass(frozen=True, kw_only=True)
class GenerateVisits(Command):
    """Creates the requests of every visit slot that is due."""


# -- queries -------------------------------------------------------------------------------------------
@dataclass(frozen=True, kw_only=True)
class GetRequest(Command):
    request_id: str


@dataclass(frozen=True, kw_only=True)
class ListRequests(Command):
    statuses: tuple[Status, ...] = ()
    categories: tuple[str, ...] = ()
    community_id: str = ""
    grid_id: str = ""
    street_id: str = ""
    scope_id: str = ""
    handler_id: str = ""
    submitted_from: datetime | None = None
    submitted_to: datetime | None = None
    breached_only: bool = False
    escalated_only: bool = False


@dataclass(frozen=True, kw_only=True)
class SuggestDuplicates(Command):
    """Duplicates of a stored request (``request_id``) or of a draft still being typed."""

    request_id: str = ""
    category: str = ""
    text: str = ""
    point: GeoPoint | None = None
    limit: int = 0


@dataclass(frozen=True, kw_only=True)
class ListVisitPlans(Command):
    scope_id: str = ""
    include_stopped: bool = False
    resident_person_id: str = ""
    resident_group: ResidentGroup | None = None


@dataclass(frozen=True, kw_only=True)
class GetStatistics(Command):
    scope_id: str = ""
    period_start: datetime
    period_end: datetime
    group_by: tuple[statistics.Dimension, ...] = ()
    granularity: statistics.Granularity = statistics.Granularity.MONTH
    categories: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class GetPublicBoard(Command):
    scope_id: str = ""
    period_start: datetime
    period_end: datetime
    recent_limit: int = 0


@dataclass(frozen=True, kw_only=True)
class ExportLedgerCsv(Command):
    scope_id: str = ""
    period_start: datetime
    period_end: datetime
    include_personal: bool = False


# -- open to anyone ----------------------------------------------------------------------------------------------
@dataclass(frozen=True, kw_only=True)
class ListCategories(Command):
    """The category catalogue (with the city's overrides); retired categories on request."""

    include_retired: bool = False


@dataclass(frozen=True, kw_only=True)
class ListPublicRequests(Command):
    """Published requests as the public sees them (``publication.feed_view``), newest first."""

    scope_id: str = ""
    categories: tuple[str, ...] = ()
    statuses: tuple[Status, ...] = ()
    submitted_from: datetime | None = None
    submitted_to: datetime | None = None
    request_ids: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class GetPublicRequest(Command):
    request_id: str
