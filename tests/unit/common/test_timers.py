from __future__ import annotations

import threading

from linli.common.timers import PeriodicWorker


def test_periodic_worker_runs_survives_errors_and_stops() -> None:
    runs: list[int] = []
    ran_three_times = threading.Event()

    def job() -> None:
        runs.append(1)
        if len(runs) == 1:
            raise RuntimeError("first run fails")
        if len(runs) >= 3:
            ran_three_times.set()

    worker = PeriodicWorker("test", 0.01, job)
    worker.start()
    assert ran_three_times.wait(5)
    worker.stop()
    count = len(runs)
    assert not worker._thread or not worker._thread.is_alive()
    assert len(runs) == count  # nothing runs after stop
