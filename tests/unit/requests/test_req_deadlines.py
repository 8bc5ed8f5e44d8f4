"""Deadline computation, breach detection and the escalation ladder."""

from __future__ import annotations

from datetime import timedelta

import pytest

from linli.common.errors import FailedPrecondition, InvalidArgument, PermissionDenied
from linli.requests.adapters.event_payloads import encode
from linli.requests.domain import deadlines, lifecycle
from linli.requests.domain import events as ev
from linli.requests.domain.catalogue import DEFAULT_CATALOGUE
from linli.requests.domain.deadlines import LadderPolicy, compute_deadlines
from linli.requests.domain.model import DeadlineKind, EscalationTrigger, Status, Urgency
from tests.unit.requests.req_support import (
    DISPATCHER,
    GRID,
    HOUSING_LIAISON,
    NOW,
    OPERATOR,
    RESIDENT,
    accepted,
    person,
    resolved,
    submitted,
)

REPAIRS = DEFAULT_CATALOGUE.category("repairs")  # accept 120 min, resolve 2880 min, JJ-HOUSING (480 min)


@pytest.mark.parametrize(
    ("urgency", "accept_minutes", "resolve_minutes"),
    [(Urgency.NORMAL, 120, 2880), (Urgency.URGENT, 60, 1440), (Urgency.LOW, 180, 4320)],
)
def test_compute_deadlines(urgency: Urgency, accept_minutes: int, resolve_minutes: int) -> None:
    got = compute_deadlines(REPAIRS, urgency, NOW)
    assert got.accept_by == NOW + timedelta(minutes=accept_minutes)
    assert got.resolve_by == NOW + timedelta(minutes=resolve_minutes)


def test_every_seeded_category_has_sane_deadlines() -> None:
    for category in DEFAULT_CATALOGUE.list_categories():
        got = compute_deadlines(category, Urgency.URGENT, NOW)
        assert NOW < got.accept_by <= got.resolve_by


def test_no_breach_before_the_deadline() -> None:
    request = submitted()
    assert deadlines.breaches(request, NOW + timedelta(minutes=120)) == []
    assert deadlines.sweep(request, NOW + timedelta(minutes=120)) is False
    assert request.version == 1


def test_accept_breach_escalates_to_the_category_department() -> None:
    request = submitted()
    later = NOW + timedelta(minutes=121)
    (found,) = deadlines.breaches(request, later)
    assert found.kind is DeadlineKind.ACCEPT
    assert deadlines.sweep(request, later) is True
    assert [b.kind for b in request.breaches] == [DeadlineKind.ACCEPT]
    (escalation,) = request.escalations
    assert (escalation.level, escalation.target_id, escalation.department_code) == (1, "JJ-HOUSING", "JJ-HOUSING")
    assert escalation.trigger is EscalationTrigger.ACCEPT_BREACH
    assert escalation.acknowledge_by == later + timedelta(minutes=480)
    assert request.status is Status.SUBMITTED  # a breach does not change the status
    assert [h.action for h in request.history[-2:]] == ["mark_breach", "escalate"]
    assert all(h.actor_role == "system" for h in request.history[-2:])
    types = [e.type for e in request.pending_events[-3:]]
    assert types == [ev.DEADLINE_BREACHED, ev.REQUEST_ESCALATED, ev.PUBLIC_REQUEST_CHANGED]


def test_sweep_is_idempotent() -> None:
    request = submitted()
    later = NOW + timedelta(minutes=121)
    deadlines.sweep(request, later)
    version = request.version
    assert deadlines.sweep(request, later + timedelta(minutes=1)) is False
    assert request.version == version


def test_department_ids_resolve_codes_to_organisations() -> None:
    request = submitted()
    deadlines.sweep(request, NOW + timedelta(hours=3), department_ids={"JJ-HOUSING": "org-housing"})
    assert request.escalations[0].target_id == "org-housing"


def test_unacknowledged_escalation_climbs_the_organisation_path() -> None:
    request = submitted()  # path d1 > s1 > c1
    t1 = NOW + timedelta(minutes=121)
    deadlines.sweep(request, t1)
    t2 = t1 + timedelta(minutes=481)  # the department did not answer
    assert deadlines.sweep(request, t2) is True
    first, second = request.escalations
    assert first.superseded and first.acknowledged_at is None
    assert (second.level, second.target_id, second.trigger) == (2, "s1", EscalationTrigger.NOT_ACKNOWLEDGED)
    assert second.acknowledge_by == t2 + timedelta(minutes=24 * 60)
    ack_breach = request.breaches[-1]
    assert (ack_breach.kind, ack_breach.escalation_level) == (DeadlineKind.ACKNOWLEDGE, 1)
    t3 = t2 + timedelta(days=1, minutes=1)
    deadlines.sweep(request, t3)
    assert request.escalations[-1].target_id == "d1"
    assert request.escalations[-1].level == 3
    # at the top: the breach is recorded, nothing further to escalate to
    t4 = t3 + timedelta(days=1, minutes=1)
    assert deadlines.sweep(request, t4) is True
    assert len(request.escalations) == 3
    assert request.open_escalation is not None and request.open_escalation.target_id == "d1"


def test_acknowledgement_stops_the_ladder() -> None:
    request = submitted()
    t1 = NOW + timedelta(minutes=121)
    deadlines.sweep(request, t1)
    with pytest.raises(PermissionDenied):
        deadlines.acknowledge(request, person("p-x", "liaison@JJ-POLICE"), now=t1)
    done = deadlines.acknowledge(request, HOUSING_LIAISON, note="we report", now=t1 + timedelta(minutes=30))
    assert done.acknowledged_by == "p-housing"
    assert request.open_escalation is None
    assert request.history[-1].actor_role == "liaison"
    # nothing more climbs until the resolve deadline passes
    assert deadlines.sweep(request, t1 + timedelta(hours=10)) is False
    with pytest.raises(FailedPrecondition, match="no escalation waiting"):
        deadlines.acknowledge(request, OPERATOR, now=t1)


def test_resolve_breach_after_acknowledged_escalation_goes_one_rung_up() -> None:
    request = accepted()
    deadlines.escalate(request, DISPATCHER, reason="need the bureau", now=NOW)
    deadlines.acknowledge(request, HOUSING_LIAISON, now=NOW + timedelta(hours=1))
    deadlines.sweep(request, NOW + timedelta(minutes=2881))
    assert request.breaches[-1].kind is DeadlineKind.RESOLVE
    assert request.escalations[-1].target_id == "s1"
    assert request.escalations[-1].trigger is EscalationTrigger.RESOLVE_BREACH


def test_breach_while_waiting_for_acknowledgement_does_not_escalate_again() -> None:
    request = accepted()
    deadlines.escalate(request, GRID, reason="whistle", now=NOW + timedelta(minutes=2870))
    deadlines.sweep(request, NOW + timedelta(minutes=2881))  # resolve breach, the department still has time
    assert len(request.escalations) == 1
    assert request.breaches[-1].kind is DeadlineKind.RESOLVE


def test_both_limits_breached_at_once_get_distinct_events() -> None:
    request = submitted()
    deadlines.sweep(request, NOW + timedelta(days=3))
    kinds = [b.kind for b in request.breaches]
    assert kinds == [DeadlineKind.ACCEPT, DeadlineKind.RESOLVE]
    breached = [encode(e) for e in request.pending_events if e.type == ev.DEADLINE_BREACHED]
    assert len({e.id for e in breached}) == 2


def test_manual_whistle_rules() -> None:
    request = accepted()
    with pytest.raises(InvalidArgument) as raised:
        deadlines.escalate(request, DISPATCHER, reason="", now=NOW)
    assert raised.value.field == "reason"
    with pytest.raises(InvalidArgument) as raised:
        deadlines.escalate(request, DISPATCHER, reason="x", department_code="JJ-NOPE", now=NOW)
    assert raised.value.field == "department_code"
    with pytest.raises(PermissionDenied):
        deadlines.escalate(request, RESIDENT, reason="x", now=NOW)
    escalation = deadlines.escalate(request, DISPATCHER, reason="illegal shed", department_code="JJ-URBAN", now=NOW)
    assert (escalation.level, escalation.department_code) == (1, "JJ-URBAN")
    assert escalation.trigger is EscalationTrigger.MANUAL
    assert escalation.acknowledge_by == NOW + timedelta(minutes=240)
    assert escalation.escalated_by == "p-disp"
    with pytest.raises(FailedPrecondition, match="already escalated"):
        deadlines.escalate(request, DISPATCHER, reason="again", now=NOW)


def test_manual_whistle_at_the_top_is_refused() -> None:
    request = accepted()
    for level in range(1, 4):
        deadlines.escalate(request, DISPATCHER, reason=f"level {level}", now=NOW)
        deadlines.acknowledge(request, OPERATOR, now=NOW)
    assert request.escalation_level == 3
    with pytest.raises(FailedPrecondition, match="top of the escalation ladder"):
        deadlines.escalate(request, DISPATCHER, reason="more", now=NOW)


def test_ladder_shape_and_policy() -> None:
    request = accepted()
    rungs = deadlines.ladder(request, policy=LadderPolicy(upper_level_minutes=60))
    assert [(r.level, r.target_id, r.response_minutes) for r in rungs] == [
        (1, "JJ-HOUSING", 480),
        (2, "s1", 60),
        (3, "d1", 60),
    ]
    care = submitted(category="care_visit")  # no department: straight up the tree
    assert [r.target_id for r in deadlines.ladder(care)] == ["s1", "d1"]


def test_reopened_request_can_breach_its_new_deadline() -> None:
    request = resolved()
    deadlines_before = request.resolve_by
    reopen_at = NOW + timedelta(days=5)
    lifecycle.reopen(request, RESIDENT, reason="broken again", now=reopen_at)
    assert request.resolve_by == reopen_at + timedelta(minutes=2880)
    assert request.resolve_by != deadlines_before
    assert deadlines.next_due(request) == request.resolve_by
    deadlines.sweep(request, request.resolve_by + timedelta(seconds=1))
    assert request.breaches[-1].deadline == request.resolve_by


def test_next_due() -> None:
    request = submitted()
    assert deadlines.next_due(request) == request.accept_by
    assert deadlines.next_due(resolved()) is None
