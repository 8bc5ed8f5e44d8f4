"""Tree rules: placement, creation, update, move (cycles, path recomputation), archive."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from linli.organizations.adapters.event_payloads import encode
from linli.organizations.domain import events as ev
from linli.organizations.domain.errors import (
    ConflictError,
    NotFoundError,
    PreconditionError,
    ValidationError,
)
from linli.organizations.domain.model import LocalizedText, Organization, OrganizationKind
from linli.organizations.domain.tree import (
    MAX_DEPTH,
    OrganizationUpdate,
    ancestors_of,
    apply_move,
    archive_organization,
    can_be_placed,
    check_served_organizations,
    nearest_of_kind,
    new_organization,
    plan_archive,
    plan_move,
    recompute_subtree_paths,
    subtree_order,
    update_organization,
)

K = OrganizationKind
NOW = datetime(2025, 3, 1, 8, 0, tzinfo=UTC)


def make(org_id: str, kind: OrganizationKind, parent: Organization | None = None, **kw: object) -> Organization:
    return new_organization(
        org_id=org_id,
        kind=kind,
        code=org_id.upper(),
        name=LocalizedText(zh=f"组织{org_id}", en=org_id),
        parent=parent,
        now=NOW,
        **kw,  # type: ignore[arg-type]
    )


@pytest.fixture
def city() -> dict[str, Organization]:
    """district d > street s1 > community c1 > compound b1 > group g1 > household h1;
    street s2 > community c2."""
    d = make("d", K.DISTRICT)
    s1 = make("s1", K.STREET_OFFICE, d)
    c1 = make("c1", K.COMMUNITY_COMMITTEE, s1)
    b1 = make("b1", K.COMPOUND_BRANCH, c1)
    g1 = make("g1", K.BUILDING_GROUP, b1)
    h1 = make("h1", K.MEMBER_HOUSEHOLD, g1)
    s2 = make("s2", K.STREET_OFFICE, d)
    c2 = make("c2", K.COMMUNITY_COMMITTEE, s2)
    return {o.id: o for o in (d, s1, c1, b1, g1, h1, s2, c2)}


def descendants(orgs: dict[str, Organization], root_id: str) -> list[Organization]:
    return [o for o in orgs.values() if root_id in o.path]


# --------------------------------------------------------------------------- creation


def test_paths_and_depths_follow_the_parents(city: dict[str, Organization]) -> None:
    assert city["d"].path == () and city["d"].depth == 0 and city["d"].parent_id is None
    assert city["h1"].path == ("d", "s1", "c1", "b1", "g1")
    assert city["h1"].depth == 5
    assert city["h1"].parent_id == "g1"


def test_creation_emits_created_event_at_version_1(city: dict[str, Organization]) -> None:
    org = city["c1"]
    assert org.version == 1
    [event] = [encode(e) for e in org.pending_events]
    assert event.type == ev.ORGANIZATION_CREATED
    assert event.subject == "c1"
    assert event.payload["organization"]["path"] == ["d", "s1"]
    assert event.payload["header"]["aggregateVersion"] == "1"


@pytest.mark.parametrize(
    ("kind", "parent_kind", "allowed"),
    [
        (K.DISTRICT, None, True),
        (K.STREET_OFFICE, None, True),
        (K.STREET_OFFICE, K.DISTRICT, True),
        (K.COMMUNITY_COMMITTEE, None, False),
        (K.COMMUNITY_COMMITTEE, K.STREET_OFFICE, True),
        (K.COMPOUND_BRANCH, K.COMMUNITY_COMMITTEE, True),
        (K.BUILDING_GROUP, K.COMPOUND_BRANCH, True),
        (K.MEMBER_HOUSEHOLD, K.BUILDING_GROUP, True),
        (K.DISTRICT, K.STREET_OFFICE, False),
        (K.STREET_OFFICE, K.COMMUNITY_COMMITTEE, False),
        (K.DEPARTMENT, K.DEPARTMENT, True),
        (K.CO_BUILDING_UNIT, K.COMMUNITY_COMMITTEE, True),
    ],
)
def test_placement_table(kind: OrganizationKind, parent_kind: OrganizationKind | None, allowed: bool) -> None:
    assert can_be_placed(kind, parent_kind) is allowed


@pytest.mark.parametrize("kind", list(OrganizationKind))
def test_member_household_is_a_leaf(kind: OrganizationKind) -> None:
    assert not can_be_placed(kind, K.MEMBER_HOUSEHOLD)


def test_disallowed_placement_names_parent_id(city: dict[str, Organization]) -> None:
    with pytest.raises(ValidationError) as err:
        make("x", K.COMMUNITY_COMMITTEE, city["h1"])
    assert err.value.field == "parent_id"
    assert "MEMBER_HOUSEHOLD" in err.value.message


def test_community_may_not_be_a_root() -> None:
    with pytest.raises(ValidationError) as err:
        make("x", K.COMMUNITY_COMMITTEE)
    assert err.value.field == "parent_id"


def test_child_of_archived_parent_is_a_precondition_failure(city: dict[str, Organization]) -> None:
    archive_organization(city["c2"], now=NOW)
    with pytest.raises(PreconditionError) as err:
        make("x", K.COMPOUND_BRANCH, city["c2"])
    assert err.value.field == "parent_id"


def test_depth_is_limited() -> None:
    parent = make("root", K.DEPARTMENT)
    for i in range(MAX_DEPTH):
        parent = make(f"dep{i}", K.DEPARTMENT, parent)
    assert parent.depth == MAX_DEPTH
    with pytest.raises(ValidationError) as err:
        make("too-deep", K.DEPARTMENT, parent)
    assert err.value.field == "parent_id"


def test_unit_links_only_on_units_and_departments(city: dict[str, Organization]) -> None:
    with pytest.raises(ValidationError) as err:
        make("x", K.COMPOUND_BRANCH, city["c1"], accepted_categories=["noise"])
    assert err.value.field == "accepted_categories"
    unit = make(
        "police",
        K.DEPARTMENT,
        city["d"],
        served_org_ids=["s1", "s1", "c2"],
        accepted_categories=["Noise", "safety"],
        response_deadline_minutes=120,
    )
    assert unit.served_org_ids == ("s1", "c2")
    assert unit.accepted_categories == ("noise", "safety")


def test_categories_need_a_deadline(city: dict[str, Organization]) -> None:
    with pytest.raises(ValidationError) as err:
        make("u", K.CO_BUILDING_UNIT, city["s1"], accepted_categories=["noise"])
    assert err.value.field == "response_deadline_minutes"


def test_served_organisations_are_checked(city: dict[str, Organization]) -> None:
    check_served_organizations(["s1", "c2"], city)
    with pytest.raises(NotFoundError) as err:
        check_served_organizations(["s1", "nope"], city)
    assert err.value.field == "served_org_ids[1]"
    with pytest.raises(ValidationError) as verr:
        check_served_organizations(["h1"], city)
    assert verr.value.field == "served_org_ids[0]"


# --------------------------------------------------------------------------- update


def test_update_changes_masked_fields_only(city: dict[str, Organization]) -> None:
    org = city["c1"]
    org.pending_events.clear()
    changed = update_organization(
        org,
        ["name"],
        OrganizationUpdate(name=LocalizedText(zh=" 东山社区 "), code="IGNORED"),
        now=NOW + timedelta(minutes=1),
        expected_version=1,
    )
    assert changed == ("name",)
    assert org.name == LocalizedText(zh="东山社区")
    assert org.code == "C1"
    assert org.version == 2
    [event] = [encode(e) for e in org.pending_events]
    assert event.type == ev.ORGANIZATION_UPDATED
    assert event.payload["changedFields"] == ["name"]


def test_update_with_no_change_is_a_no_op(city: dict[str, Organization]) -> None:
    org = city["c1"]
    org.pending_events.clear()
    assert update_organization(org, ["code"], OrganizationUpdate(code="C1"), now=NOW) == ()
    assert org.version == 1
    assert org.pending_events == []


def test_update_empty_mask_uses_set_fields(city: dict[str, Organization]) -> None:
    org = city["c1"]
    assert update_organization(org, [], OrganizationUpdate(code="NEW-CODE"), now=NOW) == ("code",)
    assert org.code == "NEW-CODE"


def test_update_stale_version_conflicts(city: dict[str, Organization]) -> None:
    with pytest.raises(ConflictError) as err:
        update_organization(city["c1"], ["code"], OrganizationUpdate(code="X"), now=NOW, expected_version=7)
    assert err.value.field == "expected_version"


def test_update_rejects_unknown_mask_path(city: dict[str, Organization]) -> None:
    with pytest.raises(ValidationError) as err:
        update_organization(city["c1"], ["kind"], OrganizationUpdate(), now=NOW)
    assert err.value.field == "update_mask"


def test_update_bad_name_names_the_field(city: dict[str, Organization]) -> None:
    with pytest.raises(ValidationError) as err:
        update_organization(city["c1"], ["name"], OrganizationUpdate(name=LocalizedText(en="x" * 101)), now=NOW)
    assert err.value.field == "name.en"


# --------------------------------------------------------------------------- move


def test_recompute_subtree_paths_swaps_the_prefix() -> None:
    paths = recompute_subtree_paths(
        "c1",
        old_path=("d", "s1"),
        new_path=("d", "s2"),
        descendant_paths={"b1": ("d", "s1", "c1"), "g1": ("d", "s1", "c1", "b1")},
    )
    assert paths == {"b1": ("d", "s2", "c1"), "g1": ("d", "s2", "c1", "b1")}


def test_recompute_subtree_paths_to_root_and_deeper() -> None:
    assert recompute_subtree_paths("x", ("a", "b", "c"), (), {"y": ("a", "b", "c", "x")}) == {"y": ("x",)}
    assert recompute_subtree_paths("x", (), ("p", "q"), {"y": ("x",), "z": ("x", "y")}) == {
        "y": ("p", "q", "x"),
        "z": ("p", "q", "x", "y"),
    }


def test_recompute_subtree_paths_rejects_non_descendants() -> None:
    with pytest.raises(ValueError):
        recompute_subtree_paths("c1", ("d", "s1"), ("d", "s2"), {"c2": ("d", "s2")})


def test_move_subtree_rewrites_paths(city: dict[str, Organization]) -> None:
    c1 = city["c1"]
    below = descendants(city, "c1")
    plan = plan_move(c1, city["s2"], below, expected_version=1)
    assert plan.new_path == ("d", "s2")
    assert plan.descendant_paths["h1"] == ("d", "s2", "c1", "b1", "g1")
    apply_move(c1, plan, below, now=NOW + timedelta(hours=1))
    assert c1.parent_id == "s2" and c1.path == ("d", "s2") and c1.version == 2
    assert city["h1"].path == ("d", "s2", "c1", "b1", "g1")
    assert city["h1"].version == 1  # derived path: descendants keep their version
    moved = encode(c1.pending_events[-1])
    assert moved.type == ev.ORGANIZATION_MOVED
    assert moved.payload["oldPath"] == ["d", "s1"]
    assert moved.payload["newPath"] == ["d", "s2"]
    assert moved.payload["movedDescendants"] == 3
    # every descendant is still found by a path query on the moved root
    assert {o.id for o in descendants(city, "c1")} == {"b1", "g1", "h1"}
    assert {o.id for o in descendants(city, "s1")} == set()


def test_move_into_own_subtree_is_a_cycle(city: dict[str, Organization]) -> None:
    s1 = city["s1"]
    with pytest.raises(PreconditionError) as err:
        plan_move(s1, city["c1"], descendants(city, "s1"))
    assert err.value.field == "new_parent_id"
    assert "cycle" in err.value.message


def test_move_under_itself_is_a_cycle(city: dict[str, Organization]) -> None:
    with pytest.raises(PreconditionError) as err:
        plan_move(city["c1"], city["c1"], [])
    assert "itself" in err.value.message


def test_move_under_a_deep_descendant_is_a_cycle(city: dict[str, Organization]) -> None:
    with pytest.raises(PreconditionError):
        plan_move(city["d"], city["h1"], descendants(city, "d"))


def test_move_checks_placement_and_archived_parent(city: dict[str, Organization]) -> None:
    with pytest.raises(ValidationError) as err:
        plan_move(city["c1"], city["c2"], descendants(city, "c1"))  # community under community
    assert err.value.field == "new_parent_id"
    archive_organization(city["c2"], now=NOW)
    with pytest.raises(PreconditionError):
        plan_move(city["b1"], city["c2"], descendants(city, "b1"))


def test_move_to_same_parent_is_a_no_op(city: dict[str, Organization]) -> None:
    c1 = city["c1"]
    plan = plan_move(c1, city["s1"], descendants(city, "c1"))
    assert plan.is_noop
    apply_move(c1, plan, descendants(city, "c1"), now=NOW)
    assert c1.version == 1


def test_move_stale_version_conflicts(city: dict[str, Organization]) -> None:
    with pytest.raises(ConflictError):
        plan_move(city["c1"], city["s2"], [], expected_version=3)


def test_move_street_to_root(city: dict[str, Organization]) -> None:
    s1 = city["s1"]
    below = descendants(city, "s1")
    plan = plan_move(s1, None, below)
    apply_move(s1, plan, below, now=NOW)
    assert s1.parent_id is None and s1.path == ()
    assert city["h1"].path == ("s1", "c1", "b1", "g1")


def test_move_respects_max_depth() -> None:
    chain = [make("r", K.DEPARTMENT)]
    for i in range(MAX_DEPTH):
        chain.append(make(f"n{i}", K.DEPARTMENT, chain[-1]))
    other = make("o", K.DEPARTMENT)
    sub = make("sub", K.DEPARTMENT, other)
    subsub = make("subsub", K.DEPARTMENT, sub)
    with pytest.raises(ValidationError):
        plan_move(sub, chain[-2], [subsub])


# --------------------------------------------------------------------------- archive


def test_archive_with_active_children_needs_cascade(city: dict[str, Organization]) -> None:
    with pytest.raises(PreconditionError) as err:
        plan_archive(city["c1"], descendants(city, "c1"), cascade=False)
    assert err.value.field == "cascade"
    assert "1 active children" in err.value.message


def test_cascade_archive_marks_not_deletes(city: dict[str, Organization]) -> None:
    targets = plan_archive(city["c1"], descendants(city, "c1"), cascade=True)
    assert [o.id for o in targets] == ["c1", "b1", "g1", "h1"]
    for org in targets:
        assert archive_organization(org, now=NOW, reason="merged", cascade_root_id="c1")
    assert all(city[i].archived and city[i].archived_at == NOW for i in ("c1", "b1", "g1", "h1"))
    assert len(city) == 8  # nothing deleted
    event = encode(city["h1"].pending_events[-1])
    assert event.type == ev.ORGANIZATION_ARCHIVED
    assert event.payload["cascadeRootId"] == "c1"
    assert event.payload["organization"]["archived"] is True


def test_archive_leaf_and_archived_descendants_do_not_block(city: dict[str, Organization]) -> None:
    assert [o.id for o in plan_archive(city["h1"], [], cascade=False)] == ["h1"]
    for org in plan_archive(city["g1"], descendants(city, "g1"), cascade=True):
        archive_organization(org, now=NOW)
    assert plan_archive(city["b1"], descendants(city, "b1"), cascade=False) == (city["b1"],)


def test_archive_twice_is_a_no_op(city: dict[str, Organization]) -> None:
    h1 = city["h1"]
    assert archive_organization(h1, now=NOW)
    version = h1.version
    assert plan_archive(h1, [], cascade=False) == ()
    assert not archive_organization(h1, now=NOW)
    assert h1.version == version


# --------------------------------------------------------------------------- queries


def test_ancestors_and_nearest_kind(city: dict[str, Organization]) -> None:
    ancestors = ancestors_of(city["h1"], city)
    assert [a.id for a in ancestors] == ["d", "s1", "c1", "b1", "g1"]
    community = nearest_of_kind(city["h1"], ancestors, K.COMMUNITY_COMMITTEE)
    assert community is not None and community.id == "c1"
    assert nearest_of_kind(city["d"], [], K.STREET_OFFICE) is None


def test_subtree_order_is_by_depth_then_code(city: dict[str, Organization]) -> None:
    ordered = subtree_order(descendants(city, "d"))
    assert [o.id for o in ordered] == ["s1", "s2", "c1", "c2", "b1", "g1", "h1"]
