"""Protobuf <-> domain translation at the gRPC edge: enums cross by name, never by number."""

from __future__ import annotations

import pytest

from linli.common.errors import InvalidArgument
from linli.organizations.domain.model import OrganizationKind, Role, StationKind
from linli.organizations.entrypoints import convert
from linli.v1 import organizations_pb2 as pb


def field_of(call: object, *args: object) -> str:
    assert callable(call)
    with pytest.raises(InvalidArgument) as err:
        call(*args)
    return err.value.field


def test_enums_reject_unspecified() -> None:
    assert convert.parse_organization_kind(2) is OrganizationKind.COMMUNITY_COMMITTEE
    assert field_of(convert.parse_organization_kind, 0) == "kind"
    assert field_of(convert.parse_role, 99) == "role"
    assert field_of(convert.parse_station_kind, 0) == "kind"


@pytest.mark.parametrize(
    ("proto_enum", "prefix", "domain", "parse"),
    [
        (pb.OrganizationKind, "ORGANIZATION_KIND_", OrganizationKind, convert.parse_organization_kind),
        (pb.OrganizationRole, "ORGANIZATION_ROLE_", Role, convert.parse_role),
        (pb.StationKind, "STATION_KIND_", StationKind, convert.parse_station_kind),
    ],
)
def test_every_proto_value_but_unspecified_has_a_domain_value(
    proto_enum: object, prefix: str, domain: type[object], parse: object
) -> None:
    names = [v.name for v in proto_enum.DESCRIPTOR.values if not v.name.endswith("_UNSPECIFIED")]  # type: ignore[attr-defined]
    assert {n.removeprefix(prefix) for n in names} == {m.name for m in domain}  # type: ignore[attr-defined]
    assert callable(parse)
    for name in names:
        assert parse(proto_enum.Value(name)).name == name.removeprefix(prefix)  # type: ignore[attr-defined]
