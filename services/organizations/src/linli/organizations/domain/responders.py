"""Which co-building units and departments answer a request category for an organisation.

A unit serving a street serves every community below it, so a unit matches when it serves
the organisation itself or any of its ancestors. The nearest match wins (a community's own
police liaison before the district's), then the shortest response deadline, then the code,
which makes the escalation target deterministic.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from .model import Organization
from .tree import RESPONDER_KINDS


@dataclass(frozen=True, slots=True)
class Responder:
    """A unit or department matching a request: ``served_org_id`` is the organisation (the
    target or an ancestor) it serves, ``distance`` how many levels above the target that is."""

    organization: Organization
    served_org_id: str
    distance: int


def normalise_category(category: str) -> str:
    """Categories compare case-insensitively (``rules.validate_categories`` lower-cases)."""
    return category.strip().lower()


def find_responders(category: str, target: Organization, candidates: Iterable[Organization]) -> list[Responder]:
    """Active units and departments among ``candidates`` accepting ``category`` and serving
    ``target`` or one of its ancestors, nearest first. ``candidates`` may be a superset
    (e.g. every unit accepting the category): the rest are filtered out here."""
    wanted = normalise_category(category)
    # distance of each organisation on the target's line: 0 for the target, 1 for its parent...
    line = {org_id: len(target.path) - i for i, org_id in enumerate(target.path)}
    line[target.id] = 0
    found: list[Responder] = []
    for unit in candidates:
        if unit.archived or unit.kind not in RESPONDER_KINDS or wanted not in unit.accepted_categories:
            continue
        matches = [(line[s], s) for s in unit.served_org_ids if s in line]
        if matches:
            distance, served = min(matches)
            found.append(Responder(organization=unit, served_org_id=served, distance=distance))
    found.sort(
        key=lambda r: (
            r.distance,
            r.organization.response_deadline_minutes,
            r.organization.code,
            r.organization.id,
        )
    )
    return found
