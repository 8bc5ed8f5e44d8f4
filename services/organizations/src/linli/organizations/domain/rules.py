"""Field validation shared by every aggregate.

Each validator returns the normalised value (stripped, NFC-normalised, deduplicated) or
raises ``ValidationError`` naming the field, e.g. ``name.zh`` or ``contacts[2].phone``, so
the gateway can point at the form field and a client developer at the request field.

Free text, ids, id lists and idempotency keys are the kit's validators
(``linli.common.validation``, the same rules and words in every service); their errors are
re-raised as this domain's ``ValidationError``. Codes, names, contacts, schedules and the
other organisation-specific fields are checked here.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Callable, Collection, Iterable, Sequence
from typing import TypeVar

from linli.common import validation
from linli.common.errors import InvalidArgument

from .errors import ConflictError, NotFoundError, ValidationError
from .geo import GeoPoint, validate_point
from .model import Address, Contact, LocalizedText, TimeWindow

NAME_MAX_LENGTH = 100
TEXT_MAX_LENGTH = 500
SHORT_TEXT_MAX_LENGTH = 100
ID_MAX_LENGTH = validation.ID_MAX_LENGTH
MAX_CONTACTS = 50
MAX_LIST_ITEMS = validation.MAX_LIST_ITEMS
#: Longest response deadline a unit may be given: 30 days.
MAX_RESPONSE_DEADLINE_MINUTES = 30 * 24 * 60

CODE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
CATEGORY_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,63}$")
PHONE_PATTERN = re.compile(r"^\+?[0-9][0-9 ()-]{2,30}$")
EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
HHMM_PATTERN = re.compile(r"^([01][0-9]|2[0-3]):[0-5][0-9]$")

T = TypeVar("T")


def _clean(value: str) -> str:
    """Strips surrounding whitespace and normalises to NFC so equal names compare equal."""
    return validation.clean(value)


def _reject_control_chars(value: str, field: str) -> None:
    if any(unicodedata.category(ch) == "Cc" for ch in value):
        raise ValidationError(field, "must not contain control characters")


def _kit(check: Callable[[], T]) -> T:
    """Runs one of the kit's validators; its error becomes a ValidationError (same field, same words)."""
    try:
        return check()
    except InvalidArgument as error:
        if isinstance(error, ValidationError):
            raise
        raise ValidationError(error.field, error.message.removeprefix(f"{error.field}: ")) from None


def validate_text(value: str, field: str, *, max_length: int = TEXT_MAX_LENGTH, required: bool = False) -> str:
    """A free-text field: trimmed, at most ``max_length`` characters, no control characters
    (line breaks excepted)."""
    return _kit(lambda: validation.text(value, field, max_length=max_length, required=required))


def validate_name(name: LocalizedText, field: str = "name") -> LocalizedText:
    """A display name: at least one of zh/en non-blank, each at most 100 characters."""
    zh = _clean(name.zh)
    en = _clean(name.en)
    if not zh and not en:
        raise ValidationError(field, "must not be empty (give name.zh or name.en)")
    for sub, value in (("zh", zh), ("en", en)):
        if len(value) > NAME_MAX_LENGTH:
            raise ValidationError(f"{field}.{sub}", f"must be at most {NAME_MAX_LENGTH} characters, got {len(value)}")
        _reject_control_chars(value, f"{field}.{sub}")
    return LocalizedText(zh=zh, en=en)


def validate_code(code: str, field: str = "code") -> str:
    """A human-readable code such as ``TZ-JJ-BY-DS``: 1-64 characters of letters, digits,
    ``_``, ``.`` and ``-``, starting with a letter or digit. Uniqueness is checked by the
    service layer against the repository."""
    value = code.strip()
    if not value:
        raise ValidationError(field, "must not be empty")
    if not CODE_PATTERN.match(value):
        raise ValidationError(
            field,
            f"{value!r} is not a valid code: use 1-64 letters, digits, '_', '.' or '-', "
            "starting with a letter or digit",
        )
    return value


def validate_id(value: str, field: str) -> str:
    """An id (ours or the gateway's person id): non-empty, no spaces, at most 128 chars."""
    return _kit(lambda: validation.identifier(value, field))


def validate_optional_id(value: str, field: str) -> str:
    """Like ``validate_id`` but empty is allowed (and returned as "")."""
    return _kit(lambda: validation.optional_identifier(value, field))


def validate_id_list(values: Iterable[str], field: str, *, max_items: int = MAX_LIST_ITEMS) -> tuple[str, ...]:
    """A list of ids, deduplicated in order."""
    return _kit(lambda: validation.identifier_list(values, field, max_items=max_items))


def validate_idempotency_key(value: str, field: str = "idempotency_key") -> str:
    """A client's retry key: any text up to 200 characters ("" means none given)."""
    return _kit(lambda: validation.idempotency_key(value, field))


def validate_location(point: GeoPoint | None, field: str = "location") -> GeoPoint | None:
    """An optional point; when set it must be a valid WGS-84 coordinate."""
    return None if point is None else validate_point(point, field)


def validate_address(address: Address | None, field: str = "address") -> Address | None:
    """An optional address; text fields trimmed and bounded, the point valid. An address with
    nothing in it is treated as no address."""
    if address is None:
        return None
    cleaned = Address(
        text=validate_text(address.text, f"{field}.text"),
        province=validate_text(address.province, f"{field}.province", max_length=SHORT_TEXT_MAX_LENGTH),
        city=validate_text(address.city, f"{field}.city", max_length=SHORT_TEXT_MAX_LENGTH),
        district=validate_text(address.district, f"{field}.district", max_length=SHORT_TEXT_MAX_LENGTH),
        street=validate_text(address.street, f"{field}.street", max_length=SHORT_TEXT_MAX_LENGTH),
        detail=validate_text(address.detail, f"{field}.detail"),
        point=validate_location(address.point, f"{field}.point"),
    )
    return None if cleaned == Address() else cleaned


def validate_phone(value: str, field: str) -> str:
    phone = value.strip()
    if phone and not PHONE_PATTERN.match(phone):
        raise ValidationError(field, f"{phone!r} is not a phone number")
    return phone


def validate_email(value: str, field: str) -> str:
    email = value.strip()
    if email and (len(email) > 254 or not EMAIL_PATTERN.match(email)):
        raise ValidationError(field, f"{email!r} is not an e-mail address")
    return email


def validate_contacts(contacts: Sequence[Contact], field: str = "contacts") -> tuple[Contact, ...]:
    """Contacts: each has a phone or an e-mail; names and roles bounded."""
    if len(contacts) > MAX_CONTACTS:
        raise ValidationError(field, f"at most {MAX_CONTACTS} contacts allowed, got {len(contacts)}")
    result: list[Contact] = []
    for i, contact in enumerate(contacts):
        at = f"{field}[{i}]"
        cleaned = Contact(
            name=validate_text(contact.name, f"{at}.name", max_length=SHORT_TEXT_MAX_LENGTH),
            phone=validate_phone(contact.phone, f"{at}.phone"),
            email=validate_email(contact.email, f"{at}.email"),
            role=validate_text(contact.role, f"{at}.role", max_length=SHORT_TEXT_MAX_LENGTH),
        )
        if not cleaned.phone and not cleaned.email:
            raise ValidationError(at, "a contact needs a phone or an e-mail")
        result.append(cleaned)
    return tuple(result)


def parse_hhmm(value: str, field: str, *, allow_end_of_day: bool = False) -> int:
    """Minutes since midnight of an "HH:MM" time; "24:00" only as an end."""
    if allow_end_of_day and value == "24:00":
        return 24 * 60
    if not HHMM_PATTERN.match(value):
        raise ValidationError(field, f"{value!r} is not a time of day in HH:MM")
    hours, minutes = value.split(":")
    return int(hours) * 60 + int(minutes)


def validate_time_window(window: TimeWindow, field: str) -> TimeWindow:
    """Weekday 1-7, "HH:MM" start before end (end may be "24:00")."""
    if not 1 <= window.weekday <= 7:
        raise ValidationError(f"{field}.weekday", f"must be 1 (Monday) to 7 (Sunday), got {window.weekday}")
    start = parse_hhmm(window.start, f"{field}.start")
    end = parse_hhmm(window.end, f"{field}.end", allow_end_of_day=True)
    if start >= end:
        raise ValidationError(f"{field}.end", f"must be after start ({window.start}), got {window.end}")
    return window


def validate_time_windows(windows: Sequence[TimeWindow], field: str = "opening_hours") -> tuple[TimeWindow, ...]:
    """A weekly schedule: valid windows that do not overlap on the same weekday; returned
    sorted by weekday and start."""
    indexed = [(i, validate_time_window(w, f"{field}[{i}]")) for i, w in enumerate(windows)]
    indexed.sort(key=lambda iw: (iw[1].weekday, iw[1].start_minute))
    for (_, prev), (i, cur) in itertools.pairwise(indexed):
        if cur.weekday == prev.weekday and cur.start_minute < prev.end_minute:
            raise ValidationError(
                f"{field}[{i}]",
                f"overlaps {prev.start}-{prev.end} on weekday {prev.weekday}",
            )
    return tuple(w for _, w in indexed)


def validate_categories(categories: Iterable[str], field: str = "accepted_categories") -> tuple[str, ...]:
    """Request category codes, lower-cased and deduplicated in order."""
    seen: dict[str, None] = {}
    for i, raw in enumerate(categories):
        category = raw.strip().lower()
        if not CATEGORY_PATTERN.match(category):
            raise ValidationError(f"{field}[{i}]", f"{raw!r} is not a category code (letters, digits, '_', '.', '-')")
        seen.setdefault(category, None)
    if len(seen) > MAX_LIST_ITEMS:
        raise ValidationError(field, f"at most {MAX_LIST_ITEMS} categories allowed, got {len(seen)}")
    return tuple(seen)


def validate_response_deadline(minutes: int, field: str = "response_deadline_minutes") -> int:
    if not 0 <= minutes <= MAX_RESPONSE_DEADLINE_MINUTES:
        raise ValidationError(field, f"must be between 0 and {MAX_RESPONSE_DEADLINE_MINUTES} minutes, got {minutes}")
    return minutes


def validate_count(value: int, field: str, *, maximum: int) -> int:
    """A non-negative count with a sanity ceiling."""
    if not 0 <= value <= maximum:
        raise ValidationError(field, f"must be between 0 and {maximum}, got {value}")
    return value


def validate_update_mask(mask: Collection[str], allowed: Collection[str], field: str = "update_mask") -> None:
    """Every mask path must be an updatable field."""
    for path in mask:
        if path not in allowed:
            raise ValidationError(field, f"{path!r} cannot be updated; updatable fields: {', '.join(sorted(allowed))}")


def check_version(current: int, expected: int, what: str, field: str = "expected_version") -> None:
    """Optimistic concurrency: ``expected`` 0 skips the check; otherwise it must equal the
    aggregate's current version, so a stale client fails instead of overwriting."""
    if expected and expected != current:
        raise ConflictError(field, f"{what} is at version {current}, not {expected}; reload and retry")


def require_found(value: T | None, field: str, what: str) -> T:
    """``value`` or NotFoundError naming the field: for the service layer's lookups."""
    if value is None:
        raise NotFoundError(field, f"{what} not found")
    return value
