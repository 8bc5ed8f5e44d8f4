"""What a reader outside an organisation's staff may see of its grids, stations, station
events and role assignments (README, "organizations: who sees what").

Organisations themselves are public (the published structure: names, addresses, locations
and their official contacts, which are duty phones and offices, not people). People are
not: grid leaders' and workers' person ids, a station's duty roster (who is on duty and
their phones; the duty windows stay public), who signed up for an event (a reader sees
only their own sign-up, counts stay public) and who granted or revoked a role.

Each function returns the value itself when there is nothing to hide, else a redacted copy;
stored aggregates are never changed.
"""

from __future__ import annotations

import dataclasses

from .model import Grid, RoleAssignment, Station, StationEvent


def public_grid(grid: Grid) -> Grid:
    if not grid.leader_person_id and not grid.worker_person_ids:
        return grid
    return dataclasses.replace(grid, leader_person_id="", worker_person_ids=(), pending_events=[])


def public_station(station: Station) -> Station:
    if all(not (e.person_id or e.name or e.phone) for e in station.duty_roster):
        return station
    roster = tuple(dataclasses.replace(e, person_id="", name="", phone="") for e in station.duty_roster)
    return dataclasses.replace(station, duty_roster=roster, pending_events=[])


def public_station_event(event: StationEvent, viewer: str) -> StationEvent:
    """The event with its sign-up count, but only ``viewer``'s own sign-up named."""
    own = frozenset({viewer} & event.signups) if viewer else frozenset()
    if own == event.signups:
        return event
    copy = dataclasses.replace(event, signups=set(event.signups), pending_events=[])
    copy.visible_signups = own
    return copy


def public_role_assignment(assignment: RoleAssignment) -> RoleAssignment:
    """An assignment shown to the person holding it: without who granted or revoked it."""
    if not assignment.granted_by and not assignment.revoked_by:
        return assignment
    return dataclasses.replace(assignment, granted_by="", revoked_by="", pending_events=[])
