"""`python -m linli.gateway`: the gateway under gunicorn (gthread workers: threads serve the
Server-Sent Events streams) on LINLI_HTTP_HOST:LINLI_HTTP_PORT, app `linli.gateway.wsgi:app`.

Before anything imports prometheus_client, a per-run PROMETHEUS_MULTIPROC_DIR is set so /metrics
sums every worker; without LINLI_SESSION_SECRET_FILE a random secret is written to a private
file shared by the workers (sessions then last as long as this run).
"""

from __future__ import annotations

import os
import secrets
import shutil
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from gunicorn.app.base import BaseApplication

from linli.gateway.config import GatewayConfig


def prepare_environment() -> Path:
    run_dir = Path(tempfile.mkdtemp(prefix="linli-gateway-"))
    metrics_dir = run_dir / "metrics"
    metrics_dir.mkdir()
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(metrics_dir)
    if not os.environ.get("LINLI_SESSION_SECRET_FILE"):
        secret = run_dir / "session-secret"
        secret.touch(mode=0o600)
        secret.write_text(secrets.token_hex(32))
        os.environ["LINLI_SESSION_SECRET_FILE"] = str(secret)
    return run_dir


def gunicorn_options(config: GatewayConfig) -> dict[str, Any]:
    """gunicorn's settings for the gateway (the benchmark serves its baseline with the same)."""

    def child_exit(_server: Any, worker: Any) -> None:
        if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            # prometheus_client is imported only now: it reads PROMETHEUS_MULTIPROC_DIR on import.
            from prometheus_client import multiprocess  # noqa: PLC0415

            multiprocess.mark_process_dead(worker.pid)  # type: ignore[no-untyped-call]

    return {
        "bind": f"{config.http_host}:{config.http_port}",
        "workers": max(1, config.http_workers),
        "worker_class": "gthread",
        "threads": max(1, config.http_threads),
        "timeout": config.http_timeout_seconds,
        "graceful_timeout": max(1, int(config.drain_seconds)),
        "keepalive": 5,
        "loglevel": config.log_level.lower(),
        "accesslog": None,
        "errorlog": "-",
        "proc_name": "linli-gateway",
        "child_exit": child_exit,
        "control_socket_disable": True,
    }


def serve(load: Callable[[], Any], options: dict[str, Any]) -> None:
    """Runs gunicorn with `options`; each worker calls `load()` for its WSGI app after the fork."""

    class Server(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            for key, value in options.items():
                if key in self.cfg.settings:
                    self.cfg.set(key, value)

        def load(self) -> Any:
            return load()

    Server().run()


def _gateway_app() -> Any:
    from linli.gateway.wsgi import app  # noqa: PLC0415  (in the worker, after the fork)

    return app


def main(argv: list[str] | None = None) -> int:
    run_dir = prepare_environment()
    try:
        serve(_gateway_app, gunicorn_options(GatewayConfig.from_env()))
    finally:
        shutil.rmtree(run_dir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
