"""Stores deliveries, inbox entries, preferences and subscriptions in MongoDB, each with its
pending events (the outbox), through the kit's AggregateRepository and AggregateStore.

Domain dataclasses are mapped with ``linli.common.codec``; their typed events become
CloudEvents on ``linli.notifications.v1`` through ``event_payloads.encode`` as the write is
made. Every read and write is by ``_id`` (the one filter FerretDB answers without scanning);
whole collections are read only at start, to fill the in-memory read model.

Collections: ``deliveries``, ``inbox_entries``, ``preferences``, ``subscriptions``. Ids are
derived from (event, recipient, channel), so the same event arriving twice collides on
``_id`` instead of making a second entry or delivery: the consumers need no store of the
``ce_id``s they applied.
"""

from __future__ import annotations

from typing import Any, ClassVar

import mongoengine

from linli.common.aggregates import AggregateRepository
from linli.common.mongo import AggregateDocument, AggregateStore
from linli.notifications.adapters.event_payloads import SOURCE, encode
from linli.notifications.domain.model import Delivery, InboxEntry, Preferences, Subscription


class DeliveryDocument(AggregateDocument):
    meta: ClassVar[dict[str, Any]] = {"collection": "deliveries", "strict": False}


class InboxEntryDocument(AggregateDocument):
    person_id = mongoengine.StringField(required=True)
    meta: ClassVar[dict[str, Any]] = {"collection": "inbox_entries", "strict": False, "indexes": ["person_id"]}


class PreferencesDocument(AggregateDocument):
    meta: ClassVar[dict[str, Any]] = {"collection": "preferences", "strict": False}


class SubscriptionDocument(AggregateDocument):
    agency_id = mongoengine.StringField(required=True)
    meta: ClassVar[dict[str, Any]] = {"collection": "subscriptions", "strict": False, "indexes": ["agency_id"]}


AGGREGATE_DOCUMENTS = (DeliveryDocument, InboxEntryDocument, PreferencesDocument, SubscriptionDocument)


class Repository(AggregateRepository):
    """The four aggregates through the kit's AggregateRepository (add, save, get, load)."""

    def __init__(self) -> None:
        super().__init__(
            {
                Delivery: AggregateStore(DeliveryDocument._get_collection(), entity="delivery"),
                InboxEntry: AggregateStore(InboxEntryDocument._get_collection(), entity="inbox entry"),
                Preferences: AggregateStore(PreferencesDocument._get_collection(), entity="preferences"),
                Subscription: AggregateStore(SubscriptionDocument._get_collection(), entity="subscription"),
            },
            source=SOURCE,
            encode=encode,
        )

    @staticmethod
    def ensure_indexes() -> None:
        for document in AGGREGATE_DOCUMENTS:
            document.ensure_indexes()

    def find_stored(self, kind: type[Any], aggregate_id: str) -> Any:
        """The read model's fallback for what it does not hold (old entries, finished
        deliveries): one read by ``_id``."""
        return self.get(kind, aggregate_id)
