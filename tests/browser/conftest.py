"""Browser tests: Debian's chromium, headless, driven by selenium through chromium-driver,
against the gateway and the four services as processes on the session's Kafka and FerretDB
(`platform`: built like the gateway integration tests' platform, from the same helpers, plus
one catalogue category with one-minute deadlines, `browser_quick`, so an overdue request
exists within the test, and a 2-second deadline scan).

Chromium runs with background networking, component updates, sync, default apps and proxies
off, so the only traffic is to the gateway on loopback. Screenshots go to
tests/browser/artifacts/ (git-ignored). When chromium or chromedriver is missing the tests
are skipped with the reason (install them with `make system-deps`).
"""

from __future__ import annotations

import json
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import Select, WebDriverWait

from linli.common.kafka_io import ensure_topics, platform_topics
from tests.integration.gateway.conftest import Platform
from tests.support.gateway import GatewayProcess, start_gateway
from tests.support.infra import Infra
from tests.support.processes import ServiceProcess, start_service

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
ARTIFACTS = Path(__file__).parent / "artifacts"
PHONE = (412, 915)
DEMO_PASSWORD = "linli-demo-2026"

MISSING = [path for path in (CHROMIUM, CHROMEDRIVER) if not Path(path).exists() and not shutil.which(Path(path).name)]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    if MISSING:
        reason = (
            f"Debian's chromium and chromium-driver are needed ({', '.join(MISSING)} missing: run make system-deps)"
        )
        for item in items:
            if "tests/browser" in str(item.path):
                item.add_marker(pytest.mark.skip(reason=reason))


QUICK_CATEGORY = {
    "code": "browser_quick",
    "zh": "快速测试",
    "en": "Quick test",
    "accept_minutes": 1,
    "resolve_minutes": 1,
    "default_urgency": "URGENT",
}


def _seed(service: ServiceProcess | GatewayProcess, module: str) -> None:
    done = service.run_module(module)
    assert done.returncode == 0, f"{module} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"


@pytest.fixture(scope="session")
def platform(infra: Infra) -> Iterator[Platform]:
    """Organizations (demo city), volunteers (60), requests, notifications and the gateway
    (demo accounts), with the quick category in the catalogue of requests and the gateway."""
    ensure_topics(infra.kafka_bootstrap, platform_topics())
    folder = Path(tempfile.mkdtemp(prefix="linli-browser-"))
    catalogue = folder / "catalogue.json"
    catalogue.write_text(json.dumps({"categories": [QUICK_CATEGORY]}))
    quick = {"LINLI_CATALOGUE_FILE": str(catalogue)}
    started: list[ServiceProcess | GatewayProcess] = []
    try:
        organizations = start_service("organizations", infra)
        started.append(organizations)
        _seed(organizations, "linli.organizations.seed")
        peers = {"LINLI_ORGANIZATIONS_ADDR": organizations.address}
        volunteers = start_service("volunteers", infra, **peers)
        started.append(volunteers)
        volunteers.env["LINLI_SEED_VOLUNTEERS"] = "60"
        _seed(volunteers, "linli.volunteers.seed")
        requests = start_service(
            "requests",
            infra,
            **peers,
            **quick,
            LINLI_VOLUNTEERS_ADDR=volunteers.address,
            LINLI_DEADLINE_SCAN_SECONDS="2",
        )
        started.append(requests)
        notifications = start_service(
            "notifications",
            infra,
            **peers,
            LINLI_VOLUNTEERS_ADDR=volunteers.address,
            LINLI_REQUESTS_ADDR=requests.address,
        )
        started.append(notifications)
        services = {
            "organizations": organizations,
            "volunteers": volunteers,
            "requests": requests,
            "notifications": notifications,
        }
        gateway = start_gateway(infra, services, LINLI_RATE_LIMIT_DEFAULT="100000/minute", **quick)
        started.append(gateway)
        _seed(gateway, "linli.gateway.seed")
        yield Platform(gateway, organizations, volunteers, requests, notifications, infra)
    finally:
        for process in reversed(started):
            process.stop()
        shutil.rmtree(folder, ignore_errors=True)


class Browser:
    """One browser session (its own cookies) on the gateway."""

    def __init__(self, base_url: str, language: str = "zh-CN") -> None:
        options = webdriver.ChromeOptions()
        options.binary_location = CHROMIUM
        for argument in (
            "--headless=new",
            "--no-sandbox",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-default-apps",
            "--metrics-recording-only",
            "--disable-client-side-phishing-detection",
            "--disable-features=Translate,OptimizationHints,MediaRouter",
            "--no-proxy-server",
            f"--window-size={PHONE[0]},{PHONE[1]}",
            f"--lang={language}",
        ):
            options.add_argument(argument)
        options.add_experimental_option("prefs", {"intl.accept_languages": language})
        options.set_capability("goog:loggingPrefs", {"browser": "SEVERE"})
        self.driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
        self.driver.set_page_load_timeout(30)
        self.base_url = base_url

    def go(self, path: str) -> None:
        self.driver.get(self.base_url + path)

    def find(self, css: str) -> WebElement:
        return self.driver.find_element(By.CSS_SELECTOR, css)

    def all(self, css: str) -> list[WebElement]:
        return self.driver.find_elements(By.CSS_SELECTOR, css)

    def text(self) -> str:
        return str(self.find("body").text)

    def wait_for(self, css: str, timeout: float = 20) -> WebElement:
        found: WebElement = WebDriverWait(self.driver, timeout).until(
            expected_conditions.presence_of_element_located((By.CSS_SELECTOR, css))
        )
        return found

    def wait_until(
        self, check: Callable[[], bool], timeout: float = 30, reload: bool = False, every: float = 1.0
    ) -> None:
        """Waits until ``check()`` holds, reloading the page between tries when ``reload``."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                if check():
                    return
            except Exception:
                pass
            if time.monotonic() > deadline:
                raise TimeoutException(
                    f"condition not met in {timeout}s on {self.driver.current_url}:\n{self.text()[:2000]}"
                )
            time.sleep(every)
            if reload:
                self.driver.refresh()

    def fill(self, css: str, value: str) -> None:
        field = self.find(css)
        field.clear()
        field.send_keys(value)

    def choose(self, css: str, value: str) -> None:
        Select(self.find(css)).select_by_value(value)

    def click(self, css: str) -> None:
        element = self.find(css)
        self.driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", element)
        element.click()

    def sign_in(self, login: str, password: str = DEMO_PASSWORD) -> None:
        self.go("/signin")
        self.fill("#login", login)
        self.fill("#password", password)
        self.click("#signin-submit")
        self.wait_for("form[action='/signout']")

    def language(self, code: str) -> None:
        current = self.driver.current_url.removeprefix(self.base_url) or "/"
        self.go(f"/lang/{code}?next={current}")

    def shot(self, name: str) -> Path:
        """A full-page screenshot (the window stretched to the page's height)."""
        ARTIFACTS.mkdir(exist_ok=True)
        height = int(self.driver.execute_script("return document.documentElement.scrollHeight"))
        width = self.driver.get_window_size()["width"]
        self.driver.set_window_size(width, min(max(height + 100, PHONE[1]), 6000))
        path = ARTIFACTS / f"{name}.png"
        self.driver.save_screenshot(str(path))
        self.driver.set_window_size(width, PHONE[1])
        return path

    def console_errors(self) -> list[str]:
        try:
            entries = self.driver.get_log("browser")  # type: ignore[no-untyped-call]
        except Exception:
            return []
        return [str(e["message"]) for e in entries if e.get("level") == "SEVERE"]

    def quit(self) -> None:
        self.driver.quit()


@pytest.fixture
def browser(platform: Platform) -> Iterator[Callable[..., Browser]]:
    """A factory of browser sessions; each test may open several (two people at once)."""
    opened: list[Browser] = []

    def open_browser(language: str = "zh-CN") -> Browser:
        made = Browser(platform.url, language)
        opened.append(made)
        return made

    try:
        yield open_browser
    finally:
        for made in opened:
            made.quit()
