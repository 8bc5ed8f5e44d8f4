"""`python -m linli.notifications`: runs the notifications service until SIGTERM."""

from __future__ import annotations

from linli.common.logs import configure_logging
from linli.notifications.bootstrap import build
from linli.notifications.config import NotificationsConfig


def main() -> None:
    config = NotificationsConfig.from_env()
    configure_logging(config.service_name, config.log_level)
    runtime, _ = build(config)
    runtime.run_until_signalled()


if __name__ == "__main__":
    main()
