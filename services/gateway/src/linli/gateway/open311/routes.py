"""Open311 GeoReport v2 endpoints (``bp``, mounted at /open311/v2 by the app factory).

Every endpoint answers ``.json`` and ``.xml``; every failure is the standard's error array
(``[{"code": 400, "description": "..."}]``, ``<errors><error>...``) with the same HTTP status.

Who is asking: an API key (``api_key`` parameter, or the ``X-Api-Key`` header), else the
signed-in caller, else nobody. Everyone gets the requests service's public view
(``ListPublicRequests`` and ``GetPublicRequest``, open to anyone: open and closed requests,
text and photos only as far as published, hidden and rejected ones never); a caller with an
identity also gets what the ledger lets it see (``ListRequests``, ``GetRequest``), with the
text and photo of the public view. Every request is shown through ``mapping`` with public
fields only. The service list is the requests service's catalogue (``ListCategories``).
POST requests needs an API key; the key is the requester (it can follow its requests), and
the resident's e-mail, phone and names go to the requester's private contact.

The requests service creates a request at once, so POST answers with its
``service_request_id``; every token this endpoint hands out is therefore a request id, and
``tokens/{token}`` answers with the request it names.
"""

from __future__ import annotations

import logging
import os
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

from flask import Blueprint, Response, current_app, request
from werkzeug.exceptions import HTTPException

from linli.common.errors import LinliError, NotFound, PermissionDenied, Unauthenticated
from linli.gateway import auth, clients
from linli.gateway.auth import Person
from linli.v1 import organizations_pb2, requests_pb2

from . import formats, mapping
from .catalogue import CatalogueCache, Services
from .formats import Format
from .mapping import Open311Error, PublicFacts

log = logging.getLogger(__name__)

bp = Blueprint("open311", __name__)

#: Requests asked of the ledger per page (the service's maximum).
PAGE_SIZE: Final = 500
ORG_NAME_TTL: Final = 600.0
ORG_NAME_CACHE: Final = 2000
#: When the service list last changed without a catalogue file (this module's release).
DEFAULT_CHANGESET: Final = datetime(2025, 6, 1, tzinfo=UTC)
ALL_METHODS: Final = ["GET", "POST", "PUT", "PATCH", "DELETE"]

_catalogue = CatalogueCache()


def services() -> Services:
    """The requests service's catalogue (``ListCategories``, asked anonymously), kept a while."""
    return _catalogue.get(
        lambda message: clients.call(clients.current().requests.ListCategories, message, idempotent=True)
    )


class OrganisationNames:
    """Public names of communities and streets (GetOrganization, open to anyone), kept a while."""

    def __init__(self, ttl: float = ORG_NAME_TTL, size: int = ORG_NAME_CACHE) -> None:
        self.ttl = ttl
        self.size = size
        self._entries: OrderedDict[tuple[str, str], tuple[float, str]] = OrderedDict()
        self._lock = threading.Lock()

    def names(self, ids: Iterable[str], lang: str, lookup: Callable[[str], Any]) -> dict[str, str]:
        found: dict[str, str] = {}
        now = time.monotonic()
        for org_id in {i for i in ids if i}:
            key = (org_id, lang)
            with self._lock:
                entry = self._entries.get(key)
            if entry is not None and entry[0] > now:
                found[org_id] = entry[1]
                continue
            try:
                organisation = lookup(org_id)
                name = organisation.name.zh or organisation.name.en
                if lang != "zh":
                    name = organisation.name.en or organisation.name.zh
            except LinliError as exc:  # a name is a nicety: the request is still shown
                log.info("no name for organisation %s: %s", org_id, exc.status_name)
                name = ""
            with self._lock:
                self._entries[key] = (now + (self.ttl if name else 30.0), name)
                self._entries.move_to_end(key)
                while len(self._entries) > self.size:
                    self._entries.popitem(last=False)
            found[org_id] = name
        return found


_names = OrganisationNames()


# -- request helpers ------------------------------------------------------------------------------------------
def _format(value: str) -> Format:
    lowered = value.lower()
    if lowered == "json":
        return "json"
    if lowered == "xml":
        return "xml"
    raise Open311Error(404, f"format: {mapping.echo(value)} is not served; use .json or .xml")


def _split(name: str) -> tuple[str, Format]:
    found = formats.split_format(name)
    if found is None:
        raise Open311Error(404, "format: add .json or .xml to the resource")
    return found


def _lang() -> str:
    locale = request.values.get("locale", "")
    if locale:
        return mapping.language_of(locale)
    best = request.accept_languages.best_match(["zh", "zh-CN", "zh-Hans", "en"], default="en")
    return mapping.language_of(best or "en")


def _respond(fmt: Format, root: str, value: object, status: int = 200) -> Response:
    body, content_type = formats.render(fmt, root, value)
    return Response(body, status=status, content_type=content_type)


def _error(fmt: Format, code: int, description: str) -> Response:
    return _respond(fmt, "errors", formats.errors_document([(code, description)]), status=code)


def _guess_format() -> Format:
    path = request.path.lower()
    if path.endswith(".xml") or path.partition("?")[0].endswith(".xml"):
        return "xml"
    return "json"


def _as_open311(error: LinliError) -> Open311Error:
    if isinstance(error, Unauthenticated):
        return Open311Error(403, f"api_key: {error.message}")
    return Open311Error(error.http_status, mapping.parameter_message(error.message, error.field))


@bp.errorhandler(Open311Error)
def _open311_error(error: Open311Error) -> Response:
    return _error(_guess_format(), error.code, error.description)


@bp.errorhandler(LinliError)
def _linli_error(error: LinliError) -> Response:
    if error.http_status >= 500:
        log.warning("open311 call failed: %s: %s", error.status_name, error.message)
    converted = _as_open311(error)
    return _error(_guess_format(), converted.code, converted.description)


@bp.errorhandler(HTTPException)
def _http_error(error: HTTPException) -> Response:
    code = error.code or 500
    if code == 429:
        description = "rate limit exceeded; slow down"
    elif code == 413:
        description = "request body too large"
    else:
        description = error.name
    response = _error(_guess_format(), code, description)
    for key, value in error.get_headers():
        if key.lower() in ("retry-after", "allow"):
            response.headers[key] = value
    return response


@bp.errorhandler(Exception)
def _unexpected(error: Exception) -> Response:
    if isinstance(error, HTTPException):
        return _http_error(error)
    log.exception("unexpected error answering %s %s", request.method, request.path)
    return _error(_guess_format(), 500, "internal error; quote the X-Request-Id when reporting it")


def _caller(*, api_key_required: bool = False) -> Person | None:
    """The API key of the ``api_key`` parameter, else the gateway's caller (X-Api-Key header,
    bearer token or session). A bad key is a 403; ``api_key_required`` makes a missing one 403."""
    key_text = request.values.get("api_key", "").strip()
    if key_text:
        state = auth.current_auth()
        key = state.accounts.authenticate_api_key(key_text)
        state.count_key_use(key)
        return state.person_for_key(key)
    person = auth.current_person()
    if api_key_required and (person is None or not person.api_key_id):
        raise Open311Error(403, "api_key: an API key is required to create service requests")
    return person


def _check_jurisdiction() -> None:
    wanted = os.environ.get("LINLI_OPEN311_JURISDICTION", "")
    given = request.values.get("jurisdiction_id", "").strip()
    if wanted and given and given != wanted:
        raise Open311Error(404, f"jurisdiction_id: {mapping.echo(given)} is not served here")


def _method(allowed: tuple[str, ...]) -> None:
    if request.method not in allowed:
        raise Open311Error(405, f"method: {request.method} is not allowed here; use {' or '.join(allowed)}")


# -- discovery and services --------------------------------------------------------------------------------------
def _changeset() -> datetime:
    path = os.environ.get("LINLI_CATALOGUE_FILE", "")
    if path:
        try:
            return max(DEFAULT_CHANGESET, datetime.fromtimestamp(Path(path).stat().st_mtime, tz=UTC))
        except OSError:
            pass
    return DEFAULT_CHANGESET


@bp.route("/discovery.<fmt>", methods=ALL_METHODS)
def discovery(fmt: str) -> Response:
    chosen = _format(fmt)
    _method(("GET",))
    public = str(getattr(current_app.extensions.get("linli_config"), "public_base_url", "") or "")
    base = request.base_url.rsplit("/", 1)[0]  # .../open311/v2, as the caller reached it
    if public:
        base = public.rstrip("/") + request.path.rsplit("/", 1)[0]
    document = mapping.discovery(
        base,
        changeset=_changeset(),
        contact=os.environ.get("LINLI_OPEN311_CONTACT", "the city's Linli operators"),
        key_service=os.environ.get(
            "LINLI_OPEN311_KEY_SERVICE", "API keys are issued by an organisation admin or an operator of the city."
        ),
    )
    return _respond(chosen, "discovery", document)


@bp.route("/services.<fmt>", methods=ALL_METHODS)
def service_list(fmt: str) -> Response:
    chosen = _format(fmt)
    _method(("GET",))
    _check_jurisdiction()
    return _respond(chosen, "services", mapping.service_list(services(), _lang()))


@bp.route("/services/<path:name>", methods=ALL_METHODS)
def service_definition(name: str) -> Response:
    code, chosen = _split(name)
    _method(("GET",))
    _check_jurisdiction()
    service = services().get(code)
    if service is None:
        raise Open311Error(404, f"service_code: unknown service {mapping.echo(code)}; see services.json")
    return _respond(chosen, "service_definition", mapping.service_definition(service, _lang()))


# -- reading requests ----------------------------------------------------------------------------------------------
def _public(query: mapping.RequestQuery) -> list[PublicFacts]:
    """Requests as the public sees them (open and closed), up to the query's limit."""
    found: list[PublicFacts] = []
    token = ""
    while len(found) < query.limit:
        response = clients.call(
            clients.current().requests.ListPublicRequests,
            mapping.public_list_request(query, PAGE_SIZE, token),
            idempotent=True,
        )
        found.extend(mapping.facts_from_public(r) for r in response.requests)
        token = response.page.next_page_token
        if not token:
            break
    return found


def _ledger(person: Person, query: mapping.RequestQuery) -> list[PublicFacts]:
    """What the caller may see of the ledger, up to the query's limit."""
    found: list[PublicFacts] = []
    token = ""
    while len(found) < query.limit:
        response = clients.call(
            clients.current().requests.ListRequests,
            mapping.list_request(query, PAGE_SIZE, token),
            person=person,
            idempotent=True,
        )
        found.extend(mapping.facts_from_request(r) for r in response.requests)
        token = response.page.next_page_token
        if not token:
            break
    return found


def _public_one(request_id: str) -> PublicFacts | None:
    """One request's public view, else None (unknown, hidden or rejected)."""
    try:
        found = clients.call(
            clients.current().requests.GetPublicRequest,
            requests_pb2.GetPublicRequestRequest(request_id=request_id),
            idempotent=True,
        )
    except NotFound:
        return None
    return mapping.facts_from_public(found)


def _one(person: Person | None, request_id: str) -> PublicFacts | None:
    """One request: what the caller may see of the ledger with the public view's text, else
    the public view, else None."""
    public = _public_one(request_id)
    if person is not None:
        try:
            found = clients.call(
                clients.current().requests.GetRequest,
                requests_pb2.GetRequestRequest(request_id=request_id),
                person=person,
                idempotent=True,
            )
            return mapping.with_public_text(mapping.facts_from_request(found), public)
        except (NotFound, PermissionDenied, Unauthenticated):
            pass
    return public


def _by_ids(person: Person | None, ids: tuple[str, ...]) -> list[PublicFacts]:
    if len(ids) == 1:
        one = _one(person, ids[0])
        return [one] if one is not None else []
    public = {f.id: f for f in _public(mapping.RequestQuery(ids=ids))}
    found: dict[str, PublicFacts] = dict(public)
    if person is not None:
        for request_id in ids:
            try:
                record = clients.call(
                    clients.current().requests.GetRequest,
                    requests_pb2.GetRequestRequest(request_id=request_id),
                    person=person,
                    idempotent=True,
                )
            except (NotFound, PermissionDenied, Unauthenticated):
                continue
            found[request_id] = mapping.with_public_text(mapping.facts_from_request(record), public.get(request_id))
    return [found[i] for i in ids if i in found]


def _entries(facts: list[PublicFacts], lang: str) -> list[dict[str, object]]:
    places = [f.community_id for f in facts] + [f.street_id for f in facts]
    names = _names.names(
        places,
        lang,
        lambda org_id: clients.call(
            clients.current().organizations.GetOrganization,
            organizations_pb2.GetOrganizationRequest(id=org_id),
            idempotent=True,
        ),
    )
    catalogue = services()
    return [mapping.request_entry(f, catalogue, lang, names) for f in facts]


def _list_requests(chosen: Format) -> Response:
    person = _caller()
    query = mapping.parse_query(_single_values(request.args), services(), datetime.now(UTC))
    if query.ids:
        selected = _by_ids(person, query.ids)
    else:
        public = _public(query)
        gathered = list(public)
        if person is not None:
            texts = {f.id: f for f in public}
            # the ledger's facts (handler, escalation) win, with the public view's text
            gathered = [mapping.with_public_text(f, texts.get(f.id)) for f in _ledger(person, query)] + gathered
        selected = mapping.select(gathered, query)
    return _respond(chosen, "service_requests", _entries(selected, _lang()))


def _single_values(values: Any) -> dict[str, str]:
    return {key: values.get(key, "") for key in values}


# -- creating requests -------------------------------------------------------------------------------------------------
def _post_request(chosen: Format) -> Response:
    person = _caller(api_key_required=True)
    assert person is not None
    form = {**_single_values(request.args), **_single_values(request.form)}
    form.pop("api_key", None)
    lists = {key: request.form.getlist(key) or request.args.getlist(key) for key in form}
    lang = _lang()
    key = request.headers.get("Idempotency-Key", "").strip() or uuid.uuid4().hex
    if len(key) > 200:
        raise Open311Error(400, "Idempotency-Key: at most 200 characters")
    posted = mapping.parse_post(
        form,
        mapping.attributes_of(lists),
        services(),
        lang=lang,
        idempotency_key=key,
        requester_person_id=person.id,
    )
    response = clients.call(clients.current().requests.SubmitRequest, posted.submission, person=person, idempotent=True)
    return _respond(chosen, "service_requests", mapping.post_response(response.request, posted.service, lang))


@bp.route("/requests.<fmt>", methods=ALL_METHODS)
def requests_collection(fmt: str) -> Response:
    chosen = _format(fmt)
    _method(("GET", "POST"))
    _check_jurisdiction()
    if request.method == "POST":
        return _post_request(chosen)
    return _list_requests(chosen)


@bp.route("/requests/<path:name>", methods=ALL_METHODS)
def single_request(name: str) -> Response:
    stem, chosen = _split(name)
    _method(("GET",))
    _check_jurisdiction()
    request_id = mapping.request_id(stem)
    found = _by_ids(_caller(), (request_id,))
    if not found:
        raise Open311Error(404, f"service_request_id: no request {mapping.echo(request_id)} you may see")
    return _respond(chosen, "service_requests", _entries(found, _lang()))


@bp.route("/tokens/<path:name>", methods=ALL_METHODS)
def token(name: str) -> Response:
    stem, chosen = _split(name)
    _method(("GET",))
    _check_jurisdiction()
    given = mapping.request_id(stem, "token")
    found = _by_ids(_caller(), (given,))
    if not found:
        raise Open311Error(404, f"token: no request for token {mapping.echo(given)}")
    return _respond(chosen, "service_requests", [{"service_request_id": found[0].id, "token": given}])


@bp.route("/", methods=ALL_METHODS, defaults={"rest": ""})
@bp.route("/<path:rest>", methods=ALL_METHODS)
def unknown(rest: str) -> Response:
    raise Open311Error(404, "not an Open311 resource; see discovery.json")


def reset_caches() -> None:
    """Forgets the catalogue and organisation names (tests)."""
    global _names  # noqa: PLW0603
    _catalogue.clear()
    _names = OrganisationNames()


__all__ = ["bp", "reset_caches", "services"]
