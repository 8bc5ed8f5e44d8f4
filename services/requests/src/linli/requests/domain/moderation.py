"""Moderation: approving a request's text and photos for publication, hiding a request
from public view, redacting text ranges and photos.

Free text and photos are public only once a moderator approved them (``approve=True``:
every field with content, as it is now, with the redactions of the same act) or the
category's policy published them when the request was submitted (``publication``). The
queue of requests waiting for that review is ``publication.awaiting_review``.

A dispatcher (or admin, or operator) moderates; every act is kept in
``Moderation.records`` with who, when, why and what, and recorded as a MODERATE transition
in the history. The ledger keeps the original text and photos (staff and the requester
still need them); redactions apply to the public view only, which ``public_view`` builds
(see ``publication`` for how personal data is kept out). Hiding removes the request from
the public feed: its PublicRequestChanged event says ``removed`` and carries only the id.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Final

from linli.common.errors import InvalidArgument

from . import events as ev
from . import rules
from .model import Moderation, ModerationRecord, RedactableField, Request, TextRedaction
from .publication import (
    MASK,
    PublicPhoto,
    PublicRequest,
    apply_redactions,
    awaiting_review,
    present_fields,
    public_view,
    scrub,
)
from .state_machine import Action, Caller, begin, commit, publish

__all__ = [
    "MASK",
    "PublicPhoto",
    "PublicRequest",
    "apply_redactions",
    "awaiting_review",
    "moderate",
    "public_view",
    "scrub",
]

MAX_REDACTIONS: Final = 100


def _field_text(request: Request, field: RedactableField) -> str:
    if field is RedactableField.TITLE:
        return request.title
    if field is RedactableField.DESCRIPTION:
        return request.description
    return request.resolution.text if request.resolution else ""


def _validate_redactions(request: Request, redactions: Sequence[TextRedaction]) -> tuple[TextRedaction, ...]:
    if len(redactions) > MAX_REDACTIONS:
        raise InvalidArgument(f"redactions: at most {MAX_REDACTIONS} allowed", field="redactions")
    for i, r in enumerate(redactions):
        length = len(_field_text(request, r.field))
        if not 0 <= r.start < r.end <= length:
            raise InvalidArgument(
                f"redactions[{i}]: range [{r.start}, {r.end}) is not inside {r.field.name.lower()} "
                f"(0-{length} characters)",
                field=f"redactions[{i}]",
            )
    return tuple(redactions)


def _validate_attachment_ids(request: Request, ids: Sequence[str]) -> tuple[str, ...]:
    known = {a.id for a in request.attachments}
    if request.resolution is not None:
        known |= {p.id for p in request.resolution.photos}
    cleaned = rules.validate_id_list(ids, "redact_attachment_ids", max_items=MAX_REDACTIONS)
    for i, attachment_id in enumerate(cleaned):
        if attachment_id not in known:
            raise InvalidArgument(
                f"redact_attachment_ids[{i}]: request {request.id} has no attachment {attachment_id!r}",
                field=f"redact_attachment_ids[{i}]",
            )
    return cleaned


def moderate(
    request: Request,
    caller: Caller,
    *,
    reason: str,
    now: datetime,
    hidden: bool | None = None,
    redactions: Sequence[TextRedaction] = (),
    redact_attachment_ids: Sequence[str] = (),
    expected_version: int = 0,
    approve: bool = False,
) -> ModerationRecord:
    """Hides (``hidden=True``) or shows again (``False``) the request publicly, redacts text
    ranges and attachments, and/or approves its text and photos for publication
    (``approve``: as they are, with this act's redactions). A reason is required to hide,
    show or redact (approving alone may omit it); at least one change is."""
    step = begin(request, Action.MODERATE, caller, expected_version)
    ranges = _validate_redactions(request, redactions)
    photo_ids = _validate_attachment_ids(request, redact_attachment_ids)
    current = request.moderation
    visibility_changes = hidden is not None and hidden != current.hidden
    approved = tuple(f for f in present_fields(request) if f not in current.approved_fields) if approve else ()
    why = rules.validate_reason(reason, required=visibility_changes or bool(ranges) or bool(photo_ids))
    if not visibility_changes and not ranges and not photo_ids and not approved:
        raise InvalidArgument(
            "moderation: nothing to change (approve, hide, show, redactions or photos)", field="moderation"
        )
    record = ModerationRecord(
        at=now,
        actor_person_id=caller.person_id,
        reason=why,
        hidden=hidden if visibility_changes else None,
        text_redactions=ranges,
        attachment_ids=photo_ids,
        approved_fields=approved,
    )
    request.moderation = Moderation(
        hidden=hidden if hidden is not None else current.hidden,
        text_redactions=(*current.text_redactions, *ranges),
        redacted_attachment_ids=tuple(dict.fromkeys((*current.redacted_attachment_ids, *photo_ids))),
        records=(*current.records, record),
        approved_fields=(*current.approved_fields, *approved),
        auto_publish=current.auto_publish,
    )
    commit(request, step, now, why or "approved for publication")
    request.pending_events.append(ev.RequestModerated(ev.RequestFacts.of(request), step.context, record=record))
    publish(request, "moderated", caller.trace_id, step.role)
    return record
