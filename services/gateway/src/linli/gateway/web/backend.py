"""The web pages' one way to the services: ``rpc(service, method, message)`` goes through the
gateway's ``clients.call`` with the signed-in person (``auth.current_person()``), so each
page asks the services exactly what the person may know; the services decide who sees what.

Failures come back as the kit's errors (``linli.common.errors``); ``problem_text`` turns one
into a sentence in the page's language for the page to show.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from flask import Response, g, make_response
from flask_babel import gettext as _
from werkzeug.wrappers import Response as ResponseBase

from linli.common import errors
from linli.gateway import auth, clients
from linli.gateway.app import gateway_config
from linli.gateway.open311.catalogue import CatalogueCache, Services

if TYPE_CHECKING:
    from linli.gateway.auth import Person

SERVICES = ("organizations", "volunteers", "requests", "notifications")


def person() -> Person | None:
    """The signed-in person of this HTTP request (None for visitors), asked once per request."""
    if "web_person" not in g:
        try:
            g.web_person = auth.current_person()
        except errors.LinliError:
            g.web_person = None
    return cast("Person | None", g.web_person)


def rpc(service: str, method: str, message: Any, *, as_person: bool = True, timeout: float | None = None) -> Any:
    """Calls ``service.method(message)`` as the signed-in person (or anonymously)."""
    if service not in SERVICES:
        raise ValueError(f"unknown service {service}")
    stub = getattr(clients.current(), service)
    return clients.call(getattr(stub, method), message, person=person() if as_person else None, timeout=timeout)


def stream(service: str, method: str, message: Any, *, timeout: float) -> Any:
    """Starts a server-streaming call as the signed-in person, now (while the HTTP request's
    context is there to sign it): the gRPC call, an iterator with ``cancel()``."""
    stub = getattr(clients.current(), service)
    return getattr(stub, method)(message, timeout=timeout, metadata=clients.metadata_for(person()))


def roles() -> tuple[str, ...]:
    found = person()
    return tuple(found.roles) if found is not None else ()


def scopes_for(*names: str) -> list[str]:
    """Organisation ids in which the person holds one of the roles ``names``
    (``"dispatcher@org_1"`` -> ``org_1``); an unscoped role gives ``""``."""
    result: list[str] = []
    for role in roles():
        name, _sep, scope = role.partition("@")
        if name in names and scope not in result:
            result.append(scope)
    return result


def has_role(*names: str) -> bool:
    return any(role.partition("@")[0] in names for role in roles())


STAFF_ROLES = ("dispatcher", "grid_worker", "admin", "operator")


def is_staff() -> bool:
    return has_role(*STAFF_ROLES)


# ---- problem details as sentences ----------------------------------------------------------


def problem_text(error: errors.LinliError) -> str:
    """A readable message in the page's language: what kind of problem, then the service's
    own words (which name the field)."""
    titles = {
        errors.InvalidArgument: _("Please check what you entered"),
        errors.NotFound: _("Not found, or not visible to you"),
        errors.AlreadyExists: _("That already exists"),
        errors.FailedPrecondition: _("That is not possible in the current state"),
        errors.Conflict: _("Someone else changed this meanwhile; please look again"),
        errors.Unauthenticated: _("Please sign in"),
        errors.PermissionDenied: _("You are not allowed to do that"),
        errors.ResourceExhausted: _("Too many attempts; please wait a moment"),
        errors.Unavailable: _("The service is unavailable; please try again shortly"),
        errors.DeadlineExceeded: _("The service took too long; please try again"),
    }
    title: str = next((text for kind, text in titles.items() if isinstance(error, kind)), _("Something went wrong"))
    if isinstance(error, (errors.Internal, errors.Unavailable, errors.DeadlineExceeded)) or not error.message:
        return title
    return f"{title}: {error.message}"


# ---- the category catalogue ----------------------------------------------------------------


_catalogue = CatalogueCache()


def catalogue() -> Services:
    """The requests service's category catalogue (``ListCategories``, open to anyone: codes
    and names, retired ones too), kept a few minutes."""
    return _catalogue.get(lambda message: rpc("requests", "ListCategories", message, as_person=False))


# ---- browser sessions (the accounts part of the gateway) -----------------------------------


def sign_in(login: str, password: str, response: ResponseBase) -> Response:
    """Checks the credentials and puts the session cookie on ``response``; raises the
    accounts' error (the same for an unknown login and a wrong password)."""
    _person, secret = auth.sign_in_browser(login, password)
    g.pop("web_person", None)
    return auth.set_session_cookie(make_response(response), secret)


def sign_out(response: ResponseBase) -> Response:
    g.pop("web_person", None)
    return auth.sign_out_browser(make_response(response))


def map_tiles_url() -> str:
    """The configured map tile URL template, '' (no map) by default."""
    try:
        return str(gateway_config().map_tiles_url or "")
    except KeyError:
        return ""
