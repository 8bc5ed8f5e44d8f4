"""Events per second from Kafka to stored inbox entries, against the raw consume rate of the
same topic in the same run, and the event-to-inbox latency at half the sustained rate.

Starts its own Kafka and FerretDB (deploy/local scripts) and the notifications service as a
process, then:
- Linli: ``--events`` ``request.accepted`` events (the requests service's own encoder; each
  notifies its requester, spread over 200 people) are produced to a fresh topic the service
  consumes, while the service is paused (SIGSTOP, a few seconds, well within its consumer
  session timeout), so that, like the raw consumer, it reads a topic that is already full
  instead of waiting for this process to send; the rate is events over the time from the
  resume (SIGCONT) to the last event applied (the kit's
  ``linli_events_consumed_total{outcome="applied"}``: its inbox entry is written and the
  offset committed after it);
- raw: a kafka-python consumer reads the same records of the same topic from the start (no
  group, no processing): the ceiling of consuming alone on this machine;
- latency: events sent open loop at half the Linli rate for ``--latency-seconds``, each with
  its send time as ``ce_time``; the latency of one event is its inbox entry's ``created_at``
  (the service's clock when the entry was made, just before its write) minus that time.
Prints the rates, their ratio (goal >= 0.5) and p50/p99 (goal p99 < 200 ms), and the CPU
every process spent per event in each phase (/proc: the service with its publisher child,
FerretDB, the Kafka broker, this load generator), which is what decides the ratio when both
phases fill the machine's two cores. Bounded: about a minute and a half on the project's
2-core machine.

Run: ``.venv/bin/python -m bench.bench_notifications``.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import signal
import statistics
import time
import urllib.request
import uuid
from datetime import UTC, datetime

from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from pymongo import MongoClient

from bench.bench_requests import CpuMeter, cpu_line
from linli.common.aggregates import envelope_of
from linli.common.cloudevents import Envelope, to_kafka
from linli.common.kafka_io import ensure_topics, make_producer
from linli.requests.adapters.event_payloads import encode as req_encode
from linli.requests.domain import events as req_ev
from tests.support.infra import start_infra
from tests.support.processes import start_service
from tests.unit.requests import req_support

PEOPLE = [f"bench-person-{i}" for i in range(200)]


def accepted_events(count: int) -> list[Envelope]:
    """``count`` distinct ``request.accepted`` events, requesters spread over PEOPLE."""
    out: list[Envelope] = []
    while len(out) < count:
        request = req_support.accepted()
        for event in request.pending_events:
            envelope = envelope_of(req_encode(event), req_ev.SOURCE)
            if envelope.type != req_ev.REQUEST_ACCEPTED:
                continue
            data = json.loads(envelope.data)
            data["request"]["requesterPersonId"] = PEOPLE[len(out) % len(PEOPLE)]
            out.append(dataclasses.replace(envelope, data=json.dumps(data, separators=(",", ":")).encode()))
    return out


def send(producer: KafkaProducer, topic: str, envelope: Envelope) -> None:
    key, value, headers = to_kafka(envelope)
    producer.send(topic, key=key, value=value, headers=headers)


def applied(metrics_port: int, topic: str) -> int:
    """Events the service applied from ``topic`` (its consumer metric)."""
    with urllib.request.urlopen(f"http://127.0.0.1:{metrics_port}/metrics", timeout=5) as response:
        text = response.read().decode()
    total = 0.0
    for line in text.splitlines():
        if line.startswith("linli_events_consumed_total{") and 'outcome="applied"' in line and f'"{topic}"' in line:
            total += float(line.rsplit(" ", 1)[1])
    return int(total)


def wait_applied(metrics_port: int, topic: str, expected: int, timeout: float) -> float:
    """Waits until ``expected`` events are applied; the moment it saw them (monotonic)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if applied(metrics_port, topic) >= expected:
            return time.monotonic()
        time.sleep(0.05)
    raise RuntimeError(f"only {applied(metrics_port, topic)} of {expected} events applied in {timeout:.0f} s")


def raw_consume(bootstrap: str, topic: str, expected: int) -> float:
    """Records per second a plain kafka-python consumer reads the topic at, from the start."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False)
    try:
        partitions = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or ())]
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        consumer.poll(timeout_ms=100, max_records=1)  # connect and fetch metadata before the clock starts
        consumer.seek_to_beginning(*partitions)
        seen = 0
        started = time.perf_counter()
        while seen < expected:
            batch = consumer.poll(timeout_ms=1000)
            if not batch:
                break
            seen += sum(len(records) for records in batch.values())
        elapsed = time.perf_counter() - started
    finally:
        consumer.close()
    return seen / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=3000)
    parser.add_argument("--latency-seconds", type=float, default=10.0)
    parser.add_argument(
        "--latency-rate", type=float, default=0.0, help="events/s of the latency phase (default: half the rate)"
    )
    args = parser.parse_args()

    print("starting Kafka, FerretDB and the notifications service ...", flush=True)
    infra = start_infra()
    suffix = uuid.uuid4().hex[:8]
    topics = {name: f"linli.{name}.b{suffix}.v1" for name in ("requests", "public", "volunteers", "organizations")}
    ensure_topics(infra.kafka_bootstrap, [n for t in topics.values() for n in (t, f"{t}.dlq")], partitions=3)
    database = f"bench_notifications_{suffix}"
    service = start_service(
        "notifications",
        infra,
        LINLI_REQUESTS_TOPIC=topics["requests"],
        LINLI_PUBLIC_REQUESTS_TOPIC=topics["public"],
        LINLI_VOLUNTEERS_TOPIC=topics["volunteers"],
        LINLI_ORGANIZATIONS_TOPIC=topics["organizations"],
        LINLI_MONGO_DB=database,
        LINLI_ORGANIZATIONS_ADDR="127.0.0.1:9",  # request.accepted names its people: no lookups
        LINLI_VOLUNTEERS_ADDR="127.0.0.1:9",
        LINLI_LOG_LEVEL="WARNING",
    )
    producer = make_producer(infra.kafka_bootstrap, client_id="bench-notifications")
    topic = topics["requests"]
    try:
        warm = accepted_events(20)
        for envelope in warm:
            send(producer, topic, envelope)
        producer.flush(30)
        wait_applied(service.metrics_port, topic, len(warm), timeout=60)

        events = accepted_events(args.events)
        pids = {"service": service.process.pid, **infra.pids(), "generator": os.getpid()}
        os.kill(service.process.pid, signal.SIGSTOP)
        try:
            paused = time.monotonic()
            for envelope in events:
                send(producer, topic, envelope)
            producer.flush(60)
            sent = time.monotonic() - paused
        finally:
            meter = CpuMeter(pids)
            started = time.monotonic()
            os.kill(service.process.pid, signal.SIGCONT)
        done = wait_applied(service.metrics_port, topic, len(warm) + len(events), timeout=150)
        linli_rate = len(events) / (done - started)
        linli_cpu = meter.per_operation(len(events))
        meter = CpuMeter(pids)
        raw_rate = raw_consume(infra.kafka_bootstrap, topic, len(warm) + len(events))
        raw_cpu = meter.per_operation(len(warm) + len(events))
        print(
            f"Kafka -> stored inbox entry: {len(events)} events in {done - started:.1f} s "
            f"(sent in {sent:.2f} s while the service was paused): {linli_rate:.0f} events/s"
        )
        print(f"raw consume of the same topic (kafka-python, no processing): {raw_rate:.0f} records/s")
        print(f"  ratio: {linli_rate / raw_rate:.3f} (goal >= 0.5)")
        print(f"  CPU ms per event, Linli: {cpu_line(linli_cpu)}")
        print(f"  CPU ms per record, raw:  {cpu_line(raw_cpu)}")

        half = args.latency_rate or linli_rate / 2
        pace = "a set rate" if args.latency_rate else "half that rate"
        total = int(half * args.latency_seconds)
        timed = accepted_events(total)
        sent_at: dict[str, datetime] = {}
        begin = time.monotonic()
        for i, envelope in enumerate(timed):
            target = begin + i / half
            pause = target - time.monotonic()
            if pause > 0:
                time.sleep(pause)
            now = datetime.now(UTC)
            stamped = dataclasses.replace(envelope, time=now)
            sent_at[envelope.id] = now
            send(producer, topic, stamped)
        producer.flush(30)
        wait_applied(service.metrics_port, topic, len(warm) + len(events) + total, timeout=120)
        client: MongoClient[dict[str, object]] = MongoClient(infra.mongo_uri)
        try:
            entries = client[database]["inbox_entries"].find({}, {"event_id": 1, "created_at": 1})
            samples = []
            for entry in entries:
                at = sent_at.get(str(entry.get("event_id")))
                created = entry.get("created_at")
                if at is not None and isinstance(created, datetime):
                    created = created if created.tzinfo else created.replace(tzinfo=UTC)
                    samples.append((created - at).total_seconds())
        finally:
            client.close()
        samples.sort()
        if len(samples) != total:
            print(f"  (latency: {len(samples)} of {total} entries found)")
        p50 = samples[len(samples) // 2] * 1000
        p99 = samples[min(len(samples) - 1, int(len(samples) * 0.99))] * 1000
        print(
            f"event -> inbox latency at {pace} ({half:.0f}/s, {len(samples)} events): "
            f"p50 {p50:.1f} ms, p99 {p99:.1f} ms, mean {statistics.fmean(samples) * 1000:.1f} ms (goal p99 < 200 ms)"
        )
    finally:
        producer.close(timeout=5)
        service.stop()
        infra.stop()


if __name__ == "__main__":
    main()
