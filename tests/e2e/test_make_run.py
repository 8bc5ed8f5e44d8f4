"""`make run` / `make stop` as a developer uses them (deploy/local/platform.sh), on its own
ports and data folder so that it runs beside a developer's platform and the test session's."""

from __future__ import annotations

import json
import os
import random
import socket
import subprocess
import time
import urllib.request
from pathlib import Path
from typing import Any

import grpc
import pytest
from google.protobuf import timestamp_pb2

from linli.common.identity import Identity
from linli.common.tokens import Signer
from linli.v1 import diagnostics_pb2, diagnostics_pb2_grpc, requests_pb2_grpc
from linli.v1 import requests_pb2 as pb
from tests.support.infra import LOCAL, free_port

SERVICE_PORTS = (50051, 50052, 50053, 50054, 9101, 9102, 9103, 9104, 9105, 8080)


def port_free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def free_offset() -> int:
    for _ in range(100):
        offset = random.randrange(1000, 8000)
        if all(port_free(p + offset) for p in SERVICE_PORTS):
            return offset
    raise RuntimeError("no free block of ports")


def platform(action: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(LOCAL / "platform.sh"), action], env=env, capture_output=True, text=True, timeout=600, check=False
    )


def http_json(method: str, url: str, body: dict[str, str] | None = None, token: str = "") -> dict[str, Any]:
    request = urllib.request.Request(url, method=method, data=json.dumps(body).encode() if body else None)
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(request, timeout=30) as response:
        found: dict[str, Any] = json.loads(response.read())
        return found


def test_run_twice_then_stop(tmp_path: Path) -> None:
    offset = free_offset()
    env = {
        **os.environ,
        "LINLI_DATA_DIR": str(tmp_path),
        "LINLI_PORT_OFFSET": str(offset),
        "LINLI_KAFKA_PORT": str(free_port()),
        "LINLI_KAFKA_CONTROLLER_PORT": str(free_port()),
        "LINLI_MONGO_PORT": str(free_port()),
        "LINLI_KAFKA_HEAP": "256m",
        "LINLI_SEED_VOLUNTEERS": "200",
        "LINLI_SEED_REQUESTS": "40",
    }
    try:
        first = platform("start", env)
        assert first.returncode == 0, first.stdout + first.stderr
        assert "Linli is running" in first.stdout
        for name, port in (("organizations", 50051), ("volunteers", 50052), ("requests", 50053)):
            assert f"127.0.0.1:{port + offset}" in first.stdout
            with grpc.insecure_channel(f"127.0.0.1:{port + offset}") as channel:
                pong = diagnostics_pb2_grpc.DiagnosticsServiceStub(channel).Ping(
                    diagnostics_pb2.PingRequest(nonce=name), timeout=5
                )
                assert pong.service == name

        gateway = f"http://127.0.0.1:{8080 + offset}"
        assert f"{gateway}/" in first.stdout and "Demo accounts (password for all: " in first.stdout
        assert http_json("GET", f"{gateway}/readyz")["status"] == "ready"
        password = first.stdout.split("Demo accounts (password for all: ", 1)[1].split(")", 1)[0]
        signed_in = http_json(
            "POST",
            f"{gateway}/api/v1/auth/sign-in",
            {"login": "dispatcher@linli.local", "password": password, "client": "api"},
        )
        me = http_json("GET", f"{gateway}/api/v1/me", token=signed_in["access_token"])
        assert any(role.startswith("dispatcher@") for role in me["roles"]), me

        keys = tmp_path / "keys"  # one key pair per service, the gateway and ops, generated once
        assert sorted(p.name for p in keys.glob("*.key.pem")) == [
            f"{issuer}.1.key.pem"
            for issuer in ("gateway", "notifications", "ops", "organizations", "requests", "volunteers")
        ]
        generated = {p.name: p.read_bytes() for p in keys.iterdir()}

        second = platform("start", env)  # nothing starts twice; the seeds change nothing
        assert second.returncode == 0, second.stderr
        assert second.stderr.count("already running") >= 6  # the four services, the gateway, the brokers
        with grpc.insecure_channel(f"127.0.0.1:{50053 + offset}") as channel:
            now = int(time.time())
            stats = requests_pb2_grpc.RequestServiceStub(channel).GetStatistics(
                pb.GetStatisticsRequest(
                    period_start=timestamp_pb2.Timestamp(seconds=now - 3600),
                    period_end=timestamp_pb2.Timestamp(seconds=now + 3600),
                ),
                metadata=Signer.from_file(tmp_path / "keys" / "ops.1.key.pem").metadata(
                    Identity.of("op", ["operator"])
                ),
                timeout=10,
            )
            assert stats.overall.total == 40
            with pytest.raises(grpc.RpcError) as unsigned:  # the platform's services refuse unsigned identity
                requests_pb2_grpc.RequestServiceStub(channel).GetStatistics(
                    pb.GetStatisticsRequest(),
                    metadata=(("x-linli-subject", "op"), ("x-linli-roles", "operator")),
                    timeout=10,
                )
            assert unsigned.value.code() == grpc.StatusCode.UNAUTHENTICATED
        assert {p.name: p.read_bytes() for p in keys.iterdir()} == generated  # kept, not regenerated
    finally:
        stopped = platform("stop", env)
    assert stopped.returncode == 0, stopped.stderr
    assert not any(listening(p + offset) for p in (50051, 50052, 50053))  # (TIME_WAIT may still hold them)
    assert (tmp_path / "ferretdb").is_dir() and (tmp_path / "kafka").is_dir()  # data stays for the next run
