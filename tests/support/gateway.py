"""Runs the gateway (`python -m linli.gateway`: gunicorn, gthread workers) as a process for
integration tests, against services started with `tests.support.processes.start_service`."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from typing import IO

from tests.support.infra import Infra, free_port
from tests.support.processes import ServiceProcess


@dataclass
class GatewayProcess:
    port: int
    env: dict[str, str]
    process: subprocess.Popen[bytes]
    log: IO[str] = field(repr=False)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def logs(self) -> str:
        self.log.seek(0)
        return self.log.read()

    def run_module(self, module: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", module],
            env={**self.env, **identity_env(ops=True)},
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        self.log.close()
        return self.process.returncode


def identity_env(*, ops: bool = False) -> dict[str, str]:
    """The session's keys and the gateway's signing key (`ops`: the ops key, for seeds)."""
    try:
        from tests.support import identity  # noqa: PLC0415 - optional until signed identity lands
    except ImportError:
        return {}
    env: dict[str, str] = identity.service_env("gateway")
    if ops and hasattr(identity, "ops_env"):
        env = {**env, **identity.ops_env()}
    return env


def start_gateway(infra: Infra, services: dict[str, ServiceProcess], **extra_env: str) -> GatewayProcess:
    """The gateway on a free port with its own database, calling `services` (name -> process);
    waits until /healthz answers."""
    port = free_port()
    env = {
        **os.environ,
        "LINLI_SERVICE_NAME": "gateway",
        "LINLI_MONGO_URI": infra.mongo_uri,
        "LINLI_KAFKA_BOOTSTRAP": infra.kafka_bootstrap,
        "LINLI_MONGO_DB": f"test_gateway_{uuid.uuid4().hex[:6]}",
        "LINLI_HTTP_HOST": "127.0.0.1",
        "LINLI_HTTP_PORT": str(port),
        "LINLI_HTTP_WORKERS": "1",
        "LINLI_HTTP_THREADS": "16",
        "LINLI_DRAIN_SECONDS": "2",
        **{f"LINLI_{name.upper()}_ADDR": service.address for name, service in services.items()},
        **identity_env(),
        **extra_env,
    }
    log = tempfile.TemporaryFile("w+")  # noqa: SIM115 - closed by GatewayProcess.stop
    process = subprocess.Popen([sys.executable, "-m", "linli.gateway"], env=env, stdout=log, stderr=subprocess.STDOUT)
    gateway = GatewayProcess(port, env, process, log)
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"{gateway.url}/healthz", timeout=2) as response:
                if response.status == 200:
                    return gateway
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            gateway.stop()
            raise RuntimeError(f"the gateway did not start:\n{gateway.logs()}")
        time.sleep(0.2)
