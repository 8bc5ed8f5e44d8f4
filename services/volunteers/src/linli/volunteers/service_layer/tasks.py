"""What the requests service's events do here: track who holds which request (open task
counts and the fairness counter of matching), remember resolutions, and credit hours and
points once a resolved request is rated.

Every effect is idempotent on its own, so a replay after a crash (between two writes, or
before the consumer recorded the event as applied) converges instead of doubling:

- holding and releasing move a request id in and out of a volunteer's ``open_request_ids``
  (the old holder is released before the new one holds, so a crash never leaves two);
- a resolution is stored by request id (the latest wins);
- a credit's ledger entries have ids derived from the rated event's ``ce_id`` and the
  credited community, so writing them again collides on ``_id`` (``PointsService.record``).

A request rated again after being reopened and resolved again is credited again: it is a
new rated event, for new work (the latest resolution's hours).
"""

from __future__ import annotations

import copy
import logging
from datetime import datetime

from linli.common.codec import utc_millis
from linli.volunteers.domain import ledger, tasks
from linli.volunteers.domain.ledger import TaskCredit
from linli.volunteers.domain.model import LedgerEntry
from linli.volunteers.domain.tasks import RequestFacts, TaskResolution
from linli.volunteers.service_layer.core import Core
from linli.volunteers.service_layer.points import PointsService

log = logging.getLogger(__name__)


class TaskService:
    def __init__(self, core: Core) -> None:
        self.core = core
        self.directory = core.directory
        self.points = PointsService(core)

    def track(self, facts: RequestFacts) -> None:
        """Moves the request to the volunteer holding it after this event (if any)."""
        core = self.core
        with core.lock:
            before = self.directory.holders.get(facts.request_id, "")
            after = facts.holder
            if after and after not in self.directory.volunteers:
                log.warning("request assigned to a volunteer this service does not know; not tracked",
                            extra={"request_id": facts.request_id, "volunteer_id": after})
                after = ""
            if before == after:
                return
            now = core.clock()
            if before:
                self._change_load(before, facts.request_id, now, holding=False)
            if after:
                self._change_load(after, facts.request_id, now, holding=True)

    def _change_load(self, volunteer_id: str, request_id: str, now: datetime, *, holding: bool) -> None:
        working = copy.deepcopy(self.directory.volunteers[volunteer_id])
        stored_version = working.version
        changed = (tasks.hold_task if holding else tasks.release_task)(working, request_id, now)
        if not changed:
            return
        self.core.store_volunteer(working, stored_version, reindex=False)
        self.directory.index_load(working, now if holding else None)

    def resolved(self, facts: RequestFacts, event_id: str, hours: float, resolved_at: datetime) -> None:
        """Remembers who resolved the request and the hours reported, until it is rated."""
        volunteer_id = facts.volunteer_id
        if not volunteer_id or volunteer_id not in self.directory.volunteers:
            return  # not a volunteer's task (or not one of ours): nothing to credit later
        with self.core.lock:
            self.core.repository.put_resolution(TaskResolution(
                request_id=facts.request_id, volunteer_id=volunteer_id, hours=tasks.creditable_hours(hours),
                resolved_at=utc_millis(resolved_at), cause_event_id=event_id))

    def rated(self, facts: RequestFacts, event_id: str, stars: int, rated_at: datetime) -> list[LedgerEntry]:
        """Credits the volunteer who resolved the request (HOME, and WORKPLACE per the
        dual-points rule). Idempotent on ``event_id``; returns the entries (new or stored)."""
        core = self.core
        with core.lock:
            resolution = core.repository.get_resolution(facts.request_id)
            volunteer_id = resolution.volunteer_id if resolution else facts.volunteer_id
            volunteer = self.directory.volunteers.get(volunteer_id) if volunteer_id else None
            if volunteer is None:
                if volunteer_id:
                    log.warning("rated request of a volunteer this service does not know; not credited",
                                extra={"request_id": facts.request_id, "volunteer_id": volunteer_id})
                return []
            credit = TaskCredit(
                cause_event_id=event_id, volunteer_id=volunteer.id, request_id=facts.request_id,
                hours=resolution.hours if resolution else 0.0, rating=stars,
                occurred_at=resolution.resolved_at if resolution else utc_millis(rated_at))
            entries = ledger.credit_task(credit, volunteer, core.clock())
            return [self.points.record(entry) for entry in entries]
