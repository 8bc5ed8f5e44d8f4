"""Translation between protobuf messages and domain values, both directions.

Outgoing: `adapters.event_payloads` builds each aggregate in protobuf's JSON mapping (the
form the events carry), so responses are that JSON parsed into the message: one mapping,
used for events and responses alike. Enums cross by name: the domain's enums know no proto
numbers, and a proto `*_UNSPECIFIED` (or unknown) number is refused naming the field.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar

from google.protobuf import timestamp_pb2
from google.protobuf.message import Message

from linli.common.protojson import parse_dict
from linli.organizations.adapters import event_payloads as wire
from linli.organizations.domain import grids as grid_rules
from linli.organizations.domain.errors import ValidationError
from linli.organizations.domain.geo import GeoPoint
from linli.organizations.domain.model import (
    Address,
    Contact,
    DutyRosterEntry,
    Grid,
    GridShape,
    LocalizedText,
    Organization,
    OrganizationKind,
    Role,
    RoleAssignment,
    Station,
    StationEvent,
    StationKind,
    TimeWindow,
)
from linli.organizations.domain.roles import Scope
from linli.v1 import common_pb2
from linli.v1 import organizations_pb2 as pb

M = TypeVar("M", bound=Message)
E = TypeVar("E", bound=enum.Enum)

organization_kind_name = wire.organization_kind_name
role_name = wire.role_name


# -- out -------------------------------------------------------------------------------------
def _parse(json_dict: dict[str, Any], message: M) -> M:
    return parse_dict(json_dict, message)


def organization(org: Organization) -> pb.Organization:
    return _parse(wire.organization(org), pb.Organization())


def grid(value: Grid) -> pb.Grid:
    return _parse(wire.grid(value), pb.Grid())


def station(value: Station) -> pb.Station:
    return _parse(wire.station(value), pb.Station())


def station_event(value: StationEvent) -> pb.StationEvent:
    return _parse(wire.station_event(value), pb.StationEvent())


def role_assignment(value: RoleAssignment) -> pb.RoleAssignment:
    return _parse(wire.role_assignment(value), pb.RoleAssignment())


def visible_scope(scope: Scope) -> pb.VisibleScope:
    return pb.VisibleScope(
        root_id=scope.root.id,
        root_kind=organization_kind_name(scope.root.kind),
        root_name=localized_out(scope.root.name),
        root_path=list(scope.root.path),
        roles=[role_name(r) for r in scope.sorted_roles()],
        nested=scope.nested,
    )


# -- in ----------------------------------------------------------------------------------------
def localized(text: common_pb2.LocalizedText) -> LocalizedText:
    return LocalizedText(zh=text.zh, en=text.en)


def point(message: Message, name: str) -> GeoPoint | None:
    if not message.HasField(name):
        return None
    value: common_pb2.GeoPoint = getattr(message, name)
    return GeoPoint(lat=value.lat, lng=value.lng)


def required_point(message: Message, name: str) -> GeoPoint:
    found = point(message, name)
    if found is None:
        raise ValidationError(name, "is required")
    return found


def address(message: Message, name: str = "address") -> Address | None:
    if not message.HasField(name):
        return None
    value: common_pb2.Address = getattr(message, name)
    return Address(
        text=value.text,
        province=value.province,
        city=value.city,
        district=value.district,
        street=value.street,
        detail=value.detail,
        point=point(value, "point"),
    )


def contacts(values: Iterable[common_pb2.Contact]) -> tuple[Contact, ...]:
    return tuple(Contact(name=c.name, phone=c.phone, email=c.email, role=c.role) for c in values)


def time_windows(values: Iterable[common_pb2.TimeWindow]) -> tuple[TimeWindow, ...]:
    return tuple(TimeWindow(weekday=w.weekday, start=w.start, end=w.end) for w in values)


def duty_roster(values: Iterable[pb.DutyRosterEntry]) -> tuple[DutyRosterEntry, ...]:
    return tuple(
        DutyRosterEntry(
            window=TimeWindow(weekday=e.window.weekday, start=e.window.start, end=e.window.end),
            person_id=e.person_id,
            name=e.name,
            phone=e.phone,
        )
        for e in values
    )


def grid_shape(message: pb.GridShape, field: str = "shape") -> GridShape:
    which = message.WhichOneof("shape")
    if which == "polygon":
        return grid_rules.shape_from_polygon(
            [GeoPoint(v.lat, v.lng) for v in message.polygon.vertices], f"{field}.polygon.vertices"
        )
    if which == "cell":
        cell = message.cell
        return grid_rules.shape_from_cell(
            GeoPoint(cell.south_west.lat, cell.south_west.lng),
            GeoPoint(cell.north_east.lat, cell.north_east.lng),
            f"{field}.cell",
        )
    raise ValidationError(field, "give a polygon or a cell")


def optional_grid_shape(message: Message, name: str = "shape") -> GridShape | None:
    return grid_shape(getattr(message, name), name) if message.HasField(name) else None


def _parse_enum(kind: type[E], proto_enum: Any, prefix: str, value: int, field: str, what: str) -> E:
    try:
        return kind[proto_enum.Name(value).removeprefix(prefix)]
    except (KeyError, ValueError):
        raise ValidationError(field, f"must be set to a known {what}") from None


def parse_organization_kind(value: int, field: str = "kind") -> OrganizationKind:
    """The domain kind of a protobuf enum number; UNSPECIFIED (0) and unknown are errors."""
    return _parse_enum(OrganizationKind, pb.OrganizationKind, "ORGANIZATION_KIND_", value, field, "organisation kind")


def parse_role(value: int, field: str = "role") -> Role:
    return _parse_enum(Role, pb.OrganizationRole, "ORGANIZATION_ROLE_", value, field, "role")


def parse_station_kind(value: int, field: str = "kind") -> StationKind:
    return _parse_enum(StationKind, pb.StationKind, "STATION_KIND_", value, field, "station kind")


def kinds(values: Sequence[int], field: str = "kinds") -> tuple[OrganizationKind, ...]:
    return tuple(parse_organization_kind(v, f"{field}[{i}]") for i, v in enumerate(values))


def station_kinds(values: Sequence[int], field: str = "kinds") -> tuple[StationKind, ...]:
    return tuple(parse_station_kind(v, f"{field}[{i}]") for i, v in enumerate(values))


def roles(values: Sequence[int], field: str = "roles") -> tuple[Role, ...]:
    return tuple(parse_role(v, f"{field}[{i}]") for i, v in enumerate(values))


def timestamp(message: Message, name: str, *, required: bool = False) -> datetime | None:
    if not message.HasField(name):
        if required:
            raise ValidationError(name, "is required")
        return None
    value: timestamp_pb2.Timestamp = getattr(message, name)
    return value.ToDatetime(tzinfo=UTC)


def required_timestamp(message: Message, name: str) -> datetime:
    found = timestamp(message, name, required=True)
    assert found is not None
    return found


def localized_out(text: LocalizedText) -> common_pb2.LocalizedText:
    return common_pb2.LocalizedText(zh=text.zh, en=text.en)
