"""The organizations service as operators run it: `python -m linli.organizations`, seeded by
`python -m linli.organizations.seed`, stopped with SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import urllib.request
import uuid
from pathlib import Path

import grpc

from linli.common.kafka_io import ensure_topics, platform_topics
from linli.v1 import common_pb2, organizations_pb2_grpc
from linli.v1 import organizations_pb2 as pb
from tests.support.identity import ops_env, service_env
from tests.support.infra import Infra, free_port


def test_run_seed_query_and_stop(infra: Infra, tmp_path: Path) -> None:
    ensure_topics(infra.kafka_bootstrap, platform_topics())
    grpc_port, metrics_port = free_port(), free_port()
    env = {
        **os.environ,
        "LINLI_MONGO_URI": infra.mongo_uri,
        "LINLI_KAFKA_BOOTSTRAP": infra.kafka_bootstrap,
        "LINLI_MONGO_DB": f"e2e_orgs_{uuid.uuid4().hex[:6]}",
        "LINLI_GRPC_PORT": str(grpc_port),
        "LINLI_METRICS_PORT": str(metrics_port),
        "LINLI_ORGANIZATIONS_ADDR": f"127.0.0.1:{grpc_port}",
        **service_env("organizations"),
    }
    log = (tmp_path / "organizations.log").open("w+")
    service = subprocess.Popen(
        [sys.executable, "-m", "linli.organizations"], env=env, stdout=log, stderr=subprocess.STDOUT
    )
    try:
        channel = grpc.insecure_channel(f"127.0.0.1:{grpc_port}")
        grpc.channel_ready_future(channel).result(timeout=60)
        for _ in range(2):  # the second run must change nothing
            seeded = subprocess.run(
                [sys.executable, "-m", "linli.organizations.seed"],
                env={**env, **ops_env()},  # seeds sign with the ops key
                capture_output=True,
                text=True,
                timeout=300,
                check=False,
            )
            assert seeded.returncode == 0, seeded.stderr
        stub = organizations_pb2_grpc.OrganizationServiceStub(channel)
        district = stub.GetOrganization(pb.GetOrganizationRequest(code="JJ"), timeout=5)
        subtree = stub.ListSubtree(
            pb.ListSubtreeRequest(root_id=district.id, page=common_pb2.PageRequest(page_size=1)), timeout=5
        )
        assert subtree.page.total_size == 179  # the seed's size, not twice it
        located = stub.LocateGrid(pb.LocateGridRequest(point=common_pb2.GeoPoint(lat=28.66, lng=121.42)), timeout=5)
        assert located.found and located.community.name.zh == "东山社区" and located.street.name.zh == "白云街道"
        with urllib.request.urlopen(f"http://127.0.0.1:{metrics_port}/metrics", timeout=5) as response:
            metrics = response.read().decode()
        assert 'linli_events_published_total{topic="linli.organizations.v1"}' in metrics
        channel.close()
        service.send_signal(signal.SIGTERM)
        assert service.wait(30) == 0
        log.seek(0)
        assert '"msg": "service stopped"' in log.read()
    finally:
        if service.poll() is None:
            service.kill()
        log.close()
