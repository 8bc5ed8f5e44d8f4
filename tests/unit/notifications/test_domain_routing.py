"""Routing rules as data: the packaged file, refusals of malformed rules, lookup by type."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from linli.notifications.domain import routing
from linli.notifications.domain.model import Channel
from linli.notifications.domain.routing import DEFAULT_RULES, load_rules, load_rules_file, rules_for
from linli.organizations.domain import events as org
from linli.requests.domain import events as req
from linli.volunteers.domain import events as vol


def rules_text(*rules: dict[str, Any]) -> str:
    return json.dumps({"rules": list(rules)})


def rule(**overrides: Any) -> dict[str, Any]:
    return {
        "kind": "request.resolved",
        "event_types": ["org.linli.request.resolved.v1"],
        "recipients": ["requester"],
    } | overrides


def kinds_for(event_type: str) -> set[str]:
    return {r.kind for r in rules_for(event_type, DEFAULT_RULES)}


# Every real event type below is checked against the producing services' domain/events.py.
def test_packaged_rules_route_the_issue_s_events() -> None:
    assert kinds_for(req.REQUEST_OFFERED) == {"offer.made"}
    assert kinds_for(req.OFFER_WITHDRAWN) == {"offer.withdrawn"}
    assert kinds_for(req.OFFER_EXPIRED) == {"offer.expired"}
    for event_type, kind in [
        (req.REQUEST_ACCEPTED, "request.accepted"),
        (req.WORK_STARTED, "request.in_progress"),
        (req.REQUEST_RESOLVED, "request.resolved"),
        (req.REQUEST_MERGED, "request.merged"),
        (req.REQUEST_REOPENED, "request.reopened"),
    ]:
        (found,) = rules_for(event_type, DEFAULT_RULES)
        assert found.kind == kind and found.recipients == ("requester", "followers")
    assert kinds_for(req.REQUEST_DISPATCHED) == {"request.dispatched", "task.assigned"}
    (breached,) = rules_for(req.DEADLINE_BREACHED, DEFAULT_RULES)
    assert breached.recipients == ("handler", "role:dispatcher@community") and breached.urgent
    (near,) = rules_for(routing.DEADLINE_NEAR, DEFAULT_RULES)
    assert near.recipients == breached.recipients and near.urgent
    (escalated,) = rules_for(req.REQUEST_ESCALATED, DEFAULT_RULES)
    assert escalated.recipients == ("role:liaison@department",) and escalated.urgent
    (transfer,) = rules_for(req.REQUEST_TRANSFERRED, DEFAULT_RULES)
    assert transfer.recipients == ("transfer_receiver",)
    assert kinds_for(req.ROUND_TABLE_STARTED) == {"round_table.started"}
    assert kinds_for(req.ROUND_TABLE_CONCLUDED) == {"round_table.concluded"}
    (reminder,) = rules_for(routing.STATION_EVENT_REMINDER, DEFAULT_RULES)
    assert reminder.recipients == ("signed_up",)
    (points,) = rules_for(vol.POINTS_CREDITED, DEFAULT_RULES)
    assert points.recipients == ("volunteer",)
    (digest,) = rules_for(routing.DAILY_DIGEST, DEFAULT_RULES)
    assert set(digest.recipients) == {"role:admin@community", "role:dispatcher@community"}
    (public,) = rules_for(req.PUBLIC_REQUEST_CHANGED, DEFAULT_RULES)
    assert public.recipients == ("agencies",) and public.channels == (Channel.WEBHOOK,)
    assert rules_for("org.linli.request.submitted.v1", DEFAULT_RULES) == ()


def test_every_real_event_type_in_the_rules_exists() -> None:
    known = set(req.MESSAGE_OF_TYPE) | set(vol.MESSAGE_OF_TYPE) | set(org.MESSAGE_OF_TYPE)
    synthetic = {routing.DEADLINE_NEAR, routing.STATION_EVENT_REMINDER, routing.DAILY_DIGEST, routing.PERSONAL_DIGEST}
    assert routing.routed_event_types(DEFAULT_RULES) <= known | synthetic
    assert routing.agency_event_types(DEFAULT_RULES) == {req.PUBLIC_REQUEST_CHANGED}


def test_defaults_and_lookups() -> None:
    (loaded,) = load_rules(rules_text(rule()))
    assert loaded.channels == (Channel.INBOX,) and not loaded.urgent
    (agencies,) = load_rules(rules_text(rule(kind="public.changed", recipients=["agencies"])))
    assert agencies.channels == (Channel.WEBHOOK,)
    assert routing.rule_named("offer.made", DEFAULT_RULES) is not None
    assert routing.rule_named("nope.nope", DEFAULT_RULES) is None


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (rule(kind=""), "routing rule #1: kind must not be empty"),
        (rule(kind="  "), "routing rule #1: kind must not be empty"),
        (rule(kind="Resolved"), "routing rule 'Resolved': kind must be dotted"),
        (rule(channels=["pigeon"]), "routing rule 'request.resolved': channels has an unknown channel 'pigeon'"),
        (rule(recipients=["mayor"]), "routing rule 'request.resolved': recipients has an unknown selector 'mayor'"),
        (rule(recipients=["role:king@community"]), "unknown selector 'role:king@community'"),
        (rule(recipients=["role:dispatcher@planet"]), "unknown selector 'role:dispatcher@planet'"),
        (rule(recipients=[]), "recipients must not be empty"),
        (rule(event_types=[]), "event_types must not be empty"),
        (rule(event_types="org.x.v1"), "event_types must be a list of strings"),
        (rule(channels=["webhook"]), "the webhook channel is for agencies only"),
        (rule(recipients=["agencies", "requester"]), "'agencies' cannot be mixed"),
        (rule(recipients=["agencies"], channels=["email"]), "agencies are reached on the webhook channel only"),
        (rule(urgent="yes"), "urgent must be true or false"),
        (rule(colour="red"), "unknown field 'colour'"),
        (rule(recipients=["requester", "requester"]), "recipients has duplicates"),
    ],
)
def test_malformed_rules_are_refused_naming_rule_and_field(bad: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError) as raised:
        load_rules(rules_text(bad))
    assert message in str(raised.value)


def test_malformed_files_are_refused() -> None:
    with pytest.raises(ValueError, match="not valid JSON"):
        load_rules("{")
    with pytest.raises(ValueError, match="'rules' must be a non-empty list"):
        load_rules('{"rules": []}')
    with pytest.raises(ValueError, match="kind is defined twice"):
        load_rules(rules_text(rule(), rule()))


def test_file_errors_name_the_file(tmp_path: Path) -> None:
    path = tmp_path / "rules.json"
    path.write_text(rules_text(rule(channels=["fax"])), encoding="utf-8")
    with pytest.raises(ValueError, match=r"rules\.json: routing rule 'request.resolved': channels"):
        load_rules_file(path)
