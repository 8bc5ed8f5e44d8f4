"""`python -m linli.requests`: runs the requests service until SIGTERM."""

from __future__ import annotations

from linli.common.logs import configure_logging
from linli.requests.bootstrap import build
from linli.requests.config import RequestsConfig


def main() -> None:
    config = RequestsConfig.from_env()
    configure_logging(config.service_name, config.log_level)
    runtime, _ = build(config)
    runtime.run_until_signalled()


if __name__ == "__main__":
    main()
