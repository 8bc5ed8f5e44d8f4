"""The Open311 services: the requests service's category catalogue, as Open311 sees it.

The category catalogue (codes, names, deadlines, departments) is data kept by the requests
service (``linli.requests.domain.catalogue``, overridden by the JSON file in
``LINLI_CATALOGUE_FILE``). No gRPC call lists it yet, so this module reads the same data the
same way the requests service does (the default catalogue with the same override file) and is
the one place to change when a ``ListCategories`` call exists. Retired categories are not
offered.

Each service has two attributes, both optional, both fields of ``SubmitRequest``:
``title`` (a short title; default the start of the description) and ``urgency``
(low, normal or urgent; default the category's).
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

#: Longest title the requests service accepts.
TITLE_MAX_LENGTH: Final = 120

URGENCIES: Final[tuple[str, ...]] = ("low", "normal", "urgent")


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


@dataclass(frozen=True, slots=True)
class Services:
    by_code: Mapping[str, Service]
    departments: Mapping[str, Names]

    def get(self, code: str) -> Service | None:
        return self.by_code.get(code.strip().lower())

    def all(self) -> list[Service]:
        return list(self.by_code.values())

    @classmethod
    def from_catalogue_dict(cls, data: Mapping[str, Any]) -> Services:
        """From the catalogue's plain-data form (``Catalogue.to_dict``)."""
        departments = {
            str(d["code"]): Names(zh=str(d.get("zh", "")), en=str(d.get("en", ""))) for d in data.get("departments", ())
        }
        services: dict[str, Service] = {}
        for row in data.get("categories", ()):
            if not row.get("active", True):
                continue
            department_code = str(row.get("department_code", "") or "")
            services[str(row["code"])] = Service(
                code=str(row["code"]),
                name=Names(zh=str(row.get("zh", "")), en=str(row.get("en", ""))),
                accept_minutes=int(row["accept_minutes"]),
                resolve_minutes=int(row["resolve_minutes"]),
                default_urgency=str(row.get("default_urgency", "NORMAL")).lower(),
                department_code=department_code,
                department=departments.get(department_code),
            )
        return cls(by_code=services, departments=departments)


def load_services(catalogue_file: str | None = None) -> Services:
    """The categories the requests service offers: its default catalogue with the overrides
    of ``catalogue_file`` (default: ``LINLI_CATALOGUE_FILE``), validated by the catalogue's
    own code."""
    from linli.requests.domain.catalogue import DEFAULT_CATALOGUE  # noqa: PLC0415 (the one coupling point)

    path = os.environ.get("LINLI_CATALOGUE_FILE", "") if catalogue_file is None else catalogue_file
    catalogue = DEFAULT_CATALOGUE
    if path:
        catalogue = catalogue.with_overrides(json.loads(Path(path).read_text(encoding="utf-8")))
    return Services.from_catalogue_dict(catalogue.to_dict())
