"""The posts catalogue, skills taxonomy and category map are data with lookup helpers."""

from __future__ import annotations

import pytest

from linli.common.errors import InvalidArgument
from linli.requests.domain.catalogue import DEFAULT_CATALOGUE
from linli.volunteers.domain import catalogue


def test_ten_posts_and_unique_codes() -> None:
    posts = catalogue.list_posts()
    assert len(posts) == 10
    assert {p.code for p in posts} >= {"civility_persuasion", "dispute_mediation", "policy_publicity", "safety_patrol"}
    assert all(p.zh and p.en for p in posts)


def test_skills_have_stable_bits_in_taxonomy_order() -> None:
    skills = catalogue.list_skills()
    assert [s.bit for s in skills] == list(range(len(skills)))
    assert len(skills) <= catalogue.MAX_SKILLS
    assert {s.code for s in skills} >= {"electrical_repair", "plumbing", "first_aid", "legal_advice", "tutoring"}
    assert all(s.group for s in skills)


def test_lookups() -> None:
    assert catalogue.post("dispute_mediation") is not None
    assert catalogue.post("nope") is None
    entry = catalogue.skill("plumbing")
    assert entry is not None
    assert entry.zh == "水管维修"


def test_validate_codes_normalises_and_dedupes() -> None:
    assert catalogue.validate_skill_codes([" Plumbing", "first_aid", "plumbing"]) == ("plumbing", "first_aid")
    assert catalogue.validate_post_codes(["safety_patrol"]) == ("safety_patrol",)


@pytest.mark.parametrize(
    ("call", "codes", "field"),
    [
        (catalogue.validate_skill_codes, ["plumbing", "juggling"], "skills[1]"),
        (catalogue.validate_post_codes, ["mayor"], "posts[0]"),
    ],
)
def test_unknown_codes_name_the_position(call: object, codes: list[str], field: str) -> None:
    assert callable(call)
    with pytest.raises(InvalidArgument) as err:
        call(codes)
    assert err.value.field == field
    assert codes[-1] in err.value.message


def test_masks_round_trip() -> None:
    mask = catalogue.skill_mask(["plumbing", "electrical_repair"])
    assert mask.bit_count() == 2
    assert catalogue.skills_of_mask(mask) == ("electrical_repair", "plumbing")


def test_category_map_falls_back_to_prefix() -> None:
    assert catalogue.skills_for_category("repairs.electrical") == ("electrical_repair",)
    assert catalogue.skills_for_category("Repairs.Electrical.Socket") == ("electrical_repair",)
    assert "plumbing" in catalogue.skills_for_category("repairs.roof")
    assert catalogue.skills_for_category("parking") == ()


def test_category_map_speaks_the_requests_catalogue() -> None:
    """Every key is a request category code (or a dotted refinement of one), so a request's
    category always finds its skills; categories no volunteer skill answers are left out."""
    request_codes = set(DEFAULT_CATALOGUE.categories)
    assert {key.partition(".")[0] for key in catalogue.CATEGORY_SKILLS_DATA} <= request_codes
    for code in ("water_supply", "medical", "neighbour_dispute", "poor_signal", "care_visit", "environment"):
        assert catalogue.skills_for_category(code), code
    for code in ("parking", "food_safety", "pricing", "suggestion", "other"):
        assert catalogue.skills_for_category(code) == (), code
