"""Command and query handlers of the organizations service.

Every command runs under one write lock: load the aggregate from the directory, change a
copy through the domain functions, store it with its events (one document write each), and
only then swap the copy into the directory. Queries read the directory without the lock
(its objects are never mutated in place).

One process owns the database (see linli.common.mongo on FerretDB): the lock plus the
version check on every write keep the directory and the database in step.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from linli.common.codec import utc_millis
from linli.common.errors import PermissionDenied, Unauthenticated
from linli.common.identity import current_identity
from linli.common.ids import idempotent_id, new_id
from linli.common.logs import request_id_var
from linli.organizations.adapters.repository import Repository
from linli.organizations.domain import grids as grid_rules
from linli.organizations.domain import roles as role_rules
from linli.organizations.domain import stations as station_rules
from linli.organizations.domain import tree
from linli.organizations.domain.errors import AlreadyExistsError, NotFoundError, ValidationError
from linli.organizations.domain.events import EventContext
from linli.organizations.domain.geo import GeoPoint, validate_point
from linli.organizations.domain.model import (
    Address,
    Contact,
    DutyRosterEntry,
    Grid,
    GridShape,
    LocalizedText,
    Organization,
    OrganizationKind,
    Role,
    RoleAssignment,
    Station,
    StationEvent,
    StationKind,
    TimeWindow,
)
from linli.organizations.domain.responders import Responder, find_responders
from linli.organizations.service_layer.directory import Directory

T = TypeVar("T")

ADMIN_ROLES = ("admin",)
GLOBAL_ROLES = ("operator", "system")


@dataclass(frozen=True)
class Located:
    grid: Grid
    owner: Organization
    community: Organization | None
    street: Organization | None


class OrganizationsService:
    def __init__(self, repository: Repository, directory: Directory,
                 clock: Callable[[], datetime] = utc_millis) -> None:
        self.repository = repository
        self.directory = directory
        self.clock = clock
        self._lock = threading.RLock()

    def load(self) -> None:
        """Fills the directory from the database (at start)."""
        self.directory.load(self.repository.load_organizations(), self.repository.load(Grid),
                            self.repository.load(Station), self.repository.load(StationEvent),
                            self.repository.load(RoleAssignment))

    # -- helpers ----------------------------------------------------------------------------
    @staticmethod
    def _context() -> EventContext:
        who = current_identity.get()
        role = next((g.role for g in who.grants), "")
        return EventContext(actor_person_id=who.subject, actor_role=role, request_id=request_id_var.get())

    def _authorize_admin(self, org_id: str | None) -> None:
        """Changing the tree needs an operator, or an admin of the organisation or an ancestor."""
        who = current_identity.get()
        if who.has_role(*GLOBAL_ROLES):
            return
        if who.anonymous:
            raise Unauthenticated("this call needs an authenticated caller")
        scopes = who.scopes_for(*ADMIN_ROLES)
        if "" in scopes:
            return
        org = self.directory.organizations.get(org_id or "")
        if org is not None and scopes & {org.id, *org.path}:
            return
        raise PermissionDenied(f"{who.subject} is not an administrator of {org_id or 'the top of the tree'}")

    def _new_id(self, prefix: str, idempotency_key: str) -> str:
        if idempotency_key:
            if len(idempotency_key) > 200:
                raise ValidationError("idempotency_key", "must be at most 200 characters")
            return idempotent_id(prefix, current_identity.get().subject, idempotency_key)
        return new_id(prefix)

    def organization(self, org_id: str, field: str = "id") -> Organization:
        if not org_id:
            raise ValidationError(field, "is required")
        org = self.directory.organizations.get(org_id)
        if org is None:
            raise NotFoundError(field, f"organisation {org_id} does not exist")
        return org

    def grid(self, grid_id: str, field: str = "id") -> Grid:
        return _found(self.directory.grids, grid_id, field, "grid")

    def station(self, station_id: str, field: str = "id") -> Station:
        return _found(self.directory.stations, station_id, field, "station")

    def station_event(self, event_id: str, field: str = "event_id") -> StationEvent:
        return _found(self.directory.station_events, event_id, field, "station event")

    def _check_code_free(self, codes: dict[str, str], code: str, own_id: str = "") -> None:
        holder = codes.get(code)
        if holder is not None and holder != own_id:
            raise AlreadyExistsError("code", f"{code!r} is already used by {holder}")

    # -- organisations ------------------------------------------------------------------------
    def create_organization(self, *, idempotency_key: str, kind: OrganizationKind, code: str, name: LocalizedText,
                            parent_id: str, address: Address | None, location: GeoPoint | None,
                            contacts: Sequence[Contact], served_org_ids: Sequence[str],
                            accepted_categories: Sequence[str], response_deadline_minutes: int) -> Organization:
        with self._lock:
            parent = self.organization(parent_id, "parent_id") if parent_id else None
            self._authorize_admin(parent.id if parent else None)
            org_id = self._new_id("org", idempotency_key)
            if (existing := self.directory.organizations.get(org_id)) is not None:
                return existing  # a retry of a create that succeeded
            org = tree.new_organization(
                org_id=org_id, kind=kind, code=code, name=name, parent=parent, now=self.clock(), ctx=self._context(),
                address=address, location=location, contacts=contacts, served_org_ids=served_org_ids,
                accepted_categories=accepted_categories, response_deadline_minutes=response_deadline_minutes)
            self._check_code_free(self.directory.codes, org.code)
            tree.check_served_organizations(org.served_org_ids, self.directory.organizations, self_id=org.id)
            self.repository.add(org)
            self.directory.put_organization(org)
            return org

    def update_organization(self, org_id: str, expected_version: int, mask: Sequence[str],
                            values: tree.OrganizationUpdate) -> Organization:
        with self._lock:
            org = copy.deepcopy(self.organization(org_id))
            self._authorize_admin(org.id)
            stored_version = org.version
            changed = tree.update_organization(org, mask, values, now=self.clock(), expected_version=expected_version,
                                               ctx=self._context())
            if not changed:
                return self.directory.organizations[org_id]
            if "code" in changed:
                self._check_code_free(self.directory.codes, org.code, org.id)
            if "served_org_ids" in changed:
                tree.check_served_organizations(org.served_org_ids, self.directory.organizations, self_id=org.id)
            self.repository.save(org, stored_version)
            self.directory.put_organization(org)
            return org

    def move_organization(self, org_id: str, new_parent_id: str, expected_version: int) -> tuple[Organization, int]:
        with self._lock:
            org = copy.deepcopy(self.organization(org_id))
            new_parent = self.organization(new_parent_id, "new_parent_id") if new_parent_id else None
            self._authorize_admin(org.id)
            self._authorize_admin(new_parent.id if new_parent else None)
            descendants = [copy.deepcopy(d) for d in self.directory.subtree(org.id)]
            plan = tree.plan_move(org, new_parent, descendants, expected_version=expected_version)
            if plan.is_noop:
                return self.directory.organizations[org_id], 0
            stored_version = org.version
            now = self.clock()
            tree.apply_move(org, plan, descendants, now=now, ctx=self._context())
            self.repository.save(org, stored_version)  # parent link + event: the authoritative change
            self.directory.put_organization(org)
            for descendant in descendants:
                self.repository.set_path(descendant.id, descendant.path)
                self.directory.put_organization(descendant)
            self._refresh_grids({org.id, *(d.id for d in descendants)}, now)
            return org, len(descendants)

    def _refresh_grids(self, org_ids: set[str], now: datetime) -> None:
        """Grids under moved organisations belong to a new community or street now."""
        for grid in list(self.directory.grids.values()):
            if grid.organization_id not in org_ids:
                continue
            changed = copy.deepcopy(grid)
            owner = self.directory.organizations[grid.organization_id]
            stored_version = changed.version
            if grid_rules.refresh_grid_context(changed, owner, self.directory.ancestors(owner), now=now,
                                               ctx=self._context()):
                self.repository.save(changed, stored_version)
                self.directory.put_grid(changed)

    def archive_organization(self, org_id: str, expected_version: int, cascade: bool,
                             reason: str) -> tuple[Organization, list[str]]:
        with self._lock:
            org = self.organization(org_id)
            self._authorize_admin(org.id)
            active = [d for d in self.directory.subtree(org.id) if not d.archived]
            to_archive = tree.plan_archive(org, active, cascade=cascade, expected_version=expected_version)
            now = self.clock()
            archived: list[str] = []
            # Deepest first: a crash half-way leaves the root active, so repeating the call finishes the job.
            for target in sorted(to_archive, key=lambda o: o.depth, reverse=True):
                changed = copy.deepcopy(target)
                stored_version = changed.version
                if tree.archive_organization(changed, now=now, reason=reason,
                                             cascade_root_id=org.id if changed.id != org.id else "",
                                             ctx=self._context()):
                    self.repository.save(changed, stored_version)
                    self.directory.put_organization(changed)
                    archived.append(changed.id)
            return self.directory.organizations[org_id], archived

    def get_organization(self, org_id: str, code: str) -> Organization:
        if code and not org_id:
            found = self.directory.codes.get(code)
            if found is None:
                raise NotFoundError("code", f"no organisation has code {code!r}")
            return self.directory.organizations[found]
        return self.organization(org_id)

    def list_children(self, parent_id: str, include_archived: bool,
                      kinds: Sequence[OrganizationKind]) -> list[Organization]:
        if parent_id:
            self.organization(parent_id, "parent_id")
        return _filtered(self.directory.children_of(parent_id), include_archived, kinds)

    def ancestors(self, org_id: str) -> list[Organization]:
        return self.directory.ancestors(self.organization(org_id))

    def list_subtree(self, root_id: str, include_root: bool, include_archived: bool,
                     kinds: Sequence[OrganizationKind], max_depth: int) -> list[Organization]:
        root = self.organization(root_id, "root_id")
        if max_depth < 0:
            raise ValidationError("max_depth", "must not be negative")
        found = ([root] if include_root else []) + self.directory.subtree(root.id)
        if max_depth:
            found = [o for o in found if o.depth - root.depth <= max_depth]
        return _filtered(found, include_archived, kinds)

    def search(self, query: str, kinds: Sequence[OrganizationKind], within_id: str,
               include_archived: bool) -> list[Organization]:
        needle = query.strip().casefold()
        if not needle:
            raise ValidationError("query", "must not be empty")
        if len(needle) > 100:
            raise ValidationError("query", "must be at most 100 characters")
        within = self.organization(within_id, "within_id") if within_id else None
        hits = [
            org for org in self.directory.organizations.values()
            if (needle in org.name.zh.casefold() or needle in org.name.en.casefold()
                or org.code.casefold().startswith(needle))
            and (within is None or org.is_in_subtree_of(within.id))
        ]
        # exact code first, then shallower organisations, then by code
        hits.sort(key=lambda o: (o.code.casefold() != needle, o.depth, o.code))
        return _filtered(hits, include_archived, kinds)

    def responders(self, category: str, org_id: str) -> list[Responder]:
        if not category.strip():
            raise ValidationError("category", "is required")
        target = self.organization(org_id, "org_id")
        return find_responders(category, target, self.directory.organizations.values())

    # -- grids ----------------------------------------------------------------------------------
    def create_grid(self, *, idempotency_key: str, organization_id: str, code: str, name: LocalizedText,
                    shape: GridShape, households_count: int, leader_person_id: str,
                    worker_person_ids: Sequence[str]) -> Grid:
        with self._lock:
            owner = self.organization(organization_id, "organization_id")
            self._authorize_admin(owner.id)
            grid_id = self._new_id("grid", idempotency_key)
            if (existing := self.directory.grids.get(grid_id)) is not None:
                return existing
            grid = grid_rules.new_grid(
                grid_id=grid_id, owner=owner, ancestors=self.directory.ancestors(owner), code=code, name=name,
                shape=shape, now=self.clock(), households_count=households_count, leader_person_id=leader_person_id,
                worker_person_ids=worker_person_ids, ctx=self._context())
            self._check_code_free(self.directory.grid_codes, grid.code)
            self.repository.add(grid)
            self.directory.put_grid(grid)
            return grid

    def update_grid(self, grid_id: str, expected_version: int, mask: Sequence[str],
                    values: grid_rules.GridUpdate) -> Grid:
        with self._lock:
            grid = copy.deepcopy(self.grid(grid_id))
            self._authorize_admin(grid.organization_id)
            stored_version = grid.version
            changed = grid_rules.update_grid(grid, mask, values, now=self.clock(), expected_version=expected_version,
                                             ctx=self._context())
            if not changed:
                return self.directory.grids[grid_id]
            if "code" in changed:
                self._check_code_free(self.directory.grid_codes, grid.code, grid.id)
            self.repository.save(grid, stored_version)
            self.directory.put_grid(grid)
            return grid

    def list_grids(self, organization_id: str, include_archived: bool, person_id: str) -> list[Grid]:
        owners: set[str] = set()
        if organization_id:
            root = self.organization(organization_id, "organization_id")
            owners = {root.id, *(o.id for o in self.directory.subtree(root.id))}
        grids = [
            g for g in self.directory.grids.values()
            if (not organization_id or g.organization_id in owners)
            and (include_archived or not g.archived)
            and (not person_id or person_id == g.leader_person_id or person_id in g.worker_person_ids)
        ]
        return sorted(grids, key=lambda g: g.code)

    def locate(self, point: GeoPoint) -> Located | None:
        validate_point(point, "point")
        grid = self.directory.locate(point)
        if grid is None:
            return None
        owner = self.directory.organizations[grid.organization_id]
        return Located(grid=grid, owner=owner,
                       community=self.directory.organizations.get(grid.community_id or ""),
                       street=self.directory.organizations.get(grid.street_id or ""))

    # -- stations ---------------------------------------------------------------------------------
    def create_station(self, *, idempotency_key: str, organization_id: str, kind: StationKind, code: str,
                       name: LocalizedText, address: Address | None, location: GeoPoint | None,
                       opening_hours: Sequence[TimeWindow], capacity: int, duty_roster: Sequence[DutyRosterEntry],
                       contacts: Sequence[Contact]) -> Station:
        with self._lock:
            owner = self.organization(organization_id, "organization_id")
            self._authorize_admin(owner.id)
            station_id = self._new_id("stn", idempotency_key)
            if (existing := self.directory.stations.get(station_id)) is not None:
                return existing
            station = station_rules.new_station(
                station_id=station_id, owner=owner, kind=kind, code=code, name=name, now=self.clock(),
                address=address, location=location, opening_hours=opening_hours, capacity=capacity,
                duty_roster=duty_roster, contacts=contacts, ctx=self._context())
            self._check_code_free(self.directory.station_codes, station.code)
            self.repository.add(station)
            self.directory.put_station(station)
            return station

    def update_station(self, station_id: str, expected_version: int, mask: Sequence[str],
                       values: station_rules.StationUpdate) -> Station:
        with self._lock:
            station = copy.deepcopy(self.station(station_id))
            self._authorize_admin(station.organization_id)
            stored_version = station.version
            changed = station_rules.update_station(station, mask, values, now=self.clock(),
                                                   expected_version=expected_version)
            if not changed:
                return self.directory.stations[station_id]
            if "code" in changed:
                self._check_code_free(self.directory.station_codes, station.code, station.id)
            self.repository.save(station, stored_version)
            self.directory.put_station(station)
            return station

    def list_stations(self, organization_id: str, kinds: Sequence[StationKind],
                      include_archived: bool) -> list[Station]:
        owners: set[str] = set()
        if organization_id:
            root = self.organization(organization_id, "organization_id")
            owners = {root.id, *(o.id for o in self.directory.subtree(root.id))}
        found = [
            s for s in self.directory.stations.values()
            if (not owners or s.organization_id in owners) and (not kinds or s.kind in kinds)
            and (include_archived or not s.archived)
        ]
        return sorted(found, key=lambda s: s.code)

    def schedule_event(self, *, idempotency_key: str, station_id: str, title: LocalizedText, description: str,
                       starts_at: datetime, ends_at: datetime, capacity: int) -> StationEvent:
        with self._lock:
            station = self.station(station_id, "station_id")
            self._authorize_admin(station.organization_id)
            event_id = self._new_id("sev", idempotency_key)
            if (existing := self.directory.station_events.get(event_id)) is not None:
                return existing
            event = station_rules.schedule_event(event_id=event_id, station=station, title=title,
                                                 starts_at=starts_at, ends_at=ends_at, now=self.clock(),
                                                 description=description, capacity=capacity, ctx=self._context())
            self.repository.add(event)
            self.directory.put_station_event(event)
            return event

    def sign_up(self, event_id: str, person_id: str) -> tuple[StationEvent, bool]:
        """Signs a person up; residents sign themselves up, admins may sign up anyone."""
        with self._lock:
            event = copy.deepcopy(self.station_event(event_id))
            who = current_identity.get()
            person = person_id or who.subject
            if not person:
                raise ValidationError("person_id", "is required")
            if person != who.subject:
                self._authorize_admin(self.station(event.station_id).organization_id)
            stored_version = event.version
            if not station_rules.sign_up(event, person, now=self.clock()):
                return self.directory.station_events[event_id], True
            self.repository.save(event, stored_version)
            self.directory.put_station_event(event)
            return event, False

    def record_attendance(self, event_id: str, attendance_count: int, expected_version: int) -> StationEvent:
        with self._lock:
            event = copy.deepcopy(self.station_event(event_id))
            self._authorize_admin(self.station(event.station_id).organization_id)
            stored_version = event.version
            if not station_rules.record_attendance(event, attendance_count, now=self.clock(),
                                                   expected_version=expected_version):
                return self.directory.station_events[event_id]
            self.repository.save(event, stored_version)
            self.directory.put_station_event(event)
            return event

    def list_station_events(self, station_id: str, organization_id: str, starts_after: datetime | None,
                            starts_before: datetime | None, include_cancelled: bool) -> list[StationEvent]:
        stations: set[str] | None = None
        if station_id:
            stations = {self.station(station_id, "station_id").id}
        elif organization_id:
            stations = {s.id for s in self.list_stations(organization_id, (), include_archived=True)}
        found = [
            e for e in self.directory.station_events.values()
            if (stations is None or e.station_id in stations) and (include_cancelled or not e.cancelled)
            and (starts_after is None or e.starts_at >= starts_after)
            and (starts_before is None or e.starts_at < starts_before)
        ]
        return sorted(found, key=lambda e: (e.starts_at, e.id))

    # -- roles --------------------------------------------------------------------------------------
    def grant_role(self, person_id: str, organization_id: str, role: Role) -> RoleAssignment:
        with self._lock:
            org = self.organization(organization_id, "organization_id")
            self._authorize_admin(org.id)
            existing = self.directory.roles.get(role_rules.role_assignment_id(person_id, org.id, role))
            working = copy.deepcopy(existing) if existing else None
            stored_version = existing.version if existing else 0
            assignment, changed = role_rules.grant_role(working, person_id=person_id, organization=org, role=role,
                                                        granted_by=current_identity.get().subject, now=self.clock(),
                                                        ctx=self._context())
            if not changed:
                return existing or assignment
            if existing is None:
                self.repository.add(assignment)
            else:
                self.repository.save(assignment, stored_version)
            self.directory.put_role(assignment)
            return assignment

    def revoke_role(self, person_id: str, organization_id: str, role: Role) -> tuple[RoleAssignment, bool]:
        with self._lock:
            if not person_id:
                raise ValidationError("person_id", "is required")
            org = self.organization(organization_id, "organization_id")
            self._authorize_admin(org.id)
            existing = self.directory.roles.get(role_rules.role_assignment_id(person_id, org.id, role))
            if existing is None:
                raise NotFoundError("role", f"{person_id} holds no {role.name.lower()} role in {org.id}")
            assignment = copy.deepcopy(existing)
            if not role_rules.revoke_role(assignment, revoked_by=current_identity.get().subject, now=self.clock(),
                                          ctx=self._context()):
                return existing, False
            self.repository.save(assignment, existing.version)
            self.directory.put_role(assignment)
            return assignment, True

    def list_roles(self, person_id: str, organization_id: str, include_subtree: bool, roles: Sequence[Role],
                   include_revoked: bool) -> list[RoleAssignment]:
        if not person_id and not organization_id:
            raise ValidationError("person_id", "give a person_id, an organization_id or both")
        orgs: set[str] | None = None
        if organization_id:
            root = self.organization(organization_id, "organization_id")
            orgs = {root.id} | ({o.id for o in self.directory.subtree(root.id)} if include_subtree else set())
        candidates = self.directory.roles_of(person_id) if person_id else list(self.directory.roles.values())
        found = [
            a for a in candidates
            if (orgs is None or a.organization_id in orgs) and (not roles or a.role in roles)
            and (include_revoked or a.active)
        ]
        return sorted(found, key=lambda a: (a.person_id, a.organization_id, a.role.value))

    def visible_scopes(self, person_id: str) -> list[role_rules.Scope]:
        if not person_id:
            raise ValidationError("person_id", "is required")
        return role_rules.visible_scopes(self.directory.roles_of(person_id), self.directory.organizations)


def _found(items: dict[str, T], item_id: str, field: str, what: str) -> T:
    if not item_id:
        raise ValidationError(field, "is required")
    found = items.get(item_id)
    if found is None:
        raise NotFoundError(field, f"{what} {item_id} does not exist")
    return found


def _filtered(orgs: list[Organization], include_archived: bool,
              kinds: Sequence[OrganizationKind]) -> list[Organization]:
    return [o for o in orgs if (include_archived or not o.archived) and (not kinds or o.kind in kinds)]

