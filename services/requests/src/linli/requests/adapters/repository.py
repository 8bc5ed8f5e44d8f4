"""Stores requests and visit plans, each with its pending events (the outbox), encoded into
their payloads (``event_payloads.encode``) as the write is made.

Events of the public feed go to `linli.public.requests.v1`, the rest to `linli.requests.v1`
(`DomainEvent.topic`); both leave through the same outbox, in one write with the change.
"""

from __future__ import annotations

from linli.common.aggregates import AggregateRepository
from linli.common.mongo import AggregateStore
from linli.requests.adapters import event_payloads
from linli.requests.adapters.documents import RequestDocument, VisitPlanDocument
from linli.requests.domain import events as ev
from linli.requests.domain.model import Request, VisitPlan


class Repository(AggregateRepository):
    def __init__(self) -> None:
        super().__init__(
            {
                Request: AggregateStore(RequestDocument._get_collection(), entity="request"),
                VisitPlan: AggregateStore(VisitPlanDocument._get_collection(), entity="visit plan"),
            },
            source=ev.SOURCE,
            encode=event_payloads.encode,
        )

    @staticmethod
    def ensure_indexes() -> None:
        RequestDocument.ensure_indexes()
        VisitPlanDocument.ensure_indexes()
