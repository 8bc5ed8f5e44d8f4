"""Field validation: bad input gets InvalidArgument naming the field."""

from __future__ import annotations

import math
from collections.abc import Callable

import pytest

from linli.common.errors import Conflict, InvalidArgument
from linli.volunteers.domain import rules
from linli.volunteers.domain.model import GeoPoint, TimeWindow


def field_of(call: Callable[..., object], *args: object) -> str:
    with pytest.raises(InvalidArgument) as err:
        call(*args)
    assert err.value.message
    return err.value.field


@pytest.mark.parametrize(
    ("point", "field"),
    [
        (GeoPoint(91.0, 121.0), "home.lat"),
        (GeoPoint(math.nan, 121.0), "home.lat"),
        (GeoPoint(28.6, -181.0), "home.lng"),
        (GeoPoint(28.6, math.inf), "home.lng"),
        (GeoPoint(0.0, 0.0), "home"),
        (None, "home"),
    ],
)
def test_invalid_coordinates(point: GeoPoint | None, field: str) -> None:
    assert field_of(rules.validate_point, point, "home") == field


def test_valid_point_passes() -> None:
    assert rules.validate_point(GeoPoint(28.6, 121.4), "home") == GeoPoint(28.6, 121.4)


@pytest.mark.parametrize("radius", [0.0, -1.0, 50.01, math.nan])
def test_radius_must_be_within_0_and_50_km(radius: float) -> None:
    assert field_of(rules.validate_radius, radius) == "service_radius_km"


@pytest.mark.parametrize("radius", [0.1, 50.0])
def test_radius_bounds_are_inclusive_at_50(radius: float) -> None:
    assert rules.validate_radius(radius) == radius


@pytest.mark.parametrize("tasks", [0, 21, -3])
def test_max_concurrent_tasks_range(tasks: int) -> None:
    assert field_of(rules.validate_max_concurrent_tasks, tasks) == "max_concurrent_tasks"


@pytest.mark.parametrize(
    ("windows", "field", "words"),
    [
        ([TimeWindow(0, "08:00", "09:00")], "availability[0].weekday", "Monday"),
        ([TimeWindow(8, "08:00", "09:00")], "availability[0].weekday", "Sunday"),
        ([TimeWindow(1, "8:00", "09:00")], "availability[0].start", "HH:MM"),
        ([TimeWindow(1, "08:00", "24:30")], "availability[0].end", "HH:MM"),
        ([TimeWindow(1, "08:60", "09:00")], "availability[0].start", "HH:MM"),
        ([TimeWindow(1, "10:00", "09:00")], "availability[0].end", "after start"),
        ([TimeWindow(1, "10:00", "10:00")], "availability[0].end", "after start"),
        ([TimeWindow(2, "22:00", "02:00")], "availability[0].end", "midnight"),
        (
            [TimeWindow(1, "08:00", "12:00"), TimeWindow(2, "08:00", "09:00"), TimeWindow(1, "11:00", "13:00")],
            "availability[2]",
            "overlaps",
        ),
    ],
)
def test_bad_availability_windows(windows: list[TimeWindow], field: str, words: str) -> None:
    with pytest.raises(InvalidArgument) as err:
        rules.validate_availability(windows)
    assert err.value.field == field
    assert words in err.value.message


def test_touching_windows_are_fine_and_sorted() -> None:
    windows = [TimeWindow(3, "12:00", "24:00"), TimeWindow(1, "08:00", "12:00"), TimeWindow(3, "08:00", "12:00")]
    assert rules.validate_availability(windows) == (windows[1], windows[2], windows[0])


@pytest.mark.parametrize(("hours", "words"), [(-0.5, "negative"), (24.5, "at most"), (math.nan, "number")])
def test_task_hours(hours: float, words: str) -> None:
    with pytest.raises(InvalidArgument) as err:
        rules.validate_task_hours(hours)
    assert err.value.field == "hours"
    assert words in err.value.message


def test_task_hours_are_rounded_to_hundredths() -> None:
    assert rules.validate_task_hours(1.234) == 1.23
    assert rules.validate_task_hours(0) == 0


@pytest.mark.parametrize("rating", [0, 6, -1])
def test_rating_range(rating: int) -> None:
    assert field_of(rules.validate_rating, rating) == "rating"


def test_correction_amounts() -> None:
    assert rules.validate_correction_amounts(-1.5, -20) == (-1.5, -20)
    assert field_of(rules.validate_correction_amounts, 0.0, 0) == "points_delta"
    assert field_of(rules.validate_correction_amounts, math.inf, 1) == "hours_delta"
    assert field_of(rules.validate_correction_amounts, 0.0, 10**9) == "points_delta"


def test_text_and_ids() -> None:
    assert rules.validate_display_name("  王 师傅 ") == "王 师傅"
    assert field_of(rules.validate_display_name, "   ") == "display_name"
    assert field_of(rules.validate_display_name, "x" * 41) == "display_name"
    assert field_of(rules.validate_display_name, "bad\x00name") == "display_name"
    assert field_of(rules.validate_id, "has space", "team_id") == "team_id"
    assert rules.validate_optional_id("  ", "workplace_community_id") == ""
    assert field_of(rules.validate_phone, "call me") == "phone"


def test_texts_ids_and_keys_follow_the_kit_with_single_line_texts() -> None:
    with pytest.raises(InvalidArgument) as empty:
        rules.validate_display_name(" ")
    assert empty.value.message == "display_name: must not be empty"
    with pytest.raises(InvalidArgument) as bad_id:
        rules.validate_id("has space", "team_id")
    assert bad_id.value.message == "team_id: 'has space' is not a valid id"
    for multi_line in ("two\nlines", "tab\there"):
        assert field_of(rules.validate_text, multi_line, "name") == "name"
    assert field_of(rules.validate_idempotency_key, "k" * 201) == "idempotency_key"
    assert rules.validate_idempotency_key("k" * 200) == "k" * 200


def test_languages() -> None:
    assert rules.validate_languages(["ZH", "zh", "en", "zh-wuu"]) == ("zh", "en", "zh-wuu")
    assert field_of(rules.validate_languages, ["en", "english!"]) == "languages[1]"


def test_stale_version_is_a_conflict() -> None:
    rules.check_version(3, 0)
    rules.check_version(3, 3)
    with pytest.raises(Conflict) as err:
        rules.check_version(3, 2)
    assert err.value.field == "expected_version"
