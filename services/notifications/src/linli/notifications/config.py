"""Settings of the notifications service (see linli.common.config for the shared ones)."""

from __future__ import annotations

import dataclasses

from linli.common.config import ServiceConfig, setting


@dataclasses.dataclass(frozen=True)
class NotificationsConfig(ServiceConfig):
    service_name: str = setting("LINLI_SERVICE_NAME", "notifications", "Name used in logs, metrics and ce_source.")
    grpc_port: int = setting("LINLI_GRPC_PORT", 50054, "gRPC port; 0 picks a free one.")
    metrics_port: int = setting("LINLI_METRICS_PORT", 9104, "Prometheus /metrics port; 0 picks a free one.")
    # -- other services -------------------------------------------------------------------------
    organizations_addr: str = setting(
        "LINLI_ORGANIZATIONS_ADDR",
        "127.0.0.1:50051",
        "organizations gRPC address: role holders and ancestors of an organisation (recipients).",
    )
    volunteers_addr: str = setting(
        "LINLI_VOLUNTEERS_ADDR",
        "127.0.0.1:50052",
        "volunteers gRPC address: the person behind a volunteer id, a team's leader (recipients).",
    )
    people_cache_seconds: float = setting(
        "LINLI_PEOPLE_CACHE_SECONDS", 300.0, "How long answers about roles, ancestors and volunteers are cached."
    )
    people_cache_size: int = setting("LINLI_PEOPLE_CACHE_SIZE", 50_000, "At most this many cached answers.")
    # -- topics ---------------------------------------------------------------------------------------
    requests_topic: str = setting("LINLI_REQUESTS_TOPIC", "linli.requests.v1", "Topic of the requests service.")
    public_requests_topic: str = setting(
        "LINLI_PUBLIC_REQUESTS_TOPIC",
        "linli.public.requests.v1",
        "The redacted public request feed: titles for messages and the payload agencies' webhooks get.",
    )
    volunteers_topic: str = setting("LINLI_VOLUNTEERS_TOPIC", "linli.volunteers.v1", "Topic of the volunteers service.")
    organizations_topic: str = setting(
        "LINLI_ORGANIZATIONS_TOPIC", "linli.organizations.v1", "Topic of the organizations service."
    )
    notifications_topic: str = setting(
        "LINLI_NOTIFICATIONS_TOPIC", "linli.notifications.v1", "Where this service publishes its delivery events."
    )
    consumer_group: str = setting(
        "LINLI_NOTIFICATIONS_CONSUMER_GROUP", "notifications", "Kafka consumer group reading the topics above."
    )
    consumer_batch_size: int = setting(
        "LINLI_NOTIFICATIONS_BATCH_SIZE",
        500,
        "Most records a consumer polls and applies as one batch (one insert per collection).",
    )
    # -- e-mail -------------------------------------------------------------------------------------
    smtp_host: str = setting("LINLI_SMTP_HOST", "", "SMTP server; empty turns e-mail off (deliveries skipped).")
    smtp_port: int = setting("LINLI_SMTP_PORT", 587, "SMTP port.")
    smtp_starttls: bool = setting("LINLI_SMTP_STARTTLS", True, "Upgrade the SMTP connection with STARTTLS.")
    smtp_user: str = setting("LINLI_SMTP_USER", "", "SMTP user name; empty means no AUTH.")
    smtp_password: str = setting("LINLI_SMTP_PASSWORD", "", "SMTP password.")
    smtp_from: str = setting("LINLI_SMTP_FROM", "Linli <noreply@linli.local>", "The From: of every e-mail.")
    # -- SMS --------------------------------------------------------------------------------------
    sms_provider_url: str = setting(
        "LINLI_SMS_PROVIDER_URL", "", "The SMS provider's HTTP API endpoint; empty turns SMS off."
    )
    sms_provider_key: str = setting("LINLI_SMS_PROVIDER_KEY", "", "API key sent to the SMS provider.")
    sms_per_number_per_hour: int = setting(
        "LINLI_SMS_PER_NUMBER_PER_HOUR", 10, "At most this many SMS per phone number per hour."
    )
    # -- webhooks ---------------------------------------------------------------------------------
    webhook_allow_http: bool = setting(
        "LINLI_WEBHOOK_ALLOW_HTTP", False, "Allow http:// webhook URLs (development and tests only)."
    )
    webhook_allowed_cidrs: str = setting(
        "LINLI_WEBHOOK_ALLOWED_CIDRS",
        "",
        "Comma-separated private networks webhooks may reach (e.g. 127.0.0.0/8 locally); "
        "by default only public addresses.",
    )
    webhook_connect_timeout_seconds: float = setting(
        "LINLI_WEBHOOK_CONNECT_TIMEOUT_SECONDS", 3.0, "Connect timeout of one webhook attempt."
    )
    webhook_read_timeout_seconds: float = setting(
        "LINLI_WEBHOOK_READ_TIMEOUT_SECONDS", 5.0, "Read timeout of one webhook attempt."
    )
    webhook_total_timeout_seconds: float = setting(
        "LINLI_WEBHOOK_TOTAL_TIMEOUT_SECONDS", 15.0, "A webhook attempt is cut after this long in all."
    )
    webhook_max_response_bytes: int = setting(
        "LINLI_WEBHOOK_MAX_RESPONSE_BYTES", 65536, "At most this much of a receiver's answer is read."
    )
    send_timeout_seconds: float = setting("LINLI_SEND_TIMEOUT_SECONDS", 15.0, "Timeout of one e-mail or SMS attempt.")
    # -- retries and circuits ---------------------------------------------------------------------------
    retry_max_attempts: int = setting(
        "LINLI_RETRY_MAX_ATTEMPTS", 8, "Attempts of one delivery before it goes to the dead-letter store."
    )
    retry_base_seconds: float = setting("LINLI_RETRY_BASE_SECONDS", 2.0, "First back-off (doubled per attempt).")
    retry_cap_seconds: float = setting("LINLI_RETRY_CAP_SECONDS", 3600.0, "Longest back-off between attempts.")
    circuit_failure_threshold: int = setting(
        "LINLI_CIRCUIT_FAILURE_THRESHOLD", 5, "Failures in a row that open an endpoint's circuit."
    )
    circuit_open_seconds: float = setting(
        "LINLI_CIRCUIT_OPEN_SECONDS", 60.0, "How long an open circuit pauses its endpoint."
    )
    delivery_workers: int = setting("LINLI_DELIVERY_WORKERS", 8, "Threads sending deliveries.")
    # -- timers ------------------------------------------------------------------------------------
    deadline_near_minutes: float = setting(
        "LINLI_DEADLINE_NEAR_MINUTES",
        30.0,
        "Lead time of the 'deadline near' notice before an accept/resolve deadline.",
    )
    station_reminder_hours: float = setting(
        "LINLI_STATION_REMINDER_HOURS", 2.0, "Lead time of a station event's reminder to signed-up people."
    )
    digest_time: str = setting(
        "LINLI_DIGEST_TIME", "08:00", "When the daily digest goes to community leaders (HH:MM, city time UTC+8)."
    )
    timer_scan_seconds: float = setting("LINLI_NOTIFY_TIMER_SCAN_SECONDS", 60.0, "How often the timers look.")
    # -- content ------------------------------------------------------------------------------------
    public_base_url: str = setting(
        "LINLI_PUBLIC_BASE_URL", "http://127.0.0.1:8080", "Base of the links in messages (the gateway's address)."
    )
    inbox_memory_limit: int = setting(
        "LINLI_INBOX_MEMORY_LIMIT", 500, "Newest inbox entries per person held in memory (older ones stay stored)."
    )
    templates_dir: str = setting("LINLI_TEMPLATES_DIR", "", "Folder of templates replacing the built-in ones.")
    rules_file: str = setting("LINLI_ROUTING_RULES_FILE", "", "JSON routing rules replacing the built-in ones.")
