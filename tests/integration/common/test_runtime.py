"""The service runtime's start: what was loaded before it is kept out of full GC passes."""

from __future__ import annotations

import gc

from linli.common.config import ServiceConfig
from linli.common.runtime import ServiceRuntime


def test_start_freezes_what_was_loaded_before_it() -> None:
    gc.unfreeze()
    loaded = [{"request": n, "history": [n]} for n in range(10_000)]  # a read model built at start
    runtime = ServiceRuntime(ServiceConfig.from_env({}, grpc_port=0, metrics_port=0, drain_seconds=0.5))
    runtime.start()
    try:
        assert gc.get_freeze_count() >= len(loaded)
    finally:
        runtime.shutdown()
        gc.unfreeze()
