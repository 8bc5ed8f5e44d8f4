"""Submits through the gateway (`POST /api/v1/requests`, anonymous with Idempotency-Key and
X-Client-Token: the whole path: HTTP, apiflask validation, rate limit counted in MongoDB,
gRPC to the requests service, which locates the grid through organizations and writes the
request with its outbox) against a bare Flask endpoint (`POST /submit`: parse the JSON,
answer 201 with an id) served by the same gunicorn setup (`linli.gateway.__main__`'s options:
gthread workers, same workers and threads) in the same run.

The load comes from a separate process on loopback (`--load`): persistent HTTP/1.1
connections, one per thread:
- max rate: closed loop for `--seconds` with `--concurrency` threads, for each server,
  alternated for `--rounds` rounds (the machine's speed drifts between phases);
- latency: open loop at half the gateway's median max rate for `--seconds`; a request's
  latency runs from its scheduled send time (no coordinated omission).
Submits are spread over the demo city's compounds and categories as in bench_requests (a day
of real requests): the requests service compares each submit with the same category's recent
requests nearby, so piling every submit onto one spot would measure that comparison growing
with the run instead of the gateway.
Prints each round's rates, their ratio (goal >= 0.3) and the CPU milliseconds every process
spent per request (gateway, requests, organizations, FerretDB, Kafka, the bare server, the load
generator), the median ratio with its spread, and p50/p99 at half the rate. Starts its own
Kafka and FerretDB and the services as processes; about three minutes on the project's 2-core
machine (load generator, gateway and services share the cores).

Run: `.venv/bin/python -m bench.bench_gateway`.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
import uuid
from typing import Any

from flask import Flask, Response, jsonify, request

from tests.support.gateway import start_gateway
from tests.support.infra import free_port, start_infra
from tests.support.processes import start_service

GATEWAY_PATH = "/api/v1/requests"
BARE_PATH = "/submit"

bare_app = Flask("bare")


@bare_app.post(BARE_PATH)
def bare_submit() -> tuple[Response, int]:
    body = request.get_json()
    return jsonify({"id": uuid.uuid4().hex, "title": body.get("title", "")}), 201


def _body(index: int) -> bytes:
    # Imported here: bench_requests signs its resident at import, which the servers need not do.
    from bench.bench_requests import CATEGORIES, CENTRES  # noqa: PLC0415

    lat, lng = CENTRES[index % len(CENTRES)]
    jitter = ((index * 7919) % 50 - 25) * 0.0001
    return json.dumps(
        {
            "category": CATEGORIES[(index // len(CENTRES)) % len(CATEGORIES)],
            "title": f"Stairwell light out {index}",
            "description": "The light on the third floor has been out for two days.",
            "point": {"lat": lat + jitter, "lng": lng - jitter},
            "anonymous_contact": {"name": "Bench", "phone": "13800000000"},
        }
    ).encode()


# --- the load process ---------------------------------------------------------------------


SAMPLE_ERRORS: list[str] = []


def _send(connection: http.client.HTTPConnection, path: str, index: int, client_token: str) -> int:
    headers = {
        "Content-Type": "application/json",
        "Idempotency-Key": f"bench-{uuid.uuid4().hex}",
        "X-Client-Token": client_token,
    }
    connection.request("POST", path, body=_body(index), headers=headers)
    response = connection.getresponse()
    body = response.read()
    if response.status >= 300 and not SAMPLE_ERRORS:
        SAMPLE_ERRORS.append(body.decode(errors="replace")[:500])
    return response.status


def load(url: str, path: str, seconds: float, concurrency: int, rate: float, first: int = 0) -> dict[str, Any]:
    """Closed loop (rate 0) or open loop at `rate` per second; returns counts, latencies and the
    CPU seconds this process spent sending (submit numbers start at `first`)."""
    host, port = url.removeprefix("http://").split(":")
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    lock = threading.Lock()
    _body(first)  # the first call imports the spread
    start = time.perf_counter() + 0.2
    end = start + seconds
    slots = iter(range(10**9))

    def worker() -> None:
        client_token = uuid.uuid4().hex + uuid.uuid4().hex
        connection = http.client.HTTPConnection(host, int(port), timeout=30)
        mine: list[float] = []
        codes: dict[int, int] = {}
        while True:
            with lock:
                slot = next(slots)
            scheduled = start + slot / rate if rate else time.perf_counter()
            if scheduled >= end or time.perf_counter() >= end:
                break
            if rate:
                delay = scheduled - time.perf_counter()
                if delay > 0:
                    time.sleep(delay)
            else:
                scheduled = time.perf_counter()
            try:
                status = _send(connection, path, first + slot, client_token)
            except (OSError, http.client.HTTPException):
                connection.close()
                connection = http.client.HTTPConnection(host, int(port), timeout=30)
                status = 0
            mine.append(time.perf_counter() - scheduled)
            codes[status] = codes.get(status, 0) + 1
        with lock:
            latencies.extend(mine)
            for code, count in codes.items():
                statuses[code] = statuses.get(code, 0) + count

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    while time.perf_counter() < start - 0.1:
        time.sleep(0.01)
    cpu_before = time.process_time()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    cpu = time.process_time() - cpu_before
    ok = sum(count for code, count in statuses.items() if code == 201)
    latencies.sort()
    return {
        "ok": ok,
        "statuses": statuses,
        "rate": ok / seconds,
        "p50_ms": 1000 * statistics.median(latencies) if latencies else 0.0,
        "p99_ms": 1000 * latencies[int(0.99 * (len(latencies) - 1))] if latencies else 0.0,
        "cpu_seconds": cpu,
        "sample_error": SAMPLE_ERRORS[0] if SAMPLE_ERRORS else "",
    }


def run_load(
    url: str, path: str, seconds: float, concurrency: int, rate: float = 0.0, first: int = 0
) -> dict[str, Any]:
    """`load` in a separate process (the load generator must not share the bench's GIL)."""
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.bench_gateway",
            "--load",
            url,
            path,
            str(seconds),
            str(concurrency),
            str(rate),
            str(first),
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=seconds + 120,
    )
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


# --- the bare server ----------------------------------------------------------------------


def serve_bare(port: int) -> None:
    from linli.gateway.__main__ import gunicorn_options, prepare_environment, serve  # noqa: PLC0415
    from linli.gateway.config import GatewayConfig  # noqa: PLC0415

    prepare_environment()
    config = GatewayConfig.from_env(http_port=port, log_level="WARNING")
    serve(lambda: bare_app, gunicorn_options(config))


def start_bare(env: dict[str, str]) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "bench.bench_gateway", "--serve-bare", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            probe = urllib.request.Request(
                f"{url}{BARE_PATH}", data=b"{}", headers={"Content-Type": "application/json"}
            )
            with urllib.request.urlopen(probe, timeout=2):
                return process, url
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("the bare server did not start")


def _cpu_per_request(used: dict[str, float], load_cpu: float, requests: int) -> dict[str, float]:
    """CPU milliseconds per request by process (the meter's processes plus the load generator)."""
    per = dict(used)
    per["load"] = load_cpu * 1000 / max(requests, 1)
    return per


def _spread(values: list[float]) -> str:
    return f"median {statistics.median(values):.2f} (min {min(values):.2f}, max {max(values):.2f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--seconds", type=float, default=12.0)
    parser.add_argument("--rounds", type=int, default=3, help="gateway and bare phases, alternated")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers for both servers")
    parser.add_argument("--threads", type=int, default=16, help="gunicorn threads per worker for both servers")
    parser.add_argument("--load", nargs=6, metavar=("URL", "PATH", "SECONDS", "CONCURRENCY", "RATE", "FIRST"))
    parser.add_argument("--serve-bare", type=int, metavar="PORT")
    args = parser.parse_args()
    if args.load:
        url, path, seconds, concurrency, rate, first = args.load
        print(json.dumps(load(url, path, float(seconds), int(concurrency), float(rate), int(first))))
        return
    if args.serve_bare:
        serve_bare(args.serve_bare)
        return

    from bench.bench_requests import CpuMeter, cpu_line  # noqa: PLC0415 - signs at import (see _body)

    server_env = {
        "LINLI_HTTP_WORKERS": str(args.workers),
        "LINLI_HTTP_THREADS": str(args.threads),
        "LINLI_LOG_LEVEL": "WARNING",
    }
    infra = start_infra()
    started: list[Any] = []
    try:
        organizations = start_service("organizations", infra, LINLI_LOG_LEVEL="WARNING")
        started.append(organizations)
        seeded = organizations.run_module("linli.organizations.seed")
        assert seeded.returncode == 0, seeded.stderr[-2000:]
        requests = start_service(
            "requests",
            infra,
            LINLI_ORGANIZATIONS_ADDR=organizations.address,
            LINLI_VOLUNTEERS_ADDR=f"127.0.0.1:{free_port()}",
            LINLI_LOG_LEVEL="WARNING",
        )
        started.append(requests)
        gateway = start_gateway(
            infra,
            {"organizations": organizations, "requests": requests},
            LINLI_RATE_LIMIT_DEFAULT="1000000/minute",
            **server_env,
        )
        started.append(gateway)
        bare, bare_url = start_bare({**os.environ, **server_env})
        platform_pids = {
            "gateway": gateway.process.pid,
            "requests": requests.process.pid,
            "organizations": organizations.process.pid,
            **infra.pids(),
        }
        print(
            f"\nPOST {GATEWAY_PATH} through the gateway against bare Flask POST {BARE_PATH}, same gunicorn setup "
            f"({args.workers} gthread workers x {args.threads} threads), {args.concurrency} load threads, "
            f"{args.seconds:.0f} s per phase, {args.rounds} rounds; CPU in milliseconds per request by process"
        )
        ratios: list[float] = []
        rates: list[float] = []
        bare_rates: list[float] = []
        try:
            run_load(gateway.url, GATEWAY_PATH, 3, args.concurrency, first=10**8)  # warm-up
            run_load(bare_url, BARE_PATH, 2, args.concurrency)
            for number in range(args.rounds):
                meter = CpuMeter(platform_pids)
                linli = run_load(gateway.url, GATEWAY_PATH, args.seconds, args.concurrency, first=number * 10**6)
                linli_cpu = _cpu_per_request(meter.per_operation(linli["ok"]), linli["cpu_seconds"], linli["ok"])
                meter = CpuMeter({"bare": bare.pid})
                base = run_load(bare_url, BARE_PATH, args.seconds, args.concurrency)
                base_cpu = _cpu_per_request(meter.per_operation(base["ok"]), base["cpu_seconds"], base["ok"])
                ratios.append(linli["rate"] / base["rate"])
                rates.append(linli["rate"])
                bare_rates.append(base["rate"])
                print(
                    f"  round {number + 1}: gateway {linli['rate']:5.0f}/s (statuses {linli['statuses']}); "
                    f"bare {base['rate']:5.0f}/s (statuses {base['statuses']}); ratio {ratios[-1]:.2f}"
                )
                print(f"           CPU gateway path: {cpu_line(linli_cpu)}")
                print(f"           CPU bare:         {cpu_line(base_cpu)}")
                if linli["sample_error"]:
                    print(f"           first error: {linli['sample_error']}")
            half_rate = statistics.median(rates) / 2
            half = run_load(gateway.url, GATEWAY_PATH, args.seconds, args.concurrency, rate=half_rate, first=9 * 10**8)
        finally:
            bare.terminate()
            bare.wait(20)
        print(f"  gateway /s: {_spread(rates)}; bare /s: {_spread(bare_rates)}")
        print(f"  ratio: {_spread(ratios)} (goal >= 0.3)")
        print(
            f"  at half the median max rate ({half_rate:.0f}/s, {half['ok']} submitted): "
            f"p50 {half['p50_ms']:.1f} ms, p99 {half['p99_ms']:.1f} ms (statuses {half['statuses']})"
        )
    finally:
        for process in reversed(started):
            process.stop()
        infra.stop()


if __name__ == "__main__":
    main()
