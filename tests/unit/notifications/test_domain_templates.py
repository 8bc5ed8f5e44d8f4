"""Templates per kind and language: the packaged catalogue, refusals at load, escaping."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from linli.notifications.domain.model import RoutingRule
from linli.notifications.domain.routing import DEFAULT_RULES
from linli.notifications.domain.templates import (
    TEMPLATES_FOLDER,
    TemplateCatalogue,
    local_time,
    normalize_language,
)

VALUES = {
    "title": "Broken stair light",
    "status": "in_progress",
    "deadline": "2025-03-01T08:30:00Z",
    "deadline_kind": "resolve",
}
LINK = "https://linli.example/requests/req_1"


@pytest.fixture(scope="module")
def catalogue() -> TemplateCatalogue:
    return TemplateCatalogue.load(rules=DEFAULT_RULES)


def copy_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "templates"
    shutil.copytree(TEMPLATES_FOLDER, folder)
    return folder


def append(folder: Path, language: str, text: str) -> None:
    """Adds ``text`` to the language's file: tables at the end, top-level keys at the start."""
    path = folder / f"{language}.toml"
    old = path.read_text(encoding="utf-8")
    path.write_text(old + "\n" + text if text.startswith("[") else text + "\n" + old, encoding="utf-8")


def test_every_rule_kind_has_both_languages(catalogue: TemplateCatalogue) -> None:
    assert {rule.kind for rule in DEFAULT_RULES} <= catalogue.kinds
    for rule in DEFAULT_RULES:
        for language in ("zh-CN", "en"):
            message = catalogue.render(rule.kind, language, VALUES, LINK)
            assert message.title and message.body and message.html.startswith("<!DOCTYPE html>")
            assert message.language == language and message.kind == rule.kind and message.link == LINK


def test_message_carries_title_status_deadline_and_link(catalogue: TemplateCatalogue) -> None:
    en = catalogue.render("deadline.breached", "en", VALUES, LINK)
    assert en.title == "Deadline for resolution passed: Broken stair light"
    assert "2025-03-01 16:30" in en.body  # 08:30 UTC is 16:30 in the city
    assert "in progress" in en.body and LINK in en.body
    assert f'<a href="{LINK}">' in en.html
    zh = catalogue.render("deadline.breached", "zh-CN", VALUES, LINK)
    assert zh.title == "已超过办结时限：Broken stair light"
    assert "处理中" in zh.body and "2025-03-01 16:30" in zh.body


def test_language_fallback(catalogue: TemplateCatalogue) -> None:
    assert catalogue.render("request.resolved", "fr", VALUES, LINK).language == "zh-CN"
    assert catalogue.render("request.resolved", "", VALUES, LINK).language == "zh-CN"
    assert catalogue.render("request.resolved", "en-GB", VALUES, LINK).language == "en"
    assert normalize_language("zh") == "zh-CN" and normalize_language("zh-TW") == "zh-CN"


def test_missing_values_render_empty_and_extra_values_are_ignored(catalogue: TemplateCatalogue) -> None:
    message = catalogue.render("request.accepted", "en", {"title": "T", "secret_phone": "139"}, "")
    assert message.title == "Your request was accepted: T"
    assert "Expected" not in message.body and "139" not in message.body


def test_unknown_kind_is_refused(catalogue: TemplateCatalogue) -> None:
    with pytest.raises(ValueError, match=r"no template for kind 'nope\.nope'"):
        catalogue.render("nope.nope", "en", VALUES, LINK)


def test_user_text_is_escaped_in_html_but_not_in_text(catalogue: TemplateCatalogue) -> None:
    evil = '<script>alert("x")</script> & <img src=x onerror=alert(1)>'
    for kind in ("request.resolved", "offer.made", "digest.daily"):
        message = catalogue.render(kind, "en", {**VALUES, "title": evil, "community": evil}, LINK)
        assert "<script>" not in message.html and "<img" not in message.html
        assert "&lt;script&gt;" in message.html
        assert "<script>" in message.title or "<script>" in message.body  # plain text stays as typed


def test_a_kind_s_own_html_is_autoescaped(tmp_path: Path) -> None:
    folder = copy_folder(tmp_path)
    for language in ("zh-CN", "en"):
        append(folder, language, '["own.html"]\ntitle = "t {{ title }}"\nbody = "b"\nhtml = "<p>{{ title }}</p>"\n')
    catalogue = TemplateCatalogue.load(folder)
    message = catalogue.render("own.html", "en", {"title": "<script>x</script>"}, LINK)
    assert message.html == "<p>&lt;script&gt;x&lt;/script&gt;</p>"
    assert message.title == "t <script>x</script>"


def test_title_is_one_line_and_bounded(catalogue: TemplateCatalogue) -> None:
    message = catalogue.render("request.resolved", "en", {"title": "a\nb\r\n" + "x" * 500}, LINK)
    assert "\n" not in message.title and len(message.title) == 200


def test_the_sandbox_refuses_attribute_tricks(tmp_path: Path) -> None:
    folder = copy_folder(tmp_path)
    for language in ("zh-CN", "en"):
        append(folder, language, '["evil.kind"]\ntitle = "{{ title.__class__.__mro__ }}"\nbody = "b"\n')
    with pytest.raises(ValueError, match=r"en\.toml|zh-CN\.toml"):
        TemplateCatalogue.load(folder)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('["bad.kind"]\ntitle = "{{ title "\nbody = "b"\n', "kind 'bad.kind': title: syntax error on line 1"),
        ('["bad.kind"]\ntitle = "t"\nbody = "{% if title %}open"\n', "kind 'bad.kind': body: syntax error"),
        ('["bad.kind"]\ntitle = "{{ phone }}"\nbody = "b"\n', "kind 'bad.kind': title: unknown variable 'phone'"),
        ('["bad.kind"]\ntitle = "t"\nbody = "b"\nhtml = "{{ adress }}"\n', "html: unknown variable 'adress'"),
        ('["bad.kind"]\ntitle = "t"\n', "kind 'bad.kind': body is missing or empty"),
        ('["bad.kind"]\ntitle = "t"\nbody = "b"\nsubject = "s"\n', "kind 'bad.kind': unknown key 'subject'"),
        ('"bad.kind" = "just text"\n', "kind 'bad.kind': must be a table"),
        ("[broken\n", "not valid TOML"),
    ],
)
def test_malformed_templates_are_refused_naming_file_and_kind(tmp_path: Path, text: str, message: str) -> None:
    folder = copy_folder(tmp_path)
    append(folder, "en", text)
    with pytest.raises(ValueError) as raised:
        TemplateCatalogue.load(folder)
    assert str(folder / "en.toml") in str(raised.value)
    assert message in str(raised.value)


def test_a_kind_without_both_languages_is_refused(tmp_path: Path) -> None:
    folder = copy_folder(tmp_path)
    append(folder, "zh-CN", '["only.chinese"]\ntitle = "t"\nbody = "b"\n')
    with pytest.raises(ValueError, match=r"en\.toml: kind 'only\.chinese' has no en template"):
        TemplateCatalogue.load(folder)


def test_missing_files_and_rule_kinds_without_templates(tmp_path: Path) -> None:
    folder = copy_folder(tmp_path)
    (folder / "en.toml").unlink()
    with pytest.raises(ValueError, match=r"en\.toml: missing template file"):
        TemplateCatalogue.load(folder)
    rules = (RoutingRule(kind="brand.new", event_types=("x.y.v1",), recipients=("requester",)),)
    with pytest.raises(ValueError, match=r"kind 'brand\.new' of the routing rules has no templates"):
        TemplateCatalogue.load(rules=rules)


def test_layout_is_checked(tmp_path: Path) -> None:
    folder = copy_folder(tmp_path)
    (folder / "layout.html").write_text("{{ body_html }}", encoding="utf-8")
    with pytest.raises(ValueError, match=r"layout\.html: layout: unknown variable 'body_html'"):
        TemplateCatalogue.load(folder)


def test_local_time() -> None:
    assert local_time("2025-03-01T20:00:00Z") == "2025-03-02 04:00"
    assert local_time("2025-03-01T20:00:00+08:00") == "2025-03-01 20:00"
    assert local_time("") == "" and local_time("tomorrow") == "tomorrow"
