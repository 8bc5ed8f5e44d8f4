"""Message templates per kind and language, checked when they are loaded.

The catalogue lives in ``message_templates/`` beside this module: one TOML file per language
(``zh-CN.toml``, ``en.toml``), a table per kind with ``title`` and ``body`` (plain text, for
the inbox, SMS and the text part of e-mail) and optionally ``html`` (the HTML part of
e-mail); kinds without ``html`` get ``layout.html`` around their title and body.

Templates are Jinja2, in a sandbox (``SandboxedEnvironment``) with ``StrictUndefined``. The
text parts are not escaped (they are plain text); the HTML parts (``html`` and the layout)
are rendered by an autoescaping environment, so a request title like ``<script>`` is
escaped in e-mail HTML whatever the template says (the layout receives the text parts as
values, so they are escaped there too).

Loading refuses, with a ``ValueError`` naming the file and the kind: a Jinja2 syntax error,
a variable that is not in ``VARIABLES`` (checked on the template's syntax tree and by a test
render with ``SAMPLE_VALUES``), a kind present in one language but not the other, a kind of
the routing rules without templates (when the rules are given), unknown keys.

Variables (all strings; a variable the event does not carry renders as ""): the request's
public ``title``, ``status`` and ``deadline`` (RFC 3339, as the event carries them) and the
``link``, plus the computed ``status_text``, ``deadline_text`` and ``starts_at_text`` (local
time, UTC+8) and ``deadline_kind_text`` in the message's language; see ``VARIABLES``.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from jinja2 import StrictUndefined, Template, TemplateError, TemplateSyntaxError, meta
from jinja2.sandbox import SandboxedEnvironment

from .model import DEFAULT_LANGUAGE, LANGUAGES, Message, RoutingRule

TEMPLATES_FOLDER = Path(__file__).with_name("message_templates")
LAYOUT_FILE = "layout.html"

#: The city's local time (no daylight saving).
LOCAL_TZ = timezone(timedelta(hours=8), "UTC+8")

TITLE_LIMIT = 200
_PARTS = ("title", "body", "html")

#: Every variable a template may use, with the value the load-time test render uses.
SAMPLE_VALUES: dict[str, str] = {
    "title": "楼道灯坏了 <b>&</b>",
    "status": "in_progress",
    "deadline": "2025-03-01T08:30:00Z",
    "deadline_kind": "resolve",
    "link": "https://linli.example/requests/req_1",
    "kind": "request.resolved",
    "language": "zh-CN",
    "request_id": "req_1",
    "category": "repairs",
    "urgency": "normal",
    "level": "1",
    "department": "dept_housing",
    "points": "15",
    "hours": "1.5",
    "event_title": "Tea afternoon",
    "starts_at": "2025-03-01T06:00:00Z",
    "station": "Living room",
    "community": "Sunny Garden",
    "day": "2025-03-01",
    "submitted": "12",
    "resolved": "9",
    "breaches": "1",
    "average_rating": "4.6",
    "count": "3",
    "items": "- 楼道灯坏了 <b>&</b> https://linli.example/requests/req_1\n- Tea afternoon",
    "more": "1",
    "status_text": "处理中",
    "deadline_text": "2025-03-01 16:30",
    "deadline_kind_text": "办结",
    "starts_at_text": "2025-03-01 14:00",
}
VARIABLES = frozenset(SAMPLE_VALUES)
_COMPUTED = frozenset(
    {"status_text", "deadline_text", "deadline_kind_text", "starts_at_text", "link", "kind", "language"}
)

STATUS_LABELS: dict[str, dict[str, str]] = {
    "zh-CN": {
        "submitted": "已提交",
        "accepted": "已受理",
        "rejected": "未受理",
        "dispatched": "已派单",
        "offered": "待认领",
        "claimed": "已认领",
        "in_progress": "处理中",
        "resolved": "已办结",
        "rated": "已评价",
        "closed": "已关闭",
        "reopened": "已重新打开",
        "cancelled": "已撤销",
        "deliberating": "议事协商中",
        "merged": "已合并",
    },
    "en": {
        "submitted": "submitted",
        "accepted": "accepted",
        "rejected": "rejected",
        "dispatched": "dispatched",
        "offered": "offered to volunteers",
        "claimed": "claimed",
        "in_progress": "in progress",
        "resolved": "resolved",
        "rated": "rated",
        "closed": "closed",
        "reopened": "reopened",
        "cancelled": "cancelled",
        "deliberating": "in deliberation",
        "merged": "merged",
    },
}
#: The request categories' names (the requests service's default catalogue; a code not listed
#: is shown as itself, underscores as spaces).
CATEGORY_LABELS: dict[str, dict[str, str]] = {
    "zh-CN": {
        "repairs": "维修",
        "elderly_care": "助老服务",
        "illegal_construction": "违章搭建",
        "flying_wire_charging": "飞线充电",
        "throwing_objects": "高空抛物",
        "parking": "停车难",
        "water_supply": "供水",
        "heating": "供暖",
        "road_flooding": "道路积水",
        "poor_signal": "信号差",
        "neighbour_dispute": "邻里纠纷",
    },
    "en": {
        "repairs": "Repairs",
        "elderly_care": "Elderly care",
        "illegal_construction": "Illegal construction",
        "flying_wire_charging": "Flying-wire charging",
        "throwing_objects": "Throwing objects from height",
        "parking": "Parking",
        "water_supply": "Water supply",
        "heating": "Heating",
        "road_flooding": "Road flooding",
        "poor_signal": "Poor signal",
        "neighbour_dispute": "Neighbour dispute",
    },
}
DEADLINE_KIND_LABELS: dict[str, dict[str, str]] = {
    "zh-CN": {"accept": "受理", "resolve": "办结", "acknowledge": "签收"},
    "en": {"accept": "acceptance", "resolve": "resolution", "acknowledge": "acknowledgement"},
}


def normalize_language(language: str) -> str:
    """A served language for a BCP 47 tag: exact, else by primary subtag, else zh-CN."""
    if language in LANGUAGES:
        return language
    primary = language.split("-", 1)[0].lower()
    for served in LANGUAGES:
        if served.split("-", 1)[0].lower() == primary:
            return served
    return DEFAULT_LANGUAGE


def local_time(value: str) -> str:
    """An RFC 3339 time as "YYYY-MM-DD HH:MM" in the city's local time; other text as is."""
    if not value:
        return ""
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return value
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M")


def _environment(*, autoescape: bool) -> SandboxedEnvironment:
    env = SandboxedEnvironment(
        undefined=StrictUndefined, autoescape=autoescape, trim_blocks=True, lstrip_blocks=True, auto_reload=False
    )
    env.filters["local_time"] = local_time
    return env


@dataclass(frozen=True)
class _KindTemplates:
    title: Template
    body: Template
    html: Template | None


class TemplateCatalogue:
    """The loaded templates; ``render`` makes a ``Message``. Build with ``load``."""

    def __init__(self, templates: dict[tuple[str, str], _KindTemplates], layout: Template) -> None:
        self._templates = templates
        self._layout = layout
        self.kinds: frozenset[str] = frozenset(kind for kind, _ in templates)

    @classmethod
    def load(cls, folder: Path | None = None, *, rules: tuple[RoutingRule, ...] | None = None) -> TemplateCatalogue:
        """Loads and checks every template (see the module docstring); ValueError naming the
        file and kind of the first problem. With ``rules``, every rule's kind needs templates."""
        folder = folder or TEMPLATES_FOLDER
        text_env, html_env = _environment(autoescape=False), _environment(autoescape=True)
        layout_path = folder / LAYOUT_FILE
        layout = _compile(html_env, _read(layout_path), layout_path, "layout", "html", layout=True)
        templates: dict[tuple[str, str], _KindTemplates] = {}
        kinds_of: dict[str, set[str]] = {}
        for language in LANGUAGES:
            path = folder / f"{language}.toml"
            try:
                data = tomllib.loads(_read(path))
            except tomllib.TOMLDecodeError as error:
                raise ValueError(f"{path}: not valid TOML: {error}") from None
            kinds_of[language] = set()
            for kind, parts in data.items():
                if not isinstance(parts, dict):
                    raise ValueError(f"{path}: kind {kind!r}: must be a table with title and body")
                unknown = sorted(set(parts) - set(_PARTS))
                if unknown:
                    raise ValueError(f"{path}: kind {kind!r}: unknown key {unknown[0]!r} (title, body, html)")
                for part in ("title", "body"):
                    if not isinstance(parts.get(part), str) or not parts[part].strip():
                        raise ValueError(f"{path}: kind {kind!r}: {part} is missing or empty")
                if "html" in parts and not isinstance(parts["html"], str):
                    raise ValueError(f"{path}: kind {kind!r}: html must be a string")
                html_source = parts.get("html")
                templates[(kind, language)] = _KindTemplates(
                    title=_compile(text_env, parts["title"], path, kind, "title"),
                    body=_compile(text_env, parts["body"], path, kind, "body"),
                    html=None if html_source is None else _compile(html_env, html_source, path, kind, "html"),
                )
                kinds_of[language].add(kind)
        every_kind = set().union(*kinds_of.values())
        for language in LANGUAGES:
            missing = sorted(every_kind - kinds_of[language])
            if missing:
                raise ValueError(f"{folder / f'{language}.toml'}: kind {missing[0]!r} has no {language} template")
        for rule in rules or ():
            if rule.kind not in every_kind:
                raise ValueError(f"{folder}: kind {rule.kind!r} of the routing rules has no templates")
        catalogue = cls(templates, layout)
        for kind, language in templates:  # a full test render, the layout included
            try:
                catalogue.render(kind, language, SAMPLE_VALUES, SAMPLE_VALUES["link"])
            except TemplateError as error:
                raise ValueError(f"{folder / f'{language}.toml'}: kind {kind!r}: test render failed: {error}") from None
        return catalogue

    def render(self, kind: str, language: str, values: dict[str, str], link: str, *, html: bool = True) -> Message:
        """The kind's message in ``language`` (unknown languages fall back to zh-CN);
        ValueError for a kind without templates. ``html=False`` leaves the HTML part empty
        (only e-mail shows it; the inbox and SMS skip a third of the rendering)."""
        language = normalize_language(language)
        templates = self._templates.get((kind, language))
        if templates is None:
            raise ValueError(f"templates: no template for kind {kind!r}")
        context = template_values(values, language=language, kind=kind, link=link)
        title = " ".join(templates.title.render(context).split())[:TITLE_LIMIT]
        body = "\n".join(line.rstrip() for line in templates.body.render(context).strip().splitlines())
        if not html:
            return Message(kind=kind, language=language, title=title, body=body, link=link)
        if templates.html is not None:
            markup = templates.html.render(context)
        else:
            markup = self._layout.render(
                language=language, message_title=title, message_lines=body.splitlines(), link=link
            )
        return Message(kind=kind, language=language, title=title, body=body, html=markup, link=link)


def neutral_title(language: str, category: str, status_text: str) -> str:
    """A request's title before its public title is approved: its category's name and its
    status, never its text ("Repairs request (accepted)", "维修类求助（已受理）")."""
    name = CATEGORY_LABELS[language].get(category, category.replace("_", " "))
    if language == "en":
        title = f"{name[:1].upper()}{name[1:]} request" if name else "Request"
        return f"{title} ({status_text})" if status_text else title
    title = f"{name}类求助" if name else "求助"
    return f"{title}（{status_text}）" if status_text else title


def template_values(values: dict[str, str], *, language: str, kind: str, link: str) -> dict[str, Any]:
    """The context a template sees: every variable ("" unless given), the computed ones. A
    request event whose public title is not approved yet gets ``neutral_title``."""
    context: dict[str, Any] = dict.fromkeys(VARIABLES, "")
    context.update({k: str(v) for k, v in values.items() if k in VARIABLES and k not in _COMPUTED})
    status = context["status"].lower()
    context["status_text"] = STATUS_LABELS[language].get(status, context["status"])
    if not context["title"].strip() and context["request_id"]:
        context["title"] = neutral_title(language, context["category"], context["status_text"])
    context["deadline_text"] = local_time(context["deadline"])
    context["starts_at_text"] = local_time(context["starts_at"])
    deadline_kind = context["deadline_kind"].lower()
    context["deadline_kind_text"] = DEADLINE_KIND_LABELS[language].get(deadline_kind, context["deadline_kind"])
    context.update(link=link, kind=kind, language=language)
    return context


_LAYOUT_VARIABLES = frozenset({"language", "message_title", "message_lines", "link"})


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ValueError(f"{path}: missing template file") from None
    except (OSError, UnicodeDecodeError) as error:
        raise ValueError(f"{path}: cannot be read: {error}") from None


def _compile(
    env: SandboxedEnvironment, source: str, path: Path, kind: str, part: str, *, layout: bool = False
) -> Template:
    where = f"{path}: layout" if layout else f"{path}: kind {kind!r}: {part}"
    try:
        tree = env.parse(source)
    except TemplateSyntaxError as error:
        raise ValueError(f"{where}: syntax error on line {error.lineno}: {error.message}") from None
    allowed = _LAYOUT_VARIABLES if layout else VARIABLES
    unknown = sorted(meta.find_undeclared_variables(tree) - allowed)
    if unknown:
        raise ValueError(f"{where}: unknown variable {unknown[0]!r}")
    return env.from_string(source)
