"""`python -m linli.volunteers`: runs the volunteers service until SIGTERM."""

from __future__ import annotations

from linli.common.logs import configure_logging
from linli.volunteers.bootstrap import build
from linli.volunteers.config import VolunteersConfig


def main() -> None:
    config = VolunteersConfig.from_env()
    configure_logging(config.service_name, config.log_level)
    runtime, _ = build(config)
    runtime.run_until_signalled()


if __name__ == "__main__":
    main()
