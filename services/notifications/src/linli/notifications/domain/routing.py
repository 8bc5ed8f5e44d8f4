"""Routing rules: which incoming event types notify whom, as which kind, on which channels.

The rules are data (``routing_rules.json`` beside this module, loaded once at start as
``DEFAULT_RULES``); ``load_rules`` refuses a malformed file with a ``ValueError`` naming the
rule and the field, so a bad edit stops the service at start instead of silencing a kind.

File format::

    {"rules": [
      {"kind": "offer.made",
       "event_types": ["org.linli.request.offered.v1"],
       "recipients": ["candidates"],
       "channels": ["inbox", "sms"],          # optional, default ["inbox"]
       "urgent": false}                        # optional: sent through quiet hours
    ]}

Recipient selectors (``recipients.resolve`` turns them into person ids):

- a part of the event: ``requester``, ``followers``, ``handler``, ``candidates``,
  ``transfer_receiver``, ``parties``, ``signed_up``, ``volunteer``, ``person`` (the owner of a
  personal digest) (any name in ``PARTS``);
- a role at a level of the event's place: ``role:<role>@community``, ``@street``,
  ``@department`` (escalation: the department's holders of the role, else the nearest
  ancestor that has some), ``@grid``;
- ``agencies``: the webhook subscriptions (the handler matches them; only on the webhook
  channel, and only ``agencies`` may use that channel).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from .model import Channel, RoutingRule

#: The synthetic event types the service's own timers emit (not published by anyone).
DEADLINE_NEAR = "org.linli.notification.deadline_near.v1"
STATION_EVENT_REMINDER = "org.linli.notification.station_event_reminder.v1"
DAILY_DIGEST = "org.linli.notification.daily_digest.v1"
PERSONAL_DIGEST = "org.linli.notification.personal_digest.v1"
#: Source of the synthetic events.
TIMER_SOURCE = "/linli/notifications"

#: Parts of an event a selector may name (``EventFacts.people`` / ``volunteer_ids`` /
#: ``handlers`` keys).
PARTS = frozenset(
    {
        "requester",
        "followers",
        "handler",
        "candidates",
        "transfer_receiver",
        "parties",
        "signed_up",
        "volunteer",
        "person",
    }
)
ROLES = frozenset({"admin", "dispatcher", "grid_worker", "liaison", "member"})
SCOPES = frozenset({"community", "street", "department", "grid"})
AGENCIES = "agencies"

_KIND = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")
_EVENT_TYPE = re.compile(r"^[a-z0-9][a-z0-9_.\-]*[a-z0-9]$")
_FIELDS = frozenset({"kind", "event_types", "recipients", "channels", "urgent", "description"})

RULES_FILE = Path(__file__).with_name("routing_rules.json")


def parse_role_selector(selector: str) -> tuple[str, str] | None:
    """``role:<role>@<scope>`` -> (role, scope); None when the selector is not of that form."""
    if not selector.startswith("role:") or "@" not in selector:
        return None
    role, _, scope = selector[len("role:") :].partition("@")
    return role, scope


def is_known_selector(selector: str) -> bool:
    if selector in PARTS or selector == AGENCIES:
        return True
    parsed = parse_role_selector(selector)
    return parsed is not None and parsed[0] in ROLES and parsed[1] in SCOPES


def _strings(name: str, where: str, value: Any, *, required: bool) -> tuple[str, ...]:
    if value is None and not required:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError(f"{where}: {name} must be a list of strings")
    if required and not value:
        raise ValueError(f"{where}: {name} must not be empty")
    if len(set(value)) != len(value):
        raise ValueError(f"{where}: {name} has duplicates")
    return tuple(value)


def _rule(index: int, raw: Any) -> RoutingRule:
    where = f"routing rule #{index + 1}"
    if not isinstance(raw, dict):
        raise ValueError(f"{where}: must be an object")
    kind = raw.get("kind")
    if not isinstance(kind, str) or not kind.strip():
        raise ValueError(f"{where}: kind must not be empty")
    where = f"routing rule {kind!r}"
    if not _KIND.match(kind):
        raise ValueError(f"{where}: kind must be dotted lowercase words, e.g. 'request.resolved'")
    unknown_fields = sorted(set(raw) - _FIELDS)
    if unknown_fields:
        raise ValueError(f"{where}: unknown field {unknown_fields[0]!r}")
    event_types = _strings("event_types", where, raw.get("event_types"), required=True)
    for event_type in event_types:
        if not _EVENT_TYPE.match(event_type):
            raise ValueError(f"{where}: event_types has an invalid type {event_type!r}")
    recipients = _strings("recipients", where, raw.get("recipients"), required=True)
    for selector in recipients:
        if not is_known_selector(selector):
            raise ValueError(f"{where}: recipients has an unknown selector {selector!r}")
    to_agencies = AGENCIES in recipients
    if to_agencies and len(recipients) > 1:
        raise ValueError(f"{where}: recipients: 'agencies' cannot be mixed with people in one rule")
    default = ["webhook"] if to_agencies else ["inbox"]
    names = _strings("channels", where, raw.get("channels", default), required=True)
    channels: list[Channel] = []
    for name in names:
        try:
            channels.append(Channel(name))
        except ValueError:
            raise ValueError(f"{where}: channels has an unknown channel {name!r}") from None
    if to_agencies and channels != [Channel.WEBHOOK]:
        raise ValueError(f"{where}: channels: agencies are reached on the webhook channel only")
    if not to_agencies and Channel.WEBHOOK in channels:
        raise ValueError(f"{where}: channels: the webhook channel is for agencies only")
    urgent = raw.get("urgent", False)
    if not isinstance(urgent, bool):
        raise ValueError(f"{where}: urgent must be true or false")
    return RoutingRule(
        kind=kind, event_types=event_types, recipients=recipients, channels=tuple(channels), urgent=urgent
    )


def load_rules(text: str) -> tuple[RoutingRule, ...]:
    """The rules of a routing file's text; ValueError naming the rule and field when malformed."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise ValueError(f"routing rules: not valid JSON: {error}") from None
    raw_rules = data.get("rules") if isinstance(data, dict) else None
    if not isinstance(raw_rules, list) or not raw_rules:
        raise ValueError("routing rules: 'rules' must be a non-empty list")
    rules = tuple(_rule(index, raw) for index, raw in enumerate(raw_rules))
    seen: set[str] = set()
    for rule in rules:
        if rule.kind in seen:
            raise ValueError(f"routing rule {rule.kind!r}: kind is defined twice")
        seen.add(rule.kind)
    return rules


def load_rules_file(path: Path | None = None) -> tuple[RoutingRule, ...]:
    """Rules from a file (default: the packaged ``routing_rules.json``); errors name the file."""
    path = path or RULES_FILE
    try:
        return load_rules(path.read_text(encoding="utf-8"))
    except ValueError as error:
        raise ValueError(f"{path}: {error}") from None


def rules_for(event_type: str, rules: Iterable[RoutingRule]) -> tuple[RoutingRule, ...]:
    """The rules an event of ``event_type`` triggers, in file order."""
    return tuple(rule for rule in rules if event_type in rule.event_types)


def rule_named(kind: str, rules: Iterable[RoutingRule]) -> RoutingRule | None:
    return next((rule for rule in rules if rule.kind == kind), None)


def routed_event_types(rules: Iterable[RoutingRule]) -> frozenset[str]:
    """Every event type some rule listens to (consumers may skip the others cheaply)."""
    return frozenset(event_type for rule in rules for event_type in rule.event_types)


def agency_event_types(rules: Iterable[RoutingRule]) -> frozenset[str]:
    """The event types sent to agencies (what an empty subscription filter means)."""
    return frozenset(t for rule in rules if AGENCIES in rule.recipients for t in rule.event_types)


DEFAULT_RULES: tuple[RoutingRule, ...] = load_rules_file()
