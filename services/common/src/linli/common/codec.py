"""Maps domain dataclasses to BSON-ready documents and back, driven by their type hints.

Repositories use it so that a domain model stays plain Python: no field is declared twice
(once in the dataclass, once in a mapper). Supported: str, int, float, bool, datetime, Enum
(stored by name, so renumbering a proto enum cannot corrupt data), nested dataclasses,
tuple/list/set/frozenset of those, `X | None`, and dict[str, Any] (stored as is).
Fields with `init=False` (derived) and names in `skip` are not stored.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import functools
import types
import typing
from collections.abc import Collection, Mapping
from typing import Any, TypeVar

T = TypeVar("T")

_ABSENT = object()


@functools.cache
def _hints(cls: Any) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _stored_fields(cls: type, skip: Collection[str]) -> list[dataclasses.Field[Any]]:
    return [f for f in dataclasses.fields(cls) if f.init and f.name not in skip]


def to_document(value: Any, skip: Collection[str] = ()) -> Any:
    """The document form of `value` (a dataclass instance or any supported value)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_document(getattr(value, f.name)) for f in _stored_fields(type(value), skip)}
    if isinstance(value, enum.Enum):
        return value.name
    if isinstance(value, (set, frozenset)):
        return sorted(to_document(item) for item in value)
    if isinstance(value, (list, tuple)):
        return [to_document(item) for item in value]
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            raise ValueError("naive datetimes are ambiguous; use timezone-aware UTC times")
        return value.astimezone(dt.UTC)
    return value


def from_document(cls: type[T], document: Mapping[str, Any], skip: Collection[str] = ()) -> T:
    """Rebuilds a `cls` instance; fields missing from the document take their defaults."""
    hints = _hints(typing.cast(Any, cls))
    values: dict[str, Any] = {}
    for field in _stored_fields(cls, skip):
        raw = document.get(field.name, _ABSENT)
        if raw is _ABSENT:
            continue
        values[field.name] = _decode(hints[field.name], raw)
    return cls(**values)


def _decode(kind: Any, raw: Any) -> Any:
    if raw is None:
        return None
    origin = typing.get_origin(kind)
    if origin is typing.Union or isinstance(kind, types.UnionType):
        options = [arg for arg in typing.get_args(kind) if arg is not type(None)]
        return _decode(options[0], raw) if len(options) == 1 else raw
    if origin in (tuple, list, set, frozenset):
        args = typing.get_args(kind)
        item = args[0] if args else Any
        items = [_decode(item, value) for value in raw]
        return origin(items)
    if origin is dict or kind is Any:
        return raw
    if isinstance(kind, type):
        if dataclasses.is_dataclass(kind):
            return from_document(kind, raw)
        if issubclass(kind, enum.Enum):
            return kind[raw]
        if kind is dt.datetime:
            return raw if raw.tzinfo else raw.replace(tzinfo=dt.UTC)
        if kind is float:
            return float(raw)
    return raw


def utc_millis(value: dt.datetime | None = None) -> dt.datetime:
    """Now (or `value`) in UTC, truncated to milliseconds: what BSON can store exactly."""
    moment = value or dt.datetime.now(dt.UTC)
    return moment.astimezone(dt.UTC).replace(microsecond=moment.microsecond // 1000 * 1000)
