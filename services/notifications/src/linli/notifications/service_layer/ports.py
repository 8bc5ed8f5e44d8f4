"""What the notifications handlers need from the outside world, as Protocols. Adapters
implement them (MongoDB stores, gRPC clients, SMTP/HTTP senders); unit tests give fakes."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol

from linli.notifications.domain.model import Channel, Delivery, SendResult


class ChannelSender(Protocol):
    """Sends one delivery on one external channel (e-mail, SMS, webhook) and says how it went.
    It never raises for a failed send: a failure is a ``SendResult`` with ``ok=False``."""

    channel: Channel

    def send(self, delivery: Delivery) -> SendResult: ...


class PeopleDirectory(Protocol):
    """Who is who, asked of the organizations and volunteers services (cached)."""

    def persons_of_volunteers(self, volunteer_ids: Iterable[str]) -> dict[str, str]:
        """volunteer id -> person id, for the ids that exist."""
        ...

    def role_holders(self, role: str, org_id: str) -> Sequence[str]:
        """Person ids holding ``role`` scoped at ``org_id`` exactly."""
        ...

    def ancestors(self, org_id: str) -> Sequence[str]:
        """The organisation's ancestors, nearest first (for "the next level up")."""
        ...

    def team_leader(self, team_id: str) -> str:
        """The person id of the team's leader, or ""."""
        ...
