"""The outbox watermark: which stored events may still be unpublished."""

from __future__ import annotations

import threading

import pytest

from linli.common.outbox_watermark import OutboxWatermark


class FakeClock:
    def __init__(self, now: int) -> None:
        self.now = now

    def __call__(self) -> int:
        return self.now


def test_numbers_increase_even_when_the_clock_stands_still_or_steps_back() -> None:
    clock = FakeClock(1_000)
    watermark = OutboxWatermark(clock=clock)
    first = watermark.reserve("a", 2)
    clock.now = 500
    second = watermark.reserve("b", 1)
    assert first == [1_000, 1_001] and second == [1_002]


def test_the_watermark_stops_below_the_lowest_pending_number() -> None:
    watermark = OutboxWatermark(clock=FakeClock(100))
    a = watermark.reserve("a", 1)
    b = watermark.reserve("b", 2)
    assert watermark.published_through() == 99
    watermark.settle(b)  # published out of order: still held back by a
    assert watermark.published_through() == 99
    watermark.settle(a)
    assert watermark.published_through() == b[-1]
    assert watermark.pending_count() == 0


def test_settling_unknown_or_repeated_numbers_changes_nothing() -> None:
    watermark = OutboxWatermark(clock=FakeClock(10))
    numbers = watermark.reserve("a", 1)
    watermark.settle([12345])
    assert watermark.has_pending("a")
    watermark.settle(numbers)
    watermark.settle(numbers)
    assert not watermark.has_pending("a") and watermark.published_through() == numbers[0]


def test_pending_is_tracked_per_aggregate() -> None:
    watermark = OutboxWatermark(clock=FakeClock(10))
    first = watermark.reserve("a", 1)
    second = watermark.reserve("a", 1)
    watermark.settle(first)
    assert watermark.has_pending("a") and not watermark.has_pending("b")
    watermark.settle(second)
    assert not watermark.has_pending("a")


def test_after_a_restart_new_numbers_are_above_the_persisted_watermark() -> None:
    watermark = OutboxWatermark(clock=FakeClock(50))  # the clock is behind the old process's
    watermark.restart_after(1_000)
    assert watermark.published_through() == 1_000
    assert watermark.reserve("a", 1) == [1_001]


def test_adopted_numbers_hold_the_watermark_back_in_any_order() -> None:
    watermark = OutboxWatermark(clock=FakeClock(10))
    watermark.restart_after(100)
    watermark.adopt("x", [130])
    watermark.adopt("y", [110, 120])
    assert watermark.published_through() == 109
    assert watermark.reserve("z", 1) == [131]
    watermark.settle([110, 120])
    assert watermark.published_through() == 129
    watermark.adopt("x", [130])  # already pending: counted once
    watermark.settle([130])
    assert not watermark.has_pending("x") and watermark.published_through() == 130


def test_zero_events_reserve_nothing() -> None:
    watermark = OutboxWatermark(clock=FakeClock(10))
    assert watermark.reserve("a", 0) == []
    assert not watermark.has_pending("a")


@pytest.mark.parametrize("threads", [4])
def test_concurrent_reservations_are_unique(threads: int) -> None:
    watermark = OutboxWatermark()
    taken: list[list[int]] = [[] for _ in range(threads)]

    def work(i: int) -> None:
        for _ in range(500):
            taken[i].extend(watermark.reserve(f"agg-{i}", 2))

    workers = [threading.Thread(target=work, args=(i,)) for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    every = [n for numbers in taken for n in numbers]
    assert len(set(every)) == len(every) == threads * 1000
    watermark.settle(every)
    assert watermark.published_through() == max(every)


def test_writes_may_replace_events_only_after_recovery() -> None:
    watermark = OutboxWatermark()
    assert not watermark.recovered
    watermark.mark_recovered()
    assert watermark.recovered
