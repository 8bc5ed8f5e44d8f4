"""Handlers of the points and hours ledger: corrections, balance, history, leaderboards.
Task credits are written by ``tasks`` (the requests consumer's commands).

Entries are append-only, each written with its PointsCredited event in one write through the
ledger store, then put into the read model. An entry's id is derived from its cause, so a
replayed credit or a retried correction finds the entry already there and credits nothing.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime

from linli.common import validation
from linli.common.domain_events import EventContext
from linli.common.errors import InvalidArgument, NotFound
from linli.common.unit_of_work import UnitOfWork
from linli.volunteers.domain import ledger
from linli.volunteers.domain.ledger import LeaderboardPeriod, LeaderboardRow, PointsBalance
from linli.volunteers.domain.model import LedgerEntry, Volunteer
from linli.volunteers.service_layer import commands as c
from linli.volunteers.service_layer.access import Access
from linli.volunteers.service_layer.handlers.common import Clock, context_of, stored_volunteer
from linli.volunteers.service_layer.ports import LedgerStore, VolunteersReadModel

DEFAULT_LEADERBOARD_ROWS = 20
MAX_LEADERBOARD_ROWS = 100


@dataclasses.dataclass(frozen=True, slots=True)
class Leaderboard:
    community_id: str
    period: LeaderboardPeriod
    bounds: tuple[datetime, datetime] | None
    rows: list[LeaderboardRow]
    names: dict[str, str]


def record_entry(
    entry: LedgerEntry, context: EventContext, directory: VolunteersReadModel, ledger_store: LedgerStore
) -> LedgerEntry:
    """Appends an entry with its PointsCredited event; an entry already stored with the same
    credit is returned as it is (replays are harmless). Call holding the cause's lock."""
    if (existing := directory.find(LedgerEntry, entry.id)) is not None:
        ledger.check_replay(existing, entry)
        return existing
    stored, _ = ledger_store.append_entry(entry, ledger.points_credited_event(entry, context))
    directory.put(stored)
    return stored


def record_correction(
    command: c.RecordCorrection,
    uow: UnitOfWork,
    directory: VolunteersReadModel,
    ledger_store: LedgerStore,
    access: Access,
    clock: Clock,
) -> LedgerEntry:
    actor = command.actor
    with uow.locks.hold(f"correction:{command.volunteer_id}:{command.idempotency_key}"):
        volunteer = stored_volunteer(directory, command.volunteer_id, "volunteer_id")
        corrects = None
        if command.corrects_entry_id:
            corrects = directory.find(LedgerEntry, command.corrects_entry_id)
            if corrects is None:
                raise NotFound(f"ledger entry {command.corrects_entry_id} does not exist", field="corrects_entry_id")
        community = command.community_id.strip() or (corrects.credited_community_id if corrects else "")
        access.require_staff(
            actor.identity, (community or volunteer.home_community_id,), "correct this community's ledger"
        )
        entry = ledger.correction(
            volunteer_id=volunteer.id,
            community_id=command.community_id,
            hours_delta=command.hours_delta,
            points_delta=command.points_delta,
            reason=command.reason,
            idempotency_key=command.idempotency_key,
            recorded_by=actor.subject,
            now=clock(),
            corrects=corrects,
            request_id=command.request_id.strip(),
        )
        existing = directory.find(LedgerEntry, entry.id)
        if existing is not None:
            # A retry: the first write decided the times; the amounts must be the same.
            ledger.check_replay(existing, dataclasses.replace(entry, occurred_at=existing.occurred_at))
            return existing
        return record_entry(entry, context_of(actor), directory, ledger_store)


# -- queries --------------------------------------------------------------------------------------
def get_points_balance(command: c.GetPointsBalance, directory: VolunteersReadModel) -> PointsBalance:
    volunteer = stored_volunteer(directory, command.volunteer_id, "volunteer_id")
    return ledger.balance(volunteer.id, directory.entries_of_volunteer(volunteer.id))


def list_ledger_entries(
    command: c.ListLedgerEntries, directory: VolunteersReadModel, access: Access
) -> list[LedgerEntry]:
    """The volunteer's ledger, newest first. The volunteer themself and staff in scope see
    whole entries; everyone else sees amounts and dates only (``ledger.public_entry``)."""
    volunteer = stored_volunteer(directory, command.volunteer_id, "volunteer_id")
    community = validation.optional_identifier(command.community_id, "community_id")
    entries = ledger.history(directory.entries_of_volunteer(volunteer.id), community)
    if access.may_see_personal(command.actor.identity, volunteer):
        return entries
    return [ledger.public_entry(entry) for entry in entries]


def get_leaderboard(command: c.GetLeaderboard, directory: VolunteersReadModel, clock: Clock) -> Leaderboard:
    if not command.community_id.strip():
        raise InvalidArgument("community_id is required", field="community_id")
    community = validation.identifier(command.community_id, "community_id")
    period = command.period
    rows_wanted = command.limit or DEFAULT_LEADERBOARD_ROWS
    if not 1 <= rows_wanted <= MAX_LEADERBOARD_ROWS:
        raise InvalidArgument(f"limit must be between 1 and {MAX_LEADERBOARD_ROWS}, got {command.limit}", field="limit")
    bounds = ledger.period_bounds(period, command.at or clock())
    rows = ledger.leaderboard(directory.entries_of_community(community), community, bounds, rows_wanted)
    names = {
        row.volunteer_id: v.display_name
        for row in rows
        if (v := directory.find(Volunteer, row.volunteer_id)) is not None
    }
    return Leaderboard(community, period, bounds, rows, names)
