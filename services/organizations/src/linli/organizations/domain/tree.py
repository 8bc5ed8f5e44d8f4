"""The organisation tree: placement, creation, update, move and archive.

The tree is stored as a materialised path (``Organization.path``: ancestor ids, root first).
It makes "whole subtree" one indexed query (``path`` contains the root id) and "ancestors"
a read of one document, at the price of rewriting descendants' paths on a move; moves are
rare next to reads, so that is the right trade.

Depth is data: which kinds may sit under which is a table (``ALLOWED_PARENTS``), permissive
enough for five-level and four-level cities alike, strict only where a shape makes no sense
(a member household is a leaf; a community committee is not a root).

These functions take already-loaded aggregates: looking up ids (NotFound) and checking code
uniqueness (AlreadyExists) is the service layer's job, with ``rules.require_found``.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from . import events, rules
from .errors import NotFoundError, PreconditionError, ValidationError
from .events import EventContext, snapshot
from .geo import GeoPoint
from .model import Address, Contact, LocalizedText, Organization, OrganizationKind

K = OrganizationKind

#: Deepest allowed ``depth`` (number of ancestors); real cities use four to six levels.
MAX_DEPTH = 15

#: For each kind, the kinds its parent may have; ``None`` means it may be a root.
ALLOWED_PARENTS: Mapping[OrganizationKind, frozenset[OrganizationKind | None]] = {
    K.DISTRICT: frozenset({None}),
    K.STREET_OFFICE: frozenset({None, K.DISTRICT}),
    K.COMMUNITY_COMMITTEE: frozenset({K.STREET_OFFICE, K.DISTRICT}),
    K.COMPOUND_BRANCH: frozenset({K.COMMUNITY_COMMITTEE, K.STREET_OFFICE}),
    K.BUILDING_GROUP: frozenset({K.COMPOUND_BRANCH, K.COMMUNITY_COMMITTEE}),
    K.MEMBER_HOUSEHOLD: frozenset({K.BUILDING_GROUP, K.COMPOUND_BRANCH, K.COMMUNITY_COMMITTEE}),
    K.CO_BUILDING_UNIT: frozenset({None, K.DISTRICT, K.STREET_OFFICE, K.COMMUNITY_COMMITTEE}),
    K.DEPARTMENT: frozenset({None, K.DISTRICT, K.STREET_OFFICE, K.DEPARTMENT}),
    K.SOCIAL_ORGANIZATION: frozenset({None, K.DISTRICT, K.STREET_OFFICE, K.COMMUNITY_COMMITTEE}),
}

#: Kinds that answer escalations and so carry served orgs, categories and a deadline.
RESPONDER_KINDS = frozenset({K.CO_BUILDING_UNIT, K.DEPARTMENT})
#: Kinds a unit or department may be linked to as "served" (territorial organisations).
SERVABLE_KINDS = frozenset({K.DISTRICT, K.STREET_OFFICE, K.COMMUNITY_COMMITTEE, K.COMPOUND_BRANCH, K.BUILDING_GROUP})

#: Fields ``update_organization`` may change (update mask paths).
UPDATABLE_FIELDS = frozenset(
    {
        "name",
        "code",
        "address",
        "location",
        "contacts",
        "served_org_ids",
        "accepted_categories",
        "response_deadline_minutes",
    }
)


def _label(kind: OrganizationKind | None) -> str:
    return "the root" if kind is None else kind.name


def can_be_placed(kind: OrganizationKind, parent_kind: OrganizationKind | None) -> bool:
    """True when an organisation of ``kind`` may have a parent of ``parent_kind`` (None: be a
    root)."""
    return parent_kind in ALLOWED_PARENTS[kind]


def check_placement(kind: OrganizationKind, parent: Organization | None, field: str = "parent_id") -> None:
    """Raises when ``kind`` may not sit under ``parent``: archived parent
    (FAILED_PRECONDITION), disallowed kinds or too deep (INVALID_ARGUMENT)."""
    if parent is not None and parent.archived:
        raise PreconditionError(field, f"parent {parent.id} is archived")
    parent_kind = None if parent is None else parent.kind
    if not can_be_placed(kind, parent_kind):
        allowed = ", ".join(sorted(_label(k) for k in ALLOWED_PARENTS[kind]))
        where = "at the root" if parent is None else f"under a {parent_kind and parent_kind.name}"
        raise ValidationError(field, f"a {kind.name} cannot be placed {where} (allowed: {allowed})")
    if parent is not None and parent.depth + 1 > MAX_DEPTH:
        raise ValidationError(field, f"the tree may be at most {MAX_DEPTH + 1} levels deep")


def child_path(parent: Organization | None) -> tuple[str, ...]:
    """The materialised path of a new child of ``parent`` (empty for a root)."""
    return () if parent is None else parent.subtree_path


def _validate_unit_links(
    kind: OrganizationKind,
    served_org_ids: Sequence[str],
    accepted_categories: Sequence[str],
    response_deadline_minutes: int,
) -> tuple[tuple[str, ...], tuple[str, ...], int]:
    served = rules.validate_id_list(served_org_ids, "served_org_ids")
    categories = rules.validate_categories(accepted_categories)
    deadline = rules.validate_response_deadline(response_deadline_minutes)
    if kind not in RESPONDER_KINDS:
        for name, value in (
            ("served_org_ids", served),
            ("accepted_categories", categories),
            ("response_deadline_minutes", deadline),
        ):
            if value:
                raise ValidationError(
                    name, f"only co-building units and departments have {name}; this is a {kind.name}"
                )
    elif categories and not deadline:
        raise ValidationError("response_deadline_minutes", "must be set (> 0) when accepted_categories are given")
    return served, categories, deadline


def check_served_organizations(
    served_org_ids: Sequence[str],
    found: Mapping[str, Organization],
    *,
    self_id: str = "",
    field: str = "served_org_ids",
) -> None:
    """Links of a unit to the organisations it serves: every id exists (NOT_FOUND), is a
    territorial organisation (INVALID_ARGUMENT), is active (FAILED_PRECONDITION).
    ``found`` holds the organisations the service layer could load."""
    for i, org_id in enumerate(served_org_ids):
        at = f"{field}[{i}]"
        org = found.get(org_id)
        if org is None:
            raise NotFoundError(at, f"organisation {org_id} not found")
        if org_id == self_id:
            raise ValidationError(at, "an organisation cannot serve itself")
        if org.kind not in SERVABLE_KINDS:
            raise ValidationError(at, f"{org_id} is a {org.kind.name}; units serve streets and communities")
        if org.archived:
            raise PreconditionError(at, f"organisation {org_id} is archived")


def new_organization(
    *,
    org_id: str,
    kind: OrganizationKind,
    code: str,
    name: LocalizedText,
    parent: Organization | None,
    now: datetime,
    ctx: EventContext | None = None,
    address: Address | None = None,
    location: GeoPoint | None = None,
    contacts: Sequence[Contact] = (),
    served_org_ids: Sequence[str] = (),
    accepted_categories: Sequence[str] = (),
    response_deadline_minutes: int = 0,
) -> Organization:
    """A validated new organisation at version 1 with its OrganizationCreated event.

    ``parent`` is the loaded parent (None for a root). Served organisations are checked
    separately with ``check_served_organizations`` (they need lookups).
    """
    served, categories, deadline = _validate_unit_links(
        kind, served_org_ids, accepted_categories, response_deadline_minutes
    )
    org = Organization(
        id=rules.validate_id(org_id, "id"),
        kind=kind,
        code=rules.validate_code(code),
        name=rules.validate_name(name),
        parent_id=None if parent is None else parent.id,
        path=child_path(parent),
        address=rules.validate_address(address),
        location=rules.validate_location(location),
        contacts=rules.validate_contacts(contacts),
        served_org_ids=served,
        accepted_categories=categories,
        response_deadline_minutes=deadline,
        created_at=now,
        updated_at=now,
    )
    check_placement(kind, parent)
    org.pending_events.append(events.OrganizationCreated(snapshot(org), ctx or EventContext()))
    return org


@dataclass(frozen=True, slots=True)
class OrganizationUpdate:
    """New values for ``update_organization``; only the fields named in the mask apply, so
    a masked field left at its default clears it (e.g. ``address=None``)."""

    name: LocalizedText = field(default_factory=LocalizedText)
    code: str = ""
    address: Address | None = None
    location: GeoPoint | None = None
    contacts: Sequence[Contact] = ()
    served_org_ids: Sequence[str] = ()
    accepted_categories: Sequence[str] = ()
    response_deadline_minutes: int = 0

    def set_fields(self) -> frozenset[str]:
        """The fields holding a non-default value: the mask to use when none was given."""
        default = OrganizationUpdate()
        return frozenset(f for f in UPDATABLE_FIELDS if getattr(self, f) != getattr(default, f))


def update_organization(
    org: Organization,
    mask: Collection[str],
    values: OrganizationUpdate,
    *,
    now: datetime,
    expected_version: int = 0,
    ctx: EventContext | None = None,
) -> tuple[str, ...]:
    """Applies the masked fields and returns the names of those that really changed.

    Nothing changed (e.g. a retried call): no version bump, no event. Kind and parent are
    not updatable here (parent: ``plan_move``). A changed ``code`` must be checked for
    uniqueness by the caller; served organisations with ``check_served_organizations``.
    """
    rules.check_version(org.version, expected_version, f"organisation {org.id}")
    if org.archived:
        raise PreconditionError("id", f"organisation {org.id} is archived")
    paths = frozenset(mask) if mask else values.set_fields()
    rules.validate_update_mask(paths, UPDATABLE_FIELDS)

    served, categories, deadline = _validate_unit_links(
        org.kind,
        values.served_org_ids if "served_org_ids" in paths else org.served_org_ids,
        values.accepted_categories if "accepted_categories" in paths else org.accepted_categories,
        values.response_deadline_minutes if "response_deadline_minutes" in paths else org.response_deadline_minutes,
    )
    new: dict[str, object] = {"served_org_ids": served, "accepted_categories": categories}
    new["response_deadline_minutes"] = deadline
    if "name" in paths:
        new["name"] = rules.validate_name(values.name)
    if "code" in paths:
        new["code"] = rules.validate_code(values.code)
    if "address" in paths:
        new["address"] = rules.validate_address(values.address)
    if "location" in paths:
        new["location"] = rules.validate_location(values.location)
    if "contacts" in paths:
        new["contacts"] = rules.validate_contacts(values.contacts)

    changed = tuple(sorted(k for k, v in new.items() if getattr(org, k) != v))
    if not changed:
        return ()
    for key in changed:
        setattr(org, key, new[key])
    org.touch(now)
    org.pending_events.append(events.OrganizationUpdated(snapshot(org), ctx or EventContext(), changed_fields=changed))
    return changed


# --------------------------------------------------------------------------- move


def recompute_subtree_paths(
    moved_id: str,
    old_path: Sequence[str],
    new_path: Sequence[str],
    descendant_paths: Mapping[str, Sequence[str]],
) -> dict[str, tuple[str, ...]]:
    """New paths of the descendants of ``moved_id`` when it moves from ``old_path`` to
    ``new_path`` (its own ancestor lists): the prefix up to the moved node is swapped, the
    part below it kept. ``descendant_paths`` maps descendant id to its current path; a path
    that does not pass through ``moved_id`` is a caller bug (ValueError)."""
    old_prefix = (*old_path, moved_id)
    new_prefix = (*new_path, moved_id)
    cut = len(old_prefix)
    result: dict[str, tuple[str, ...]] = {}
    for org_id, path in descendant_paths.items():
        if tuple(path[:cut]) != old_prefix:
            raise ValueError(f"{org_id} is not a descendant of {moved_id} (path {list(path)})")
        result[org_id] = (*new_prefix, *path[cut:])
    return result


@dataclass(frozen=True, slots=True)
class MovePlan:
    """What a move changes: the moved organisation's parent and path, and every
    descendant's new path (for the repository to write)."""

    org_id: str
    old_parent_id: str | None
    new_parent_id: str | None
    old_path: tuple[str, ...]
    new_path: tuple[str, ...]
    descendant_paths: Mapping[str, tuple[str, ...]]

    @property
    def is_noop(self) -> bool:
        """Moving under the current parent changes nothing."""
        return self.old_parent_id == self.new_parent_id


def check_move(org: Organization, new_parent: Organization | None, field: str = "new_parent_id") -> None:
    """Cycle prevention and placement: the new parent may not be the organisation or lie
    inside its subtree (FAILED_PRECONDITION); archived organisations do not move."""
    if org.archived:
        raise PreconditionError("id", f"organisation {org.id} is archived")
    if new_parent is not None and new_parent.is_in_subtree_of(org.id):
        what = "itself" if new_parent.id == org.id else f"{new_parent.id}, which is inside its own subtree"
        raise PreconditionError(field, f"cannot move {org.id} under {what} (that would make a cycle)")
    check_placement(org.kind, new_parent, field)


def plan_move(
    org: Organization,
    new_parent: Organization | None,
    descendants: Iterable[Organization],
    *,
    expected_version: int = 0,
) -> MovePlan:
    """Validates a move of ``org``'s subtree under ``new_parent`` (None: make it a root) and
    computes the new paths. ``descendants`` are the organisations currently below ``org``
    (archived ones included: their paths move too)."""
    rules.check_version(org.version, expected_version, f"organisation {org.id}")
    check_move(org, new_parent)
    new_path = child_path(new_parent)
    paths = recompute_subtree_paths(org.id, org.path, new_path, {d.id: d.path for d in descendants})
    deepest = max((len(p) for p in paths.values()), default=len(new_path))
    if deepest > MAX_DEPTH:
        raise ValidationError("new_parent_id", f"the tree may be at most {MAX_DEPTH + 1} levels deep")
    return MovePlan(
        org_id=org.id,
        old_parent_id=org.parent_id,
        new_parent_id=None if new_parent is None else new_parent.id,
        old_path=org.path,
        new_path=new_path,
        descendant_paths=paths,
    )


def apply_move(
    org: Organization,
    plan: MovePlan,
    descendants: Iterable[Organization] = (),
    *,
    now: datetime,
    ctx: EventContext | None = None,
) -> None:
    """Carries out a plan on the moved organisation (new version, OrganizationMoved event)
    and on any loaded ``descendants`` (path only: a path is derived data, so descendants
    keep their version and concurrent edits of them do not conflict with the move)."""
    if plan.org_id != org.id:
        raise ValueError(f"plan is for {plan.org_id}, not {org.id}")
    if plan.is_noop:
        return
    for d in descendants:
        d.path = plan.descendant_paths[d.id]
    org.parent_id = plan.new_parent_id
    org.path = plan.new_path
    org.touch(now)
    org.pending_events.append(
        events.OrganizationMoved(
            snapshot(org),
            ctx or EventContext(),
            old_parent_id=plan.old_parent_id,
            old_path=plan.old_path,
            moved_descendants=len(plan.descendant_paths),
        )
    )


# --------------------------------------------------------------------------- archive


def plan_archive(
    org: Organization,
    active_descendants: Sequence[Organization],
    *,
    cascade: bool,
    expected_version: int = 0,
) -> tuple[Organization, ...]:
    """The organisations an archive call archives, root first.

    Archiving marks, never deletes: requests, events and statistics keep pointing at the
    organisation. With active descendants the call fails (FAILED_PRECONDITION naming
    ``cascade``) unless ``cascade`` is set. Archiving an archived organisation is a no-op
    (empty result), so retries are harmless.
    """
    rules.check_version(org.version, expected_version, f"organisation {org.id}")
    if org.archived:
        return ()
    active = [d for d in active_descendants if not d.archived]
    for d in active:
        if not d.is_in_subtree_of(org.id) or d.id == org.id:
            raise ValueError(f"{d.id} is not a descendant of {org.id}")
    if active and not cascade:
        children = sum(1 for d in active if d.parent_id == org.id)
        raise PreconditionError(
            "cascade",
            f"organisation {org.id} has {children} active children ({len(active)} active descendants); "
            "archive them first or set cascade",
        )
    return (org, *sorted(active, key=lambda d: (d.depth, d.code)))


def archive_organization(
    org: Organization,
    *,
    now: datetime,
    reason: str = "",
    cascade_root_id: str = "",
    ctx: EventContext | None = None,
) -> bool:
    """Marks one organisation archived with its OrganizationArchived event; False when it
    already was. Call it for each organisation ``plan_archive`` returned."""
    if org.archived:
        return False
    org.archived = True
    org.archived_at = now
    org.touch(now)
    org.pending_events.append(
        events.OrganizationArchived(
            snapshot(org),
            ctx or EventContext(),
            reason=rules.validate_text(reason, "reason"),
            cascade_root_id=cascade_root_id or org.id,
        )
    )
    return True


# --------------------------------------------------------------------------- queries


def ancestors_of(org: Organization, by_id: Mapping[str, Organization]) -> list[Organization]:
    """The ancestors of ``org`` root first, from a map holding them (NotFoundError naming
    ``path`` when one is missing: a broken path)."""
    result = []
    for ancestor_id in org.path:
        ancestor = by_id.get(ancestor_id)
        if ancestor is None:
            raise NotFoundError("path", f"ancestor {ancestor_id} of {org.id} not found")
        result.append(ancestor)
    return result


def nearest_of_kind(
    org: Organization, ancestors: Sequence[Organization], kind: OrganizationKind
) -> Organization | None:
    """The nearest organisation of ``kind`` among ``org`` and its ancestors (root first)."""
    for candidate in (org, *reversed(ancestors)):
        if candidate.kind is kind:
            return candidate
    return None


def subtree_order(orgs: Iterable[Organization]) -> list[Organization]:
    """The order ListSubtree pages in: by depth, then code, then id (stable cursors)."""
    return sorted(orgs, key=lambda o: (o.depth, o.code, o.id))
