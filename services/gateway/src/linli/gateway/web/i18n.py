"""Languages of the web pages: Chinese (zh_Hans_CN, the default) and English (en).

Translations live as gettext catalogues in ``translations/<locale>/LC_MESSAGES/messages.po``
(msgid = the English text). The compiled ``.mo`` files are not checked in: ``compile_all()``
builds them from the ``.po`` files when they are missing or older (at app start, in a few
milliseconds, written atomically so gunicorn workers starting together do not clash), and
``python -m linli.gateway.web.i18n`` does the same by hand (it exits non-zero on a broken
catalogue). ``tests/unit/gateway/test_web_i18n.py`` checks every text the templates and
views mark for translation has a Chinese translation.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import request, session

from linli.gateway.web import backend

TRANSLATIONS_DIR = Path(__file__).parent / "translations"
#: locale code -> (html lang attribute, name shown in the switch)
LANGUAGES: dict[str, tuple[str, str]] = {"zh_Hans_CN": ("zh-Hans-CN", "中文"), "en": ("en", "English")}
DEFAULT_LOCALE = "zh_Hans_CN"
SESSION_KEY = "lang"


def normalise(code: str) -> str | None:
    """A locale we serve for a language tag (``zh-CN``, ``zh_Hans_CN``, ``en-GB``...), else None."""
    tag = code.strip().replace("-", "_").lower()
    if tag.startswith("zh"):
        return "zh_Hans_CN"
    if tag.startswith("en"):
        return "en"
    return None


def select_locale() -> str:
    """The page language: the visitor's choice (language switch), then the signed-in
    person's language, then the browser's Accept-Language, else Chinese."""
    chosen = session.get(SESSION_KEY)
    if isinstance(chosen, str) and chosen in LANGUAGES:
        return chosen
    person = backend.person()
    if person is not None and person.language and (preferred := normalise(person.language)):
        return preferred
    best = request.accept_languages.best_match(["zh-CN", "zh", "en"])
    return (best and normalise(best)) or DEFAULT_LOCALE


def compile_all(directory: Path = TRANSLATIONS_DIR) -> list[Path]:
    """Compiles each ``messages.po`` into ``messages.mo`` when the .mo is missing or older."""
    written: list[Path] = []
    for po_path in sorted(directory.glob("*/LC_MESSAGES/messages.po")):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as source:
            catalog = read_po(source, locale=po_path.parent.parent.name)
        handle, temporary = tempfile.mkstemp(dir=mo_path.parent, prefix=".messages-", suffix=".mo")
        try:
            with os.fdopen(handle, "wb") as target:
                write_mo(target, catalog)
            os.replace(temporary, mo_path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        written.append(mo_path)
    return written


def extract_messages(directory: Path = Path(__file__).parent) -> list[str]:
    """Every text the templates and views mark for translation, in order of appearance."""
    method_map = [("**/templates/**.html", "jinja2"), ("**.py", "python")]
    options = {"**/templates/**.html": {"extensions": "jinja2.ext.i18n"}}
    keywords: dict[str, None] = {"_": None, "gettext": None, "_l": None, "lazy_gettext": None}
    found: list[str] = []
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(directory), method_map, options_map=options, keywords=keywords
    ):
        text = message[0] if isinstance(message, tuple) else message
        if text and text not in found:
            found.append(text)
    return found


def catalogue_messages(locale: str, directory: Path = TRANSLATIONS_DIR) -> dict[str, str]:
    """msgid -> msgstr of one locale's .po file."""
    with (directory / locale / "LC_MESSAGES" / "messages.po").open("rb") as source:
        catalog = read_po(source, locale=locale)
    return {str(m.id): str(m.string or "") for m in catalog if m.id}


if __name__ == "__main__":  # pragma: no cover - a maintenance command
    if sys.argv[1:] == ["check"]:
        chinese = catalogue_messages("zh_Hans_CN")
        missing = [text for text in extract_messages() if not chinese.get(text)]
        for text in missing:
            print(f"no Chinese translation: {text!r}", file=sys.stderr)
        sys.exit(1 if missing else 0)
    for path in compile_all():
        print(f"compiled {path}", file=sys.stderr)
