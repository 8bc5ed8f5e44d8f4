from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass, field

import pytest

from linli.common.codec import from_document, to_document, utc_millis
from linli.common.errors import InvalidArgument
from linli.common.paging import paginate


class Kind(enum.Enum):
    STREET = 1
    COMMUNITY = 2


@dataclass(frozen=True)
class Point:
    lat: float
    lng: float


@dataclass
class Node:
    id: str
    kind: Kind
    path: tuple[str, ...] = ()
    tags: set[str] = field(default_factory=set)
    location: Point | None = None
    points: tuple[Point, ...] = ()
    created_at: dt.datetime | None = None
    extra: dict[str, object] = field(default_factory=dict)
    derived: int = field(init=False, default=0)
    pending: list[str] = field(default_factory=list)


def test_round_trip_of_nested_dataclasses() -> None:
    when = utc_millis(dt.datetime(2026, 5, 1, 8, 30, 0, 123456, tzinfo=dt.UTC))
    node = Node(
        id="n1",
        kind=Kind.COMMUNITY,
        path=("a", "b"),
        tags={"y", "x"},
        location=Point(28.6, 121.4),
        points=(Point(1, 2), Point(3, 4)),
        created_at=when,
        extra={"k": [1, 2]},
    )
    document = to_document(node, skip={"pending"})
    assert document == {
        "id": "n1",
        "kind": "COMMUNITY",
        "path": ["a", "b"],
        "tags": ["x", "y"],
        "location": {"lat": 28.6, "lng": 121.4},
        "points": [{"lat": 1, "lng": 2}, {"lat": 3, "lng": 4}],
        "created_at": when,
        "extra": {"k": [1, 2]},
    }
    document["created_at"] = when.replace(tzinfo=None)  # BSON returns naive UTC
    back = from_document(Node, document, skip={"pending"})
    assert back == node
    assert isinstance(back.path, tuple) and isinstance(back.tags, set) and back.created_at == when


def test_missing_fields_take_defaults_and_naive_times_are_refused() -> None:
    assert from_document(Node, {"id": "n", "kind": "STREET"}) == Node(id="n", kind=Kind.STREET)
    with pytest.raises(ValueError, match="naive"):
        to_document(Node(id="n", kind=Kind.STREET, created_at=dt.datetime(2026, 1, 1)))
    assert utc_millis(dt.datetime(2026, 1, 1, 0, 0, 0, 999999, tzinfo=dt.UTC)).microsecond == 999000


def test_paging_walks_every_item_once_and_rejects_foreign_tokens() -> None:
    items = list(range(120))
    seen: list[int] = []
    token = ""
    while True:
        page, token, total = paginate(items, 50, token)
        seen.extend(page)
        assert total == 120
        if not token:
            break
    assert seen == items
    with pytest.raises(InvalidArgument) as bad:
        paginate(items, 10, "bm90LWEtdG9rZW4")
    assert bad.value.field == "page.page_token"
    with pytest.raises(InvalidArgument):
        paginate(items, -1, "")
