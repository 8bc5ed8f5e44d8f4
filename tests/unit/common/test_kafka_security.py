"""The LINLI_KAFKA_* security settings and the kafka-python arguments they become."""

from __future__ import annotations

from typing import Any

import pytest

from linli.common import kafka_io
from linli.common.config import ServiceConfig
from linli.common.errors import InvalidArgument
from linli.common.kafka_io import client_security, security_options

TLS_ENV = {
    "LINLI_KAFKA_SECURITY_PROTOCOL": "SSL",
    "LINLI_KAFKA_SSL_CAFILE": "/var/run/kafka/ca/ca.crt",
    "LINLI_KAFKA_SSL_CERTFILE": "/var/run/kafka/user/user.crt",
    "LINLI_KAFKA_SSL_KEYFILE": "/var/run/kafka/user/user.key",
}


def test_plaintext_by_default_adds_nothing() -> None:
    # clients built exactly as before for the local broker and the tests
    assert security_options(ServiceConfig()) == {}
    assert client_security({}) == {}


def test_tls_with_client_certificate() -> None:
    assert client_security(TLS_ENV) == {
        "security_protocol": "SSL",
        "ssl_cafile": "/var/run/kafka/ca/ca.crt",
        "ssl_certfile": "/var/run/kafka/user/user.crt",
        "ssl_keyfile": "/var/run/kafka/user/user.key",
    }


def test_tls_without_client_certificate_and_lower_case_protocol() -> None:
    options = client_security({"LINLI_KAFKA_SECURITY_PROTOCOL": " ssl ", "LINLI_KAFKA_SSL_CAFILE": "/ca.crt"})
    assert options == {"security_protocol": "SSL", "ssl_cafile": "/ca.crt"}


def test_tls_files_are_ignored_for_plaintext() -> None:
    env = dict(TLS_ENV, LINLI_KAFKA_SECURITY_PROTOCOL="PLAINTEXT")
    assert client_security(env) == {}


@pytest.mark.parametrize("protocol", ["SASL_SSL", "TLS", "", "x" * 500])
def test_unknown_protocol_is_refused_with_a_short_echo(protocol: str) -> None:
    with pytest.raises(InvalidArgument) as caught:
        client_security({"LINLI_KAFKA_SECURITY_PROTOCOL": protocol})
    assert "LINLI_KAFKA_SECURITY_PROTOCOL" in str(caught.value)
    assert len(str(caught.value)) < 200


@pytest.mark.parametrize("missing", ["LINLI_KAFKA_SSL_CERTFILE", "LINLI_KAFKA_SSL_KEYFILE"])
def test_certificate_and_key_come_together(missing: str) -> None:
    env = {k: v for k, v in TLS_ENV.items() if k != missing}
    with pytest.raises(InvalidArgument, match="set both"):
        client_security(env)


def test_settings_are_documented() -> None:
    documented = {env for env, _, _ in ServiceConfig.describe()}
    assert set(TLS_ENV) <= documented


def test_producer_gets_the_security_options(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: dict[str, Any] = {}

    def fake_producer(**config: Any) -> object:
        seen.update(config)
        return object()

    for key, value in TLS_ENV.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setattr(kafka_io, "KafkaProducer", fake_producer)
    kafka_io.make_producer("kafka:9093", client_id="requests")
    assert seen["security_protocol"] == "SSL"
    assert seen["ssl_certfile"] == TLS_ENV["LINLI_KAFKA_SSL_CERTFILE"]
    assert seen["acks"] == "all" and seen["enable_idempotence"] is True
