"""The requests service killed (SIGKILL) while residents submit: after a restart, every
request it had acknowledged is stored and its events reach Kafka; none is lost."""

from __future__ import annotations

import threading
import time
import uuid
from pathlib import Path

import grpc

from linli.common.kafka_io import ensure_topics, platform_topics
from linli.v1 import common_pb2, requests_pb2_grpc
from linli.v1 import requests_pb2 as pb
from tests.support.identity import who
from tests.support.infra import Infra, free_port
from tests.support.processes import start_service
from tests.support.topics import ce_type, read_topic

RESIDENT = who("crash-resident", "resident")


def children_of(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except OSError:
                continue
            if parent == pid:
                found.append(int(entry.name))
    return found


def alive(pid: int) -> bool:
    try:
        state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def submit(stub: requests_pb2_grpc.RequestServiceStub, key: str) -> str:
    return str(
        stub.SubmitRequest(
            pb.SubmitRequestRequest(
                category="repairs",
                title="楼道灯坏了",
                description="3号楼楼道灯不亮",
                point=common_pb2.GeoPoint(lat=28.661, lng=121.421),
                idempotency_key=key,
            ),
            metadata=RESIDENT,
            timeout=10,
        ).request.id
    )


def test_every_acknowledged_submit_survives_a_kill(infra: Infra) -> None:
    ensure_topics(infra.kafka_bootstrap, platform_topics())
    env = {
        "LINLI_MONGO_DB": f"e2e_crash_{uuid.uuid4().hex[:8]}",
        "LINLI_ORGANIZATIONS_ADDR": f"127.0.0.1:{free_port()}",  # down: requests are accepted unrouted
        "LINLI_LOG_LEVEL": "WARNING",
    }
    first = start_service("requests", infra, **env)
    acknowledged: list[str] = []
    lock = threading.Lock()
    run = uuid.uuid4().hex[:6]

    def resident(n: int) -> None:
        stub = requests_pb2_grpc.RequestServiceStub(grpc.insecure_channel(first.address))
        for k in range(10_000):
            try:
                request_id = submit(stub, f"{run}-{n}-{k}")
            except grpc.RpcError:
                return  # the service is gone
            with lock:
                acknowledged.append(request_id)

    residents = [threading.Thread(target=resident, args=(n,)) for n in range(4)]
    try:
        for thread in residents:
            thread.start()
        deadline = time.monotonic() + 60
        while len(acknowledged) < 150 and time.monotonic() < deadline:
            time.sleep(0.01)
        publishers = children_of(first.process.pid)  # its Kafka publisher process
        assert publishers
        first.process.kill()  # no drain, no final relay round, no checkpoint
        first.process.wait(10)
        for thread in residents:
            thread.join(30)
    finally:
        first.stop()
    assert len(acknowledged) >= 150
    deadline = time.monotonic() + 30
    while any(alive(pid) for pid in publishers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(alive(pid) for pid in publishers), "the publisher outlived its killed service"

    second = start_service("requests", infra, **env)
    try:
        stub = requests_pb2_grpc.RequestServiceStub(grpc.insecure_channel(second.address))
        for request_id in acknowledged:  # every acknowledged request is stored
            assert (
                stub.GetRequest(pb.GetRequestRequest(request_id=request_id), metadata=RESIDENT, timeout=10).id
                == request_id
            )
        keys = set(acknowledged)
        for topic, happened in (
            ("linli.requests.v1", "org.linli.request.submitted.v1"),
            ("linli.public.requests.v1", "org.linli.public.request.changed.v1"),
        ):
            records = read_topic(infra.kafka_bootstrap, topic, keys, expected=len(keys), timeout=60)
            published = {r.key.decode() for r in records if ce_type(r) == happened}
            assert published == keys, f"{len(keys - published)} acknowledged requests missing on {topic}"
    finally:
        second.stop()
