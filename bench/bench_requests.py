"""Sustained submit rate of the requests service, end to end, against the raw ceiling.

Starts its own Kafka and FerretDB (deploy/local scripts), the organizations service (seeded,
so every submit is routed to a grid) and the requests service as processes, then measures in
the same run:
- raw ceiling: `insert_one` of the same stored document with pymongo plus a kafka-python
  `send` of the same event payload (acks=all, idempotent), from the same number of threads;
- Linli: SubmitRequest over gRPC (validation, grid lookup, the document write with its
  outbox), counted as done only when the outbox relay has published every event to Kafka;
- latency: p50/p99 of SubmitRequest at half the sustained rate (open loop).
The two phases alternate for a few rounds (the machine's speed drifts by 10% from run to
run); it prints each round's rates and ratio with the CPU each process spent per operation,
then the median ratio (target >= 0.5).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import threading
import time
import urllib.request
import uuid
from pathlib import Path

import grpc
from kafka import KafkaConsumer, TopicPartition
from pymongo import MongoClient

from linli.common.kafka_io import ensure_topics, make_producer, platform_topics
from linli.v1 import common_pb2, requests_pb2_grpc
from linli.v1 import requests_pb2 as pb
from tests.support.identity import who
from tests.support.infra import start_infra
from tests.support.processes import start_service

RESIDENT = who("bench-resident", "resident")


# Centres of the seeded demo city's compounds (linli.organizations.seed), where its grids are.
CENTRES = [
    (lat + c * 0.012, lng + b * 0.006)
    for lat, lng in ((28.660, 121.420), (28.680, 121.445), (28.640, 121.400), (28.600, 121.410), (28.620, 121.470))
    for c in range(3)
    for b in range(2)
]
CATEGORIES = [
    "repairs",
    "parking",
    "elderly_care",
    "environment",
    "water_supply",
    "neighbour_dispute",
    "flying_wire_charging",
    "road_flooding",
    "heating",
    "poor_signal",
]


def submit_request(n: int) -> pb.SubmitRequestRequest:
    """Spread over the city's grids and categories, as a day of real requests would be."""
    lat, lng = CENTRES[n % len(CENTRES)]
    jitter = ((n * 7919) % 50 - 25) * 0.0001
    return pb.SubmitRequestRequest(
        category=CATEGORIES[(n // len(CENTRES)) % len(CATEGORIES)],
        title=f"楼道灯坏了 {n}",
        description="12幢3单元楼道灯不亮，晚上出入不便，请尽快维修。",
        point=common_pb2.GeoPoint(lat=lat + jitter, lng=lng - jitter),
        idempotency_key=f"bench-{n}",
    )


class CpuMeter:
    """CPU seconds used by each process of the run and its children (utime + stime from
    /proc), to show where a phase spends the machine's two cores."""

    def __init__(self, pids: dict[str, int]) -> None:
        self.pids = pids
        self.started = self.read()

    def read(self) -> dict[str, float]:
        """CPU seconds of each process plus its children (a service's Kafka publisher)."""
        ticks = os.sysconf("SC_CLK_TCK")
        stats = {}
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                except OSError:
                    continue  # ended meanwhile
                stats[int(entry.name)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / ticks)
        named = set(self.pids.values())
        return {
            name: stats.get(pid, (0, 0.0))[1]
            + sum(cpu for child, (parent, cpu) in stats.items() if parent == pid and child not in named)
            for name, pid in self.pids.items()
        }

    def per_operation(self, operations: int) -> dict[str, float]:
        """CPU milliseconds per operation, by process, since this meter started."""
        now = self.read()
        return {name: (now[name] - self.started[name]) * 1000 / max(operations, 1) for name in self.pids}


def cpu_line(used: dict[str, float]) -> str:
    return ", ".join(f"{name} {ms:.2f}" for name, ms in used.items()) + f" = {sum(used.values()):.2f} ms"


def documents_trimmed(metrics_port: int) -> float:
    with urllib.request.urlopen(f"http://127.0.0.1:{metrics_port}/metrics", timeout=5) as response:
        for line in response.read().decode().splitlines():
            if line.startswith("linli_outbox_trimmed_total "):
                return float(line.split()[1])
    return 0.0


def wait_for_trimming(metrics_port: int) -> tuple[float, float]:
    """Waits until the relay has trimmed what the last Linli phase left (it starts once writes
    pause for 2 s), so that deferred work does not compete with the next raw phase; returns
    (documents trimmed, seconds waited)."""
    started, before = time.monotonic(), documents_trimmed(metrics_port)
    last = before
    while True:
        time.sleep(2.5)
        now = documents_trimmed(metrics_port)
        if now == last:
            return now - before, time.monotonic() - started
        last = now


def topic_end_offsets(bootstrap: str, topic: str) -> int:
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=None)
    try:
        partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()]
        return sum(consumer.end_offsets(partitions).values())
    finally:
        consumer.close()


def raw_ceiling(
    mongo_uri: str, bootstrap: str, document: dict[str, object], payload: bytes, threads: int, seconds: float
) -> float:
    client: MongoClient[dict[str, object]] = MongoClient(mongo_uri)
    collection = client[f"bench_raw_{uuid.uuid4().hex[:6]}"]["requests"]
    producer = make_producer(bootstrap, client_id="bench-raw")
    count = [0] * threads
    stop = time.monotonic() + seconds

    def work(i: int) -> None:
        while time.monotonic() < stop:
            collection.insert_one({**document, "_id": uuid.uuid4().hex})
            producer.send("linli.bench.raw.v1", key=b"k", value=payload)
            count[i] += 1

    started = time.monotonic()
    workers = [threading.Thread(target=work, args=(i,)) for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    producer.flush()
    elapsed = time.monotonic() - started
    producer.close()
    client.close()
    return sum(count) / elapsed


def linli_sustained(
    stub: requests_pb2_grpc.RequestServiceStub, bootstrap: str, threads: int, seconds: float, first: int
) -> tuple[float, int]:
    before = topic_end_offsets(bootstrap, "linli.requests.v1")
    count = [0] * threads
    stop = time.monotonic() + seconds

    def work(i: int) -> None:
        n = first + i * 1_000_000
        while time.monotonic() < stop:
            stub.SubmitRequest(submit_request(n), metadata=RESIDENT, timeout=30)
            n += 1
            count[i] += 1

    started = time.monotonic()
    workers = [threading.Thread(target=work, args=(i,)) for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    submitted = sum(count)
    while topic_end_offsets(bootstrap, "linli.requests.v1") - before < submitted:  # every event on Kafka
        time.sleep(0.05)
    return submitted / (time.monotonic() - started), submitted


def latency_at(stub: requests_pb2_grpc.RequestServiceStub, rate: float, seconds: float, first: int) -> list[float]:
    samples: list[float] = []
    lock = threading.Lock()
    interval = 1.0 / rate
    start = time.monotonic()
    n = 0
    pending: list[threading.Thread] = []

    def one(k: int) -> None:
        began = time.perf_counter()
        stub.SubmitRequest(submit_request(k), metadata=RESIDENT, timeout=30)
        with lock:
            samples.append(time.perf_counter() - began)

    while time.monotonic() - start < seconds:
        due = start + n * interval
        if (wait := due - time.monotonic()) > 0:
            time.sleep(wait)
        thread = threading.Thread(target=one, args=(first + n,))
        thread.start()
        pending.append(thread)
        n += 1
    for thread in pending:
        thread.join()
    return samples


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=12.0)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3, help="raw and Linli phases, alternated")
    args = parser.parse_args()
    infra = start_infra()
    services = []
    try:
        ensure_topics(infra.kafka_bootstrap, [*platform_topics(), "linli.bench.raw.v1"])
        organizations = start_service("organizations", infra, LINLI_LOG_LEVEL="WARNING")
        services.append(organizations)
        assert organizations.run_module("linli.organizations.seed").returncode == 0
        requests_service = start_service(
            "requests", infra, LINLI_ORGANIZATIONS_ADDR=organizations.address, LINLI_LOG_LEVEL="WARNING"
        )
        services.append(requests_service)
        channel = grpc.insecure_channel(requests_service.address)
        stub = requests_pb2_grpc.RequestServiceStub(channel)
        sample = stub.SubmitRequest(submit_request(-1), metadata=RESIDENT, timeout=30).request  # warm-up
        stored = MongoClient(infra.mongo_uri)[requests_service.env["LINLI_MONGO_DB"]]["requests"].find_one(
            {"_id": sample.id}, {"outbox": 0}
        )
        assert stored is not None
        payload = json.dumps({"request": str(sample)}, ensure_ascii=False).encode()

        pids = {
            **infra.pids(),
            "requests": requests_service.process.pid,
            "organizations": organizations.process.pid,
            "bench": os.getpid(),
        }
        print(
            f"\nSubmit rate, {args.threads} client threads, {args.seconds:.0f} s per phase, {args.rounds} rounds "
            "(2-core machine, every process on it); CPU is milliseconds per operation by process"
        )
        ratios, rates = [], []
        for round_number in range(args.rounds):
            meter = CpuMeter(pids)
            raw = raw_ceiling(infra.mongo_uri, infra.kafka_bootstrap, stored, payload, args.threads, args.seconds)
            raw_cpu = meter.per_operation(int(raw * args.seconds))
            meter = CpuMeter(pids)
            linli, submitted = linli_sustained(
                stub, infra.kafka_bootstrap, args.threads, args.seconds, first=round_number * 100_000_000
            )
            linli_cpu = meter.per_operation(submitted)
            trimmed, trim_seconds = wait_for_trimming(requests_service.metrics_port)
            ratios.append(linli / raw)
            rates.append(linli)
            print(
                f"  round {round_number + 1}: raw ceiling (pymongo insert + kafka-python send, acks=all) "
                f"{raw:6.0f} /s; Linli SubmitRequest, stored and published to Kafka {linli:6.0f} /s "
                f"({submitted} requests); ratio {linli / raw:.2f}"
            )
            print(f"           CPU raw:   {cpu_line(raw_cpu)}")
            print(f"           CPU Linli: {cpu_line(linli_cpu)}")
            print(
                f"           then, idle: the relay trimmed {trimmed:.0f} documents' published events "
                f"({trim_seconds:.0f} s, not counted)"
            )
        half = statistics.median(rates) / 2
        samples = latency_at(stub, half, min(args.seconds, 10.0), first=900_000_000)
        samples.sort()
        p50 = samples[len(samples) // 2] * 1000
        p99 = samples[min(len(samples) - 1, int(len(samples) * 0.99))] * 1000
        print(f"  ratio, median of {args.rounds} rounds: {statistics.median(ratios):.2f} (target >= 0.5)")
        print(
            f"  latency at half the median rate ({half:.0f}/s, {len(samples)} calls): p50 {p50:.1f} ms, "
            f"p99 {p99:.1f} ms, mean {statistics.fmean(samples) * 1000:.1f} ms"
        )
        channel.close()
    finally:
        for service in services:
            service.stop()
        infra.stop()


if __name__ == "__main__":
    main()
