"""The other services' CloudEvents as ``EventFacts``: what the routing rules need to know.

One translator per topic, reading the published contract (the protobuf JSON mapping of the
messages in ``requests.proto``, ``volunteers.proto``, ``organizations.proto``), never the
producers' Python code:

- ``linli.requests.v1`` (source ``/linli/requests``): every request event carries the
  ``RequestSnapshot`` after the change (``request``): requester and follower person ids, the
  assignee (the handler), the deadlines, the place (``orgPath`` root first, community,
  street, grid). Offers name candidate volunteer ids; transfers the receiver; escalations the
  organisation that must acknowledge (``department_id``); round-tables their parties. Visit
  plan events carry ``plan`` (the visited resident).
- ``linli.public.requests.v1`` (same source): ``PublicRequestChanged``, the redacted record.
  Its title is remembered per request id in a bounded map (``RequestMemo``), so the private
  events' messages can name the request by its public title (never the private text).
- ``linli.volunteers.v1`` (source ``/linli/volunteers``): ``PointsCredited`` names the
  volunteer (``volunteer_ids["volunteer"]``); ``VolunteerRegistered`` also names the
  volunteer's person (``people["volunteer_person"]``: the people directory learns it, so
  offers to that volunteer need no lookup); other volunteer and team events give bare facts.
- ``linli.organizations.v1`` (source ``/linli/organizations``): station events
  (``StationEventScheduled``: start time and the people signed up) feed the reminder watch;
  role grants name the grantee; organisation and grid events give the place.

Every translation returns ``Translated(facts, public_payload)``. ``public_payload`` is what an
agency's webhook receives, in the Standard Webhooks shape ``{"type", "timestamp", "data"}``:
for the public feed its redacted record as published; for private request events a public
summary (id, status, category, urgency, place ids, public title: no person ids, no text);
empty for the other topics (agencies are not told about people or roles).

Template values (``facts.values``, named as ``domain.templates.VARIABLES``): ``title``
(public title, "" until the public feed told it), ``status`` (``in_progress``), ``request_id``,
``category``, ``urgency``, ``deadline`` (RFC 3339 UTC; the templates show it in local time),
``deadline_kind`` (``accept``/``resolve``/``acknowledge``), ``link`` (a path in the web app,
e.g. ``/requests/req_1``), and per event ``points``, ``hours``, ``level``, ``department``,
``event_title``, ``starts_at``, ``station``; a few more for rules to come (``stars``,
``round``, ``role``, ``original_id``...).

Decoding is defensive: a payload that is not what the contract says (wrong JSON type, missing
id, unknown event type, bad timestamp) raises ``MalformedEvent``, an ``InvalidArgument``
(the kit's consumer dead-letters it at once, nothing is retried) that is also a
``ValueError``, naming the event type and the field.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Any, Final

from linli.common.cloudevents import Envelope
from linli.common.errors import InvalidArgument
from linli.notifications.domain.model import EventFacts, HandlerRef

#: The CloudEvents sources each topic accepts (anything else is dead-lettered).
REQUESTS_SOURCE: Final = "/linli/requests"
VOLUNTEERS_SOURCE: Final = "/linli/volunteers"
ORGANIZATIONS_SOURCE: Final = "/linli/organizations"

REQUEST_PREFIX: Final = "org.linli.request."
VISIT_PLAN_PREFIX: Final = "org.linli.visit_plan."
PUBLIC_REQUEST_CHANGED: Final = "org.linli.public.request.changed.v1"
POINTS_CREDITED: Final = "org.linli.points.credited.v1"
VOLUNTEER_REGISTERED: Final = "org.linli.volunteer.registered.v1"
STATION_EVENT_SCHEDULED: Final = "org.linli.station_event.scheduled.v1"
ROLE_GRANTED: Final = "org.linli.role.granted.v1"
ROLE_REVOKED: Final = "org.linli.role.revoked.v1"

#: Every request event type of ``linli.requests.v1`` (requests.proto), by suffix.
REQUEST_TYPES: Final = frozenset(
    f"{REQUEST_PREFIX}{name}.v1"
    for name in (
        "submitted",
        "accepted",
        "rejected",
        "dispatched",
        "offered",
        "offer_declined",
        "offer_withdrawn",
        "offer_expired",
        "offers_exhausted",
        "claimed",
        "work_started",
        "resolved",
        "rated",
        "closed",
        "reopened",
        "cancelled",
        "transferred",
        "transfer_accepted",
        "transfer_refused",
        "deadline_breached",
        "escalated",
        "escalation_acknowledged",
        "round_table_started",
        "meeting_recorded",
        "round_table_concluded",
        "merged",
        "moderated",
    )
)
VISIT_PLAN_TYPES: Final = frozenset({f"{VISIT_PLAN_PREFIX}scheduled.v1", f"{VISIT_PLAN_PREFIX}stopped.v1"})
VOLUNTEERS_TYPES: Final = frozenset(
    {
        "org.linli.volunteer.registered.v1",
        "org.linli.volunteer.updated.v1",
        "org.linli.volunteer.suspended.v1",
        "org.linli.volunteer.reactivated.v1",
        "org.linli.team.created.v1",
        "org.linli.team.member_joined.v1",
        "org.linli.team.member_left.v1",
        POINTS_CREDITED,
    }
)
ORGANIZATIONS_TYPES: Final = frozenset(
    {
        "org.linli.organization.created.v1",
        "org.linli.organization.updated.v1",
        "org.linli.organization.moved.v1",
        "org.linli.organization.archived.v1",
        "org.linli.grid.created.v1",
        "org.linli.grid.updated.v1",
        "org.linli.station.created.v1",
        STATION_EVENT_SCHEDULED,
        ROLE_GRANTED,
        ROLE_REVOKED,
    }
)

#: The city's local time (Asia/Shanghai, no daylight saving): deadlines are shown in it.
CITY_TZ: Final = timezone(timedelta(hours=8), "CST")
#: Paths in the web app that messages link to.
REQUEST_LINK: Final = "/requests/{id}"
STATION_EVENT_LINK: Final = "/stations/{station_id}/events/{id}"
POINTS_LINK: Final = "/volunteers/{id}/points"
#: Remembered public titles, at most (least recently used dropped first).
DEFAULT_MEMO_SIZE: Final = 50_000
#: Longest id and text values taken from a payload (anything longer is refused / cut).
MAX_ID_LENGTH: Final = 200
MAX_TITLE_LENGTH: Final = 200


class MalformedEvent(InvalidArgument, ValueError):
    """An event whose payload is not what its contract says; dead-lettered, never retried."""


@dataclass(frozen=True, slots=True)
class Translated:
    """The facts of one event and the agencies' public JSON ("" when it has none)."""

    facts: EventFacts
    public_payload: str = ""


@dataclass(frozen=True, slots=True)
class RequestNote:
    """What the public feed told about a request, kept for the private events."""

    title: str
    org_path: tuple[str, ...] = ()


class RequestMemo:
    """Public title (and place path) per request id, bounded: least recently used first out.
    Shared by the requests and the public-requests consumers (thread-safe)."""

    def __init__(self, max_size: int = DEFAULT_MEMO_SIZE) -> None:
        self.max_size = max(1, max_size)
        self._items: OrderedDict[str, RequestNote] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, request_id: str) -> RequestNote | None:
        with self._lock:
            note = self._items.get(request_id)
            if note is not None:
                self._items.move_to_end(request_id)
            return note

    def put(self, request_id: str, *, title: str | None = None, org_path: tuple[str, ...] | None = None) -> None:
        """Records what is given (None keeps what is known)."""
        with self._lock:
            known = self._items.pop(request_id, None) or RequestNote("")
            self._items[request_id] = RequestNote(
                title=known.title if title is None else title,
                org_path=known.org_path if org_path is None or not org_path else org_path,
            )
            while len(self._items) > self.max_size:
                self._items.popitem(last=False)

    def forget(self, request_id: str) -> None:
        with self._lock:
            self._items.pop(request_id, None)

    def __len__(self) -> int:
        return len(self._items)


# --------------------------------------------------------------------------- decoding helpers


class _Reader:
    """Typed, defensive access to one JSON object of an event, errors naming the path."""

    __slots__ = ("data", "event_type", "path")

    def __init__(self, data: Any, event_type: str, path: str = "") -> None:
        if not isinstance(data, dict):
            where = path or "payload"
            raise MalformedEvent(f"{event_type}: {where} must be a JSON object", field=where)
        self.data: dict[str, Any] = data
        self.event_type = event_type
        self.path = path

    def _where(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def fail(self, key: str, problem: str) -> MalformedEvent:
        where = self._where(key)
        return MalformedEvent(f"{self.event_type}: {where} {problem}", field=where)

    def has(self, key: str) -> bool:
        return self.data.get(key) is not None

    def text(self, key: str, *, limit: int = 2000) -> str:
        value = self.data.get(key)
        if value is None:
            return ""
        if not isinstance(value, str):
            raise self.fail(key, f"must be a string, not {type(value).__name__}")
        return value[:limit]

    def ident(self, key: str, *, required: bool = False) -> str:
        value = self.text(key, limit=MAX_ID_LENGTH + 1)
        if len(value) > MAX_ID_LENGTH:
            raise self.fail(key, f"is longer than {MAX_ID_LENGTH} characters")
        if required and not value:
            raise self.fail(key, "is missing")
        return value

    def ids(self, key: str) -> tuple[str, ...]:
        value = self.data.get(key)
        if value is None:
            return ()
        if not isinstance(value, list):
            raise self.fail(key, "must be a list of strings")
        out: list[str] = []
        for item in value:
            if not isinstance(item, str) or len(item) > MAX_ID_LENGTH:
                raise self.fail(key, "must be a list of ids (strings)")
            if item and item not in out:
                out.append(item)
        return tuple(out)

    def number(self, key: str) -> float:
        """A number; int64 values come as strings in the JSON mapping."""
        value = self.data.get(key)
        if value is None:
            return 0.0
        if isinstance(value, bool):
            raise self.fail(key, "must be a number")
        if isinstance(value, (int, float)):
            return float(value)
        if isinstance(value, str):
            try:
                return float(value)
            except ValueError:
                raise self.fail(key, f"must be a number, not {value[:40]!r}") from None
        raise self.fail(key, "must be a number")

    def flag(self, key: str) -> bool:
        value = self.data.get(key)
        if value is None:
            return False
        if not isinstance(value, bool):
            raise self.fail(key, "must be true or false")
        return value

    def time(self, key: str) -> datetime | None:
        value = self.text(key, limit=64)
        if not value:
            return None
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise self.fail(key, f"is not an RFC 3339 timestamp: {value!r}") from None
        if parsed.tzinfo is None:
            raise self.fail(key, "has no time zone")
        return parsed.astimezone(UTC)

    def enum(self, key: str, prefix: str) -> str:
        """An enum value's short name in lower case (``REQUEST_STATUS_IN_PROGRESS`` ->
        ``in_progress``); "" when absent or unspecified."""
        value = self.text(key, limit=100)
        if not value:
            return ""
        if not value.startswith(prefix):
            raise self.fail(key, f"is not a {prefix.rstrip('_')} value: {value!r}")
        short = value[len(prefix) :].lower()
        return "" if short == "unspecified" else short

    def obj(self, key: str) -> _Reader | None:
        value = self.data.get(key)
        if value is None:
            return None
        return _Reader(value, self.event_type, self._where(key))

    def objs(self, key: str) -> list[_Reader]:
        value = self.data.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            raise self.fail(key, "must be a list of objects")
        return [_Reader(item, self.event_type, f"{self._where(key)}[{i}]") for i, item in enumerate(value)]

    def localized(self, key: str) -> tuple[str, str]:
        """``LocalizedText`` as (zh, en)."""
        value = self.obj(key)
        if value is None:
            return "", ""
        return value.text("zh", limit=MAX_TITLE_LENGTH), value.text("en", limit=MAX_TITLE_LENGTH)


def _payload(envelope: Envelope) -> _Reader:
    try:
        data = json.loads(envelope.data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise MalformedEvent(f"{envelope.type}: data is not JSON: {exc}", field="data") from exc
    return _Reader(data, envelope.type)


def local_text(moment: datetime | None) -> str:
    """A moment as people in the city read it: ``2025-03-05 17:00`` (UTC+8)."""
    return moment.astimezone(CITY_TZ).strftime("%Y-%m-%d %H:%M") if moment is not None else ""


def rfc3339(moment: datetime | None) -> str:
    """A moment as the templates take it: RFC 3339 in UTC (``2025-03-05T09:00:00Z``)."""
    if moment is None:
        return ""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _when(envelope: Envelope) -> datetime:
    moment = envelope.time
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _public_json(envelope: Envelope, data: Mapping[str, Any]) -> str:
    """The Standard Webhooks payload shape: type, timestamp, data."""
    body = {"type": envelope.type, "timestamp": _when(envelope).isoformat().replace("+00:00", "Z"), "data": data}
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"))


def _check_type(envelope: Envelope, known: frozenset[str], topic: str) -> None:
    if envelope.type not in known:
        raise MalformedEvent(f"unexpected event type {envelope.type!r} on {topic}", field="ce_type")


def _values(**values: str) -> dict[str, str]:
    return {k: v for k, v in values.items() if v}


def _handler(reader: _Reader | None) -> tuple[HandlerRef, ...]:
    if reader is None:
        return ()
    ref_id = reader.ident("id")
    kind = reader.enum("kind", "ASSIGNEE_KIND_")
    return (HandlerRef(kind=kind, id=ref_id),) if ref_id and kind else ()


def _amount(value: float) -> str:
    return str(int(value)) if value == int(value) else f"{value:g}"


# --------------------------------------------------------------------------- linli.requests.v1


class EventTranslator:
    """Translates the four topics' events; holds the public-title memo they share."""

    def __init__(self, memo: RequestMemo | None = None) -> None:
        self.memo = memo if memo is not None else RequestMemo()

    # -- requests ---------------------------------------------------------------------------
    def requests(self, envelope: Envelope) -> Translated:
        """An event of ``linli.requests.v1``."""
        if envelope.type in VISIT_PLAN_TYPES:
            return self._visit_plan(envelope)
        _check_type(envelope, REQUEST_TYPES, "linli.requests.v1")
        payload = _payload(envelope)
        snap = payload.obj("request")
        if snap is None:
            raise payload.fail("request", "is missing (every request event carries its snapshot)")
        request_id = snap.ident("id") or envelope.subject
        if not request_id or len(request_id) > MAX_ID_LENGTH:
            raise snap.fail("id", "is missing")
        org_path = snap.ids("orgPath")
        community_id = snap.ident("communityId")
        street_id = snap.ident("streetId")
        grid_id = snap.ident("gridId")
        status = snap.enum("status", "REQUEST_STATUS_")
        urgency = snap.enum("urgency", "URGENCY_")
        category = snap.ident("category")
        accept_by, resolve_by = snap.time("acceptBy"), snap.time("resolveBy")
        note = self.memo.get(request_id)
        if org_path:
            self.memo.put(request_id, org_path=org_path)
        people: dict[str, tuple[str, ...]] = {}
        requester = snap.ident("requesterPersonId")
        if requester:
            people["requester"] = (requester,)
        followers = snap.ids("followerPersonIds")
        if followers:
            people["followers"] = followers
        handlers: dict[str, tuple[HandlerRef, ...]] = {}
        handler = _handler(snap.obj("assignee"))
        if handler:
            handlers["handler"] = handler
        first = _handler(snap.obj("firstResponder"))
        if first:
            handlers["first_responder"] = first
        volunteer_ids: dict[str, tuple[str, ...]] = {}
        deadline = resolve_by if status not in ("submitted", "") else accept_by or resolve_by
        values = _values(
            title=note.title if note else "",
            status=status,
            category=category,
            urgency=urgency,
            deadline=rfc3339(deadline),
            deadline_kind="accept" if deadline is not None and deadline == accept_by else "resolve",
            request_id=request_id,
            link=REQUEST_LINK.format(id=request_id),
        )
        department_id = ""
        urgent = urgency in ("urgent", "emergency")
        suffix = envelope.type[len(REQUEST_PREFIX) : -len(".v1")]
        match suffix:
            case "offered":
                offers = payload.objs("offers")
                candidates = tuple(
                    dict.fromkeys(
                        o.ident("volunteerId", required=True)
                        for o in offers
                        if o.enum("status", "OFFER_STATUS_") in ("open", "")
                    )
                )
                if candidates:
                    volunteer_ids["candidates"] = candidates
                expiries = [t for o in offers if (t := o.time("expiresAt")) is not None]
                if expiries:
                    values["offer_expires_at"] = rfc3339(min(expiries))
                if payload.has("round"):
                    values["round"] = _amount(payload.number("round"))
            case "offer_withdrawn" | "offer_expired":
                ids = payload.ids("volunteerIds")
                if ids:
                    volunteer_ids["candidates"] = ids
            case "offer_declined":
                decliner = payload.ident("volunteerId")
                if decliner:
                    volunteer_ids["decliner"] = (decliner,)
            case "dispatched" | "claimed":
                assigned = _handler(payload.obj("assignee"))
                if assigned:
                    handlers["handler"] = assigned
            case "transferred" | "transfer_accepted" | "transfer_refused":
                transfer = payload.obj("transfer")
                if transfer is None:
                    raise payload.fail("transfer", "is missing")
                receiver = _handler(transfer.obj("to"))
                if not receiver:
                    raise transfer.fail("to", "names no receiver")
                handlers["transfer_receiver"] = receiver
                sender = _handler(transfer.obj("fromAssignee"))
                if sender:
                    handlers["transfer_sender"] = sender
            case "deadline_breached":
                breach = payload.obj("breach")
                if breach is None:
                    raise payload.fail("breach", "is missing")
                kind = breach.enum("kind", "DEADLINE_KIND_")
                values.update(_values(deadline=rfc3339(breach.time("deadline")), deadline_kind=kind))
                urgent = True
            case "escalated" | "escalation_acknowledged":
                escalation = payload.obj("escalation")
                if escalation is None:
                    raise payload.fail("escalation", "is missing")
                department_id = escalation.ident("targetId") or escalation.ident("departmentCode")
                if not department_id:
                    raise escalation.fail("targetId", "is missing")
                values.update(
                    _values(
                        department=escalation.ident("departmentCode") or department_id,
                        department_code=escalation.ident("departmentCode"),
                        level=_amount(escalation.number("level")),
                        deadline=rfc3339(escalation.time("acknowledgeBy")),
                        deadline_kind="acknowledge",
                        trigger=escalation.enum("trigger", "ESCALATION_TRIGGER_"),
                    )
                )
                urgent = suffix == "escalated"
            case "round_table_started" | "round_table_concluded":
                table = payload.obj("roundTable")
                if table is None:
                    raise payload.fail("roundTable", "is missing")
                parties = tuple(
                    HandlerRef(kind=p.enum("kind", "PARTY_KIND_"), id=p.ident("id"))
                    for p in table.objs("parties")
                    if p.ident("id")
                )
                if parties:
                    handlers["parties"] = parties
                outcome = table.enum("outcome", "ROUND_TABLE_OUTCOME_")
                if outcome:
                    values["outcome"] = outcome
            case "merged":
                original = payload.ident("originalId")
                merged_followers = payload.ids("followerPersonIds")
                if merged_followers:
                    people["followers"] = tuple(dict.fromkeys((*followers, *merged_followers)))
                if original:
                    values["original_id"] = original
                    values["link"] = REQUEST_LINK.format(id=original)
            case "rated":
                stars = payload.number("stars")
                if stars:
                    values["stars"] = _amount(stars)
            case "reopened":
                if payload.flag("automatic"):
                    values["automatic"] = "true"
            case _:
                pass
        facts = EventFacts(
            event_id=envelope.id,
            event_type=envelope.type,
            source=envelope.source,
            subject_id=request_id,
            occurred_at=_when(envelope),
            community_id=community_id,
            street_id=street_id,
            grid_id=grid_id,
            org_path=org_path or (note.org_path if note else ()),
            department_id=department_id,
            people=people,
            volunteer_ids=volunteer_ids,
            handlers=handlers,
            values=values,
            urgent=urgent,
        )
        summary = _values(
            id=request_id,
            status=snap.text("status", limit=100),
            category=category,
            urgency=snap.text("urgency", limit=100),
            communityId=community_id,
            streetId=street_id,
            gridId=grid_id,
            title=values.get("title", ""),
        )
        if snap.flag("hidden"):  # moderated away: agencies hear only that it is gone
            summary = {"id": request_id, "hidden": "true"}
        return Translated(facts, _public_json(envelope, {"request": summary}))

    def _visit_plan(self, envelope: Envelope) -> Translated:
        payload = _payload(envelope)
        plan = payload.obj("plan")
        if plan is None:
            raise payload.fail("plan", "is missing")
        plan_id = plan.ident("id") or envelope.subject
        if not plan_id:
            raise plan.fail("id", "is missing")
        resident = plan.ident("residentPersonId")
        facts = EventFacts(
            event_id=envelope.id,
            event_type=envelope.type,
            source=envelope.source,
            subject_id=plan_id,
            occurred_at=_when(envelope),
            community_id=plan.ident("communityId"),
            street_id=plan.ident("streetId"),
            grid_id=plan.ident("gridId"),
            org_path=plan.ids("orgPath"),
            people={"resident": (resident,)} if resident else {},
            values=_values(
                title=plan.text("title", limit=MAX_TITLE_LENGTH),
                category=plan.ident("category"),
                starts_at=rfc3339(plan.time("startsAt")),
            ),
        )
        return Translated(facts)

    # -- linli.public.requests.v1 -----------------------------------------------------------
    def public_requests(self, envelope: Envelope) -> Translated:
        """``PublicRequestChanged``: remembers the public title; agencies get the record."""
        _check_type(envelope, frozenset({PUBLIC_REQUEST_CHANGED}), "linli.public.requests.v1")
        payload = _payload(envelope)
        record = payload.obj("request")
        if record is None:
            raise payload.fail("request", "is missing")
        request_id = record.ident("id") or envelope.subject
        if not request_id:
            raise record.fail("id", "is missing")
        removed = payload.flag("removed")
        title = record.text("title", limit=MAX_TITLE_LENGTH)
        if removed:
            self.memo.forget(request_id)
        else:
            self.memo.put(request_id, title=title)
        note = self.memo.get(request_id)
        community_id, street_id = record.ident("communityId"), record.ident("streetId")
        org_path = note.org_path if note and note.org_path else tuple(i for i in (street_id, community_id) if i)
        facts = EventFacts(
            event_id=envelope.id,
            event_type=envelope.type,
            source=envelope.source,
            subject_id=request_id,
            occurred_at=_when(envelope),
            community_id=community_id,
            street_id=street_id,
            grid_id=record.ident("gridId"),
            org_path=org_path,
            values=_values(
                title=title,
                status=record.enum("status", "REQUEST_STATUS_"),
                category=record.ident("category"),
                urgency=record.enum("urgency", "URGENCY_"),
                deadline=rfc3339(record.time("resolveBy")),
                request_id=request_id,
                deadline_kind="resolve" if record.has("resolveBy") else "",
                change=payload.ident("change"),
                removed="true" if removed else "",
                link=REQUEST_LINK.format(id=request_id),
            ),
        )
        return Translated(facts, _public_json(envelope, payload.data))

    # -- linli.volunteers.v1 ----------------------------------------------------------------
    def volunteers(self, envelope: Envelope) -> Translated:
        _check_type(envelope, VOLUNTEERS_TYPES, "linli.volunteers.v1")
        payload = _payload(envelope)
        volunteer_ids: dict[str, tuple[str, ...]] = {}
        people: dict[str, tuple[str, ...]] = {}
        values: dict[str, str] = {}
        community_id = ""
        subject = envelope.subject
        if envelope.type == POINTS_CREDITED:
            volunteer = payload.ident("volunteerId", required=True)
            volunteer_ids["volunteer"] = (volunteer,)
            community_id = payload.ident("creditedCommunityId")
            subject = volunteer
            values = _values(
                points=_amount(payload.number("points")),
                hours=_amount(payload.number("hours")),
                request_id=payload.ident("requestId"),
                entry_kind=payload.enum("kind", "LEDGER_ENTRY_KIND_"),
                link=POINTS_LINK.format(id=volunteer),
            )
        else:
            volunteer = payload.ident("volunteerId")
            profile = payload.obj("profile")
            if not volunteer and profile is not None:
                volunteer = profile.ident("volunteerId") or profile.ident("id")
            if volunteer:
                volunteer_ids["volunteer"] = (volunteer,)
            person = payload.ident("personId") if envelope.type == VOLUNTEER_REGISTERED else ""
            if volunteer and person:
                people["volunteer_person"] = (person,)
        if not subject:
            raise MalformedEvent(f"{envelope.type}: no subject", field="ce_subject")
        facts = EventFacts(
            event_id=envelope.id,
            event_type=envelope.type,
            source=envelope.source,
            subject_id=subject,
            occurred_at=_when(envelope),
            community_id=community_id,
            people=people,
            volunteer_ids=volunteer_ids,
            values=values,
        )
        return Translated(facts)

    # -- linli.organizations.v1 -------------------------------------------------------------
    def organizations(self, envelope: Envelope) -> Translated:
        _check_type(envelope, ORGANIZATIONS_TYPES, "linli.organizations.v1")
        payload = _payload(envelope)
        people: dict[str, tuple[str, ...]] = {}
        values: dict[str, str] = {}
        org_path: tuple[str, ...] = ()
        subject = envelope.subject
        community_id = street_id = grid_id = ""
        if envelope.type == STATION_EVENT_SCHEDULED:
            event = payload.obj("event")
            if event is None:
                raise payload.fail("event", "is missing")
            subject = event.ident("id", required=True)
            station_id = event.ident("stationId")
            starts_at = event.time("startsAt")
            if starts_at is None:
                raise event.fail("startsAt", "is missing")
            signed_up = event.ids("signedUpPersonIds")
            if signed_up:
                people["signed_up"] = signed_up
            zh, en = event.localized("title")
            values = _values(
                event_title=zh or en,
                event_title_en=en,
                starts_at=rfc3339(starts_at),
                ends_at=rfc3339(event.time("endsAt")),
                station=station_id,
                station_id=station_id,
                cancelled="true" if event.flag("cancelled") else "",
                link=STATION_EVENT_LINK.format(station_id=station_id, id=subject),
            )
        elif envelope.type in (ROLE_GRANTED, ROLE_REVOKED):
            assignment = payload.obj("assignment")
            if assignment is None:
                raise payload.fail("assignment", "is missing")
            person = assignment.ident("personId", required=True)
            org_id = assignment.ident("organizationId", required=True)
            people["grantee"] = (person,)
            org_path = (org_id,)
            values = _values(
                role=assignment.enum("role", "ORGANIZATION_ROLE_"),
                organization_id=org_id,
                active="true" if assignment.flag("active") else "false",
            )
        elif envelope.type.startswith("org.linli.grid."):
            grid = payload.obj("grid")
            if grid is None:
                raise payload.fail("grid", "is missing")
            grid_id = subject = grid.ident("id", required=True)
            community_id, street_id = grid.ident("communityId"), grid.ident("streetId")
            org_path = tuple(i for i in (street_id, community_id) if i)
        elif envelope.type == "org.linli.station.created.v1":
            station = payload.obj("station")
            if station is None:
                raise payload.fail("station", "is missing")
            subject = station.ident("id", required=True)
            owner = station.ident("organizationId")
            org_path = (owner,) if owner else ()
        else:
            org = payload.obj("organization")
            if org is None:
                raise payload.fail("organization", "is missing")
            subject = org.ident("id", required=True)
            org_path = (*org.ids("path"), subject)
            zh, en = org.localized("name")
            values = _values(name=zh or en, kind=org.enum("kind", "ORGANIZATION_KIND_"))
        if not subject:
            raise MalformedEvent(f"{envelope.type}: no subject", field="ce_subject")
        facts = EventFacts(
            event_id=envelope.id,
            event_type=envelope.type,
            source=envelope.source,
            subject_id=subject,
            occurred_at=_when(envelope),
            community_id=community_id,
            street_id=street_id,
            grid_id=grid_id,
            org_path=org_path,
            people=people,
            values=values,
        )
        return Translated(facts)


Translate = Callable[[Envelope], Translated]
