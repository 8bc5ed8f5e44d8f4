"""The Open311 services: the requests service's category catalogue, as Open311 sees it.

The category catalogue (codes, names, deadlines, departments) is data kept by the requests
service (its defaults with the city's ``LINLI_CATALOGUE_FILE`` overrides). The gateway asks
for it over gRPC (``ListCategories``, open to anyone) and keeps the answer a few minutes
(``CatalogueCache``); the web pages use the same cache. Retired categories are not offered
(``get``, ``all``) but keep their names (``name_of``) for the requests that carry them.

Each service has two attributes, both optional, both fields of ``SubmitRequest``:
``title`` (a short title; default the start of the description) and ``urgency``
(low, normal or urgent; default the category's).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Final

from linli.v1 import requests_pb2

#: Longest title the requests service accepts.
TITLE_MAX_LENGTH: Final = 120

URGENCIES: Final[tuple[str, ...]] = ("low", "normal", "urgent")

#: How long the gateway keeps the catalogue before asking again (seconds).
CATALOGUE_TTL: Final = 300.0


@dataclass(frozen=True, slots=True)
class Names:
    zh: str
    en: str

    def pick(self, lang: str) -> str:
        first, second = (self.zh, self.en) if lang == "zh" else (self.en, self.zh)
        return first or second


@dataclass(frozen=True, slots=True)
class Service:
    """One request category offered through Open311."""

    code: str
    name: Names
    accept_minutes: int
    resolve_minutes: int
    default_urgency: str
    department_code: str = ""
    department: Names | None = None
    description: Names | None = None
    keywords: tuple[str, ...] = ()
    group: str = ""
    active: bool = True


def _urgency_name(number: int) -> str:
    name = requests_pb2.Urgency.Name(number) if number in requests_pb2.Urgency.values() else ""
    return name.removeprefix("URGENCY_").lower() if number else "normal"


@dataclass(frozen=True, slots=True)
class Services:
    by_code: Mapping[str, Service]
    departments: Mapping[str, Names]

    def get(self, code: str) -> Service | None:
        """An offered (active) service by code."""
        found = self.by_code.get(code.strip().lower())
        return found if found is not None and found.active else None

    def all(self) -> list[Service]:
        return [s for s in self.by_code.values() if s.active]

    def name_of(self, code: str) -> Names | None:
        """A category's names, retired ones too."""
        found = self.by_code.get(code.strip().lower())
        return found.name if found is not None else None

    @classmethod
    def from_response(cls, response: requests_pb2.ListCategoriesResponse) -> Services:
        """From ``ListCategories`` (asked with ``include_retired``)."""
        departments = {d.code: Names(zh=d.name.zh, en=d.name.en) for d in response.departments}
        services: dict[str, Service] = {}
        for row in response.categories:
            described = row.HasField("description") and (row.description.zh or row.description.en)
            services[row.code] = Service(
                code=row.code,
                name=Names(zh=row.name.zh, en=row.name.en),
                accept_minutes=row.accept_minutes,
                resolve_minutes=row.resolve_minutes,
                default_urgency=_urgency_name(row.default_urgency),
                department_code=row.department_code,
                department=departments.get(row.department_code),
                description=Names(zh=row.description.zh, en=row.description.en) if described else None,
                keywords=tuple(row.keywords),
                group=row.group,
                active=row.active,
            )
        return cls(by_code=services, departments=departments)


Fetch = Callable[[requests_pb2.ListCategoriesRequest], requests_pb2.ListCategoriesResponse]


def list_categories_request() -> requests_pb2.ListCategoriesRequest:
    return requests_pb2.ListCategoriesRequest(include_retired=True)


class CatalogueCache:
    """The catalogue as last fetched, for ``ttl`` seconds; a failed fetch is not kept (the
    caller sees the service's error, or the previous answer while it is still fresh)."""

    def __init__(self, ttl: float = CATALOGUE_TTL) -> None:
        self.ttl = ttl
        self._lock = threading.Lock()
        self._value: Services | None = None
        self._expires = 0.0

    def get(self, fetch: Fetch) -> Services:
        now = time.monotonic()
        with self._lock:
            if self._value is not None and self._expires > now:
                return self._value
        fetched = Services.from_response(fetch(list_categories_request()))
        with self._lock:
            self._value, self._expires = fetched, time.monotonic() + self.ttl
        return fetched

    def clear(self) -> None:
        with self._lock:
            self._value, self._expires = None, 0.0
