"""The in-memory ledger: every request and visit plan, indexed for the queries the API answers.

FerretDB answers only `_id` lookups without a scan, so the ledger is loaded at start and
changed by the service layer after each successful write (the same pattern as the
organizations directory). Objects here are never mutated in place: commands change a copy.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from linli.requests.domain.model import Request, VisitPlan


class Ledger:
    def __init__(self) -> None:
        self.requests: dict[str, Request] = {}
        self.plans: dict[str, VisitPlan] = {}
        self.by_category: defaultdict[str, set[str]] = defaultdict(set)
        self.open_ids: set[str] = set()

    def put(self, request: Request) -> None:
        previous = self.requests.get(request.id)
        if previous is not None and previous.category != request.category:
            self.by_category[previous.category].discard(request.id)
        self.requests[request.id] = request
        self.by_category[request.category].add(request.id)
        if request.is_open:
            self.open_ids.add(request.id)
        else:
            self.open_ids.discard(request.id)

    def put_plan(self, plan: VisitPlan) -> None:
        self.plans[plan.id] = plan

    def open_requests(self) -> list[Request]:
        return [self.requests[i] for i in list(self.open_ids)]

    def in_category(self, category: str) -> list[Request]:
        return [self.requests[i] for i in list(self.by_category.get(category, ()))]

    def load(self, requests: Iterable[Request], plans: Iterable[VisitPlan]) -> None:
        for request in requests:
            self.put(request)
        for plan in plans:
            self.put_plan(plan)
