"""``ApplyEvent``: one incoming event becomes inbox entries and deliveries, once.

For each routing rule the event type triggers (``domain.routing.rules_for``):

- ``agencies``: one webhook delivery per active subscription whose event-type filter
  (exact, or a prefix ending in ``*``; empty means all) and area (an organisation on the
  event's ``org_path`` or its community, street or grid; empty means everywhere) match,
  carrying ``command.public_payload`` (nothing is sent to agencies without one);
- people: the selectors are resolved to persons (``domain.recipients``); per person, their
  preferences decide (``domain.preferences``): a muted, non-urgent kind reaches nobody;
  otherwise an inbox entry is made (the inbox is the record, and quiet hours do not hold it);
  a person who takes the kind in the digest is counted for it (``digest.count_for``) and gets
  no e-mail or SMS now; else one delivery per external channel they hear the kind on,
  skipped when they have no address for it, due at the end of their quiet hours (urgent
  kinds and urgent events are not held).

Messages are rendered per kind and recipient language (``domain.templates``), the link being
``base_url`` + the event's ``values["link"]`` (a path) when it is not absolute.

Idempotent: ids are derived from (event, recipient, channel) and (event, person); in one unit
of work that locks them all, an entry or delivery that exists already (the event arrived
twice, or a restart came in the middle of a batch) is left alone, and only new ones are
written and reported in ``ApplyResult``, so the engine is handed each delivery once. When
one event triggers several rules, the kind is part of the ids, so a person who is both,
say, requester and handler gets both messages.

``ApplyEvents`` (a consumer's poll) plans every event the same way, then writes all new
inbox entries in one insert and all new deliveries in another (``BatchStore.insert_new``),
skipping those the read model holds; the store's unique ``_id`` (the derived id) refuses the
others that exist already (a replay after a crash), and only what was inserted is put into
the read model and reported. No unit of work: nothing existing is changed, and each event is
applied by one thread only (its topic's consumer), so no two writers race for one new id.
The volunteer ids of the whole batch are resolved in one directory call first.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any, Protocol, TypeVar

from linli.common.unit_of_work import UnitOfWork
from linli.notifications.domain.deliveries import inbox_entry_id, new_delivery, new_inbox_entry
from linli.notifications.domain.model import (
    DEFAULT_LANGUAGE,
    Channel,
    Delivery,
    EventFacts,
    InboxEntry,
    Message,
    Preferences,
    RoutingRule,
    Subscription,
)
from linli.notifications.domain.preferences import channels_for, held_until, is_muted, wants_digest
from linli.notifications.domain.recipients import resolve_all
from linli.notifications.domain.routing import AGENCIES, rules_for
from linli.notifications.service_layer.commands import ApplyEvent, ApplyEvents, ApplyResult
from linli.notifications.service_layer.ports import PeopleDirectory

A = TypeVar("A")


class RoutingReadModel(Protocol):
    """What the handler reads: preferences by person id (``find(Preferences, id)``),
    existing entries and deliveries (through the unit of work), and the subscriptions."""

    def find(self, kind: type[A], aggregate_id: str) -> A | None: ...

    def active_subscriptions(self) -> Sequence[Subscription]: ...


class Renderer(Protocol):
    def render(self, kind: str, language: str, values: dict[str, str], link: str, *, html: bool = True) -> Message: ...


class DigestCounter(Protocol):
    def count_for(
        self, person_id: str, kind: str, event_id: str, at: datetime, *, title: str = "", link: str = ""
    ) -> bool: ...


class BatchStore(Protocol):
    """Inserts new aggregates, one write per kind; returns the ids it inserted (those whose
    id existed already are left out)."""

    def insert_new(self, aggregates: Sequence[Any]) -> set[str]: ...


class BatchReadModel(RoutingReadModel, Protocol):
    def holds(self, kind: type[Any], aggregate_id: str) -> bool: ...

    def put(self, aggregate: Any) -> None: ...


class NoPeople:
    """A directory that knows nobody (no people service wired: only the event's own person
    ids are reached)."""

    def persons_of_volunteers(self, volunteer_ids: Iterable[str]) -> dict[str, str]:
        return {}

    def role_holders(self, role: str, org_id: str) -> Sequence[str]:
        return ()

    def ancestors(self, org_id: str) -> Sequence[str]:
        return ()

    def team_leader(self, team_id: str) -> str:
        return ""


def event_link(base_url: str, facts: EventFacts) -> str:
    link = facts.values.get("link", "")
    if not link or link.startswith(("https://", "http://")):
        return link
    if not base_url:
        return link
    return base_url.rstrip("/") + "/" + link.lstrip("/")


def type_matches(patterns: Sequence[str], event_type: str) -> bool:
    """Exact types or prefixes ending in ``*``; no patterns match everything."""
    if not patterns:
        return True
    return any(event_type == p or (p.endswith("*") and event_type.startswith(p[:-1])) for p in patterns)


def area_matches(area_org_id: str, facts: EventFacts) -> bool:
    if not area_org_id:
        return True
    return area_org_id in facts.org_path or area_org_id in {facts.community_id, facts.street_id, facts.grid_id} - {""}


def subscription_matches(subscription: Subscription, facts: EventFacts) -> bool:
    return (
        subscription.active
        and not subscription.deleted
        and type_matches(subscription.event_types, facts.event_type)
        and area_matches(subscription.area_org_id, facts)
    )


class _Plan:
    def __init__(self, facts: EventFacts, templates: Renderer, link: str) -> None:
        self.facts = facts
        self.templates = templates
        self.link = link
        self.entries: dict[str, InboxEntry] = {}
        self.deliveries: dict[str, Delivery] = {}
        self._messages: dict[tuple[str, str, bool], Message] = {}

    def message(self, kind: str, language: str, *, html: bool = False) -> Message:
        """The rendered message; its HTML part only when asked (e-mail)."""
        key = (kind, language, html)
        found = self._messages.get(key)
        if found is None:
            found = self._messages[key] = self.templates.render(kind, language, self.facts.values, self.link, html=html)
        return found


def _address(channel: Channel, prefs: Preferences | None) -> str:
    if prefs is None:
        return ""
    return {Channel.EMAIL: prefs.email, Channel.SMS: prefs.phone}.get(channel, "")


def _plan_agencies(plan: _Plan, rule: RoutingRule, read_model: RoutingReadModel, payload: str, now: datetime) -> None:
    if not payload:
        return
    facts = plan.facts
    for subscription in read_model.active_subscriptions():
        if not subscription_matches(subscription, facts):
            continue
        made = new_delivery(
            event_id=facts.event_id,
            kind=rule.kind,
            channel=Channel.WEBHOOK,
            recipient_id=subscription.id,
            address=subscription.id,
            message=plan.message(rule.kind, DEFAULT_LANGUAGE),
            now=now,
            urgent=rule.urgent or facts.urgent,
            payload=payload,
        )
        plan.deliveries.setdefault(made.id, made)


def _plan_people(
    plan: _Plan,
    rule: RoutingRule,
    *,
    read_model: RoutingReadModel,
    directory: PeopleDirectory,
    digest: DigestCounter | None,
    now: datetime,
    several: bool,
) -> None:
    facts = plan.facts
    urgent = rule.urgent or facts.urgent
    for person in resolve_all(facts, rule.recipients, directory):
        prefs = read_model.find(Preferences, person)
        if is_muted(rule, prefs):
            continue
        channels = channels_for(rule, prefs)
        if not channels:
            continue
        language = prefs.language if prefs is not None else DEFAULT_LANGUAGE
        message = plan.message(rule.kind, language)
        if Channel.INBOX in channels:
            entry_id = inbox_entry_id(facts.event_id, person, rule.kind if several else "")
            plan.entries.setdefault(
                entry_id,
                new_inbox_entry(
                    entry_id=entry_id, person_id=person, facts=facts, message=message, urgent=urgent, now=now
                ),
            )
        if wants_digest(rule, prefs):
            if digest is not None:
                digest.count_for(person, rule.kind, facts.event_id, now, title=message.title, link=message.link)
            continue
        hold = held_until(now, prefs, urgent)
        for channel in channels:
            address = _address(channel, prefs)
            if channel is Channel.INBOX or not address:
                continue
            made = new_delivery(
                event_id=facts.event_id,
                kind=rule.kind,
                channel=channel,
                recipient_id=person,
                address=address,
                message=plan.message(rule.kind, language, html=True) if channel is Channel.EMAIL else message,
                now=now,
                urgent=urgent,
                not_before=hold,
                delivery_key=f"{person}|{rule.kind}" if several else "",
            )
            plan.deliveries.setdefault(made.id, made)


def _plan_event(
    facts: EventFacts,
    public_payload: str,
    matched: Sequence[RoutingRule],
    read_model: RoutingReadModel,
    people: PeopleDirectory,
    templates: Renderer,
    base_url: str,
    digest: DigestCounter | None,
    now: datetime,
) -> _Plan:
    plan = _Plan(facts, templates, event_link(base_url, facts))
    several = len(matched) > 1
    for rule in matched:
        if AGENCIES in rule.recipients:
            _plan_agencies(plan, rule, read_model, public_payload, now)
        else:
            _plan_people(plan, rule, read_model=read_model, directory=people, digest=digest, now=now, several=several)
    return plan


def handle_apply_events(
    command: ApplyEvents,
    store: BatchStore,
    read_model: BatchReadModel,
    directory: PeopleDirectory | None,
    templates: Renderer,
    rules: Sequence[RoutingRule],
    clock: Callable[[], datetime],
    base_url: str = "",
    digest: DigestCounter | None = None,
) -> ApplyResult:
    """Routes a batch of events (see the module docstring); the new entries and deliveries of
    all of them (``kinds`` left empty)."""
    now = clock()
    people: PeopleDirectory = directory if directory is not None else NoPeople()
    routed = [(item, rules_for(item.facts.event_type, rules)) for item in command.events]
    volunteers = {v for item, matched in routed if matched for ids in item.facts.volunteer_ids.values() for v in ids}
    if volunteers:
        people.persons_of_volunteers(sorted(volunteers))  # one call for the batch; the cache serves the rest
    entries: dict[str, InboxEntry] = {}
    deliveries: dict[str, Delivery] = {}
    for item, matched in routed:
        if not matched:
            continue
        plan = _plan_event(
            item.facts, item.public_payload, matched, read_model, people, templates, base_url, digest, now
        )
        for entry_id, entry in plan.entries.items():
            if not read_model.holds(InboxEntry, entry_id):
                entries.setdefault(entry_id, entry)
        for delivery_id, delivery in plan.deliveries.items():
            if not read_model.holds(Delivery, delivery_id):
                deliveries.setdefault(delivery_id, delivery)
    inserted: set[str] = set()
    for made in (list(entries.values()), list(deliveries.values())):  # entries held even if deliveries fail
        if not made:
            continue
        stored = store.insert_new(made)
        for aggregate in made:
            if aggregate.id in stored:
                read_model.put(aggregate)
        inserted |= stored
    return ApplyResult(
        inbox_entry_ids=tuple(i for i in entries if i in inserted),
        delivery_ids=tuple(i for i in deliveries if i in inserted),
    )


def handle_apply_event(
    command: ApplyEvent,
    uow: UnitOfWork,
    read_model: RoutingReadModel,
    directory: PeopleDirectory | None,
    templates: Renderer,
    rules: Sequence[RoutingRule],
    clock: Callable[[], datetime],
    base_url: str = "",
    digest: DigestCounter | None = None,
) -> ApplyResult:
    """Routes one event (see the module docstring); returns the new entries and deliveries."""
    facts = command.facts
    matched = rules_for(facts.event_type, rules)
    if not matched:
        return ApplyResult()
    now = clock()
    people: PeopleDirectory = directory if directory is not None else NoPeople()
    plan = _plan_event(facts, command.public_payload, matched, read_model, people, templates, base_url, digest, now)
    kinds = tuple(rule.kind for rule in matched)
    if not plan.entries and not plan.deliveries:
        return ApplyResult(kinds=kinds)
    with uow.start(*plan.entries, *plan.deliveries) as work:
        new_entries = [e for e in plan.entries.values() if work.get(InboxEntry, e.id) is None]
        new_deliveries = [d for d in plan.deliveries.values() if work.get(Delivery, d.id) is None]
        added: list[Any] = [*new_entries, *new_deliveries]
        for aggregate in added:
            work.add(aggregate)
        if added:
            work.commit()
    return ApplyResult(
        inbox_entry_ids=tuple(e.id for e in new_entries),
        delivery_ids=tuple(d.id for d in new_deliveries),
        kinds=kinds,
    )
