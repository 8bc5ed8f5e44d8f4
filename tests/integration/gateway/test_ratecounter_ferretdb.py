"""The gateway's rate counters against the real FerretDB: the upsert by `_id`, the restart of
a passed window, and exact counts when one process's threads hit one key together."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from pymongo import MongoClient
from pymongo.collection import Collection

from linli.gateway.ratecounter import WindowCounters
from tests.support.infra import Infra


@pytest.fixture
def counters(infra: Infra) -> Iterator[Collection[dict[str, Any]]]:
    client: MongoClient[dict[str, Any]] = MongoClient(infra.mongo_uri)
    name = f"test_rate_{uuid.uuid4().hex[:8]}"
    try:
        yield client[name]["rate_limits"]
    finally:
        client.drop_database(name)
        client.close()


def test_hits_and_a_restarted_window_in_ferretdb(counters: Collection[dict[str, Any]]) -> None:
    windows = WindowCounters(lambda: counters)
    assert [windows.hit("ip:127.0.0.1", 1).count for _ in range(3)] == [1, 2, 3]
    assert counters.find_one({"_id": "ip:127.0.0.1"}) is not None
    time.sleep(1.1)
    assert windows.read("ip:127.0.0.1") is None
    restarted = windows.hit("ip:127.0.0.1", 60)
    assert restarted.count == 1
    assert restarted.expires_at > time.time() + 50
    windows.sweep()
    assert windows.read("ip:127.0.0.1") == restarted


def test_concurrent_hits_count_exactly_in_ferretdb(counters: Collection[dict[str, Any]]) -> None:
    # FerretDB can lose concurrent $inc on one document; batching keeps one write per key in
    # flight, so one process never loses its own hits.
    windows = WindowCounters(lambda: counters)
    seen: list[int] = []
    lock = threading.Lock()

    def hits() -> None:
        for _ in range(20):
            count = windows.hit("account:a", 60).count
            with lock:
                seen.append(count)

    threads = [threading.Thread(target=hits) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(seen) == list(range(1, 321))
    stored = counters.find_one({"_id": "account:a"})
    assert stored is not None and stored["count"] == 320
