"""`python -m linli.organizations`: runs the organizations service until SIGTERM."""

from __future__ import annotations

from linli.common.logs import configure_logging
from linli.organizations.bootstrap import build
from linli.organizations.config import OrganizationsConfig


def main() -> None:
    config = OrganizationsConfig.from_env()
    configure_logging(config.service_name, config.log_level)
    runtime, _ = build(config)
    runtime.run_until_signalled()


if __name__ == "__main__":
    main()
