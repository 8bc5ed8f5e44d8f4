"""The category catalogue: seeded data, configuration from plain data, overrides."""

from __future__ import annotations

from typing import Any

import pytest

from linli.common.errors import InvalidArgument
from linli.requests.domain.catalogue import DEFAULT_CATALOGUE, Catalogue
from linli.requests.domain.model import Urgency

REPORTED = (
    "repairs",
    "elderly_care",
    "illegal_construction",
    "flying_wire_charging",
    "throwing_objects",
    "parking",
    "water_supply",
    "heating",
    "road_flooding",
    "poor_signal",
    "neighbour_dispute",
)


def test_seeded_categories_from_the_reports() -> None:
    for code in REPORTED:
        category = DEFAULT_CATALOGUE.category(code)
        assert category.zh and category.en
        assert 0 < category.accept_minutes <= category.resolve_minutes
        assert category.department_code in DEFAULT_CATALOGUE.departments
    assert DEFAULT_CATALOGUE.category("illegal_construction").department_code == "JJ-URBAN"
    assert DEFAULT_CATALOGUE.category("poor_signal").department_code == "JJ-TELECOM"
    assert DEFAULT_CATALOGUE.category("road_flooding").default_urgency is Urgency.URGENT
    assert DEFAULT_CATALOGUE.category(" Repairs ").code == "repairs"


def test_unknown_category_names_the_field() -> None:
    with pytest.raises(InvalidArgument) as raised:
        DEFAULT_CATALOGUE.category("unicorns", "parts[2].category")
    assert raised.value.field == "parts[2].category"
    assert "unicorns" in raised.value.message


def test_round_trip_and_overrides() -> None:
    again = Catalogue.from_dict(DEFAULT_CATALOGUE.to_dict())
    assert again == DEFAULT_CATALOGUE
    city = DEFAULT_CATALOGUE.with_overrides(
        {
            "categories": [
                {"code": "parking", "resolve_minutes": 2880},
                {
                    "code": "garbage",
                    "zh": "垃圾清运",
                    "en": "Garbage",
                    "accept_minutes": 60,
                    "resolve_minutes": 600,
                    "department_code": "JJ-URBAN",
                    "default_urgency": "low",
                },
            ],
            "departments": [{"code": "JJ-POLICE", "response_minutes": 30}],
        }
    )
    assert city.category("parking").resolve_minutes == 2880
    assert city.category("parking").accept_minutes == 120  # untouched fields keep their value
    assert city.category("garbage").default_urgency is Urgency.LOW
    police = city.department("JJ-POLICE")
    assert police is not None and police.response_minutes == 30
    assert DEFAULT_CATALOGUE.category("parking").resolve_minutes == 4320  # the default is unchanged


def test_retired_categories_are_refused_for_new_requests() -> None:
    retired = DEFAULT_CATALOGUE.retire("heating")
    with pytest.raises(InvalidArgument):
        retired.category("heating")
    assert "heating" in retired.categories
    assert all(c.code != "heating" for c in retired.list_categories())
    assert any(c.code == "heating" for c in retired.list_categories(include_retired=True))


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"categories": [{"code": "Bad Code", "accept_minutes": 1, "resolve_minutes": 1}]}, "categories[0].code"),
        ({"categories": [{"code": "x", "accept_minutes": 0, "resolve_minutes": 1}]}, "categories[0].accept_minutes"),
        ({"categories": [{"code": "x", "accept_minutes": 60, "resolve_minutes": 30}]}, "categories[0].resolve_minutes"),
        (
            {"categories": [{"code": "x", "accept_minutes": True, "resolve_minutes": 30}]},
            "categories[0].accept_minutes",
        ),
        (
            {"categories": [{"code": "x", "accept_minutes": 1, "resolve_minutes": 1, "default_urgency": "asap"}]},
            "categories[0].default_urgency",
        ),
        (
            {"categories": [{"code": "x", "accept_minutes": 1, "resolve_minutes": 1, "department_code": "JJ-NONE"}]},
            "categories",
        ),
        ({"categories": [{"code": "x", "accept_minutes": 1, "resolve_minutes": 1}] * 2}, "categories"),
        ({"departments": [{"code": "D", "response_minutes": -5}]}, "departments[0].response_minutes"),
    ],
)
def test_bad_configuration_is_reported_with_its_path(data: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidArgument) as raised:
        Catalogue.from_dict(data)
    assert raised.value.field == field
