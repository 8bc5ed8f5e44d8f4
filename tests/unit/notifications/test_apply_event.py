"""ApplyEvent on in-memory fakes: routing to people and agencies, preferences, quiet hours,
digest, idempotency (the same event twice, a crash in the middle of a commit)."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import pytest

from linli.common.unit_of_work import UnitOfWork
from linli.notifications.domain.deliveries import delivery_id, inbox_entry_id
from linli.notifications.domain.digest import DigestBook
from linli.notifications.domain.model import (
    Channel,
    Delivery,
    DeliveryStatus,
    HandlerRef,
    InboxEntry,
    KindPreference,
    Preferences,
    QuietHours,
    Subscription,
)
from linli.notifications.domain.routing import DEFAULT_RULES
from linli.notifications.domain.templates import TemplateCatalogue
from linli.notifications.service_layer.commands import ApplyEvent, ApplyResult
from linli.notifications.service_layer.routing_handler import handle_apply_event, subscription_matches, type_matches
from tests.unit.notifications.domain_fakes import T0, FakeDirectory, facts

A = TypeVar("A")
REQ = "org.linli.request."
PUBLIC = "org.linli.public.request.changed.v1"
PAYLOAD = '{"type":"org.linli.public.request.changed.v1","data":{"id":"req_1"}}'
TEMPLATES = TemplateCatalogue.load(rules=DEFAULT_RULES)


class FakeReadModel:
    def __init__(self) -> None:
        self.items: dict[tuple[type[Any], str], Any] = {}

    def find(self, kind: type[A], aggregate_id: str) -> A | None:
        found: A | None = self.items.get((kind, aggregate_id))
        return found

    def put(self, aggregate: Any) -> None:
        self.items[(type(aggregate), aggregate.id)] = copy.deepcopy(aggregate)

    def active_subscriptions(self) -> Sequence[Subscription]:
        return [s for (k, _), s in self.items.items() if k is Subscription and s.active and not s.deleted]

    def all(self, kind: type[A]) -> list[A]:
        return [v for (k, _), v in self.items.items() if k is kind]


class FakeRepository:
    def __init__(self, fail_after: int | None = None) -> None:
        self.written: list[str] = []
        self.fail_after = fail_after

    def add(self, aggregate: Any) -> None:
        if self.fail_after is not None and len(self.written) >= self.fail_after:
            raise ConnectionError("database went away")
        self.written.append(aggregate.id)
        aggregate.version = 1
        aggregate.pending_events.clear()

    def save(self, aggregate: Any, expected_version: int) -> None:
        raise AssertionError("ApplyEvent never changes what exists")


class App:
    def __init__(self, now: datetime = T0) -> None:
        self.read_model = FakeReadModel()
        self.repository = FakeRepository()
        self.directory = FakeDirectory(
            volunteers={"vol_1": "p_v1", "vol_2": "p_v2"},
            roles={("dispatcher", "com_1"): ["p_d1"], ("admin", "com_1"): ["p_a1"], ("liaison", "dept_city"): ["p_l9"]},
            parents={"dept_water": ["dept_city"]},
        )
        self.digest = DigestBook()
        self.now = now

    def apply(self, event_facts: Any, payload: str = "") -> ApplyResult:
        return handle_apply_event(
            ApplyEvent(facts=event_facts, public_payload=payload),
            UnitOfWork(self.repository, self.read_model),
            self.read_model,
            self.directory,
            TEMPLATES,
            DEFAULT_RULES,
            lambda: self.now,
            base_url="https://linli.example",
            digest=self.digest,
        )

    def prefs(self, person: str, **fields: Any) -> None:
        self.read_model.put(Preferences(id=person, **fields))

    def subscribe(self, sub_id: str, **fields: Any) -> None:
        self.read_model.put(
            Subscription(
                id=sub_id, agency_id="agency", name=sub_id, url="https://a.example/h", secret="whsec_x", **fields
            )
        )

    def entries(self) -> list[InboxEntry]:
        return self.read_model.all(InboxEntry)

    def deliveries(self) -> list[Delivery]:
        return self.read_model.all(Delivery)


RESOLVED = facts(
    REQ + "resolved.v1",
    "evt-res",
    people={"requester": ("p_r",), "followers": ("p_f", "p_r")},
    values={"title": "Stair light <b>", "status": "resolved", "link": "/requests/req_1"},
)


def test_unrouted_events_do_nothing() -> None:
    app = App()
    assert app.apply(facts(REQ + "submitted.v1")) == ApplyResult()
    assert app.repository.written == []


def test_requester_and_followers_get_inbox_entries_and_e_mail_in_their_language() -> None:
    app = App()
    app.prefs("p_r", language="en", email="r@example.org", phone="+8613800000000")
    result = app.apply(RESOLVED)
    assert result.kinds == ("request.resolved",)
    assert set(result.inbox_entry_ids) == {inbox_entry_id("evt-res", "p_r"), inbox_entry_id("evt-res", "p_f")}
    assert result.delivery_ids == (delivery_id("evt-res", "p_r", Channel.EMAIL),)  # rule channels: inbox, email
    entry = app.read_model.find(InboxEntry, inbox_entry_id("evt-res", "p_r"))
    assert entry is not None and entry.language == "en" and entry.title == "Your request was resolved: Stair light <b>"
    assert (
        entry.link == "https://linli.example/requests/req_1"
        and entry.person_id == "p_r"
        and entry.subject_id == "req_1"
    )
    other = app.read_model.find(InboxEntry, inbox_entry_id("evt-res", "p_f"))
    assert other is not None and other.language == "zh-CN"  # no preferences: the default
    (mail,) = app.deliveries()
    assert mail.address == "r@example.org" and mail.status is DeliveryStatus.PENDING and mail.next_attempt_at == T0
    assert "&lt;b&gt;" in mail.message.html and "<b>" not in mail.message.html


def test_the_same_event_twice_makes_nothing_new() -> None:
    app = App()
    app.prefs("p_r", email="r@example.org")
    first = app.apply(RESOLVED)
    written = list(app.repository.written)
    again = app.apply(RESOLVED)
    assert again.inbox_entry_ids == () and again.delivery_ids == () and again.kinds == first.kinds
    assert app.repository.written == written and len(app.entries()) == 2 and len(app.deliveries()) == 1


def test_a_crash_in_the_middle_of_the_commit_is_completed_by_the_redelivery() -> None:
    app = App()
    app.prefs("p_r", email="r@example.org")
    app.repository.fail_after = 1
    with pytest.raises(ConnectionError):
        app.apply(RESOLVED)
    assert len(app.repository.written) == 1
    app.repository.fail_after = None
    result = app.apply(RESOLVED)
    assert len(result.inbox_entry_ids) + len(result.delivery_ids) == 2
    assert len(set(app.repository.written)) == len(app.repository.written) == 3


def test_offers_reach_the_candidates_persons() -> None:
    app = App()
    app.prefs("p_v1", phone="+8613800000001")
    result = app.apply(facts(REQ + "offered.v1", "evt-off", volunteer_ids={"candidates": ("vol_1", "vol_2", "vol_x")}))
    assert {e.person_id for e in app.entries()} == {"p_v1", "p_v2"}
    assert result.delivery_ids == (delivery_id("evt-off", "p_v1", Channel.SMS),)


def test_escalation_falls_back_to_the_next_level() -> None:
    app = App()
    app.apply(facts(REQ + "escalated.v1", "evt-esc", department_id="dept_water"))
    (entry,) = app.entries()
    assert entry.person_id == "p_l9" and entry.urgent and entry.kind == "request.escalated"


def test_one_event_two_rules_and_one_person_in_both() -> None:
    app = App()
    dispatched = facts(
        REQ + "dispatched.v1",
        "evt-dis",
        people={"requester": ("p_v1",)},
        handlers={"handler": (HandlerRef("volunteer", "vol_1"),)},
    )
    result = app.apply(dispatched)
    assert result.kinds == ("request.dispatched", "task.assigned")
    assert sorted(e.kind for e in app.entries()) == ["request.dispatched", "task.assigned"]
    assert app.apply(dispatched).inbox_entry_ids == ()


def test_muted_kinds_reach_nobody_unless_urgent() -> None:
    app = App()
    app.prefs("p_r", email="r@example.org", kinds=(KindPreference("request.resolved", muted=True),))
    app.prefs("p_d1", email="d@example.org", kinds=(KindPreference("deadline.breached", muted=True),))
    app.apply(RESOLVED)
    assert {e.person_id for e in app.entries()} == {"p_f"} and app.deliveries() == []
    app.apply(facts(REQ + "deadline_breached.v1", "evt-br"))
    breach = [e for e in app.entries() if e.kind == "deadline.breached"]
    assert [e.person_id for e in breach] == ["p_d1"] and app.deliveries() == []  # the inbox only


def test_chosen_channels_replace_the_rule_s() -> None:
    app = App()
    app.prefs("p_r", email="r@example.org", phone="+86138", kinds=(KindPreference("request.resolved", (Channel.SMS,)),))
    app.apply(RESOLVED)
    assert [d.channel for d in app.deliveries()] == [Channel.SMS]
    assert len(app.entries()) == 2


def test_no_address_no_delivery() -> None:
    app = App()
    app.prefs("p_r", language="en")
    assert app.apply(RESOLVED).delivery_ids == ()


def test_quiet_hours_hold_deliveries_but_not_the_inbox() -> None:
    night = datetime(2025, 3, 1, 15, 0, tzinfo=UTC)  # 23:00 in the city
    app = App(now=night)
    app.prefs("p_r", email="r@example.org", quiet_hours=QuietHours("22:00", "07:00"))
    result = app.apply(RESOLVED)
    assert len(result.inbox_entry_ids) == 2
    (mail,) = app.deliveries()
    assert mail.next_attempt_at == datetime(2025, 3, 1, 23, 0, tzinfo=UTC)  # 07:00 next morning
    assert mail.status is DeliveryStatus.PENDING


def test_urgent_kinds_and_urgent_events_are_not_held() -> None:
    night = datetime(2025, 3, 1, 15, 0, tzinfo=UTC)
    app = App(now=night)
    app.prefs("p_d1", phone="+86138", quiet_hours=QuietHours("22:00", "07:00"))
    app.prefs("p_r", email="r@example.org", quiet_hours=QuietHours("22:00", "07:00"))
    app.apply(facts(REQ + "deadline_breached.v1", "evt-br"))
    app.apply(facts(REQ + "resolved.v1", "evt-urgent", people={"requester": ("p_r",)}, urgent=True))
    assert {d.kind: d.next_attempt_at for d in app.deliveries()} == {
        "deadline.breached": night,
        "request.resolved": night,
    }


def test_digest_preferring_recipients_are_counted_not_messaged() -> None:
    app = App()
    app.prefs("p_r", email="r@example.org", kinds=(KindPreference("request.resolved", digest=True),))
    result = app.apply(RESOLVED)
    assert result.delivery_ids == () and len(result.inbox_entry_ids) == 2
    assert app.digest.personal(T0.date()) == {"p_r": {"request.resolved": 1}}
    app.apply(RESOLVED)
    assert app.digest.personal(T0.date()) == {"p_r": {"request.resolved": 1}}


def test_agencies_get_the_public_payload_filtered_by_type_and_area() -> None:
    app = App()
    app.subscribe("sub_all")
    app.subscribe("sub_prefix", event_types=("org.linli.public.*",))
    app.subscribe("sub_other_type", event_types=("org.linli.request.*",))
    app.subscribe("sub_street", area_org_id="str_1")
    app.subscribe("sub_other_area", area_org_id="str_9")
    app.subscribe("sub_paused", active=False)
    app.subscribe("sub_deleted", deleted=True)
    public = facts(PUBLIC, "evt-pub", values={"title": "Stair light", "status": "resolved"})
    result = app.apply(public, PAYLOAD)
    assert result.kinds == ("public.request.changed",) and result.inbox_entry_ids == ()
    hooks = {d.recipient_id: d for d in app.deliveries()}
    assert set(hooks) == {"sub_all", "sub_prefix", "sub_street"}
    hook = hooks["sub_street"]
    assert hook.channel is Channel.WEBHOOK and hook.payload == PAYLOAD and hook.address == "sub_street"
    assert hook.id == delivery_id("evt-pub", "sub_street", Channel.WEBHOOK)
    assert app.apply(public, PAYLOAD).delivery_ids == ()
    # no public form: nothing goes to agencies
    assert App().apply(public).delivery_ids == ()


def test_area_filter_needs_a_place() -> None:
    sub = Subscription(id="s", agency_id="a", name="s", url="u", secret="whsec_x", area_org_id="com_1")
    assert subscription_matches(sub, facts(PUBLIC, org_path=(), community_id="com_1"))
    assert not subscription_matches(sub, facts(PUBLIC, org_path=(), community_id="", street_id=""))
    assert type_matches((), "x") and type_matches(("a.*",), "a.b") and not type_matches(("a.b",), "a.bc")


def test_a_bus_without_a_people_directory_reaches_the_event_s_own_persons() -> None:
    app = App()
    result = handle_apply_event(
        ApplyEvent(facts=RESOLVED),
        UnitOfWork(app.repository, app.read_model),
        app.read_model,
        None,
        TEMPLATES,
        DEFAULT_RULES,
        lambda: T0 + timedelta(seconds=1),
    )
    assert len(result.inbox_entry_ids) == 2
    entry = app.read_model.find(InboxEntry, result.inbox_entry_ids[0])
    assert entry is not None and entry.link == "/requests/req_1"
