"""Open311 mapping: services from the catalogue, requests without personal data, statuses,
query and POST parameters."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from linli.gateway.open311 import mapping
from linli.gateway.open311.catalogue import TITLE_MAX_LENGTH, Services
from linli.gateway.open311.mapping import Open311Error
from linli.requests.domain.catalogue import DEFAULT_CATALOGUE, Catalogue
from linli.requests.entrypoints.convert import categories_out
from linli.v1 import common_pb2, requests_pb2

RS = requests_pb2.RequestStatus
NOW = datetime(2025, 3, 10, 4, 0, tzinfo=UTC)


def load_services(catalogue: Catalogue = DEFAULT_CATALOGUE) -> Services:
    """The services as the gateway builds them from the requests service's ListCategories."""
    return Services.from_response(categories_out(catalogue))


@pytest.fixture(scope="module")
def services() -> Services:
    return load_services()


def ts(moment: datetime) -> object:
    return mapping.to_timestamp(moment)


def full_record(**overrides: object) -> requests_pb2.Request:
    record = requests_pb2.Request(
        id="req_1",
        category="repairs",
        title="王小明 13800138000 的水管漏了",
        description="住在 12 幢 301，电话 13800138000",
        status=RS.REQUEST_STATUS_CLAIMED,
        community_id="org_dongshan",
        street_id="org_baiyun",
        address=common_pb2.Address(text="椒江区白云街道东山社区 12 幢 301"),
        point=common_pb2.GeoPoint(lat=28.68, lng=121.44),
        requester=requests_pb2.Requester(
            person_id="p_resident", contact=common_pb2.Contact(name="王小明", phone="13800138000")
        ),
        assignee=requests_pb2.Assignee(kind=requests_pb2.AssigneeKind.ASSIGNEE_KIND_VOLUNTEER, id="v1", name="李志愿"),
    )
    record.submitted_at.CopyFrom(mapping.to_timestamp(NOW - timedelta(hours=3)))
    record.updated_at.CopyFrom(mapping.to_timestamp(NOW - timedelta(hours=1)))
    record.resolve_by.CopyFrom(mapping.to_timestamp(NOW + timedelta(days=1)))
    for key, value in overrides.items():
        setattr(record, key, value)
    return record


def test_services_list_every_active_category_with_the_standard_fields(services: Services) -> None:
    entries = mapping.service_list(services, "en")
    codes = [e["service_code"] for e in entries]
    assert "repairs" in codes and "flying_wire_charging" in codes
    repairs = next(e for e in entries if e["service_code"] == "repairs")
    assert list(repairs) == ["service_code", "service_name", "description", "metadata", "type", "keywords", "group"]
    assert repairs["service_name"] == "Repairs"
    assert repairs["type"] == "realtime"
    assert repairs["metadata"] is True
    assert repairs["group"] == "Jiaojiang Housing and Construction Bureau"
    assert "维修" in str(repairs["keywords"])
    assert repairs["description"] == "Accepted within 2 hours and resolved within 2 days (half that when urgent)."
    zh = next(e for e in mapping.service_list(services, "zh") if e["service_code"] == "repairs")
    assert zh["service_name"] == "维修"
    assert zh["description"] == "2 小时内受理，2 天内办结（紧急诉求减半）。"


def test_retired_categories_are_not_offered() -> None:
    retired = load_services(DEFAULT_CATALOGUE.with_overrides({"categories": [{"code": "parking", "active": False}]}))
    assert retired.get("parking") is None
    assert "parking" not in [s.code for s in retired.all()]
    names = retired.name_of("parking")  # still named on the requests that carry it
    assert names is not None and names.en == "Parking"
    assert load_services().get("parking") is not None


def test_a_described_category_says_so_before_its_limits() -> None:
    described = load_services(
        DEFAULT_CATALOGUE.with_overrides({"categories": [{"code": "repairs", "description_en": "Pipes, lights"}]})
    )
    repairs = next(e for e in mapping.service_list(described, "en") if e["service_code"] == "repairs")
    assert str(repairs["description"]).startswith("Pipes, lights Accepted within 2 hours")


def test_definition_has_the_title_and_urgency_attributes(services: Services) -> None:
    service = services.get("elevator")
    assert service is not None
    definition = mapping.service_definition(service, "en")
    assert definition["service_code"] == "elevator"
    attributes = definition["attributes"]
    assert isinstance(attributes, list)
    assert [a["code"] for a in attributes] == ["title", "urgency"]
    for attribute in attributes:
        assert set(attribute) == {
            "variable",
            "code",
            "datatype",
            "required",
            "datatype_description",
            "order",
            "description",
            "values",
        }
        assert attribute["required"] is False
    assert attributes[1]["datatype"] == "singlevaluelist"
    assert [v["key"] for v in attributes[1]["values"]] == ["low", "normal", "urgent"]
    assert "Urgent" in attributes[1]["description"]  # the elevator category's default


def test_a_full_ledger_record_gives_no_personal_data(services: Services) -> None:
    facts = mapping.facts_from_request(full_record())
    entry = mapping.request_entry(facts, services, "en", {"org_dongshan": "东山社区", "org_baiyun": "白云街道"})
    text = repr(entry)
    for secret in ("王小明", "13800138000", "301", "李志愿", "p_resident", "28.68", "121.44", "v1"):
        assert secret not in text
    assert entry["description"] is None
    assert entry["lat"] is None and entry["long"] is None
    assert entry["address"] == "东山社区, 白云街道"
    assert entry["agency_responsible"] == "东山社区"  # a volunteer handles it: named by its community
    assert entry["status"] == "open"
    assert entry["status_notes"] == "A handler has taken it."
    assert entry["requested_datetime"] == "2025-03-10T09:00:00+08:00"
    assert entry["updated_datetime"] == "2025-03-10T11:00:00+08:00"
    assert entry["expected_datetime"] == "2025-03-11T12:00:00+08:00"
    assert entry["service_name"] == "Repairs"
    assert list(entry)[:3] == ["service_request_id", "status", "status_notes"]


def test_public_view_text_and_organisation_handlers_are_shown(services: Services) -> None:
    record = full_record(public_view_only=True, title="水管漏水", description="楼道水管漏水")
    record.ClearField("requester")
    facts = mapping.facts_from_request(record)
    assert mapping.request_entry(facts, services, "zh")["description"] == "水管漏水: 楼道水管漏水"
    team = full_record()
    team.assignee.CopyFrom(
        requests_pb2.Assignee(kind=requests_pb2.AssigneeKind.ASSIGNEE_KIND_TEAM, id="t1", name="东山维修队")
    )
    assert mapping.request_entry(mapping.facts_from_request(team), services, "en")["agency_responsible"] == "东山维修队"
    escalated = full_record()
    escalated.escalations.append(requests_pb2.Escalation(level=1, department_code="JJ-URBAN"))
    entry = mapping.request_entry(mapping.facts_from_request(escalated), services, "en")
    assert entry["agency_responsible"] == "Jiaojiang Urban Management Bureau"


def test_board_results_carry_the_published_result_and_photo(services: Services) -> None:
    public = requests_pb2.PublicRequest(
        id="req_2",
        category="environment",
        title="垃圾堆放",
        status=RS.REQUEST_STATUS_RATED,
        result_text="已清理",
        community_id="org_dongshan",
        photos=[requests_pb2.PublicPhoto(id="p1", url="https://media.example/p1.jpg")],
    )
    public.submitted_at.CopyFrom(mapping.to_timestamp(NOW - timedelta(days=2)))
    public.resolved_at.CopyFrom(mapping.to_timestamp(NOW - timedelta(days=1)))
    entry = mapping.request_entry(mapping.facts_from_public(public), services, "zh")
    assert entry["status"] == "closed"
    assert entry["status_notes"] == "已办结并评价。 已清理"
    assert entry["media_url"] == "https://media.example/p1.jpg"
    assert entry["description"] == "垃圾堆放"
    assert entry["updated_datetime"] == "2025-03-09T12:00:00+08:00"
    assert entry["expected_datetime"] is None


@pytest.mark.parametrize("status", list(mapping.OPEN_STATUSES))
def test_open_statuses(status: int) -> None:
    assert mapping.open311_status(status) == "open"


@pytest.mark.parametrize("status", list(mapping.CLOSED_STATUSES))
def test_closed_statuses(status: int) -> None:
    assert mapping.open311_status(status) == "closed"


def test_every_status_is_open_or_closed_and_has_a_note() -> None:
    named = {v for v in RS.values() if v != RS.REQUEST_STATUS_UNSPECIFIED}
    assert named == mapping.OPEN_STATUSES | mapping.CLOSED_STATUSES
    assert named <= set(mapping.STATUS_NOTES)


def test_merged_requests_name_their_original(services: Services) -> None:
    facts = mapping.facts_from_request(full_record(status=RS.REQUEST_STATUS_MERGED, merged_into_id="req_0"))
    assert mapping.status_notes(facts, "en") == "Duplicate: merged into another request. (into req_0)"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2025-03-01T10:00:00Z", datetime(2025, 3, 1, 10, tzinfo=UTC)),
        ("2025-03-01T18:00:00+08:00", datetime(2025, 3, 1, 10, tzinfo=UTC)),
        ("2025-03-01", datetime(2025, 2, 28, 16, tzinfo=UTC)),
    ],
)
def test_w3c_datetimes(value: str, expected: datetime) -> None:
    assert mapping.parse_datetime(value, "start_date") == expected


@pytest.mark.parametrize("value", ["yesterday", "2025-03-01T10:00:00", "2025-13-01", "x" * 80])
def test_bad_datetimes_name_the_parameter(value: str) -> None:
    with pytest.raises(Open311Error) as caught:
        mapping.parse_datetime(value, "end_date")
    assert caught.value.code == 400
    assert caught.value.description.startswith("end_date:")


def test_query_defaults_to_ninety_days_and_both_statuses(services: Services) -> None:
    query = mapping.parse_query({}, services, NOW)
    assert query.start == NOW - timedelta(days=90) and query.end is None
    assert query.limit == mapping.MAX_RESULTS
    assert mapping.parse_query({"status": "open,closed"}, services, NOW).statuses == frozenset()
    only_end = mapping.parse_query({"end_date": "2025-01-31T00:00:00Z"}, services, NOW)
    assert only_end.start == datetime(2024, 11, 2, tzinfo=UTC)


def test_query_with_ids_ignores_the_other_filters(services: Services) -> None:
    query = mapping.parse_query({"service_request_id": "req_1, req_2,req_1", "status": "nonsense"}, services, NOW)
    assert query.ids == ("req_1", "req_2")


@pytest.mark.parametrize(
    ("args", "parameter"),
    [
        ({"status": "pending"}, "status"),
        ({"service_code": "repairs,potholes"}, "service_code"),
        ({"start_date": "2025-03-02T00:00:00Z", "end_date": "2025-03-01T00:00:00Z"}, "end_date"),
        ({"service_request_id": "bad id"}, "service_request_id"),
        ({"service_request_id": ",".join(f"r{i}" for i in range(101))}, "service_request_id"),
    ],
)
def test_bad_queries(services: Services, args: dict[str, str], parameter: str) -> None:
    with pytest.raises(Open311Error) as caught:
        mapping.parse_query(args, services, NOW)
    assert caught.value.description.startswith(f"{parameter}:")


def test_query_filters_and_the_grpc_request(services: Services) -> None:
    query = mapping.parse_query(
        {"service_code": "Repairs", "status": "open", "start_date": "2025-03-01", "end_date": "2025-03-11"},
        services,
        NOW,
    )
    message = mapping.list_request(query, 500)
    assert list(message.categories) == ["repairs"]
    assert set(message.statuses) == mapping.OPEN_STATUSES
    assert message.submitted_from.ToDatetime(tzinfo=UTC) == datetime(2025, 2, 28, 16, tzinfo=UTC)
    assert message.page.page_size == 500
    open_one = mapping.facts_from_request(full_record())
    closed_one = mapping.facts_from_request(full_record(id="req_9", status=RS.REQUEST_STATUS_CLOSED))
    other = mapping.facts_from_request(full_record(id="req_8", category="parking"))
    assert mapping.select([open_one, closed_one, other, open_one], query) == [open_one]


def post(services: Services, form: dict[str, str], attributes: dict[str, list[str]] | None = None) -> object:
    return mapping.parse_post(
        form,
        attributes if attributes is not None else mapping.attributes_of(form),
        services,
        lang="en",
        idempotency_key="key-1",
        requester_person_id="p_agency",
    )


def test_post_puts_personal_data_only_in_the_private_contact(services: Services) -> None:
    form = {
        "service_code": "repairs",
        "lat": "28.68",
        "long": "121.44",
        "description": "Leaking pipe in the stairwell\nsecond line",
        "email": "wang@example.com",
        "phone": "13800138000",
        "first_name": "Xiaoming",
        "last_name": "Wang",
        "device_id": "dev-1",
        "account_id": "acct-1",
        "attribute[urgency]": "urgent",
        "media_url": "https://media.example/a.jpg",
    }
    posted = mapping.parse_post(
        form,
        mapping.attributes_of(form),
        services,
        lang="en",
        idempotency_key="key-1",
        requester_person_id="p_agency",
    )
    message = posted.submission
    assert message.category == "repairs"
    assert message.channel == requests_pb2.Channel.CHANNEL_OPEN311
    assert message.title == "Leaking pipe in the stairwell"
    assert message.urgency == requests_pb2.Urgency.URGENCY_URGENT
    assert (message.point.lat, message.point.lng) == (28.68, 121.44)
    assert message.anonymous_contact == common_pb2.Contact(
        name="Xiaoming Wang", phone="13800138000", email="wang@example.com"
    )
    assert message.requester_person_id == "p_agency"
    assert [a.url for a in message.attachments] == ["https://media.example/a.jpg"]
    public_text = message.title + message.description
    for secret in ("wang@example.com", "13800138000", "Xiaoming", "dev-1", "acct-1"):
        assert secret not in public_text
    assert mapping.post_response(requests_pb2.Request(id="req_5"), posted.service, "en") == [
        {
            "service_request_id": "req_5",
            "service_notice": mapping.service_notice(posted.service, "en"),
            "account_id": None,
        }
    ]


def test_post_with_an_address_and_a_title_attribute(services: Services) -> None:
    form = {"service_code": "parking", "address_string": "东山社区 3 幢", "attribute[title]": "乱停车"}
    message = mapping.parse_post(
        form, mapping.attributes_of(form), services, lang="zh", idempotency_key="k", requester_person_id="p"
    ).submission
    assert message.address.text == "东山社区 3 幢"
    assert not message.HasField("point")
    assert message.title == "乱停车"
    assert not message.HasField("anonymous_contact")
    bare = {"service_code": "parking", "address_string": "x"}
    titled = mapping.parse_post(
        bare, mapping.attributes_of(bare), services, lang="zh", idempotency_key="k", requester_person_id="p"
    )
    assert titled.submission.title == "停车难"


@pytest.mark.parametrize(
    ("form", "parameter"),
    [
        ({}, "service_code"),
        ({"service_code": "potholes", "address_string": "x"}, "service_code"),
        ({"service_code": "repairs"}, "lat"),
        ({"service_code": "repairs", "address_id": "A1"}, "address_id"),
        ({"service_code": "repairs", "lat": "28.6"}, "long"),
        ({"service_code": "repairs", "lat": "nan", "long": "1"}, "lat"),
        ({"service_code": "repairs", "lat": "91", "long": "1"}, "lat"),
        ({"service_code": "repairs", "address_string": "x", "attribute[colour]": "red"}, "attribute[colour]"),
        ({"service_code": "repairs", "address_string": "x", "attribute[urgency]": "asap"}, "attribute[urgency]"),
        ({"service_code": "repairs", "address_string": "x", "attribute[title]": "t" * 121}, "attribute[title]"),
        ({"service_code": "repairs", "address_string": "x", "media_url": "javascript:alert(1)"}, "media_url"),
        ({"service_code": "repairs", "address_string": "x" * 501}, "address_string"),
    ],
)
def test_bad_posts_name_the_parameter(services: Services, form: dict[str, str], parameter: str) -> None:
    with pytest.raises(Open311Error) as caught:
        post(services, form)
    assert caught.value.code == 400
    assert caught.value.description.startswith(f"{parameter}:")


def test_long_descriptions_give_a_cut_title(services: Services) -> None:
    service = services.get("repairs")
    assert service is not None
    title = mapping.default_title("字" * 300, service, "zh")
    assert len(title) == TITLE_MAX_LENGTH and title.endswith("…")


def test_multi_value_attributes_are_collected() -> None:
    assert mapping.attributes_of({"attribute[a][]": ["1", "2"], "attribute[b]": "x", "other": "y"}) == {
        "a": ["1", "2"],
        "b": ["x"],
    }


def test_service_errors_name_open311_parameters() -> None:
    assert (
        mapping.parameter_message("requester.contact.phone: 'abc' is not a phone number", "requester.contact.phone")
        == "phone: 'abc' is not a phone number"
    )
    assert mapping.parameter_message("something else", "requester.contact.phone") == "something else"


def test_discovery_document() -> None:
    document = mapping.discovery(
        "http://127.0.0.1:8080/open311/v2", changeset=NOW, contact="ops@linli.example", key_service="ask the city"
    )
    endpoint = document["endpoints"][0]  # type: ignore[index]
    assert endpoint["specification"] == mapping.SPECIFICATION
    assert endpoint["formats"] == ["text/xml", "application/json"]
    assert document["changeset"] == "2025-03-10T12:00:00+08:00"


def test_language_of() -> None:
    assert mapping.language_of("zh_CN") == "zh"
    assert mapping.language_of("zh-Hans") == "zh"
    assert mapping.language_of("en") == "en"
    assert mapping.language_of("") == "en"
