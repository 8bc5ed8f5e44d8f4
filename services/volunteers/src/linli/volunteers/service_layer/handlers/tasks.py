"""Handlers of the requests service's events: who holds which request (open task counts and
the fairness counter of matching), resolutions waiting for their rating, and the hours and
points a rated request credits.

Every effect is idempotent on its own, so a replay after a crash (between two writes, or
before the consumer recorded the event as applied) converges instead of doubling:

- holding and releasing move a request id in and out of a volunteer's ``open_request_ids``
  (the old holder is released before the new one holds, so a crash never leaves two);
- a resolution is stored by request id (the latest wins);
- a credit's ledger entries have ids derived from the rated event's ``ce_id`` and the
  credited community, so writing them again finds them stored (``points.record_entry``).

A request rated again after being reopened and resolved again is credited again: it is a
new rated event, for new work (the latest resolution's hours).

Locks: ``request:<id>`` first (it guards who holds the request), then the volunteers
concerned. No command takes a request's key while holding a volunteer's, so the two-step
order cannot deadlock.
"""

from __future__ import annotations

import logging

from linli.common.codec import utc_millis
from linli.common.unit_of_work import UnitOfWork
from linli.volunteers.domain import ledger, tasks
from linli.volunteers.domain.ledger import TaskCredit
from linli.volunteers.domain.model import LedgerEntry, Volunteer
from linli.volunteers.domain.tasks import TaskResolution
from linli.volunteers.service_layer import commands as c
from linli.volunteers.service_layer.handlers.common import Clock, context_of
from linli.volunteers.service_layer.handlers.points import record_entry
from linli.volunteers.service_layer.ports import LedgerStore, VolunteersReadModel

log = logging.getLogger(__name__)


def request_key(request_id: str) -> str:
    return f"request:{request_id}"


def assign_task(command: c.AssignTask, uow: UnitOfWork, directory: VolunteersReadModel, clock: Clock) -> None:
    with uow.locks.hold(request_key(command.request_id)):
        holder = command.volunteer_id
        if holder and directory.find(Volunteer, holder) is None:
            log.warning(
                "request assigned to a volunteer this service does not know; not tracked",
                extra={"request_id": command.request_id, "volunteer_id": holder},
            )
            holder = ""
        _move(uow, directory, clock, command.request_id, holder)


def release_task(command: c.ReleaseTask, uow: UnitOfWork, directory: VolunteersReadModel, clock: Clock) -> None:
    with uow.locks.hold(request_key(command.request_id)):
        _move(uow, directory, clock, command.request_id, "")


def _move(uow: UnitOfWork, directory: VolunteersReadModel, clock: Clock, request_id: str, after: str) -> None:
    """Moves the request from its holder (if any) to ``after`` (if any). Call holding the
    request's key."""
    before = directory.holder_of(request_id)
    if before == after:
        return
    with uow.start(*(v for v in (before, after) if v)) as work:
        now = clock()
        if before and (released := work.get(Volunteer, before)) is not None:
            tasks.release_task(released, request_id, now)
        if after and (held := work.get(Volunteer, after)) is not None:
            tasks.hold_task(held, request_id, now)
        work.commit()


def record_resolution(
    command: c.RecordResolution, uow: UnitOfWork, directory: VolunteersReadModel, ledger_store: LedgerStore
) -> None:
    """Remembers who resolved the request and the hours reported, until it is rated."""
    volunteer_id = command.volunteer_id
    if not volunteer_id or directory.find(Volunteer, volunteer_id) is None:
        return  # not a volunteer's task (or not one of ours): nothing to credit later
    with uow.locks.hold(request_key(command.request_id)):
        ledger_store.put_resolution(
            TaskResolution(
                request_id=command.request_id,
                volunteer_id=volunteer_id,
                hours=tasks.creditable_hours(command.hours),
                resolved_at=utc_millis(command.resolved_at),
                cause_event_id=command.event_id,
            )
        )


def credit_rating(
    command: c.CreditRating, uow: UnitOfWork, directory: VolunteersReadModel, ledger_store: LedgerStore, clock: Clock
) -> list[LedgerEntry]:
    """Credits the volunteer who resolved the request (HOME, and WORKPLACE per the
    dual-points rule). Idempotent on ``event_id``; returns the entries (new or stored)."""
    with uow.locks.hold(request_key(command.request_id)):
        resolution = ledger_store.get_resolution(command.request_id)
        volunteer_id = resolution.volunteer_id if resolution else command.volunteer_id
        volunteer = directory.find(Volunteer, volunteer_id) if volunteer_id else None
        if volunteer is None:
            if volunteer_id:
                log.warning(
                    "rated request of a volunteer this service does not know; not credited",
                    extra={"request_id": command.request_id, "volunteer_id": volunteer_id},
                )
            return []
        credit = TaskCredit(
            cause_event_id=command.event_id,
            volunteer_id=volunteer.id,
            request_id=command.request_id,
            hours=resolution.hours if resolution else 0.0,
            rating=command.stars,
            occurred_at=resolution.resolved_at if resolution else utc_millis(command.rated_at),
        )
        entries = ledger.credit_task(credit, volunteer, clock())
        return [record_entry(entry, context_of(command.actor), directory, ledger_store) for entry in entries]
