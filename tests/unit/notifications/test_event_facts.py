"""The other services' events, produced by their own domain functions and event_payloads
encoders (as their golden tests do), translated into EventFacts; malformed payloads refused
with a clear MalformedEvent (InvalidArgument + ValueError), never another exception."""

from __future__ import annotations

import contextlib
import dataclasses
import itertools
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as hs

from linli.common.aggregates import envelope_of
from linli.common.cloudevents import Envelope, from_kafka, to_kafka
from linli.common.errors import InvalidArgument
from linli.notifications.adapters import event_facts as ef
from linli.notifications.adapters.event_facts import EventTranslator, MalformedEvent, RequestMemo
from linli.notifications.domain.model import HandlerRef
from linli.organizations.adapters.event_payloads import encode as org_encode
from linli.organizations.domain import events as org_ev
from linli.organizations.domain import stations as st
from linli.organizations.domain.model import LocalizedText, StationKind
from linli.requests.adapters.event_payloads import encode as req_encode
from linli.requests.domain import deadlines, dispatch, lifecycle, roundtable
from linli.requests.domain import events as req_ev
from linli.requests.domain.model import PartyKind, RoundTableParty
from linli.volunteers.adapters.event_payloads import encode as vol_encode
from linli.volunteers.domain import events as vol_ev
from tests.unit.organizations.test_org_event_payloads import _encoder as org_encoder
from tests.unit.organizations.test_org_event_payloads import outboxes as org_outboxes
from tests.unit.requests import req_support
from tests.unit.requests.req_support import DISPATCHER, NOW, RESIDENT, URBAN, URBAN_LIAISON, VOL1
from tests.unit.requests.test_req_event_payloads import flows as request_flows
from tests.unit.volunteers.test_vol_event_payloads import every_event_type as volunteer_events


def over_kafka(envelope: Envelope) -> Envelope:
    """The envelope as the consumer receives it (headers and value through Kafka's shape)."""
    key, value, headers = to_kafka(envelope)
    return from_kafka(envelope.topic, key, value, headers)


TITLE = "楼道灯坏了 corridor light broken"


def approved(envelope: Envelope) -> Envelope:
    """The public record as it reads once its text is approved for publication (the requests
    service may withhold the title until a moderator approves it)."""
    if envelope.topic != "linli.public.requests.v1" or not envelope.data:
        return envelope
    data = json.loads(envelope.data)
    if "request" in data and not data.get("removed"):
        data["request"].setdefault("title", TITLE)
        data["request"].pop("textWithheld", None)
    return dataclasses.replace(envelope, data=json.dumps(data, ensure_ascii=False).encode())


def request_envelopes(events: list[Any]) -> list[Envelope]:
    out = [envelope_of(req_encode(e), req_ev.SOURCE) for e in events]
    return [over_kafka(approved(e)) for e in out if e.data]  # tombstones are not events to translate


def translate(translator: EventTranslator, envelope: Envelope) -> ef.Translated:
    if envelope.topic == "linli.public.requests.v1":
        return translator.public_requests(envelope)
    if envelope.topic == "linli.requests.v1":
        return translator.requests(envelope)
    if envelope.topic == "linli.volunteers.v1":
        return translator.volunteers(envelope)
    return translator.organizations(envelope)


def all_request_envelopes(monkeypatch: pytest.MonkeyPatch) -> list[Envelope]:
    monkeypatch.setattr(req_support, "_ids", itertools.count(1))
    return request_envelopes(request_flows())


# --------------------------------------------------------------------------- every type


def test_every_request_event_type_translates(monkeypatch: pytest.MonkeyPatch) -> None:
    envelopes = all_request_envelopes(monkeypatch)
    assert {e.type for e in envelopes} == set(req_ev.MESSAGE_OF_TYPE)
    translator = EventTranslator()
    for envelope in envelopes:
        out = translate(translator, envelope)
        facts = out.facts
        assert facts.event_id == envelope.id
        assert facts.event_type == envelope.type
        assert facts.source == "/linli/requests"
        assert facts.subject_id == envelope.subject
        assert facts.occurred_at.tzinfo is not None
        if envelope.type.startswith("org.linli.request."):
            assert facts.community_id == "c1" and facts.org_path == ("d1", "s1", "c1")
            requester = json.loads(envelope.data)["request"].get("requesterPersonId")
            assert facts.people.get("requester") == ((requester,) if requester else None)
            assert facts.values["link"].startswith("/requests/req_")
            assert facts.values["status"]
    assert set(ef.REQUEST_TYPES) | ef.VISIT_PLAN_TYPES | {ef.PUBLIC_REQUEST_CHANGED} == set(req_ev.MESSAGE_OF_TYPE)


def test_every_volunteers_and_organizations_event_type_translates() -> None:
    translator = EventTranslator()
    vol = [over_kafka(envelope_of(vol_encode(e), vol_ev.SOURCE)) for e in volunteer_events()]
    assert {e.type for e in vol} == set(vol_ev.MESSAGE_OF_TYPE) == ef.VOLUNTEERS_TYPES
    for envelope in vol:
        assert translator.volunteers(envelope).facts.subject_id
    encoder = org_encoder()
    orgs = [over_kafka(e) for aggregate in org_outboxes() for e in encoder._envelopes(aggregate)]
    assert {e.type for e in orgs} == set(org_ev.MESSAGE_OF_TYPE) == ef.ORGANIZATIONS_TYPES
    for envelope in orgs:
        facts = translator.organizations(envelope).facts
        assert facts.subject_id == envelope.subject


# --------------------------------------------------------------------------- requests, by type


def test_offer_names_the_open_candidates_and_the_public_title_once_known() -> None:
    translator = EventTranslator()
    request = req_support.accepted()
    public_first = request_envelopes(request.pending_events)
    for envelope in public_first:
        translate(translator, envelope)  # the public feed tells the title
    request.pending_events.clear()
    dispatch.offer_to_volunteers(
        request, DISPATCHER, candidates=["v-1", "v-2", "v-3"], batch_size=2, ttl=timedelta(minutes=30), now=NOW
    )
    (offered,) = [e for e in request_envelopes(request.pending_events) if e.type == req_ev.REQUEST_OFFERED]
    out = translator.requests(offered)
    assert out.facts.volunteer_ids == {"candidates": ("v-1", "v-2")}
    assert out.facts.values["title"] == TITLE
    assert out.facts.values["status"] == "offered"
    assert out.facts.values["deadline"] == "2025-03-05T09:00:00Z"  # RFC 3339: templates show local time
    assert out.facts.values["offer_expires_at"] == "2025-03-03T09:30:00Z"
    assert out.facts.values["request_id"] == out.facts.subject_id
    public = json.loads(out.public_payload)
    assert public["type"] == req_ev.REQUEST_OFFERED
    assert public["data"]["request"]["title"] == TITLE
    assert "p-resident" not in out.public_payload and "v-1" not in out.public_payload


def test_withdrawn_and_expired_offers_name_those_volunteers() -> None:
    translator = EventTranslator()
    request = req_support.offered()
    request.pending_events.clear()
    dispatch.expire_offers(request, NOW + timedelta(hours=1))
    kinds = {e.type: translate(translator, e).facts for e in request_envelopes(request.pending_events)}
    assert kinds[req_ev.OFFER_EXPIRED].volunteer_ids == {"candidates": ("v-1", "v-2")}
    request2 = req_support.offered()
    request2.pending_events.clear()
    dispatch.claim(request2, VOL1, now=NOW)
    by_type = {e.type: translate(translator, e).facts for e in request_envelopes(request2.pending_events)}
    assert by_type[req_ev.OFFER_WITHDRAWN].volunteer_ids == {"candidates": ("v-2",)}
    assert by_type[req_ev.REQUEST_CLAIMED].handlers["handler"] == (HandlerRef("volunteer", "v-1"),)


def test_transfer_names_the_receiver_and_escalation_the_department() -> None:
    translator = EventTranslator()
    request = req_support.in_progress()
    request.pending_events.clear()
    lifecycle.transfer(request, VOL1, to=URBAN, reason="needs the bureau", now=NOW)
    lifecycle.respond_to_transfer(request, URBAN_LIAISON, accept=False, reason="not ours", now=NOW)
    deadlines.escalate(request, DISPATCHER, reason="whistle", now=NOW)
    by_type = {e.type: translate(translator, e).facts for e in request_envelopes(request.pending_events)}
    transferred = by_type[req_ev.REQUEST_TRANSFERRED]
    assert transferred.handlers["transfer_receiver"] == (HandlerRef("department", "org-urban"),)
    assert transferred.handlers["transfer_sender"] == (HandlerRef("volunteer", "v-1"),)
    assert by_type[req_ev.TRANSFER_REFUSED].handlers["transfer_receiver"] == (HandlerRef("department", "org-urban"),)
    escalated = by_type[req_ev.REQUEST_ESCALATED]
    assert escalated.department_id == "JJ-HOUSING"  # the repairs category's department (code stands for id)
    assert escalated.urgent
    assert escalated.values["department"] == "JJ-HOUSING"
    assert escalated.values["deadline_kind"] == "acknowledge"
    assert escalated.values["level"] == "1"


def test_breach_carries_its_deadline_and_is_urgent() -> None:
    translator = EventTranslator()
    request = req_support.submitted()
    request.pending_events.clear()
    deadlines.sweep(request, NOW + timedelta(hours=3))
    (breach,) = [e for e in request_envelopes(request.pending_events) if e.type == req_ev.DEADLINE_BREACHED]
    facts = translator.requests(breach).facts
    assert facts.urgent
    assert facts.values["deadline_kind"] == "accept"
    assert facts.values["deadline"] == "2025-03-03T11:00:00Z"


def test_round_table_names_its_parties_with_ids() -> None:
    translator = EventTranslator()
    request = req_support.accepted()
    request.pending_events.clear()
    roundtable.start_round_table(
        request,
        DISPATCHER,
        topic="parking",
        parties=[
            RoundTableParty(kind=PartyKind.ORGANIZATION, id="org-pm", name="物业"),
            RoundTableParty(kind=PartyKind.RESIDENT, name="楼长"),  # no id: nobody to notify
        ],
        now=NOW,
    )
    (started,) = [e for e in request_envelopes(request.pending_events) if e.type == req_ev.ROUND_TABLE_STARTED]
    assert translator.requests(started).facts.handlers["parties"] == (HandlerRef("organization", "org-pm"),)


def test_followers_and_merges() -> None:
    translator = EventTranslator()
    original = req_support.accepted()
    lifecycle.follow(original, req_support.OTHER_RESIDENT, following=True, now=NOW)
    original.pending_events.clear()
    dispatch.dispatch(original, DISPATCHER, assignee=req_support.VOLUNTEER_1, now=NOW)
    (dispatched,) = [e for e in request_envelopes(original.pending_events) if e.type == req_ev.REQUEST_DISPATCHED]
    facts = translator.requests(dispatched).facts
    assert facts.people["followers"] == ("p-other",)
    assert facts.handlers["handler"] == (HandlerRef("volunteer", "v-1"),)


def test_public_feed_remembers_titles_in_a_bounded_memo_and_forwards_the_record() -> None:
    memo = RequestMemo(max_size=2)
    translator = EventTranslator(memo)
    for _ in range(3):
        request = req_support.submitted()
        for envelope in request_envelopes(request.pending_events):
            out = translate(translator, envelope)
            if envelope.type == req_ev.PUBLIC_REQUEST_CHANGED:
                assert out.facts.values["title"] == TITLE
                assert out.facts.org_path == ("d1", "s1", "c1")  # learnt from the private event
                body = json.loads(out.public_payload)
                assert body["data"] == json.loads(envelope.data)
                assert body["timestamp"].endswith("Z")
    assert len(memo) == 2


def test_points_credited_names_the_volunteer() -> None:
    translator = EventTranslator()
    credited = [
        over_kafka(envelope_of(vol_encode(e), vol_ev.SOURCE))
        for e in volunteer_events()
        if isinstance(e, vol_ev.PointsCredited)
    ]
    facts = translator.volunteers(credited[0]).facts
    assert facts.volunteer_ids == {"volunteer": ("vol_1",)}
    assert facts.values["points"] == "38" and facts.values["hours"] == "2"
    assert facts.community_id == "org_dongshan"
    assert facts.values["link"] == "/volunteers/vol_1/points"


def test_station_event_with_sign_ups_feeds_the_reminder() -> None:
    now = datetime(2025, 3, 1, 8, 0, tzinfo=UTC)
    owner = org_outboxes()[1]  # the street office s1
    station = st.new_station(
        station_id="st1", owner=owner, kind=StationKind.LIVING_ROOM, code="ST", name=LocalizedText(zh="会客厅"), now=now
    )
    event = st.schedule_event(
        event_id="ev-1",
        station=station,
        title=LocalizedText(zh="义诊", en="Free check-up"),
        starts_at=now + timedelta(days=1),
        ends_at=now + timedelta(days=1, hours=2),
        now=now,
    )
    st.sign_up(event, "p-a", now=now)
    st.sign_up(event, "p-b", now=now)
    scheduled = org_ev.StationEventScheduled(org_ev.snapshot(event), org_ev.EventContext())
    envelope = over_kafka(envelope_of(org_encode(scheduled), org_ev.SOURCE))
    out = EventTranslator().organizations(envelope)
    assert out.facts.people == {"signed_up": ("p-a", "p-b")}
    assert out.facts.values["starts_at"] == "2025-03-02T08:00:00Z"
    assert out.facts.values["event_title"] == "义诊" and out.facts.values["event_title_en"] == "Free check-up"
    assert out.facts.values["station"] == "st1"
    assert out.public_payload == ""


def test_role_grant_names_the_grantee() -> None:
    encoder = org_encoder()
    grants = [
        over_kafka(e)
        for aggregate in org_outboxes()
        for e in encoder._envelopes(aggregate)
        if e.type == org_ev.ROLE_GRANTED
    ]
    facts = EventTranslator().organizations(grants[0]).facts
    assert facts.people == {"grantee": ("p1",)}
    assert facts.values["role"] == "liaison"
    assert facts.org_path == ("s1",)


# --------------------------------------------------------------------------- malformed


def _submitted_envelope() -> Envelope:
    (envelope, _public) = request_envelopes(req_support.submitted().pending_events)
    return envelope


def _with_data(envelope: Envelope, data: Any) -> Envelope:
    raw = data if isinstance(data, bytes) else json.dumps(data).encode()
    return dataclasses.replace(envelope, data=raw)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda d: d.pop("request"), "request"),
        (lambda d: d.update(request=[1, 2]), "request"),
        (lambda d: d["request"].update(status=7), "request.status"),
        (lambda d: d["request"].update(status="DEADLINE_KIND_ACCEPT"), "request.status"),
        (lambda d: d["request"].update(followerPersonIds="p-1"), "request.followerPersonIds"),
        (lambda d: d["request"].update(followerPersonIds=[{"id": 1}]), "request.followerPersonIds"),
        (lambda d: d["request"].update(acceptBy="tomorrow"), "request.acceptBy"),
        (lambda d: d["request"].update(acceptBy="2025-03-03T11:00:00"), "request.acceptBy"),
        (lambda d: d["request"].update(assignee="v-1"), "request.assignee"),
        (lambda d: d["request"].update(id="x" * 500), "request.id"),
    ],
)
def test_malformed_request_payloads_are_refused_with_the_field(change: Any, field: str) -> None:
    envelope = _submitted_envelope()
    data = json.loads(envelope.data)
    change(data)
    with pytest.raises(MalformedEvent) as caught:
        EventTranslator().requests(_with_data(envelope, data))
    assert caught.value.field == field
    assert field in str(caught.value) and envelope.type in str(caught.value)
    assert isinstance(caught.value, InvalidArgument) and isinstance(caught.value, ValueError)


def test_unexpected_types_and_non_json_are_refused() -> None:
    envelope = _submitted_envelope()
    translator = EventTranslator()
    with pytest.raises(MalformedEvent, match="unexpected event type"):
        translator.requests(dataclasses.replace(envelope, type="org.linli.request.teleported.v1"))
    with pytest.raises(MalformedEvent, match="unexpected event type"):
        translator.volunteers(envelope)
    with pytest.raises(MalformedEvent, match="not JSON"):
        translator.requests(_with_data(envelope, b"\xff{"))
    with pytest.raises(MalformedEvent, match="JSON object"):
        translator.requests(_with_data(envelope, [1]))
    offered = dataclasses.replace(envelope, type=req_ev.REQUEST_OFFERED)
    data = json.loads(envelope.data)
    data["offers"] = [{"status": "OFFER_STATUS_OPEN"}]
    with pytest.raises(MalformedEvent, match=r"offers\[0\].volunteerId is missing"):
        translator.requests(_with_data(offered, data))
    transferred = dataclasses.replace(envelope, type=req_ev.REQUEST_TRANSFERRED)
    with pytest.raises(MalformedEvent, match="transfer is missing"):
        translator.requests(transferred)


_json = hs.recursive(
    hs.none() | hs.booleans() | hs.integers() | hs.floats(allow_nan=False) | hs.text(max_size=8),
    lambda inner: hs.lists(inner, max_size=3) | hs.dictionaries(hs.text(max_size=6), inner, max_size=3),
    max_leaves=8,
)


@settings(max_examples=150, deadline=None)
@given(
    key=hs.sampled_from(["request", "offers", "transfer", "escalation", "breach", "roundTable", "followerPersonIds"]),
    inner=hs.sampled_from(["", "id", "status", "assignee", "orgPath", "acceptBy", "requesterPersonId"]),
    value=_json,
    event_type=hs.sampled_from(sorted(ef.REQUEST_TYPES)),
)
def test_any_payload_gives_facts_or_a_malformed_event_never_a_crash(
    key: str, inner: str, value: Any, event_type: str
) -> None:
    envelope = dataclasses.replace(_submitted_envelope(), type=event_type)
    data = json.loads(envelope.data)
    if inner and isinstance(data.get(key), dict):
        data[key][inner] = value
    else:
        data[key] = value
    with contextlib.suppress(MalformedEvent):
        EventTranslator().requests(_with_data(envelope, data))


@settings(max_examples=60, deadline=None)
@given(value=_json, key=hs.sampled_from(["event", "assignment", "volunteerId", "points", "organization", "grid"]))
def test_other_topics_never_crash(value: Any, key: str) -> None:
    translator = EventTranslator()
    base = Envelope(
        id="e1",
        source="/linli/organizations",
        type="",
        subject="s",
        time=NOW,
        data=b"{}",
        topic="linli.organizations.v1",
    )
    for event_type in sorted(ef.ORGANIZATIONS_TYPES | ef.VOLUNTEERS_TYPES):
        envelope = _with_data(dataclasses.replace(base, type=event_type), {key: value})
        with contextlib.suppress(MalformedEvent):
            if event_type in ef.VOLUNTEERS_TYPES:
                translator.volunteers(envelope)
            else:
                translator.organizations(envelope)


def test_local_text_is_city_time() -> None:
    assert ef.local_text(datetime(2025, 3, 3, 16, 30, tzinfo=UTC)) == "2025-03-04 00:30"
    assert ef.local_text(None) == ""
    assert RESIDENT.identity.subject == "p-resident"


def test_a_volunteer_registration_names_the_volunteer_s_person_for_the_directory() -> None:
    translator = EventTranslator()
    for event in volunteer_events():
        envelope = over_kafka(envelope_of(vol_encode(event), vol_ev.SOURCE))
        facts = translator.volunteers(envelope).facts
        if envelope.type == ef.VOLUNTEER_REGISTERED:
            data = json.loads(envelope.data)
            assert facts.people["volunteer_person"] == (data["personId"],)
            assert facts.volunteer_ids["volunteer"] == (data["volunteerId"],)
        else:
            assert "volunteer_person" not in facts.people
