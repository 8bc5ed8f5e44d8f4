"""Reading what the services published, for assertions."""

from __future__ import annotations

import time
from typing import Any

from kafka import KafkaConsumer


def read_topic(bootstrap: str, topic: str, keys: set[str], expected: int, timeout: float = 20.0) -> list[Any]:
    """Records of `topic` whose key is one of `keys`, in log order per key; reads again until
    at least `expected` are there or `timeout` passes (the relay publishes asynchronously)."""
    found: list[Any] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and len(found) < expected:
        consumer = KafkaConsumer(
            topic, bootstrap_servers=bootstrap, group_id=None, auto_offset_reset="earliest", consumer_timeout_ms=1500
        )
        try:
            found = [r for r in consumer if r.key is not None and r.key.decode() in keys]
        finally:
            consumer.close()
    return found


def ce_type(record: Any) -> str:
    return str(dict(record.headers)["ce_type"].decode())
