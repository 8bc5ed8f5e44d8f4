"""Runs one outbox relay round and dies (exit 17) right after Kafka acknowledged the events,
before the watermark records them as published: the crash the outbox design must survive."""

from __future__ import annotations

import os
import sys

from linli.common import mongo
from linli.common.kafka_io import make_producer
from linli.common.mongo import AggregateStore
from linli.common.outbox import OutboxRelay
from linli.common.publisher import ThreadPublisher


def main() -> None:
    bootstrap, uri, name = sys.argv[1:4]
    database = mongo.connect(uri, name)
    producer = make_producer(bootstrap)
    relay = OutboxRelay(
        ThreadPublisher(producer), [AggregateStore(database["aggregates"])], on_published=lambda *_: os._exit(17)
    )
    relay.drain_once()
    sys.exit(1)  # not reached when there was something to publish


if __name__ == "__main__":
    main()
