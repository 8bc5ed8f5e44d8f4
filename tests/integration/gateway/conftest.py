"""The gateway as a process (gunicorn) in front of the four services as processes, all against
the session's Kafka and FerretDB: organizations seeded with the demo city, volunteers seeded
small, requests and notifications empty, the gateway's demo accounts seeded when its seed
module exists. One platform for the whole run: every gateway test module shares it.

The gateway runs with generous rate limits so tests do not throttle each other; the rate
limit test builds its own app with a small limit.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import schemathesis

from linli.common.kafka_io import ensure_topics, platform_topics
from tests.support.gateway import GatewayProcess, start_gateway
from tests.support.infra import Infra
from tests.support.processes import ServiceProcess, start_service


@dataclass
class Platform:
    gateway: GatewayProcess
    organizations: ServiceProcess
    volunteers: ServiceProcess
    requests: ServiceProcess
    notifications: ServiceProcess
    infra: Infra

    @property
    def url(self) -> str:
        return self.gateway.url

    @property
    def services(self) -> dict[str, ServiceProcess]:
        return {
            "organizations": self.organizations,
            "volunteers": self.volunteers,
            "requests": self.requests,
            "notifications": self.notifications,
        }


def _seed(service: ServiceProcess | GatewayProcess, module: str) -> None:
    done = service.run_module(module)
    assert done.returncode == 0, f"{module} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"


@pytest.fixture(scope="session")
def gateway(infra: Infra) -> Iterator[Platform]:
    ensure_topics(infra.kafka_bootstrap, platform_topics())
    started: list[ServiceProcess | GatewayProcess] = []
    try:
        organizations = start_service("organizations", infra)
        started.append(organizations)
        _seed(organizations, "linli.organizations.seed")
        peers = {"LINLI_ORGANIZATIONS_ADDR": organizations.address}
        volunteers = start_service("volunteers", infra, **peers)
        started.append(volunteers)
        volunteers.env["LINLI_SEED_VOLUNTEERS"] = "60"
        _seed(volunteers, "linli.volunteers.seed")
        requests = start_service("requests", infra, **peers, LINLI_VOLUNTEERS_ADDR=volunteers.address)
        started.append(requests)
        notifications = start_service(
            "notifications",
            infra,
            **peers,
            LINLI_VOLUNTEERS_ADDR=volunteers.address,
            LINLI_REQUESTS_ADDR=requests.address,
            # Test subscriptions point at loopback only: never a public address.
            LINLI_WEBHOOK_ALLOW_HTTP="true",
            LINLI_WEBHOOK_ALLOWED_CIDRS="127.0.0.0/8",
        )
        started.append(notifications)
        services = {
            "organizations": organizations,
            "volunteers": volunteers,
            "requests": requests,
            "notifications": notifications,
        }
        # Every module signs in from 127.0.0.1: per-address limits must not throttle the suite.
        gw = start_gateway(
            infra, services, LINLI_RATE_LIMIT_DEFAULT="100000/minute", LINLI_SIGN_IN_RATE_LIMIT="100000/minute"
        )
        started.append(gw)
        if importlib.util.find_spec("linli.gateway.seed") is not None:
            _seed(gw, "linli.gateway.seed")
        yield Platform(gw, organizations, volunteers, requests, notifications, infra)
    finally:
        for process in reversed(started):
            process.stop()


@pytest.fixture(scope="session")
def gateway_schema(gateway: Platform) -> Any:
    """The gateway's OpenAPI document, loaded by schemathesis (test_schemathesis.py)."""
    return schemathesis.openapi.from_url(f"{gateway.url}/api/v1/openapi.json")
