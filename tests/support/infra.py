"""Starts a private Kafka broker and FerretDB for one test session, through the project's
own deploy/local scripts, on free loopback ports and in a temporary data folder.
"""

from __future__ import annotations

import dataclasses
import os
import socket
import subprocess
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LOCAL = ROOT / "deploy" / "local"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclasses.dataclass
class Infra:
    kafka_bootstrap: str
    mongo_uri: str
    env: dict[str, str]

    def pids(self) -> dict[str, int]:
        """The broker processes' ids, from the pid files the deploy/local scripts write."""
        run = Path(self.env["LINLI_DATA_DIR"]) / "run"
        return {path.name.split("-")[0]: int(path.read_text()) for path in sorted(run.glob("*.pid"))}

    def stop(self) -> None:
        for script in ("kafka.sh", "ferretdb.sh"):
            subprocess.run(
                ["bash", str(LOCAL / script), "stop"], env=self.env, check=False, capture_output=True, timeout=60
            )


def start_infra(kafka: bool = True, attempts: int = 2) -> Infra:
    """Starts the servers; a second try on fresh ports covers a port taken between pick and bind."""
    for attempt in range(1, attempts + 1):
        try:
            return _start_infra(kafka)
        except RuntimeError:
            if attempt == attempts:
                raise
    raise AssertionError("unreachable")


def _start_infra(kafka: bool) -> Infra:
    data = Path(tempfile.mkdtemp(prefix="linli-test-"))
    kafka_port, controller_port, mongo_port = free_port(), free_port(), free_port()
    env = {
        **os.environ,
        "LINLI_DATA_DIR": str(data),
        "LINLI_KAFKA_PORT": str(kafka_port),
        "LINLI_KAFKA_CONTROLLER_PORT": str(controller_port),
        "LINLI_KAFKA_HEAP": "384m",
        "LINLI_MONGO_PORT": str(mongo_port),
    }
    infra = Infra(kafka_bootstrap=f"127.0.0.1:{kafka_port}", mongo_uri=f"mongodb://127.0.0.1:{mongo_port}/", env=env)
    try:
        for script in ("ferretdb.sh", "kafka.sh") if kafka else ("ferretdb.sh",):
            result = subprocess.run(
                ["bash", str(LOCAL / script), "start"],
                env=env,
                capture_output=True,
                text=True,
                timeout=600,
                check=False,
            )
            if result.returncode != 0:
                raise RuntimeError(f"{script} start failed:\n{result.stdout}\n{result.stderr}")
    except BaseException:
        infra.stop()
        raise
    return infra
