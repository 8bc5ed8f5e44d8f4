"""Moderation, and the public view and feed never leaking personal data."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from linli.common.errors import InvalidArgument, PermissionDenied
from linli.requests.adapters import event_payloads as payloads
from linli.requests.adapters.event_payloads import encode
from linli.requests.domain import deadlines, dispatch, lifecycle, moderation
from linli.requests.domain import events as ev
from linli.requests.domain.model import (
    Address,
    Attachment,
    AttachmentKind,
    Contact,
    GeoPoint,
    RedactableField,
    Request,
    Requester,
    TextRedaction,
)
from linli.requests.domain.moderation import MASK, apply_redactions, public_view, scrub
from tests.unit.requests.req_support import (
    ANONYMOUS,
    DISPATCHER,
    GRID,
    NOW,
    OTHER_RESIDENT,
    PLACE,
    RESIDENT,
    VOL1,
    VOLUNTEER_1,
    accepted,
    next_id,
    rejected,
    resolved,
    submission,
)

SECRET_POINT = GeoPoint(28.123456, 121.654321)
PERSONAL = [
    "王秀英",
    "13912345678",
    "wang@example.com",
    "东山路88号3幢401",
    "p-resident",
    "p-other",
    "p-disp",
    "p-vol1",
    "v-1",
    "110101199003074514",
    "28.123456",
    "121.654321",
]


def _full_lifecycle() -> Request:
    """A request full of personal data, taken through most of the lifecycle."""
    request = lifecycle.submit(
        submission(
            title="王秀英家门口灯坏了",
            description="联系王秀英 13912345678 或 wang@example.com, 身份证110101199003074514, 地址东山路88号3幢401",
            address=Address(text="东山路88号3幢401", detail="东山路88号3幢401", point=SECRET_POINT),
            point=SECRET_POINT,
            requester=Requester(
                person_id="p-resident", contact=Contact(name="王秀英", phone="13912345678", email="wang@example.com")
            ),
            attachments=(
                Attachment(id="a1", url="https://f.example/a1.jpg"),
                Attachment(id="a2", url="https://f.example/voice.m4a", kind=AttachmentKind.AUDIO),
            ),
        ),
        request_id=next_id(),
        place=PLACE,
        caller=RESIDENT,
        now=NOW,
    )
    lifecycle.follow(request, OTHER_RESIDENT, now=NOW)
    lifecycle.accept(request, DISPATCHER, now=NOW)
    dispatch.dispatch(request, DISPATCHER, assignee=VOLUNTEER_1, now=NOW)
    dispatch.claim(request, VOL1, now=NOW)
    deadlines.escalate(request, GRID, reason="needs the bureau", now=NOW)
    lifecycle.start_work(request, VOL1, now=NOW)
    lifecycle.resolve(
        request,
        VOL1,
        text="已为王秀英更换灯泡, 电话13912345678回访",
        hours=1.0,
        now=NOW,
        photos=[Attachment(id="r1", url="https://f.example/r1.jpg")],
    )
    lifecycle.rate(request, RESIDENT, stars=5, comment="王秀英 thanks", now=NOW)
    return request


def _leaks(text: str) -> list[str]:
    return [secret for secret in PERSONAL if secret in text]


def test_public_view_has_no_personal_data() -> None:
    request = _full_lifecycle()
    # Issue 10: text and photos are public only once a moderator approved them.
    withheld = public_view(request)
    assert withheld is not None and withheld.text_withheld
    assert (withheld.title, withheld.description, withheld.result_text, withheld.photos) == ("", "", "", ())
    moderation.moderate(request, DISPATCHER, approve=True, reason="", now=NOW)
    view = public_view(request)
    assert view is not None and not view.text_withheld
    assert _leaks(json.dumps(payloads.public_request(view), ensure_ascii=False)) == []
    assert (view.grid_id, view.community_id, view.street_id) == ("g1", "c1", "s1")
    assert MASK in view.description and MASK in view.result_text
    assert [p.id for p in view.photos] == ["a1", "r1"]  # audio is never published
    assert view.rating_stars == 5 and view.escalated


def test_public_feed_never_carries_personal_data() -> None:
    request = _full_lifecycle()
    public = [e for e in map(encode, request.pending_events) if e.topic == ev.PUBLIC_TOPIC]
    assert len(public) >= 8
    for event in public:
        assert event.type == ev.PUBLIC_REQUEST_CHANGED
        assert _leaks(json.dumps(event.payload, ensure_ascii=False)) == []
        assert "actorPersonId" not in event.payload["header"]


def test_internal_events_carry_no_contact_details() -> None:
    request = _full_lifecycle()
    for event in map(encode, request.pending_events):
        text = json.dumps(event.payload, ensure_ascii=False)
        for secret in ("13912345678", "wang@example.com", "110101199003074514", "28.123456"):
            assert secret not in text, (event.type, secret)


def test_hiding_removes_it_from_the_public() -> None:
    request = accepted()
    record = moderation.moderate(request, DISPATCHER, hidden=True, reason="family dispute", now=NOW)
    assert record.hidden is True and record.actor_person_id == "p-disp"
    assert public_view(request) is None
    removal, tombstone = (encode(e) for e in request.pending_events[-2:])
    assert tombstone.tombstone and tombstone.subject == request.id and tombstone.topic == ev.PUBLIC_TOPIC
    last = removal
    assert last.type == ev.PUBLIC_REQUEST_CHANGED
    assert last.payload["removed"] is True
    assert set(last.payload["request"]) == {"id", "version"}
    assert request.history[-1].action == "moderate" and request.history[-1].reason == "family dispute"
    moderation.moderate(request, DISPATCHER, hidden=False, reason="resolved dispute", now=NOW)
    assert public_view(request) is not None


def test_redacting_text_and_photos() -> None:
    request = resolved()
    title = request.title  # "楼道灯坏了 corridor light broken"
    moderation.moderate(
        request,
        DISPATCHER,
        redactions=[TextRedaction(RedactableField.TITLE, 0, 2), TextRedaction(RedactableField.TITLE, 1, 3)],
        redact_attachment_ids=["r1"],
        reason="names a neighbour",
        now=NOW,
        approve=True,
    )
    view = public_view(request)
    assert view is not None
    assert view.title == MASK + title[3:]
    assert [p.id for p in view.photos] == ["a1"]
    assert request.title == title  # the ledger keeps the original
    assert len(request.moderation.records) == 1


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"redactions": [TextRedaction(RedactableField.TITLE, 5, 500)]}, "redactions[0]"),
        ({"redactions": [TextRedaction(RedactableField.TITLE, 3, 3)]}, "redactions[0]"),
        ({"redact_attachment_ids": ["nope"]}, "redact_attachment_ids[0]"),
        ({}, "moderation"),
        ({"hidden": False}, "moderation"),
    ],
)
def test_moderation_input(kwargs: dict[str, object], field: str) -> None:
    request = accepted()
    with pytest.raises(InvalidArgument) as raised:
        moderation.moderate(request, DISPATCHER, reason="x", now=NOW, **kwargs)  # type: ignore[arg-type]
    assert raised.value.field == field


def test_moderation_needs_a_reason_and_a_supervisor() -> None:
    request = accepted()
    with pytest.raises(InvalidArgument):
        moderation.moderate(request, DISPATCHER, hidden=True, reason="", now=NOW)
    for caller in (GRID, RESIDENT, VOL1):
        with pytest.raises(PermissionDenied):
            moderation.moderate(request, caller, hidden=True, reason="x", now=NOW)
    with pytest.raises(Exception, match="authenticated"):
        moderation.moderate(request, ANONYMOUS, hidden=True, reason="x", now=NOW)


def test_apply_redactions_merges_and_clips() -> None:
    ranges = [TextRedaction(RedactableField.DESCRIPTION, 2, 4), TextRedaction(RedactableField.DESCRIPTION, 3, 99)]
    assert apply_redactions("abcdefgh", ranges, RedactableField.DESCRIPTION) == "ab" + MASK
    assert apply_redactions("abcdefgh", ranges, RedactableField.TITLE) == "abcdefgh"


@pytest.mark.parametrize(
    "text",
    ["call 13812345678", "call +86 138 1234 5678", "tel 0576-88123456", "mail a.b@c.cn", "id 11010119900307451X"],
)
def test_scrub_masks_contact_details(text: str) -> None:
    assert MASK in scrub(text)


def test_scrub_keeps_ordinary_numbers() -> None:
    assert scrub("3号楼2单元, 8 spaces, 1364 solved") == "3号楼2单元, 8 spaces, 1364 solved"


def test_hours_in_public_view_and_late_resolution_is_not_on_time() -> None:
    request = resolved()
    view = public_view(request)
    assert view is not None and view.on_time
    late = accepted()
    dispatch.dispatch(late, DISPATCHER, assignee=VOLUNTEER_1, now=NOW)
    dispatch.claim(late, VOL1, now=NOW)
    lifecycle.start_work(late, VOL1, now=NOW)
    lifecycle.resolve(late, VOL1, text="done", now=late.resolve_by + timedelta(minutes=1))
    late_view = public_view(late)
    assert late_view is not None and not late_view.on_time


def test_rejected_requests_leave_the_public_feed() -> None:
    request = rejected()
    last, tombstone = (encode(e) for e in request.pending_events[-2:])
    assert tombstone.tombstone and tombstone.subject == request.id
    assert last.type == ev.PUBLIC_REQUEST_CHANGED
    assert last.payload["removed"] is True and last.payload["change"] == "rejected"
