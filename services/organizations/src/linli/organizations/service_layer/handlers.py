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

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import TypeVar

from linli.common.commands import Actor, Command
from linli.common.errors import PermissionDenied, Unauthenticated
from linli.common.ids import idempotent_id, new_id
from linli.common.unit_of_work import UnitOfWork, Work
from linli.organizations.domain import grids as grid_rules
from linli.organizations.domain import roles as role_rules
from linli.organizations.domain import rules, tree
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


def authorize_admin(actor: Actor, org_id: str | None, directory: OrganizationsReadModel) -> None:
    """Changing the tree needs an operator, or an admin of the organisation or an ancestor."""
    who = actor.identity
    if who.has_role(*GLOBAL_ROLES):
        return
    if who.anonymous:
        raise Unauthenticated("this call needs an authenticated caller")
    scopes = who.scopes_for(*ADMIN_ROLES)
    if "" in scopes:
        return
    org = directory.organizations.get(org_id or "")
    if org is not None and scopes & {org.id, *org.path}:
        return
    raise PermissionDenied(f"{who.subject} is not an administrator of {org_id or 'the top of the tree'}")


def _new_id(actor: Actor, prefix: str, idempotency_key: str) -> str:
    if rules.validate_idempotency_key(idempotency_key):
        return idempotent_id(prefix, actor.subject, idempotency_key)
    return new_id(prefix)


def _found(items: Mapping[str, T], item_id: str, field: str, what: str) -> T:
    if not item_id:
        raise ValidationError(field, "is required")
    found = items.get(item_id)
    if found is None:
        raise NotFoundError(field, f"{what} {item_id} does not exist")
    return found


def organization(directory: OrganizationsReadModel, org_id: str, field: str = "id") -> Organization:
    if not org_id:
        raise ValidationError(field, "is required")
    org = directory.organizations.get(org_id)
    if org is None:
        raise NotFoundError(field, f"organisation {org_id} does not exist")
    return org


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
        with uow.start(TREE, org_id, organization_code_key(command.code)) as work:
            if (existing := directory.find(Organization, org_id)) is not None:
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
    needle = query.query.strip().casefold()
    if not needle:
        raise ValidationError("query", "must not be empty")
    if len(needle) > 100:
        raise ValidationError("query", "must be at most 100 characters")
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
        with uow.start(TREE, grid_id, grid_code_key(command.code)) as work:
            if (existing := directory.find(Grid, grid_id)) is not None:
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
    return _found(directory.grids, query.id, "id", "grid")


def _organizations_under(directory: OrganizationsReadModel, org_id: str) -> set[str]:
    root = organization(directory, org_id, "organization_id")
    return {root.id, *(o.id for o in directory.subtree(root.id))}


def handle_list_grids(query: c.ListGrids, directory: OrganizationsReadModel) -> list[Grid]:
    owners = _organizations_under(directory, query.organization_id) if query.organization_id else set()
    grids = [
        g
        for g in directory.grids.values()
        if (not query.organization_id or g.organization_id in owners)
        and (query.include_archived or not g.archived)
        and (not query.person_id or query.person_id == g.leader_person_id or query.person_id in g.worker_person_ids)
    ]
    return sorted(grids, key=lambda g: g.code)


def handle_locate_grid(query: c.LocateGrid, directory: OrganizationsReadModel) -> Located | None:
    validate_point(query.point, "point")
    grid = directory.locate(query.point)
    if grid is None:
        return None
    return Located(
        grid=grid,
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
    with uow.start(station_id, owner.id, station_code_key(command.code)) as work:
        if (existing := directory.find(Station, station_id)) is not None:
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
    return _found(directory.stations, query.id, "id", "station")


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
    return _stations_under(directory, query.organization_id, query.kinds, query.include_archived)


def handle_schedule_station_event(
    command: c.ScheduleStationEvent, uow: UnitOfWork, directory: OrganizationsReadModel, clock: Clock
) -> StationEvent:
    station = _found(directory.stations, command.station_id, "station_id", "station")
    authorize_admin(command.actor, station.organization_id, directory)
    event_id = _new_id(command.actor, "sev", command.idempotency_key)
    with uow.start(event_id, station.id) as work:
        if (existing := directory.find(StationEvent, event_id)) is not None:
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
            return SignedUp(directory.station_events[command.event_id], True)
        work.commit()
        return SignedUp(event, False)


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
    return sorted(found, key=lambda e: (e.starts_at, e.id))


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
    if not query.person_id and not query.organization_id:
        raise ValidationError("person_id", "give a person_id, an organization_id or both")
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
    return sorted(found, key=lambda a: (a.person_id, a.organization_id, a.role.value))


def handle_get_visible_scopes(query: c.GetVisibleScopes, directory: OrganizationsReadModel) -> list[role_rules.Scope]:
    if not query.person_id:
        raise ValidationError("person_id", "is required")
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
