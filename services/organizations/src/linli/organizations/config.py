"""Settings of the organizations service (see linli.common.config for the shared ones)."""

from __future__ import annotations

import dataclasses

from linli.common.config import ServiceConfig, setting


@dataclasses.dataclass(frozen=True)
class OrganizationsConfig(ServiceConfig):
    service_name: str = setting("LINLI_SERVICE_NAME", "organizations", "Name used in logs, metrics and ce_source.")
    grpc_port: int = setting("LINLI_GRPC_PORT", 50051, "gRPC port; 0 picks a free one.")
    metrics_port: int = setting("LINLI_METRICS_PORT", 9101, "Prometheus /metrics port; 0 picks a free one.")
    grid_cell_degrees: float = setting(
        "LINLI_GRID_CELL_DEGREES", 0.01, "Bucket size of the in-memory point-to-grid index (degrees, ~1.1 km)."
    )
