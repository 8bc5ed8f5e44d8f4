"""Kafka plumbing: the producer every service uses, and topic creation.

Topics are created by the platform with the admin client (auto-creation is off on our
brokers) so partition counts and retention are chosen, not defaulted.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import time
from collections.abc import Iterable, Mapping

from kafka import KafkaAdminClient, KafkaProducer
from kafka.admin import ConfigResource, ConfigResourceType, NewTopic
from kafka.errors import KafkaError, TopicAlreadyExistsError

from linli.common.cloudevents import Envelope, dlq_topic, to_kafka_record
from linli.common.config import ServiceConfig
from linli.common.errors import InvalidArgument

log = logging.getLogger(__name__)

SERVICES = ("organizations", "volunteers", "requests", "notifications")
PUBLIC_TOPICS = ("linli.public.requests.v1",)

#: Topic settings other than the broker's defaults. The public feed is compacted and keyed
#: by request id: the latest record per request is what an agency reading from the start
#: gets, so a redaction or a hiding (a tombstone) replaces what was published before.
#: Segments roll hourly and a record may stay uncompacted at most an hour
#: (max.compaction.lag.ms), so a replaced record leaves the log within about an hour;
#: tombstones stay 24 hours (delete.retention.ms) for consumers that were away.
TOPIC_CONFIGS: dict[str, dict[str, str]] = {
    "linli.public.requests.v1": {
        "cleanup.policy": "compact",
        "segment.ms": str(3_600_000),
        "max.compaction.lag.ms": str(3_600_000),
        "min.cleanable.dirty.ratio": "0.1",
        "delete.retention.ms": str(86_400_000),
    },
}


def platform_topics() -> list[str]:
    """Every topic the platform owns, with its dead-letter twin."""
    topics = [f"linli.{service}.v1" for service in SERVICES] + list(PUBLIC_TOPICS)
    return topics + [dlq_topic(t) for t in topics]


SECURITY_PROTOCOLS = ("PLAINTEXT", "SSL")


def security_options(config: ServiceConfig) -> dict[str, str]:
    """kafka-python's connection-security arguments for `config`'s LINLI_KAFKA_* settings;
    empty for PLAINTEXT, so local brokers and tests see the clients exactly as before."""
    protocol = config.kafka_security_protocol.strip().upper()
    if protocol not in SECURITY_PROTOCOLS:
        raise InvalidArgument(
            f"LINLI_KAFKA_SECURITY_PROTOCOL: must be one of {', '.join(SECURITY_PROTOCOLS)}, "
            f"not {config.kafka_security_protocol[:40]!r}",
            field="LINLI_KAFKA_SECURITY_PROTOCOL",
        )
    if protocol == "PLAINTEXT":
        return {}
    if bool(config.kafka_ssl_certfile) != bool(config.kafka_ssl_keyfile):
        raise InvalidArgument(
            "LINLI_KAFKA_SSL_CERTFILE and LINLI_KAFKA_SSL_KEYFILE: set both (client authentication) or neither",
            field="LINLI_KAFKA_SSL_CERTFILE",
        )
    options = {"security_protocol": protocol}
    for option, value in (
        ("ssl_cafile", config.kafka_ssl_cafile),
        ("ssl_certfile", config.kafka_ssl_certfile),
        ("ssl_keyfile", config.kafka_ssl_keyfile),
    ):
        if value:
            options[option] = value
    return options


def client_security(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """`security_options` from the process environment. Every Kafka client the kit builds
    (producers, the publisher child, consumers, the admin client) takes these, so the
    settings need not be threaded through each service's wiring: they are the same
    LINLI_KAFKA_* variables whichever config class the service reads."""
    return security_options(ServiceConfig.from_env(environ))


def broker_reachable(bootstrap: str, timeout: float = 1.0) -> bool:
    """True when a bootstrap broker accepts a TCP connection (the health check).

    kafka-python's `bootstrap_connected()` is only true while its first connection is being
    made, so it cannot tell a live broker from a dead one later on.
    """
    for server in bootstrap.split(","):
        host, _, port = server.strip().rpartition(":")
        try:
            with socket.create_connection((host or "127.0.0.1", int(port)), timeout=timeout):
                return True
        except (OSError, ValueError):
            continue
    return False


def make_producer(bootstrap: str, client_id: str = "linli") -> KafkaProducer:
    """An idempotent producer waiting for all in-sync replicas: a send that succeeds is durable."""
    return KafkaProducer(
        bootstrap_servers=bootstrap,
        client_id=client_id,
        **client_security(),
        acks="all",
        enable_idempotence=True,
        linger_ms=5,
        max_in_flight_requests_per_connection=5,
        retries=2**31 - 1,
        request_timeout_ms=15000,
        delivery_timeout_ms=60000,
    )


def send_envelope(producer: KafkaProducer, envelope: Envelope, topic: str | None = None) -> object:
    """Queues `envelope` on `topic` (default: its own); returns the send future."""
    key, value, headers = to_kafka_record(envelope)
    return producer.send(topic or envelope.topic, key=key, value=value, headers=headers)


def _configure_existing(admin: KafkaAdminClient, names: list[str]) -> None:
    """Applies TOPIC_CONFIGS to topics created before they existed (e.g. the public feed of
    an older installation becomes compacted). A failure is logged, never fatal."""
    if not names:
        return
    try:
        admin.alter_configs([ConfigResource(ConfigResourceType.TOPIC, n, configs=TOPIC_CONFIGS[n]) for n in names])
    except KafkaError as exc:
        log.warning("could not update topic settings", extra={"topics": names, "error": str(exc)})


def ensure_topics(
    bootstrap: str, topics: Iterable[str], partitions: int = 6, replication: int = 1, wait_seconds: float = 60.0
) -> None:
    """Creates the missing topics; waits for the broker to accept connections first."""
    deadline = time.monotonic() + wait_seconds
    while True:
        try:
            admin = KafkaAdminClient(
                bootstrap_servers=bootstrap, client_id="linli-admin", request_timeout_ms=10000, **client_security()
            )
            break
        except KafkaError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)
    try:
        names = list(topics)
        existing = set(admin.list_topics())
        wanted = [
            NewTopic(name, partitions, replication, topic_configs=dict(TOPIC_CONFIGS.get(name, {})))
            for name in names
            if name not in existing
        ]
        if wanted:
            # another process may create them between our look and our create
            with contextlib.suppress(TopicAlreadyExistsError):
                admin.create_topics(wanted)
            log.info("topics created", extra={"topics": [t.name for t in wanted]})
        _configure_existing(admin, [n for n in names if n in existing and n in TOPIC_CONFIGS])
    finally:
        admin.close()
