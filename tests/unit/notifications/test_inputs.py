"""The consumers' handler (envelope -> facts -> ApplyEvent, source checked, watches fed) and
the timers' watches (deadline near, station reminders, daily digest) on a fake bus."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, time, timedelta
from typing import Any

import pytest

from linli.common.aggregates import envelope_of
from linli.common.cloudevents import Envelope
from linli.common.errors import InvalidArgument
from linli.notifications.adapters.event_facts import EventTranslator, MalformedEvent
from linli.notifications.domain.model import EventFacts, HandlerRef
from linli.notifications.domain.routing import DAILY_DIGEST, DEADLINE_NEAR, STATION_EVENT_REMINDER, TIMER_SOURCE
from linli.notifications.entrypoints.consumers import FactsHandler, SkipTombstones, topic_specs
from linli.notifications.entrypoints.timers import (
    DailyDigest,
    DeadlineWatch,
    StationReminders,
    fire,
    make_timers,
    make_watches,
)
from linli.notifications.service_layer.commands import ApplyEvent
from linli.requests.adapters.event_payloads import encode as req_encode
from linli.requests.domain import dispatch
from linli.requests.domain import events as req_ev
from tests.unit.requests import req_support
from tests.unit.requests.req_support import DISPATCHER, NOW


class FakeBus:
    def __init__(self) -> None:
        self.commands: list[Any] = []

    def handle(self, command: Any) -> Any:
        self.commands.append(command)
        return None


def envelopes(events: list[Any]) -> list[Envelope]:
    return [envelope_of(req_encode(e), req_ev.SOURCE) for e in events]


def handlers(bus: FakeBus, observer: Any = None) -> dict[str, FactsHandler]:
    specs = topic_specs(EventTranslator())
    return {s.topic: FactsHandler(s, bus, [observer] if observer else []) for s in specs}


def test_each_event_becomes_one_apply_event_as_the_consumer() -> None:
    bus = FakeBus()
    by_topic = handlers(bus)
    request = req_support.submitted()
    for envelope in envelopes(request.pending_events):
        by_topic[envelope.topic](envelope)
    private, public = bus.commands
    assert isinstance(private, ApplyEvent) and isinstance(public, ApplyEvent)
    assert private.facts.event_type == req_ev.REQUEST_SUBMITTED
    assert private.actor.subject == "system" and private.actor.request_id == "consumer:linli.requests.v1"
    assert public.facts.event_type == req_ev.PUBLIC_REQUEST_CHANGED
    assert public.actor.request_id == "consumer:linli.public.requests.v1"
    assert '"type":"org.linli.public.request.changed.v1"' in public.public_payload


def test_an_unexpected_source_is_refused_for_the_dead_letter_topic() -> None:
    bus = FakeBus()
    by_topic = handlers(bus)
    (private, _public) = envelopes(req_support.submitted().pending_events)
    forged = dataclasses.replace(private, source="/linli/volunteers")
    with pytest.raises(MalformedEvent, match="unexpected source") as caught:
        by_topic["linli.requests.v1"](forged)
    assert isinstance(caught.value, InvalidArgument)
    with pytest.raises(MalformedEvent):
        by_topic["linli.volunteers.v1"](private)  # right source for requests, wrong topic
    assert bus.commands == []


def test_specs_allow_list_sources_and_types() -> None:
    specs = {s.topic: s for s in topic_specs(EventTranslator())}
    assert specs["linli.requests.v1"].source == "/linli/requests"
    assert req_ev.REQUEST_OFFERED in specs["linli.requests.v1"].types
    assert specs["linli.public.requests.v1"].types == {req_ev.PUBLIC_REQUEST_CHANGED}
    assert specs["linli.organizations.v1"].source == "/linli/organizations"


# --------------------------------------------------------------------------- deadline near


def request_facts(**changes: Any) -> EventFacts:
    base = EventFacts(
        event_id="e1",
        event_type="org.linli.request.dispatched.v1",
        source="/linli/requests",
        subject_id="req_1",
        occurred_at=NOW,
        community_id="c1",
        street_id="s1",
        org_path=("d1", "s1", "c1"),
        handlers={"handler": (HandlerRef("volunteer", "v-1"),)},
        values={"status": "dispatched", "deadline": "2025-03-03T12:00:00Z", "deadline_kind": "resolve"},
    )
    return dataclasses.replace(base, **changes)


def test_deadline_near_fires_once_within_the_lead_with_a_derived_id() -> None:
    watch = DeadlineWatch(lead=timedelta(minutes=30))
    watch.observe(request_facts())
    assert watch.due(datetime(2025, 3, 3, 11, 0, tzinfo=UTC)) == []
    (near,) = watch.due(datetime(2025, 3, 3, 11, 31, tzinfo=UTC))
    assert near.event_type == DEADLINE_NEAR and near.source == TIMER_SOURCE
    assert near.handlers["handler"] == (HandlerRef("volunteer", "v-1"),)
    assert near.community_id == "c1" and near.urgent
    assert near.values["deadline_kind"] == "resolve" and near.values["deadline"] == "2025-03-03T12:00:00Z"
    assert watch.due(datetime(2025, 3, 3, 11, 40, tzinfo=UTC)) == []  # once
    again = DeadlineWatch(lead=timedelta(minutes=30))  # a restarted service
    again.observe(request_facts())
    (near2,) = again.due(datetime(2025, 3, 3, 11, 45, tzinfo=UTC))
    assert near2.event_id == near.event_id  # same id: the handler makes nothing twice


def test_a_new_deadline_is_a_new_notice_and_final_statuses_leave() -> None:
    watch = DeadlineWatch(lead=timedelta(minutes=30))
    watch.observe(request_facts())
    (first,) = watch.due(datetime(2025, 3, 3, 11, 31, tzinfo=UTC))
    watch.observe(
        request_facts(
            occurred_at=NOW + timedelta(hours=1),
            values={"status": "in_progress", "deadline": "2025-03-03T13:00:00Z", "deadline_kind": "resolve"},
        )
    )
    (second,) = watch.due(datetime(2025, 3, 3, 12, 31, tzinfo=UTC))
    assert second.event_id != first.event_id
    watch.observe(request_facts(occurred_at=NOW + timedelta(hours=2), values={"status": "resolved"}))
    assert len(watch) == 0
    watch.observe(request_facts())
    assert watch.due(datetime(2025, 3, 3, 12, 1, tzinfo=UTC)) == []  # passed: the breach event tells


def test_the_deadline_watch_learns_from_real_request_events() -> None:
    watch = DeadlineWatch(lead=timedelta(minutes=30))
    translator = EventTranslator()
    request = req_support.accepted()
    dispatch.dispatch(request, DISPATCHER, assignee=req_support.VOLUNTEER_1, now=NOW)
    for envelope in envelopes(request.pending_events):
        if envelope.topic == "linli.requests.v1":
            watch.observe(translator.requests(envelope).facts)
    assert request.resolve_by is not None
    (near,) = watch.due(request.resolve_by - timedelta(minutes=10))
    assert near.subject_id == request.id
    assert near.handlers["handler"] == (HandlerRef("volunteer", "v-1"),)
    assert near.people["requester"] == ("p-resident",)


def test_the_watch_is_bounded_forgetting_the_least_recently_heard_of() -> None:
    watch = DeadlineWatch(lead=timedelta(minutes=30), max_entries=3)
    for i in range(6):
        deadline = (NOW + timedelta(hours=i + 1)).isoformat().replace("+00:00", "Z")
        values = {"status": "accepted", "deadline": deadline, "deadline_kind": "resolve"}
        watch.observe(request_facts(subject_id=f"req_{i}", values=values))
    assert len(watch) == 3
    due = watch.due(NOW + timedelta(hours=5, minutes=45))
    assert [f.subject_id for f in due] == ["req_5"]  # req_3 and req_4 passed, req_0..2 forgotten


# --------------------------------------------------------------------------- station reminders


def station_facts(**values: str) -> EventFacts:
    return EventFacts(
        event_id="o1",
        event_type="org.linli.station_event.scheduled.v1",
        source="/linli/organizations",
        subject_id="ev-1",
        occurred_at=NOW,
        people={"signed_up": ("p-a",)},
        values={"starts_at": "2025-03-04T02:00:00Z", "station_id": "st1", "event_title": "义诊", **values},
    )


def test_station_reminder_goes_to_the_signed_up_once() -> None:
    asked: list[tuple[str, str]] = []

    def signups(station_id: str, event_id: str) -> list[str]:
        asked.append((station_id, event_id))
        return ["p-b", "p-a"]

    watch = StationReminders(lead=timedelta(hours=2), signups=signups)
    watch.observe(station_facts())
    assert watch.due(datetime(2025, 3, 3, 23, 59, tzinfo=UTC)) == []
    (reminder,) = watch.due(datetime(2025, 3, 4, 0, 0, tzinfo=UTC))
    assert reminder.event_type == STATION_EVENT_REMINDER
    assert reminder.people["signed_up"] == ("p-a", "p-b")
    assert asked == [("st1", "ev-1")]
    assert watch.due(datetime(2025, 3, 4, 0, 30, tzinfo=UTC)) == []
    watch.observe(station_facts(cancelled="true"))
    assert len(watch) == 0


def test_a_failing_signup_lookup_still_reminds_those_known() -> None:
    def broken(station_id: str, event_id: str) -> list[str]:
        raise RuntimeError("organizations down")

    watch = StationReminders(lead=timedelta(hours=2), signups=broken)
    watch.observe(station_facts())
    (reminder,) = watch.due(datetime(2025, 3, 4, 1, 0, tzinfo=UTC))
    assert reminder.people["signed_up"] == ("p-a",)


# --------------------------------------------------------------------------- digest


def test_daily_digest_per_community_at_the_hour_about_yesterday() -> None:
    digest = DailyDigest(at=time(8, 0))
    day = datetime(2025, 3, 3, 2, 0, tzinfo=UTC)  # 10:00 city time, 3 March
    for i, (kind, values) in enumerate(
        [
            ("submitted", {}),
            ("submitted", {}),
            ("resolved", {}),
            ("deadline_breached", {}),
            ("rated", {"stars": "5"}),
            ("rated", {"stars": "4"}),
        ]
    ):
        digest.observe(
            request_facts(event_type=f"org.linli.request.{kind}.v1", event_id=f"e{i}", occurred_at=day, values=values)
        )
    digest.observe(
        request_facts(event_type="org.linli.request.submitted.v1", event_id="e-c2", community_id="c2", occurred_at=day)
    )
    assert digest.due(datetime(2025, 3, 3, 23, 0, tzinfo=UTC)) == []  # 07:00 on 4 March: not yet
    out = digest.due(datetime(2025, 3, 4, 0, 5, tzinfo=UTC))  # 08:05 city time
    assert [f.community_id for f in out] == ["c1", "c2"]
    c1 = out[0]
    assert c1.event_type == DAILY_DIGEST
    assert c1.values == {
        "community": "c1",
        "day": "2025-03-03",
        "submitted": "2",
        "resolved": "1",
        "breaches": "1",
        "average_rating": "4.5",
    }
    assert digest.due(datetime(2025, 3, 4, 1, 0, tzinfo=UTC)) == []  # once a day
    again = DailyDigest(at=time(8, 0))
    again.observe(request_facts(event_type="org.linli.request.submitted.v1", occurred_at=day))
    assert again.due(datetime(2025, 3, 4, 0, 5, tzinfo=UTC))[0].event_id == c1.event_id


# --------------------------------------------------------------------------- workers


def test_timers_send_through_the_bus_as_the_system() -> None:
    bus = FakeBus()
    watches = make_watches(deadline_near_minutes=30, station_reminder_hours=2, digest_time="08:00")
    watches.observe(request_facts())
    now = datetime(2025, 3, 3, 11, 45, tzinfo=UTC)
    assert fire(bus, watches.deadlines, "deadline_near", lambda: now) == 1
    (command,) = bus.commands
    assert isinstance(command, ApplyEvent) and command.actor.request_id == "timer:deadline_near"
    workers = make_timers(bus, watches, 60.0, lambda: now)
    assert [w.name for w in workers] == ["deadline_near", "station_reminders", "daily_digest"]
    for worker in workers:
        worker.run_once()
    assert len(bus.commands) == 1  # nothing new was due


def test_tombstones_are_skipped_before_decoding() -> None:
    class Record:
        def __init__(self, offset: int, value: bytes | None) -> None:
            self.offset, self.value = offset, value

    class Inner:
        def poll(self, timeout_ms: int) -> dict[Any, list[Any]]:
            return {"tp0": [Record(1, b"{}"), Record(2, None)], "tp1": [Record(3, None)]}

        def assignment(self) -> set[Any]:
            return {"tp0"}

        def commit(self, offsets: dict[Any, Any]) -> None: ...

        def close(self, autocommit: bool) -> None: ...

    consumer = SkipTombstones(lambda *topics, **config: Inner())("linli.public.requests.v1")
    batch = consumer.poll(timeout_ms=10)
    assert list(batch) == ["tp0"] and [r.offset for r in batch["tp0"]] == [1]
    bus = FakeBus()
    by_topic = handlers(bus)
    (_private, public) = envelopes(req_support.submitted().pending_events)
    by_topic["linli.public.requests.v1"](dataclasses.replace(public, data=b""))
    assert bus.commands == []
