"""Volunteers' tasks as the requests service reports them: who holds which request now, and
what a resolved request earns once it is rated.

The requests service publishes every transition with a snapshot of the request (status and
assignee). Rather than counting "+1 on claim, -1 on release" per event type, which double
counts a task that is dispatched to a volunteer and then claimed by them, and needs a rule
for each of a dozen ways a task can end, the holder is *derived from the snapshot*: a
volunteer holds a request while it is assigned to them and still in their hands
(``HOLDING_STATUSES``). The consumer compares that with who held it before and moves the
request between volunteers' ``open_request_ids``. Holding and releasing are set operations,
so applying one event twice changes nothing.

Why a task is released at RESOLVED and not at CLOSED: ``Volunteer.open_tasks`` is "tasks
claimed and not yet released or resolved" (volunteers.proto) and it is the load matching
reads; a resolved task waits only for the resident's rating, which can take days, and must
not keep a volunteer at their limit meanwhile. A reopened request that is still assigned to
the volunteer is held again.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from . import rules
from .model import Volunteer
from .volunteers import task_claimed, task_released

#: Request statuses (``linli.v1.RequestStatus`` names) in which the assignee holds the task.
HOLDING_STATUSES = frozenset(
    {
        "REQUEST_STATUS_DISPATCHED",
        "REQUEST_STATUS_CLAIMED",
        "REQUEST_STATUS_IN_PROGRESS",
        "REQUEST_STATUS_REOPENED",
        "REQUEST_STATUS_DELIBERATING",
    }
)
#: ``linli.v1.AssigneeKind`` name of a volunteer.
VOLUNTEER_ASSIGNEE = "ASSIGNEE_KIND_VOLUNTEER"


@dataclass(frozen=True, slots=True)
class RequestFacts:
    """What this service reads from a request event's snapshot."""

    request_id: str
    status: str
    assignee_kind: str = ""
    assignee_id: str = ""

    @property
    def volunteer_id(self) -> str:
        """The assigned volunteer, or "" when the assignee is not a volunteer (or none)."""
        return self.assignee_id if self.assignee_kind == VOLUNTEER_ASSIGNEE else ""

    @property
    def holder(self) -> str:
        """The volunteer holding the task after this event, or ""."""
        return self.volunteer_id if self.status in HOLDING_STATUSES else ""


@dataclass(frozen=True, slots=True, kw_only=True)
class TaskResolution:
    """A resolved request waiting for its rating: who did it, how long it took, when."""

    request_id: str
    volunteer_id: str
    hours: float
    resolved_at: datetime
    cause_event_id: str


def hold_task(volunteer: Volunteer, request_id: str, now: datetime) -> bool:
    """The volunteer now holds the request: one more open task and one more recent
    assignment (fairness). False, and no change, when they already hold it."""
    if request_id in volunteer.open_request_ids:
        return False
    volunteer.open_request_ids = (*volunteer.open_request_ids, request_id)
    task_claimed(volunteer, now)
    volunteer.open_tasks = len(volunteer.open_request_ids)
    return True


def release_task(volunteer: Volunteer, request_id: str, now: datetime) -> bool:
    """The volunteer no longer holds the request. False, and no change, when they did not."""
    if request_id not in volunteer.open_request_ids:
        return False
    volunteer.open_request_ids = tuple(r for r in volunteer.open_request_ids if r != request_id)
    task_released(volunteer, now)
    volunteer.open_tasks = len(volunteer.open_request_ids)
    return True


def creditable_hours(hours: float) -> float:
    """Hours of a resolution as the ledger takes them: the requests service accepts up to a
    week per resolution, the ledger at most ``rules.MAX_TASK_HOURS`` per task, so longer
    reports are capped (not refused: the work was done and the rating is real)."""
    if not math.isfinite(hours) or hours < 0:
        return 0.0
    return min(hours, rules.MAX_TASK_HOURS)
