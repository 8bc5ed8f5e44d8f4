"""Input limits and field validation: the service's own limits and validators, on the kit's
shared ones (``linli.common.validation``: text, ids, id lists, idempotency keys).

Each validator returns the normalised value (trimmed, NFC-normalised) or raises
``InvalidArgument`` whose message and ``field`` name the offending request field (dotted
path, e.g. ``attachments[3].url``), so the gateway can point at the form field. Validation
runs before anything changes, so a rejected command leaves the aggregate untouched.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence

from linli.common import validation
from linli.common.errors import Conflict, InvalidArgument

from .model import Address, Assignee, Attachment, Contact, GeoPoint, Requester

TITLE_MAX_LENGTH = 120
DESCRIPTION_MAX_LENGTH = 4000
COMMENT_MAX_LENGTH = 1000
REASON_MAX_LENGTH = 1000
RESULT_MAX_LENGTH = 4000
NOTES_MAX_LENGTH = 8000
SHORT_TEXT_MAX_LENGTH = 200
ID_MAX_LENGTH = validation.ID_MAX_LENGTH
URL_MAX_LENGTH = 2048
MAX_ATTACHMENTS = 9
MAX_RESULT_PHOTOS = 9
MAX_PARTIES = 50
MAX_ATTENDEES = 200
MAX_CANDIDATES = 100
MAX_SPLIT_PARTS = 20
IDEMPOTENCY_KEY_MAX_LENGTH = validation.IDEMPOTENCY_KEY_MAX_LENGTH
#: Longest work a single resolution may log: a round-the-clock week.
MAX_HOURS = 24.0 * 7

ID_PATTERN = validation.ID_PATTERN
PHONE_PATTERN = re.compile(r"^\+?[0-9][0-9 ()-]{2,30}$")
EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
URL_PATTERN = re.compile(r"^(https?://|s3://|linli://)\S+$")


def validate_text(value: str, field: str, *, max_length: int, required: bool = False) -> str:
    """Free text: trimmed, at most ``max_length`` characters, no control characters other
    than line breaks and tabs."""
    return validation.text(value, field, max_length=max_length, required=required)


def validate_title(value: str, field: str = "title") -> str:
    return validate_text(value, field, max_length=TITLE_MAX_LENGTH, required=True)


def validate_description(value: str, field: str = "description") -> str:
    return validate_text(value, field, max_length=DESCRIPTION_MAX_LENGTH)


def validate_reason(value: str, field: str = "reason", *, required: bool = False) -> str:
    return validate_text(value, field, max_length=REASON_MAX_LENGTH, required=required)


def validate_id(value: str, field: str) -> str:
    """An id (ours or another service's): non-empty, no spaces, at most 128 characters."""
    return validation.identifier(value, field)


def validate_optional_id(value: str, field: str) -> str:
    return validation.optional_identifier(value, field)


def validate_id_list(values: Iterable[str], field: str, *, max_items: int) -> tuple[str, ...]:
    """Ids, deduplicated in order."""
    return validation.identifier_list(values, field, max_items=max_items)


def validate_idempotency_key(value: str, field: str = "idempotency_key") -> str:
    """A client's retry key, trimmed."""
    return validation.idempotency_key(value.strip(), field)


#: Categories a query may filter by; codes are at most 64 characters.
MAX_QUERY_CATEGORIES = 100
CATEGORY_CODE_MAX_LENGTH = 64
#: Documented limits of queries (requests.proto).
BOARD_RECENT_DEFAULT = 20
BOARD_RECENT_MAX = 100
#: Ids a public listing may ask for at once.
PUBLIC_IDS_MAX = 100
SUGGESTION_LIMIT_DEFAULT = 5
SUGGESTION_LIMIT_MAX = 20
CLIENT_TOKEN_MIN_LENGTH = 16
CLIENT_TOKEN_MAX_LENGTH = 200


def validate_query_categories(values: Sequence[str], field: str = "categories") -> tuple[str, ...]:
    """Category codes a query filters by: at most 100, each at most 64 characters."""
    if len(values) > MAX_QUERY_CATEGORIES:
        raise InvalidArgument(f"{field}: at most {MAX_QUERY_CATEGORIES} allowed, got {len(values)}", field=field)
    for i, value in enumerate(values):
        if len(value) > CATEGORY_CODE_MAX_LENGTH:
            raise InvalidArgument(
                f"{field}[{i}]: {validation.echo(value)} is not a category code", field=f"{field}[{i}]"
            )
    return tuple(values)


def validate_client_token(value: str, field: str = "client_token") -> str:
    """An anonymous client's own secret: 16-200 printable characters, no spaces."""
    token = value.strip()
    if not CLIENT_TOKEN_MIN_LENGTH <= len(token) <= CLIENT_TOKEN_MAX_LENGTH or not token.isprintable() or " " in token:
        raise InvalidArgument(
            f"{field}: must be {CLIENT_TOKEN_MIN_LENGTH}-{CLIENT_TOKEN_MAX_LENGTH} printable characters without spaces",
            field=field,
        )
    return token


def validate_point(point: GeoPoint, field: str) -> GeoPoint:
    if not math.isfinite(point.lat) or not -90.0 <= point.lat <= 90.0:
        raise InvalidArgument(
            f"{field}.lat: latitude must be between -90 and 90, got {point.lat}", field=f"{field}.lat"
        )
    if not math.isfinite(point.lng) or not -180.0 <= point.lng <= 180.0:
        raise InvalidArgument(
            f"{field}.lng: longitude must be between -180 and 180, got {point.lng}", field=f"{field}.lng"
        )
    return point


def validate_address(address: Address | None, field: str = "address") -> Address | None:
    """An optional address; an address with nothing in it counts as none."""
    if address is None:
        return None
    short = SHORT_TEXT_MAX_LENGTH
    cleaned = Address(
        text=validate_text(address.text, f"{field}.text", max_length=500),
        province=validate_text(address.province, f"{field}.province", max_length=short),
        city=validate_text(address.city, f"{field}.city", max_length=short),
        district=validate_text(address.district, f"{field}.district", max_length=short),
        street=validate_text(address.street, f"{field}.street", max_length=short),
        detail=validate_text(address.detail, f"{field}.detail", max_length=500),
        point=None if address.point is None else validate_point(address.point, f"{field}.point"),
    )
    return None if cleaned == Address() else cleaned


def validate_location(address: Address | None, point: GeoPoint | None) -> tuple[Address | None, GeoPoint | None]:
    """A request needs somewhere: an address, a point, or both."""
    cleaned_address = validate_address(address)
    cleaned_point = None if point is None else validate_point(point, "point")
    if cleaned_address is None and cleaned_point is None:
        raise InvalidArgument("location: give an address or a point", field="location")
    return cleaned_address, cleaned_point


def validate_contact(contact: Contact, field: str) -> Contact:
    cleaned = Contact(
        name=validate_text(contact.name, f"{field}.name", max_length=100),
        phone=contact.phone.strip(),
        email=contact.email.strip(),
    )
    if cleaned.phone and (len(cleaned.phone) > 32 or not PHONE_PATTERN.match(cleaned.phone)):
        raise InvalidArgument(
            f"{field}.phone: {validation.echo(cleaned.phone)} is not a phone number", field=f"{field}.phone"
        )
    if cleaned.email and (len(cleaned.email) > 254 or not EMAIL_PATTERN.match(cleaned.email)):
        raise InvalidArgument(
            f"{field}.email: {validation.echo(cleaned.email)} is not an e-mail address", field=f"{field}.email"
        )
    return cleaned


def validate_requester(requester: Requester, field: str = "requester") -> Requester:
    """A person id, or an anonymous contact with a phone or an e-mail (to be called back)."""
    person_id = validate_optional_id(requester.person_id, f"{field}.person_id")
    contact = None if requester.contact is None else validate_contact(requester.contact, f"{field}.contact")
    if contact == Contact():
        contact = None
    if not person_id and (contact is None or not (contact.phone or contact.email)):
        raise InvalidArgument(
            f"{field}: give a person id or an anonymous contact with a phone or an e-mail", field=field
        )
    return Requester(person_id=person_id, contact=contact)


def validate_attachments(
    attachments: Sequence[Attachment], field: str = "attachments", *, max_items: int = MAX_ATTACHMENTS
) -> tuple[Attachment, ...]:
    """At most ``max_items`` references, each with an id (unique) and, if given, a URL."""
    if len(attachments) > max_items:
        raise InvalidArgument(f"{field}: at most {max_items} attachments allowed, got {len(attachments)}", field=field)
    seen: set[str] = set()
    result: list[Attachment] = []
    for i, attachment in enumerate(attachments):
        at = f"{field}[{i}]"
        attachment_id = validate_id(attachment.id, f"{at}.id")
        if attachment_id in seen:
            raise InvalidArgument(f"{at}.id: {attachment_id!r} is listed twice", field=f"{at}.id")
        seen.add(attachment_id)
        url = attachment.url.strip()
        if url and (len(url) > URL_MAX_LENGTH or not URL_PATTERN.match(url)):
            raise InvalidArgument(f"{at}.url: not an http(s), s3 or linli URL", field=f"{at}.url")
        caption = validate_text(attachment.caption, f"{at}.caption", max_length=SHORT_TEXT_MAX_LENGTH)
        result.append(Attachment(id=attachment_id, url=url, kind=attachment.kind, caption=caption))
    return tuple(result)


def validate_assignee(assignee: Assignee | None, field: str = "assignee") -> Assignee:
    if assignee is None:
        raise InvalidArgument(f"{field}: is required", field=field)
    return Assignee(
        kind=assignee.kind,
        id=validate_id(assignee.id, f"{field}.id"),
        name=validate_text(assignee.name, f"{field}.name", max_length=SHORT_TEXT_MAX_LENGTH),
    )


def validate_stars(stars: int, field: str = "stars") -> int:
    if not 1 <= stars <= 5:
        raise InvalidArgument(f"{field}: must be 1-5, got {stars}", field=field)
    return stars


def validate_hours(hours: float, field: str = "hours") -> float:
    if not math.isfinite(hours) or not 0.0 <= hours <= MAX_HOURS:
        raise InvalidArgument(f"{field}: must be between 0 and {MAX_HOURS:g}, got {hours}", field=field)
    return hours


def validate_positive(value: int, field: str, *, maximum: int) -> int:
    if not 1 <= value <= maximum:
        raise InvalidArgument(f"{field}: must be between 1 and {maximum}, got {value}", field=field)
    return value


def check_version(current: int, expected: int, what: str, field: str = "expected_version") -> None:
    """Optimistic concurrency: ``expected`` 0 skips the check; otherwise it must equal the
    aggregate's current version, so a stale client fails instead of overwriting."""
    if expected and expected != current:
        raise Conflict(f"{field}: {what} is at version {current}, not {expected}; reload and retry", field=field)
