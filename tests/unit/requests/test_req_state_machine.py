"""The whole transition table: every legal transition in every capacity that may take it,
every illegal (status, action) pair, and every caller who may not take a legal one."""

from __future__ import annotations

from typing import Any

import pytest

from linli.common.errors import FailedPrecondition, PermissionDenied, Unauthenticated
from linli.requests.adapters import event_payloads as payloads
from linli.requests.domain.model import Request, Status
from linli.requests.domain.state_machine import (
    SYSTEM_CALLER,
    TRANSITIONS,
    Action,
    Capacity,
    allowed_actions,
    begin,
    capacities,
    rule_for,
)
from tests.unit.requests.req_support import (
    BUILDERS,
    CALLER_FOR,
    CITY_DISPATCHER,
    DISPATCHER,
    DISTRICT_DISPATCHER,
    FOREIGN_DISPATCHER,
    OPERATOR,
    PROBES,
    STREET_DISPATCHER,
    act,
    prepare,
)

TABLE_ACTIONS = [a for a in Action if a is not Action.SUBMIT]


def _snapshot(request: Request) -> tuple[Any, int]:
    return payloads.request(request), len(request.pending_events)


def _prepared(status: Status, action: Action) -> Request:
    request = BUILDERS[status]()
    assert request.status is status
    prepare(action, request)
    return request


def _legal_cases() -> list[Any]:
    """(status, action, capacity) for every rule and every capacity that can be realised in
    the state the builders produce."""
    cases = []
    for (status, action), rule in sorted(TRANSITIONS.items(), key=lambda kv: (kv[0][0].value, kv[0][1].value)):
        for capacity in sorted(rule.capacities, key=lambda c: c.value):
            request = _prepared(status, action)
            if capacity in capacities(CALLER_FOR[capacity], request):
                case_id = f"{status.name}-{action.value}-{capacity.value}"
                cases.append(pytest.param(status, action, capacity, id=case_id))
    return cases


LEGAL = _legal_cases()


def test_builders_reach_every_status() -> None:
    for status, build in BUILDERS.items():
        assert build().status is status


def test_every_rule_has_a_realisable_capacity() -> None:
    covered = {(p.values[0], p.values[1]) for p in LEGAL}
    assert covered == set(TRANSITIONS)


@pytest.mark.parametrize(("status", "action", "capacity"), LEGAL)
def test_legal_transition(status: Status, action: Action, capacity: Capacity) -> None:
    request = _prepared(status, action)
    before_history = len(request.history)
    before_version = request.version
    act(action, request, CALLER_FOR[capacity])
    rule = TRANSITIONS[(status, action)]
    assert request.status is rule.to_status
    assert request.version > before_version
    new_entries = request.history[before_history:]
    entry = next(e for e in new_entries if e.action == action.value)
    assert entry.from_status is status
    assert entry.actor_role in {c.value for c in rule.capacities}
    assert entry.actor_person_id == CALLER_FOR[capacity].person_id
    # every change is announced: internal events and the public feed
    topics = {payloads.encode(e).topic for e in request.pending_events}
    assert topics == {"linli.requests.v1", "linli.public.requests.v1"}


ILLEGAL = [
    pytest.param(status, action, id=f"{status.name}-{action.value}")
    for status in Status
    for action in TABLE_ACTIONS
    if (status, action) not in TRANSITIONS
]


@pytest.mark.parametrize(("status", "action"), ILLEGAL)
def test_illegal_transition_is_refused_and_changes_nothing(status: Status, action: Action) -> None:
    request = _prepared(status, action)
    before = _snapshot(request)
    with pytest.raises(FailedPrecondition) as raised:
        begin(request, action, SYSTEM_CALLER)
    assert status.name.lower() in raised.value.message
    assert action.value.replace("_", " ") in raised.value.message
    # the real function refuses too, whoever asks (the operator is the most powerful caller)
    with pytest.raises(FailedPrecondition):
        act(action, request, OPERATOR if action not in (Action.RATE, Action.CANCEL) else CALLER_FOR[Capacity.REQUESTER])
    assert _snapshot(request) == before


def _denied_cases() -> list[Any]:
    cases = []
    for (status, action), rule in sorted(TRANSITIONS.items(), key=lambda kv: (kv[0][0].value, kv[0][1].value)):
        for name, caller in PROBES.items():
            request = _prepared(status, action)
            if not capacities(caller, request) & rule.capacities:
                cases.append(pytest.param(status, action, name, id=f"{status.name}-{action.value}-{name}"))
    return cases


@pytest.mark.parametrize(("status", "action", "probe"), _denied_cases())
def test_unauthorised_caller_is_refused_and_changes_nothing(status: Status, action: Action, probe: str) -> None:
    request = _prepared(status, action)
    before = _snapshot(request)
    caller = PROBES[probe]
    expected = Unauthenticated if caller.identity.anonymous else PermissionDenied
    with pytest.raises(expected):
        act(action, request, caller)
    assert _snapshot(request) == before


def test_rate_before_resolve_names_action_and_status() -> None:
    request = BUILDERS[Status.IN_PROGRESS]()
    with pytest.raises(FailedPrecondition, match="cannot rate a request that is in_progress"):
        act(Action.RATE, request, CALLER_FOR[Capacity.REQUESTER])


@pytest.mark.parametrize("caller", [DISPATCHER, STREET_DISPATCHER, DISTRICT_DISPATCHER, CITY_DISPATCHER])
def test_scope_community_street_ancestor_or_global(caller: Any) -> None:
    request = BUILDERS[Status.SUBMITTED]()
    assert Capacity.DISPATCHER in capacities(caller, request)
    act(Action.ACCEPT, request, caller)
    assert request.status is Status.ACCEPTED
    assert request.history[-1].actor_role == "dispatcher"


def test_dispatcher_of_another_community_is_refused() -> None:
    request = BUILDERS[Status.SUBMITTED]()
    assert capacities(FOREIGN_DISPATCHER, request) == frozenset()
    with pytest.raises(PermissionDenied, match="may not accept"):
        act(Action.ACCEPT, request, FOREIGN_DISPATCHER)


def test_table_helpers() -> None:
    assert rule_for(Status.RESOLVED, Action.RATE).to_status is Status.RATED
    assert Action.RATE not in allowed_actions(Status.IN_PROGRESS)
    assert set(allowed_actions(Status.MERGED)) == {Action.MODERATE}
    # terminal statuses only allow moderation (and absorbing duplicates while not gone)
    for status in (Status.REJECTED, Status.CANCELLED, Status.MERGED):
        assert set(allowed_actions(status)) == {Action.MODERATE}
