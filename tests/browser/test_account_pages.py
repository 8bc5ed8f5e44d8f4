"""The password pages in headless chromium: a signed-in person changes their password on the
account page (a wrong current password is said so; afterwards only the new one signs in),
and the forgotten-password page answers alike for any login. Screenshots in both languages."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest
import requests

from tests.browser.conftest import Browser
from tests.integration.gateway.conftest import Platform

pytestmark = pytest.mark.integration

Open = Callable[..., Browser]
PASSWORD = "correct horse battery staple"
NEW_PASSWORD = "a brand new passphrase"


def _account(platform: Platform, language: str) -> str:
    login = f"pages-{uuid.uuid4().hex[:10]}@example.org"
    made = requests.post(
        f"{platform.url}/api/v1/auth/sign-up",
        json={"login": login, "password": PASSWORD, "display_name": "Page Tester", "language": language},
        timeout=20,
    )
    assert made.status_code == 201, made.text
    return login


def test_a_person_changes_their_password(browser: Open, platform: Platform) -> None:
    login = _account(platform, "en")
    page = browser("en-US")
    page.sign_in(login, PASSWORD)
    page.click("#nav-account")
    page.wait_for("#change-password-submit")
    page.shot("account.en")
    page.fill("#current_password", "not my password")
    page.fill("#new_password", NEW_PASSWORD)
    page.fill("#confirm_password", NEW_PASSWORD)
    page.click("#change-password-submit")
    assert "The current password is wrong." in page.wait_for(".flash.error").text
    page.shot("account-wrong-password.en")
    page.fill("#current_password", PASSWORD)
    page.fill("#new_password", NEW_PASSWORD)
    page.fill("#confirm_password", NEW_PASSWORD)
    page.click("#change-password-submit")
    assert "Your password was changed." in page.wait_for(".flash.success").text
    page.shot("account-changed.en")
    page.click("form[action='/signout'] button")
    page.sign_in(login, NEW_PASSWORD)
    page.language("zh_Hans_CN")
    page.go("/account")
    assert page.find("label[for=current_password]").text == "当前密码"
    page.shot("account.zh")


def test_the_forgotten_password_page(browser: Open, platform: Platform) -> None:
    page = browser("zh-CN")
    page.go("/signin")
    page.click("#forgot-password")
    page.wait_for("#reset-submit")
    page.shot("password-forgot.zh")
    page.fill("#login", f"nobody-{uuid.uuid4().hex[:8]}@example.org")
    page.click("#reset-submit")
    assert "重设密码的链接已经发出" in page.wait_for("#reset-sent").text
    page.shot("password-forgot-sent.zh")
    page.go("/password-reset?token=not-a-token")
    page.language("en")
    page.fill("#new_password", NEW_PASSWORD)
    page.fill("#confirm_password", NEW_PASSWORD)
    page.click("#new-password-submit")
    assert "expired or was used already" in page.wait_for(".flash.error").text
    page.shot("password-reset-expired.en")
