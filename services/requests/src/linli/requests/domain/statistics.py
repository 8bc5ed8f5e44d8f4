"""Statistics, the public results board (结果公示) and the selection for the ledger export.

Definitions (the reports' headline figures, e.g. Fengxin's "1,364 solved, 91.8% closure"):

- *total*: requests submitted in the period (and scope);
- *received*: total minus rejected, cancelled and merged (never real work);
- *solved*: resolved, rated or closed; *closure rate* = solved / received;
- *on time*: solved by the resolve deadline and never found breaching it;
  *on-time rate* = on time / solved;
- medians of seconds from submission to acceptance and to resolution;
- *satisfaction*: mean rating, and the share of ratings that are 4 or 5.

Requests are selected by submission time in ``[period_start, period_end)`` and by scope:
an organisation id on the request's place (grid, community, street or any ancestor).
Period buckets are labelled in the city's local time. The board is built only from
``public_view`` records, so it cannot carry personal data. The CSV export itself is written
at the edge (``entrypoints.ledger_csv``).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from linli.common.errors import InvalidArgument

from .model import (
    CITY_TZ,
    NOT_RECEIVED_STATUSES,
    SOLVED_STATUSES,
    Request,
)
from .publication import PublicRequest, is_published, on_time, public_view


class Dimension(enum.Enum):
    """What to group by (``linli.v1.StatisticsDimension``)."""

    STATUS = "status"
    CATEGORY = "category"
    COMMUNITY = "community"
    GRID = "grid"
    PERIOD = "period"


class Granularity(enum.Enum):
    """Period bucket size (``linli.v1.PeriodGranularity``)."""

    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    YEAR = "year"


@dataclass(frozen=True, slots=True)
class Metrics:
    total: int = 0
    received: int = 0
    solved: int = 0
    on_time: int = 0
    rated: int = 0
    closure_rate: float = 0.0
    on_time_rate: float = 0.0
    median_seconds_to_accept: float | None = None
    median_seconds_to_resolve: float | None = None
    mean_rating: float | None = None
    satisfied_share: float = 0.0


@dataclass(frozen=True, slots=True)
class Bucket:
    """One group: its key (one value per grouping dimension, in order) and its metrics."""

    key: tuple[str, ...]
    metrics: Metrics


@dataclass(frozen=True, slots=True)
class Statistics:
    scope_id: str
    period_start: datetime
    period_end: datetime
    group_by: tuple[Dimension, ...]
    overall: Metrics
    buckets: tuple[Bucket, ...]


def _median(values: Sequence[float]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def _ratio(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


def metrics(requests: Iterable[Request]) -> Metrics:
    """The headline figures of a set of requests."""
    items = list(requests)
    received = [r for r in items if r.status not in NOT_RECEIVED_STATUSES]
    solved = [r for r in received if r.status in SOLVED_STATUSES]
    timely = [r for r in solved if on_time(r)]
    ratings = [r.rating.stars for r in received if r.rating is not None]
    to_accept = [(r.accepted_at - r.submitted_at).total_seconds() for r in received if r.accepted_at]
    to_resolve = [(r.resolved_at - r.submitted_at).total_seconds() for r in solved if r.resolved_at]
    return Metrics(
        total=len(items),
        received=len(received),
        solved=len(solved),
        on_time=len(timely),
        rated=len(ratings),
        closure_rate=_ratio(len(solved), len(received)),
        on_time_rate=_ratio(len(timely), len(solved)),
        median_seconds_to_accept=_median(to_accept),
        median_seconds_to_resolve=_median(to_resolve),
        mean_rating=round(sum(ratings) / len(ratings), 3) if ratings else None,
        satisfied_share=_ratio(sum(1 for s in ratings if s >= 4), len(ratings)),
    )


def check_period(period_start: datetime, period_end: datetime) -> None:
    if period_end <= period_start:
        raise InvalidArgument("period_end: must be after period_start", field="period_end")


def in_scope(request: Request, scope_id: str) -> bool:
    """True when ``scope_id`` is "" (everywhere) or an organisation on the request's place."""
    return not scope_id or scope_id in request.place.scope_ids


def select(
    requests: Iterable[Request],
    *,
    period_start: datetime,
    period_end: datetime,
    scope_id: str = "",
    categories: Iterable[str] = (),
) -> list[Request]:
    """Requests submitted in ``[period_start, period_end)``, in scope and category."""
    check_period(period_start, period_end)
    wanted = set(categories)
    return [
        r
        for r in requests
        if period_start <= r.submitted_at < period_end
        and in_scope(r, scope_id)
        and (not wanted or r.category in wanted)
    ]


def period_label(moment: datetime, granularity: Granularity) -> str:
    """ "2025-03-01", "2025-W09" (ISO week), "2025-03" or "2025", in local time."""
    local = moment.astimezone(CITY_TZ)
    if granularity is Granularity.DAY:
        return f"{local:%Y-%m-%d}"
    if granularity is Granularity.WEEK:
        year, week, _ = local.isocalendar()
        return f"{year}-W{week:02d}"
    if granularity is Granularity.MONTH:
        return f"{local:%Y-%m}"
    return f"{local:%Y}"


def _key_part(request: Request, dimension: Dimension, granularity: Granularity) -> str:
    if dimension is Dimension.STATUS:
        return request.status.name
    if dimension is Dimension.CATEGORY:
        return request.category
    if dimension is Dimension.COMMUNITY:
        return request.place.community_id
    if dimension is Dimension.GRID:
        return request.place.grid_id
    return period_label(request.submitted_at, granularity)


def group(
    requests: Iterable[Request], group_by: Sequence[Dimension], granularity: Granularity = Granularity.MONTH
) -> list[Bucket]:
    """Metrics per combination of the dimensions' values, sorted by key."""
    groups: dict[tuple[str, ...], list[Request]] = {}
    for request in requests:
        key = tuple(_key_part(request, d, granularity) for d in group_by)
        groups.setdefault(key, []).append(request)
    return [Bucket(key=key, metrics=metrics(items)) for key, items in sorted(groups.items())]


def statistics(
    requests: Iterable[Request],
    *,
    period_start: datetime,
    period_end: datetime,
    group_by: Sequence[Dimension] = (),
    granularity: Granularity = Granularity.MONTH,
    scope_id: str = "",
    categories: Iterable[str] = (),
) -> Statistics:
    """Overall metrics and, when ``group_by`` is given, metrics per group."""
    if len(set(group_by)) != len(group_by):
        raise InvalidArgument("group_by: a dimension is listed twice", field="group_by")
    chosen = select(
        requests, period_start=period_start, period_end=period_end, scope_id=scope_id, categories=categories
    )
    return Statistics(
        scope_id=scope_id,
        period_start=period_start,
        period_end=period_end,
        group_by=tuple(group_by),
        overall=metrics(chosen),
        buckets=tuple(group(chosen, group_by, granularity)) if group_by else (),
    )


# --------------------------------------------------------------------------- the public board


@dataclass(frozen=True, slots=True)
class PublicBoard:
    """The results board: figures per community and category, and recent results, built
    from public views only."""

    scope_id: str
    period_start: datetime
    period_end: datetime
    overall: Metrics
    communities: tuple[Bucket, ...]
    categories: tuple[Bucket, ...]
    recent_results: tuple[PublicRequest, ...]


def public_board(
    requests: Iterable[Request],
    *,
    period_start: datetime,
    period_end: datetime,
    scope_id: str = "",
    recent_limit: int = 20,
) -> PublicBoard:
    """Figures count every published request (hidden and merged ones are left out); the
    recent results are the latest solved ones, newest first."""
    chosen = [
        r
        for r in select(requests, period_start=period_start, period_end=period_end, scope_id=scope_id)
        if is_published(r)
    ]
    solved = sorted(
        (r for r in chosen if r.status in SOLVED_STATUSES and r.resolved_at is not None),
        key=lambda r: (r.resolved_at, r.id),
        reverse=True,
    )
    views = [v for v in (public_view(r) for r in solved[: max(0, recent_limit)]) if v is not None]
    return PublicBoard(
        scope_id=scope_id,
        period_start=period_start,
        period_end=period_end,
        overall=metrics(chosen),
        communities=tuple(group(chosen, (Dimension.COMMUNITY,))),
        categories=tuple(group(chosen, (Dimension.CATEGORY,))),
        recent_results=tuple(views),
    )


# --------------------------------------------------------------------------- ledger export
