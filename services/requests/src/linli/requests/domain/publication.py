"""The public record of a request: what the results board and the public feed may show.

Publication (结果公示) must never leak personal data, so the public view is built by
*allow-listing* fields, never by deleting some from the ledger record: no requester, no
contact, no person ids (handler, followers, history actors), no exact address or point.
Location is generalised to the grid, community and street ids.

Free text and photos are public **only after review**: a dispatcher approves them
(``ModerateRequest`` with ``approve_publication``, as they are or with redactions), or the
category's publication policy (``auto_publish`` in the catalogue, captured on the request
when it is submitted) publishes them as is. Until then the view carries category,
grid-level place, status and times, and says ``text_withheld``. Approved text still goes
through two filters: the moderators' redactions (character ranges, applied to the original
text), then the scrubber (``scrubber``: normalisation, phone and ID numbers, e-mails,
messaging ids, the names of everyone on the request). Only photos are published, minus
redacted ones. A hidden request has no public view at all.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from .model import (
    AttachmentKind,
    Channel,
    DeadlineKind,
    PartyKind,
    RedactableField,
    Request,
    Status,
    TextRedaction,
    Urgency,
)
from .scrubber import MASK, scrub

__all__ = ["MASK", "PublicPhoto", "PublicRequest", "public_view", "scrub"]


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
    #: Free text or photos held back until a moderator approves them.
    text_withheld: bool = False


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


def personal_strings(request: Request) -> list[str]:
    """Strings that identify the people on the request and must not appear in public text:
    the requester's contact, the exact address, the names of handlers, transfer receivers,
    round-table parties (people, not organisations) and meeting attendees."""
    values: list[str] = []
    contact = request.requester.contact
    if contact is not None:
        values += [contact.name, contact.phone, contact.email]
    if request.address is not None:
        values += [request.address.text, request.address.detail]
    handlers = [request.assignee, request.first_responder]
    if request.pending_transfer is not None:
        handlers += [request.pending_transfer.to, request.pending_transfer.from_assignee]
    values += [h.name for h in handlers if h is not None]
    table = request.round_table
    if table is not None:
        people = (PartyKind.RESIDENT, PartyKind.VOLUNTEER, PartyKind.OTHER)
        values += [p.name for p in table.parties if p.kind in people]
        values += [name for m in table.meetings for name in m.attendees]
    return [v for v in values if v]


def public_text(request: Request, text: str, field: RedactableField) -> str:
    """One free-text field as published: redacted, then scrubbed."""
    return scrub(apply_redactions(text, request.moderation.text_redactions, field), personal_strings(request))


def on_time(request: Request) -> bool:
    """Resolved by its resolve deadline, and never found breaching it."""
    if request.resolved_at is None or request.resolved_at > request.resolve_by:
        return False
    return not any(b.kind is DeadlineKind.RESOLVE for b in request.breaches)


def present_fields(request: Request) -> tuple[RedactableField, ...]:
    """The free-text fields (with their photos) the request has content in."""
    fields = [RedactableField.TITLE]
    if request.description or request.attachments:
        fields.append(RedactableField.DESCRIPTION)
    if request.resolution is not None:
        fields.append(RedactableField.RESULT)
    return tuple(fields)


def awaiting_review(request: Request) -> tuple[RedactableField, ...]:
    """Fields whose text or photos wait for a moderator before they are public; empty for
    requests that are not published at all (hidden, rejected, merged)."""
    if not is_published(request):
        return ()
    return tuple(f for f in present_fields(request) if not request.moderation.approved(f))


def public_view(request: Request) -> PublicRequest | None:
    """The redacted public record, or None when the request is hidden. A merged duplicate
    keeps a view pointing at its original (``merged_into_id``). Text and photos only as far
    as they are approved (see the module docstring)."""
    if request.moderation.hidden:
        return None
    return _view(request, withhold_everything=False)


def withheld_view(request: Request) -> PublicRequest:
    """The public record with no text or photos at all (category, place, status, times)."""
    return _view(request, withhold_everything=True)


def _view(request: Request, *, withhold_everything: bool) -> PublicRequest:
    moderation = request.moderation

    def shown(field: RedactableField) -> bool:
        return not withhold_everything and moderation.approved(field)

    redacted = set(moderation.redacted_attachment_ids)
    attachments = [
        *(request.attachments if shown(RedactableField.DESCRIPTION) else ()),
        *(request.resolution.photos if request.resolution and shown(RedactableField.RESULT) else ()),
    ]
    photos = tuple(
        PublicPhoto(id=a.id, url=a.url) for a in attachments if a.kind is AttachmentKind.PHOTO and a.id not in redacted
    )
    result = request.resolution.text if request.resolution else ""
    withheld = any(not shown(f) for f in present_fields(request))
    return PublicRequest(
        id=request.id,
        category=request.category,
        title=public_text(request, request.title, RedactableField.TITLE) if shown(RedactableField.TITLE) else "",
        description=(
            public_text(request, request.description, RedactableField.DESCRIPTION)
            if shown(RedactableField.DESCRIPTION)
            else ""
        ),
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
        result_text=(
            public_text(request, result, RedactableField.RESULT) if result and shown(RedactableField.RESULT) else ""
        ),
        photos=photos,
        rating_stars=request.rating.stars if request.rating else 0,
        on_time=on_time(request),
        escalated=bool(request.escalations),
        merged_into_id=request.merged_into_id,
        version=request.version,
        text_withheld=withheld,
    )


def feed_view(request: Request) -> PublicRequest | None:
    """What the public feed carries: the public view, or None (a removal notice) when the
    request is hidden or was rejected (refused requests may be spam or abuse)."""
    return None if request.status is Status.REJECTED else public_view(request)


def is_published(request: Request) -> bool:
    """Whether the request appears on public boards at all (not hidden, not folded into
    another, not refused)."""
    return not request.moderation.hidden and request.status not in (Status.MERGED, Status.REJECTED)
