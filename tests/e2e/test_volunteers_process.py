"""The volunteers service as operators run it: `python -m linli.volunteers` beside
`python -m linli.organizations`, both seeded by their seed modules (the volunteers seed asks
the organizations service for the communities), queried, stopped with SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from linli.common.kafka_io import ensure_topics, platform_topics
from linli.v1 import common_pb2, organizations_pb2, organizations_pb2_grpc, volunteers_pb2_grpc
from linli.v1 import volunteers_pb2 as pb
from tests.support.identity import ops_env, service_env
from tests.support.infra import Infra, free_port

SEEDED_VOLUNTEERS = 300  # the demo seeds 3,000; fewer keep this test short


@contextmanager
def service(name: str, env: dict[str, str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    with log.open("w+") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", f"linli.{name}"], env=env, stdout=out, stderr=subprocess.STDOUT
        )
        try:
            yield process
        finally:
            if process.poll() is None:
                process.kill()
                process.wait(10)


def seed(name: str, env: dict[str, str]) -> float:
    started = time.monotonic()
    seeded = subprocess.run(
        [sys.executable, "-m", f"linli.{name}.seed"],
        env={**env, **ops_env()},  # seeds sign with the ops key
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert seeded.returncode == 0, seeded.stderr
    return time.monotonic() - started


def test_run_seed_match_and_stop(infra: Infra, tmp_path: Path) -> None:
    ensure_topics(infra.kafka_bootstrap, platform_topics())
    orgs_port, vols_port, metrics_port = free_port(), free_port(), free_port()
    suffix = uuid.uuid4().hex[:6]
    common = {
        **os.environ,
        "LINLI_MONGO_URI": infra.mongo_uri,
        "LINLI_KAFKA_BOOTSTRAP": infra.kafka_bootstrap,
        "LINLI_ORGANIZATIONS_ADDR": f"127.0.0.1:{orgs_port}",
        "LINLI_VOLUNTEERS_ADDR": f"127.0.0.1:{vols_port}",
        "LINLI_SEED_VOLUNTEERS": str(SEEDED_VOLUNTEERS),
        "LINLI_HEALTH_INTERVAL_SECONDS": "0.5",
    }
    orgs_env = {
        **common,
        "LINLI_MONGO_DB": f"e2e_vorgs_{suffix}",
        "LINLI_GRPC_PORT": str(orgs_port),
        "LINLI_METRICS_PORT": "0",
        **service_env("organizations"),
    }
    vols_env = {
        **common,
        "LINLI_MONGO_DB": f"e2e_vols_{suffix}",
        "LINLI_GRPC_PORT": str(vols_port),
        "LINLI_METRICS_PORT": str(metrics_port),
        "LINLI_VOLUNTEERS_CONSUMER_GROUP": f"e2e-{suffix}",
        **service_env("volunteers"),
    }
    with ExitStack() as stack:
        stack.enter_context(service("organizations", orgs_env, tmp_path / "organizations.log"))
        volunteers = stack.enter_context(service("volunteers", vols_env, tmp_path / "volunteers.log"))
        orgs_channel = stack.enter_context(grpc.insecure_channel(f"127.0.0.1:{orgs_port}"))
        channel = stack.enter_context(grpc.insecure_channel(f"127.0.0.1:{vols_port}"))
        grpc.channel_ready_future(orgs_channel).result(timeout=60)
        grpc.channel_ready_future(channel).result(timeout=60)
        seed("organizations", common)
        first = seed("volunteers", common)
        again = seed("volunteers", common)  # the second run must change nothing
        assert again < first

        stub = volunteers_pb2_grpc.VolunteerServiceStub(channel)
        orgs = organizations_pb2_grpc.OrganizationServiceStub(orgs_channel)
        district = orgs.GetOrganization(organizations_pb2.GetOrganizationRequest(code="JJ"), timeout=5)
        communities = orgs.ListSubtree(
            organizations_pb2.ListSubtreeRequest(
                root_id=district.id, kinds=[organizations_pb2.ORGANIZATION_KIND_COMMUNITY_COMMITTEE]
            ),
            timeout=5,
        )
        sizes = [
            stub.SearchVolunteers(
                pb.SearchVolunteersRequest(community_id=c.id, page=common_pb2.PageRequest(page_size=1)), timeout=5
            ).page.total_size
            for c in communities.organizations
        ]
        assert sum(sizes) >= SEEDED_VOLUNTEERS  # home counts; workplace links count a few twice
        teams = stub.ListTeams(pb.ListTeamsRequest(page=common_pb2.PageRequest(page_size=1)), timeout=5)
        assert teams.page.total_size == 4 * len(communities.organizations)  # not twice that

        dongshan = next(c for c in communities.organizations if c.name.zh == "东山社区")
        matched = stub.MatchVolunteers(pb.MatchVolunteersRequest(location=dongshan.location, k=5), timeout=5)
        assert len(matched.candidates) == 5
        assert [c.score for c in matched.candidates] == sorted((c.score for c in matched.candidates), reverse=True)
        repairs = stub.MatchVolunteers(
            pb.MatchVolunteersRequest(location=dongshan.location, category="repairs", k=3), timeout=5
        )
        assert len(repairs.candidates) == 3 and "plumbing" in repairs.skills

        health = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=5)
        assert health.status == health_pb2.HealthCheckResponse.SERVING
        with urllib.request.urlopen(f"http://127.0.0.1:{metrics_port}/metrics", timeout=5) as response:
            metrics = response.read().decode()
        assert 'linli_events_published_total{topic="linli.volunteers.v1"}' in metrics

        volunteers.send_signal(signal.SIGTERM)
        assert volunteers.wait(30) == 0
    log = (tmp_path / "volunteers.log").read_text()
    assert '"msg": "service stopped"' in log
    assert '"health changed"' not in log  # dependencies stayed reachable all along
