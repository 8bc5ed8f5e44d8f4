"""Who a routing rule's selector names for one event, as person ids.

A part of the event (``requester``, ``candidates``, ``handler``...) is looked up in all three
of the event's maps, so an input adapter may put a part where it knows it best:
``EventFacts.people[part]`` are person ids already; ``volunteer_ids[part]`` are volunteer ids
(resolved through the people directory); ``handlers[part]`` are handler references:

- ``volunteer``: the volunteer's person;
- ``team``: the team's leader;
- ``unit``, ``department``, ``organization``: the liaisons there, else its admins;
- ``staff``, ``person``, ``resident``: the id is a person id;
- anything else (``other``): nobody.

``role:<role>@<scope>`` asks the directory for the holders of the role at the event's
community, street, grid or department. ``@department`` climbs: when the department has no
holder of the role, the nearest ancestor that has some is used ("then the next level up").

The result is deduplicated, in first-seen order, without empty ids. ``agencies`` is resolved
by the ApplyEvent handler (subscriptions), not here: it gives ().
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol

from .model import EventFacts, HandlerRef
from .routing import AGENCIES, PARTS, parse_role_selector


class PeopleDirectory(Protocol):
    """What resolving needs of ``service_layer.ports.PeopleDirectory`` (the same methods;
    declared here so the domain does not import the service layer)."""

    def persons_of_volunteers(self, volunteer_ids: Iterable[str]) -> dict[str, str]: ...

    def role_holders(self, role: str, org_id: str) -> Sequence[str]: ...

    def ancestors(self, org_id: str) -> Sequence[str]: ...

    def team_leader(self, team_id: str) -> str: ...


#: Roles that act for an organisation a request is assigned, transferred or escalated to.
ACTING_ROLES = ("liaison", "admin")
_PERSON_KINDS = frozenset({"staff", "person", "resident"})
_ORG_KINDS = frozenset({"unit", "department", "organization"})


def _unique(ids: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(i for i in ids if i))


def acting_persons(org_id: str, directory: PeopleDirectory) -> tuple[str, ...]:
    """The organisation's liaisons, else its admins."""
    for role in ACTING_ROLES:
        holders = _unique(directory.role_holders(role, org_id))
        if holders:
            return holders
    return ()


def handler_persons(refs: Iterable[HandlerRef], directory: PeopleDirectory) -> tuple[str, ...]:
    refs = tuple(refs)
    volunteers = [ref.id for ref in refs if ref.kind == "volunteer" and ref.id]
    persons_of = directory.persons_of_volunteers(volunteers) if volunteers else {}
    found: list[str] = []
    for ref in refs:
        if not ref.id:
            continue
        if ref.kind == "volunteer":
            found.append(persons_of.get(ref.id, ""))
        elif ref.kind == "team":
            found.append(directory.team_leader(ref.id))
        elif ref.kind in _ORG_KINDS:
            found.extend(acting_persons(ref.id, directory))
        elif ref.kind in _PERSON_KINDS:
            found.append(ref.id)
    return _unique(found)


def part_persons(facts: EventFacts, part: str, directory: PeopleDirectory) -> tuple[str, ...]:
    people = facts.people.get(part, ())
    volunteer_ids = tuple(v for v in facts.volunteer_ids.get(part, ()) if v)
    from_volunteers: tuple[str, ...] = ()
    if volunteer_ids:
        persons_of = directory.persons_of_volunteers(volunteer_ids)
        from_volunteers = tuple(persons_of.get(v, "") for v in volunteer_ids)
    from_handlers = handler_persons(facts.handlers.get(part, ()), directory)
    return _unique((*people, *from_volunteers, *from_handlers))


def climbing_holders(role: str, org_id: str, directory: PeopleDirectory) -> tuple[str, ...]:
    """Holders of ``role`` at ``org_id``, else at the nearest ancestor that has some."""
    if not org_id:
        return ()
    holders = _unique(directory.role_holders(role, org_id))
    if holders:
        return holders
    for ancestor in directory.ancestors(org_id):
        holders = _unique(directory.role_holders(role, ancestor))
        if holders:
            return holders
    return ()


def _scope_id(facts: EventFacts, scope: str) -> str:
    return {
        "community": facts.community_id,
        "street": facts.street_id,
        "grid": facts.grid_id,
        "department": facts.department_id,
    }.get(scope, "")


def resolve(facts: EventFacts, selector: str, directory: PeopleDirectory) -> tuple[str, ...]:
    """The person ids ``selector`` names for this event (see the module docstring)."""
    if selector == AGENCIES:
        return ()
    if selector in PARTS:
        return part_persons(facts, selector, directory)
    parsed = parse_role_selector(selector)
    if parsed is None:
        raise ValueError(f"recipients: unknown selector {selector!r}")
    role, scope = parsed
    org_id = _scope_id(facts, scope)
    if scope == "department":
        return climbing_holders(role, org_id, directory)
    return _unique(directory.role_holders(role, org_id)) if org_id else ()


def resolve_all(facts: EventFacts, selectors: Iterable[str], directory: PeopleDirectory) -> tuple[str, ...]:
    """Every person the selectors name, deduplicated across selectors (first-seen order)."""
    return _unique(person for selector in selectors for person in resolve(facts, selector, directory))
