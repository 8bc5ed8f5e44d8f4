"""Settings of the volunteers service (see linli.common.config for the shared ones)."""

from __future__ import annotations

import dataclasses

from linli.common.config import ServiceConfig, setting


@dataclasses.dataclass(frozen=True)
class VolunteersConfig(ServiceConfig):
    service_name: str = setting("LINLI_SERVICE_NAME", "volunteers", "Name used in logs, metrics and ce_source.")
    grpc_port: int = setting("LINLI_GRPC_PORT", 50052, "gRPC port; 0 picks a free one.")
    metrics_port: int = setting("LINLI_METRICS_PORT", 9102, "Prometheus /metrics port; 0 picks a free one.")
    organizations_addr: str = setting(
        "LINLI_ORGANIZATIONS_ADDR",
        "127.0.0.1:50051",
        "organizations gRPC address: asked for an organisation's ancestors when an admin scoped "
        "above a community acts on it (answers are cached).",
    )
    requests_topic: str = setting(
        "LINLI_REQUESTS_TOPIC",
        "linli.requests.v1",
        "Topic of the requests service's events (claims, resolutions, ratings).",
    )
    consumer_group: str = setting(
        "LINLI_VOLUNTEERS_CONSUMER_GROUP", "volunteers", "Kafka consumer group reading the requests topic."
    )
    match_reference_lat: float = setting(
        "LINLI_MATCH_REFERENCE_LAT",
        28.65,
        "Latitude at which the matching index's cells are square (the city's); any value is correct.",
    )
    scope_cache_seconds: float = setting(
        "LINLI_SCOPE_CACHE_SECONDS", 300.0, "How long an organisation's ancestors are cached for authorisation."
    )
