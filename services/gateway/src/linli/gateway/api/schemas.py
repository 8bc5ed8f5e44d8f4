"""The REST API's JSON resources, derived from the gRPC messages they stand for.

The gateway calls only the services' gRPC APIs, so every resource of `/api/v1` is a protobuf
message in JSON. Rather than repeating ~150 message shapes by hand, the marshmallow schemas
that apiflask puts into the OpenAPI document are generated from the messages' descriptors,
and the same descriptors drive the two converters the routes use:

- `to_json(message)`: a message as the API returns it. Field names are the protos' own
  snake_case names; enums are lower-case strings without their prefix
  (`REQUEST_STATUS_IN_PROGRESS` -> `"in_progress"`), and an unset enum (`*_UNSPECIFIED`) is
  left out; timestamps are RFC 3339 strings in UTC (left out when unset); 64-bit integers are
  JSON numbers; scalars are always present (their default when unset) except proto3
  `optional` ones, which are left out when unset; unset sub-messages are left out; lists are
  always present.
- `from_json(data, Message)`: a request body (already validated by its schema) into a
  message; enums by their lower-case names, timestamps from RFC 3339 (a time without an
  offset is UTC).

Output schemas are named after the message (`Request`, `Volunteer`); input schemas after
the route's body (`ResolveRequestBody`), with nested input messages suffixed `In`. The
`google.protobuf.FieldMask` of update calls is never in a body: the gateway derives it from
the fields the body carries (PATCH semantics), see `update_mask_of`.

Bounds checked here (the services check the rest and name the field): integers fit their
protobuf type, floats are finite, texts are at most `MAX_TEXT` characters and contain no
lone surrogates, lists at most `MAX_LIST` items. Everything the services refuse comes back
as their INVALID_ARGUMENT, mapped to a 400 problem by the gateway core.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar, cast

from apiflask import Schema
from google.protobuf import field_mask_pb2, timestamp_pb2
from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message
from marshmallow import ValidationError, fields, validate

from linli.common.errors import InvalidArgument

M = TypeVar("M", bound=Message)
# Protobuf descriptors (pure-Python and upb classes differ in type; both quack alike).
Descriptor = Any
EnumDescriptor = Any

MAX_TEXT = 20_000
MAX_LIST = 1_000
_INT32 = (-(2**31), 2**31 - 1)
_INT64 = (-(2**63), 2**63 - 1)
_UINT32 = (0, 2**32 - 1)
_UINT64 = (0, 2**64 - 1)

TIMESTAMP = timestamp_pb2.Timestamp.DESCRIPTOR.full_name
FIELD_MASK = field_mask_pb2.FieldMask.DESCRIPTOR.full_name

# ----------------------------------------------------------------------------------------
# Enums
# ----------------------------------------------------------------------------------------


def enum_prefix(enum: EnumDescriptor) -> str:
    """The prefix every value of the enum shares: `REQUEST_STATUS_` for RequestStatus."""
    for value in enum.values:
        if value.number == 0 and value.name.endswith("UNSPECIFIED"):
            return str(value.name[: -len("UNSPECIFIED")])
    return ""


def enum_names(enum: EnumDescriptor) -> list[str]:
    """The API's names of the enum's values, without the unspecified one."""
    prefix = enum_prefix(enum)
    return [v.name[len(prefix) :].lower() for v in enum.values if v.number != 0]


def enum_to_json(enum: EnumDescriptor, number: int) -> str | None:
    """`in_progress` for REQUEST_STATUS_IN_PROGRESS; None for 0 (unset) and unknown numbers."""
    if number == 0:
        return None
    value = enum.values_by_number.get(number)
    if value is None:
        return None
    return str(value.name[len(enum_prefix(enum)) :]).lower()


def enum_from_json(enum: EnumDescriptor, name: str, *, field: str = "") -> int:
    """The number of an enum value from its API name (InvalidArgument naming the field)."""
    value = enum.values_by_name.get(enum_prefix(enum) + str(name).upper())
    if value is None or value.number == 0:
        allowed = ", ".join(enum_names(enum))
        raise InvalidArgument(f"{field or enum.name}: must be one of {allowed}", field=field)
    return int(value.number)


# ----------------------------------------------------------------------------------------
# Messages -> JSON
# ----------------------------------------------------------------------------------------

_Plan = list[tuple[str, Callable[[Message], tuple[bool, Any]]]]
_PLANS: dict[str, _Plan] = {}


def timestamp_to_json(ts: timestamp_pb2.Timestamp) -> str:
    """RFC 3339 in UTC, e.g. `2025-03-01T08:00:00Z` (fractions only when present)."""
    return str(ts.ToJsonString())


def _getter(field: Any) -> Callable[[Message], tuple[bool, Any]]:
    name = field.name
    if field.is_repeated:
        if field.type == FieldDescriptor.TYPE_MESSAGE:
            if field.message_type.full_name == TIMESTAMP:
                return lambda m: (True, [timestamp_to_json(t) for t in getattr(m, name)])
            return lambda m: (True, [to_json(x) for x in getattr(m, name)])
        if field.type == FieldDescriptor.TYPE_ENUM:
            enum = field.enum_type
            return lambda m: (
                True,
                [n for n in (enum_to_json(enum, v) for v in getattr(m, name)) if n is not None],
            )
        if field.type == FieldDescriptor.TYPE_BYTES:
            return lambda m: (True, [b.decode("utf-8", "replace") for b in getattr(m, name)])
        return lambda m: (True, list(getattr(m, name)))
    if field.type == FieldDescriptor.TYPE_MESSAGE:
        if field.message_type.full_name == TIMESTAMP:
            return lambda m: (m.HasField(name), timestamp_to_json(getattr(m, name)) if m.HasField(name) else None)
        if field.message_type.full_name == FIELD_MASK:
            return lambda m: (m.HasField(name), list(getattr(m, name).paths))
        return lambda m: (m.HasField(name), to_json(getattr(m, name)) if m.HasField(name) else None)
    if field.type == FieldDescriptor.TYPE_ENUM:
        enum = field.enum_type

        def enum_getter(m: Message) -> tuple[bool, Any]:
            value = enum_to_json(enum, getattr(m, name))
            return value is not None, value

        return enum_getter
    if field.type == FieldDescriptor.TYPE_BYTES:
        return lambda m: (True, getattr(m, name).decode("utf-8", "replace"))
    if field.has_presence:
        return lambda m: (m.HasField(name), getattr(m, name))
    return lambda m: (True, getattr(m, name))


def _plan(descriptor: Descriptor) -> _Plan:
    plan = _PLANS.get(descriptor.full_name)
    if plan is None:
        plan = [(f.name, _getter(f)) for f in descriptor.fields]
        _PLANS[descriptor.full_name] = plan
    return plan


def to_json(message: Message) -> dict[str, Any]:
    """The API's JSON of a message (see the module docstring for the rules)."""
    out: dict[str, Any] = {}
    for name, get in _plan(message.DESCRIPTOR):
        present, value = get(message)
        if present:
            out[name] = value
    return out


# ----------------------------------------------------------------------------------------
# JSON -> messages
# ----------------------------------------------------------------------------------------


def _as_datetime(value: Any, field: str) -> dt.datetime:
    if isinstance(value, dt.datetime):
        moment = value
    elif isinstance(value, str):
        try:
            moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise InvalidArgument(f"{field}: not an RFC 3339 time", field=field) from None
    else:
        raise InvalidArgument(f"{field}: not an RFC 3339 time", field=field)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment


def set_timestamp(target: timestamp_pb2.Timestamp, value: Any, field: str) -> None:
    try:
        target.FromDatetime(_as_datetime(value, field))
    except (ValueError, OverflowError):
        raise InvalidArgument(f"{field}: time out of range", field=field) from None


def _fill(message: Message, data: Mapping[str, Any], path: str) -> None:
    fields_by_name = message.DESCRIPTOR.fields_by_name
    for key, value in data.items():
        if value is None:
            continue
        field = fields_by_name.get(key)
        where = f"{path}{key}"
        if field is None:
            raise InvalidArgument(f"{where}: unknown field", field=where)
        try:
            _fill_field(message, field, value, where)
        except InvalidArgument:
            raise
        except (ValueError, TypeError, UnicodeError, OverflowError) as error:
            raise InvalidArgument(f"{where}: {type(error).__name__}", field=where) from None


def _fill_field(message: Message, field: Any, value: Any, where: str) -> None:
    name = field.name
    if field.is_repeated:
        if not isinstance(value, list | tuple):
            raise InvalidArgument(f"{where}: must be a list", field=where)
        target = getattr(message, name)
        for index, item in enumerate(value):
            item_where = f"{where}[{index}]"
            if field.type == FieldDescriptor.TYPE_MESSAGE:
                if field.message_type.full_name == TIMESTAMP:
                    set_timestamp(target.add(), item, item_where)
                else:
                    if not isinstance(item, Mapping):
                        raise InvalidArgument(f"{item_where}: must be an object", field=item_where)
                    _fill(target.add(), item, item_where + ".")
            elif field.type == FieldDescriptor.TYPE_ENUM:
                target.append(enum_from_json(field.enum_type, item, field=item_where))
            else:
                target.append(_scalar(field, item, item_where))
        return
    if field.type == FieldDescriptor.TYPE_MESSAGE:
        sub = getattr(message, name)
        if field.message_type.full_name == TIMESTAMP:
            set_timestamp(sub, value, where)
        elif field.message_type.full_name == FIELD_MASK:
            sub.paths.extend(str(p) for p in value)
        else:
            if not isinstance(value, Mapping):
                raise InvalidArgument(f"{where}: must be an object", field=where)
            sub.SetInParent()
            _fill(sub, value, where + ".")
        return
    if field.type == FieldDescriptor.TYPE_ENUM:
        setattr(message, name, enum_from_json(field.enum_type, value, field=where))
        return
    setattr(message, name, _scalar(field, value, where))


def _scalar(field: Any, value: Any, where: str) -> Any:
    kind = field.type
    if kind == FieldDescriptor.TYPE_STRING:
        if not isinstance(value, str):
            raise InvalidArgument(f"{where}: must be a string", field=where)
        value.encode("utf-8")  # lone surrogates raise UnicodeError
        return value
    if kind == FieldDescriptor.TYPE_BOOL:
        if not isinstance(value, bool):
            raise InvalidArgument(f"{where}: must be true or false", field=where)
        return value
    if kind in (FieldDescriptor.TYPE_DOUBLE, FieldDescriptor.TYPE_FLOAT):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise InvalidArgument(f"{where}: must be a number", field=where)
        number = float(value)
        if not math.isfinite(number):
            raise InvalidArgument(f"{where}: must be finite", field=where)
        return number
    if kind == FieldDescriptor.TYPE_BYTES:
        if not isinstance(value, str):
            raise InvalidArgument(f"{where}: must be a string", field=where)
        return value.encode("utf-8")
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidArgument(f"{where}: must be an integer", field=where)
    low, high = _int_range(field)
    if not low <= value <= high:
        raise InvalidArgument(f"{where}: out of range", field=where)
    return value


def _int_range(field: Any) -> tuple[int, int]:
    kind = field.type
    if kind in (FieldDescriptor.TYPE_INT64, FieldDescriptor.TYPE_SINT64, FieldDescriptor.TYPE_SFIXED64):
        return _INT64
    if kind in (FieldDescriptor.TYPE_UINT64, FieldDescriptor.TYPE_FIXED64):
        return _UINT64
    if kind in (FieldDescriptor.TYPE_UINT32, FieldDescriptor.TYPE_FIXED32):
        return _UINT32
    return _INT32


def from_json(data: Mapping[str, Any], message_class: type[M], **extra: Any) -> M:
    """A message from a validated body plus `extra` fields (path parameters, headers)."""
    message = message_class()
    _fill(message, {**data, **{k: v for k, v in extra.items() if v is not None}}, "")
    return message


def update_mask_of(data: Mapping[str, Any], allowed: Iterable[str]) -> field_mask_pb2.FieldMask:
    """The mask of an update: the body's fields among those the update call accepts."""
    allowed_set = set(allowed)
    return field_mask_pb2.FieldMask(paths=sorted(k for k in data if k in allowed_set))


# ----------------------------------------------------------------------------------------
# Schemas for the OpenAPI document (and input validation)
# ----------------------------------------------------------------------------------------

_SCHEMAS: dict[str, type[Schema]] = {}


class _Strict(Schema):
    class Meta:
        ordered = True


def _text(**kwargs: Any) -> fields.String:
    return fields.String(validate=validate.Length(max=MAX_TEXT), **kwargs)


def _field_for(field: Any, *, output: bool, suffix: str) -> fields.Field[Any]:
    meta: dict[str, Any] = {}
    kind = field.type
    item: fields.Field[Any]
    if kind == FieldDescriptor.TYPE_MESSAGE:
        full_name = field.message_type.full_name
        if full_name == TIMESTAMP:
            item = fields.AwareDateTime(format="iso", default_timezone=dt.UTC)
        elif full_name == FIELD_MASK:
            item = fields.List(fields.String(validate=validate.Length(max=100)))
        else:
            item = fields.Nested(message_schema(field.message_type, output=output, suffix=suffix))
    elif kind == FieldDescriptor.TYPE_ENUM:
        names = enum_names(field.enum_type)
        item = fields.String(validate=validate.OneOf(names))
    elif kind in (FieldDescriptor.TYPE_STRING, FieldDescriptor.TYPE_BYTES):
        item = fields.String() if output else _text()
    elif kind == FieldDescriptor.TYPE_BOOL:
        item = fields.Boolean() if output else fields.Boolean(truthy={True}, falsy={False})
    elif kind in (FieldDescriptor.TYPE_DOUBLE, FieldDescriptor.TYPE_FLOAT):
        item = fields.Float(allow_nan=False)
    else:
        low, high = _int_range(field)
        item = fields.Integer(strict=True, validate=validate.Range(min=low, max=high))
    if field.is_repeated:
        return fields.List(item, validate=None if output else validate.Length(max=MAX_LIST), metadata=meta)
    return item


def message_schema(
    descriptor: Descriptor,
    *,
    output: bool = True,
    name: str | None = None,
    exclude: Iterable[str] = (),
    required: Iterable[str] = (),
    suffix: str = "In",
    extra: Mapping[str, fields.Field[Any]] | None = None,
) -> type[Schema]:
    """A marshmallow schema class for a message, cached by its name.

    Output schemas are named after the message; input schemas after `name`, or the message
    plus `suffix` (nested input messages). `exclude` leaves fields out (path parameters,
    versions from If-Match); `required` marks body fields the call cannot do without.
    """
    schema_name = name or (descriptor.name if output else descriptor.name + suffix)
    cached = _SCHEMAS.get(schema_name)
    if cached is not None:
        return cached
    excluded = set(exclude)
    needed = set(required)
    # Register a placeholder first so that recursive messages terminate.
    attrs: dict[str, Any] = {}
    for field in descriptor.fields:
        if field.name in excluded:
            continue
        built = _field_for(field, output=output, suffix=suffix)
        if field.name in needed:
            built.required = True
        attrs[field.name] = built
    attrs.update(extra or {})
    doc = (descriptor.name if output else f"Body of {descriptor.name}").strip()
    attrs["__doc__"] = doc
    schema = cast(type[Schema], type(schema_name, (_Strict,), attrs))
    _SCHEMAS[schema_name] = schema
    return schema


def output_schema(message_class: type[Message]) -> type[Schema]:
    return message_schema(message_class.DESCRIPTOR, output=True)


def body_schema(
    message_class: type[Message],
    name: str,
    *,
    exclude: Iterable[str] = ("expected_version", "idempotency_key", "update_mask"),
    required: Iterable[str] = (),
    extra: Mapping[str, fields.Field[Any]] | None = None,
) -> type[Schema]:
    return message_schema(
        message_class.DESCRIPTOR, output=False, name=name, exclude=exclude, required=required, extra=extra
    )


def load(schema: type[Schema], data: Any) -> dict[str, Any]:
    """Validates `data` against `schema` (InvalidArgument naming the first bad field)."""
    try:
        return cast(dict[str, Any], schema().load(data))
    except ValidationError as error:
        messages = error.messages
        field, detail = _first_error(messages)
        raise InvalidArgument(f"{field}: {detail}", field=field) from None


def _first_error(messages: Any, prefix: str = "") -> tuple[str, str]:
    if isinstance(messages, Mapping):
        for key, value in messages.items():
            return _first_error(value, f"{prefix}{key}.")
    if isinstance(messages, list) and messages:
        return _first_error(messages[0], prefix)
    return prefix.rstrip(".") or "body", str(messages)


# ----------------------------------------------------------------------------------------
# Hand-written schemas: query parameters, small responses
# ----------------------------------------------------------------------------------------

PAGE_TOKEN = fields.String(
    validate=validate.Length(max=200), metadata={"description": "Opaque token of the next page."}
)


class PageQuery(Schema):
    page_size = fields.Integer(
        validate=validate.Range(min=1, max=100),
        metadata={"description": "Items per page (default 20, max 100)."},
    )
    page_token = fields.String(validate=validate.Length(max=64), metadata={"description": "Opaque next_page_token."})


def _meta(description: str) -> dict[str, Any]:
    return {"description": description} if description else {}


def _id(description: str = "", **kwargs: Any) -> fields.String:
    return fields.String(validate=validate.Length(min=1, max=128), metadata=_meta(description), **kwargs)


def _ids(description: str = "", **kwargs: Any) -> fields.List[Any]:
    return fields.List(
        fields.String(validate=validate.Length(min=1, max=128)),
        validate=validate.Length(max=100),
        metadata=_meta(description),
        **kwargs,
    )


def _when(description: str, **kwargs: Any) -> fields.AwareDateTime:
    return fields.AwareDateTime(format="iso", default_timezone=dt.UTC, metadata=_meta(description), **kwargs)


def _enums(enum: EnumDescriptor, description: str = "", **kwargs: Any) -> fields.List[Any]:
    return fields.List(
        fields.String(validate=validate.OneOf(enum_names(enum))),
        validate=validate.Length(max=100),
        metadata=_meta(description),
        **kwargs,
    )


def _enum(enum: EnumDescriptor, description: str = "", **kwargs: Any) -> fields.String:
    return fields.String(validate=validate.OneOf(enum_names(enum)), metadata=_meta(description), **kwargs)


def query_schema(name: str, attrs: Mapping[str, Any], *, paged: bool = True) -> type[Schema]:
    cached = _SCHEMAS.get(name)
    if cached is not None:
        return cached
    base: tuple[type[Schema], ...] = (PageQuery,) if paged else (Schema,)
    schema = cast(type[Schema], type(name, base, dict(attrs)))
    _SCHEMAS[name] = schema
    return schema


class Empty(Schema):
    """No body."""


class ActionBody(Schema):
    """A body that may be empty."""


class Problem(Schema):
    """RFC 9457 problem details."""

    type = fields.String()
    title = fields.String()
    status = fields.Integer()
    detail = fields.String()
    instance = fields.String()
    field = fields.String()


# Query schema helpers re-exported for the route modules.
ID = _id
IDS = _ids
WHEN = _when
ENUMS = _enums
ENUM = _enum
