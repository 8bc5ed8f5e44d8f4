"""The gateway's Flask application (apiflask): `create_app(config, clients=...)`.

Blueprints are registered when their modules exist:
- `linli.gateway.api.<name>.bp` for name in API_MODULES, under `/api/v1` (+ the blueprint's own
  url_prefix, if it has one);
- `linli.gateway.open311.bp` under `/open311/v2`; `linli.gateway.web.bp` at `/`.
The OpenAPI 3.1 document of the REST API is at /api/v1/openapi.json and its docs page at
/api/v1/docs (served locally; nothing loads from outside the platform); /healthz, /readyz and
/metrics are the operational endpoints. Every error is an RFC 9457 problem document and every
response carries X-Request-Id.
"""

from __future__ import annotations

import importlib
import logging
import re
import secrets
import time
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from apiflask import APIFlask
from apiflask.exceptions import HTTPError
from flask import Blueprint, Flask, Response, current_app, g, request
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

from linli.common.errors import LinliError
from linli.common.logs import configure_logging, request_id_var
from linli.gateway import clients as clients_module
from linli.gateway import health, openapi_docs, ratelimit
from linli.gateway.clients import Clients
from linli.gateway.config import GatewayConfig
from linli.gateway.problems import PROBLEM_SCHEMA, from_linli_error, problem_response

log = logging.getLogger("linli.gateway")
access_log = logging.getLogger("linli.gateway.access")

API_PREFIX = "/api/v1"
OPEN311_PREFIX = "/open311/v2"
API_MODULES = ("auth_routes", "requests", "volunteers", "organizations", "notifications")
CONFIG_KEY = "linli_config"
MAX_BODY_BYTES = 1024 * 1024

_SANE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:\-]{1,128}$")


def gateway_config() -> GatewayConfig:
    """The configuration of the app handling the current request."""
    config: GatewayConfig = current_app.extensions[CONFIG_KEY]
    return config


def create_app(config: GatewayConfig | None = None, *, clients: Clients | None = None) -> APIFlask:
    config = config or GatewayConfig.from_env()
    configure_logging(config.service_name, config.log_level)
    app = APIFlask(
        "linli.gateway",
        title="Linli API",
        version=config.service_version,
        spec_path=f"{API_PREFIX}/openapi.json",
        docs_path=None,
    )
    app.config.update(
        OPENAPI_VERSION="3.1.0",
        VALIDATION_ERROR_STATUS_CODE=400,
        VALIDATION_ERROR_DESCRIPTION="Invalid request (problem details naming the fields)",
        VALIDATION_ERROR_SCHEMA=PROBLEM_SCHEMA,
        HTTP_ERROR_SCHEMA=PROBLEM_SCHEMA,
        MAX_CONTENT_LENGTH=MAX_BODY_BYTES,
        SECRET_KEY=_session_secret(config),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=config.secure_cookies,
        JSON_SORT_KEYS=False,
    )
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.info = {
        "description": "The Linli REST API: residents, volunteers, staff, agencies and operators. "
        "Errors are RFC 9457 problem documents; updates take If-Match, creates Idempotency-Key.",
        "license": {"name": "Apache-2.0", "identifier": "Apache-2.0"},
    }
    if config.trusted_proxies > 0:
        n = config.trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)  # type: ignore[method-assign]

    app.extensions[CONFIG_KEY] = config
    app.extensions[clients_module.EXTENSION_KEY] = clients or Clients.connect(config)

    auth = _import_optional("linli.gateway.auth")
    if auth is not None and hasattr(auth, "init_app"):
        auth.init_app(app, config, clients=app.extensions[clients_module.EXTENSION_KEY])
    _install_request_hooks(app)
    _install_error_handlers(app)
    ratelimit.init_app(app, config)
    health.register(app, config)
    openapi_docs.register(app)
    _register_blueprints(app)
    return app


def _session_secret(config: GatewayConfig) -> str:
    if not config.session_secret_file:
        return secrets.token_hex(32)
    path = Path(config.session_secret_file)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.write_text(secrets.token_hex(32))
    return path.read_text().strip()


def _import_optional(module: str) -> Any | None:
    """The module, or None when it (or its package) does not exist yet; import errors inside an
    existing module are not hidden."""
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name is not None and module.startswith(exc.name):
            return None
        raise


def _register(app: Flask, bp: Blueprint, prefix: str) -> None:
    own = bp.url_prefix or ""
    url_prefix = own if own.startswith(prefix) else prefix + own
    app.register_blueprint(bp, url_prefix=url_prefix or None)


def _register_blueprints(app: APIFlask) -> None:
    for name in API_MODULES:
        module = _import_optional(f"linli.gateway.api.{name}")
        if module is not None and hasattr(module, "bp"):
            _register(app, module.bp, API_PREFIX)
    open311 = _import_optional("linli.gateway.open311")
    if open311 is not None and hasattr(open311, "bp"):
        _register(app, open311.bp, OPEN311_PREFIX)
    web = _import_optional("linli.gateway.web")
    if web is not None and hasattr(web, "bp"):
        _register(app, web.bp, "")
    # Plain Flask blueprints are not in the OpenAPI document; apiflask expects the flag on every
    # blueprint whose views carry apiflask metadata (an auth decorator on a web page).
    for blueprint in list(app.blueprints.values()):
        if not hasattr(blueprint, "enable_openapi"):
            blueprint.enable_openapi = False  # type: ignore[attr-defined]


def _install_request_hooks(app: APIFlask) -> None:
    @app.before_request
    def start_request() -> None:
        g.started = time.perf_counter()
        offered = request.headers.get("X-Request-Id", "")
        g.request_id = offered if _SANE_REQUEST_ID.match(offered) else uuid.uuid4().hex
        g.request_id_token = request_id_var.set(g.request_id)

    @app.after_request
    def finish_request(response: Response) -> Response:
        request_id = getattr(g, "request_id", "") or uuid.uuid4().hex
        response.headers["X-Request-Id"] = request_id
        health.observe(response)
        started = getattr(g, "started", None)
        access_log.info(
            "%s %s %s",
            request.method,
            request.path,
            response.status_code,
            extra={
                "http_method": request.method,
                "path": request.path,
                "route": health.route_template(),
                "status": response.status_code,
                "duration_ms": round((time.perf_counter() - started) * 1000, 2) if started else None,
                "request_id": request_id,
            },
        )
        return response

    @app.teardown_request
    def end_request(_exc: BaseException | None) -> None:
        token = g.pop("request_id_token", None)
        if token is not None:
            request_id_var.reset(token)


def _flatten(detail: Any, prefix: str = "") -> list[dict[str, str]]:
    """apiflask/marshmallow's {location: {field: [messages]}} as [{field, detail}]."""
    out: list[dict[str, str]] = []
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            out.extend(_flatten(value, name))
    elif isinstance(detail, list | tuple):
        if all(isinstance(item, str) for item in detail):
            out.append({"field": prefix, "detail": " ".join(detail)})
        else:
            for item in detail:
                out.extend(_flatten(item, prefix))
    else:
        out.append({"field": prefix, "detail": str(detail)})
    return out


_LOCATIONS = ("json.", "query.", "headers.", "path.", "form.", "files.", "cookies.", "view_args.")


def _strip_location(field: str) -> str:
    for location in _LOCATIONS:
        if field.startswith(location):
            return field[len(location) :]
    return field


def _install_error_handlers(app: APIFlask) -> None:
    @app.errorhandler(LinliError)
    def linli_error(error: LinliError) -> Response:
        if error.http_status >= 500:
            log.warning("call failed: %s: %s", error.status_name, error.message)
        return from_linli_error(error)

    @app.errorhandler(HTTPError)
    def apiflask_error(error: HTTPError) -> Response:
        raw_headers = error.headers or {}
        pairs = raw_headers.items() if isinstance(raw_headers, Mapping) else raw_headers
        headers = {key: str(value) for key, value in pairs if key.lower() != "content-type"}
        if error.status_code == app.config["VALIDATION_ERROR_STATUS_CODE"] and isinstance(error.detail, dict):
            errors = [{**item, "field": _strip_location(item["field"])} for item in _flatten(error.detail)]
            first = errors[0] if errors else {"field": "", "detail": "invalid request"}
            return problem_response(
                error.status_code,
                f"{first['field']}: {first['detail']}" if first["field"] else first["detail"],
                type_slug="invalid-argument",
                title="Invalid argument",
                headers=headers,
                field=first["field"],
                errors=errors,
            )
        detail = error.message if isinstance(error.message, str) else ""
        return problem_response(error.status_code, detail, headers=headers, **(error.extra_data or {}))

    @app.errorhandler(HTTPException)
    def werkzeug_error(error: HTTPException) -> Response:
        status = error.code or 500
        headers = {key: value for key, value in error.get_headers() if key.lower() != "content-type"}
        detail = error.description if isinstance(error.description, str) else ""
        if status == 429:
            detail = f"rate limit exceeded ({detail})" if detail else "rate limit exceeded"
        return problem_response(status, detail, headers=headers)

    @app.errorhandler(Exception)
    def unexpected(error: Exception) -> Response:
        if isinstance(error, HTTPException):
            return werkzeug_error(error)
        log.exception("unexpected error answering %s %s", request.method, request.path)
        return problem_response(500, "internal error; quote the request id when reporting it")
