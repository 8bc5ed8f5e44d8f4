"""Duplicate suggestions (category, distance, time, text) and merging."""

from __future__ import annotations

from datetime import timedelta

import pytest

from linli.common.errors import FailedPrecondition, InvalidArgument, PermissionDenied
from linli.requests.adapters.event_payloads import encode
from linli.requests.domain import duplicates, lifecycle
from linli.requests.domain import events as ev
from linli.requests.domain.duplicates import DuplicateProbe, distance_m, similarity, suggest_duplicates, tokens
from linli.requests.domain.model import Address, GeoPoint, Requester, Status
from tests.unit.requests.req_support import (
    DISPATCHER,
    NOW,
    OTHER_PLACE,
    OTHER_RESIDENT,
    POINT,
    RESIDENT,
    accepted,
    cancelled,
    closed,
    person,
    submitted,
)

#: About 110 m north of POINT per 0.001 degree of latitude.
NEAR = GeoPoint(POINT.lat + 0.001, POINT.lng)
FAR = GeoPoint(POINT.lat + 0.004, POINT.lng)


def test_tokens_cover_chinese_bigrams_and_words() -> None:
    assert tokens("楼道灯坏了 Corridor LIGHT") == frozenset({"楼道", "道灯", "灯坏", "坏了", "corridor", "light"})
    assert tokens("灯") == frozenset({"灯"})
    assert tokens("the and of") == frozenset()


def test_similarity() -> None:
    assert similarity("楼道灯坏了", "楼道灯坏了") == 1.0
    assert similarity("楼道灯坏了", "停车位不够") == 0.0
    assert 0.0 < similarity("3号楼楼道灯坏了", "楼道的灯坏了, 很黑") < 1.0
    assert similarity("", "anything") == 0.0


def test_distance() -> None:
    assert distance_m(POINT, POINT) == 0.0
    assert 100 < distance_m(POINT, NEAR) < 120


def _probe(**overrides: object) -> DuplicateProbe:
    values: dict[str, object] = {
        "category": "repairs",
        "text": "楼道灯坏了 晚上很黑",
        "at": NOW + timedelta(days=1),
        "point": NEAR,
    }
    values.update(overrides)
    return DuplicateProbe(**values)  # type: ignore[arg-type]


def test_suggests_same_category_nearby_recent_similar() -> None:
    original = submitted(title="楼道灯坏了", description="")
    (suggestion,) = suggest_duplicates(_probe(), [original])
    assert suggestion.request_id == original.id
    assert 0.4 <= suggestion.score <= 1.0
    assert suggestion.distance_m is not None and 100 < suggestion.distance_m < 120


@pytest.mark.parametrize(
    "overrides",
    [
        {"category": "parking"},
        {"point": FAR},
        {"at": NOW + timedelta(days=8)},
        {"text": "停车位不够"},
    ],
)
def test_not_a_duplicate(overrides: dict[str, object]) -> None:
    original = submitted(title="楼道灯坏了", description="")
    assert suggest_duplicates(_probe(**overrides), [original]) == []


def test_gone_requests_and_itself_are_not_suggested() -> None:
    gone = cancelled()
    assert suggest_duplicates(_probe(text=gone.title), [gone]) == []
    itself = submitted()
    assert suggest_duplicates(DuplicateProbe.of(itself), [itself]) == []
    # a closed request can still be the original (the problem came back)
    done = closed()
    assert [s.request_id for s in suggest_duplicates(_probe(text=done.title), [done])] == [done.id]


def test_without_coordinates_same_grid_counts_as_nearby() -> None:
    original = submitted(title="楼道灯坏了", description="", point=None, address=Address(text="东山社区3号楼"))
    (suggestion,) = suggest_duplicates(_probe(point=None, grid_id="g1"), [original])
    assert suggestion.distance_m is None
    assert suggest_duplicates(_probe(point=None, grid_id="g2"), [original]) == []


def test_ordering_and_limit() -> None:
    exact = submitted(title="楼道灯坏了 晚上很黑", description="")
    partial = submitted(title="楼道灯不亮", description="")
    far_in_time = submitted(now=NOW - timedelta(days=5), title="楼道灯坏了 晚上很黑", description="")
    found = suggest_duplicates(_probe(), [partial, far_in_time, exact])
    assert [s.request_id for s in found][:2] == [exact.id, far_in_time.id]
    assert found == sorted(found, key=lambda s: -s.score)
    assert len(suggest_duplicates(_probe(), [exact], duplicates.DuplicatePolicy(limit=0))) == 0


def test_merge_moves_followers_to_the_original() -> None:
    original = accepted()
    duplicate = lifecycle.submit(
        lifecycle.Submission(category="repairs", title="灯坏了", point=POINT, requester=Requester(person_id="p-other")),
        request_id="req-dup",
        place=original.place,
        caller=OTHER_RESIDENT,
        now=NOW,
    )
    lifecycle.follow(duplicate, person("p-neighbour", "resident"), now=NOW)
    audience = duplicates.merge(duplicate, original, DISPATCHER, reason="same light", now=NOW)
    assert duplicate.status is Status.MERGED
    assert duplicate.merged_into_id == original.id
    assert duplicate.followers == frozenset()
    assert original.followers == {"p-other", "p-neighbour"}
    assert original.duplicate_ids == ("req-dup",)
    assert audience == {"p-other", "p-neighbour", "p-resident"}
    assert original.status is Status.ACCEPTED
    assert original.history[-1].action == "absorb_duplicate"
    for value in (duplicate, original):
        merged = next(encode(e) for e in value.pending_events if e.type == ev.REQUEST_MERGED)
        assert merged.subject == value.id
        assert merged.payload["followerPersonIds"] == ["p-neighbour", "p-other", "p-resident"]


def test_merge_chain_carries_earlier_duplicates() -> None:
    first = submitted()
    second = submitted()
    third = accepted()
    duplicates.merge(first, second, DISPATCHER, reason="", now=NOW)
    duplicates.merge(second, third, DISPATCHER, reason="", now=NOW)
    assert third.duplicate_ids == (second.id, first.id)


def test_merge_refusals_change_nothing() -> None:
    original = accepted()
    duplicate = submitted()
    with pytest.raises(InvalidArgument):
        duplicates.merge(original, original, DISPATCHER, reason="", now=NOW)
    with pytest.raises(PermissionDenied):
        duplicates.merge(duplicate, original, RESIDENT, reason="", now=NOW)
    foreign = submitted(place=OTHER_PLACE)
    with pytest.raises(PermissionDenied):
        duplicates.merge(duplicate, foreign, DISPATCHER, reason="", now=NOW)
    with pytest.raises(FailedPrecondition):
        duplicates.merge(duplicate, cancelled(), DISPATCHER, reason="", now=NOW)
    assert duplicate.status is Status.SUBMITTED and duplicate.version == 1
    assert original.duplicate_ids == ()


def test_a_flood_is_compared_with_the_closest_in_time_only() -> None:
    probe_request = submitted(NOW)
    flood = [submitted(NOW - timedelta(minutes=m)) for m in range(1, 61)]
    far_candidate = submitted(NOW - timedelta(minutes=5), point=FAR, address=None)  # not nearby: never counted
    policy = duplicates.DuplicatePolicy(max_candidates=10, limit=100)
    found = suggest_duplicates(DuplicateProbe.of(probe_request), [*reversed(flood), far_candidate], policy)
    assert {s.request_id for s in found} == {r.id for r in flood[:10]}
    assert (
        len(suggest_duplicates(DuplicateProbe.of(probe_request), flood, duplicates.DuplicatePolicy(limit=100))) == 20
    )  # the default bound
