"""Runs Linli services as real processes for integration and end-to-end tests."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import uuid
from dataclasses import dataclass, field
from typing import IO

import grpc

from tests.support import identity
from tests.support.infra import Infra, free_port


@dataclass
class ServiceProcess:
    name: str
    grpc_port: int
    metrics_port: int
    env: dict[str, str]
    process: subprocess.Popen[bytes]
    log: IO[str] = field(repr=False)

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.grpc_port}"

    def run_module(self, module: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        """Runs a seed or an operator's tool beside the service: its calls are signed with the
        ops key."""
        env = {**self.env, **identity.ops_env()}
        return subprocess.run(
            [sys.executable, "-m", module], env=env, capture_output=True, text=True, timeout=timeout, check=False
        )

    def logs(self) -> str:
        self.log.seek(0)
        return self.log.read()

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


#: The consumer-group settings of each service, with their defaults.
CONSUMER_GROUPS: dict[str, dict[str, str]] = {
    "volunteers": {"LINLI_VOLUNTEERS_CONSUMER_GROUP": "volunteers"},
    "requests": {"LINLI_PLACES_CONSUMER_GROUP": "requests-places"},
    "notifications": {"LINLI_NOTIFICATIONS_CONSUMER_GROUP": "notifications"},
}


def start_service(name: str, infra: Infra, **extra_env: str) -> ServiceProcess:
    """`python -m linli.<name>` on free ports with its own database, the session's identity keys
    and its own signing key (`identity.service_env`); waits until it serves."""
    grpc_port, metrics_port = free_port(), free_port()
    env = {
        **os.environ,
        "LINLI_MONGO_URI": infra.mongo_uri,
        "LINLI_KAFKA_BOOTSTRAP": infra.kafka_bootstrap,
        "LINLI_MONGO_DB": f"test_{name}_{uuid.uuid4().hex[:6]}",
        "LINLI_GRPC_PORT": str(grpc_port),
        "LINLI_METRICS_PORT": str(metrics_port),
        f"LINLI_{name.upper()}_ADDR": f"127.0.0.1:{grpc_port}",
        # Consumer groups of their own: several platforms share the session's Kafka, and a
        # shared group would split a topic's partitions between them. A test naming a group
        # passes it in extra_env.
        **{variable: f"{group}-{uuid.uuid4().hex[:6]}" for variable, group in CONSUMER_GROUPS.get(name, {}).items()},
        **identity.service_env(name),
        **extra_env,
    }
    log = tempfile.TemporaryFile("w+")  # noqa: SIM115 - closed by ServiceProcess.stop
    process = subprocess.Popen([sys.executable, "-m", f"linli.{name}"], env=env, stdout=log, stderr=subprocess.STDOUT)
    service = ServiceProcess(name, grpc_port, metrics_port, env, process, log)
    with grpc.insecure_channel(service.address) as channel:
        try:
            grpc.channel_ready_future(channel).result(timeout=60)
        except grpc.FutureTimeoutError:
            service.stop()
            raise RuntimeError(f"{name} did not start:\n{service.logs()}") from None
    return service
