"""Field validation for the volunteers service.

Each validator returns the normalised value (trimmed, de-duplicated, sorted where order is
meaningless) or raises ``linli.common.errors.InvalidArgument`` naming the field at fault, e.g.
``home.lat``, ``skills[2]`` or ``availability[1].end``, so the gateway can point at the form
field and a client developer at the request field. Skill and post codes are validated
against the catalogue (``catalogue.validate_skill_codes`` / ``validate_post_codes``).

Free text, ids and idempotency keys are the kit's validators (``linli.common.validation``:
the same rules and the house message style, ``"<field>: <problem>"``, in every service). The
volunteers service's texts are single-line, so line breaks and tabs, which the kit allows in
free text, stay refused here. Points, radii, schedules, languages, phones and the ledger's
amounts are checked here.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Iterable, Sequence

from linli.common import validation
from linli.common.errors import Conflict, InvalidArgument

from .model import GeoPoint, TimeWindow

DISPLAY_NAME_MAX_LENGTH = 40
TEAM_NAME_MAX_LENGTH = 60
TEXT_MAX_LENGTH = 500
ID_MAX_LENGTH = validation.ID_MAX_LENGTH
IDEMPOTENCY_KEY_MAX_LENGTH = validation.IDEMPOTENCY_KEY_MAX_LENGTH
#: No one is sent further than this, whatever they say (it also bounds the matching search).
MAX_SERVICE_RADIUS_KM = 50.0
MIN_CONCURRENT_TASKS = 1
MAX_CONCURRENT_TASKS = 20
MAX_WINDOWS = 7 * 12
MAX_LANGUAGES = 10
#: Longest single task a ledger credit accepts; anything longer is a data error.
MAX_TASK_HOURS = 24.0
#: Largest correction one entry may carry (in either direction).
MAX_CORRECTION_HOURS = 1000.0
MAX_CORRECTION_POINTS = 100_000

HHMM_PATTERN = re.compile(r"^([01][0-9]|2[0-3]):[0-5][0-9]$")
PHONE_PATTERN = re.compile(r"^\+?[0-9][0-9 ()-]{2,30}$")
#: BCP 47-ish: "zh", "en", "zh-Hans", "zh-wuu".
LANGUAGE_PATTERN = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")


def validate_text(value: str, field: str, *, max_length: int = TEXT_MAX_LENGTH, required: bool = False) -> str:
    """Trimmed single-line text without control characters, at most ``max_length`` characters."""
    text = validation.text(value, field, max_length=max_length, required=required)
    if any(ch in text for ch in "\n\r\t"):
        raise validation.invalid(field, "must not contain control characters")
    return text


def validate_display_name(value: str, field: str = "display_name") -> str:
    return validate_text(value, field, max_length=DISPLAY_NAME_MAX_LENGTH, required=True)


def validate_id(value: str, field: str) -> str:
    """A required identifier (letters, digits and ``_.:@-``)."""
    return validation.identifier(value, field)


def validate_optional_id(value: str, field: str) -> str:
    """An identifier that may be empty."""
    return validation.optional_identifier(value, field)


def validate_idempotency_key(value: str, field: str = "idempotency_key") -> str:
    """A client's retry key: any text up to 200 characters ("" means none given)."""
    return validation.idempotency_key(value, field)


def validate_phone(value: str, field: str = "phone") -> str:
    phone = value.strip()
    if phone and not PHONE_PATTERN.match(phone):
        raise InvalidArgument(f"{field} {phone!r} is not a phone number", field=field)
    return phone


def validate_point(point: GeoPoint | None, field: str) -> GeoPoint:
    """A required WGS-84 point: finite, latitude in [-90, 90], longitude in [-180, 180].

    (0, 0) is rejected too: it is what an unset protobuf GeoPoint reads as, and no Linli city
    lies in the Gulf of Guinea.
    """
    if point is None:
        raise InvalidArgument(f"{field} is required", field=field)
    if not math.isfinite(point.lat) or not -90.0 <= point.lat <= 90.0:
        raise InvalidArgument(f"{field}.lat must be between -90 and 90, got {point.lat}", field=f"{field}.lat")
    if not math.isfinite(point.lng) or not -180.0 <= point.lng <= 180.0:
        raise InvalidArgument(f"{field}.lng must be between -180 and 180, got {point.lng}", field=f"{field}.lng")
    if point.lat == 0.0 and point.lng == 0.0:
        raise InvalidArgument(f"{field} is required (0, 0 is not a place anyone lives)", field=field)
    return point


def validate_radius(value: float, field: str = "service_radius_km") -> float:
    """0 < radius <= 50 km."""
    if not math.isfinite(value) or not 0.0 < value <= MAX_SERVICE_RADIUS_KM:
        raise InvalidArgument(
            f"{field} must be more than 0 and at most {MAX_SERVICE_RADIUS_KM:g} km, got {value}", field=field
        )
    return float(value)


def validate_max_concurrent_tasks(value: int, field: str = "max_concurrent_tasks") -> int:
    if not MIN_CONCURRENT_TASKS <= value <= MAX_CONCURRENT_TASKS:
        raise InvalidArgument(
            f"{field} must be between {MIN_CONCURRENT_TASKS} and {MAX_CONCURRENT_TASKS}, got {value}", field=field
        )
    return value


def validate_languages(values: Iterable[str], field: str = "languages") -> tuple[str, ...]:
    """Language tags, de-duplicated in order (primary subtag lower-cased)."""
    seen: dict[str, None] = {}
    for i, raw in enumerate(values):
        tag = raw.strip()
        primary, _, rest = tag.partition("-")
        tag = primary.lower() + ("-" + rest if rest else "")
        if not LANGUAGE_PATTERN.match(tag):
            raise InvalidArgument(
                f"{field}[{i}] {raw!r} is not a language tag such as 'zh' or 'en'", field=f"{field}[{i}]"
            )
        seen.setdefault(tag, None)
    if len(seen) > MAX_LANGUAGES:
        raise InvalidArgument(f"{field}: at most {MAX_LANGUAGES} languages, got {len(seen)}", field=field)
    return tuple(seen)


def parse_hhmm(value: str, field: str, *, allow_end_of_day: bool = False) -> int:
    """Minutes since midnight of an "HH:MM" time; "24:00" only as an end."""
    if allow_end_of_day and value == "24:00":
        return 24 * 60
    if not HHMM_PATTERN.match(value):
        raise InvalidArgument(f"{field} {value!r} is not a time of day in HH:MM (00:00-23:59)", field=field)
    hours, minutes = value.split(":")
    return int(hours) * 60 + int(minutes)


def validate_time_window(window: TimeWindow, field: str) -> TimeWindow:
    """Weekday 1-7, "HH:MM" start before end (end may be "24:00")."""
    if not 1 <= window.weekday <= 7:
        raise InvalidArgument(
            f"{field}.weekday must be 1 (Monday) to 7 (Sunday), got {window.weekday}", field=f"{field}.weekday"
        )
    start = parse_hhmm(window.start, f"{field}.start")
    end = parse_hhmm(window.end, f"{field}.end", allow_end_of_day=True)
    if start >= end:
        raise InvalidArgument(
            f"{field}.end must be after start ({window.start}), got {window.end}; "
            "split a window that crosses midnight into two",
            field=f"{field}.end",
        )
    return window


def validate_availability(windows: Sequence[TimeWindow], field: str = "availability") -> tuple[TimeWindow, ...]:
    """A weekly schedule: valid windows that do not overlap on the same weekday (touching,
    e.g. 08:00-12:00 and 12:00-14:00, is fine); returned sorted by weekday and start."""
    if len(windows) > MAX_WINDOWS:
        raise InvalidArgument(f"{field}: at most {MAX_WINDOWS} windows, got {len(windows)}", field=field)
    indexed = [(i, validate_time_window(w, f"{field}[{i}]")) for i, w in enumerate(windows)]
    indexed.sort(key=lambda iw: (iw[1].weekday, iw[1].start_minute))
    for (j, prev), (i, cur) in itertools.pairwise(indexed):
        if cur.weekday == prev.weekday and cur.start_minute < prev.end_minute:
            raise InvalidArgument(
                f"{field}[{max(i, j)}] overlaps another window ({prev.start}-{prev.end} and {cur.start}-{cur.end} "
                f"on weekday {cur.weekday})",
                field=f"{field}[{max(i, j)}]",
            )
    return tuple(w for _, w in indexed)


def validate_task_hours(value: float, field: str = "hours") -> float:
    """Hours logged for one task: 0 <= hours <= 24, rounded to 0.01 h."""
    if not math.isfinite(value):
        raise InvalidArgument(f"{field} must be a number, got {value}", field=field)
    if value < 0:
        raise InvalidArgument(f"{field} must not be negative, got {value}", field=field)
    if value > MAX_TASK_HOURS:
        raise InvalidArgument(f"{field} must be at most {MAX_TASK_HOURS:g} for one task, got {value}", field=field)
    return round(value, 2)


def validate_rating(value: int, field: str = "rating") -> int:
    """A resident's rating, 1..5 stars (0 means not rated, which earns nothing yet)."""
    if not 1 <= value <= 5:
        raise InvalidArgument(f"{field} must be 1 to 5, got {value}", field=field)
    return value


def validate_correction_amounts(hours: float, points: int) -> tuple[float, int]:
    """Signed amounts of a correction: finite, bounded, not both zero."""
    if not math.isfinite(hours) or abs(hours) > MAX_CORRECTION_HOURS:
        raise InvalidArgument(
            f"hours_delta must be a number between -{MAX_CORRECTION_HOURS:g} and {MAX_CORRECTION_HOURS:g}, got {hours}",
            field="hours_delta",
        )
    if abs(points) > MAX_CORRECTION_POINTS:
        raise InvalidArgument(
            f"points_delta must be between -{MAX_CORRECTION_POINTS} and {MAX_CORRECTION_POINTS}, got {points}",
            field="points_delta",
        )
    hours = round(hours, 2)
    if hours == 0 and points == 0:
        raise InvalidArgument("a correction must change hours_delta or points_delta", field="points_delta")
    return hours, points


def check_version(current: int, expected: int, field: str = "expected_version") -> None:
    """Optimistic concurrency: 0 skips the check, anything else must equal ``current``."""
    if expected and expected != current:
        raise Conflict(f"{field} is {expected} but the resource is at version {current}; reload and retry", field=field)
