"""Settings of the requests service (see linli.common.config for the shared ones)."""

from __future__ import annotations

import dataclasses

from linli.common.config import ServiceConfig, setting


@dataclasses.dataclass(frozen=True)
class RequestsConfig(ServiceConfig):
    service_name: str = setting("LINLI_SERVICE_NAME", "requests", "Name used in logs, metrics and ce_source.")
    grpc_port: int = setting("LINLI_GRPC_PORT", 50053, "gRPC port; 0 picks a free one.")
    metrics_port: int = setting("LINLI_METRICS_PORT", 9103, "Prometheus /metrics port; 0 picks a free one.")
    organizations_addr: str = setting(
        "LINLI_ORGANIZATIONS_ADDR", "127.0.0.1:50051", "Organizations service: grid lookup on submit, department ids."
    )
    organizations_topic: str = setting(
        "LINLI_ORGANIZATIONS_TOPIC", "linli.organizations.v1", "Events the copy of the grids used for routing follows."
    )
    places_consumer_group: str = setting(
        "LINLI_PLACES_CONSUMER_GROUP",
        "requests-places",
        "Kafka consumer group of that copy (one per requests deployment: every instance needs all grids).",
    )
    volunteers_addr: str = setting(
        "LINLI_VOLUNTEERS_ADDR",
        "127.0.0.1:50052",
        "Volunteers service: matching for assisted dispatch, who a volunteer is.",
    )
    deadline_scan_seconds: float = setting(
        "LINLI_DEADLINE_SCAN_SECONDS", 30.0, "How often the deadline timer looks for breaches."
    )
    offer_scan_seconds: float = setting("LINLI_OFFER_SCAN_SECONDS", 5.0, "How often expired offers move on.")
    visit_scan_seconds: float = setting(
        "LINLI_VISIT_SCAN_SECONDS", 60.0, "How often scheduled visits generate their requests."
    )
    offer_ttl_seconds: int = setting("LINLI_OFFER_TTL_SECONDS", 1800, "Default time a volunteer has to claim an offer.")
    offer_batch_size: int = setting("LINLI_OFFER_BATCH_SIZE", 3, "Volunteers offered a request at once.")
    catalogue_file: str = setting(
        "LINLI_CATALOGUE_FILE", "", "JSON file overriding the category catalogue (deadlines, departments)."
    )
