"""Page handlers. Each reads what it shows through ``backend.rpc`` as the signed-in person,
and each form posts back here (CSRF-checked in ``_check_csrf``), then redirects (POST,
redirect, GET) with a flashed message: success, or the service's problem in words."""

from __future__ import annotations

import json
import logging
import queue
import re
import threading
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta, timezone
from functools import wraps
from typing import Any, ParamSpec, TypeVar
from urllib.parse import urlsplit

import grpc
from flask import (
    Response,
    abort,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    stream_with_context,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import gettext as _
from google.protobuf.timestamp_pb2 import Timestamp

from linli.common import errors
from linli.gateway.web import backend, bp, forms, i18n, labels
from linli.v1 import common_pb2 as cm
from linli.v1 import notifications_pb2 as nt
from linli.v1 import organizations_pb2 as og
from linli.v1 import requests_pb2 as rq
from linli.v1 import volunteers_pb2 as vl

log = logging.getLogger(__name__)
P = ParamSpec("P")
R = TypeVar("R")

CITY_TIME = timezone(timedelta(hours=8))
#: Statuses in which a request still waits for someone (the deadline board's rows).
OPEN_STATUSES = (
    rq.REQUEST_STATUS_SUBMITTED,
    rq.REQUEST_STATUS_ACCEPTED,
    rq.REQUEST_STATUS_DISPATCHED,
    rq.REQUEST_STATUS_OFFERED,
    rq.REQUEST_STATUS_CLAIMED,
    rq.REQUEST_STATUS_IN_PROGRESS,
    rq.REQUEST_STATUS_REOPENED,
)
SOLVED_STATUSES = (rq.REQUEST_STATUS_RESOLVED, rq.REQUEST_STATUS_RATED, rq.REQUEST_STATUS_CLOSED)


# ---- template helpers ----------------------------------------------------------------------


def when(stamp: Timestamp | None) -> str:
    """A time in the city's local time, '' when unset."""
    if stamp is None or (stamp.seconds == 0 and stamp.nanos == 0):
        return ""
    return datetime.fromtimestamp(stamp.seconds, tz=CITY_TIME).strftime("%Y-%m-%d %H:%M")


def percent(value: float) -> str:
    return f"{value * 100:.1f}%"


def _has(message: Any, field: str) -> bool:
    try:
        return bool(message.HasField(field))
    except ValueError:
        return False


@bp.context_processor
def _helpers() -> dict[str, Any]:
    locale = str(get_locale() or i18n.DEFAULT_LOCALE)
    person = backend.person()
    return {
        "csrf_token": forms.token,
        "person": person,
        "locale": locale,
        "html_lang": i18n.LANGUAGES.get(locale, i18n.LANGUAGES[i18n.DEFAULT_LOCALE])[0],
        "languages": i18n.LANGUAGES,
        "when": when,
        "percent": percent,
        "has": _has,
        "status_label": labels.status,
        "urgency_label": labels.urgency,
        "assignee_kind_label": labels.assignee_kind,
        "action_label": labels.action,
        "role_label": labels.role,
        "category_label": labels.category,
        "localized": labels.localized,
        "is_staff": backend.is_staff(),
        "is_volunteer": backend.has_role("volunteer"),
        "is_admin": backend.has_role("admin", "operator"),
        "map_tiles_url": _map_tiles_url(),
        "rq": rq,
    }


def _map_tiles_url() -> str:
    return backend.map_tiles_url()


# ---- guards and errors ---------------------------------------------------------------------


@bp.before_request
def _check_csrf() -> ResponseReturnValue | None:
    if request.method == "POST" and not forms.valid():
        return render_template(
            "error.html", message=_("This form has expired. Please go back, reload the page and try again.")
        ), 400
    return None


@bp.after_request
def _headers(response: Response) -> Response:
    response.headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; img-src 'self' data: " + _tile_origin() + "; style-src 'self'; script-src 'self'; "
        "connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
    )
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("Vary", "Cookie, Accept-Language")
    return response


def _tile_origin() -> str:
    tiles = _map_tiles_url()
    if not tiles:
        return ""
    parts = urlsplit(tiles.replace("{", "").replace("}", ""))
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


@bp.errorhandler(errors.LinliError)
def _problem(error: errors.LinliError) -> ResponseReturnValue:
    if isinstance(error, errors.Unauthenticated):
        return redirect(url_for("web.signin", next=_local_path(request.full_path)))
    status = error.http_status if 400 <= error.http_status < 600 else 500
    return render_template("error.html", message=backend.problem_text(error)), status


@bp.errorhandler(404)
def _not_found(_error: Exception) -> ResponseReturnValue:
    return render_template("error.html", message=_("This page does not exist.")), 404


def signed_in(view: Callable[P, R]) -> Callable[P, R | ResponseReturnValue]:
    """Pages for signed-in people: visitors go to the sign-in page and come back."""

    @wraps(view)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R | ResponseReturnValue:
        if backend.person() is None:
            return redirect(url_for("web.signin", next=_local_path(request.full_path)))
        return view(*args, **kwargs)

    return wrapper


def staff_only(view: Callable[P, R]) -> Callable[P, R | ResponseReturnValue]:
    @wraps(view)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R | ResponseReturnValue:
        if backend.person() is None:
            return redirect(url_for("web.signin", next=_local_path(request.full_path)))
        if not backend.is_staff():
            return render_template("error.html", message=_("This page is for dispatchers and grid workers.")), 403
        return view(*args, **kwargs)

    return wrapper


def _local_path(target: str | None) -> str:
    """Only paths on this site (no scheme, no host, no '//'), for redirects after an action."""
    if not target:
        return "/"
    target = target.rstrip("?")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def _back(default: str) -> ResponseReturnValue:
    return redirect(_local_path(request.form.get("next") or default))


def _attempt(action: Callable[[], Any], success: str) -> bool:
    """Runs a change; flashes ``success`` or the problem. True when it worked."""
    try:
        action()
    except errors.Unauthenticated:
        flash(_("Please sign in"), "error")
        return False
    except errors.LinliError as error:
        flash(backend.problem_text(error), "error")
        return False
    flash(success, "success")
    return True


# ---- public: home, language, sign-in -------------------------------------------------------


@bp.get("/")
def home() -> ResponseReturnValue:
    return render_template("home.html")


@bp.get("/lang/<code>")
def switch_language(code: str) -> ResponseReturnValue:
    if code in i18n.LANGUAGES:
        session[i18n.SESSION_KEY] = code
    return redirect(_local_path(request.args.get("next")))


@bp.route("/signin", methods=["GET", "POST"])
def signin() -> ResponseReturnValue:
    target = _local_path(request.values.get("next"))
    if target.startswith(url_for("web.signin")):
        target = "/"
    if request.method == "GET":
        return render_template("signin.html", next=target, login="")
    login = forms.text("login", 200)
    password = request.form.get("password") or ""
    try:
        response = backend.sign_in(login, password, redirect(target))
    except errors.LinliError as error:
        message = (
            _("Wrong phone number, e-mail or password.")
            if isinstance(error, (errors.Unauthenticated, errors.InvalidArgument, errors.NotFound))
            else backend.problem_text(error)
        )
        return render_template("signin.html", next=target, login=login, error=message), error.http_status
    session.pop(forms.SESSION_KEY, None)  # a fresh CSRF token for the signed-in session
    return response


@bp.post("/signout")
def signout() -> ResponseReturnValue:
    session.pop(forms.SESSION_KEY, None)
    return backend.sign_out(redirect(url_for("web.home")))


# ---- public results board ------------------------------------------------------------------


def _board_request(scope_id: str, recent: int) -> rq.GetPublicBoardRequest:
    """The board of the last ``days`` (query argument, 1-3660; default a year), up to now."""
    days = min(max(request.args.get("days", 365, type=int) or 365, 1), 3660)
    end = datetime.now(UTC) + timedelta(minutes=1)
    made = rq.GetPublicBoardRequest(scope_id=scope_id, recent_limit=recent)
    made.period_start.FromDatetime(end - timedelta(days=days))
    made.period_end.FromDatetime(end)
    return made


@bp.get("/board")
def board_index() -> ResponseReturnValue:
    roots = backend.rpc(
        "organizations", "ListChildren", og.ListChildrenRequest(page=cm.PageRequest(page_size=50)), as_person=False
    ).organizations
    communities: list[Any] = []
    for root in roots[:20]:
        communities.extend(
            backend.rpc(
                "organizations",
                "ListSubtree",
                og.ListSubtreeRequest(
                    root_id=root.id,
                    include_root=True,
                    kinds=[og.ORGANIZATION_KIND_COMMUNITY_COMMITTEE],
                    page=cm.PageRequest(page_size=500),
                ),
                as_person=False,
            ).organizations
        )
    city = backend.rpc("requests", "GetPublicBoard", _board_request("", 5), as_person=False)
    return render_template("board_index.html", communities=communities, board=city)


@bp.get("/board/<scope_id>")
def board(scope_id: str) -> ResponseReturnValue:
    organization = backend.rpc(
        "organizations", "GetOrganization", og.GetOrganizationRequest(id=scope_id), as_person=False
    )
    result = backend.rpc("requests", "GetPublicBoard", _board_request(scope_id, 20), as_person=False)
    return render_template("board.html", organization=organization, board=result)


# ---- residents -----------------------------------------------------------------------------


def _draft_from_form() -> dict[str, Any]:
    return {
        "category": forms.text("category", 64),
        "title": forms.text("title", 120),
        "description": forms.text("description", 4000),
        "address": forms.text("address", 500),
        "lat": forms.text("lat", 32),
        "lng": forms.text("lng", 32),
        "urgency": forms.integer("urgency", rq.URGENCY_UNSPECIFIED),
        "key": forms.text("key", 64) or uuid.uuid4().hex,
    }


def _point(draft: dict[str, Any]) -> cm.GeoPoint | None:
    lat, lng = forms.number("lat"), forms.number("lng")
    if lat is None or lng is None:
        if draft["lat"] or draft["lng"]:
            raise errors.InvalidArgument(_("latitude and longitude must both be numbers"), field="point")
        return None
    return cm.GeoPoint(lat=lat, lng=lng)


def _suggestions(draft: dict[str, Any], point: cm.GeoPoint | None) -> list[Any]:
    if not draft["category"] or not (draft["title"] or draft["description"]):
        return []
    message = rq.SuggestDuplicatesRequest(
        category=draft["category"], title=draft["title"], description=draft["description"], limit=5
    )
    if point is not None:
        message.point.CopyFrom(point)
    if draft["address"]:
        message.address.text = draft["address"]
    return list(backend.rpc("requests", "SuggestDuplicates", message).suggestions)


def _categories() -> list[tuple[str, str]]:
    chinese = labels.is_chinese()
    return [(s.code, s.name.pick("zh" if chinese else "en")) for s in backend.catalogue().all()]


@bp.route("/requests/new", methods=["GET", "POST"])
@signed_in
def new_request() -> ResponseReturnValue:
    """Step 1 (check): likely duplicates are shown; step 2 (submit): the request is sent."""
    if request.method == "GET":
        draft = _draft_from_form() | {"key": uuid.uuid4().hex}
        return render_template("request_new.html", draft=draft, categories=_categories(), suggestions=None)
    draft = _draft_from_form()
    try:
        point = _point(draft)
        if request.form.get("step") != "submit":
            suggestions = _suggestions(draft, point)
            return render_template("request_new.html", draft=draft, categories=_categories(), suggestions=suggestions)
        message = rq.SubmitRequestRequest(
            idempotency_key=draft["key"],
            category=draft["category"],
            title=draft["title"],
            description=draft["description"],
            urgency=draft["urgency"],
            channel=rq.CHANNEL_WEB,
        )
        if point is not None:
            message.point.CopyFrom(point)
        if draft["address"]:
            message.address.text = draft["address"]
        created = backend.rpc("requests", "SubmitRequest", message)
    except errors.Unauthenticated:
        raise
    except errors.LinliError as error:
        return (
            render_template(
                "request_new.html",
                draft=draft,
                categories=_categories(),
                suggestions=None,
                error=backend.problem_text(error),
                error_field=error.field,
            ),
            error.http_status,
        )
    flash(_("Your request was submitted. You can follow it here."), "success")
    return redirect(url_for("web.request_detail", request_id=created.request.id))


@bp.get("/requests/suggest")
@signed_in
def suggest() -> ResponseReturnValue:
    """Likely duplicates of a draft, for the form's script (shown while the resident types)."""
    draft = {
        "category": (request.args.get("category") or "")[:64],
        "title": (request.args.get("title") or "")[:120],
        "description": (request.args.get("description") or "")[:4000],
        "address": (request.args.get("address") or "")[:500],
    }
    point = None
    try:
        lat, lng = float(request.args.get("lat", "")), float(request.args.get("lng", ""))
        point = cm.GeoPoint(lat=lat, lng=lng)
    except ValueError:
        pass
    try:
        found = _suggestions(draft, point)
    except errors.LinliError as error:
        return jsonify(error=backend.problem_text(error), suggestions=[]), error.http_status
    return jsonify(
        suggestions=[
            {
                "request_id": s.request_id,
                "url": url_for("web.request_detail", request_id=s.request_id),
                "status": labels.status(s.status),
                "submitted": when(s.submitted_at),
                "distance": s.distance_band or (f"{s.distance_meters:.0f} m" if s.HasField("distance_meters") else ""),
                "score": round(s.score, 2),
            }
            for s in found
        ]
    )


@bp.get("/requests")
@signed_in
def my_requests() -> ResponseReturnValue:
    person = backend.person()
    assert person is not None
    listed = backend.rpc("requests", "ListRequests", rq.ListRequestsRequest(page=cm.PageRequest(page_size=200)))
    mine = [r for r in listed.requests if r.requester.person_id == person.id or r.public_view_only]
    return render_template("requests_mine.html", requests=mine)


@bp.get("/requests/<request_id>")
@signed_in
def request_detail(request_id: str) -> ResponseReturnValue:
    person = backend.person()
    assert person is not None
    found = backend.rpc("requests", "GetRequest", rq.GetRequestRequest(request_id=request_id))
    volunteer_id = _my_volunteer_id()
    mine = found.requester.person_id == person.id
    handler = found.HasField("assignee") and found.assignee.id in {person.id, volunteer_id}
    offered = any(o.volunteer_id == volunteer_id and o.status == rq.OFFER_STATUS_OPEN for o in found.offers)
    return render_template(
        "request_detail.html",
        r=found,
        mine=mine,
        handler=handler,
        offered=offered,
        staff=backend.is_staff(),
        history=list(reversed(found.history)),
    )


# ---- actions on a request ------------------------------------------------------------------


def _assignee() -> rq.Assignee:
    return rq.Assignee(
        kind=forms.integer("assignee_kind", rq.ASSIGNEE_KIND_VOLUNTEER),  # type: ignore[arg-type]
        id=forms.text("assignee_id", 128),
        name=forms.text("assignee_name", 100),
    )


def _version() -> int:
    return forms.integer("version", 0)


ActionBuilder = Callable[[str], tuple[str, Any, str]]


def _actions() -> dict[str, ActionBuilder]:
    """action name -> (request id -> (RPC method, message, success text))."""
    return {
        "rate": lambda rid: (
            "RateRequest",
            rq.RateRequestRequest(
                request_id=rid,
                expected_version=_version(),
                stars=forms.integer("stars"),
                comment=forms.text("comment", 1000),
            ),
            _("Thank you for your rating."),
        ),
        "cancel": lambda rid: (
            "CancelRequest",
            rq.CancelRequestRequest(request_id=rid, expected_version=_version(), reason=forms.text("reason", 1000)),
            _("The request was withdrawn."),
        ),
        "reopen": lambda rid: (
            "ReopenRequest",
            rq.ReopenRequestRequest(request_id=rid, expected_version=_version(), reason=forms.text("reason", 1000)),
            _("The request was reopened."),
        ),
        "claim": lambda rid: (
            "ClaimRequest",
            rq.ClaimRequestRequest(request_id=rid, expected_version=_version()),
            _("You claimed this request. Thank you!"),
        ),
        "decline": lambda rid: (
            "DeclineOffer",
            rq.DeclineOfferRequest(request_id=rid, expected_version=_version(), reason=forms.text("reason", 1000)),
            _("You declined the offer."),
        ),
        "start": lambda rid: (
            "StartWork",
            rq.StartWorkRequest(request_id=rid, expected_version=_version(), note=forms.text("note", 1000)),
            _("Work started."),
        ),
        "resolve": lambda rid: (
            "ResolveRequest",
            rq.ResolveRequestRequest(
                request_id=rid,
                expected_version=_version(),
                result_text=forms.text("result_text", 4000),
                hours=forms.number("hours") or 0.0,
            ),
            _("The result was recorded."),
        ),
        "accept": lambda rid: (
            "AcceptRequest",
            rq.AcceptRequestRequest(request_id=rid, expected_version=_version(), note=forms.text("note", 1000)),
            _("Accepted into the ledger."),
        ),
        "reject": lambda rid: (
            "RejectRequest",
            rq.RejectRequestRequest(request_id=rid, expected_version=_version(), reason=forms.text("reason", 1000)),
            _("The request was rejected."),
        ),
        "dispatch": lambda rid: (
            "DispatchRequest",
            rq.DispatchRequestRequest(
                request_id=rid, expected_version=_version(), assignee=_assignee(), note=forms.text("note", 1000)
            ),
            _("Dispatched."),
        ),
        "offer": lambda rid: (
            "OfferToVolunteers",
            rq.OfferToVolunteersRequest(
                request_id=rid,
                expected_version=_version(),
                candidate_volunteer_ids=[c for c in re.split(r"[\s,，;]+", forms.text("candidates", 2000)) if c][:20],
            ),
            _("Offered to the best-matching volunteers nearby."),
        ),
        "transfer": lambda rid: (
            "TransferRequest",
            rq.TransferRequestRequest(
                request_id=rid, expected_version=_version(), to=_assignee(), reason=forms.text("reason", 1000)
            ),
            _("Transfer requested; the receiver must accept it."),
        ),
        "respond_transfer": lambda rid: (
            "RespondToTransfer",
            rq.RespondToTransferRequest(
                request_id=rid,
                expected_version=_version(),
                accept=request.form.get("accept") == "1",
                reason=forms.text("reason", 1000),
            ),
            _("Your answer to the transfer was recorded."),
        ),
        "escalate": lambda rid: (
            "EscalateRequest",
            rq.EscalateRequestRequest(
                request_id=rid,
                expected_version=_version(),
                reason=forms.text("reason", 1000),
                department_code=forms.text("department_code", 64),
            ),
            _("Escalated."),
        ),
        "acknowledge": lambda rid: (
            "AcknowledgeEscalation",
            rq.AcknowledgeEscalationRequest(request_id=rid, expected_version=_version(), note=forms.text("note", 1000)),
            _("Escalation acknowledged."),
        ),
        "close": lambda rid: (
            "CloseRequest",
            rq.CloseRequestRequest(request_id=rid, expected_version=_version(), note=forms.text("note", 1000)),
            _("The request was closed."),
        ),
        "merge": lambda rid: (
            "MergeRequest",
            rq.MergeRequestRequest(
                duplicate_id=rid,
                expected_version=_version(),
                original_id=forms.text("original_id", 128),
                reason=forms.text("reason", 1000),
            ),
            _("Merged into the original request."),
        ),
        "moderate": lambda rid: (
            "ModerateRequest",
            rq.ModerateRequestRequest(
                request_id=rid,
                expected_version=_version(),
                visibility={"hide": rq.MODERATION_VISIBILITY_HIDE, "show": rq.MODERATION_VISIBILITY_SHOW}.get(
                    request.form.get("visibility", ""), rq.MODERATION_VISIBILITY_UNSPECIFIED
                ),
                approve_publication=request.form.get("approve") == "1",
                reason=forms.text("reason", 1000),
            ),
            _("Moderation recorded."),
        ),
        "follow": lambda rid: (
            "FollowRequest",
            rq.FollowRequestRequest(request_id=rid, unfollow=request.form.get("unfollow") == "1"),
            _("Following updated."),
        ),
    }


@bp.post("/requests/<request_id>/<action>")
@signed_in
def request_action(request_id: str, action: str) -> ResponseReturnValue:
    builder = _actions().get(action)
    if builder is None:
        abort(404)
    method, message, success = builder(request_id)
    _attempt(lambda: backend.rpc("requests", method, message), success)
    return _back(url_for("web.request_detail", request_id=request_id))


# ---- volunteers ----------------------------------------------------------------------------


def _my_volunteer() -> Any | None:
    """The signed-in person's volunteer profile, or None (asked once per HTTP request)."""
    if "web_volunteer" not in g:
        person = backend.person()
        g.web_volunteer = None
        if person is not None and backend.has_role("volunteer"):
            try:
                g.web_volunteer = backend.rpc("volunteers", "GetVolunteer", vl.GetVolunteerRequest(person_id=person.id))
            except errors.NotFound:
                g.web_volunteer = None
    return g.web_volunteer


def _my_volunteer_id() -> str:
    found = _my_volunteer()
    return str(found.id) if found is not None else ""


def open_offers(entries: list[Any]) -> list[Any]:
    """Offers still open for me, from the inbox: the newest 'offer.made' of each request not
    followed by a withdrawal or expiry (the offered request itself is not readable before a
    claim; its offer message carries the public title)."""
    closed: set[str] = set()
    offers: dict[str, Any] = {}
    for entry in sorted(entries, key=lambda e: (e.created_at.seconds, e.created_at.nanos), reverse=True):
        if entry.kind in ("offer.withdrawn", "offer.expired"):
            closed.add(entry.subject_id)
        elif entry.kind == "offer.made" and entry.subject_id not in closed and entry.subject_id not in offers:
            offers[entry.subject_id] = entry
    return list(offers.values())


@bp.get("/volunteer")
@signed_in
def volunteer() -> ResponseReturnValue:
    profile = _my_volunteer()
    if profile is None:
        return render_template("volunteer.html", profile=None)
    inbox = backend.rpc("notifications", "ListInbox", nt.ListInboxRequest(page=cm.PageRequest(page_size=200)))
    tasks = backend.rpc(
        "requests", "ListRequests", rq.ListRequestsRequest(handler_id=profile.id, page=cm.PageRequest(page_size=100))
    )
    balance = backend.rpc("volunteers", "GetPointsBalance", vl.GetPointsBalanceRequest(volunteer_id=profile.id))
    ledger = backend.rpc(
        "volunteers",
        "ListLedgerEntries",
        vl.ListLedgerEntriesRequest(volunteer_id=profile.id, page=cm.PageRequest(page_size=20)),
    )
    current = [t for t in tasks.requests if t.status in OPEN_STATUSES]
    done = [t for t in tasks.requests if t.status not in OPEN_STATUSES]
    return render_template(
        "volunteer.html",
        profile=profile,
        offers=open_offers(list(inbox.entries)),
        tasks=current,
        done=done,
        balance=balance,
        entries=list(ledger.entries),
    )


# ---- inbox and its live stream -------------------------------------------------------------


@bp.get("/inbox")
@signed_in
def inbox() -> ResponseReturnValue:
    listed = backend.rpc(
        "notifications",
        "ListInbox",
        nt.ListInboxRequest(
            page=cm.PageRequest(page_size=50, page_token=(request.args.get("page_token") or "")[:64]),
            unread_only=request.args.get("unread") == "1",
        ),
    )
    return render_template("inbox.html", entries=list(listed.entries), unread=listed.unread_count, page=listed.page)


@bp.post("/inbox/read")
@signed_in
def inbox_read() -> ResponseReturnValue:
    ids = [i[:128] for i in request.form.getlist("entry_id")][:100]
    if ids:
        _attempt(
            lambda: backend.rpc("notifications", "MarkRead", nt.MarkReadRequest(entry_ids=ids)), _("Marked as read.")
        )
    else:
        _attempt(lambda: backend.rpc("notifications", "MarkAllRead", nt.MarkAllReadRequest()), _("All marked as read."))
    return _back(url_for("web.inbox"))


#: How long one SSE response stays open (each holds a gunicorn thread); the browser's
#: EventSource reconnects by itself, resuming after the last entry it saw.
STREAM_SECONDS = 45.0
#: A comment line this often, so a browser that left is noticed and its thread freed.
KEEPALIVE_SECONDS = 5.0


@bp.get("/inbox/stream")
def inbox_stream() -> ResponseReturnValue:
    """Server-Sent Events: each new inbox entry of the signed-in person as an ``inbox``
    event (id = entry id, so a reconnect resumes after it through ``Last-Event-ID``)."""
    if backend.person() is None:
        return Response("event: signin\ndata: {}\n\n", status=401, mimetype="text/event-stream")
    after = (request.headers.get("Last-Event-ID") or request.args.get("after") or "")[:128]
    chinese = labels.is_chinese()
    try:
        call = backend.stream(
            "notifications", "StreamInbox", nt.StreamInboxRequest(after_entry_id=after), timeout=STREAM_SECONDS
        )
    except errors.LinliError as error:
        return Response(
            f"event: problem\ndata: {_json({'message': backend.problem_text(error)})}\n\n", mimetype="text/event-stream"
        )

    entries: queue.Queue[Any] = queue.Queue(maxsize=100)
    ended = object()

    def pump() -> None:
        """Reads the gRPC stream in its own thread, so the response can send keep-alives and
        notice a browser that left (its write fails) instead of waiting for the next entry."""
        try:
            for entry in call:
                entries.put(entry)
        except grpc.RpcError as error:  # the stream's deadline, our cancel, or the service went away
            if error.code() not in (grpc.StatusCode.DEADLINE_EXCEEDED, grpc.StatusCode.CANCELLED):
                log.info("inbox stream ended: %s", error.code())
        finally:
            entries.put(ended)

    def events() -> Iterator[str]:
        reader = threading.Thread(target=pump, name="sse-inbox", daemon=True)
        reader.start()
        yield "retry: 3000\n: connected\n\n"
        try:
            while True:
                try:
                    entry = entries.get(timeout=KEEPALIVE_SECONDS)
                except queue.Empty:
                    yield ": keep-alive\n\n"  # fails once the browser is gone: the stream ends
                    continue
                if entry is ended:
                    return
                payload = {
                    "id": entry.id,
                    "kind": entry.kind,
                    "title": entry.title,
                    "body": entry.body,
                    "subject_id": entry.subject_id,
                    "urgent": entry.urgent,
                    "created": when(entry.created_at),
                    "language": "zh" if chinese else "en",
                }
                yield f"id: {entry.id}\nevent: inbox\ndata: {_json(payload)}\n\n"
        finally:
            call.cancel()

    return Response(
        stream_with_context(events()),
        mimetype="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


# ---- dispatchers and grid workers ----------------------------------------------------------


def _status_filter(raw: list[str]) -> list[int]:
    names = {name.removeprefix("REQUEST_STATUS_").lower(): number for name, number in rq.RequestStatus.items()}
    return [names[value] for value in raw if value in names and names[value] != 0]


@bp.get("/ledger")
@staff_only
def ledger() -> ResponseReturnValue:
    args = request.args
    chosen_statuses = [s for s in args.getlist("status") if s][:20]
    category = (args.get("category") or "")[:64]
    scope = (args.get("scope") or "")[:128]
    breached, escalated = args.get("breached") == "1", args.get("escalated") == "1"
    filters = {
        "status": chosen_statuses,
        "category": category,
        "scope": scope,
        "breached": breached,
        "escalated": escalated,
    }
    message = rq.ListRequestsRequest(
        statuses=_status_filter(chosen_statuses),  # type: ignore[arg-type]
        categories=[category] if category else [],
        scope_id=scope,
        breached_only=breached,
        escalated_only=escalated,
        page=cm.PageRequest(page_size=50, page_token=(args.get("page_token") or "")[:64]),
    )
    listed = backend.rpc("requests", "ListRequests", message)
    statuses = [
        (name.removeprefix("REQUEST_STATUS_").lower(), number) for name, number in rq.RequestStatus.items() if number
    ]
    return render_template(
        "ledger.html",
        requests=list(listed.requests),
        page=listed.page,
        filters=filters,
        statuses=statuses,
        categories=_categories(),
        scopes=backend.scopes_for(*backend.STAFF_ROLES),
    )


def deadline_rows(requests: list[Any], now: datetime, within: timedelta) -> tuple[list[Any], list[Any]]:
    """(breached, due soon): open requests with a recorded breach or a passed deadline, and
    open requests whose next deadline falls within ``within``; each sorted by that deadline."""

    def deadline(r: Any) -> datetime | None:
        stamp = r.accept_by if r.status == rq.REQUEST_STATUS_SUBMITTED else r.resolve_by
        if stamp.seconds == 0:
            return None
        return datetime.fromtimestamp(stamp.seconds, tz=UTC)

    breached: list[tuple[datetime, Any]] = []
    due: list[tuple[datetime, Any]] = []
    for r in requests:
        if r.status not in OPEN_STATUSES:
            continue
        limit = deadline(r)
        if r.breaches or (limit is not None and limit <= now):
            breached.append((limit or now, r))
        elif limit is not None and limit <= now + within:
            due.append((limit, r))
    return [r for _limit, r in sorted(breached, key=lambda x: x[0])], [
        r for _limit, r in sorted(due, key=lambda x: x[0])
    ]


@bp.get("/deadlines")
@staff_only
def deadlines() -> ResponseReturnValue:
    hours = min(max(request.args.get("hours", 24, type=int) or 24, 1), 168)
    listed = backend.rpc(
        "requests",
        "ListRequests",
        rq.ListRequestsRequest(statuses=list(OPEN_STATUSES), page=cm.PageRequest(page_size=500)),
    )
    breached, due = deadline_rows(list(listed.requests), datetime.now(UTC), timedelta(hours=hours))
    template = "deadlines_board.html" if request.args.get("fragment") == "1" else "deadlines.html"
    return render_template(template, breached=breached, due=due, hours=hours)


@bp.get("/moderation")
@staff_only
def moderation() -> ResponseReturnValue:
    pending = backend.rpc(
        "requests", "ListPendingPublications", rq.ListPendingPublicationsRequest(page=cm.PageRequest(page_size=50))
    )
    return render_template("moderation.html", items=list(pending.items))


# ---- organisation admins -------------------------------------------------------------------


@bp.get("/admin")
@signed_in
def admin() -> ResponseReturnValue:
    if not backend.has_role("admin", "operator"):
        return render_template("error.html", message=_("This page is for organisation admins.")), 403
    org_id = (request.args.get("org") or "")[:128]
    roots = [scope for scope in backend.scopes_for("admin", "operator") if scope]
    if not org_id:
        if len(roots) == 1:
            return redirect(url_for("web.admin", org=roots[0]))
        listed = [
            backend.rpc("organizations", "GetOrganization", og.GetOrganizationRequest(id=root)) for root in roots[:50]
        ]
        if not roots:
            listed = list(
                backend.rpc(
                    "organizations", "ListChildren", og.ListChildrenRequest(page=cm.PageRequest(page_size=200))
                ).organizations
            )
        return render_template("admin_index.html", organizations=listed)
    organization = backend.rpc("organizations", "GetOrganization", og.GetOrganizationRequest(id=org_id))
    ancestors = backend.rpc("organizations", "GetAncestors", og.GetAncestorsRequest(id=org_id))
    children = backend.rpc(
        "organizations", "ListChildren", og.ListChildrenRequest(parent_id=org_id, page=cm.PageRequest(page_size=200))
    )
    grids = backend.rpc(
        "organizations", "ListGrids", og.ListGridsRequest(organization_id=org_id, page=cm.PageRequest(page_size=200))
    )
    stations = backend.rpc(
        "organizations",
        "ListStations",
        og.ListStationsRequest(organization_id=org_id, page=cm.PageRequest(page_size=200)),
    )
    now = Timestamp()
    now.GetCurrentTime()
    station_events = backend.rpc(
        "organizations",
        "ListStationEvents",
        og.ListStationEventsRequest(organization_id=org_id, starts_after=now, page=cm.PageRequest(page_size=50)),
    )
    teams = backend.rpc(
        "volunteers",
        "ListTeams",
        vl.ListTeamsRequest(owning_organization_id=org_id, page=cm.PageRequest(page_size=200)),
    )
    return render_template(
        "admin.html",
        organization=organization,
        ancestors=list(ancestors.ancestors),
        children=list(children.organizations),
        grids=list(grids.grids),
        stations=list(stations.stations),
        events=list(station_events.events),
        teams=list(teams.teams),
    )
