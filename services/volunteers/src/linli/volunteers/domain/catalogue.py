"""The posts catalogue, the skills taxonomy and the request-category map: data, not code.

Seeded from the reports: Jiaojiang's "ten posts" that member volunteers claim (civility
persuasion, dispute mediation, policy publicity, ...) and the services named again and again
(electrical repair, legal aid, free clinics, psychological counselling, help for the elderly
and disabled, tutoring in "four-thirty classes", ...). Adding an entry is a data change here;
the helpers below never need to change.

Stability rules (entries are referenced from stored volunteers and from the matching index):

- codes are forever: never rename or delete one (retire it by leaving it unused);
- ``SKILLS`` is append-only and its order is fixed, because a skill's position is its bit in
  the matching index's 64-bit skill masks (so at most 64 skills; the module refuses more).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final

from linli.common import validation
from linli.common.errors import InvalidArgument

#: Longest catalogue code looked at (longer input is unknown without any work) and the most
#: codes one list may name (the catalogue holds fewer; a longer list is refused before lookups).
CODE_MAX_LENGTH = 64
MAX_CODES = 100

#: Jiaojiang's "ten posts" (党员十岗): what a volunteer may claim to stand for in their community.
POSTS_DATA: Final[tuple[dict[str, str], ...]] = (
    {"code": "civility_persuasion", "zh": "文明劝导岗", "en": "Civility persuasion"},
    {"code": "dispute_mediation", "zh": "矛盾调解岗", "en": "Dispute mediation"},
    {"code": "policy_publicity", "zh": "政策宣传岗", "en": "Policy publicity"},
    {"code": "safety_patrol", "zh": "平安巡逻岗", "en": "Safety patrol"},
    {"code": "environment_improvement", "zh": "环境整治岗", "en": "Environment improvement"},
    {"code": "elderly_care", "zh": "关爱帮扶岗", "en": "Care for the elderly and vulnerable"},
    {"code": "public_opinion", "zh": "民情收集岗", "en": "Listening to residents"},
    {"code": "emergency_response", "zh": "应急处置岗", "en": "Emergency response"},
    {"code": "garbage_sorting", "zh": "垃圾分类督导岗", "en": "Garbage sorting guidance"},
    {"code": "consultation", "zh": "议事协商岗", "en": "Community consultation"},
)

#: The skills taxonomy. APPEND ONLY: the position is the skill's bit in matching masks.
SKILLS_DATA: Final[tuple[dict[str, str], ...]] = (
    {"code": "electrical_repair", "zh": "电工维修", "en": "Electrical repair", "group": "repairs"},
    {"code": "plumbing", "zh": "水管维修", "en": "Plumbing", "group": "repairs"},
    {"code": "appliance_repair", "zh": "家电维修", "en": "Appliance repair", "group": "repairs"},
    {"code": "carpentry", "zh": "木工", "en": "Carpentry", "group": "repairs"},
    {"code": "first_aid", "zh": "急救", "en": "First aid", "group": "health"},
    {"code": "medical_care", "zh": "医疗护理", "en": "Medical care", "group": "health"},
    {"code": "health_clinic", "zh": "健康义诊", "en": "Free health check-ups", "group": "health"},
    {"code": "legal_advice", "zh": "法律援助", "en": "Legal advice", "group": "advice"},
    {"code": "policy_explanation", "zh": "政策宣讲", "en": "Explaining policies", "group": "advice"},
    {"code": "dispute_mediation", "zh": "纠纷调解", "en": "Dispute mediation", "group": "advice"},
    {"code": "psychological_counselling", "zh": "心理疏导", "en": "Psychological counselling", "group": "care"},
    {"code": "elderly_care", "zh": "助老服务", "en": "Elderly care", "group": "care"},
    {"code": "disability_support", "zh": "助残服务", "en": "Disability support", "group": "care"},
    {"code": "childcare", "zh": "托育看护", "en": "Childcare", "group": "care"},
    {"code": "meal_delivery", "zh": "助餐送餐", "en": "Meal delivery", "group": "care"},
    {"code": "tutoring", "zh": "课业辅导", "en": "Tutoring", "group": "education"},
    {"code": "translation", "zh": "翻译", "en": "Translation", "group": "education"},
    {"code": "sign_language", "zh": "手语", "en": "Sign language", "group": "education"},
    {"code": "it_help", "zh": "手机电脑帮助", "en": "Phone and computer help", "group": "education"},
    {"code": "driving", "zh": "驾驶接送", "en": "Driving", "group": "logistics"},
    {"code": "safety_patrol", "zh": "治安巡逻", "en": "Safety patrol", "group": "safety"},
    {"code": "fire_safety", "zh": "消防安全", "en": "Fire safety", "group": "safety"},
    {"code": "haircut", "zh": "义务理发", "en": "Haircuts", "group": "daily_life"},
    {"code": "cleaning", "zh": "清洁保洁", "en": "Cleaning", "group": "daily_life"},
)

#: Request categories -> the skills that fit. Keys are the requests service's category codes
#: (``linli.requests.domain.catalogue.DEFAULT_CATALOGUE``) plus dotted refinements such as
#: "repairs.electrical"; a category "a.b" not listed falls back to "a". Categories no
#: volunteer skill answers (parking, illegal construction, elevators, food safety, pricing,
#: suggestions, "other") are left out on purpose: they ask for no particular skill, so
#: matching ranks every nearby volunteer by distance, availability, load and fairness.
CATEGORY_SKILLS_DATA: Final[dict[str, tuple[str, ...]]] = {
    "repairs": ("electrical_repair", "plumbing", "appliance_repair", "carpentry"),
    "repairs.electrical": ("electrical_repair",),
    "repairs.plumbing": ("plumbing",),
    "repairs.appliance": ("appliance_repair",),
    "elderly_care": ("elderly_care", "meal_delivery", "medical_care"),
    "flying_wire_charging": ("electrical_repair", "fire_safety"),
    "throwing_objects": ("safety_patrol",),
    "water_supply": ("plumbing",),
    "heating": ("plumbing",),
    "road_flooding": ("safety_patrol", "driving"),
    "poor_signal": ("it_help",),
    "neighbour_dispute": ("dispute_mediation", "legal_advice"),
    "medical": ("first_aid", "medical_care"),
    "tutoring": ("tutoring",),
    "environment": ("cleaning",),
    "care_visit": ("elderly_care", "disability_support", "psychological_counselling"),
}

MAX_SKILLS: Final = 64


@dataclass(frozen=True, slots=True)
class CatalogueEntry:
    """A post or skill: its code and names; ``bit`` is a skill's mask bit (-1 for posts)."""

    code: str
    zh: str
    en: str
    group: str = ""
    bit: int = -1


def _entries(data: Iterable[dict[str, str]], *, with_bits: bool) -> MappingProxyType[str, CatalogueEntry]:
    out: dict[str, CatalogueEntry] = {}
    for position, row in enumerate(data):
        code = row["code"]
        if code in out:
            raise ValueError(f"duplicate catalogue code {code!r}")
        out[code] = CatalogueEntry(
            code=code, zh=row["zh"], en=row["en"], group=row.get("group", ""), bit=position if with_bits else -1
        )
    return MappingProxyType(out)


POSTS: Final = _entries(POSTS_DATA, with_bits=False)
SKILLS: Final = _entries(SKILLS_DATA, with_bits=True)
if len(SKILLS) > MAX_SKILLS:  # pragma: no cover - a data error caught at import
    raise ValueError(f"the matching index holds at most {MAX_SKILLS} skills")
for _category, _codes in CATEGORY_SKILLS_DATA.items():
    for _code in _codes:
        if _code not in SKILLS:  # pragma: no cover - a data error caught at import
            raise ValueError(f"category {_category!r} maps to unknown skill {_code!r}")


def list_posts() -> list[CatalogueEntry]:
    """Every post in catalogue order."""
    return list(POSTS.values())


def list_skills() -> list[CatalogueEntry]:
    """Every skill in taxonomy order."""
    return list(SKILLS.values())


def post(code: str) -> CatalogueEntry | None:
    """The post with this code, or None."""
    return POSTS.get(code)


def skill(code: str) -> CatalogueEntry | None:
    """The skill with this code, or None."""
    return SKILLS.get(code)


def _validate_codes(
    codes: Iterable[str], known: MappingProxyType[str, CatalogueEntry], field: str, what: str
) -> tuple[str, ...]:
    """Normalises (trim, lower-case), de-duplicates keeping first-seen order, and rejects
    unknown codes naming the exact list position, e.g. ``skills[2]``."""
    seen: dict[str, None] = {}
    for position, raw in enumerate(codes):
        if position >= MAX_CODES:
            raise InvalidArgument(f"{field}: at most {MAX_CODES} codes allowed", field=field)
        code = raw.strip().lower() if len(raw) <= CODE_MAX_LENGTH else ""
        if code not in known:
            raise InvalidArgument(
                f"{field}[{position}]: unknown {what} {validation.echo(raw)}; see the catalogue for valid codes",
                field=f"{field}[{position}]",
            )
        seen.setdefault(code, None)
    return tuple(seen)


def validate_skill_codes(codes: Iterable[str], field: str = "skills") -> tuple[str, ...]:
    """The skill codes, normalised and de-duplicated; InvalidArgument names an unknown one."""
    return _validate_codes(codes, SKILLS, field, "skill")


def validate_post_codes(codes: Iterable[str], field: str = "posts") -> tuple[str, ...]:
    """The post codes, normalised and de-duplicated; InvalidArgument names an unknown one."""
    return _validate_codes(codes, POSTS, field, "post")


def skill_mask(codes: Iterable[str]) -> int:
    """The 64-bit mask of known skill codes (bit = position in ``SKILLS_DATA``)."""
    mask = 0
    for code in codes:
        mask |= 1 << SKILLS[code].bit
    return mask


def skills_of_mask(mask: int) -> tuple[str, ...]:
    """The skill codes whose bits are set, in taxonomy order."""
    return tuple(entry.code for entry in SKILLS.values() if mask >> entry.bit & 1)


def skills_for_category(category: str) -> tuple[str, ...]:
    """Skills fitting a request category: exact match, then each shorter dotted prefix
    ("repairs.electrical.socket" -> "repairs.electrical" -> "repairs"); () when unknown."""
    if len(category) > CODE_MAX_LENGTH:
        return ()
    key = category.strip().lower()
    while key:
        found = CATEGORY_SKILLS_DATA.get(key)
        if found is not None:
            return found
        key = key.rpartition(".")[0]
    return ()
