"""linli_consumer_lag_records from the consumer's own view (high watermark minus position),
sampled at most once per interval, with the series of partitions a rebalance took away gone."""

from __future__ import annotations

from typing import Any

import pytest
from kafka import TopicPartition
from prometheus_client import REGISTRY

from linli.common.consumer_lag import LagSampler

TOPIC = "linli.lagtest.v1"


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class Consumer:
    """What the sampler reads of kafka-python's KafkaConsumer."""

    def __init__(self, ends: dict[int, int | None], positions: dict[int, int | None]) -> None:
        self.ends = ends
        self.positions = positions

    def assignment(self) -> set[TopicPartition]:
        return {TopicPartition(TOPIC, p) for p in self.ends}

    def highwater(self, partition: TopicPartition) -> int | None:
        return self.ends[partition.partition]

    def position(self, partition: TopicPartition, timeout_ms: int | None = None) -> int | None:
        assert timeout_ms is not None  # never an unbounded wait on the loop's thread
        return self.positions[partition.partition]


def lag(group: str, partition: int) -> float | None:
    return REGISTRY.get_sample_value(
        "linli_consumer_lag_records", {"group": group, "topic": TOPIC, "partition": str(partition)}
    )


@pytest.fixture
def group(request: pytest.FixtureRequest) -> str:
    return f"lag-{request.node.name}"


def test_lag_is_the_high_watermark_minus_the_position(group: str) -> None:
    LagSampler(group, clock=Clock()).maybe_sample(Consumer({0: 10, 1: 7}, {0: 4, 1: 7}))
    assert lag(group, 0) == 6
    assert lag(group, 1) == 0


def test_a_partition_not_fetched_yet_has_no_series(group: str) -> None:
    LagSampler(group, clock=Clock()).maybe_sample(Consumer({0: None, 1: 5}, {0: 0, 1: None}))
    assert lag(group, 0) is None
    assert lag(group, 1) is None


def test_sampled_at_most_once_per_interval(group: str) -> None:
    clock = Clock()
    sampler = LagSampler(group, interval_seconds=5, clock=clock)
    consumer = Consumer({0: 10}, {0: 0})
    sampler.maybe_sample(consumer)
    consumer.positions[0] = 10
    clock.now += 4.9
    sampler.maybe_sample(consumer)
    assert lag(group, 0) == 10  # too soon: the old value stands
    clock.now += 0.2
    sampler.maybe_sample(consumer)
    assert lag(group, 0) == 0


def test_partitions_taken_away_by_a_rebalance_lose_their_series(group: str) -> None:
    clock = Clock()
    sampler = LagSampler(group, interval_seconds=1, clock=clock)
    sampler.maybe_sample(Consumer({0: 3, 1: 3}, {0: 1, 1: 1}))
    clock.now += 1
    sampler.maybe_sample(Consumer({1: 3}, {1: 2}))
    assert lag(group, 0) is None
    assert lag(group, 1) == 1


def test_a_consumer_that_cannot_tell_is_skipped_and_errors_never_reach_the_loop(group: str) -> None:
    class Fake:
        position = 0  # the loop's test fakes keep an int here

        def assignment(self) -> set[Any]:
            return {TopicPartition(TOPIC, 0)}

    class Broken(Consumer):
        def highwater(self, partition: TopicPartition) -> int | None:
            raise RuntimeError("partition is not assigned")

    clock = Clock()
    sampler = LagSampler(group, interval_seconds=1, clock=clock)
    sampler.maybe_sample(Fake())
    clock.now += 1
    sampler.maybe_sample(Broken({0: 1}, {0: 0}))
    assert lag(group, 0) is None
