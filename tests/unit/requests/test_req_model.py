"""The aggregates store through the kit's codec (type-hint driven) without loss."""

from __future__ import annotations

from datetime import timedelta

from linli.common.codec import from_document, to_document
from linli.requests.domain import deadlines, lifecycle, moderation, visits
from linli.requests.domain.model import (
    RedactableField,
    Request,
    ResidentGroup,
    Status,
    TextRedaction,
    VisitPlan,
)
from tests.unit.requests.req_support import (
    DISPATCHER,
    GRID,
    NOW,
    OTHER_RESIDENT,
    PLACE,
    POINT,
    RESIDENT,
    URBAN,
    deliberating,
    in_progress,
    offered,
    rated,
)

SKIP = ("pending_events",)


def _round_trip(request: Request) -> None:
    document = to_document(request, skip=SKIP)
    again = from_document(Request, document, skip=SKIP)
    assert again == request


def test_requests_in_many_shapes_round_trip() -> None:
    full = rated()
    lifecycle.follow(full, OTHER_RESIDENT, now=NOW)
    moderation.moderate(
        full,
        DISPATCHER,
        hidden=True,
        redactions=[TextRedaction(RedactableField.TITLE, 0, 2)],
        redact_attachment_ids=["r1"],
        reason="private",
        now=NOW,
    )
    lifecycle.reopen(full, DISPATCHER, reason="complaint", now=NOW)
    deadlines.sweep(full, NOW + timedelta(days=30))
    pending = in_progress()
    lifecycle.transfer(pending, DISPATCHER, to=URBAN, reason="enforcement", now=NOW)
    for request in (full, pending, offered(), deliberating()):
        _round_trip(request)
    assert full.status is Status.REOPENED and full.escalations


def test_visit_plan_round_trips() -> None:
    plan = visits.schedule_visits(
        visits.VisitPlanDraft(
            resident_group=ResidentGroup.KEY, resident_person_id="p-elder", starts_at=NOW, point=POINT
        ),
        plan_id="plan-x",
        place=PLACE,
        caller=GRID,
        now=NOW,
    )
    visits.mark_generated(plan, NOW, NOW)
    again = from_document(VisitPlan, to_document(plan, skip=SKIP), skip=SKIP)
    assert again == plan


def test_version_moves_with_every_change() -> None:
    request = in_progress()
    versions = [h.version for h in request.history]
    assert versions == list(range(1, len(versions) + 1))
    assert request.version == versions[-1]
    assert RESIDENT.person_id == request.requester.person_id
