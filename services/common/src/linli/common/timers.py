"""Periodic jobs (deadline scans, offer expiry, scheduled visits) as runtime workers.

A job that raises is logged and retried at the next tick; stopping waits for the tick in
progress, so a job is never cut off half-way by a graceful shutdown.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from prometheus_client import Counter, Histogram

log = logging.getLogger(__name__)

TIMER_RUNS = Counter("linli_timer_runs_total", "Periodic job runs, by job and outcome.", ["job", "outcome"])
TIMER_SECONDS = Histogram("linli_timer_run_seconds", "Time one periodic job run took.", ["job"])


class PeriodicWorker:
    def __init__(self, name: str, interval_seconds: float, job: Callable[[], object]) -> None:
        self.name = name
        self.interval_seconds = interval_seconds
        self.job = job
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name=f"timer-{self.name}", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def run_once(self) -> None:
        with TIMER_SECONDS.labels(self.name).time():
            try:
                self.job()
            except Exception:
                TIMER_RUNS.labels(self.name, "error").inc()
                log.exception("periodic job failed", extra={"job": self.name})
                return
        TIMER_RUNS.labels(self.name, "ok").inc()

    def _run(self) -> None:
        while not self._stopping.wait(self.interval_seconds):
            self.run_once()
