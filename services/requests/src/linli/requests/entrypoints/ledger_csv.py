"""The ledger export (台账导出) as CSV: one row per request, personal columns only when the
caller was allowed them (the handler decides), UTF-8 with a BOM so spreadsheet programs
detect Chinese text, streamed in chunks."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Final

from linli.common.domain_events import timestamp_json
from linli.requests.domain.model import AssigneeKind, RedactableField, Request
from linli.requests.domain.publication import on_time, public_text

#: Columns of every export.
LEDGER_COLUMNS: Final = (
    "id",
    "submitted_at",
    "category",
    "status",
    "urgency",
    "channel",
    "resident_group",
    "street_id",
    "community_id",
    "grid_id",
    "accept_by",
    "accepted_at",
    "resolve_by",
    "resolved_at",
    "closed_at",
    "on_time",
    "escalation_level",
    "breaches",
    "assignee_kind",
    "assignee_id",
    "title",
    "result_text",
    "rating_stars",
    "reopen_count",
    "merged_into_id",
    "hidden",
)
#: Personal data, only with permission.
PERSONAL_COLUMNS: Final = (
    "requester_person_id",
    "contact_name",
    "contact_phone",
    "contact_email",
    "address",
    "lat",
    "lng",
    "description",
    "rating_comment",
)
#: Assignees whose id names a person (kept out of the export without permission).
_PERSONAL_ASSIGNEES: Final = frozenset({AssigneeKind.VOLUNTEER, AssigneeKind.STAFF})
_FORMULA_START: Final = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: object) -> str:
    """Text of one cell; a leading formula character is neutralised so a spreadsheet never
    executes text a resident typed (CSV injection)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return timestamp_json(value)
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def ledger_row(request: Request, *, include_personal: bool = False) -> list[str]:
    """One request as CSV cells, in ``LEDGER_COLUMNS`` (+ ``PERSONAL_COLUMNS``) order."""
    assignee = request.assignee
    show_assignee = assignee is not None and (include_personal or assignee.kind not in _PERSONAL_ASSIGNEES)
    result = request.resolution.text if request.resolution else ""
    row: list[object] = [
        request.id,
        request.submitted_at,
        request.category,
        request.status.name,
        request.urgency.name,
        request.channel.name,
        request.resident_group.name if request.resident_group else "",
        request.place.street_id,
        request.place.community_id,
        request.place.grid_id,
        request.accept_by,
        request.accepted_at,
        request.resolve_by,
        request.resolved_at,
        request.closed_at,
        on_time(request),
        request.escalation_level,
        " ".join(b.kind.name for b in request.breaches),
        assignee.kind.name if assignee else "",
        assignee.id if assignee and show_assignee else "",
        request.title if include_personal else public_text(request, request.title, RedactableField.TITLE),
        result if include_personal else public_text(request, result, RedactableField.RESULT),
        request.rating.stars if request.rating else "",
        request.reopen_count,
        request.merged_into_id,
        request.moderation.hidden,
    ]
    if include_personal:
        contact = request.requester.contact
        where = request.location
        row += [
            request.requester.person_id,
            contact.name if contact else "",
            contact.phone if contact else "",
            contact.email if contact else "",
            request.address.text if request.address else "",
            where.lat if where else "",
            where.lng if where else "",
            request.description,
            request.rating.comment if request.rating else "",
        ]
    return [_cell(v) for v in row]


def ledger_rows(requests: Iterable[Request], *, include_personal: bool = False) -> Iterator[list[str]]:
    """The header, then one row per request."""
    yield list(LEDGER_COLUMNS + (PERSONAL_COLUMNS if include_personal else ()))
    for request in requests:
        yield ledger_row(request, include_personal=include_personal)


def ledger_csv_chunks(
    requests: Iterable[Request], *, include_personal: bool = False, chunk_bytes: int = 64 * 1024
) -> Iterator[bytes]:
    """The CSV (UTF-8 with a BOM, so spreadsheet programs detect Chinese text) in chunks of
    about ``chunk_bytes``, for the server-streaming export."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write("\ufeff")
    for row in ledger_rows(requests, include_personal=include_personal):
        writer.writerow(row)
        if buffer.tell() >= chunk_bytes:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue().encode()


def ledger_csv(requests: Iterable[Request], *, include_personal: bool = False) -> str:
    """The whole export as text."""
    return b"".join(ledger_csv_chunks(requests, include_personal=include_personal)).decode()
