"""Pure domain of the organisations service.

Modules:

- ``errors``: domain exceptions naming the offending field (mapped onto gRPC codes by the
  service kit).
- ``model``: value objects and aggregates (Organization, Grid, Station, StationEvent,
  RoleAssignment).
- ``rules``: field validation shared by every aggregate.
- ``tree``: placement rules, creation, update, move (cycle prevention, path recomputation)
  and archive of organisations.
- ``geo``: polygons, point-in-polygon and the in-memory ``GridIndex``.
- ``grids``, ``stations``, ``roles``, ``responders``: rules for the other aggregates.
- ``events``: typed domain events (their payloads are built in ``adapters.event_payloads``).

Nothing here reads a clock, generates ids or touches I/O: callers pass ``now`` and ids in,
which keeps every rule deterministic and testable.
"""
