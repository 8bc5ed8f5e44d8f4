"""The gateway's settings: the kit's `LINLI_*` settings (logging, MongoDB, identity keys) plus
its own, each read from the environment with a documented default (`GatewayConfig.describe()`)."""

from __future__ import annotations

import dataclasses

from linli.common.config import ServiceConfig, setting


@dataclasses.dataclass(frozen=True)
class GatewayConfig(ServiceConfig):
    service_name: str = setting("LINLI_SERVICE_NAME", "gateway", "Name used in logs and metrics.")
    mongo_db: str = setting("LINLI_MONGO_DB", "linli_gateway", "The gateway's own database (accounts, rate limits).")
    http_host: str = setting("LINLI_HTTP_HOST", "127.0.0.1", "Address the HTTP server binds to.")
    http_port: int = setting("LINLI_HTTP_PORT", 8080, "HTTP port of the REST API, Open311 and the web pages.")
    http_workers: int = setting("LINLI_HTTP_WORKERS", 2, "gunicorn worker processes.")
    http_threads: int = setting(
        "LINLI_HTTP_THREADS", 32, "Threads per worker (gthread); each open Server-Sent Events stream holds one."
    )
    http_timeout_seconds: int = setting(
        "LINLI_HTTP_TIMEOUT_SECONDS", 60, "gunicorn's worker timeout (a silent worker is restarted)."
    )
    organizations_addr: str = setting("LINLI_ORGANIZATIONS_ADDR", "127.0.0.1:50051", "organizations gRPC address.")
    volunteers_addr: str = setting("LINLI_VOLUNTEERS_ADDR", "127.0.0.1:50052", "volunteers gRPC address.")
    requests_addr: str = setting("LINLI_REQUESTS_ADDR", "127.0.0.1:50053", "requests gRPC address.")
    notifications_addr: str = setting("LINLI_NOTIFICATIONS_ADDR", "127.0.0.1:50054", "notifications gRPC address.")
    grpc_timeout_seconds: float = setting(
        "LINLI_GATEWAY_GRPC_TIMEOUT_SECONDS", 5.0, "Deadline of each gRPC call the gateway makes."
    )
    readiness_timeout_seconds: float = setting(
        "LINLI_READINESS_TIMEOUT_SECONDS", 1.0, "Deadline of each dependency's health check in /readyz."
    )
    rate_limit_default: str = setting(
        "LINLI_RATE_LIMIT_DEFAULT",
        "600/minute;50/second",
        "Default limits per caller (account, API key, else client address); Flask-Limiter syntax, ';' between.",
    )
    rate_limit_storage_uri: str = setting(
        "LINLI_RATE_LIMIT_STORAGE_URI",
        "",
        "Flask-Limiter storage shared by replicas; empty: MongoDB at LINLI_MONGO_URI; memory:// for one process.",
    )
    rate_limit_enabled: bool = setting("LINLI_RATE_LIMIT_ENABLED", True, "Turns rate limiting on or off.")
    trusted_proxies: int = setting(
        "LINLI_TRUSTED_PROXIES", 0, "Proxies in front whose X-Forwarded-For is believed (0: the peer address)."
    )
    session_secret_file: str = setting(
        "LINLI_SESSION_SECRET_FILE",
        "",
        "File holding the session-cookie secret (created with a random secret if missing); empty: a random "
        "secret per run (`python -m linli.gateway` shares one between its workers).",
    )
    public_base_url: str = setting(
        "LINLI_PUBLIC_BASE_URL", "", "Address people use to reach the gateway (links, Open311 discovery)."
    )
    map_tiles_url: str = setting(
        "LINLI_MAP_TILES_URL", "", "Map tile URL template ({z}/{x}/{y}) for the web pages; empty: no map tiles."
    )
    secure_cookies: bool = setting("LINLI_SECURE_COOKIES", False, "Session cookies only over https.")

    @property
    def base_url(self) -> str:
        return (self.public_base_url or f"http://{self.http_host}:{self.http_port}").rstrip("/")

    @property
    def limiter_storage_uri(self) -> str:
        return self.rate_limit_storage_uri or self.mongo_uri
