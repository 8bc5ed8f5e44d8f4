"""The request-category catalogue and the escalation departments: data, not code.

Each category carries its time limits (限时办结: minutes to accept, minutes to resolve), the
department the community blows the whistle to when a limit is breached, and the urgency a
request gets when the resident does not say. Departments carry the minutes they have to
acknowledge an escalation. Codes match the organisations seed (``JJ-POLICE``, ``JJ-URBAN``,
...) and the volunteers service's category-to-skills map (``repairs``, ``elderly_care``, ...).

A city changes the catalogue through configuration: ``Catalogue.from_dict`` builds one from
plain data (e.g. parsed from a JSON file named in the environment) and
``Catalogue.with_overrides`` merges a city's changes over the defaults by code. Codes are
forever (stored requests reference them): retire a category with ``"active": false``.
``"auto_publish": true`` is a category's publication policy: its requests' text and photos
go public (scrubbed) without waiting for a moderator (default false: reviewed first).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from types import MappingProxyType
from typing import Any, Final

from linli.common import validation
from linli.common.errors import InvalidArgument

from .model import Urgency

CODE_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,63}$")
DEPARTMENT_CODE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
#: Longest limit a category may set: 90 days.
MAX_DEADLINE_MINUTES = 90 * 24 * 60
#: Longest category description (each language).
DESCRIPTION_MAX = 500


@dataclass(frozen=True, slots=True)
class Category:
    """A request category. ``department_code`` "" means nobody outside the tree: escalation
    goes straight up the organisation path."""

    code: str
    zh: str
    en: str
    accept_minutes: int
    resolve_minutes: int
    department_code: str = ""
    default_urgency: Urgency = Urgency.NORMAL
    active: bool = True
    #: Publication policy: True publishes a request's text and photos (scrubbed) without a
    #: moderator's review. Captured on each request when it is submitted.
    auto_publish: bool = False
    #: What the category covers, for residents and city apps (optional).
    description_zh: str = ""
    description_en: str = ""


@dataclass(frozen=True, slots=True)
class Department:
    """A department (or co-building unit) answering escalations, by organisation code."""

    code: str
    zh: str
    en: str
    response_minutes: int


#: Seeded from the categories the reports name. (code, zh, en, accept, resolve, department, urgency)
CATEGORIES_DATA: Final[tuple[dict[str, Any], ...]] = (
    {
        "code": "repairs",
        "zh": "维修",
        "en": "Repairs",
        "accept_minutes": 120,
        "resolve_minutes": 2880,
        "department_code": "JJ-HOUSING",
    },
    {
        "code": "elderly_care",
        "zh": "助老服务",
        "en": "Elderly care",
        "accept_minutes": 60,
        "resolve_minutes": 1440,
        "department_code": "JJ-HOSP-1",
    },
    {
        "code": "illegal_construction",
        "zh": "违章搭建",
        "en": "Illegal construction",
        "accept_minutes": 240,
        "resolve_minutes": 10080,
        "department_code": "JJ-URBAN",
    },
    {
        "code": "flying_wire_charging",
        "zh": "飞线充电",
        "en": "Flying-wire charging",
        "accept_minutes": 60,
        "resolve_minutes": 1440,
        "department_code": "JJ-URBAN",
        "default_urgency": "URGENT",
    },
    {
        "code": "throwing_objects",
        "zh": "高空抛物",
        "en": "Throwing objects from height",
        "accept_minutes": 60,
        "resolve_minutes": 2880,
        "department_code": "JJ-POLICE",
        "default_urgency": "URGENT",
    },
    {
        "code": "parking",
        "zh": "停车难",
        "en": "Parking",
        "accept_minutes": 120,
        "resolve_minutes": 4320,
        "department_code": "JJ-POLICE",
    },
    {
        "code": "water_supply",
        "zh": "供水",
        "en": "Water supply",
        "accept_minutes": 60,
        "resolve_minutes": 720,
        "department_code": "JJ-WATER",
    },
    {
        "code": "heating",
        "zh": "供暖",
        "en": "Heating",
        "accept_minutes": 120,
        "resolve_minutes": 1440,
        "department_code": "JJ-HOUSING",
    },
    {
        "code": "road_flooding",
        "zh": "道路积水",
        "en": "Road flooding",
        "accept_minutes": 30,
        "resolve_minutes": 360,
        "department_code": "JJ-URBAN",
        "default_urgency": "URGENT",
    },
    {
        "code": "poor_signal",
        "zh": "信号差",
        "en": "Poor signal",
        "accept_minutes": 240,
        "resolve_minutes": 20160,
        "department_code": "JJ-TELECOM",
    },
    {
        "code": "neighbour_dispute",
        "zh": "邻里纠纷",
        "en": "Neighbour dispute",
        "accept_minutes": 240,
        "resolve_minutes": 4320,
        "department_code": "JJ-POLICE",
    },
    {
        "code": "elevator",
        "zh": "电梯故障",
        "en": "Elevator fault",
        "accept_minutes": 60,
        "resolve_minutes": 1440,
        "department_code": "JJ-HOUSING",
        "default_urgency": "URGENT",
    },
    {
        "code": "food_safety",
        "zh": "食品安全",
        "en": "Food safety",
        "accept_minutes": 120,
        "resolve_minutes": 4320,
        "department_code": "JJ-MARKET",
    },
    {
        "code": "pricing",
        "zh": "价格投诉",
        "en": "Pricing complaint",
        "accept_minutes": 240,
        "resolve_minutes": 4320,
        "department_code": "JJ-MARKET",
    },
    {
        "code": "medical",
        "zh": "就医帮助",
        "en": "Medical help",
        "accept_minutes": 30,
        "resolve_minutes": 480,
        "department_code": "JJ-HOSP-1",
        "default_urgency": "URGENT",
    },
    {
        "code": "tutoring",
        "zh": "课业辅导",
        "en": "Tutoring",
        "accept_minutes": 1440,
        "resolve_minutes": 10080,
        "department_code": "JJ-SCH-1",
        "default_urgency": "LOW",
    },
    {
        "code": "environment",
        "zh": "环境卫生",
        "en": "Environment and sanitation",
        "accept_minutes": 240,
        "resolve_minutes": 2880,
        "department_code": "JJ-URBAN",
    },
    {"code": "care_visit", "zh": "走访关爱", "en": "Care visit", "accept_minutes": 720, "resolve_minutes": 1440},
    {
        "code": "suggestion",
        "zh": "意见建议",
        "en": "Suggestion",
        "accept_minutes": 1440,
        "resolve_minutes": 20160,
        "default_urgency": "LOW",
    },
    {"code": "other", "zh": "其他", "en": "Other", "accept_minutes": 240, "resolve_minutes": 4320},
)

#: Departments answering escalations, with the minutes they have to acknowledge (as seeded in
#: the organisations service's demo city).
DEPARTMENTS_DATA: Final[tuple[dict[str, Any], ...]] = (
    {"code": "JJ-POLICE", "zh": "椒江公安分局", "en": "Jiaojiang Public Security Bureau", "response_minutes": 60},
    {
        "code": "JJ-URBAN",
        "zh": "椒江区综合行政执法局",
        "en": "Jiaojiang Urban Management Bureau",
        "response_minutes": 240,
    },
    {
        "code": "JJ-MARKET",
        "zh": "椒江区市场监督管理局",
        "en": "Jiaojiang Market Supervision Bureau",
        "response_minutes": 480,
    },
    {
        "code": "JJ-HOUSING",
        "zh": "椒江区住房和城乡建设局",
        "en": "Jiaojiang Housing and Construction Bureau",
        "response_minutes": 480,
    },
    {
        "code": "JJ-WATER",
        "zh": "台州市供水有限公司椒江分公司",
        "en": "Taizhou Water Supply, Jiaojiang Branch",
        "response_minutes": 120,
    },
    {
        "code": "JJ-TELECOM",
        "zh": "椒江区通信发展办公室",
        "en": "Jiaojiang Telecom Coordination Office",
        "response_minutes": 1440,
    },
    {
        "code": "JJ-HOSP-1",
        "zh": "台州医院椒江院区",
        "en": "Taizhou Hospital, Jiaojiang Campus",
        "response_minutes": 240,
    },
    {"code": "JJ-SCH-1", "zh": "椒江区第一中学", "en": "Jiaojiang No. 1 Middle School", "response_minutes": 1440},
)


def _minutes(row: Mapping[str, Any], key: str, at: str) -> int:
    value = row.get(key)
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= MAX_DEADLINE_MINUTES:
        raise InvalidArgument(
            f"{at}.{key}: must be 1-{MAX_DEADLINE_MINUTES} minutes, got {value!r}", field=f"{at}.{key}"
        )
    return value


def _text(row: Mapping[str, Any], key: str, at: str, limit: int = 100) -> str:
    value = row.get(key, "")
    if not isinstance(value, str) or len(value) > limit:
        raise InvalidArgument(f"{at}.{key}: must be text of at most {limit} characters", field=f"{at}.{key}")
    return value.strip()


def _category(row: Mapping[str, Any], at: str) -> Category:
    code = row.get("code")
    if not isinstance(code, str) or not CODE_PATTERN.match(code):
        raise InvalidArgument(f"{at}.code: {code!r} is not a category code", field=f"{at}.code")
    department = row.get("department_code", "")
    if not isinstance(department, str) or (department and not DEPARTMENT_CODE_PATTERN.match(department)):
        raise InvalidArgument(f"{at}.department_code: {department!r} is not a code", field=f"{at}.department_code")
    urgency_name = row.get("default_urgency", "NORMAL")
    if not isinstance(urgency_name, str) or urgency_name.upper() not in Urgency.__members__:
        raise InvalidArgument(f"{at}.default_urgency: unknown urgency {urgency_name!r}", field=f"{at}.default_urgency")
    accept = _minutes(row, "accept_minutes", at)
    resolve = _minutes(row, "resolve_minutes", at)
    if resolve < accept:
        raise InvalidArgument(
            f"{at}.resolve_minutes: must not be shorter than accept_minutes", field=f"{at}.resolve_minutes"
        )
    return Category(
        code=code,
        zh=_text(row, "zh", at),
        en=_text(row, "en", at),
        accept_minutes=accept,
        resolve_minutes=resolve,
        department_code=department,
        default_urgency=Urgency[urgency_name.upper()],
        active=bool(row.get("active", True)),
        auto_publish=_flag(row, "auto_publish", at),
        description_zh=_text(row, "description_zh", at, DESCRIPTION_MAX),
        description_en=_text(row, "description_en", at, DESCRIPTION_MAX),
    )


def _flag(row: Mapping[str, Any], key: str, at: str) -> bool:
    value = row.get(key, False)
    if not isinstance(value, bool):
        raise InvalidArgument(f"{at}.{key}: must be true or false", field=f"{at}.{key}")
    return value


def _department(row: Mapping[str, Any], at: str) -> Department:
    code = row.get("code")
    if not isinstance(code, str) or not DEPARTMENT_CODE_PATTERN.match(code):
        raise InvalidArgument(f"{at}.code: {code!r} is not a department code", field=f"{at}.code")
    return Department(
        code=code,
        zh=_text(row, "zh", at),
        en=_text(row, "en", at),
        response_minutes=_minutes(row, "response_minutes", at),
    )


def _by_code(items: Iterable[Category | Department], what: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for item in items:
        if item.code in out:
            raise InvalidArgument(f"{what}: code {item.code!r} is listed twice", field=what)
        out[item.code] = item
    return out


@dataclass(frozen=True, slots=True)
class Catalogue:
    """Categories and departments by code (read-only mappings)."""

    categories: Mapping[str, Category]
    departments: Mapping[str, Department]

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Catalogue:
        """``{"categories": [{code, zh, en, accept_minutes, resolve_minutes, department_code?,
        default_urgency?, active?, auto_publish?, description_zh?, description_en?}, ...],
        "departments": [{code, zh, en, response_minutes}]}``.
        A category naming an unknown department is an error (its escalations would go
        nowhere)."""
        categories = _by_code(
            (_category(row, f"categories[{i}]") for i, row in enumerate(data.get("categories", ()))), "categories"
        )
        departments = _by_code(
            (_department(row, f"departments[{i}]") for i, row in enumerate(data.get("departments", ()))),
            "departments",
        )
        for category in categories.values():
            if category.department_code and category.department_code not in departments:
                raise InvalidArgument(
                    f"categories: {category.code!r} escalates to unknown department {category.department_code!r}",
                    field="categories",
                )
        return cls(categories=MappingProxyType(categories), departments=MappingProxyType(departments))

    def to_dict(self) -> dict[str, Any]:
        """The plain-data form ``from_dict`` reads (for configuration dumps and tests)."""
        return {
            "categories": [
                {
                    "code": c.code,
                    "zh": c.zh,
                    "en": c.en,
                    "accept_minutes": c.accept_minutes,
                    "resolve_minutes": c.resolve_minutes,
                    "department_code": c.department_code,
                    "default_urgency": c.default_urgency.name,
                    "active": c.active,
                    "auto_publish": c.auto_publish,
                    "description_zh": c.description_zh,
                    "description_en": c.description_en,
                }
                for c in self.categories.values()
            ],
            "departments": [
                {"code": d.code, "zh": d.zh, "en": d.en, "response_minutes": d.response_minutes}
                for d in self.departments.values()
            ],
        }

    def with_overrides(self, data: Mapping[str, Any]) -> Catalogue:
        """A catalogue with ``data``'s entries replacing (by code, field by field) or adding to
        this one's, e.g. ``{"categories": [{"code": "parking", "resolve_minutes": 2880}]}``."""
        merged = self.to_dict()
        for section in ("categories", "departments"):
            rows: dict[str, dict[str, Any]] = {row["code"]: row for row in merged[section]}
            for row in data.get(section, ()):
                code = row.get("code")
                rows[code] = {**rows.get(code, {}), **row}
            merged[section] = list(rows.values())
        return Catalogue.from_dict(merged)

    def category(self, code: str, field: str = "category") -> Category:
        """The active category with this code; InvalidArgument names ``field`` otherwise."""
        key = code.strip().lower()
        found = self.categories.get(key)
        if found is None or not found.active:
            raise InvalidArgument(
                f"{field}: unknown category {validation.echo(code)}; see the catalogue for valid codes", field=field
            )
        return found

    def department(self, code: str) -> Department | None:
        return self.departments.get(code)

    def list_categories(self, *, include_retired: bool = False) -> list[Category]:
        return [c for c in self.categories.values() if include_retired or c.active]

    def retire(self, code: str) -> Catalogue:
        """The same catalogue with one category retired (kept for stored requests)."""
        category = self.category(code)
        categories = dict(self.categories)
        categories[category.code] = replace(category, active=False)
        return Catalogue(categories=MappingProxyType(categories), departments=self.departments)


DEFAULT_CATALOGUE: Final = Catalogue.from_dict({"categories": CATEGORIES_DATA, "departments": DEPARTMENTS_DATA})
