"""Pure domain of the requests service.

Modules:

- ``model``: enums, value objects and the aggregates ``Request`` and ``VisitPlan``.
- ``catalogue``: request categories (deadlines, escalation department, default urgency) and
  departments, as configurable data.
- ``rules``: input limits and field validation.
- ``state_machine``: the transition table (status x action -> status, who may) and the
  begin/commit protocol every change follows; ``Caller`` (identity + resolved handler ids).
- ``lifecycle``: submit, accept, reject, start work, resolve, rate, close, reopen, cancel,
  transfer and its answer, follow.
- ``dispatch``: manual dispatch, offers to volunteers, claims, declines, expiry.
- ``deadlines``: deadline computation, breach detection, the escalation ladder.
- ``roundtable``: deliberations, meeting records, resolve-or-split conclusions.
- ``duplicates``: duplicate suggestions and merging.
- ``publication`` / ``moderation``: the redacted public view; hiding and redaction.
- ``visits``: recurring care-visit plans and the slots due.
- ``statistics``: metrics, the public board, the ledger export's selection.
- ``events``: the typed domain events (their payloads are built in ``adapters.event_payloads``).

Nothing here reads a clock, generates ids or touches I/O: callers pass ``now`` and ids in,
which keeps every rule deterministic and testable.
"""
