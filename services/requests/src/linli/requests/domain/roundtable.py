"""Round-tables (议事协商): a hard case becomes a deliberation with invited parties and
meeting records (Jiaojiang met 13 times to add 8 parking spaces).

The request sits in DELIBERATING while meetings are recorded. The conclusion either
resolves it (the summary is the result) or splits it into new requests, one per agreed
piece of work: those are created here as ACCEPTED requests (the deliberation already took
them in) that keep the parent's requester, place and followers and point back with
``split_from_id``; the parent is CLOSED with ``split_into_ids``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Final

from linli.common.errors import FailedPrecondition, InvalidArgument

from . import events as ev
from . import rules
from .catalogue import DEFAULT_CATALOGUE, Catalogue
from .lifecycle import Submission, accept, submit
from .model import (
    Meeting,
    RedactableField,
    Request,
    Resolution,
    RoundTable,
    RoundTableOutcome,
    RoundTableParty,
    Urgency,
)
from .state_machine import Action, Caller, begin, commit, publish

#: A meeting may be recorded up to this far ahead of "now" (clock skew between devices).
CLOCK_SKEW: Final = timedelta(minutes=5)


@dataclass(frozen=True, slots=True)
class SplitPart:
    """One new request agreed at the round-table."""

    category: str
    title: str
    description: str = ""
    urgency: Urgency | None = None


def _validate_parties(parties: Sequence[RoundTableParty]) -> tuple[RoundTableParty, ...]:
    if not parties:
        raise InvalidArgument("parties: invite at least one party", field="parties")
    if len(parties) > rules.MAX_PARTIES:
        raise InvalidArgument(f"parties: at most {rules.MAX_PARTIES} parties allowed", field="parties")
    result = []
    for i, party in enumerate(parties):
        at = f"parties[{i}]"
        party_id = rules.validate_optional_id(party.id, f"{at}.id")
        name = rules.validate_text(party.name, f"{at}.name", max_length=rules.SHORT_TEXT_MAX_LENGTH)
        if not party_id and not name:
            raise InvalidArgument(f"{at}: give an id or a name", field=at)
        result.append(RoundTableParty(kind=party.kind, id=party_id, name=name))
    return tuple(result)


def start_round_table(
    request: Request,
    caller: Caller,
    *,
    topic: str,
    parties: Sequence[RoundTableParty],
    now: datetime,
    expected_version: int = 0,
) -> RoundTable:
    """Turns the request into a deliberation."""
    step = begin(request, Action.START_ROUND_TABLE, caller, expected_version)
    table = RoundTable(
        topic=rules.validate_text(topic or request.title, "topic", max_length=rules.TITLE_MAX_LENGTH, required=True),
        started_at=now,
        started_by=caller.person_id,
        parties=_validate_parties(parties),
    )
    request.round_table = table
    commit(request, step, now, table.topic)
    request.pending_events.append(ev.RoundTableStarted(ev.RequestFacts.of(request), step.context, round_table=table))
    publish(request, "round_table_started", caller.trace_id, step.role)
    return table


def record_meeting(
    request: Request,
    caller: Caller,
    *,
    held_at: datetime,
    notes: str,
    attendees: Sequence[str] = (),
    now: datetime,
    expected_version: int = 0,
) -> Meeting:
    """Adds a meeting record (notes and who attended)."""
    step = begin(request, Action.RECORD_MEETING, caller, expected_version)
    table = request.round_table
    if table is None:  # pragma: no cover - DELIBERATING always has a table
        raise FailedPrecondition("the request has no round-table", field="round_table")
    if held_at > now + CLOCK_SKEW:
        raise InvalidArgument("held_at: a meeting cannot be recorded before it is held", field="held_at")
    if held_at < table.started_at - CLOCK_SKEW:
        raise InvalidArgument("held_at: the meeting predates the round-table", field="held_at")
    if len(attendees) > rules.MAX_ATTENDEES:
        raise InvalidArgument(f"attendees: at most {rules.MAX_ATTENDEES} allowed", field="attendees")
    meeting = Meeting(
        held_at=held_at,
        notes=rules.validate_text(notes, "notes", max_length=rules.NOTES_MAX_LENGTH, required=True),
        attendees=tuple(
            rules.validate_text(a, f"attendees[{i}]", max_length=rules.SHORT_TEXT_MAX_LENGTH, required=True)
            for i, a in enumerate(attendees)
        ),
        recorded_by=caller.person_id,
    )
    request.round_table = replace(table, meetings=(*table.meetings, meeting))
    commit(request, step, now)
    request.pending_events.append(ev.MeetingRecorded(ev.RequestFacts.of(request), step.context, meeting=meeting))
    publish(request, "meeting_recorded", caller.trace_id, step.role)
    return meeting


def conclude_round_table(
    request: Request,
    caller: Caller,
    *,
    outcome: RoundTableOutcome,
    summary: str,
    now: datetime,
    parts: Sequence[SplitPart] = (),
    new_ids: Sequence[str] = (),
    catalogue: Catalogue = DEFAULT_CATALOGUE,
    expected_version: int = 0,
) -> list[Request]:
    """Ends the deliberation. RESOLVE: the summary is the result (RESOLVED). SPLIT: one new
    request per part, ids given by the service layer in ``new_ids`` (same order); the parent
    is CLOSED. Returns the new requests (empty for RESOLVE)."""
    action = Action.CONCLUDE_SPLIT if outcome is RoundTableOutcome.SPLIT else Action.CONCLUDE_RESOLVE
    step = begin(request, action, caller, expected_version)
    text = rules.validate_text(summary, "summary", max_length=rules.RESULT_MAX_LENGTH, required=True)
    table = request.round_table
    if table is None:  # pragma: no cover - DELIBERATING always has a table
        raise FailedPrecondition("the request has no round-table", field="round_table")
    children: list[Request] = []
    if outcome is RoundTableOutcome.SPLIT:
        children = _split(request, caller, parts, new_ids, now, catalogue)
    elif parts:
        raise InvalidArgument("parts: only a SPLIT outcome creates new requests", field="parts")
    request.round_table = replace(
        table,
        concluded_at=now,
        outcome=outcome,
        summary=text,
        split_into_ids=tuple(c.id for c in children),
    )
    if outcome is RoundTableOutcome.RESOLVE:
        request.resolution = Resolution(text=text, resolved_at=now, resolved_by=caller.person_id)
        request.moderation = request.moderation.without_approval(RedactableField.RESULT)
        request.resolved_at = now
    else:
        request.closed_at = now
    commit(request, step, now, text)
    request.pending_events.append(
        ev.RoundTableConcluded(ev.RequestFacts.of(request), step.context, round_table=request.round_table)
    )
    if outcome is RoundTableOutcome.RESOLVE:
        request.pending_events.append(
            ev.RequestResolved(ev.RequestFacts.of(request), step.context, resolution=request.resolution)
        )
    publish(request, "round_table_concluded", caller.trace_id, step.role)
    return children


def _split(
    parent: Request,
    caller: Caller,
    parts: Sequence[SplitPart],
    new_ids: Sequence[str],
    now: datetime,
    catalogue: Catalogue,
) -> list[Request]:
    if not parts:
        raise InvalidArgument("parts: a split needs at least one new request", field="parts")
    if len(parts) > rules.MAX_SPLIT_PARTS:
        raise InvalidArgument(f"parts: at most {rules.MAX_SPLIT_PARTS} allowed", field="parts")
    if len(new_ids) != len(parts) or len(set(new_ids)) != len(new_ids):
        raise InvalidArgument("new_ids: one distinct id per part is needed", field="new_ids")
    # Validate every part before creating any, so a bad part leaves nothing half-made.
    for i, part in enumerate(parts):
        catalogue.category(part.category, f"parts[{i}].category")
        rules.validate_title(part.title, f"parts[{i}].title")
        rules.validate_description(part.description, f"parts[{i}].description")
    children = []
    for part, child_id in zip(parts, new_ids, strict=True):
        submission = Submission(
            category=part.category,
            title=part.title,
            description=part.description,
            address=parent.address,
            point=parent.point,
            requester=parent.requester,
            resident_group=parent.resident_group,
            urgency=part.urgency or parent.urgency,
            channel=parent.channel,
        )
        child = submit(
            submission,
            request_id=child_id,
            place=parent.place,
            caller=caller,
            now=now,
            catalogue=catalogue,
            split_from_id=parent.id,
            followers=parent.followers,
        )
        accept(child, caller, now=now, note=f"split from {parent.id}", catalogue=catalogue)
        children.append(child)
    return children
