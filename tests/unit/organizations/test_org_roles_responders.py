"""Roles and visible scopes; responders for a category."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from linli.organizations.adapters.event_payloads import encode
from linli.organizations.domain import events as ev
from linli.organizations.domain.errors import PreconditionError, ValidationError
from linli.organizations.domain.model import (
    LocalizedText,
    Organization,
    OrganizationKind,
    Role,
    RoleAssignment,
)
from linli.organizations.domain.responders import find_responders
from linli.organizations.domain.roles import (
    can_see,
    effective_roles,
    grant_role,
    revoke_role,
    role_assignment_id,
    root_ids,
    visible_scopes,
)
from linli.organizations.domain.tree import new_organization

K = OrganizationKind
NOW = datetime(2025, 3, 1, tzinfo=UTC)


def make(org_id: str, kind: OrganizationKind, parent: Organization | None = None, **kw: object) -> Organization:
    return new_organization(
        org_id=org_id,
        kind=kind,
        code=org_id.upper(),
        name=LocalizedText(en=org_id),
        parent=parent,
        now=NOW,
        **kw,  # type: ignore[arg-type]
    )


@pytest.fixture
def city() -> dict[str, Organization]:
    d = make("d", K.DISTRICT)
    s1 = make("s1", K.STREET_OFFICE, d)
    c1 = make("c1", K.COMMUNITY_COMMITTEE, s1)
    b1 = make("b1", K.COMPOUND_BRANCH, c1)
    s2 = make("s2", K.STREET_OFFICE, d)
    c2 = make("c2", K.COMMUNITY_COMMITTEE, s2)
    return {o.id: o for o in (d, s1, c1, b1, s2, c2)}


def grant(city: dict[str, Organization], person: str, org_id: str, role: Role) -> RoleAssignment:
    assignment, _ = grant_role(
        None, person_id=person, organization=city[org_id], role=role, granted_by="admin", now=NOW
    )
    return assignment


# --------------------------------------------------------------------------- roles


def test_grant_is_idempotent_and_regrant_reactivates(city: dict[str, Organization]) -> None:
    a, changed = grant_role(
        None, person_id="p1", organization=city["c1"], role=Role.DISPATCHER, granted_by="admin", now=NOW
    )
    assert changed and a.active and a.version == 1
    assert a.id == role_assignment_id("p1", "c1", Role.DISPATCHER)
    assert a.pending_events[0].type == ev.ROLE_GRANTED
    again, changed = grant_role(
        a, person_id="p1", organization=city["c1"], role=Role.DISPATCHER, granted_by="admin", now=NOW
    )
    assert again is a and not changed
    assert revoke_role(a, revoked_by="admin", now=NOW)
    assert not revoke_role(a, revoked_by="admin", now=NOW)
    assert not a.active and a.version == 2
    assert a.pending_events[-1].type == ev.ROLE_REVOKED
    again, changed = grant_role(
        a, person_id="p1", organization=city["c1"], role=Role.DISPATCHER, granted_by="admin2", now=NOW
    )
    assert changed and a.active and a.version == 3 and a.revoked_at is None
    assert len({encode(e).id for e in a.pending_events}) == 3  # distinct event ids per change


def test_grant_rules(city: dict[str, Organization]) -> None:
    with pytest.raises(ValidationError) as err:
        grant_role(None, person_id=" ", organization=city["c1"], role=Role.ADMIN, granted_by="a", now=NOW)
    assert err.value.field == "person_id"
    city["c2"].archived = True
    with pytest.raises(PreconditionError) as perr:
        grant_role(None, person_id="p", organization=city["c2"], role=Role.ADMIN, granted_by="a", now=NOW)
    assert perr.value.field == "organization_id"


def test_visible_scopes(city: dict[str, Organization]) -> None:
    assignments = [
        grant(city, "p1", "s1", Role.ADMIN),
        grant(city, "p1", "c1", Role.DISPATCHER),
        grant(city, "p1", "c1", Role.MEMBER),
        grant(city, "p1", "c2", Role.GRID_WORKER),
    ]
    revoked = grant(city, "p1", "d", Role.ADMIN)
    revoke_role(revoked, revoked_by="x", now=NOW)
    scopes = visible_scopes([*assignments, revoked], city)
    assert [(s.root.id, s.nested) for s in scopes] == [("s1", False), ("c1", True), ("c2", False)]
    assert scopes[1].sorted_roles() == [Role.DISPATCHER, Role.MEMBER]
    assert root_ids(scopes) == ["s1", "c2"]
    assert can_see(scopes, city["b1"])
    assert can_see(scopes, city["s1"])
    assert not can_see(scopes, city["s2"])
    assert not can_see(scopes, city["d"])
    assert effective_roles(scopes, city["b1"]) == {Role.ADMIN, Role.DISPATCHER, Role.MEMBER}
    assert effective_roles(scopes, city["c2"]) == {Role.GRID_WORKER}
    assert effective_roles(scopes, city["d"]) == frozenset()


def test_visible_scopes_skip_unknown_organisations(city: dict[str, Organization]) -> None:
    a = grant(city, "p1", "c1", Role.ADMIN)
    assert visible_scopes([a], {}) == []


# --------------------------------------------------------------------------- responders


def test_responders_nearest_first(city: dict[str, Organization]) -> None:
    district_police = make(
        "police-d",
        K.DEPARTMENT,
        city["d"],
        served_org_ids=["d"],
        accepted_categories=["noise", "safety"],
        response_deadline_minutes=240,
    )
    street_police = make(
        "police-s1",
        K.DEPARTMENT,
        city["s1"],
        served_org_ids=["s1"],
        accepted_categories=["noise"],
        response_deadline_minutes=60,
    )
    school = make(
        "school",
        K.CO_BUILDING_UNIT,
        city["c1"],
        served_org_ids=["c1", "s1"],
        accepted_categories=["noise"],
        response_deadline_minutes=120,
    )
    other_street = make(
        "police-s2",
        K.DEPARTMENT,
        city["s2"],
        served_org_ids=["s2"],
        accepted_categories=["noise"],
        response_deadline_minutes=10,
    )
    archived = make(
        "old",
        K.DEPARTMENT,
        city["d"],
        served_org_ids=["c1"],
        accepted_categories=["noise"],
        response_deadline_minutes=1,
    )
    archived.archived = True
    candidates = [district_police, street_police, school, other_street, archived, city["c1"]]
    found = find_responders(" NOISE ", city["b1"], candidates)
    assert [(r.organization.id, r.served_org_id, r.distance) for r in found] == [
        ("school", "c1", 1),
        ("police-s1", "s1", 2),
        ("police-d", "d", 3),
    ]
    assert [r.organization.id for r in find_responders("safety", city["c2"], candidates)] == ["police-d"]
    assert find_responders("water", city["b1"], candidates) == []
