"""How far a consumer group is behind its partitions' ends: `linli_consumer_lag_records`.

The lag of a partition is its high watermark minus the consumer's position, both as this
consumer last saw them. kafka-python keeps the high watermark from every fetch response, so
sampling costs no request of its own; the position is known once a fetch started. Sampled at
most every `interval_seconds` from the consumer loop's thread (kafka-python's consumer is not
thread-safe), so a halted or dead loop leaves the last value standing: the alerts pair lag
with `linli_consumer_stopped`, which covers that case.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from linli.common.metrics import CONSUMER_LAG

log = logging.getLogger(__name__)

#: The position read may refresh committed offsets; bounded so sampling never holds the loop.
POSITION_TIMEOUT_MS = 200


class LagSampler:
    def __init__(self, group: str, interval_seconds: float = 5.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.group = group
        self.interval_seconds = interval_seconds
        self.clock = clock
        self._next = 0.0
        self._labelled: set[tuple[str, str]] = set()

    def maybe_sample(self, consumer: Any) -> None:
        """Sets the lag of each assigned partition if the interval has passed; partitions no
        longer assigned (a rebalance moved them) lose their series, so a group's lag is summed
        once across its members."""
        now = self.clock()
        if now < self._next:
            return
        self._next = now + self.interval_seconds
        highwater = getattr(consumer, "highwater", None)
        position = getattr(consumer, "position", None)
        if not callable(highwater) or not callable(position):
            return  # a consumer that cannot tell (test fakes)
        try:
            seen: set[tuple[str, str]] = set()
            for partition in consumer.assignment():
                end = highwater(partition)
                at = position(partition, timeout_ms=POSITION_TIMEOUT_MS)
                if end is None or at is None:
                    continue  # no fetch answered yet for this partition
                labels = (partition.topic, str(partition.partition))
                CONSUMER_LAG.labels(self.group, *labels).set(max(0, end - at))
                seen.add(labels)
        except Exception:
            log.debug("consumer lag not sampled", exc_info=True, extra={"group": self.group})
            return
        for gone in self._labelled - seen:
            CONSUMER_LAG.remove(self.group, *gone)
        self._labelled = seen
