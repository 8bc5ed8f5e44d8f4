"""Session fixtures: one real Kafka broker and one FerretDB for the whole run, started on
first use (unit tests never start them) and stopped at the end.

Signed identity: the session's key directory (tests.support.identity) is created here, before
any test module builds its callers' metadata; services in this process read it from
LINLI_IDENTITY_KEYS_DIR, and this process signs as an operator's tool with the ops key
(LINLI_SIGNING_KEY_FILE, as the seeds' helper `tokens.ops_metadata` reads it). Service
processes get their own key (`identity.service_env`)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from kafka import KafkaProducer
from pymongo import MongoClient
from pymongo.database import Database

from linli.common import mongo
from linli.common.kafka_io import ensure_topics, make_producer
from tests.support import identity
from tests.support.infra import Infra, start_infra

os.environ.update(identity.ops_env())


@pytest.fixture(scope="session")
def infra() -> Iterator[Infra]:
    started = start_infra()
    try:
        yield started
    finally:
        started.stop()


@pytest.fixture
def database(infra: Infra) -> Iterator[Database[mongo.Document]]:
    """A fresh database per test, registered as mongoengine's default connection."""
    name = f"test_{uuid.uuid4().hex[:12]}"
    db = mongo.connect(infra.mongo_uri, name)
    try:
        yield db
    finally:
        client: MongoClient[mongo.Document] = db.client
        client.drop_database(name)
        mongo.disconnect()


@pytest.fixture
def topic(infra: Infra) -> str:
    """A fresh topic (and its DLQ) per test, so tests never see each other's events."""
    name = f"linli.test{uuid.uuid4().hex[:10]}.v1"
    ensure_topics(infra.kafka_bootstrap, [name, f"{name}.dlq"], partitions=3)
    return name


@pytest.fixture
def producer(infra: Infra) -> Iterator[KafkaProducer]:
    made = make_producer(infra.kafka_bootstrap, client_id="test")
    try:
        yield made
    finally:
        made.close(timeout=5)
