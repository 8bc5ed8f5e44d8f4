"""Open311 GeoReport v2 <-> Linli: pure functions, no Flask and no calls.

- Services and their definitions come from the category catalogue (``catalogue.Services``,
  the requests service's ``ListCategories``).
- A request as Open311 shows it carries only what the public may know: the requests
  service's public view (``PublicRequest``, or a ``Request`` marked ``public_view_only``)
  gives the text, the result and the published photo; a full ledger record (``Request``)
  gives only its id, category, status, times and the place generalised to its community:
  never the requester, contacts, exact address, point, history or person names (a handler
  who is a person is named by the community that handles the request, not by name). The
  public view publishes no point, so ``lat``/``long`` are always null.
- Statuses: ``open`` while the request waits or is worked on, ``closed`` once resolved,
  rated, closed, rejected, cancelled or merged, with ``status_notes`` saying which.
- Query and POST parameters are checked here and turned into gRPC messages; a mistake is an
  ``Open311Error`` naming the standard's parameter.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta, timezone
from typing import Final

from google.protobuf.timestamp_pb2 import Timestamp

from linli.v1 import common_pb2, requests_pb2

from .catalogue import TITLE_MAX_LENGTH, URGENCIES, Service, Services

#: The city's local time: Open311 datetimes are written with this offset.
CITY_TZ: Final = timezone(timedelta(hours=8))
SPECIFICATION: Final = "http://wiki.open311.org/GeoReport_v2"
#: Default window of GET requests without dates (the standard's suggestion).
DEFAULT_WINDOW: Final = timedelta(days=90)
#: Most requests one GET returns.
MAX_RESULTS: Final = 1000
MAX_IDS: Final = 100
MAX_ADDRESS_LENGTH: Final = 500
MAX_URL_LENGTH: Final = 2048
MAX_NAME_LENGTH: Final = 100
MAX_PARAM_LENGTH: Final = 4000

RS = requests_pb2.RequestStatus
OPEN_STATUSES: Final[frozenset[int]] = frozenset(
    {
        RS.REQUEST_STATUS_SUBMITTED,
        RS.REQUEST_STATUS_ACCEPTED,
        RS.REQUEST_STATUS_DISPATCHED,
        RS.REQUEST_STATUS_OFFERED,
        RS.REQUEST_STATUS_CLAIMED,
        RS.REQUEST_STATUS_IN_PROGRESS,
        RS.REQUEST_STATUS_REOPENED,
        RS.REQUEST_STATUS_DELIBERATING,
    }
)
CLOSED_STATUSES: Final[frozenset[int]] = frozenset(
    {
        RS.REQUEST_STATUS_RESOLVED,
        RS.REQUEST_STATUS_RATED,
        RS.REQUEST_STATUS_CLOSED,
        RS.REQUEST_STATUS_REJECTED,
        RS.REQUEST_STATUS_CANCELLED,
        RS.REQUEST_STATUS_MERGED,
    }
)

#: status -> (en, zh) note.
STATUS_NOTES: Final[Mapping[int, tuple[str, str]]] = {
    RS.REQUEST_STATUS_SUBMITTED: ("Received, waiting to be accepted.", "已收到，等待受理。"),
    RS.REQUEST_STATUS_ACCEPTED: ("Accepted, waiting to be dispatched.", "已受理，等待派单。"),
    RS.REQUEST_STATUS_DISPATCHED: ("Dispatched to a handler.", "已派单。"),
    RS.REQUEST_STATUS_OFFERED: ("Offered to volunteers.", "已推送给志愿者。"),
    RS.REQUEST_STATUS_CLAIMED: ("A handler has taken it.", "已接单。"),
    RS.REQUEST_STATUS_IN_PROGRESS: ("Work in progress.", "办理中。"),
    RS.REQUEST_STATUS_REOPENED: ("Reopened: back to work.", "已重新办理。"),
    RS.REQUEST_STATUS_DELIBERATING: ("Under discussion at a round-table.", "议事协商中。"),
    RS.REQUEST_STATUS_RESOLVED: ("Resolved.", "已办结。"),
    RS.REQUEST_STATUS_RATED: ("Resolved and rated.", "已办结并评价。"),
    RS.REQUEST_STATUS_CLOSED: ("Closed.", "已关闭。"),
    RS.REQUEST_STATUS_REJECTED: ("Not accepted.", "未受理。"),
    RS.REQUEST_STATUS_CANCELLED: ("Withdrawn by the requester.", "已撤回。"),
    RS.REQUEST_STATUS_MERGED: ("Duplicate: merged into another request.", "重复诉求，已合并。"),
}

#: Handlers that are organisations (their names are public); volunteers and staff are people.
ORGANISATION_ASSIGNEES: Final[frozenset[int]] = frozenset(
    {
        requests_pb2.AssigneeKind.ASSIGNEE_KIND_TEAM,
        requests_pb2.AssigneeKind.ASSIGNEE_KIND_UNIT,
        requests_pb2.AssigneeKind.ASSIGNEE_KIND_DEPARTMENT,
    }
)

URGENCY_VALUES: Final[Mapping[str, int]] = {
    "low": requests_pb2.Urgency.URGENCY_LOW,
    "normal": requests_pb2.Urgency.URGENCY_NORMAL,
    "urgent": requests_pb2.Urgency.URGENCY_URGENT,
}
URGENCY_NAMES: Final[Mapping[str, tuple[str, str]]] = {
    "low": ("Low", "低"),
    "normal": ("Normal", "普通"),
    "urgent": ("Urgent", "紧急"),
}

_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:@-]{0,127}$")
_ATTRIBUTE = re.compile(r"^attribute\[([^\[\]]{1,64})\](\[\])?$")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class Open311Error(Exception):
    """A failure to report in the standard's error array, with its HTTP status."""

    def __init__(self, code: int, description: str) -> None:
        super().__init__(description)
        self.code = code
        self.description = description


def bad(parameter: str, problem: str) -> Open311Error:
    return Open311Error(400, f"{parameter}: {problem}")


def echo(value: str, limit: int = 40) -> str:
    """A caller's value quoted in an error, cut short and without control characters."""
    cleaned = _CONTROL.sub("?", value)
    return repr(cleaned if len(cleaned) <= limit else cleaned[:limit] + "...")


def language_of(value: str) -> str:
    """``zh`` for a Chinese locale (zh, zh_CN, zh-Hans...), else ``en``."""
    return "zh" if value.strip().lower().replace("-", "_").startswith("zh") else "en"


# -- datetimes ------------------------------------------------------------------------------------------------
def w3c(moment: datetime | None) -> str | None:
    """``2025-03-01T10:00:00+08:00`` (the W3C profile of ISO 8601, with the city's offset)."""
    if moment is None:
        return None
    return moment.astimezone(CITY_TZ).isoformat(timespec="seconds")


def from_timestamp(message: object, name: str) -> datetime | None:
    """A message's Timestamp field as an aware datetime, None when unset."""
    if not message.HasField(name):  # type: ignore[attr-defined]
        return None
    stamp: Timestamp = getattr(message, name)
    return stamp.ToDatetime(tzinfo=UTC)


def to_timestamp(moment: datetime) -> Timestamp:
    stamp = Timestamp()
    stamp.FromDatetime(moment.astimezone(UTC))
    return stamp


def parse_datetime(value: str, parameter: str) -> datetime:
    """A W3C datetime (``2025-03-01T10:00:00Z``, ``...+08:00``) or a date (city midnight)."""
    text = value.strip()
    if not text or len(text) > 40:
        raise bad(parameter, f"{echo(text)} is not a W3C datetime such as 2025-03-01T10:00:00+08:00")
    try:
        if len(text) == 10:
            return datetime.fromisoformat(text).replace(tzinfo=CITY_TZ)
        moment = datetime.fromisoformat(text[:-1] + "+00:00" if text[-1] in "zZ" else text)
    except ValueError:
        raise bad(parameter, f"{echo(text)} is not a W3C datetime such as 2025-03-01T10:00:00+08:00") from None
    if moment.tzinfo is None:
        raise bad(parameter, f"{echo(text)} needs a timezone (Z or an offset such as +08:00)")
    return moment


# -- services ---------------------------------------------------------------------------------------------------
def _duration(minutes: int, lang: str) -> str:
    if minutes % 1440 == 0:
        days = minutes // 1440
        return f"{days} 天" if lang == "zh" else f"{days} day{'s' if days != 1 else ''}"
    if minutes % 60 == 0:
        hours = minutes // 60
        return f"{hours} 小时" if lang == "zh" else f"{hours} hour{'s' if hours != 1 else ''}"
    return f"{minutes} 分钟" if lang == "zh" else f"{minutes} minutes"


def service_notice(service: Service, lang: str) -> str:
    """What the city promises for a service: its accept and resolve limits."""
    accept = _duration(service.accept_minutes, lang)
    resolve = _duration(service.resolve_minutes, lang)
    if lang == "zh":
        return f"{accept}内受理，{resolve}内办结（紧急诉求减半）。"
    return f"Accepted within {accept} and resolved within {resolve} (half that when urgent)."


def service_group(service: Service, lang: str) -> str:
    if service.group:
        return service.group
    if service.department is not None:
        return service.department.pick(lang)
    return "社区" if lang == "zh" else "Community"


def service_entry(service: Service, lang: str) -> dict[str, object]:
    """One entry of GET services."""
    words = (service.code, service.name.en, service.name.zh, *service.keywords)
    keywords = ", ".join(dict.fromkeys(k for k in words if k))
    notice = service_notice(service, lang)
    described = service.description.pick(lang) if service.description is not None else ""
    return {
        "service_code": service.code,
        "service_name": service.name.pick(lang),
        "description": f"{described} {notice}" if described else notice,
        "metadata": True,
        "type": "realtime",
        "keywords": keywords,
        "group": service_group(service, lang),
    }


def service_list(services: Services, lang: str) -> list[dict[str, object]]:
    return [service_entry(s, lang) for s in services.all()]


def service_definition(service: Service, lang: str) -> dict[str, object]:
    """GET services/{service_code}: the attributes a POST may carry."""
    zh = lang == "zh"
    default_urgency = URGENCY_NAMES.get(service.default_urgency, ("", ""))[1 if zh else 0]
    return {
        "service_code": service.code,
        "attributes": [
            {
                "variable": True,
                "code": "title",
                "datatype": "string",
                "required": False,
                "datatype_description": (
                    f"至多 {TITLE_MAX_LENGTH} 个字符" if zh else f"At most {TITLE_MAX_LENGTH} characters"
                ),
                "order": 1,
                "description": (
                    "标题（默认取描述的开头）" if zh else "A short title (default: the start of the description)"
                ),
                "values": [],
            },
            {
                "variable": True,
                "code": "urgency",
                "datatype": "singlevaluelist",
                "required": False,
                "datatype_description": None,
                "order": 2,
                "description": (
                    f"紧急程度（默认：{default_urgency}）" if zh else f"How urgent it is (default: {default_urgency})"
                ),
                "values": [{"key": key, "name": URGENCY_NAMES[key][1 if zh else 0]} for key in URGENCIES],
            },
        ],
    }


# -- requests as Open311 shows them -------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class PublicFacts:
    """What Open311 may say about one request (no personal data)."""

    id: str
    category: str
    status: int
    submitted_at: datetime | None = None
    updated_at: datetime | None = None
    resolve_by: datetime | None = None
    community_id: str = ""
    street_id: str = ""
    #: Public text only (approved, redacted and scrubbed by the requests service).
    title: str = ""
    description: str = ""
    result_text: str = ""
    merged_into_id: str = ""
    media_url: str = ""
    #: Name of a handling organisation (team, unit, department), never a person.
    handler_organisation: str = ""
    #: Department code of the latest escalation still standing.
    escalated_to: str = ""


def _latest(*moments: datetime | None) -> datetime | None:
    present = [m for m in moments if m is not None]
    return max(present) if present else None


def facts_from_public(record: requests_pb2.PublicRequest) -> PublicFacts:
    """From the requests service's public view (board results)."""
    submitted = from_timestamp(record, "submitted_at")
    accepted = from_timestamp(record, "accepted_at")
    resolved = from_timestamp(record, "resolved_at")
    closed = from_timestamp(record, "closed_at")
    photo = next((p.url for p in record.photos if p.url), "")
    return PublicFacts(
        id=record.id,
        category=record.category,
        status=record.status,
        submitted_at=submitted,
        updated_at=_latest(submitted, accepted, resolved, closed),
        resolve_by=from_timestamp(record, "resolve_by"),
        community_id=record.community_id,
        street_id=record.street_id,
        title=record.title,
        description=record.description,
        result_text=record.result_text,
        merged_into_id=record.merged_into_id,
        media_url=photo,
    )


def with_public_text(facts: PublicFacts, public: PublicFacts | None) -> PublicFacts:
    """A ledger record's facts with the text and photo of its public view (none without one)."""
    if public is None:
        return facts
    return replace(
        facts,
        title=public.title,
        description=public.description,
        result_text=public.result_text,
        media_url=public.media_url,
    )


def facts_from_request(record: requests_pb2.Request) -> PublicFacts:
    """From a ledger record: its text only when the service sent the public view
    (``public_view_only``); otherwise no text, contact, address or point at all."""
    public = record.public_view_only
    handler = ""
    if record.HasField("assignee") and record.assignee.kind in ORGANISATION_ASSIGNEES:
        handler = record.assignee.name
    standing = [e for e in record.escalations if not e.superseded and e.department_code]
    return PublicFacts(
        id=record.id,
        category=record.category,
        status=record.status,
        submitted_at=from_timestamp(record, "submitted_at"),
        updated_at=from_timestamp(record, "updated_at"),
        resolve_by=from_timestamp(record, "resolve_by"),
        community_id=record.community_id,
        street_id=record.street_id,
        title=record.title if public else "",
        description=record.description if public else "",
        merged_into_id=record.merged_into_id,
        handler_organisation=handler,
        escalated_to=standing[-1].department_code if standing else "",
    )


def open311_status(status: int) -> str:
    return "open" if status in OPEN_STATUSES else "closed"


def status_notes(facts: PublicFacts, lang: str) -> str:
    en, zh = STATUS_NOTES.get(facts.status, ("", ""))
    note = zh if lang == "zh" else en
    if facts.merged_into_id:
        note += f" ({'并入' if lang == 'zh' else 'into'} {facts.merged_into_id})"
    if facts.result_text:
        note += f" {facts.result_text}"
    return note.strip()


def public_description(facts: PublicFacts) -> str:
    title, text = facts.title.strip(), facts.description.strip()
    if not title:
        return text
    if not text or text.startswith(title):
        return text or title
    return f"{title}: {text}"


def agency_responsible(facts: PublicFacts, services: Services, lang: str, organisation_names: Mapping[str, str]) -> str:
    """The handling organisation (a team, unit or department), else the department the
    request is escalated to, else the community (or street) it belongs to."""
    if facts.handler_organisation:
        return facts.handler_organisation
    department = services.departments.get(facts.escalated_to) if facts.escalated_to else None
    if department is not None:
        return department.pick(lang)
    return organisation_names.get(facts.community_id) or organisation_names.get(facts.street_id) or ""


def public_address(facts: PublicFacts, organisation_names: Mapping[str, str]) -> str:
    """The place as public as the public view allows: community, street (never the address)."""
    parts = [organisation_names.get(facts.community_id, ""), organisation_names.get(facts.street_id, "")]
    return ", ".join(p for p in parts if p)


def request_entry(
    facts: PublicFacts, services: Services, lang: str, organisation_names: Mapping[str, str] | None = None
) -> dict[str, object]:
    """One service request in the standard's field order."""
    names = organisation_names or {}
    service = services.get(facts.category)
    if service is not None:
        service_name: str = service.name.pick(lang)
        notice: str | None = service_notice(service, lang)
    else:  # a retired category: still shown, under its code
        service_name, notice = facts.category, None
    return {
        "service_request_id": facts.id,
        "status": open311_status(facts.status),
        "status_notes": status_notes(facts, lang) or None,
        "service_name": service_name,
        "service_code": facts.category,
        "description": public_description(facts) or None,
        "agency_responsible": agency_responsible(facts, services, lang, names) or None,
        "service_notice": notice,
        "requested_datetime": w3c(facts.submitted_at),
        "updated_datetime": w3c(facts.updated_at),
        "expected_datetime": w3c(facts.resolve_by),
        "address": public_address(facts, names) or None,
        "address_id": None,
        "zipcode": None,
        "lat": None,
        "long": None,
        "media_url": facts.media_url or None,
    }


# -- GET requests ---------------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class RequestQuery:
    """GET requests' filters. With ``ids`` the other filters are ignored (the standard)."""

    ids: tuple[str, ...] = ()
    service_codes: tuple[str, ...] = ()
    start: datetime | None = None
    end: datetime | None = None
    statuses: frozenset[str] = field(default_factory=frozenset)
    limit: int = MAX_RESULTS

    def matches(self, facts: PublicFacts) -> bool:
        if self.ids:
            return facts.id in self.ids
        if self.service_codes and facts.category not in self.service_codes:
            return False
        if self.statuses and open311_status(facts.status) not in self.statuses:
            return False
        moment = facts.submitted_at
        if moment is not None and self.start is not None and moment < self.start:
            return False
        return not (moment is not None and self.end is not None and moment >= self.end)

    def grpc_statuses(self) -> list[int]:
        if self.statuses == {"open"}:
            return sorted(OPEN_STATUSES)
        if self.statuses == {"closed"}:
            return sorted(CLOSED_STATUSES)
        return []


def comma_list(value: str, parameter: str, *, max_items: int = MAX_IDS) -> tuple[str, ...]:
    items = tuple(dict.fromkeys(part.strip() for part in value.split(",") if part.strip()))
    if len(items) > max_items:
        raise bad(parameter, f"at most {max_items} values, got {len(items)}")
    return items


def request_id(value: str, parameter: str = "service_request_id") -> str:
    text = value.strip()
    if not _ID.match(text):
        raise bad(parameter, f"{echo(text)} is not a service request id")
    return text


def parse_query(args: Mapping[str, str], services: Services, now: datetime) -> RequestQuery:
    """GET requests' standard parameters: ``service_request_id`` (comma list), ``service_code``
    (comma list), ``start_date``, ``end_date``, ``status`` (open, closed or both). Without
    dates the last 90 days; at most ``MAX_RESULTS`` requests."""
    for name, value in args.items():
        if len(value) > MAX_PARAM_LENGTH:
            raise bad(name, f"at most {MAX_PARAM_LENGTH} characters")
    raw_ids = args.get("service_request_id", "")
    if raw_ids.strip():
        ids = tuple(request_id(i) for i in comma_list(raw_ids, "service_request_id"))
        return RequestQuery(ids=ids)
    codes = comma_list(args.get("service_code", ""), "service_code")
    for code in codes:
        if services.get(code) is None:
            raise bad("service_code", f"unknown service {echo(code)}; see services.json")
    statuses = frozenset(s.lower() for s in comma_list(args.get("status", ""), "status"))
    unknown = statuses - {"open", "closed"}
    if unknown:
        raise bad("status", f"{echo(sorted(unknown)[0])} is not open or closed")
    start = parse_datetime(args["start_date"], "start_date") if args.get("start_date", "").strip() else None
    end = parse_datetime(args["end_date"], "end_date") if args.get("end_date", "").strip() else None
    if start is None and end is None:
        start = now - DEFAULT_WINDOW
    elif start is None and end is not None:
        start = end - DEFAULT_WINDOW
    if start is not None and end is not None and end <= start:
        raise bad("end_date", "must be after start_date")
    return RequestQuery(
        service_codes=tuple(services.get(c).code for c in codes),  # type: ignore[union-attr]
        start=start,
        end=end,
        statuses=statuses if statuses != {"open", "closed"} else frozenset(),
    )


def list_request(query: RequestQuery, page_size: int, page_token: str = "") -> requests_pb2.ListRequestsRequest:
    """The ledger query for an Open311 GET (ids are fetched one by one instead)."""
    message = requests_pb2.ListRequestsRequest(
        statuses=query.grpc_statuses(),  # type: ignore[arg-type]
        categories=list(query.service_codes),
        page=common_pb2.PageRequest(page_size=page_size, page_token=page_token),
    )
    if query.start is not None:
        message.submitted_from.CopyFrom(to_timestamp(query.start))
    if query.end is not None:
        message.submitted_to.CopyFrom(to_timestamp(query.end))
    return message


def public_list_request(
    query: RequestQuery, page_size: int, page_token: str = ""
) -> requests_pb2.ListPublicRequestsRequest:
    """The public query for an Open311 GET (by ids, or by the standard's filters)."""
    message = requests_pb2.ListPublicRequestsRequest(
        request_ids=list(query.ids),
        page=common_pb2.PageRequest(page_size=page_size, page_token=page_token),
    )
    if query.ids:
        return message
    message.statuses.extend(query.grpc_statuses())  # type: ignore[arg-type]
    message.categories.extend(query.service_codes)
    if query.start is not None:
        message.submitted_from.CopyFrom(to_timestamp(query.start))
    if query.end is not None:
        message.submitted_to.CopyFrom(to_timestamp(query.end))
    return message


def select(facts: Iterable[PublicFacts], query: RequestQuery) -> list[PublicFacts]:
    """The matching requests, newest first, at most ``query.limit``; one entry per id."""
    seen: dict[str, PublicFacts] = {}
    for item in facts:
        if item.id not in seen and query.matches(item):
            seen[item.id] = item
    ordered = sorted(
        seen.values(), key=lambda f: (f.submitted_at or datetime.min.replace(tzinfo=UTC), f.id), reverse=True
    )
    return ordered[: query.limit]


# -- POST requests --------------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class PostedRequest:
    """A checked POST requests: the submission (no personal data in its public fields) and
    the contact the requests service keeps private."""

    service: Service
    submission: requests_pb2.SubmitRequestRequest


def _text(form: Mapping[str, str], name: str, max_length: int) -> str:
    value = form.get(name, "").strip()
    if len(value) > max_length:
        raise bad(name, f"at most {max_length} characters, got {len(value)}")
    return value


def _coordinate(form: Mapping[str, str], name: str, bound: float) -> float | None:
    raw = form.get(name, "").strip()
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        raise bad(name, f"{echo(raw)} is not a number") from None
    if not math.isfinite(value) or not -bound <= value <= bound:
        raise bad(name, f"must be between {-bound:g} and {bound:g}")
    return value


def attributes_of(form: Mapping[str, str | Sequence[str]]) -> dict[str, list[str]]:
    """``attribute[code]=value`` (and ``attribute[code][]=v1&...``) pairs by code."""
    found: dict[str, list[str]] = {}
    for key, value in form.items():
        matched = _ATTRIBUTE.match(key)
        if matched is None:
            continue
        values = [value] if isinstance(value, str) else list(value)
        found.setdefault(matched.group(1), []).extend(v.strip() for v in values)
    return found


def default_title(description: str, service: Service, lang: str) -> str:
    first_line = next((line.strip() for line in description.splitlines() if line.strip()), "")
    if not first_line:
        return service.name.pick(lang)
    if len(first_line) <= TITLE_MAX_LENGTH:
        return first_line
    return first_line[: TITLE_MAX_LENGTH - 1].rstrip() + "…"


def parse_post(
    form: Mapping[str, str],
    attributes: Mapping[str, Sequence[str]],
    services: Services,
    *,
    lang: str,
    idempotency_key: str,
    requester_person_id: str,
) -> PostedRequest:
    """POST requests' standard parameters: ``service_code``; ``lat`` and ``long``, or
    ``address_string`` (``address_id`` alone is refused: the city has no address ids);
    ``attribute[title]``, ``attribute[urgency]``; ``description``, ``media_url``; and the
    requester's ``email``, ``phone``, ``first_name``, ``last_name``, which go only to the
    requester's private contact. ``device_id`` and ``account_id`` are accepted and not kept."""
    for name, value in form.items():
        if len(value) > MAX_PARAM_LENGTH + 100:
            raise bad(name, f"at most {MAX_PARAM_LENGTH} characters")
    code = form.get("service_code", "").strip()
    if not code:
        raise bad("service_code", "required; see services.json")
    service = services.get(code)
    if service is None:
        raise Open311Error(400, f"service_code: unknown service {echo(code)}; see services.json")
    lat = _coordinate(form, "lat", 90.0)
    lng = _coordinate(form, "long", 180.0)
    if (lat is None) != (lng is None):
        raise bad("lat" if lat is None else "long", "give both lat and long")
    address_text = _text(form, "address_string", MAX_ADDRESS_LENGTH)
    if lat is None and not address_text:
        if form.get("address_id", "").strip():
            raise bad("address_id", "address ids are not supported here; give lat and long or address_string")
        raise bad("lat", "a location is required: lat and long, or address_string")
    description = _text(form, "description", MAX_PARAM_LENGTH)
    for unknown in sorted(set(attributes) - {"title", "urgency"}):
        raise bad(f"attribute[{unknown}]", f"not an attribute of {service.code}; see services/{service.code}.json")
    titles = [v for v in attributes.get("title", ()) if v]
    urgencies = [v.lower() for v in attributes.get("urgency", ()) if v]
    if len(titles) > 1 or len(urgencies) > 1:
        raise bad("attribute[title]" if len(titles) > 1 else "attribute[urgency]", "give one value")
    title = titles[0] if titles else default_title(description, service, lang)
    if len(title) > TITLE_MAX_LENGTH:
        raise bad("attribute[title]", f"at most {TITLE_MAX_LENGTH} characters, got {len(title)}")
    if urgencies and urgencies[0] not in URGENCY_VALUES:
        raise bad("attribute[urgency]", f"{echo(urgencies[0])} is not one of {', '.join(URGENCIES)}")
    media_url = _text(form, "media_url", MAX_URL_LENGTH)
    if media_url and not re.match(r"^https?://[^\s/]+", media_url, re.IGNORECASE):
        raise bad("media_url", "must be an http(s) URL")
    first = _text(form, "first_name", MAX_NAME_LENGTH)
    last = _text(form, "last_name", MAX_NAME_LENGTH)
    contact = common_pb2.Contact(
        name=" ".join(p for p in (first, last) if p)[:MAX_NAME_LENGTH],
        phone=_text(form, "phone", 32),
        email=_text(form, "email", 254),
    )
    submission = requests_pb2.SubmitRequestRequest(
        idempotency_key=idempotency_key,
        category=service.code,
        title=title,
        description=description,
        requester_person_id=requester_person_id,
        urgency=URGENCY_VALUES[urgencies[0]] if urgencies else requests_pb2.Urgency.URGENCY_UNSPECIFIED,  # type: ignore[arg-type]
        channel=requests_pb2.Channel.CHANNEL_OPEN311,
    )
    if address_text:
        submission.address.CopyFrom(common_pb2.Address(text=address_text))
    if lat is not None and lng is not None:
        submission.point.CopyFrom(common_pb2.GeoPoint(lat=lat, lng=lng))
    if contact.name or contact.phone or contact.email:
        submission.anonymous_contact.CopyFrom(contact)
    if media_url:
        submission.attachments.append(
            requests_pb2.Attachment(id="media_1", url=media_url, kind=requests_pb2.AttachmentKind.ATTACHMENT_KIND_PHOTO)
        )
    return PostedRequest(service=service, submission=submission)


def post_response(request: requests_pb2.Request, service: Service, lang: str) -> list[dict[str, object]]:
    """POST requests' answer: the id at once (the ledger creates requests synchronously)."""
    return [{"service_request_id": request.id, "service_notice": service_notice(service, lang), "account_id": None}]


#: Where the requests service's field names appear in Open311's parameters.
FIELD_PARAMETERS: Final[Mapping[str, str]] = {
    "category": "service_code",
    "title": "attribute[title]",
    "urgency": "attribute[urgency]",
    "point": "lat/long",
    "point.lat": "lat",
    "point.lng": "long",
    "address": "address_string",
    "address.text": "address_string",
    "location": "lat/long or address_string",
    "requester": "email or phone",
    "requester.contact.phone": "phone",
    "requester.contact.email": "email",
    "requester.contact.name": "first_name/last_name",
    "attachments[0].url": "media_url",
}


def parameter_message(message: str, field_name: str) -> str:
    """A service's error message with its field named as the Open311 parameter."""
    parameter = FIELD_PARAMETERS.get(field_name)
    if parameter and message.startswith(f"{field_name}:"):
        return parameter + message[len(field_name) :]
    return message


# -- discovery ------------------------------------------------------------------------------------------------------
def discovery(url: str, *, changeset: datetime, contact: str, key_service: str) -> dict[str, object]:
    """The service discovery document: one production endpoint serving XML and JSON."""
    stamp = w3c(changeset)
    return {
        "changeset": stamp,
        "contact": contact,
        "key_service": key_service,
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": url,
                "changeset": stamp,
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }
