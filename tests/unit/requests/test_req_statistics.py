"""Statistics, the public board and the ledger CSV."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta

import pytest

from linli.common.errors import InvalidArgument
from linli.requests.domain import dispatch, lifecycle, moderation
from linli.requests.domain.model import Contact, Request, Requester, Status
from linli.requests.domain.statistics import (
    Dimension,
    Granularity,
    metrics,
    period_label,
    public_board,
    statistics,
)
from linli.requests.entrypoints import convert
from linli.requests.entrypoints.ledger_csv import LEDGER_COLUMNS, PERSONAL_COLUMNS, ledger_csv, ledger_csv_chunks
from tests.unit.requests.req_support import (
    DISPATCHER,
    NOW,
    OTHER_PLACE,
    PLACE,
    POINT,
    RESIDENT,
    VOL1,
    VOLUNTEER_1,
    accepted,
    cancelled,
    closed,
    in_progress,
    merged,
    rated,
    rejected,
    resolved,
    submitted,
)

START = NOW - timedelta(days=1)
END = NOW + timedelta(days=1)


def _sample() -> list[Request]:
    late = in_progress()
    lifecycle.resolve(late, VOL1, text="done late", now=late.resolve_by + timedelta(hours=1))
    poor = resolved()
    lifecycle.rate(poor, RESIDENT, stars=1, now=NOW + timedelta(hours=5))  # reopened
    return [
        submitted(),
        accepted(),
        rejected(),
        cancelled(),
        merged(),  # 5: 3 not received
        resolved(),
        rated(),
        closed(),
        late,
        poor,
        submitted(place=OTHER_PLACE),
    ]


def test_metrics() -> None:
    got = metrics(_sample())
    assert got.total == 11
    assert got.received == 8  # rejected, cancelled, merged are not work
    assert got.solved == 4  # resolved, rated, closed, late
    assert got.closure_rate == 0.5
    assert got.on_time == 3 and got.on_time_rate == 0.75
    assert got.rated == 3  # rated 5, closed (rated 5), poor (1, reopened)
    assert got.mean_rating == pytest.approx(11 / 3, abs=1e-3)
    assert got.satisfied_share == pytest.approx(0.6667, abs=1e-4)
    assert got.median_seconds_to_accept == 0.0
    assert got.median_seconds_to_resolve == 2 * 3600.0


def test_empty_metrics() -> None:
    got = metrics([])
    assert (got.total, got.closure_rate, got.mean_rating, got.median_seconds_to_accept) == (0, 0.0, None, None)


def test_grouping_scope_and_period() -> None:
    sample = _sample()
    stats = statistics(sample, period_start=START, period_end=END, group_by=[Dimension.COMMUNITY, Dimension.STATUS])
    assert stats.overall.total == 11
    keys = {b.key: b.metrics.total for b in stats.buckets}
    assert keys[("c9", "SUBMITTED")] == 1
    assert keys[("c1", "SUBMITTED")] == 1
    assert sum(keys.values()) == 11
    scoped = statistics(sample, period_start=START, period_end=END, scope_id="s9")
    assert scoped.overall.total == 1
    ancestor = statistics(sample, period_start=START, period_end=END, scope_id="d1")
    assert ancestor.overall.total == 11
    before = statistics(sample, period_start=START - timedelta(days=9), period_end=START)
    assert before.overall.total == 0
    by_category = statistics(sample, period_start=START, period_end=END, categories=["parking"])
    assert by_category.overall.total == 0
    with pytest.raises(InvalidArgument) as raised:
        statistics(sample, period_start=END, period_end=START)
    assert raised.value.field == "period_end"
    with pytest.raises(InvalidArgument):
        statistics(sample, period_start=START, period_end=END, group_by=[Dimension.GRID, Dimension.GRID])


@pytest.mark.parametrize(
    ("granularity", "label"),
    [
        (Granularity.DAY, "2025-03-01"),
        (Granularity.WEEK, "2025-W09"),
        (Granularity.MONTH, "2025-03"),
        (Granularity.YEAR, "2025"),
    ],
)
def test_period_labels_use_local_time(granularity: Granularity, label: str) -> None:
    late_evening_utc = datetime(2025, 2, 28, 17, 0, tzinfo=UTC)  # 1 March 01:00 in UTC+8
    assert period_label(late_evening_utc, granularity) == label


def test_public_board_has_no_personal_data() -> None:
    sample = _sample()
    hidden = resolved()
    moderation.moderate(hidden, DISPATCHER, hidden=True, reason="private", now=NOW)
    board = public_board([*sample, hidden], period_start=START, period_end=END)
    assert board.overall.total == 9  # hidden, merged and rejected requests are not published
    assert {b.key for b in board.communities} == {("c1",), ("c9",)}
    assert hidden.id not in {r.id for r in board.recent_results}
    assert len(board.recent_results) == 4
    resolved_times = [r.resolved_at for r in board.recent_results]
    assert resolved_times == sorted(resolved_times, reverse=True)  # type: ignore[type-var]
    text = json.dumps(convert.public_board(board), ensure_ascii=False)
    for secret in ("p-resident", "p-disp", "p-vol1", "13812345678", "东山社区3号楼2单元301", "v-1"):
        assert secret not in text


def _rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))


def test_ledger_csv_without_personal_data() -> None:
    request = dispatched_to_volunteer()
    rows = _rows(ledger_csv([request]))
    assert rows[0] == list(LEDGER_COLUMNS)
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["id"] == request.id and row["status"] == "DISPATCHED"
    assert row["assignee_kind"] == "VOLUNTEER" and row["assignee_id"] == ""
    assert "13812345678" not in rows[1][LEDGER_COLUMNS.index("title")]
    text = ledger_csv([request])
    for secret in ("p-resident", "13812345678", "东山社区3号楼2单元301"):
        assert secret not in text


def dispatched_to_volunteer() -> Request:
    request = accepted()
    dispatch.dispatch(request, DISPATCHER, assignee=VOLUNTEER_1, now=NOW)
    return request


def test_ledger_csv_with_personal_data_and_formula_guard() -> None:
    request = lifecycle.submit(
        lifecycle.Submission(
            category="repairs",
            title='=HYPERLINK("http://evil")',
            description="-2+3",
            point=POINT,
            requester=Requester(contact=Contact(name="张三", phone="13800000000")),
        ),
        request_id="req-csv",
        place=PLACE,
        caller=DISPATCHER,
        now=NOW,
    )
    rows = _rows(ledger_csv([request], include_personal=True))
    assert rows[0] == list(LEDGER_COLUMNS + PERSONAL_COLUMNS)
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["title"].startswith("'=")
    assert row["description"] == "'-2+3"
    assert (row["contact_name"], row["contact_phone"]) == ("张三", "13800000000")


def test_csv_chunks() -> None:
    requests = [submitted() for _ in range(30)]
    chunks = list(ledger_csv_chunks(requests, chunk_bytes=1024))
    assert len(chunks) > 1
    assert b"".join(chunks).decode().startswith("\ufeffid,")
    assert len(_rows(b"".join(chunks).decode())) == 31
    assert all(r.status is Status.SUBMITTED for r in requests)
