"""Command and query handlers of the organizations service: plain functions, wired to their
commands in ``bootstrap.py`` and given their dependencies by parameter name.

A command handler opens the kit's unit of work on the keys it changes, takes working copies
(``work.get``), lets the domain change them, and commits: one version-checked write per
changed aggregate with its events, then the swap into the directory. Whatever raises first
leaves the database and the directory untouched. Query handlers read the directory without
locks (its objects are snapshots, replaced and never changed in place).

Locks (``KeyedLocks``, taken in sorted order, reentrant):

- the ids of the aggregates a command changes (a new aggregate's id too, so two retries of
  one idempotent create cannot both insert);
- ``code:<kind>:<code>`` for a unique code a command claims, so two creates of one code are
  serialised and the second sees the first in the directory;
- the ids of organisations whose state a command relies on without changing them: the
  served organisations of an update, the owner of a new station, the organisation a role is
  granted in (an archive locks every organisation it archives, so these cannot be archived
  half-way through);
- ``#tree`` for the commands whose outcome depends on the shape of the whole tree: creating,
  moving and archiving an organisation (cycles, materialised paths, "no active children")
  and creating a grid (its community and street come from the owner's ancestors, which a
  move rewrites). They are rare admin operations, so one key is simpler than locking every
  ancestor, and correct. ``#`` sorts before every id and code key, so ``#tree`` is always
  the first lock taken; a move or an archive holds it while it reads the subtree, then also
  locks the subtree's ids (stable while ``#tree`` is held) before changing them.

Checks that only read (lookups, permission) run before the locks where a create needs them
to derive its id; the state they relied on is re-read under the locks.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import NoReturn, TypeVar

from linli.common import validation
from linli.common.commands import Actor, Command
from linli.common.errors import Conflict, PermissionDenied, Unauthenticated
from linli.common.ids import idempotent_id, new_id
from linli.common.unit_of_work import UnitOfWork, Work
from linli.organizations.domain import grids as grid_rules
from linli.organizations.domain import privacy, rules, tree
from linli.organizations.domain import roles as role_rules
from linli.organizations.domain import stations as station_rules
from linli.organizations.domain.errors import AlreadyExistsError, NotFoundError, ValidationError
from linli.organizations.domain.events import EventContext
from linli.organizations.domain.geo import validate_point
from linli.organizations.domain.model import (
    Grid,
    Organization,
    OrganizationKind,
    RoleAssignment,
    Station,
    StationEvent,
    StationKind,
)
from linli.organizations.domain.responders import Responder, find_responders
from linli.organizations.service_layer import commands as c
from linli.organizations.service_layer.ports import OrganizationsReadModel, OrganizationsRepository
from linli.organizations.service_layer.results import Archived, Located, Moved, Revoked, SignedUp

T = TypeVar("T")
A = TypeVar("A")

Clock = Callable[[], datetime]

ADMIN_ROLES = ("admin",)
GLOBAL_ROLES = ("operator", "system")

#: Longest search text looked at (longer ones are refused before any work on them).
SEARCH_QUERY_MAX_LENGTH = 100
#: Longest request category a responder look-up accepts.
CATEGORY_MAX_LENGTH = 100

#: The lock of the tree's shape (see the module docstring); sorts before every other key.
TREE = "#tree"


def organization_code_key(code: str) -> str:
    return f"code:organization:{code.strip()}"


def grid_code_key(code: str) -> str:
    return f"code:grid:{code.strip()}"


def station_code_key(code: str) -> str:
    return f"code:station:{code.strip()}"


# -- helpers ------------------------------------------------------------------------------------
def event_context(actor: Actor) -> EventContext:
    """The caller as the events' header names them: subject, first role, request id."""
    role = next((g.role for g in actor.identity.grants), "")
    return EventContext(actor_person_id=actor.subject, actor_role=role, request_id=actor.request_id)


def is_staff_of(actor: Actor, org_id: str | None, directory: OrganizationsReadModel) -> bool:
    """An operator or system, or an admin of the organisation or one of its ancestors."""
    who = actor.identity
    if who.has_role(*GLOBAL_ROLES):
        return True
    scopes = who.scopes_for(*ADMIN_ROLES)
    if "" in scopes:
        return True
    org = directory.organizations.get(org_id or "")
    return org is not None and bool(scopes & {org.id, *org.path})


def authorize_admin(actor: Actor, org_id: str | None, directory: OrganizationsReadModel) -> None:
    """Changing the tree needs an operator, or an admin of the organisation or an ancestor."""
    if is_staff_of(actor, org_id, directory):
        return
    _refuse(actor, f"is not an administrator of {org_id or 'the top of the tree'}")


def _refuse(actor: Actor, problem: str) -> NoReturn:
    if actor.identity.anonymous:
        raise Unauthenticated("this call needs an authenticated caller")
    raise PermissionDenied(f"{actor.subject} {problem}")


def _may_ask_about_person(actor: Actor, person_id: str) -> bool:
    """Questions naming a person (their roles, scopes, grids): that person, or staff (an
    operator, system or any admin: a person's roles are what admins manage)."""
    who = actor.identity
    return (bool(who.subject) and who.subject == person_id) or who.has_role(*GLOBAL_ROLES, *ADMIN_ROLES)


def _new_id(actor: Actor, prefix: str, idempotency_key: str) -> str:
    """A fresh id, or one derived from the caller's subject and their key: keys are scoped
    to the caller. Every create here needs an authenticated caller (checked before)."""
    if rules.validate_idempotency_key(idempotency_key):
        return idempotent_id(prefix, actor.subject, idempotency_key)
    return new_id(prefix)


_NOT_PAYLOAD = frozenset({"actor", "idempotency_key"})


def payload_digest(command: Command) -> str:
    """A digest of what a create asks for (every field but the caller and the key), kept
    with the new aggregate so that a retry under the same key must ask for the same."""
    parts = [(f.name, getattr(command, f.name)) for f in dataclasses.fields(command) if f.name not in _NOT_PAYLOAD]
    return hashlib.sha256(repr(parts).encode()).hexdigest()


def check_same_payload(stored_digest: str, digest: str, what: str) -> None:
    """A retry returns the first result only when it asks for the same thing: the same key
    with another payload is a Conflict (ABORTED). Records without a digest ("") pass."""
    if stored_digest and stored_digest != digest:
        raise Conflict(
            f"idempotency_key: already used for a different {what}; use a new key for a new request",
            field="idempotency_key",
        )


def _checked_id(item_id: str, field: str) -> str:
    """An id to look up: required and no longer than ids are, so messages naming it stay short."""
    if not item_id:
        raise ValidationError(field, "is required")
    if len(item_id) > validation.ID_MAX_LENGTH:
        raise ValidationError(field, f"{validation.echo(item_id)} is not a valid id")
    return item_id


def _found(items: Mapping[str, T], item_id: str, field: str, what: str) -> T:
    found = items.get(_checked_id(item_id, field))
    if found is None:
        raise NotFoundError(field, f"{what} {item_id} does not exist")
    return found


def organization(directory: OrganizationsReadModel, org_id: str, field: str = "id") -> Organization:
    org = directory.organizations.get(_checked_id(org_id, field))
    if org is None:
        raise NotFoundError(field, f"organisation {org_id} does not exist")
    return org


def _grid_view(actor: Actor, grid: Grid, directory: OrganizationsReadModel) -> Grid:
    return grid if is_staff_of(actor, grid.organization_id, directory) else privacy.public_grid(grid)


def _station_view(actor: Actor, station: Station, directory: OrganizationsReadModel) -> Station:
    return station if is_staff_of(actor, station.organization_id, directory) else privacy.public_station(station)


def _event_view(actor: Actor, event: StationEvent, directory: OrganizationsReadModel) -> StationEvent:
    station = directory.stations.get(event.station_id)
    if station is not None and is_staff_of(actor, station.organization_id, directory):
        return event
    return privacy.public_station_event(event, actor.subject)


def _working(work: Work, kind: type[A], stored: A) -> A:
    """The unit of work's private copy of an aggregate just looked up in the directory."""
    copy = work.get(kind, stored.id)  # type: ignore[attr-defined]
    assert copy is not None, "the directory lost an aggregate under its lock"
    return copy


def _check_code_free(codes: Mapping[str, str], code: str, own_id: str = "") -> None:
    holder = codes.get(code)
    if holder is not None and holder != own_id:
        raise AlreadyExistsError("code", f"{code!r} is already used by {holder}")


def _mask(mask: Sequence[str], set_fields: Callable[[], frozenset[str]]) -> frozenset[str]:
    """The fields an update touches, as the domain will read them (mask, else the set values)."""
    return frozenset(mask) if mask else set_fields()


def _filtered(
    orgs: Iterable[Organization], include_archived: bool, kinds: Sequence[OrganizationKind]
) -> list[Organization]:
    return [o for o in orgs if (include_archived or not o.archived) and (not kinds or o.kind in kinds)]


def _subtree_ids(directory: OrganizationsReadModel, org_id: str) -> list[str]:
    """The organisation and its descendants, or nothing when it does not exist (the handler
    then reports it). Only stable while ``TREE`` is held."""
    if org_id not in directory.organizations:
        return []
    return [org_id, *(d.id for d in directory.subtree(org_id))]


# -- organisations ------------------------------------------------------------------------------
def handle_create_organization(
    command: c.CreateOrganization, uow: UnitOfWork, directory: OrganizationsReadModel, clock: Clock
) -> Organization:
    with uow.locks.hold(TREE):
        parent = organization(directory, command.parent_id, "parent_id") if command.parent_id else None
        authorize_admin(command.actor, parent.id if parent else None, directory)
        org_id = _new_id(command.actor, "org", command.idempotency_key)
        digest = payload_digest(command)
        with uow.start(TREE, org_id, organization_code_key(command.code)) as work:
            if (existing := directory.find(Organization, org_id)) is not None:
                check_same_payload(existing.request_hash, digest, "organisation")
                return existing  # a retry of a create that succeeded
            org = tree.new_organization(
                org_id=org_id,
                kind=command.kind,
                code=command.code,
                name=command.name,
                parent=parent,
                now=clock(),
                ctx=event_context(command.actor),
                address=command.address,
                location=command.location,
                contacts=command.contacts,
                served_org_ids=command.served_org_ids,
                accepted_categories=command.accepted_categories,
                response_deadline_minutes=command.response_deadline_minutes,
            )
            _check_code_free(directory.codes, org.code)
            tree.check_served_organizations(org.served_org_ids, directory.organizations, self_id=org.id)
            org.request_hash = digest
            work.add(org)
            work.commit()
            return org


def handle_update_organization(
    command: c.UpdateOrganization, uow: UnitOfWork, directory: OrganizationsReadModel, clock: Clock
) -> Organization:
    paths = _mask(command.mask, command.values.set_fields)
    keys = [command.id]
    if "code" in paths:
        keys.append(organization_code_key(command.values.code))
    if "served_org_ids" in paths:
        keys.extend(command.values.served_org_ids)
    with uow.start(*keys) as work:
        org = _working(work, Organization, organization(directory, command.id))
        authorize_admin(command.actor, org.id, directory)
        changed = tree.update_organization(
            org,
            command.mask,
            command.values,
            now=clock(),
            expected_version=command.expected_version,
            ctx=event_context(command.actor),
        )
        if not changed:
            return directory.organizations[command.id]
        if "code" in changed:
            _check_code_free(directory.codes, org.code, org.id)
        if "served_org_ids" in changed:
            tree.check_served_organizations(org.served_org_ids, directory.organizations, self_id=org.id)
        work.commit()
        return org


def handle_move_organization(
    command: c.MoveOrganization,
    uow: UnitOfWork,
    directory: OrganizationsReadModel,
    repository: OrganizationsRepository,
    clock: Clock,
) -> Moved:
    with uow.locks.hold(TREE):
        moving = _subtree_ids(directory, command.id)
        grid_ids = [g.id for g in directory.grids.values() if g.organization_id in set(moving)]
        with uow.start(TREE, command.id, *moving, *grid_ids) as work:
            org = _working(work, Organization, organization(directory, command.id))
            new_parent = (
                organization(directory, command.new_parent_id, "new_parent_id") if command.new_parent_id else None
            )
            authorize_admin(command.actor, org.id, directory)
            authorize_admin(command.actor, new_parent.id if new_parent else None, directory)
            descendants = [_working(work, Organization, d) for d in directory.subtree(org.id)]
            plan = tree.plan_move(org, new_parent, descendants, expected_version=command.expected_version)
            if plan.is_noop:
                return Moved(directory.organizations[command.id], 0)
            now = clock()
            ctx = event_context(command.actor)
            tree.apply_move(org, plan, descendants, now=now, ctx=ctx)
            work.commit()  # the parent link and the Moved event: the authoritative change
            for descendant in descendants:
                # derived data, repaired from the parent links at start if a crash interrupts this
                repository.set_path(descendant.id, descendant.path)
                directory.put(descendant)
            _refresh_grids(work, directory, set(moving), now, ctx)
            work.commit()
            return Moved(org, len(descendants))


def _refresh_grids(
    work: Work, directory: OrganizationsReadModel, org_ids: set[str], now: datetime, ctx: EventContext
) -> None:
    """Grids under moved organisations belong to a new community or street now."""
    for grid in list(directory.grids.values()):
        if grid.organization_id not in org_ids:
            continue
        owner = directory.organizations[grid.organization_id]
        grid_rules.refresh_grid_context(_working(work, Grid, grid), owner, directory.ancestors(owner), now=now, ctx=ctx)


def handle_archive_organization(
    command: c.ArchiveOrganization, uow: UnitOfWork, directory: OrganizationsReadModel, clock: Clock
) -> Archived:
    with uow.locks.hold(TREE), uow.start(TREE, command.id, *_subtree_ids(directory, command.id)) as work:
        org = organization(directory, command.id)
        authorize_admin(command.actor, org.id, directory)
        active = [d for d in directory.subtree(org.id) if not d.archived]
        to_archive = tree.plan_archive(org, active, cascade=command.cascade, expected_version=command.expected_version)
        now = clock()
        ctx = event_context(command.actor)
        archived: list[str] = []
        # Deepest first (the unit of work writes in this order): a crash half-way leaves the root
        # active, so repeating the call finishes the job.
        for target in sorted(to_archive, key=lambda o: o.depth, reverse=True):
            changed = _working(work, Organization, target)
            if tree.archive_organization(
                changed, now=now, reason=command.reason, cascade_root_id=org.id if changed.id != org.id else "", ctx=ctx
            ):
                archived.append(changed.id)
        work.commit()
        return Archived(directory.organizations[command.id], archived)


def handle_get_organization(query: c.GetOrganization, directory: OrganizationsReadModel) -> Organization:
    if query.code and not query.id:
        found = directory.codes.get(query.code)
        if found is None:
            raise NotFoundError("code", f"no organisation has code {query.code!r}")
        return directory.organizations[found]
    return organization(directory, query.id)


def handle_list_children(query: c.ListChildren, directory: OrganizationsReadModel) -> list[Organization]:
    if query.parent_id:
        organization(directory, query.parent_id, "parent_id")
    return _filtered(directory.children_of(query.parent_id), query.include_archived, query.kinds)


def handle_get_ancestors(query: c.GetAncestors, directory: OrganizationsReadModel) -> list[Organization]:
    return directory.ancestors(organization(directory, query.id))


def handle_list_subtree(query: c.ListSubtree, directory: OrganizationsReadModel) -> list[Organization]:
    root = organization(directory, query.root_id, "root_id")
    if query.max_depth < 0:
        raise ValidationError("max_depth", "must not be negative")
    found = ([root] if query.include_root else []) + directory.subtree(root.id)
    if query.max_depth:
        found = [o for o in found if o.depth - root.depth <= query.max_depth]
    return _filtered(found, query.include_archived, query.kinds)


def handle_search_organizations(query: c.SearchOrganizations, directory: OrganizationsReadModel) -> list[Organization]:
    if len(query.query) > SEARCH_QUERY_MAX_LENGTH * 4:  # before any work on it
        raise ValidationError("query", f"must be at most {SEARCH_QUERY_MAX_LENGTH} characters")
    needle = query.query.strip().casefold()
    if not needle:
        raise ValidationError("query", "must not be empty")
    if len(needle) > SEARCH_QUERY_MAX_LENGTH:
        raise ValidationError("query", f"must be at most {SEARCH_QUERY_MAX_LENGTH} characters")
    within = organization(directory, query.within_id, "within_id") if query.within_id else None
    hits = [
        org
        for org in directory.organizations.values()
        if (
            needle in org.name.zh.casefold()
            or needle in org.name.en.casefold()
            or org.code.casefold().startswith(needle)
        )
        and (within is None or org.is_in_subtree_of(within.id))
    ]
    # exact code first, then shallower organisations, then by code
    hits.sort(key=lambda o: (o.code.casefold() != needle, o.depth, o.code))
    return _filtered(hits, query.include_archived, query.kinds)


def handle_list_responders(query: c.ListResponders, directory: OrganizationsReadModel) -> list[Responder]:
    if len(query.category) > CATEGORY_MAX_LENGTH:
        raise ValidationError("category", f"must be at most {CATEGORY_MAX_LENGTH} characters")
    if not query.category.strip():
        raise ValidationError("category", "is required")
    target = organization(directory, query.org_id, "org_id")
    return find_responders(query.category, target, directory.organizations.values())


# -- grids ----------------------------------------------------------------------------------------
def handle_create_grid(command: c.CreateGrid, uow: UnitOfWork, directory: OrganizationsReadModel, clock: Clock) -> Grid:
    with uow.locks.hold(TREE):
        owner = organization(directory, command.organization_id, "organization_id")
        authorize_admin(command.actor, owner.id, directory)
        grid_id = _new_id(command.actor, "grid", command.idempotency_key)
        digest = payload_digest(command)
        with uow.start(TREE, grid_id, grid_code_key(command.code)) as work:
            if (existing := directory.find(Grid, grid_id)) is not None:
                check_same_payload(existing.request_hash, digest, "grid")
                return existing
            grid = grid_rules.new_grid(
                grid_id=grid_id,
                owner=owner,
                ancestors=directory.ancestors(owner),
                code=command.code,
                name=command.name,
                shape=command.shape,
                now=clock(),
                households_count=command.households_count,
                leader_person_id=command.leader_person_id,
                worker_person_ids=command.worker_person_ids,
                ctx=event_context(command.actor),
            )
            _check_code_free(directory.grid_codes, grid.code)
            grid.request_hash = digest
            work.add(grid)
            work.commit()
            return grid


def handle_update_grid(command: c.UpdateGrid, uow: UnitOfWork, directory: OrganizationsReadModel, clock: Clock) -> Grid:
    paths = _mask(command.mask, command.values.set_fields)
    keys = [command.id, *([grid_code_key(command.values.code)] if "code" in paths else [])]
    with uow.start(*keys) as work:
        grid = _working(work, Grid, _found(directory.grids, command.id, "id", "grid"))
        authorize_admin(command.actor, grid.organization_id, directory)
        changed = grid_rules.update_grid(
            grid,
            command.mask,
            command.values,
            now=clock(),
            expected_version=command.expected_version,
            ctx=event_context(command.actor),
        )
        if not changed:
            return directory.grids[command.id]
        if "code" in changed:
            _check_code_free(directory.grid_codes, grid.code, grid.id)
        work.commit()
        return grid


def handle_get_grid(query: c.GetGrid, directory: OrganizationsReadModel) -> Grid:
    return _grid_view(query.actor, _found(directory.grids, query.id, "id", "grid"), directory)


def _organizations_under(directory: OrganizationsReadModel, org_id: str) -> set[str]:
    root = organization(directory, org_id, "organization_id")
    return {root.id, *(o.id for o in directory.subtree(root.id))}


def handle_list_grids(query: c.ListGrids, directory: OrganizationsReadModel) -> list[Grid]:
    if query.person_id:
        _checked_id(query.person_id, "person_id")
        if not _may_ask_about_person(query.actor, query.person_id):
            _refuse(query.actor, "may only ask for their own grids")
    owners = _organizations_under(directory, query.organization_id) if query.organization_id else set()
    grids = [
        g
        for g in directory.grids.values()
        if (not query.organization_id or g.organization_id in owners)
        and (query.include_archived or not g.archived)
        and (not query.person_id or query.person_id == g.leader_person_id or query.person_id in g.worker_person_ids)
    ]
    return [_grid_view(query.actor, g, directory) for g in sorted(grids, key=lambda g: g.code)]


def handle_locate_grid(query: c.LocateGrid, directory: OrganizationsReadModel) -> Located | None:
    validate_point(query.point, "point")
    grid = directory.locate(query.point)
    if grid is None:
        return None
    return Located(
        grid=_grid_view(query.actor, grid, directory),
        owner=directory.organizations[grid.organization_id],
        community=directory.organizations.get(grid.community_id or ""),
        street=directory.organizations.get(grid.street_id or ""),
    )


# -- stations -------------------------------------------------------------------------------------
def handle_create_station(
    command: c.CreateStation, uow: UnitOfWork, directory: OrganizationsReadModel, clock: Clock
) -> Station:
    owner = organization(directory, command.organization_id, "organization_id")
    authorize_admin(command.actor, owner.id, directory)
    station_id = _new_id(command.actor, "stn", command.idempotency_key)
    digest = payload_digest(command)
    with uow.start(station_id, owner.id, station_code_key(command.code)) as work:
        if (existing := directory.find(Station, station_id)) is not None:
            check_same_payload(existing.request_hash, digest, "station")
            return existing
        station = station_rules.new_station(
            station_id=station_id,
            owner=directory.organizations[owner.id],
            kind=command.kind,
            code=command.code,
            name=command.name,
            now=clock(),
            address=command.address,
            location=command.location,
            opening_hours=command.opening_hours,
            capacity=command.capacity,
            duty_roster=command.duty_roster,
            contacts=command.contacts,
            ctx=event_context(command.actor),
        )
        _check_code_free(directory.station_codes, station.code)
        station.request_hash = digest
        work.add(station)
        work.commit()
        return station


def handle_update_station(
    command: c.UpdateStation, uow: UnitOfWork, directory: OrganizationsReadModel, clock: Clock
) -> Station:
    paths = _mask(command.mask, command.values.set_fields)
    keys = [command.id, *([station_code_key(command.values.code)] if "code" in paths else [])]
    with uow.start(*keys) as work:
        station = _working(work, Station, _found(directory.stations, command.id, "id", "station"))
        authorize_admin(command.actor, station.organization_id, directory)
        changed = station_rules.update_station(
            station, command.mask, command.values, now=clock(), expected_version=command.expected_version
        )
        if not changed:
            return directory.stations[command.id]
        if "code" in changed:
            _check_code_free(directory.station_codes, station.code, station.id)
        work.commit()  # no event for station edits: the version bump marks the change
        return station


def handle_get_station(query: c.GetStation, directory: OrganizationsReadModel) -> Station:
    return _station_view(query.actor, _found(directory.stations, query.id, "id", "station"), directory)


def _stations_under(
    directory: OrganizationsReadModel, organization_id: str, kinds: Sequence[StationKind], include_archived: bool
) -> list[Station]:
    owners = _organizations_under(directory, organization_id) if organization_id else set()
    found = [
        s
        for s in directory.stations.values()
        if (not owners or s.organization_id in owners)
        and (not kinds or s.kind in kinds)
        and (include_archived or not s.archived)
    ]
    return sorted(found, key=lambda s: s.code)


def handle_list_stations(query: c.ListStations, directory: OrganizationsReadModel) -> list[Station]:
    found = _stations_under(directory, query.organization_id, query.kinds, query.include_archived)
    return [_station_view(query.actor, s, directory) for s in found]


def handle_schedule_station_event(
    command: c.ScheduleStationEvent, uow: UnitOfWork, directory: OrganizationsReadModel, clock: Clock
) -> StationEvent:
    station = _found(directory.stations, command.station_id, "station_id", "station")
    authorize_admin(command.actor, station.organization_id, directory)
    event_id = _new_id(command.actor, "sev", command.idempotency_key)
    digest = payload_digest(command)
    with uow.start(event_id, station.id) as work:
        if (existing := directory.find(StationEvent, event_id)) is not None:
            check_same_payload(existing.request_hash, digest, "station event")
            return existing
        event = station_rules.schedule_event(
            event_id=event_id,
            station=directory.stations[station.id],
            title=command.title,
            starts_at=command.starts_at,
            ends_at=command.ends_at,
            now=clock(),
            description=command.description,
            capacity=command.capacity,
            ctx=event_context(command.actor),
        )
        event.request_hash = digest
        work.add(event)
        work.commit()
        return event


def handle_sign_up_for_event(
    command: c.SignUpForEvent, uow: UnitOfWork, directory: OrganizationsReadModel, clock: Clock
) -> SignedUp:
    with uow.start(command.event_id) as work:
        event = _working(
            work, StationEvent, _found(directory.station_events, command.event_id, "event_id", "station event")
        )
        person = command.person_id or command.actor.subject
        if not person:
            raise ValidationError("person_id", "is required")
        if person != command.actor.subject:
            station = _found(directory.stations, event.station_id, "id", "station")
            authorize_admin(command.actor, station.organization_id, directory)
        if not station_rules.sign_up(event, person, now=clock()):
            return SignedUp(_event_view(command.actor, directory.station_events[command.event_id], directory), True)
        work.commit()
        return SignedUp(_event_view(command.actor, event, directory), False)


def handle_record_attendance(
    command: c.RecordAttendance, uow: UnitOfWork, directory: OrganizationsReadModel, clock: Clock
) -> StationEvent:
    with uow.start(command.event_id) as work:
        event = _working(
            work, StationEvent, _found(directory.station_events, command.event_id, "event_id", "station event")
        )
        station = _found(directory.stations, event.station_id, "id", "station")
        authorize_admin(command.actor, station.organization_id, directory)
        if not station_rules.record_attendance(
            event, command.attendance_count, now=clock(), expected_version=command.expected_version
        ):
            return directory.station_events[command.event_id]
        work.commit()
        return event


def handle_list_station_events(query: c.ListStationEvents, directory: OrganizationsReadModel) -> list[StationEvent]:
    stations: set[str] | None = None
    if query.station_id:
        stations = {_found(directory.stations, query.station_id, "station_id", "station").id}
    elif query.organization_id:
        stations = {s.id for s in _stations_under(directory, query.organization_id, (), include_archived=True)}
    found = [
        e
        for e in directory.station_events.values()
        if (stations is None or e.station_id in stations)
        and (query.include_cancelled or not e.cancelled)
        and (query.starts_after is None or e.starts_at >= query.starts_after)
        and (query.starts_before is None or e.starts_at < query.starts_before)
    ]
    return [_event_view(query.actor, e, directory) for e in sorted(found, key=lambda e: (e.starts_at, e.id))]


# -- roles ------------------------------------------------------------------------------------------
def _assignment_keys(command: c.GrantRole | c.RevokeRole) -> list[str]:
    """The assignment's id as looked up (the person id as given) and as created (trimmed)."""
    return [
        role_rules.role_assignment_id(person, command.organization_id, command.role)
        for person in {command.person_id, command.person_id.strip()}
    ]


def handle_grant_role(
    command: c.GrantRole, uow: UnitOfWork, directory: OrganizationsReadModel, clock: Clock
) -> RoleAssignment:
    with uow.start(command.organization_id, *_assignment_keys(command)) as work:
        org = organization(directory, command.organization_id, "organization_id")
        authorize_admin(command.actor, org.id, directory)
        existing = directory.find(
            RoleAssignment, role_rules.role_assignment_id(command.person_id, org.id, command.role)
        )
        working = _working(work, RoleAssignment, existing) if existing else None
        assignment, changed = role_rules.grant_role(
            working,
            person_id=command.person_id,
            organization=org,
            role=command.role,
            granted_by=command.actor.subject,
            now=clock(),
            ctx=event_context(command.actor),
        )
        if not changed:
            return existing or assignment
        if existing is None:
            work.add(assignment)
        work.commit()
        return assignment


def handle_revoke_role(
    command: c.RevokeRole, uow: UnitOfWork, directory: OrganizationsReadModel, clock: Clock
) -> Revoked:
    with uow.start(*_assignment_keys(command)) as work:
        if not command.person_id:
            raise ValidationError("person_id", "is required")
        org = organization(directory, command.organization_id, "organization_id")
        authorize_admin(command.actor, org.id, directory)
        existing = directory.find(
            RoleAssignment, role_rules.role_assignment_id(command.person_id, org.id, command.role)
        )
        if existing is None:
            raise NotFoundError("role", f"{command.person_id} holds no {command.role.name.lower()} role in {org.id}")
        assignment = _working(work, RoleAssignment, existing)
        if not role_rules.revoke_role(
            assignment, revoked_by=command.actor.subject, now=clock(), ctx=event_context(command.actor)
        ):
            return Revoked(existing, False)
        work.commit()
        return Revoked(assignment, True)


def handle_list_roles(query: c.ListRoles, directory: OrganizationsReadModel) -> list[RoleAssignment]:
    """Role holders are personal data: staff see the assignments in their scope, a person
    sees their own (without who granted them); anonymous callers are refused."""
    if query.actor.identity.anonymous:
        _refuse(query.actor, "")
    if not query.person_id and not query.organization_id:
        raise ValidationError("person_id", "give a person_id, an organization_id or both")
    if query.person_id:
        _checked_id(query.person_id, "person_id")
    orgs: set[str] | None = None
    if query.organization_id:
        root = organization(directory, query.organization_id, "organization_id")
        orgs = {root.id} | ({o.id for o in directory.subtree(root.id)} if query.include_subtree else set())
    candidates = directory.roles_of(query.person_id) if query.person_id else list(directory.roles.values())
    found = [
        a
        for a in candidates
        if (orgs is None or a.organization_id in orgs)
        and (not query.roles or a.role in query.roles)
        and (query.include_revoked or a.active)
    ]
    shown = [
        a if is_staff_of(query.actor, a.organization_id, directory) else privacy.public_role_assignment(a)
        for a in found
        if a.person_id == query.actor.subject or is_staff_of(query.actor, a.organization_id, directory)
    ]
    return sorted(shown, key=lambda a: (a.person_id, a.organization_id, a.role.value))


def handle_get_visible_scopes(query: c.GetVisibleScopes, directory: OrganizationsReadModel) -> list[role_rules.Scope]:
    if not query.person_id:
        raise ValidationError("person_id", "is required")
    _checked_id(query.person_id, "person_id")
    if not _may_ask_about_person(query.actor, query.person_id):
        _refuse(query.actor, "may only ask for their own scopes")
    return role_rules.visible_scopes(directory.roles_of(query.person_id), directory.organizations)


HANDLERS: dict[type[Command], Callable[..., object]] = {
    c.CreateOrganization: handle_create_organization,
    c.UpdateOrganization: handle_update_organization,
    c.MoveOrganization: handle_move_organization,
    c.ArchiveOrganization: handle_archive_organization,
    c.GetOrganization: handle_get_organization,
    c.ListChildren: handle_list_children,
    c.GetAncestors: handle_get_ancestors,
    c.ListSubtree: handle_list_subtree,
    c.SearchOrganizations: handle_search_organizations,
    c.ListResponders: handle_list_responders,
    c.CreateGrid: handle_create_grid,
    c.UpdateGrid: handle_update_grid,
    c.GetGrid: handle_get_grid,
    c.ListGrids: handle_list_grids,
    c.LocateGrid: handle_locate_grid,
    c.CreateStation: handle_create_station,
    c.UpdateStation: handle_update_station,
    c.GetStation: handle_get_station,
    c.ListStations: handle_list_stations,
    c.ScheduleStationEvent: handle_schedule_station_event,
    c.SignUpForEvent: handle_sign_up_for_event,
    c.RecordAttendance: handle_record_attendance,
    c.ListStationEvents: handle_list_station_events,
    c.GrantRole: handle_grant_role,
    c.RevokeRole: handle_revoke_role,
    c.ListRoles: handle_list_roles,
    c.GetVisibleScopes: handle_get_visible_scopes,
}
