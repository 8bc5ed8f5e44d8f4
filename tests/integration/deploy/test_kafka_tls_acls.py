"""The cluster's Kafka security, on a real broker: a TLS listener that requires client
certificates, Kafka's StandardAuthorizer, and exactly the ACLs of k8s/infra/kafka/users.yaml
(principal `User:CN=<KafkaUser>`, as Strimzi's certificates name it). The kit's clients,
configured only through LINLI_KAFKA_SECURITY_PROTOCOL / LINLI_KAFKA_SSL_*, must do what each
service does (idempotent producer with no cluster ACL, consumer groups, the group-less grid
copy) and be refused the rest.

The broker is the project's own (deploy/local/kafka.sh) with extra properties; certificates
are made here with `cryptography` (a CA, the broker's for 127.0.0.1, one per user)."""

from __future__ import annotations

import datetime as dt
import functools
import ipaddress
import os
import subprocess
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from kafka import KafkaAdminClient, KafkaConsumer, TopicPartition
from kafka.admin import ACL, ACLOperation, ACLPermissionType, ACLResourcePatternType, ResourcePattern, ResourceType
from kafka.errors import GroupAuthorizationFailedError, KafkaError

from linli.common.kafka_io import client_security, ensure_topics, make_producer, platform_topics
from tests.support.infra import LOCAL, ROOT, free_port

USERS = ROOT / "k8s" / "infra" / "kafka" / "users.yaml"
NAMES = ["linli-organizations", "linli-volunteers", "linli-requests", "linli-notifications", "linli-agency-example"]


class Pki:
    """A CA and the certificates it signs, as PEM files in `folder`."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.ca_key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "linli-test-ca")])
        self.ca = (
            self._builder(name, name, self.ca_key.public_key())
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(self.ca_key, hashes.SHA256())
        )
        self.ca_file = self._write("ca.crt", self.ca.public_bytes(serialization.Encoding.PEM))

    @staticmethod
    def _builder(subject: x509.Name, issuer: x509.Name, key: Any) -> x509.CertificateBuilder:
        now = dt.datetime.now(dt.UTC)
        return (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(issuer)
            .public_key(key)
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=1))
        )

    def _write(self, name: str, data: bytes) -> Path:
        path = self.folder / name
        path.write_bytes(data)
        return path

    def issue(self, common_name: str, server: bool = False) -> tuple[Path, Path]:
        """(certificate, unencrypted PKCS#8 key) for `common_name`; a server's names 127.0.0.1."""
        key = ec.generate_private_key(ec.SECP256R1())
        builder = self._builder(
            x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)]), self.ca.subject, key.public_key()
        )
        if server:
            builder = builder.add_extension(
                x509.SubjectAlternativeName(
                    [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]
                ),
                critical=False,
            )
        cert = builder.sign(self.ca_key, hashes.SHA256())
        pem_key = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        return (
            self._write(f"{common_name}.crt", cert.public_bytes(serialization.Encoding.PEM)),
            self._write(f"{common_name}.key", pem_key),
        )


class SecureBroker:
    def __init__(self, plain: str, tls: str, env: dict[str, str], pki: Pki) -> None:
        self.plain, self.tls, self.env, self.pki = plain, tls, env, pki

    def env_of(self, user: str) -> dict[str, str]:
        """What a service's pod sets (k8s/base/*/config.env), for this broker and `user`."""
        return {
            "LINLI_KAFKA_SECURITY_PROTOCOL": "SSL",
            "LINLI_KAFKA_SSL_CAFILE": str(self.pki.ca_file),
            "LINLI_KAFKA_SSL_CERTFILE": str(self.pki.folder / f"{user}.crt"),
            "LINLI_KAFKA_SSL_KEYFILE": str(self.pki.folder / f"{user}.key"),
        }


def _acls() -> list[ACL]:
    """users.yaml's rules as Kafka ACLs for the principals Strimzi's certificates carry."""
    acls = []
    for user in yaml.safe_load_all(USERS.read_text(encoding="utf-8")):
        if not user:
            continue
        principal = f"User:CN={user['metadata']['name']}"
        for rule in user["spec"]["authorization"]["acls"]:
            resource = rule["resource"]
            pattern = ResourcePattern(
                ResourceType[resource["type"].upper()],
                resource["name"],
                ACLResourcePatternType.PREFIXED
                if resource.get("patternType") == "prefix"
                else ACLResourcePatternType.LITERAL,
            )
            for operation in rule["operations"]:
                acls.append(
                    ACL(
                        principal,
                        rule.get("host", "*"),
                        ACLOperation[operation.upper()],
                        ACLPermissionType.ALLOW,
                        pattern,
                    )
                )
    return acls


@pytest.fixture(scope="module")
def broker() -> Iterator[SecureBroker]:
    data = Path(tempfile.mkdtemp(prefix="linli-tls-"))
    pki = Pki(data)
    broker_cert, broker_key = pki.issue("linli-kafka-broker", server=True)
    keystore = data / "broker.pem"
    keystore.write_bytes(broker_key.read_bytes() + broker_cert.read_bytes())
    for user in [*NAMES, "linli-stranger"]:
        pki.issue(user)
    plain, controller, tls = free_port(), free_port(), free_port()
    extra = data / "extra.properties"
    # The PLAINTEXT listener stays for the broker's own traffic and this test's admin client
    # (ANONYMOUS, a super user); clients under test use only the TLS listener.
    extra.write_text(
        f"""
listeners=PLAINTEXT://127.0.0.1:{plain},CONTROLLER://127.0.0.1:{controller},SSL://127.0.0.1:{tls}
advertised.listeners=PLAINTEXT://127.0.0.1:{plain},SSL://127.0.0.1:{tls}
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SSL:SSL
ssl.keystore.type=PEM
ssl.keystore.location={keystore}
ssl.truststore.type=PEM
ssl.truststore.location={pki.ca_file}
ssl.client.auth=required
authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
super.users=User:ANONYMOUS
allow.everyone.if.no.acl.found=false
""",
        encoding="utf-8",
    )
    env = {
        **os.environ,
        "LINLI_DATA_DIR": str(data),
        "LINLI_KAFKA_PORT": str(plain),
        "LINLI_KAFKA_CONTROLLER_PORT": str(controller),
        "LINLI_KAFKA_HEAP": "384m",
        "LINLI_KAFKA_EXTRA_PROPERTIES": str(extra),
    }
    started = subprocess.run(
        ["bash", str(LOCAL / "kafka.sh"), "start"], env=env, capture_output=True, text=True, timeout=600, check=False
    )
    secure = SecureBroker(f"127.0.0.1:{plain}", f"127.0.0.1:{tls}", env, pki)
    try:
        assert started.returncode == 0, started.stdout + started.stderr
        ensure_topics(secure.plain, platform_topics(), partitions=2)
        admin = KafkaAdminClient(bootstrap_servers=secure.plain, client_id="acl-admin")
        try:
            result = admin.create_acls(_acls())
            assert not result["failed"], result["failed"]
        finally:
            admin.close()
        yield secure
    finally:
        subprocess.run(["bash", str(LOCAL / "kafka.sh"), "stop"], env=env, capture_output=True, timeout=60, check=False)


@pytest.fixture
def as_user(broker: SecureBroker, monkeypatch: pytest.MonkeyPatch) -> Any:
    """Sets the process environment to `user`'s certificate, as the user's pod would."""

    def use(user: str) -> None:
        for key, value in broker.env_of(user).items():
            monkeypatch.setenv(key, value)

    return use


def _produce(bootstrap: str, topic: str) -> None:
    producer = make_producer(bootstrap, client_id=f"test-{uuid.uuid4().hex[:6]}")
    try:
        producer.send(topic, key=b"k", value=b"{}").get(timeout=20)
    finally:
        producer.close(timeout=5)


def _consume(bootstrap: str, topic: str, group: str) -> None:
    """Joins `group` on `topic` and commits, as the kit's consumer loop does."""
    consumer = KafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=group,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        consumer_timeout_ms=8000,
        **client_security(),
    )
    try:
        deadline = time.monotonic() + 20
        while not consumer.assignment() and time.monotonic() < deadline:
            consumer.poll(timeout_ms=500)
        assert consumer.assignment(), f"{group} got no partition of {topic}"
        consumer.commit()
    finally:
        consumer.close(autocommit=False)


def _refused(action: Callable[[], None]) -> None:
    """`action` fails on authorization: a topic refused, or (a user allowed to write
    nowhere) the idempotent producer's id refused on the cluster."""
    with pytest.raises(KafkaError) as caught:
        action()
    assert "AuthorizationFailed" in f"{type(caught.value).__name__} {caught.value}", caught.value


def _partitions(bootstrap: str, topic: str) -> set[int]:
    """The partitions of `topic` this user sees; none when the broker answers its metadata
    with TOPIC_AUTHORIZATION_FAILED (no Describe, hence no Read: a consumer of it would sit
    unassigned). Every platform topic exists with 2 partitions, so none means refused."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False, **client_security())
    try:
        return set(consumer.partitions_for_topic(topic) or ())
    finally:
        consumer.close(autocommit=False)


def _allowed_writes() -> dict[str, set[str]]:
    writes: dict[str, set[str]] = {}
    for user in yaml.safe_load_all(USERS.read_text(encoding="utf-8")):
        if user:
            writes[user["metadata"]["name"]] = {
                rule["resource"]["name"]
                for rule in user["spec"]["authorization"]["acls"]
                if rule["resource"]["type"] == "topic" and "Write" in rule["operations"]
            }
    return writes


@pytest.mark.parametrize("user", NAMES)
def test_each_user_writes_exactly_its_topics_with_the_idempotent_producer(
    broker: SecureBroker, as_user: Any, user: str
) -> None:
    as_user(user)
    allowed = _allowed_writes()[user]
    for topic in platform_topics():
        if topic in allowed:
            _produce(broker.tls, topic)  # no IdempotentWrite on the cluster needed
        else:
            _refused(functools.partial(_produce, broker.tls, topic))


def test_volunteers_consume_requests_in_their_group_only(broker: SecureBroker, as_user: Any) -> None:
    as_user("linli-volunteers")
    _consume(broker.tls, "linli.requests.v1", "volunteers")
    with pytest.raises(GroupAuthorizationFailedError):
        _consume(broker.tls, "linli.requests.v1", "someone-else")
    assert _partitions(broker.tls, "linli.requests.v1")
    assert _partitions(broker.tls, "linli.organizations.v1") == set()


def test_notifications_consume_every_topic_they_follow(broker: SecureBroker, as_user: Any) -> None:
    as_user("linli-notifications")
    for topic in ("linli.requests.v1", "linli.public.requests.v1", "linli.volunteers.v1", "linli.organizations.v1"):
        _consume(broker.tls, topic, "notifications")


def test_requests_grid_copy_reads_organizations_without_a_group(broker: SecureBroker, as_user: Any) -> None:
    as_user("linli-requests")
    consumer = KafkaConsumer(bootstrap_servers=broker.tls, group_id=None, enable_auto_commit=False, **client_security())
    try:
        partitions = [
            TopicPartition("linli.organizations.v1", p)
            for p in consumer.partitions_for_topic("linli.organizations.v1") or ()
        ]
        assert partitions
        consumer.assign(partitions)
        ends = consumer.end_offsets(partitions)
        consumer.seek_to_beginning()
        consumer.poll(timeout_ms=1000)
        assert set(ends) == set(partitions)
    finally:
        consumer.close(autocommit=False)


def test_the_agency_reads_only_the_public_feed_under_its_prefix(broker: SecureBroker, as_user: Any) -> None:
    as_user("linli-agency-example")
    _consume(broker.tls, "linli.public.requests.v1", "agency-example.dashboard")
    with pytest.raises(GroupAuthorizationFailedError):
        _consume(broker.tls, "linli.public.requests.v1", "volunteers")
    assert _partitions(broker.tls, "linli.public.requests.v1")
    assert _partitions(broker.tls, "linli.requests.v1") == set()


def test_a_certificate_without_acls_gets_nothing(broker: SecureBroker, as_user: Any) -> None:
    as_user("linli-stranger")
    _refused(functools.partial(_produce, broker.tls, "linli.requests.v1"))
    _refused(functools.partial(_consume, broker.tls, "linli.public.requests.v1", "agency-example.x"))
    assert _partitions(broker.tls, "linli.public.requests.v1") == set()


def test_no_client_certificate_no_connection(broker: SecureBroker, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LINLI_KAFKA_SECURITY_PROTOCOL", "SSL")
    monkeypatch.setenv("LINLI_KAFKA_SSL_CAFILE", str(broker.pki.ca_file))
    monkeypatch.delenv("LINLI_KAFKA_SSL_CERTFILE", raising=False)
    monkeypatch.delenv("LINLI_KAFKA_SSL_KEYFILE", raising=False)
    # the broker requires a certificate: the TLS handshake fails, so the client never
    # gets past bootstrapping
    with pytest.raises(KafkaError):
        producer = make_producer(broker.tls, client_id="anonymous")
        try:
            producer.send("linli.public.requests.v1", value=b"{}").get(timeout=10)
        finally:
            producer.close(timeout=2)
