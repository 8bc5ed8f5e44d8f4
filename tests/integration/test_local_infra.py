"""The deploy/local scripts: idempotent start, clear refusal of a taken port, data that
survives a stop and start."""

from __future__ import annotations

import os
import socket
import subprocess
import tempfile
import uuid
from pathlib import Path
from typing import Any

from kafka import KafkaConsumer, KafkaProducer
from pymongo import MongoClient

from linli.common.kafka_io import ensure_topics
from tests.support.infra import LOCAL, Infra, free_port


def script(name: str, action: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(LOCAL / name), action], env=env, capture_output=True, text=True, timeout=300, check=False
    )


def test_starting_twice_starts_nothing_new(infra: Infra) -> None:
    for name in ("kafka.sh", "ferretdb.sh"):
        again = script(name, "start", infra.env)
        assert again.returncode == 0, again.stderr
        assert "already running" in again.stderr


def test_a_port_held_by_another_program_is_reported(infra: Infra, tmp_path: Path) -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        env = {
            **os.environ,
            "LINLI_DATA_DIR": str(tmp_path),
            "LINLI_MONGO_PORT": str(port),
            "LINLI_KAFKA_PORT": str(port),
        }
        for name in ("ferretdb.sh", "kafka.sh"):
            refused = script(name, "start", env)
            assert refused.returncode != 0
            assert f"port {port} is already taken" in refused.stderr


def test_data_survives_stop_and_start() -> None:
    data = tempfile.mkdtemp(prefix="linli-persist-")
    env = {
        **os.environ,
        "LINLI_DATA_DIR": data,
        "LINLI_MONGO_PORT": str(free_port()),
        "LINLI_KAFKA_PORT": str(free_port()),
        "LINLI_KAFKA_CONTROLLER_PORT": str(free_port()),
        "LINLI_KAFKA_HEAP": "256m",
    }
    mongo_uri = f"mongodb://127.0.0.1:{env['LINLI_MONGO_PORT']}/"
    bootstrap = f"127.0.0.1:{env['LINLI_KAFKA_PORT']}"
    topic = f"linli.persist{uuid.uuid4().hex[:6]}.v1"
    try:
        for name in ("ferretdb.sh", "kafka.sh"):
            assert script(name, "start", env).returncode == 0
        with MongoClient[dict[str, Any]](mongo_uri) as client:
            client.persist.things.insert_one({"_id": "kept", "n": 1})
        ensure_topics(bootstrap, [topic], partitions=1)
        producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all")
        producer.send(topic, b"kept").get(timeout=30)
        producer.close()
        for name in ("kafka.sh", "ferretdb.sh"):
            stopped = script(name, "stop", env)
            assert stopped.returncode == 0 and "stopped" in stopped.stderr
            assert script(name, "status", env).returncode == 3
        for name in ("ferretdb.sh", "kafka.sh"):
            assert script(name, "start", env).returncode == 0
        with MongoClient[dict[str, Any]](mongo_uri) as client:
            assert client.persist.things.find_one({"_id": "kept"}) == {"_id": "kept", "n": 1}
        consumer = KafkaConsumer(
            topic, bootstrap_servers=bootstrap, group_id=None, auto_offset_reset="earliest", consumer_timeout_ms=10000
        )
        assert [r.value for r in consumer][:1] == [b"kept"]
        consumer.close()
    finally:
        for name in ("kafka.sh", "ferretdb.sh"):
            script(name, "stop", env)
