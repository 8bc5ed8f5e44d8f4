"""k8s/infra agrees with the code: a KafkaTopic for every topic the platform creates, the
same settings as the local brokers, ACLs for what each service produces and consumes (under
its configured consumer group), and a MongoDB user per service on its own database only."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from linli.common.cloudevents import dlq_topic
from linli.common.kafka_io import TOPIC_CONFIGS, platform_topics
from linli.gateway.config import GatewayConfig
from linli.notifications.config import NotificationsConfig
from linli.organizations.config import OrganizationsConfig
from linli.requests.config import RequestsConfig
from linli.volunteers.config import VolunteersConfig

INFRA = Path(__file__).resolve().parents[3] / "k8s" / "infra"

Resource = dict[str, Any]


def _load(relative: str) -> list[Resource]:
    with (INFRA / relative).open(encoding="utf-8") as stream:
        return [doc for doc in yaml.safe_load_all(stream) if doc]


def _of_kind(relative: str, kind: str) -> dict[str, Resource]:
    return {doc["metadata"]["name"]: doc for doc in _load(relative) if doc["kind"] == kind}


TOPICS = {doc["spec"]["topicName"]: doc for doc in _of_kind("kafka/topics.yaml", "KafkaTopic").values()}
USERS = _of_kind("kafka/users.yaml", "KafkaUser")


def _allowed(user: str) -> Iterator[tuple[str, str, str, str]]:
    """(resource type, name, pattern, operation) for every allowed operation of `user`."""
    for acl in USERS[user]["spec"]["authorization"]["acls"]:
        resource = acl["resource"]
        assert acl.get("type", "allow") == "allow"
        for operation in acl["operations"]:
            yield resource["type"], resource["name"], resource.get("patternType", "literal"), operation


def _topics(user: str, operation: str) -> set[str]:
    return {name for kind, name, _, op in _allowed(user) if kind == "topic" and op == operation}


def _groups(user: str) -> set[tuple[str, str]]:
    return {(name, pattern) for kind, name, pattern, op in _allowed(user) if kind == "group" and op == "Read"}


def test_every_platform_topic_has_a_kafka_topic_and_nothing_else() -> None:
    assert set(TOPICS) == set(platform_topics())


@pytest.mark.parametrize("topic", platform_topics())
def test_replication_survives_a_broker(topic: str) -> None:
    spec = TOPICS[topic]["spec"]
    assert spec["replicas"] == 3
    assert int(spec["config"]["min.insync.replicas"]) == 2
    assert TOPICS[topic]["metadata"]["labels"]["strimzi.io/cluster"] == "linli"


@pytest.mark.parametrize("topic", sorted(TOPIC_CONFIGS))
def test_cluster_topics_match_the_local_topic_settings(topic: str) -> None:
    config = {key: str(value) for key, value in TOPICS[topic]["spec"]["config"].items()}
    assert {key: config.get(key) for key in TOPIC_CONFIGS[topic]} == TOPIC_CONFIGS[topic]


def test_private_topics_forget_before_the_consumers_dedupe_memory_does() -> None:
    # a record a consumer can re-read must be one whose ce_id it still remembers (30 days)
    thirty_days = 30 * 86_400_000
    for name, topic in TOPICS.items():
        config = topic["spec"]["config"]
        if config["cleanup.policy"] == "delete" and not name.endswith(".dlq"):
            assert int(config["retention.ms"]) + int(config["segment.ms"]) < thirty_days, name


def test_service_users_write_only_their_own_topics_and_dead_letters() -> None:
    requests, volunteers, notifications = RequestsConfig(), VolunteersConfig(), NotificationsConfig()
    organizations = OrganizationsConfig()
    assert _topics("linli-organizations", "Write") == {f"linli.{organizations.service_name}.v1"}
    assert _topics("linli-volunteers", "Write") == {"linli.volunteers.v1", dlq_topic(volunteers.requests_topic)}
    assert _topics("linli-requests", "Write") == {
        "linli.requests.v1",
        "linli.public.requests.v1",
        dlq_topic(requests.organizations_topic),
    }
    consumed = {
        notifications.requests_topic,
        notifications.public_requests_topic,
        notifications.volunteers_topic,
        notifications.organizations_topic,
    }
    assert _topics("linli-notifications", "Write") == {notifications.notifications_topic} | {
        dlq_topic(topic) for topic in consumed
    }


def test_service_users_read_what_they_consume_under_their_groups() -> None:
    requests, volunteers, notifications = RequestsConfig(), VolunteersConfig(), NotificationsConfig()
    assert _topics("linli-organizations", "Read") == set()
    assert _topics("linli-volunteers", "Read") == {volunteers.requests_topic}
    assert _groups("linli-volunteers") == {(volunteers.consumer_group, "literal")}
    # the grid copy reads without a consumer group: no group rule
    assert _topics("linli-requests", "Read") == {requests.organizations_topic}
    assert _groups("linli-requests") == set()
    assert _topics("linli-notifications", "Read") == {
        notifications.requests_topic,
        notifications.public_requests_topic,
        notifications.volunteers_topic,
        notifications.organizations_topic,
    }
    assert _groups("linli-notifications") == {(notifications.consumer_group, "literal")}


def test_the_example_agency_reads_the_public_feed_only() -> None:
    allowed = set(_allowed("linli-agency-example"))
    assert {(kind, name) for kind, name, _, _ in allowed if kind == "topic"} == {("topic", "linli.public.requests.v1")}
    assert {op for kind, _, _, op in allowed if kind == "topic"} == {"Read", "Describe"}
    assert _groups("linli-agency-example") == {("agency-example.", "prefix")}
    assert not [rule for rule in allowed if rule[0] in {"cluster", "transactionalId"}]


def test_every_user_authenticates_with_a_certificate_and_has_no_cluster_rights() -> None:
    for name, user in USERS.items():
        assert user["spec"]["authentication"] == {"type": "tls"}, name
        assert user["metadata"]["labels"]["strimzi.io/cluster"] == "linli"
        assert not [rule for rule in _allowed(name) if rule[0] in {"cluster", "transactionalId"}], name


def test_kafka_cluster_requires_client_certificates_and_acls() -> None:
    (kafka,) = _of_kind("kafka/kafka.yaml", "Kafka").values()
    listeners = kafka["spec"]["kafka"]["listeners"]
    assert [(lst["port"], lst["tls"], lst["authentication"]["type"]) for lst in listeners] == [(9093, True, "tls")]
    assert kafka["spec"]["kafka"]["authorization"]["type"] == "simple"
    assert kafka["spec"]["kafka"]["config"]["auto.create.topics.enable"] is False
    (pool,) = _of_kind("kafka/nodepool.yaml", "KafkaNodePool").values()
    assert pool["spec"]["replicas"] == 3 and set(pool["spec"]["roles"]) == {"controller", "broker"}
    assert pool["spec"]["storage"]["type"] == "persistent-claim"


@pytest.mark.parametrize(
    "config", [OrganizationsConfig(), VolunteersConfig(), RequestsConfig(), NotificationsConfig(), GatewayConfig()]
)
def test_each_service_has_a_mongodb_user_on_its_own_database_only(config: Any) -> None:
    (mongodb,) = _of_kind("mongodb/mongodb.yaml", "MongoDBCommunity").values()
    users = {user["name"]: user for user in mongodb["spec"]["users"]}
    user = users[f"linli-{config.service_name}"]
    assert user["roles"] == [{"name": "readWrite", "db": config.database}]
    assert user["connectionStringSecretName"] == f"linli-mongodb-{config.service_name}"
    assert user["passwordSecretRef"] == {"name": f"linli-mongodb-{config.service_name}-password", "key": "password"}
    assert mongodb["spec"]["members"] == 3


def test_mongodb_users_are_only_the_services_and_the_backup() -> None:
    (mongodb,) = _of_kind("mongodb/mongodb.yaml", "MongoDBCommunity").values()
    names = {user["name"] for user in mongodb["spec"]["users"]}
    services = {"organizations", "volunteers", "requests", "notifications", "gateway"}
    assert names == {f"linli-{service}" for service in services} | {"linli-backup"}
    backup = next(user for user in mongodb["spec"]["users"] if user["name"] == "linli-backup")
    assert {(role["name"], role["db"]) for role in backup["roles"]} == {
        ("backup", "admin"),
        ("restore", "admin"),
        ("clusterMonitor", "admin"),
    }
