"""The public record of a request: what the results board and the public feed may show.

Publication (结果公示) must never leak personal data, so the public view is built by
*allow-listing* fields, never by deleting some from the ledger record: no requester, no
contact, no person ids (handler, followers, history actors), no exact address or point.
Location is generalised to the grid, community and street ids. Free text goes through two
filters: the moderators' redactions (character ranges, applied to the original text), then
an automatic scrubber for phone numbers, e-mail addresses, ID-card numbers and the
requester's own name and address where they appear in the text. Only photos are published,
minus redacted ones. A hidden request has no public view at all.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from .model import (
    AttachmentKind,
    Channel,
    DeadlineKind,
    RedactableField,
    Request,
    Status,
    TextRedaction,
    Urgency,
)

#: What replaces redacted or scrubbed text.
MASK = "***"

_PATTERNS = (
    re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+"),  # e-mail
    re.compile(r"(?<!\d)\d{17}[\dXx](?!\d)"),  # resident ID card
    re.compile(r"(?<!\d)(\+?86[ -]?)?1[3-9]\d[ -]?\d{4}[ -]?\d{4}(?!\d)"),  # mobile
    re.compile(r"(?<!\d)0\d{2,3}[ -]?\d{7,8}(?!\d)"),  # landline with area code
    re.compile(r"(?<!\d)\d{7,8}(?!\d)"),  # bare local landline
)


@dataclass(frozen=True, slots=True)
class PublicPhoto:
    id: str
    url: str = ""


@dataclass(frozen=True, slots=True)
class PublicRequest:
    """A request as the public sees it (``linli.v1.PublicRequest``)."""

    id: str
    category: str
    title: str
    description: str
    status: Status
    urgency: Urgency
    channel: Channel
    grid_id: str
    community_id: str
    street_id: str
    submitted_at: datetime
    resolve_by: datetime
    accepted_at: datetime | None = None
    resolved_at: datetime | None = None
    closed_at: datetime | None = None
    result_text: str = ""
    photos: tuple[PublicPhoto, ...] = ()
    rating_stars: int = 0
    on_time: bool = False
    escalated: bool = False
    merged_into_id: str = ""
    version: int = 0


def apply_redactions(text: str, redactions: Iterable[TextRedaction], field: RedactableField) -> str:
    """``text`` with every redacted range of ``field`` replaced by one mask. Overlapping and
    adjacent ranges merge; ranges are clipped to the text (it may have been shorter)."""
    spans = sorted(
        (max(0, r.start), min(len(text), r.end)) for r in redactions if r.field is field and r.start < len(text)
    )
    merged: list[list[int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    out: list[str] = []
    cursor = 0
    for start, end in merged:
        out.append(text[cursor:start])
        out.append(MASK)
        cursor = end
    out.append(text[cursor:])
    return "".join(out)


def scrub(text: str, known: Iterable[str] = ()) -> str:
    """Masks phone numbers, e-mails, ID-card numbers and each ``known`` string (the
    requester's name, the exact address) wherever they appear."""
    for value in sorted({k.strip() for k in known if len(k.strip()) >= 2}, key=len, reverse=True):
        text = text.replace(value, MASK)
    for pattern in _PATTERNS:
        text = pattern.sub(MASK, text)
    return text


def personal_strings(request: Request) -> list[str]:
    """Strings that identify the requester and must not appear in public text."""
    values: list[str] = []
    contact = request.requester.contact
    if contact is not None:
        values += [contact.name, contact.phone, contact.email]
    if request.address is not None:
        values += [request.address.text, request.address.detail]
    return values


def public_text(request: Request, text: str, field: RedactableField) -> str:
    """One free-text field as published: redacted, then scrubbed."""
    return scrub(apply_redactions(text, request.moderation.text_redactions, field), personal_strings(request))


def on_time(request: Request) -> bool:
    """Resolved by its resolve deadline, and never found breaching it."""
    if request.resolved_at is None or request.resolved_at > request.resolve_by:
        return False
    return not any(b.kind is DeadlineKind.RESOLVE for b in request.breaches)


def public_view(request: Request) -> PublicRequest | None:
    """The redacted public record, or None when the request is hidden. A merged duplicate
    keeps a view pointing at its original (``merged_into_id``)."""
    if request.moderation.hidden:
        return None
    redacted = set(request.moderation.redacted_attachment_ids)
    attachments = [*request.attachments, *(request.resolution.photos if request.resolution else ())]
    photos = tuple(
        PublicPhoto(id=a.id, url=a.url) for a in attachments if a.kind is AttachmentKind.PHOTO and a.id not in redacted
    )
    result = request.resolution.text if request.resolution else ""
    return PublicRequest(
        id=request.id,
        category=request.category,
        title=public_text(request, request.title, RedactableField.TITLE),
        description=public_text(request, request.description, RedactableField.DESCRIPTION),
        status=request.status,
        urgency=request.urgency,
        channel=request.channel,
        grid_id=request.place.grid_id,
        community_id=request.place.community_id,
        street_id=request.place.street_id,
        submitted_at=request.submitted_at,
        resolve_by=request.resolve_by,
        accepted_at=request.accepted_at,
        resolved_at=request.resolved_at,
        closed_at=request.closed_at,
        result_text=public_text(request, result, RedactableField.RESULT) if result else "",
        photos=photos,
        rating_stars=request.rating.stars if request.rating else 0,
        on_time=on_time(request),
        escalated=bool(request.escalations),
        merged_into_id=request.merged_into_id,
        version=request.version,
    )


def feed_view(request: Request) -> PublicRequest | None:
    """What the public feed carries: the public view, or None (a removal notice) when the
    request is hidden or was rejected (refused requests may be spam or abuse)."""
    return None if request.status is Status.REJECTED else public_view(request)


def is_published(request: Request) -> bool:
    """Whether the request appears on public boards at all (not hidden, not folded into
    another, not refused)."""
    return not request.moderation.hidden and request.status not in (Status.MERGED, Status.REJECTED)
