"""Command and query handlers for the points and hours ledger: balance, history, corrections,
leaderboards. Task credits are written by ``tasks`` (the requests consumer).

Entries are append-only documents whose ``_id`` is the domain's deterministic entry id, each
written with its PointsCredited event in one write. Balances and leaderboards are computed
from the in-memory entries of one volunteer or one community.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime

from linli.common.errors import InvalidArgument, NotFound
from linli.volunteers.domain import ledger
from linli.volunteers.domain.ledger import LeaderboardPeriod, LeaderboardRow, PointsBalance
from linli.volunteers.domain.model import LedgerEntry
from linli.volunteers.service_layer.core import Core

DEFAULT_LEADERBOARD_ROWS = 20
MAX_LEADERBOARD_ROWS = 100


@dataclasses.dataclass(frozen=True, slots=True)
class Leaderboard:
    community_id: str
    period: LeaderboardPeriod
    bounds: tuple[datetime, datetime] | None
    rows: list[LeaderboardRow]
    names: dict[str, str]


class PointsService:
    def __init__(self, core: Core) -> None:
        self.core = core
        self.directory = core.directory

    def record(self, entry: LedgerEntry) -> LedgerEntry:
        """Appends an entry with its PointsCredited event; an entry already stored with the
        same credit is returned as it is (replays are harmless). Call under the lock."""
        if (existing := self.directory.entries.get(entry.id)) is not None:
            ledger.check_replay(existing, entry)
            return existing
        stored, _ = self.core.repository.append_entry(entry, ledger.points_credited_event(entry, self.core.context()))
        self.directory.put_entry(stored)
        return stored

    def record_correction(self, *, idempotency_key: str, volunteer_id: str, community_id: str, hours_delta: float,
                          points_delta: int, reason: str, corrects_entry_id: str, request_id: str) -> LedgerEntry:
        core = self.core
        with core.lock:
            volunteer = core.volunteer(volunteer_id, "volunteer_id")
            corrects = None
            if corrects_entry_id:
                corrects = self.directory.entries.get(corrects_entry_id)
                if corrects is None:
                    raise NotFound(f"ledger entry {corrects_entry_id} does not exist", field="corrects_entry_id")
            community = community_id.strip() or (corrects.credited_community_id if corrects else "")
            core.access.require_staff((community or volunteer.home_community_id,),
                                      "correct this community's ledger")
            entry = ledger.correction(
                volunteer_id=volunteer.id, community_id=community_id, hours_delta=hours_delta,
                points_delta=points_delta, reason=reason, idempotency_key=idempotency_key,
                recorded_by=core.access.caller().subject, now=core.clock(), corrects=corrects,
                request_id=request_id.strip())
            existing = self.directory.entries.get(entry.id)
            if existing is not None:
                # A retry: the first write decided the times; the amounts must be the same.
                ledger.check_replay(existing, dataclasses.replace(entry, occurred_at=existing.occurred_at))
                return existing
            return self.record(entry)

    # -- queries ------------------------------------------------------------------------------
    def balance(self, volunteer_id: str) -> PointsBalance:
        volunteer = self.core.volunteer(volunteer_id, "volunteer_id")
        return ledger.balance(volunteer.id, list(self.directory.entries_by_volunteer.get(volunteer.id, ())))

    def history(self, volunteer_id: str, community_id: str) -> list[LedgerEntry]:
        volunteer = self.core.volunteer(volunteer_id, "volunteer_id")
        return ledger.history(list(self.directory.entries_by_volunteer.get(volunteer.id, ())), community_id.strip())

    def leaderboard(self, community_id: str, period_number: int, at: datetime | None, limit: int) -> Leaderboard:
        community = community_id.strip()
        if not community:
            raise InvalidArgument("community_id is required", field="community_id")
        try:
            period = LeaderboardPeriod(period_number)
        except ValueError:
            raise InvalidArgument(f"period must be WEEK, MONTH, QUARTER, YEAR or ALL_TIME, got {period_number}",
                                  field="period") from None
        rows_wanted = limit or DEFAULT_LEADERBOARD_ROWS
        if not 1 <= rows_wanted <= MAX_LEADERBOARD_ROWS:
            raise InvalidArgument(f"limit must be between 1 and {MAX_LEADERBOARD_ROWS}, got {limit}", field="limit")
        bounds = ledger.period_bounds(period, at or self.core.clock())
        rows = ledger.leaderboard(list(self.directory.entries_by_community.get(community, ())), community, bounds,
                                  rows_wanted)
        volunteers = self.directory.volunteers
        names = {row.volunteer_id: v.display_name for row in rows if (v := volunteers.get(row.volunteer_id))}
        return Leaderboard(community, period, bounds, rows, names)
