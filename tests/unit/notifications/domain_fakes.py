"""In-memory fakes for the notifications domain and ApplyEvent tests (helper N1)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from linli.notifications.domain.model import EventFacts, HandlerRef

T0 = datetime(2025, 3, 1, 2, 0, tzinfo=UTC)  # 10:00 in the city


@dataclass
class FakeDirectory:
    """volunteer -> person, (role, org) -> holders, org -> ancestors (nearest first), team -> leader."""

    volunteers: dict[str, str] = field(default_factory=dict)
    roles: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    parents: dict[str, list[str]] = field(default_factory=dict)
    leaders: dict[str, str] = field(default_factory=dict)
    calls: int = 0

    def persons_of_volunteers(self, volunteer_ids: Iterable[str]) -> dict[str, str]:
        self.calls += 1
        return {v: self.volunteers[v] for v in volunteer_ids if v in self.volunteers}

    def role_holders(self, role: str, org_id: str) -> Sequence[str]:
        self.calls += 1
        return list(self.roles.get((role, org_id), []))

    def ancestors(self, org_id: str) -> Sequence[str]:
        self.calls += 1
        return list(self.parents.get(org_id, []))

    def team_leader(self, team_id: str) -> str:
        self.calls += 1
        return self.leaders.get(team_id, "")


def facts(
    event_type: str = "org.linli.request.resolved.v1",
    event_id: str = "evt-1",
    *,
    subject_id: str = "req_1",
    occurred_at: datetime = T0,
    community_id: str = "com_1",
    street_id: str = "str_1",
    org_path: tuple[str, ...] = ("dis_1", "str_1", "com_1"),
    department_id: str = "",
    people: dict[str, tuple[str, ...]] | None = None,
    volunteer_ids: dict[str, tuple[str, ...]] | None = None,
    handlers: dict[str, tuple[HandlerRef, ...]] | None = None,
    values: dict[str, str] | None = None,
    urgent: bool = False,
) -> EventFacts:
    return EventFacts(
        event_id=event_id,
        event_type=event_type,
        source="/linli/requests",
        subject_id=subject_id,
        occurred_at=occurred_at,
        community_id=community_id,
        street_id=street_id,
        org_path=org_path,
        department_id=department_id,
        people=people or {},
        volunteer_ids=volunteer_ids or {},
        handlers=handlers or {},
        values={"title": "Broken stair light", "status": "resolved"} if values is None else values,
        urgent=urgent,
    )
