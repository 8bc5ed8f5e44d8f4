"""Pure domain of the volunteers service (no grpc, mongo or kafka imports).

Modules:

- ``catalogue``: the posts catalogue, skills taxonomy and category -> skills map (data).
- ``model``: value objects and aggregates (Volunteer, Team, LedgerEntry).
- ``rules``: field validation; errors are ``linli.common.errors`` types naming the field.
- ``volunteers`` / ``teams``: aggregate behaviour with outbox events (``events``).
- ``ledger``: the append-only points and hours ledger, dual points, balances, leaderboards.
- ``scoring``: the ranking rules and weight table of matching.
- ``match_index``: ``MatchIndex``, the in-memory spatial index, and its linear-scan baseline.
- ``matching``: the public face of the two above plus ``rank_volunteers`` over domain objects.
- ``tasks``: who holds which request (derived from the requests service's snapshots) and
  resolutions waiting for their rating.
- ``events``: the typed domain events (their wire format is ``adapters.event_payloads``).

Nothing here reads a clock, generates ids or touches I/O: callers pass ``now`` and ids in.
"""
