"""Stores the organisation aggregates in MongoDB, each with its pending events (the outbox)."""

from __future__ import annotations

import logging
from typing import Any

from linli.common.aggregates import AggregateRepository
from linli.common.mongo import AggregateStore
from linli.organizations.adapters import event_payloads
from linli.organizations.adapters.documents import (
    ALL_DOCUMENTS,
    GridDocument,
    OrganizationDocument,
    RoleAssignmentDocument,
    StationDocument,
    StationEventDocument,
)
from linli.organizations.domain import events as ev
from linli.organizations.domain.model import Grid, Organization, RoleAssignment, Station, StationEvent

log = logging.getLogger(__name__)

_DOCUMENT_OF: dict[type[Any], Any] = {
    Organization: OrganizationDocument,
    Grid: GridDocument,
    Station: StationDocument,
    StationEvent: StationEventDocument,
    RoleAssignment: RoleAssignmentDocument,
}


class Repository(AggregateRepository):
    def __init__(self) -> None:
        super().__init__(
            {
                kind: AggregateStore(document._get_collection(), entity=kind.__name__)
                for kind, document in _DOCUMENT_OF.items()
            },
            source=ev.SOURCE,
            encode=event_payloads.encode,
        )

    @staticmethod
    def ensure_indexes() -> None:
        for document in ALL_DOCUMENTS:
            document.ensure_indexes()

    def set_path(self, org_id: str, path: tuple[str, ...]) -> None:
        """Rewrites a descendant's materialised path after a move. Derived data: no version
        bump and no event (the Moved event of the moved organisation carries the change)."""
        self.stores[Organization].set_derived(org_id, {"path": list(path)})

    def load_organizations(self) -> list[Organization]:
        """Every organisation, with paths repaired from the parent links.

        `parent_id` is written atomically with the Moved event; descendants' paths are
        rewritten after it. A crash in between leaves stale paths, which this repairs.
        """
        orgs = {org.id: org for org in self.load(Organization)}
        children: dict[str, list[Organization]] = {}
        for org in orgs.values():
            children.setdefault(org.parent_id or "", []).append(org)
        queue: list[tuple[Organization, tuple[str, ...]]] = [(org, ()) for org in children.get("", [])]
        repaired = 0
        while queue:
            org, path = queue.pop()
            if org.path != path:
                org.path = path
                self.set_path(org.id, path)
                repaired += 1
            queue.extend((child, (*path, org.id)) for child in children.get(org.id, []))
        if repaired:
            log.warning("repaired materialised paths after an interrupted move", extra={"count": repaired})
        return list(orgs.values())
