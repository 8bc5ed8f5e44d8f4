"""One way to declare a REST route over one gRPC call, so every route of `/api/v1` behaves alike.

`unary(bp, "POST", "/requests/<request_id>/claim", ...)` registers a view that:
1. takes path parameters, the validated query and JSON body (apiflask `@input`, so the
   OpenAPI document carries their schemas), `If-Match` (-> `expected_version`, a stale
   version comes back as 412) and `Idempotency-Key` (-> `idempotency_key`);
2. builds the request message (`schemas.from_json`) and calls the service for the signed-in
   person (`clients.call`; anonymous when nobody is signed in);
3. answers the response message as JSON (`schemas.to_json`) with `ETag` (the resource's
   version), and `201` + `Location` for creates.

Errors are the services' own, rendered by the core as problem details. One mapping is added
here: a call made without identity that the service refuses with PERMISSION_DENIED is 401
(signing in could change the answer), so every route answers an anonymous caller it does not
serve with 401, and signed-in callers outside their scope with 403 (or 404 where the service
hides existence).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, cast

from apiflask import APIBlueprint, Schema
from flask import Response, current_app, json, request
from google.protobuf.message import Message
from marshmallow import fields, validate

from linli.common.errors import PermissionDenied, Unauthenticated
from linli.gateway import auth
from linli.gateway import clients as gw_clients
from linli.gateway.api import schemas
from linli.gateway.http import etag_of, expected_version_from_if_match, idempotency_key

API_PREFIX = "/api/v1"

Build = Callable[[dict[str, Any]], dict[str, Any]]

ERRORS_READ: dict[int, str] = {
    401: "No identity and the resource is not public",
    403: "Forbidden",
    404: "Not found (or not visible)",
}
ERRORS_WRITE: dict[int, str] = {
    **ERRORS_READ,
    400: "Invalid input (problem names the field)",
    409: "Conflict: not allowed in the current state, or an idempotency key reused with another payload",
    412: "If-Match names a stale version",
}


class IdempotencyHeaders(Schema):
    idempotency_key = fields.String(
        data_key="Idempotency-Key",
        validate=validate.Regexp(r"^[\x21-\x7e]{1,200}$"),
        metadata={"description": "A retry with the same key returns the first result."},
    )


class SubmitHeaders(IdempotencyHeaders):
    client_token = fields.String(
        data_key="X-Client-Token",
        validate=validate.Length(min=16, max=200),
        metadata={"description": "Anonymous submitters: a secret the client generated that scopes Idempotency-Key."},
    )


class IfMatchHeaders(Schema):
    if_match = fields.String(
        data_key="If-Match",
        validate=validate.Regexp(r'^\s*(?:W/)?"v\d{1,18}"\s*$|^\*$'),
        metadata={"description": 'The ETag of the version being changed, e.g. "v3"; a stale one is 412.'},
    )


def current_person() -> Any:
    """The signed-in person (auth: session cookie, bearer token or API key), else None."""
    return auth.current_person()


def require_person() -> Any:
    """The signed-in person, else a 401 problem."""
    return auth.require_person()


def invoke(service: str, rpc: str, message: Message, *, person: Any, idempotent: bool = False) -> Any:
    """Calls `service.rpc(message)` for `person`; PERMISSION_DENIED without identity is 401."""
    stub = getattr(gw_clients.current(), service)
    try:
        return gw_clients.call(getattr(stub, rpc), message, person=person, idempotent=idempotent)
    except PermissionDenied as error:
        if person is None:
            raise Unauthenticated(f"sign in: {error.message}", field=error.field) from None
        raise


def json_response(payload: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> Response:
    response: Response = current_app.response_class(
        json.dumps(payload, ensure_ascii=False), status=status, mimetype="application/json"
    )
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def _version_of(result: Message) -> int:
    field = result.DESCRIPTOR.fields_by_name.get("version")
    if field is not None and field.type in (field.TYPE_INT64, field.TYPE_INT32):
        return int(result.version)  # type: ignore[attr-defined]
    return 0


def _caller(roles: Sequence[str], requires_identity: bool) -> Any:
    if roles:
        return auth.require_role(*roles)
    return require_person() if requires_identity else current_person()


def unary(
    bp: APIBlueprint,
    method: str,
    rule: str,
    *,
    name: str,
    summary: str,
    service: str,
    rpc: str,
    request_type: type[Message],
    response_type: type[Message],
    body: type[Schema] | None = None,
    query: type[Schema] | None = None,
    path: Mapping[str, str] | None = None,
    status: int = 200,
    version_field: str | None = None,
    idempotency_field: str | None = None,
    client_token_field: str | None = None,
    mask_fields: Sequence[str] | None = None,
    build: Build | None = None,
    location: Callable[[Any], str] | None = None,
    etag: Callable[[Any], int] | None = None,
    requires_identity: bool = False,
    roles: Sequence[str] = (),
    description: str = "",
) -> None:
    """Registers one route over one unary call (see the module docstring)."""
    path_fields = dict(path or {})
    reads = method == "GET"

    def view(**kwargs: Any) -> Response:
        data: dict[str, Any] = {}
        query_data = kwargs.pop("query_data", None) or {}
        body_data = kwargs.pop("json_data", None) or {}
        kwargs.pop("headers_data", None)
        page: dict[str, Any] = {}
        for key, value in query_data.items():
            if key in ("page_size", "page_token"):
                page[key] = value
            else:
                data[key] = value
        if page:
            data["page"] = page
        data.update(body_data)
        for var, value in kwargs.items():
            data[path_fields.get(var, var)] = value
        if version_field:
            data[version_field] = expected_version_from_if_match()
        if idempotency_field:
            data[idempotency_field] = idempotency_key() or None
        if client_token_field:
            data[client_token_field] = request.headers.get("X-Client-Token") or None
        if mask_fields is not None:
            data["update_mask"] = sorted(k for k in body_data if k in mask_fields)
        if build is not None:
            data = build(data)
        person = _caller(roles, requires_identity)
        message = schemas.from_json(data, request_type)
        result = invoke(service, rpc, message, person=person, idempotent=reads)
        headers: dict[str, str] = {}
        version = etag(result) if etag is not None else _version_of(result)
        if version:
            headers["ETag"] = etag_of(version)
        if location is not None:
            headers["Location"] = API_PREFIX + location(result)
        return json_response(schemas.to_json(result), status, headers)

    view.__name__ = name
    view.__doc__ = f"{summary}\n\n{description}" if description else summary
    decorated: Callable[..., Any] = view
    responses: dict[int, str] = dict(ERRORS_READ if reads else ERRORS_WRITE)
    if requires_identity or roles:
        responses[401] = "Sign-in required"
    if roles:
        responses[403] = f"Needs one of the roles: {', '.join(roles)}"
    decorated = bp.doc(summary=summary, operation_id=name, responses=responses)(decorated)
    decorated = bp.output(schemas.output_schema(response_type), status_code=status)(decorated)
    if body is not None:
        decorated = bp.input(body, location="json")(decorated)
    if query is not None:
        decorated = bp.input(query, location="query")(decorated)
    headers_schema = _headers_schema(version_field, idempotency_field, client_token_field)
    if headers_schema is not None:
        decorated = bp.input(headers_schema, location="headers")(decorated)
    bp.route(rule, methods=[method], endpoint=name)(decorated)


_HEADER_SCHEMAS: dict[tuple[bool, bool, bool], type[Schema]] = {}


def _headers_schema(version: str | None, idem: str | None, token: str | None) -> type[Schema] | None:
    key = (bool(version), bool(idem), bool(token))
    if not any(key):
        return None
    cached = _HEADER_SCHEMAS.get(key)
    if cached is None:
        attrs: dict[str, Any] = {}
        if version:
            attrs.update(IfMatchHeaders._declared_fields)
        if idem or token:
            attrs.update(IdempotencyHeaders._declared_fields)
        if token:
            attrs.update(SubmitHeaders._declared_fields)
        label = "".join(part for part, on in zip(("IfMatch", "Idempotency", "ClientToken"), key, strict=True) if on)
        cached = cast(type[Schema], type(f"{label}Headers", (Schema,), dict(attrs)))
        _HEADER_SCHEMAS[key] = cached
    return cached
