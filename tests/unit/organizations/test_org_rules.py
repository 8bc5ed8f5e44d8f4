"""Field validation: every error names the field at fault."""

from __future__ import annotations

import pytest

from linli.common.errors import InvalidArgument
from linli.organizations.domain import rules
from linli.organizations.domain.errors import ConflictError, NotFoundError, ValidationError
from linli.organizations.domain.geo import GeoPoint
from linli.organizations.domain.model import Address, Contact, LocalizedText, TimeWindow


def field_of(call: object, *args: object, **kwargs: object) -> str:
    assert callable(call)
    with pytest.raises(InvalidArgument) as err:  # the domain's ValidationError, or the kit geometry's error
        call(*args, **kwargs)
    return err.value.field


def test_name_is_trimmed_and_normalised() -> None:
    assert rules.validate_name(LocalizedText(zh="  东山社区 ", en="")) == LocalizedText(zh="东山社区")
    # NFC: "e" + combining acute becomes one code point
    assert rules.validate_name(LocalizedText(en="Cafe\u0301")).en == "Caf\u00e9"


@pytest.mark.parametrize(
    ("name", "field"),
    [
        (LocalizedText(), "name"),
        (LocalizedText(zh="   ", en="\t"), "name"),
        (LocalizedText(zh="社" * 101), "name.zh"),
        (LocalizedText(zh="ok", en="x" * 101), "name.en"),
        (LocalizedText(en="bad\x00name"), "name.en"),
    ],
)
def test_bad_names_name_the_field(name: LocalizedText, field: str) -> None:
    assert field_of(rules.validate_name, name) == field


def test_name_of_exactly_100_characters_is_fine() -> None:
    assert len(rules.validate_name(LocalizedText(zh="社" * 100)).zh) == 100


def test_empty_name_message_says_so() -> None:
    with pytest.raises(ValidationError) as err:
        rules.validate_name(LocalizedText(), "title")
    assert err.value.field == "title"
    assert "empty" in err.value.message
    assert str(err.value).startswith("title: ")


@pytest.mark.parametrize("code", ["TZ", "tz-jj.by_01", "0", "A" * 64])
def test_valid_codes(code: str) -> None:
    assert rules.validate_code(code) == code


@pytest.mark.parametrize("code", ["", "-lead", "_x", "has space", "A" * 65, "社区", "a/b"])
def test_invalid_codes(code: str) -> None:
    assert field_of(rules.validate_code, code) == "code"


def test_contacts_name_index_and_subfield() -> None:
    ok = Contact(name="王", phone="+86 576-8888 1234")
    assert rules.validate_contacts([ok]) == (ok,)
    assert field_of(rules.validate_contacts, [ok, Contact(name="x", phone="call me")]) == "contacts[1].phone"
    assert field_of(rules.validate_contacts, [Contact(email="nope")]) == "contacts[0].email"
    assert field_of(rules.validate_contacts, [Contact(name="only a name")]) == "contacts[0]"


def test_address_and_location() -> None:
    assert rules.validate_address(Address()) is None
    assert rules.validate_address(None) is None
    addr = rules.validate_address(Address(text=" 白云街道 ", point=GeoPoint(28.6, 121.4)))
    assert addr is not None and addr.text == "白云街道"
    assert field_of(rules.validate_address, Address(point=GeoPoint(91, 0))) == "address.point.lat"
    assert field_of(rules.validate_location, GeoPoint(0, 181)) == "location.lng"
    assert field_of(rules.validate_location, GeoPoint(float("nan"), 0)) == "location.lat"
    assert field_of(rules.validate_address, Address(detail="x" * 501)) == "address.detail"


def test_time_windows() -> None:
    windows = rules.validate_time_windows(
        [TimeWindow(2, "14:00", "18:00"), TimeWindow(1, "08:00", "12:00"), TimeWindow(2, "08:30", "12:00")]
    )
    assert [(w.weekday, w.start) for w in windows] == [(1, "08:00"), (2, "08:30"), (2, "14:00")]
    assert rules.validate_time_windows([TimeWindow(7, "20:00", "24:00")])[0].end_minute == 1440


@pytest.mark.parametrize(
    ("window", "field"),
    [
        (TimeWindow(0, "08:00", "12:00"), "opening_hours[0].weekday"),
        (TimeWindow(8, "08:00", "12:00"), "opening_hours[0].weekday"),
        (TimeWindow(1, "8:00", "12:00"), "opening_hours[0].start"),
        (TimeWindow(1, "24:00", "24:00"), "opening_hours[0].start"),
        (TimeWindow(1, "08:00", "25:00"), "opening_hours[0].end"),
        (TimeWindow(1, "12:00", "12:00"), "opening_hours[0].end"),
        (TimeWindow(1, "12:00", "08:00"), "opening_hours[0].end"),
    ],
)
def test_bad_time_windows(window: TimeWindow, field: str) -> None:
    assert field_of(rules.validate_time_windows, [window]) == field


def test_overlapping_windows_are_rejected() -> None:
    windows = [TimeWindow(3, "08:00", "12:00"), TimeWindow(3, "11:59", "13:00")]
    assert field_of(rules.validate_time_windows, windows) == "opening_hours[1]"
    # touching windows are fine
    assert len(rules.validate_time_windows([TimeWindow(3, "08:00", "12:00"), TimeWindow(3, "12:00", "13:00")])) == 2


def test_categories_and_deadline() -> None:
    assert rules.validate_categories([" Noise", "noise", "road.damage"]) == ("noise", "road.damage")
    assert field_of(rules.validate_categories, ["ok", "not ok"]) == "accepted_categories[1]"
    assert field_of(rules.validate_response_deadline, -1) == "response_deadline_minutes"
    assert field_of(rules.validate_response_deadline, 10**9) == "response_deadline_minutes"


def test_ids() -> None:
    assert rules.validate_id(" p-1 ", "person_id") == "p-1"
    assert field_of(rules.validate_id, "", "person_id") == "person_id"
    assert field_of(rules.validate_id, "a b", "person_id") == "person_id"
    assert rules.validate_id_list(["a", "b", "a"], "ids") == ("a", "b")
    assert field_of(rules.validate_id_list, ["a", ""], "worker_person_ids") == "worker_person_ids[1]"


def test_check_version_and_require_found() -> None:
    rules.check_version(3, 0, "x")
    rules.check_version(3, 3, "x")
    with pytest.raises(ConflictError) as err:
        rules.check_version(3, 2, "organisation o1")
    assert err.value.field == "expected_version"
    assert "version 3" in err.value.message
    assert rules.require_found(5, "parent_id", "parent") == 5
    with pytest.raises(NotFoundError) as nf:
        rules.require_found(None, "parent_id", "parent p9")
    assert nf.value.field == "parent_id"
