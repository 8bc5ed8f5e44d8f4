"""The queries open to anyone (ListCategories, ListPublicRequests, GetPublicRequest) through the
message bus, on the same in-memory fakes as ``test_handlers``: only the public view ever comes
out, withheld text stays withheld, hidden and rejected requests never appear."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from linli.common.errors import InvalidArgument, NotFound
from linli.common.paging import paginate
from linli.requests.adapters.ledger import Ledger
from linli.requests.bootstrap import RequestsApp
from linli.requests.domain import lifecycle
from linli.requests.domain.catalogue import DEFAULT_CATALOGUE
from linli.requests.domain.model import Address, GeoPoint, Place, Request, Status, Urgency
from linli.requests.domain.publication import PublicRequest
from linli.requests.entrypoints import convert
from linli.requests.service_layer import commands as c
from linli.v1 import requests_pb2
from tests.unit.requests.test_handlers import (
    ANONYMOUS,
    DISPATCHER,
    NOW,
    OPERATOR,
    PLACE,
    POINT,
    RESIDENT,
    Clock,
    FakeOrganizations,
    FakeRepository,
    FakeVolunteers,
)

FAR = GeoPoint(29.1, 121.9)
FAR_PLACE = Place(grid_id="g9", community_id="c9", street_id="s9", org_path=("d1", "s9", "c9"))


class TwoPlaces(FakeOrganizations):
    def place_of(self, point: GeoPoint | None) -> Place:
        if point == FAR:
            return FAR_PLACE
        return super().place_of(point)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def app(clock: Clock) -> RequestsApp:
    catalogue = DEFAULT_CATALOGUE.with_overrides(
        {
            "categories": [
                {"code": "parking", "active": False},
                {"code": "environment", "auto_publish": True, "description_en": "Litter, smells, dirty stairs"},
            ]
        }
    )
    return RequestsApp(FakeRepository(), Ledger(), TwoPlaces(), FakeVolunteers(), catalogue=catalogue, clock=clock)


def submit(app: RequestsApp, clock: Clock, *, minutes_later: int = 0, **overrides: Any) -> Request:
    clock.now = NOW + timedelta(minutes=minutes_later)
    point = overrides.pop("point", POINT)
    values: dict[str, Any] = {
        "category": "repairs",
        "title": "楼道灯坏了",
        "description": "3号楼2单元 13800138000",
        "address": Address(text="东山社区3号楼", point=point),
        "point": point,
    }
    values.update(overrides)
    created, _ = app.handle(c.SubmitRequest(actor=RESIDENT, submission=lifecycle.Submission(**values)))
    assert isinstance(created, Request)
    return created


def public(app: RequestsApp, **filters: Any) -> list[PublicRequest]:
    found: list[PublicRequest] = app.handle(c.ListPublicRequests(actor=ANONYMOUS, **filters))
    return found


# -- ListCategories ----------------------------------------------------------------------------------------------
def test_categories_are_the_services_catalogue_with_its_overrides(app: RequestsApp) -> None:
    listed = app.handle(c.ListCategories(actor=ANONYMOUS))
    assert "parking" not in listed.categories  # retired by the override
    assert listed.categories["environment"].auto_publish is True
    assert list(listed.departments) == list(DEFAULT_CATALOGUE.departments)
    everything = app.handle(c.ListCategories(actor=ANONYMOUS, include_retired=True))
    assert everything.categories["parking"].active is False

    message = convert.categories_out(listed)
    codes = [category.code for category in message.categories]
    assert codes[0] == "repairs" and "parking" not in codes
    environment = next(category for category in message.categories if category.code == "environment")
    assert environment.name.zh == "环境卫生" and environment.description.en == "Litter, smells, dirty stairs"
    assert environment.department_code == "JJ-URBAN" and environment.auto_publish
    limits = {d.urgency: (d.accept_seconds, d.resolve_seconds) for d in environment.deadlines}
    assert limits == {
        requests_pb2.URGENCY_LOW: (240 * 90, 2880 * 90),
        requests_pb2.URGENCY_NORMAL: (240 * 60, 2880 * 60),
        requests_pb2.URGENCY_URGENT: (240 * 30, 2880 * 30),
    }
    urban = next(d for d in message.departments if d.code == "JJ-URBAN")
    assert urban.name.en == "Jiaojiang Urban Management Bureau" and urban.response_minutes == 240


# -- ListPublicRequests -------------------------------------------------------------------------------------------
def test_anyone_lists_the_public_view_newest_first_with_text_only_as_approved(app: RequestsApp, clock: Clock) -> None:
    reviewed = submit(app, clock)
    auto = submit(app, clock, minutes_later=5, category="environment", title="垃圾 13800138000")
    listed = public(app)
    assert [p.id for p in listed] == [auto.id, reviewed.id]
    assert all(isinstance(p, PublicRequest) for p in listed)
    waiting, published = listed[1], listed[0]
    assert waiting.text_withheld and waiting.title == "" and waiting.description == ""
    assert not published.text_withheld and published.title.startswith("垃圾")
    assert "13800138000" not in published.title + published.description  # scrubbed
    assert published.community_id == "c1" and published.status is Status.SUBMITTED

    app.handle(c.ModerateRequest(actor=DISPATCHER, request_id=reviewed.id, approve=True))
    approved = public(app, request_ids=(reviewed.id,))
    assert [p.title for p in approved] == ["楼道灯坏了"]


def test_hidden_and_rejected_requests_never_appear(app: RequestsApp, clock: Clock) -> None:
    hidden = submit(app, clock)
    rejected = submit(app, clock, minutes_later=1)
    shown = submit(app, clock, minutes_later=2)
    app.handle(c.ModerateRequest(actor=OPERATOR, request_id=hidden.id, hidden=True, reason="private"))
    app.handle(c.RejectRequest(actor=DISPATCHER, request_id=rejected.id, reason="spam"))
    assert [p.id for p in public(app)] == [shown.id]
    assert [p.id for p in public(app, request_ids=(hidden.id, rejected.id, shown.id))] == [shown.id]
    for request_id in (hidden.id, rejected.id, "req_missing"):
        with pytest.raises(NotFound, match=r"^request_id: request \S+ does not exist$"):
            app.handle(c.GetPublicRequest(actor=ANONYMOUS, request_id=request_id))
    one = app.handle(c.GetPublicRequest(actor=ANONYMOUS, request_id=shown.id))
    assert isinstance(one, PublicRequest) and one.id == shown.id and one.text_withheld


def test_filters_scope_category_status_period_and_ids(app: RequestsApp, clock: Clock) -> None:
    here = submit(app, clock)
    there = submit(app, clock, minutes_later=10, point=FAR, category="environment")
    accepted = submit(app, clock, minutes_later=20)
    app.handle(c.AcceptRequest(actor=DISPATCHER, request_id=accepted.id, urgency=Urgency.URGENT))
    assert [p.id for p in public(app, scope_id="c9")] == [there.id]
    assert [p.id for p in public(app, scope_id="d1")] == [accepted.id, there.id, here.id]
    assert [p.id for p in public(app, categories=("environment",))] == [there.id]
    assert [p.id for p in public(app, statuses=(Status.ACCEPTED,))] == [accepted.id]
    window = public(app, submitted_from=NOW + timedelta(minutes=5), submitted_to=NOW + timedelta(minutes=15))
    assert [p.id for p in window] == [there.id]
    assert [p.id for p in public(app, request_ids=(here.id, "req_unknown"))] == [here.id]
    assert public(app, scope_id="c9", request_ids=(here.id,)) == []


def test_bad_filters_are_invalid_arguments(app: RequestsApp) -> None:
    with pytest.raises(InvalidArgument, match=r"^request_ids: at most 100"):
        public(app, request_ids=tuple(f"req_{i}" for i in range(101)))
    with pytest.raises(InvalidArgument, match=r"^scope_id"):
        public(app, scope_id="x" * 500)
    with pytest.raises(InvalidArgument, match=r"^submitted_to: must be after submitted_from"):
        public(app, submitted_from=NOW, submitted_to=NOW)
    with pytest.raises(InvalidArgument, match=r"^categories\[0\]"):
        public(app, categories=("c" * 65,))


def test_pages_are_bounded(app: RequestsApp, clock: Clock) -> None:
    for i in range(3):
        submit(app, clock, minutes_later=i)
    listed = public(app)
    page, token, total = paginate(listed, 2, "")
    assert len(page) == 2 and token and total == 3
    rest, last, _ = paginate(listed, 2, token)
    assert len(rest) == 1 and last == ""
    everything, _, _ = paginate(listed * 200, 0, "")
    assert len(everything) == 50
    most, _, _ = paginate(listed * 200, 10_000, "")
    assert len(most) == 500
    message = convert.public_request_out(listed[0])
    assert message.id == listed[0].id and message.text_withheld
    assert PLACE.community_id == message.community_id
