"""Each service's ConfigMap source (k8s/base/<service>/config.env) names every LINLI_* setting the
service reads, and nothing it does not: a setting added to a config class without a value for the
cluster fails here. Values that are secrets come from Secrets in the Deployment instead."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from linli.common.config import ServiceConfig
from linli.gateway.config import GatewayConfig
from linli.notifications.config import NotificationsConfig
from linli.organizations.config import OrganizationsConfig
from linli.requests.config import RequestsConfig
from linli.volunteers.config import VolunteersConfig

BASE = Path(__file__).resolve().parents[2] / "k8s" / "base"
CONFIGS: dict[str, type[ServiceConfig]] = {
    "organizations": OrganizationsConfig,
    "volunteers": VolunteersConfig,
    "requests": RequestsConfig,
    "notifications": NotificationsConfig,
    "gateway": GatewayConfig,
}
#: Read from Secrets by the Deployments (secretKeyRef), never written into a ConfigMap.
FROM_SECRETS = {"LINLI_MONGO_URI", "LINLI_SMTP_PASSWORD", "LINLI_SMS_PROVIDER_KEY"}
#: The gateway serves HTTP only (its /metrics included) and uses no Kafka.
GATEWAY_UNUSED = {
    "LINLI_GRPC_HOST",
    "LINLI_GRPC_PORT",
    "LINLI_GRPC_WORKERS",
    "LINLI_METRICS_HOST",
    "LINLI_METRICS_PORT",
    "LINLI_KAFKA_BOOTSTRAP",
    "LINLI_KAFKA_SECURITY_PROTOCOL",
    "LINLI_KAFKA_SSL_CAFILE",
    "LINLI_KAFKA_SSL_CERTFILE",
    "LINLI_KAFKA_SSL_KEYFILE",
    "LINLI_OUTBOX_POLL_SECONDS",
    "LINLI_CONSUMER_MAX_ATTEMPTS",
    "LINLI_HEALTH_INTERVAL_SECONDS",
}


def config_env(service: str) -> dict[str, str]:
    lines = (BASE / service / "config.env").read_text().splitlines()
    return dict(line.split("=", 1) for line in lines if re.match(r"^LINLI_[A-Z0-9_]+=", line))


@pytest.mark.parametrize("service", sorted(CONFIGS))
def test_config_env_lists_every_setting_the_service_reads(service: str) -> None:
    read = {env for env, _, _ in CONFIGS[service].describe()}
    listed = set(config_env(service))
    skipped = FROM_SECRETS | (GATEWAY_UNUSED if service == "gateway" else set())
    assert sorted(read - skipped - listed) == [], "settings without a value in config.env"
    assert sorted(listed - read) == [], "config.env sets variables the service does not read"
    assert not listed & FROM_SECRETS, "secrets belong in Secrets"


@pytest.mark.parametrize("service", sorted(CONFIGS))
def test_config_env_values_parse_and_bind_inside_the_pod(service: str) -> None:
    config = CONFIGS[service].from_env(config_env(service))  # a value that does not parse raises
    assert config.service_name == service
    if service == "gateway":
        assert isinstance(config, GatewayConfig) and config.http_host == "0.0.0.0"
    else:
        assert config.grpc_host == "0.0.0.0" and config.metrics_host == "0.0.0.0"


@pytest.mark.parametrize("service", sorted(CONFIGS))
def test_the_deployment_exposes_the_ports_and_mounts_the_files_config_env_names(service: str) -> None:
    deployment = yaml.safe_load((BASE / service / "deployment.yaml").read_text())
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    ports = {port["name"]: port["containerPort"] for port in container["ports"]}
    mounts = [mount["mountPath"] for mount in container["volumeMounts"]]
    env = config_env(service)
    if service == "gateway":
        assert ports == {"http": int(env["LINLI_HTTP_PORT"])}
    else:
        assert ports == {"grpc": int(env["LINLI_GRPC_PORT"]), "metrics": int(env["LINLI_METRICS_PORT"])}
    files = [value for name, value in env.items() if name.endswith(("FILE", "_DIR"))]
    for path in filter(None, files):
        assert any(path == mount or path.startswith(mount + "/") for mount in mounts), f"{path} is not mounted"
