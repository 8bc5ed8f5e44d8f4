"""Operator commands: `python -m linli.common.admin topics` creates the platform's topics.

Used by `make run` and by Kubernetes jobs where Strimzi does not manage topics.
"""

from __future__ import annotations

import argparse
import sys

from linli.common.config import ServiceConfig
from linli.common.kafka_io import ensure_topics, platform_topics
from linli.common.logs import configure_logging


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m linli.common.admin")
    sub = parser.add_subparsers(dest="command", required=True)
    topics = sub.add_parser("topics", help="create every platform topic and its dead-letter topic")
    topics.add_argument("--partitions", type=int, default=6)
    topics.add_argument("--replication", type=int, default=1)
    args = parser.parse_args(argv)
    config = ServiceConfig.from_env(service_name="admin")
    configure_logging("admin", config.log_level)
    if args.command == "topics":
        names = platform_topics()
        ensure_topics(config.kafka_bootstrap, names, partitions=args.partitions, replication=args.replication)
        print(f"{len(names)} topics ready on {config.kafka_bootstrap}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
