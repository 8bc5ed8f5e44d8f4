"""The web pages in real headless chromium against the real platform: a resident submits and
rates a request while a volunteer claims and resolves it in a second browser session (the
offer reaches the volunteer's open page live, over Server-Sent Events); a dispatcher
reassigns an overdue request from the deadline board; the language switch; the public
board. Every page is screenshotted in both languages (tests/browser/artifacts/)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable

import grpc
import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

from linli.v1 import requests_pb2, volunteers_pb2, volunteers_pb2_grpc
from tests.browser.conftest import Browser
from tests.integration.gateway.conftest import Platform
from tests.support.identity import who

pytestmark = pytest.mark.integration

OPERATOR = who("person-operator", "operator")
#: Inside grid JJ-BY-C1-G1 of Dongshan community (JJ-BY-C1) in the seeded city.
DONGSHAN = (28.6601, 121.4201)

Open = Callable[..., Browser]


def volunteer_id_of(platform: Platform, person_id: str) -> str:
    with grpc.insecure_channel(platform.volunteers.address) as channel:
        found = volunteers_pb2_grpc.VolunteerServiceStub(channel).GetVolunteer(
            volunteers_pb2.GetVolunteerRequest(person_id=person_id), metadata=OPERATOR, timeout=10
        )
    return str(found.id)


def test_the_language_switch(browser: Open) -> None:
    page = browser("zh-CN")
    page.go("/")
    assert page.find("html").get_attribute("lang") == "zh-Hans-CN"
    assert "邻里互助" in page.text()
    page.shot("home.zh")
    page.click("#lang-en")
    assert page.find("html").get_attribute("lang") == "en"
    assert "Neighbours helping neighbours" in page.text()
    page.shot("home.en")
    page.go("/signin")  # the choice stays for the session
    assert page.find("html").get_attribute("lang") == "en"
    page.shot("signin.en")
    page.click("#lang-zh_Hans_CN")
    assert page.find("html").get_attribute("lang") == "zh-Hans-CN"
    assert page.find("label[for=login]").text == "手机号或邮箱"
    page.shot("signin.zh")
    page.fill("#login", "nobody@linli.local")
    page.fill("#password", "wrong-password")
    page.click("#signin-submit")
    assert page.find("#signin-error").text == "手机号、邮箱或密码错误。"
    page.shot("signin-error.zh")


def test_the_public_board(browser: Open) -> None:
    page = browser("en-US")
    for language in ("en", "zh_Hans_CN"):
        page.go(f"/lang/{language}?next=/board")
        page.shot(f"board-index.{language}")
        assert page.all(".figures dd"), page.text()[:1000]
        page.click(".columns a")  # the first community
        page.wait_for(".figures")
        text = page.text()
        assert not re.search(r"person-|demo-resident|1[3-9]\d{9}", text), "no personal data on the board"
        page.shot(f"board-community.{language}")


def test_a_resident_submits_and_rates_while_a_volunteer_claims_and_resolves(browser: Open, platform: Platform) -> None:
    resident, volunteer, dispatcher = browser("en-US"), browser("zh-CN"), browser("zh-CN")
    resident.sign_in("resident1@linli.local")
    volunteer.sign_in("volunteer1@linli.local")
    dispatcher.sign_in("dispatcher@linli.local")

    # the resident asks for help; likely duplicates are checked before it is sent
    title = f"Dripping tap in stairwell {uuid.uuid4().hex[:6]}"
    resident.go("/requests/new")
    resident.choose("#category", "repairs")
    resident.fill("#title", title)
    resident.fill("#description", "The tap on the 3rd floor landing drips all night.")
    resident.fill("#address", "Dongshan Community, building 12")
    resident.fill("#lat", str(DONGSHAN[0]))
    resident.fill("#lng", str(DONGSHAN[1]))
    resident.click("#check-button")
    resident.wait_for("#submit-button")
    assert resident.find("#duplicates").is_displayed()
    resident.shot("request-new-checked.en")
    resident.click("#submit-button")
    resident.wait_for(".flash.success")
    request_id = resident.driver.current_url.rstrip("/").split("/")[-1]
    assert title in resident.find("h1").text
    resident.shot("request-submitted.en")

    # the volunteer's page is open before anything is offered: the offer arrives live
    volunteer.go("/volunteer")
    volunteer.shot("volunteer-before.zh")

    # the community dispatcher accepts it and offers it to this volunteer
    dispatcher.go(f"/requests/{request_id}")
    dispatcher.click("#do-accept")
    dispatcher.wait_for(".flash.success")
    dispatcher.fill("#offer-candidates", volunteer_id_of(platform, "person-vol-00001"))
    dispatcher.click("#do-offer")
    dispatcher.wait_for(".flash.success")
    assert "待志愿者接单" in dispatcher.text()
    dispatcher.shot("request-offered.zh")

    claim = volunteer.wait_for(f"button.claim[data-request='{request_id}']", timeout=60)  # via SSE, no reload
    volunteer.shot("volunteer-offer.zh")
    volunteer.driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", claim)
    claim.click()
    volunteer.wait_for("#do-start")
    assert "您已接单" in volunteer.text()
    volunteer.click("#do-start")
    volunteer.wait_for("#do-resolve")
    volunteer.fill("#result_text", "换了新的水龙头垫圈，不再滴水。")
    volunteer.fill("#hours", "1.5")
    volunteer.shot("request-resolving.zh")
    volunteer.click("#do-resolve")
    volunteer.wait_for("#result-text")
    volunteer.shot("request-resolved.zh")

    # the resident follows the timeline and rates the result
    resident.go(f"/requests/{request_id}")
    resident.wait_until(lambda: bool(resident.all("#do-rate")), timeout=20, reload=True)
    timeline = resident.find("#timeline").text
    for step in ("submitted", "accepted", "claimed", "started work", "resolved"):
        assert step in timeline
    resident.shot("request-to-rate.en")
    resident.click("label[for=stars-4]")
    resident.fill("#rate-comment", "Quick and friendly, thank you!")
    resident.click("#do-rate")
    resident.wait_for("#rating-stars")
    assert "Thank you for your rating." in resident.text()
    resident.shot("request-rated.en")
    resident.go("/requests")
    assert title in resident.find("#my-requests").text
    resident.shot("my-requests.en")

    # the volunteer's points and hours are credited from the rating (volunteers' consumer)
    volunteer.go("/volunteer")
    volunteer.wait_until(lambda: int(volunteer.find("#points").text) > 0, timeout=60, reload=True, every=2)
    volunteer.shot("volunteer-after.zh")
    volunteer.go("/inbox")
    assert volunteer.all("#inbox-list li.card")
    volunteer.shot("inbox.zh")


def submit(page: Browser, category: str, title: str) -> str:
    page.go("/requests/new")
    page.choose("#category", category)
    page.fill("#title", title)
    page.fill("#address", "Dongshan Community, building 8")
    page.fill("#lat", str(DONGSHAN[0]))
    page.fill("#lng", str(DONGSHAN[1]))
    page.click("#check-button")
    page.wait_for("#submit-button")
    page.click("#submit-button")
    page.wait_for(".flash.success")
    return str(page.driver.current_url.rstrip("/").split("/")[-1])


def test_a_dispatcher_reassigns_an_overdue_request(browser: Open) -> None:
    """``browser_quick`` (this platform's catalogue) has one-minute deadlines, halved for
    urgent requests: the request is overdue half a minute after it is submitted."""
    resident, dispatcher = browser("zh-CN"), browser("en-US")
    resident.sign_in("13800000002")
    dispatcher.sign_in("dispatcher@linli.local")
    title = f"Broken street lamp {uuid.uuid4().hex[:6]}"
    request_id = submit(resident, "browser_quick", title)
    dispatcher.go(f"/lang/en?next=/requests/{request_id}")
    dispatcher.click("#do-accept")
    dispatcher.wait_for(".flash.success")
    dispatcher.go("/deadlines")
    dispatcher.wait_until(lambda: title in dispatcher.find("#breached-list").text, timeout=90, reload=True, every=3)
    dispatcher.shot("deadlines.en")
    link = next(a for a in dispatcher.all("#breached-list h3 a") if a.text == title)
    dispatcher.driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", link)
    link.click()
    dispatcher.wait_for("#request-title")
    request_url = dispatcher.driver.current_url

    def act(name: str, fields: dict[str, str], kind: int) -> None:
        """Fills and sends one action form; the deadline timer may change the request
        between page load and submit (a stale version is refused): then look again, retry."""
        for _attempt in range(6):
            dispatcher.driver.execute_script(f"document.getElementById('details-{name}').open = true")
            dispatcher.choose(f"#{name}-kind", str(kind))
            for css, value in fields.items():
                dispatcher.fill(css, value)
            # The page still shows the previous action's message: wait until the form's answer
            # replaced the page, or the old message would be read (and go stale under us).
            previous = dispatcher.driver.find_elements(By.CSS_SELECTOR, ".flash")
            dispatcher.click(f"#do-{name}")
            if previous:
                WebDriverWait(dispatcher.driver, 30).until(expected_conditions.staleness_of(previous[0]))
            flash = dispatcher.wait_for(".flash")
            if "success" in (flash.get_attribute("class") or ""):
                return
            dispatcher.shot(f"request-{name}-problem.en")
            assert "changed this meanwhile" in flash.text, flash.text
        raise AssertionError(f"{name} kept failing")

    # assign it to the grid worker...
    act(
        "dispatch",
        {"#dispatch-id": "person-jj-by-c1-grid-worker", "#dispatch-name": "Grid worker Dongshan"},
        requests_pb2.ASSIGNEE_KIND_STAFF,
    )
    assert "Grid worker Dongshan" in dispatcher.find("#handler").text

    # ...then, still overdue, hand it over to the community admin
    act(
        "transfer",
        {
            "#transfer-id": "person-jj-by-c1-admin",
            "#transfer-name": "Dongshan admin",
            "#transfer-reason": "Overdue: reassigning",
        },
        requests_pb2.ASSIGNEE_KIND_STAFF,
    )
    assert "Transfer requested" in dispatcher.text()
    assert "Dongshan admin" in dispatcher.text()  # the transfer waiting for the receiver
    timeline = dispatcher.find("#timeline").text
    assert "dispatched" in timeline and "asked for a transfer" in timeline
    dispatcher.shot("request-reassigned.en")
    dispatcher.go(request_url.removeprefix(dispatcher.base_url))
    dispatcher.language("zh_Hans_CN")
    dispatcher.shot("request-reassigned.zh")
    dispatcher.go("/deadlines")
    dispatcher.shot("deadlines.zh")


def test_a_stale_form_shows_a_readable_problem(browser: Open) -> None:
    """A problem with the input is a sentence in the page's language next to the form, not a
    stack trace or JSON."""
    page = browser("en-US")
    page.sign_in("resident1@linli.local")
    page.go("/lang/en?next=/requests/new")
    page.choose("#category", "repairs")
    page.fill("#title", "x" * 10)
    page.fill("#lat", "north")
    page.fill("#lng", "121.4")
    page.click("#check-button")
    assert "Please check what you entered" in page.find(".flash.error").text
    page.shot("request-new-problem.en")


STAFF_PAGES = ("/", "/requests/new", "/requests", "/ledger", "/deadlines", "/moderation", "/admin", "/inbox")


@pytest.mark.parametrize("language", ["zh_Hans_CN", "en"])
def test_every_page_in_both_languages(browser: Open, language: str) -> None:
    """Screenshots of the staff and admin pages (the other tests cover the rest), and no
    script errors in the browser's console."""
    page = browser("zh-CN")
    page.sign_in("admin@linli.local")
    page.go(f"/lang/{language}?next=/")
    for path in STAFF_PAGES:
        page.go(path)
        assert page.find("html").get_attribute("lang") == ("en" if language == "en" else "zh-Hans-CN")
        assert "Traceback" not in page.text()
        name = path.strip("/").replace("/", "-") or "home-signed-in"
        page.shot(f"{name}.{language}")
    page.go("/ledger?status=accepted")
    page.shot(f"ledger-filtered.{language}")
    rows = page.all("#ledger-list h3 a")
    if rows:
        rows[0].click()
        page.wait_for("#request-title")
        page.shot(f"request-staff-view.{language}")
    assert page.console_errors() == []
