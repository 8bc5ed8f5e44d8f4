"""The operator guide (deploy/README.md) keeps up with the code: its settings tables are the
config classes' own, every `LINLI_*` variable the services read is in it, and every alert
of deploy/prometheus/rules is explained."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from types import ModuleType

import yaml

ROOT = Path(__file__).resolve().parents[3]
GUIDE = (ROOT / "deploy" / "README.md").read_text(encoding="utf-8")

#: Names that look like settings but are not read from the environment.
NOT_SETTINGS = {
    "LINLI_CONFIG",  # a Flask config key
    "LINLI_KAFKA_",  # the prefix, in a docstring
    "LINLI_WEB_MAP_TILES_URL",  # an old name in a docstring; the setting is LINLI_MAP_TILES_URL
}


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("guide_settings", ROOT / "deploy" / "guide_settings.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_settings_tables_are_generated_from_the_config_classes() -> None:
    generator = _generator()
    assert generator.current(GUIDE) == generator.render(), "run: python deploy/guide_settings.py"


def test_every_variable_the_services_read_is_documented() -> None:
    read: set[str] = set()
    for source in (ROOT / "services").glob("*/src/**/*.py"):
        read |= set(re.findall(r"LINLI_[A-Z0-9_]+", source.read_text(encoding="utf-8")))
    missing = sorted(name for name in read - NOT_SETTINGS if f"`{name}`" not in GUIDE)
    assert not missing, f"not in deploy/README.md: {missing}"


def test_every_alert_is_explained() -> None:
    alerts = []
    for rules in (ROOT / "deploy" / "prometheus" / "rules").glob("*.yml"):
        for group in yaml.safe_load(rules.read_text(encoding="utf-8"))["groups"]:
            alerts += [rule["alert"] for rule in group["rules"] if "alert" in rule]
    assert alerts
    section = GUIDE[GUIDE.index("## 10. Alerts") :]
    missing = [alert for alert in alerts if f"| `{alert}` |" not in section]
    assert not missing, f"alerts without a line in deploy/README.md, section 10: {missing}"


def test_secret_names_match_the_infrastructure() -> None:
    users = (ROOT / "k8s" / "infra" / "kafka" / "users.yaml").read_text(encoding="utf-8")
    for service in ("organizations", "volunteers", "requests", "notifications"):
        assert f"name: linli-{service}\n" in users
        assert f"`linli-{service}`" in GUIDE
    assert "`linli-cluster-ca-cert`" in GUIDE and "`linli-mongodb-<user>-password`" in GUIDE
