import datetime

from google.protobuf import field_mask_pb2 as _field_mask_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from linli.v1 import common_pb2 as _common_pb2
from linli.v1 import events_pb2 as _events_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class OrganizationKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ORGANIZATION_KIND_UNSPECIFIED: _ClassVar[OrganizationKind]
    ORGANIZATION_KIND_STREET_OFFICE: _ClassVar[OrganizationKind]
    ORGANIZATION_KIND_COMMUNITY_COMMITTEE: _ClassVar[OrganizationKind]
    ORGANIZATION_KIND_COMPOUND_BRANCH: _ClassVar[OrganizationKind]
    ORGANIZATION_KIND_BUILDING_GROUP: _ClassVar[OrganizationKind]
    ORGANIZATION_KIND_MEMBER_HOUSEHOLD: _ClassVar[OrganizationKind]
    ORGANIZATION_KIND_CO_BUILDING_UNIT: _ClassVar[OrganizationKind]
    ORGANIZATION_KIND_DEPARTMENT: _ClassVar[OrganizationKind]
    ORGANIZATION_KIND_SOCIAL_ORGANIZATION: _ClassVar[OrganizationKind]
    ORGANIZATION_KIND_DISTRICT: _ClassVar[OrganizationKind]

class OrganizationRole(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ORGANIZATION_ROLE_UNSPECIFIED: _ClassVar[OrganizationRole]
    ORGANIZATION_ROLE_ADMIN: _ClassVar[OrganizationRole]
    ORGANIZATION_ROLE_DISPATCHER: _ClassVar[OrganizationRole]
    ORGANIZATION_ROLE_GRID_WORKER: _ClassVar[OrganizationRole]
    ORGANIZATION_ROLE_LIAISON: _ClassVar[OrganizationRole]
    ORGANIZATION_ROLE_MEMBER: _ClassVar[OrganizationRole]

class StationKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    STATION_KIND_UNSPECIFIED: _ClassVar[StationKind]
    STATION_KIND_LIVING_ROOM: _ClassVar[StationKind]
    STATION_KIND_SERVICE_POST: _ClassVar[StationKind]
    STATION_KIND_OUTDOOR_WORKER_REST: _ClassVar[StationKind]
    STATION_KIND_OTHER: _ClassVar[StationKind]
ORGANIZATION_KIND_UNSPECIFIED: OrganizationKind
ORGANIZATION_KIND_STREET_OFFICE: OrganizationKind
ORGANIZATION_KIND_COMMUNITY_COMMITTEE: OrganizationKind
ORGANIZATION_KIND_COMPOUND_BRANCH: OrganizationKind
ORGANIZATION_KIND_BUILDING_GROUP: OrganizationKind
ORGANIZATION_KIND_MEMBER_HOUSEHOLD: OrganizationKind
ORGANIZATION_KIND_CO_BUILDING_UNIT: OrganizationKind
ORGANIZATION_KIND_DEPARTMENT: OrganizationKind
ORGANIZATION_KIND_SOCIAL_ORGANIZATION: OrganizationKind
ORGANIZATION_KIND_DISTRICT: OrganizationKind
ORGANIZATION_ROLE_UNSPECIFIED: OrganizationRole
ORGANIZATION_ROLE_ADMIN: OrganizationRole
ORGANIZATION_ROLE_DISPATCHER: OrganizationRole
ORGANIZATION_ROLE_GRID_WORKER: OrganizationRole
ORGANIZATION_ROLE_LIAISON: OrganizationRole
ORGANIZATION_ROLE_MEMBER: OrganizationRole
STATION_KIND_UNSPECIFIED: StationKind
STATION_KIND_LIVING_ROOM: StationKind
STATION_KIND_SERVICE_POST: StationKind
STATION_KIND_OUTDOOR_WORKER_REST: StationKind
STATION_KIND_OTHER: StationKind

class Organization(_message.Message):
    __slots__ = ("id", "kind", "code", "name", "parent_id", "path", "depth", "address", "location", "contacts", "served_org_ids", "accepted_categories", "response_deadline_minutes", "archived", "version", "created_at", "updated_at", "archived_at")
    ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    CODE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    PARENT_ID_FIELD_NUMBER: _ClassVar[int]
    PATH_FIELD_NUMBER: _ClassVar[int]
    DEPTH_FIELD_NUMBER: _ClassVar[int]
    ADDRESS_FIELD_NUMBER: _ClassVar[int]
    LOCATION_FIELD_NUMBER: _ClassVar[int]
    CONTACTS_FIELD_NUMBER: _ClassVar[int]
    SERVED_ORG_IDS_FIELD_NUMBER: _ClassVar[int]
    ACCEPTED_CATEGORIES_FIELD_NUMBER: _ClassVar[int]
    RESPONSE_DEADLINE_MINUTES_FIELD_NUMBER: _ClassVar[int]
    ARCHIVED_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    ARCHIVED_AT_FIELD_NUMBER: _ClassVar[int]
    id: str
    kind: OrganizationKind
    code: str
    name: _common_pb2.LocalizedText
    parent_id: str
    path: _containers.RepeatedScalarFieldContainer[str]
    depth: int
    address: _common_pb2.Address
    location: _common_pb2.GeoPoint
    contacts: _containers.RepeatedCompositeFieldContainer[_common_pb2.Contact]
    served_org_ids: _containers.RepeatedScalarFieldContainer[str]
    accepted_categories: _containers.RepeatedScalarFieldContainer[str]
    response_deadline_minutes: int
    archived: bool
    version: int
    created_at: _timestamp_pb2.Timestamp
    updated_at: _timestamp_pb2.Timestamp
    archived_at: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., kind: _Optional[_Union[OrganizationKind, str]] = ..., code: _Optional[str] = ..., name: _Optional[_Union[_common_pb2.LocalizedText, _Mapping]] = ..., parent_id: _Optional[str] = ..., path: _Optional[_Iterable[str]] = ..., depth: _Optional[int] = ..., address: _Optional[_Union[_common_pb2.Address, _Mapping]] = ..., location: _Optional[_Union[_common_pb2.GeoPoint, _Mapping]] = ..., contacts: _Optional[_Iterable[_Union[_common_pb2.Contact, _Mapping]]] = ..., served_org_ids: _Optional[_Iterable[str]] = ..., accepted_categories: _Optional[_Iterable[str]] = ..., response_deadline_minutes: _Optional[int] = ..., archived: _Optional[bool] = ..., version: _Optional[int] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., archived_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class GridPolygon(_message.Message):
    __slots__ = ("vertices",)
    VERTICES_FIELD_NUMBER: _ClassVar[int]
    vertices: _containers.RepeatedCompositeFieldContainer[_common_pb2.GeoPoint]
    def __init__(self, vertices: _Optional[_Iterable[_Union[_common_pb2.GeoPoint, _Mapping]]] = ...) -> None: ...

class GridCell(_message.Message):
    __slots__ = ("south_west", "north_east")
    SOUTH_WEST_FIELD_NUMBER: _ClassVar[int]
    NORTH_EAST_FIELD_NUMBER: _ClassVar[int]
    south_west: _common_pb2.GeoPoint
    north_east: _common_pb2.GeoPoint
    def __init__(self, south_west: _Optional[_Union[_common_pb2.GeoPoint, _Mapping]] = ..., north_east: _Optional[_Union[_common_pb2.GeoPoint, _Mapping]] = ...) -> None: ...

class GridShape(_message.Message):
    __slots__ = ("polygon", "cell")
    POLYGON_FIELD_NUMBER: _ClassVar[int]
    CELL_FIELD_NUMBER: _ClassVar[int]
    polygon: GridPolygon
    cell: GridCell
    def __init__(self, polygon: _Optional[_Union[GridPolygon, _Mapping]] = ..., cell: _Optional[_Union[GridCell, _Mapping]] = ...) -> None: ...

class Grid(_message.Message):
    __slots__ = ("id", "organization_id", "code", "name", "shape", "households_count", "leader_person_id", "worker_person_ids", "community_id", "street_id", "archived", "version", "created_at", "updated_at")
    ID_FIELD_NUMBER: _ClassVar[int]
    ORGANIZATION_ID_FIELD_NUMBER: _ClassVar[int]
    CODE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    SHAPE_FIELD_NUMBER: _ClassVar[int]
    HOUSEHOLDS_COUNT_FIELD_NUMBER: _ClassVar[int]
    LEADER_PERSON_ID_FIELD_NUMBER: _ClassVar[int]
    WORKER_PERSON_IDS_FIELD_NUMBER: _ClassVar[int]
    COMMUNITY_ID_FIELD_NUMBER: _ClassVar[int]
    STREET_ID_FIELD_NUMBER: _ClassVar[int]
    ARCHIVED_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    id: str
    organization_id: str
    code: str
    name: _common_pb2.LocalizedText
    shape: GridShape
    households_count: int
    leader_person_id: str
    worker_person_ids: _containers.RepeatedScalarFieldContainer[str]
    community_id: str
    street_id: str
    archived: bool
    version: int
    created_at: _timestamp_pb2.Timestamp
    updated_at: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., organization_id: _Optional[str] = ..., code: _Optional[str] = ..., name: _Optional[_Union[_common_pb2.LocalizedText, _Mapping]] = ..., shape: _Optional[_Union[GridShape, _Mapping]] = ..., households_count: _Optional[int] = ..., leader_person_id: _Optional[str] = ..., worker_person_ids: _Optional[_Iterable[str]] = ..., community_id: _Optional[str] = ..., street_id: _Optional[str] = ..., archived: _Optional[bool] = ..., version: _Optional[int] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class DutyRosterEntry(_message.Message):
    __slots__ = ("person_id", "name", "phone", "window")
    PERSON_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    PHONE_FIELD_NUMBER: _ClassVar[int]
    WINDOW_FIELD_NUMBER: _ClassVar[int]
    person_id: str
    name: str
    phone: str
    window: _common_pb2.TimeWindow
    def __init__(self, person_id: _Optional[str] = ..., name: _Optional[str] = ..., phone: _Optional[str] = ..., window: _Optional[_Union[_common_pb2.TimeWindow, _Mapping]] = ...) -> None: ...

class Station(_message.Message):
    __slots__ = ("id", "organization_id", "kind", "code", "name", "address", "location", "opening_hours", "capacity", "duty_roster", "contacts", "archived", "version", "created_at", "updated_at")
    ID_FIELD_NUMBER: _ClassVar[int]
    ORGANIZATION_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    CODE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    ADDRESS_FIELD_NUMBER: _ClassVar[int]
    LOCATION_FIELD_NUMBER: _ClassVar[int]
    OPENING_HOURS_FIELD_NUMBER: _ClassVar[int]
    CAPACITY_FIELD_NUMBER: _ClassVar[int]
    DUTY_ROSTER_FIELD_NUMBER: _ClassVar[int]
    CONTACTS_FIELD_NUMBER: _ClassVar[int]
    ARCHIVED_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    id: str
    organization_id: str
    kind: StationKind
    code: str
    name: _common_pb2.LocalizedText
    address: _common_pb2.Address
    location: _common_pb2.GeoPoint
    opening_hours: _containers.RepeatedCompositeFieldContainer[_common_pb2.TimeWindow]
    capacity: int
    duty_roster: _containers.RepeatedCompositeFieldContainer[DutyRosterEntry]
    contacts: _containers.RepeatedCompositeFieldContainer[_common_pb2.Contact]
    archived: bool
    version: int
    created_at: _timestamp_pb2.Timestamp
    updated_at: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., organization_id: _Optional[str] = ..., kind: _Optional[_Union[StationKind, str]] = ..., code: _Optional[str] = ..., name: _Optional[_Union[_common_pb2.LocalizedText, _Mapping]] = ..., address: _Optional[_Union[_common_pb2.Address, _Mapping]] = ..., location: _Optional[_Union[_common_pb2.GeoPoint, _Mapping]] = ..., opening_hours: _Optional[_Iterable[_Union[_common_pb2.TimeWindow, _Mapping]]] = ..., capacity: _Optional[int] = ..., duty_roster: _Optional[_Iterable[_Union[DutyRosterEntry, _Mapping]]] = ..., contacts: _Optional[_Iterable[_Union[_common_pb2.Contact, _Mapping]]] = ..., archived: _Optional[bool] = ..., version: _Optional[int] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class StationEvent(_message.Message):
    __slots__ = ("id", "station_id", "title", "description", "starts_at", "ends_at", "capacity", "signup_count", "attendance_count", "signed_up_person_ids", "cancelled", "version", "created_at", "updated_at")
    ID_FIELD_NUMBER: _ClassVar[int]
    STATION_ID_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    STARTS_AT_FIELD_NUMBER: _ClassVar[int]
    ENDS_AT_FIELD_NUMBER: _ClassVar[int]
    CAPACITY_FIELD_NUMBER: _ClassVar[int]
    SIGNUP_COUNT_FIELD_NUMBER: _ClassVar[int]
    ATTENDANCE_COUNT_FIELD_NUMBER: _ClassVar[int]
    SIGNED_UP_PERSON_IDS_FIELD_NUMBER: _ClassVar[int]
    CANCELLED_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    id: str
    station_id: str
    title: _common_pb2.LocalizedText
    description: str
    starts_at: _timestamp_pb2.Timestamp
    ends_at: _timestamp_pb2.Timestamp
    capacity: int
    signup_count: int
    attendance_count: int
    signed_up_person_ids: _containers.RepeatedScalarFieldContainer[str]
    cancelled: bool
    version: int
    created_at: _timestamp_pb2.Timestamp
    updated_at: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., station_id: _Optional[str] = ..., title: _Optional[_Union[_common_pb2.LocalizedText, _Mapping]] = ..., description: _Optional[str] = ..., starts_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., ends_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., capacity: _Optional[int] = ..., signup_count: _Optional[int] = ..., attendance_count: _Optional[int] = ..., signed_up_person_ids: _Optional[_Iterable[str]] = ..., cancelled: _Optional[bool] = ..., version: _Optional[int] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class RoleAssignment(_message.Message):
    __slots__ = ("id", "person_id", "organization_id", "role", "granted_by", "granted_at", "active", "revoked_by", "revoked_at", "version")
    ID_FIELD_NUMBER: _ClassVar[int]
    PERSON_ID_FIELD_NUMBER: _ClassVar[int]
    ORGANIZATION_ID_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    GRANTED_BY_FIELD_NUMBER: _ClassVar[int]
    GRANTED_AT_FIELD_NUMBER: _ClassVar[int]
    ACTIVE_FIELD_NUMBER: _ClassVar[int]
    REVOKED_BY_FIELD_NUMBER: _ClassVar[int]
    REVOKED_AT_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    id: str
    person_id: str
    organization_id: str
    role: OrganizationRole
    granted_by: str
    granted_at: _timestamp_pb2.Timestamp
    active: bool
    revoked_by: str
    revoked_at: _timestamp_pb2.Timestamp
    version: int
    def __init__(self, id: _Optional[str] = ..., person_id: _Optional[str] = ..., organization_id: _Optional[str] = ..., role: _Optional[_Union[OrganizationRole, str]] = ..., granted_by: _Optional[str] = ..., granted_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., active: _Optional[bool] = ..., revoked_by: _Optional[str] = ..., revoked_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., version: _Optional[int] = ...) -> None: ...

class CreateOrganizationRequest(_message.Message):
    __slots__ = ("idempotency_key", "kind", "code", "name", "parent_id", "address", "location", "contacts", "served_org_ids", "accepted_categories", "response_deadline_minutes")
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    CODE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    PARENT_ID_FIELD_NUMBER: _ClassVar[int]
    ADDRESS_FIELD_NUMBER: _ClassVar[int]
    LOCATION_FIELD_NUMBER: _ClassVar[int]
    CONTACTS_FIELD_NUMBER: _ClassVar[int]
    SERVED_ORG_IDS_FIELD_NUMBER: _ClassVar[int]
    ACCEPTED_CATEGORIES_FIELD_NUMBER: _ClassVar[int]
    RESPONSE_DEADLINE_MINUTES_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    kind: OrganizationKind
    code: str
    name: _common_pb2.LocalizedText
    parent_id: str
    address: _common_pb2.Address
    location: _common_pb2.GeoPoint
    contacts: _containers.RepeatedCompositeFieldContainer[_common_pb2.Contact]
    served_org_ids: _containers.RepeatedScalarFieldContainer[str]
    accepted_categories: _containers.RepeatedScalarFieldContainer[str]
    response_deadline_minutes: int
    def __init__(self, idempotency_key: _Optional[str] = ..., kind: _Optional[_Union[OrganizationKind, str]] = ..., code: _Optional[str] = ..., name: _Optional[_Union[_common_pb2.LocalizedText, _Mapping]] = ..., parent_id: _Optional[str] = ..., address: _Optional[_Union[_common_pb2.Address, _Mapping]] = ..., location: _Optional[_Union[_common_pb2.GeoPoint, _Mapping]] = ..., contacts: _Optional[_Iterable[_Union[_common_pb2.Contact, _Mapping]]] = ..., served_org_ids: _Optional[_Iterable[str]] = ..., accepted_categories: _Optional[_Iterable[str]] = ..., response_deadline_minutes: _Optional[int] = ...) -> None: ...

class UpdateOrganizationRequest(_message.Message):
    __slots__ = ("id", "expected_version", "update_mask", "name", "code", "address", "location", "contacts", "served_org_ids", "accepted_categories", "response_deadline_minutes")
    ID_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_VERSION_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    CODE_FIELD_NUMBER: _ClassVar[int]
    ADDRESS_FIELD_NUMBER: _ClassVar[int]
    LOCATION_FIELD_NUMBER: _ClassVar[int]
    CONTACTS_FIELD_NUMBER: _ClassVar[int]
    SERVED_ORG_IDS_FIELD_NUMBER: _ClassVar[int]
    ACCEPTED_CATEGORIES_FIELD_NUMBER: _ClassVar[int]
    RESPONSE_DEADLINE_MINUTES_FIELD_NUMBER: _ClassVar[int]
    id: str
    expected_version: int
    update_mask: _field_mask_pb2.FieldMask
    name: _common_pb2.LocalizedText
    code: str
    address: _common_pb2.Address
    location: _common_pb2.GeoPoint
    contacts: _containers.RepeatedCompositeFieldContainer[_common_pb2.Contact]
    served_org_ids: _containers.RepeatedScalarFieldContainer[str]
    accepted_categories: _containers.RepeatedScalarFieldContainer[str]
    response_deadline_minutes: int
    def __init__(self, id: _Optional[str] = ..., expected_version: _Optional[int] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ..., name: _Optional[_Union[_common_pb2.LocalizedText, _Mapping]] = ..., code: _Optional[str] = ..., address: _Optional[_Union[_common_pb2.Address, _Mapping]] = ..., location: _Optional[_Union[_common_pb2.GeoPoint, _Mapping]] = ..., contacts: _Optional[_Iterable[_Union[_common_pb2.Contact, _Mapping]]] = ..., served_org_ids: _Optional[_Iterable[str]] = ..., accepted_categories: _Optional[_Iterable[str]] = ..., response_deadline_minutes: _Optional[int] = ...) -> None: ...

class MoveOrganizationRequest(_message.Message):
    __slots__ = ("id", "new_parent_id", "expected_version")
    ID_FIELD_NUMBER: _ClassVar[int]
    NEW_PARENT_ID_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_VERSION_FIELD_NUMBER: _ClassVar[int]
    id: str
    new_parent_id: str
    expected_version: int
    def __init__(self, id: _Optional[str] = ..., new_parent_id: _Optional[str] = ..., expected_version: _Optional[int] = ...) -> None: ...

class MoveOrganizationResponse(_message.Message):
    __slots__ = ("organization", "moved_descendants")
    ORGANIZATION_FIELD_NUMBER: _ClassVar[int]
    MOVED_DESCENDANTS_FIELD_NUMBER: _ClassVar[int]
    organization: Organization
    moved_descendants: int
    def __init__(self, organization: _Optional[_Union[Organization, _Mapping]] = ..., moved_descendants: _Optional[int] = ...) -> None: ...

class ArchiveOrganizationRequest(_message.Message):
    __slots__ = ("id", "expected_version", "cascade", "reason")
    ID_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_VERSION_FIELD_NUMBER: _ClassVar[int]
    CASCADE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    id: str
    expected_version: int
    cascade: bool
    reason: str
    def __init__(self, id: _Optional[str] = ..., expected_version: _Optional[int] = ..., cascade: _Optional[bool] = ..., reason: _Optional[str] = ...) -> None: ...

class ArchiveOrganizationResponse(_message.Message):
    __slots__ = ("organization", "archived_ids")
    ORGANIZATION_FIELD_NUMBER: _ClassVar[int]
    ARCHIVED_IDS_FIELD_NUMBER: _ClassVar[int]
    organization: Organization
    archived_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, organization: _Optional[_Union[Organization, _Mapping]] = ..., archived_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class GetOrganizationRequest(_message.Message):
    __slots__ = ("id", "code")
    ID_FIELD_NUMBER: _ClassVar[int]
    CODE_FIELD_NUMBER: _ClassVar[int]
    id: str
    code: str
    def __init__(self, id: _Optional[str] = ..., code: _Optional[str] = ...) -> None: ...

class ListChildrenRequest(_message.Message):
    __slots__ = ("parent_id", "include_archived", "kinds", "page")
    PARENT_ID_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_ARCHIVED_FIELD_NUMBER: _ClassVar[int]
    KINDS_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    parent_id: str
    include_archived: bool
    kinds: _containers.RepeatedScalarFieldContainer[OrganizationKind]
    page: _common_pb2.PageRequest
    def __init__(self, parent_id: _Optional[str] = ..., include_archived: _Optional[bool] = ..., kinds: _Optional[_Iterable[_Union[OrganizationKind, str]]] = ..., page: _Optional[_Union[_common_pb2.PageRequest, _Mapping]] = ...) -> None: ...

class ListChildrenResponse(_message.Message):
    __slots__ = ("organizations", "page")
    ORGANIZATIONS_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    organizations: _containers.RepeatedCompositeFieldContainer[Organization]
    page: _common_pb2.PageInfo
    def __init__(self, organizations: _Optional[_Iterable[_Union[Organization, _Mapping]]] = ..., page: _Optional[_Union[_common_pb2.PageInfo, _Mapping]] = ...) -> None: ...

class GetAncestorsRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class GetAncestorsResponse(_message.Message):
    __slots__ = ("ancestors",)
    ANCESTORS_FIELD_NUMBER: _ClassVar[int]
    ancestors: _containers.RepeatedCompositeFieldContainer[Organization]
    def __init__(self, ancestors: _Optional[_Iterable[_Union[Organization, _Mapping]]] = ...) -> None: ...

class ListSubtreeRequest(_message.Message):
    __slots__ = ("root_id", "include_root", "include_archived", "kinds", "max_depth", "page")
    ROOT_ID_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_ROOT_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_ARCHIVED_FIELD_NUMBER: _ClassVar[int]
    KINDS_FIELD_NUMBER: _ClassVar[int]
    MAX_DEPTH_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    root_id: str
    include_root: bool
    include_archived: bool
    kinds: _containers.RepeatedScalarFieldContainer[OrganizationKind]
    max_depth: int
    page: _common_pb2.PageRequest
    def __init__(self, root_id: _Optional[str] = ..., include_root: _Optional[bool] = ..., include_archived: _Optional[bool] = ..., kinds: _Optional[_Iterable[_Union[OrganizationKind, str]]] = ..., max_depth: _Optional[int] = ..., page: _Optional[_Union[_common_pb2.PageRequest, _Mapping]] = ...) -> None: ...

class ListSubtreeResponse(_message.Message):
    __slots__ = ("organizations", "page")
    ORGANIZATIONS_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    organizations: _containers.RepeatedCompositeFieldContainer[Organization]
    page: _common_pb2.PageInfo
    def __init__(self, organizations: _Optional[_Iterable[_Union[Organization, _Mapping]]] = ..., page: _Optional[_Union[_common_pb2.PageInfo, _Mapping]] = ...) -> None: ...

class SearchOrganizationsRequest(_message.Message):
    __slots__ = ("query", "kinds", "within_id", "include_archived", "page")
    QUERY_FIELD_NUMBER: _ClassVar[int]
    KINDS_FIELD_NUMBER: _ClassVar[int]
    WITHIN_ID_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_ARCHIVED_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    query: str
    kinds: _containers.RepeatedScalarFieldContainer[OrganizationKind]
    within_id: str
    include_archived: bool
    page: _common_pb2.PageRequest
    def __init__(self, query: _Optional[str] = ..., kinds: _Optional[_Iterable[_Union[OrganizationKind, str]]] = ..., within_id: _Optional[str] = ..., include_archived: _Optional[bool] = ..., page: _Optional[_Union[_common_pb2.PageRequest, _Mapping]] = ...) -> None: ...

class SearchOrganizationsResponse(_message.Message):
    __slots__ = ("organizations", "page")
    ORGANIZATIONS_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    organizations: _containers.RepeatedCompositeFieldContainer[Organization]
    page: _common_pb2.PageInfo
    def __init__(self, organizations: _Optional[_Iterable[_Union[Organization, _Mapping]]] = ..., page: _Optional[_Union[_common_pb2.PageInfo, _Mapping]] = ...) -> None: ...

class ListRespondersRequest(_message.Message):
    __slots__ = ("category", "org_id")
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    ORG_ID_FIELD_NUMBER: _ClassVar[int]
    category: str
    org_id: str
    def __init__(self, category: _Optional[str] = ..., org_id: _Optional[str] = ...) -> None: ...

class Responder(_message.Message):
    __slots__ = ("organization", "served_org_id", "distance")
    ORGANIZATION_FIELD_NUMBER: _ClassVar[int]
    SERVED_ORG_ID_FIELD_NUMBER: _ClassVar[int]
    DISTANCE_FIELD_NUMBER: _ClassVar[int]
    organization: Organization
    served_org_id: str
    distance: int
    def __init__(self, organization: _Optional[_Union[Organization, _Mapping]] = ..., served_org_id: _Optional[str] = ..., distance: _Optional[int] = ...) -> None: ...

class ListRespondersResponse(_message.Message):
    __slots__ = ("responders",)
    RESPONDERS_FIELD_NUMBER: _ClassVar[int]
    responders: _containers.RepeatedCompositeFieldContainer[Responder]
    def __init__(self, responders: _Optional[_Iterable[_Union[Responder, _Mapping]]] = ...) -> None: ...

class CreateGridRequest(_message.Message):
    __slots__ = ("idempotency_key", "organization_id", "code", "name", "shape", "households_count", "leader_person_id", "worker_person_ids")
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    ORGANIZATION_ID_FIELD_NUMBER: _ClassVar[int]
    CODE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    SHAPE_FIELD_NUMBER: _ClassVar[int]
    HOUSEHOLDS_COUNT_FIELD_NUMBER: _ClassVar[int]
    LEADER_PERSON_ID_FIELD_NUMBER: _ClassVar[int]
    WORKER_PERSON_IDS_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    organization_id: str
    code: str
    name: _common_pb2.LocalizedText
    shape: GridShape
    households_count: int
    leader_person_id: str
    worker_person_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, idempotency_key: _Optional[str] = ..., organization_id: _Optional[str] = ..., code: _Optional[str] = ..., name: _Optional[_Union[_common_pb2.LocalizedText, _Mapping]] = ..., shape: _Optional[_Union[GridShape, _Mapping]] = ..., households_count: _Optional[int] = ..., leader_person_id: _Optional[str] = ..., worker_person_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class UpdateGridRequest(_message.Message):
    __slots__ = ("id", "expected_version", "update_mask", "code", "name", "shape", "households_count", "leader_person_id", "worker_person_ids")
    ID_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_VERSION_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    CODE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    SHAPE_FIELD_NUMBER: _ClassVar[int]
    HOUSEHOLDS_COUNT_FIELD_NUMBER: _ClassVar[int]
    LEADER_PERSON_ID_FIELD_NUMBER: _ClassVar[int]
    WORKER_PERSON_IDS_FIELD_NUMBER: _ClassVar[int]
    id: str
    expected_version: int
    update_mask: _field_mask_pb2.FieldMask
    code: str
    name: _common_pb2.LocalizedText
    shape: GridShape
    households_count: int
    leader_person_id: str
    worker_person_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, id: _Optional[str] = ..., expected_version: _Optional[int] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ..., code: _Optional[str] = ..., name: _Optional[_Union[_common_pb2.LocalizedText, _Mapping]] = ..., shape: _Optional[_Union[GridShape, _Mapping]] = ..., households_count: _Optional[int] = ..., leader_person_id: _Optional[str] = ..., worker_person_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class GetGridRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class ListGridsRequest(_message.Message):
    __slots__ = ("organization_id", "include_archived", "person_id", "page")
    ORGANIZATION_ID_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_ARCHIVED_FIELD_NUMBER: _ClassVar[int]
    PERSON_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    organization_id: str
    include_archived: bool
    person_id: str
    page: _common_pb2.PageRequest
    def __init__(self, organization_id: _Optional[str] = ..., include_archived: _Optional[bool] = ..., person_id: _Optional[str] = ..., page: _Optional[_Union[_common_pb2.PageRequest, _Mapping]] = ...) -> None: ...

class ListGridsResponse(_message.Message):
    __slots__ = ("grids", "page")
    GRIDS_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    grids: _containers.RepeatedCompositeFieldContainer[Grid]
    page: _common_pb2.PageInfo
    def __init__(self, grids: _Optional[_Iterable[_Union[Grid, _Mapping]]] = ..., page: _Optional[_Union[_common_pb2.PageInfo, _Mapping]] = ...) -> None: ...

class LocateGridRequest(_message.Message):
    __slots__ = ("point",)
    POINT_FIELD_NUMBER: _ClassVar[int]
    point: _common_pb2.GeoPoint
    def __init__(self, point: _Optional[_Union[_common_pb2.GeoPoint, _Mapping]] = ...) -> None: ...

class LocateGridResponse(_message.Message):
    __slots__ = ("found", "grid", "community", "street", "owner")
    FOUND_FIELD_NUMBER: _ClassVar[int]
    GRID_FIELD_NUMBER: _ClassVar[int]
    COMMUNITY_FIELD_NUMBER: _ClassVar[int]
    STREET_FIELD_NUMBER: _ClassVar[int]
    OWNER_FIELD_NUMBER: _ClassVar[int]
    found: bool
    grid: Grid
    community: Organization
    street: Organization
    owner: Organization
    def __init__(self, found: _Optional[bool] = ..., grid: _Optional[_Union[Grid, _Mapping]] = ..., community: _Optional[_Union[Organization, _Mapping]] = ..., street: _Optional[_Union[Organization, _Mapping]] = ..., owner: _Optional[_Union[Organization, _Mapping]] = ...) -> None: ...

class CreateStationRequest(_message.Message):
    __slots__ = ("idempotency_key", "organization_id", "kind", "code", "name", "address", "location", "opening_hours", "capacity", "duty_roster", "contacts")
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    ORGANIZATION_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    CODE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    ADDRESS_FIELD_NUMBER: _ClassVar[int]
    LOCATION_FIELD_NUMBER: _ClassVar[int]
    OPENING_HOURS_FIELD_NUMBER: _ClassVar[int]
    CAPACITY_FIELD_NUMBER: _ClassVar[int]
    DUTY_ROSTER_FIELD_NUMBER: _ClassVar[int]
    CONTACTS_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    organization_id: str
    kind: StationKind
    code: str
    name: _common_pb2.LocalizedText
    address: _common_pb2.Address
    location: _common_pb2.GeoPoint
    opening_hours: _containers.RepeatedCompositeFieldContainer[_common_pb2.TimeWindow]
    capacity: int
    duty_roster: _containers.RepeatedCompositeFieldContainer[DutyRosterEntry]
    contacts: _containers.RepeatedCompositeFieldContainer[_common_pb2.Contact]
    def __init__(self, idempotency_key: _Optional[str] = ..., organization_id: _Optional[str] = ..., kind: _Optional[_Union[StationKind, str]] = ..., code: _Optional[str] = ..., name: _Optional[_Union[_common_pb2.LocalizedText, _Mapping]] = ..., address: _Optional[_Union[_common_pb2.Address, _Mapping]] = ..., location: _Optional[_Union[_common_pb2.GeoPoint, _Mapping]] = ..., opening_hours: _Optional[_Iterable[_Union[_common_pb2.TimeWindow, _Mapping]]] = ..., capacity: _Optional[int] = ..., duty_roster: _Optional[_Iterable[_Union[DutyRosterEntry, _Mapping]]] = ..., contacts: _Optional[_Iterable[_Union[_common_pb2.Contact, _Mapping]]] = ...) -> None: ...

class UpdateStationRequest(_message.Message):
    __slots__ = ("id", "expected_version", "update_mask", "kind", "code", "name", "address", "location", "opening_hours", "capacity", "duty_roster", "contacts")
    ID_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_VERSION_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    CODE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    ADDRESS_FIELD_NUMBER: _ClassVar[int]
    LOCATION_FIELD_NUMBER: _ClassVar[int]
    OPENING_HOURS_FIELD_NUMBER: _ClassVar[int]
    CAPACITY_FIELD_NUMBER: _ClassVar[int]
    DUTY_ROSTER_FIELD_NUMBER: _ClassVar[int]
    CONTACTS_FIELD_NUMBER: _ClassVar[int]
    id: str
    expected_version: int
    update_mask: _field_mask_pb2.FieldMask
    kind: StationKind
    code: str
    name: _common_pb2.LocalizedText
    address: _common_pb2.Address
    location: _common_pb2.GeoPoint
    opening_hours: _containers.RepeatedCompositeFieldContainer[_common_pb2.TimeWindow]
    capacity: int
    duty_roster: _containers.RepeatedCompositeFieldContainer[DutyRosterEntry]
    contacts: _containers.RepeatedCompositeFieldContainer[_common_pb2.Contact]
    def __init__(self, id: _Optional[str] = ..., expected_version: _Optional[int] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ..., kind: _Optional[_Union[StationKind, str]] = ..., code: _Optional[str] = ..., name: _Optional[_Union[_common_pb2.LocalizedText, _Mapping]] = ..., address: _Optional[_Union[_common_pb2.Address, _Mapping]] = ..., location: _Optional[_Union[_common_pb2.GeoPoint, _Mapping]] = ..., opening_hours: _Optional[_Iterable[_Union[_common_pb2.TimeWindow, _Mapping]]] = ..., capacity: _Optional[int] = ..., duty_roster: _Optional[_Iterable[_Union[DutyRosterEntry, _Mapping]]] = ..., contacts: _Optional[_Iterable[_Union[_common_pb2.Contact, _Mapping]]] = ...) -> None: ...

class GetStationRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class ListStationsRequest(_message.Message):
    __slots__ = ("organization_id", "kinds", "include_archived", "page")
    ORGANIZATION_ID_FIELD_NUMBER: _ClassVar[int]
    KINDS_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_ARCHIVED_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    organization_id: str
    kinds: _containers.RepeatedScalarFieldContainer[StationKind]
    include_archived: bool
    page: _common_pb2.PageRequest
    def __init__(self, organization_id: _Optional[str] = ..., kinds: _Optional[_Iterable[_Union[StationKind, str]]] = ..., include_archived: _Optional[bool] = ..., page: _Optional[_Union[_common_pb2.PageRequest, _Mapping]] = ...) -> None: ...

class ListStationsResponse(_message.Message):
    __slots__ = ("stations", "page")
    STATIONS_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    stations: _containers.RepeatedCompositeFieldContainer[Station]
    page: _common_pb2.PageInfo
    def __init__(self, stations: _Optional[_Iterable[_Union[Station, _Mapping]]] = ..., page: _Optional[_Union[_common_pb2.PageInfo, _Mapping]] = ...) -> None: ...

class ScheduleStationEventRequest(_message.Message):
    __slots__ = ("idempotency_key", "station_id", "title", "description", "starts_at", "ends_at", "capacity")
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    STATION_ID_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    STARTS_AT_FIELD_NUMBER: _ClassVar[int]
    ENDS_AT_FIELD_NUMBER: _ClassVar[int]
    CAPACITY_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    station_id: str
    title: _common_pb2.LocalizedText
    description: str
    starts_at: _timestamp_pb2.Timestamp
    ends_at: _timestamp_pb2.Timestamp
    capacity: int
    def __init__(self, idempotency_key: _Optional[str] = ..., station_id: _Optional[str] = ..., title: _Optional[_Union[_common_pb2.LocalizedText, _Mapping]] = ..., description: _Optional[str] = ..., starts_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., ends_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., capacity: _Optional[int] = ...) -> None: ...

class SignUpForEventRequest(_message.Message):
    __slots__ = ("idempotency_key", "event_id", "person_id")
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    PERSON_ID_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    event_id: str
    person_id: str
    def __init__(self, idempotency_key: _Optional[str] = ..., event_id: _Optional[str] = ..., person_id: _Optional[str] = ...) -> None: ...

class SignUpForEventResponse(_message.Message):
    __slots__ = ("event", "already_signed_up")
    EVENT_FIELD_NUMBER: _ClassVar[int]
    ALREADY_SIGNED_UP_FIELD_NUMBER: _ClassVar[int]
    event: StationEvent
    already_signed_up: bool
    def __init__(self, event: _Optional[_Union[StationEvent, _Mapping]] = ..., already_signed_up: _Optional[bool] = ...) -> None: ...

class RecordAttendanceRequest(_message.Message):
    __slots__ = ("idempotency_key", "event_id", "attendance_count", "expected_version")
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    ATTENDANCE_COUNT_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_VERSION_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    event_id: str
    attendance_count: int
    expected_version: int
    def __init__(self, idempotency_key: _Optional[str] = ..., event_id: _Optional[str] = ..., attendance_count: _Optional[int] = ..., expected_version: _Optional[int] = ...) -> None: ...

class ListStationEventsRequest(_message.Message):
    __slots__ = ("station_id", "organization_id", "starts_after", "starts_before", "include_cancelled", "page")
    STATION_ID_FIELD_NUMBER: _ClassVar[int]
    ORGANIZATION_ID_FIELD_NUMBER: _ClassVar[int]
    STARTS_AFTER_FIELD_NUMBER: _ClassVar[int]
    STARTS_BEFORE_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_CANCELLED_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    station_id: str
    organization_id: str
    starts_after: _timestamp_pb2.Timestamp
    starts_before: _timestamp_pb2.Timestamp
    include_cancelled: bool
    page: _common_pb2.PageRequest
    def __init__(self, station_id: _Optional[str] = ..., organization_id: _Optional[str] = ..., starts_after: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., starts_before: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., include_cancelled: _Optional[bool] = ..., page: _Optional[_Union[_common_pb2.PageRequest, _Mapping]] = ...) -> None: ...

class ListStationEventsResponse(_message.Message):
    __slots__ = ("events", "page")
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    events: _containers.RepeatedCompositeFieldContainer[StationEvent]
    page: _common_pb2.PageInfo
    def __init__(self, events: _Optional[_Iterable[_Union[StationEvent, _Mapping]]] = ..., page: _Optional[_Union[_common_pb2.PageInfo, _Mapping]] = ...) -> None: ...

class GrantRoleRequest(_message.Message):
    __slots__ = ("idempotency_key", "person_id", "organization_id", "role")
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    PERSON_ID_FIELD_NUMBER: _ClassVar[int]
    ORGANIZATION_ID_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    person_id: str
    organization_id: str
    role: OrganizationRole
    def __init__(self, idempotency_key: _Optional[str] = ..., person_id: _Optional[str] = ..., organization_id: _Optional[str] = ..., role: _Optional[_Union[OrganizationRole, str]] = ...) -> None: ...

class RevokeRoleRequest(_message.Message):
    __slots__ = ("person_id", "organization_id", "role")
    PERSON_ID_FIELD_NUMBER: _ClassVar[int]
    ORGANIZATION_ID_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    person_id: str
    organization_id: str
    role: OrganizationRole
    def __init__(self, person_id: _Optional[str] = ..., organization_id: _Optional[str] = ..., role: _Optional[_Union[OrganizationRole, str]] = ...) -> None: ...

class RevokeRoleResponse(_message.Message):
    __slots__ = ("assignment", "was_active")
    ASSIGNMENT_FIELD_NUMBER: _ClassVar[int]
    WAS_ACTIVE_FIELD_NUMBER: _ClassVar[int]
    assignment: RoleAssignment
    was_active: bool
    def __init__(self, assignment: _Optional[_Union[RoleAssignment, _Mapping]] = ..., was_active: _Optional[bool] = ...) -> None: ...

class ListRolesRequest(_message.Message):
    __slots__ = ("person_id", "organization_id", "include_subtree", "roles", "include_revoked", "page")
    PERSON_ID_FIELD_NUMBER: _ClassVar[int]
    ORGANIZATION_ID_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_SUBTREE_FIELD_NUMBER: _ClassVar[int]
    ROLES_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_REVOKED_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    person_id: str
    organization_id: str
    include_subtree: bool
    roles: _containers.RepeatedScalarFieldContainer[OrganizationRole]
    include_revoked: bool
    page: _common_pb2.PageRequest
    def __init__(self, person_id: _Optional[str] = ..., organization_id: _Optional[str] = ..., include_subtree: _Optional[bool] = ..., roles: _Optional[_Iterable[_Union[OrganizationRole, str]]] = ..., include_revoked: _Optional[bool] = ..., page: _Optional[_Union[_common_pb2.PageRequest, _Mapping]] = ...) -> None: ...

class ListRolesResponse(_message.Message):
    __slots__ = ("assignments", "page")
    ASSIGNMENTS_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    assignments: _containers.RepeatedCompositeFieldContainer[RoleAssignment]
    page: _common_pb2.PageInfo
    def __init__(self, assignments: _Optional[_Iterable[_Union[RoleAssignment, _Mapping]]] = ..., page: _Optional[_Union[_common_pb2.PageInfo, _Mapping]] = ...) -> None: ...

class GetVisibleScopesRequest(_message.Message):
    __slots__ = ("person_id",)
    PERSON_ID_FIELD_NUMBER: _ClassVar[int]
    person_id: str
    def __init__(self, person_id: _Optional[str] = ...) -> None: ...

class VisibleScope(_message.Message):
    __slots__ = ("root_id", "root_kind", "root_name", "root_path", "roles", "nested")
    ROOT_ID_FIELD_NUMBER: _ClassVar[int]
    ROOT_KIND_FIELD_NUMBER: _ClassVar[int]
    ROOT_NAME_FIELD_NUMBER: _ClassVar[int]
    ROOT_PATH_FIELD_NUMBER: _ClassVar[int]
    ROLES_FIELD_NUMBER: _ClassVar[int]
    NESTED_FIELD_NUMBER: _ClassVar[int]
    root_id: str
    root_kind: OrganizationKind
    root_name: _common_pb2.LocalizedText
    root_path: _containers.RepeatedScalarFieldContainer[str]
    roles: _containers.RepeatedScalarFieldContainer[OrganizationRole]
    nested: bool
    def __init__(self, root_id: _Optional[str] = ..., root_kind: _Optional[_Union[OrganizationKind, str]] = ..., root_name: _Optional[_Union[_common_pb2.LocalizedText, _Mapping]] = ..., root_path: _Optional[_Iterable[str]] = ..., roles: _Optional[_Iterable[_Union[OrganizationRole, str]]] = ..., nested: _Optional[bool] = ...) -> None: ...

class GetVisibleScopesResponse(_message.Message):
    __slots__ = ("scopes", "root_ids")
    SCOPES_FIELD_NUMBER: _ClassVar[int]
    ROOT_IDS_FIELD_NUMBER: _ClassVar[int]
    scopes: _containers.RepeatedCompositeFieldContainer[VisibleScope]
    root_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, scopes: _Optional[_Iterable[_Union[VisibleScope, _Mapping]]] = ..., root_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class OrganizationCreated(_message.Message):
    __slots__ = ("header", "organization")
    HEADER_FIELD_NUMBER: _ClassVar[int]
    ORGANIZATION_FIELD_NUMBER: _ClassVar[int]
    header: _events_pb2.EventHeader
    organization: Organization
    def __init__(self, header: _Optional[_Union[_events_pb2.EventHeader, _Mapping]] = ..., organization: _Optional[_Union[Organization, _Mapping]] = ...) -> None: ...

class OrganizationUpdated(_message.Message):
    __slots__ = ("header", "organization", "changed_fields")
    HEADER_FIELD_NUMBER: _ClassVar[int]
    ORGANIZATION_FIELD_NUMBER: _ClassVar[int]
    CHANGED_FIELDS_FIELD_NUMBER: _ClassVar[int]
    header: _events_pb2.EventHeader
    organization: Organization
    changed_fields: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, header: _Optional[_Union[_events_pb2.EventHeader, _Mapping]] = ..., organization: _Optional[_Union[Organization, _Mapping]] = ..., changed_fields: _Optional[_Iterable[str]] = ...) -> None: ...

class OrganizationMoved(_message.Message):
    __slots__ = ("header", "organization", "old_parent_id", "new_parent_id", "old_path", "new_path", "moved_descendants")
    HEADER_FIELD_NUMBER: _ClassVar[int]
    ORGANIZATION_FIELD_NUMBER: _ClassVar[int]
    OLD_PARENT_ID_FIELD_NUMBER: _ClassVar[int]
    NEW_PARENT_ID_FIELD_NUMBER: _ClassVar[int]
    OLD_PATH_FIELD_NUMBER: _ClassVar[int]
    NEW_PATH_FIELD_NUMBER: _ClassVar[int]
    MOVED_DESCENDANTS_FIELD_NUMBER: _ClassVar[int]
    header: _events_pb2.EventHeader
    organization: Organization
    old_parent_id: str
    new_parent_id: str
    old_path: _containers.RepeatedScalarFieldContainer[str]
    new_path: _containers.RepeatedScalarFieldContainer[str]
    moved_descendants: int
    def __init__(self, header: _Optional[_Union[_events_pb2.EventHeader, _Mapping]] = ..., organization: _Optional[_Union[Organization, _Mapping]] = ..., old_parent_id: _Optional[str] = ..., new_parent_id: _Optional[str] = ..., old_path: _Optional[_Iterable[str]] = ..., new_path: _Optional[_Iterable[str]] = ..., moved_descendants: _Optional[int] = ...) -> None: ...

class OrganizationArchived(_message.Message):
    __slots__ = ("header", "organization", "reason", "cascade_root_id")
    HEADER_FIELD_NUMBER: _ClassVar[int]
    ORGANIZATION_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    CASCADE_ROOT_ID_FIELD_NUMBER: _ClassVar[int]
    header: _events_pb2.EventHeader
    organization: Organization
    reason: str
    cascade_root_id: str
    def __init__(self, header: _Optional[_Union[_events_pb2.EventHeader, _Mapping]] = ..., organization: _Optional[_Union[Organization, _Mapping]] = ..., reason: _Optional[str] = ..., cascade_root_id: _Optional[str] = ...) -> None: ...

class GridCreated(_message.Message):
    __slots__ = ("header", "grid")
    HEADER_FIELD_NUMBER: _ClassVar[int]
    GRID_FIELD_NUMBER: _ClassVar[int]
    header: _events_pb2.EventHeader
    grid: Grid
    def __init__(self, header: _Optional[_Union[_events_pb2.EventHeader, _Mapping]] = ..., grid: _Optional[_Union[Grid, _Mapping]] = ...) -> None: ...

class GridUpdated(_message.Message):
    __slots__ = ("header", "grid", "changed_fields")
    HEADER_FIELD_NUMBER: _ClassVar[int]
    GRID_FIELD_NUMBER: _ClassVar[int]
    CHANGED_FIELDS_FIELD_NUMBER: _ClassVar[int]
    header: _events_pb2.EventHeader
    grid: Grid
    changed_fields: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, header: _Optional[_Union[_events_pb2.EventHeader, _Mapping]] = ..., grid: _Optional[_Union[Grid, _Mapping]] = ..., changed_fields: _Optional[_Iterable[str]] = ...) -> None: ...

class StationCreated(_message.Message):
    __slots__ = ("header", "station")
    HEADER_FIELD_NUMBER: _ClassVar[int]
    STATION_FIELD_NUMBER: _ClassVar[int]
    header: _events_pb2.EventHeader
    station: Station
    def __init__(self, header: _Optional[_Union[_events_pb2.EventHeader, _Mapping]] = ..., station: _Optional[_Union[Station, _Mapping]] = ...) -> None: ...

class StationEventScheduled(_message.Message):
    __slots__ = ("header", "event")
    HEADER_FIELD_NUMBER: _ClassVar[int]
    EVENT_FIELD_NUMBER: _ClassVar[int]
    header: _events_pb2.EventHeader
    event: StationEvent
    def __init__(self, header: _Optional[_Union[_events_pb2.EventHeader, _Mapping]] = ..., event: _Optional[_Union[StationEvent, _Mapping]] = ...) -> None: ...

class RoleGranted(_message.Message):
    __slots__ = ("header", "assignment")
    HEADER_FIELD_NUMBER: _ClassVar[int]
    ASSIGNMENT_FIELD_NUMBER: _ClassVar[int]
    header: _events_pb2.EventHeader
    assignment: RoleAssignment
    def __init__(self, header: _Optional[_Union[_events_pb2.EventHeader, _Mapping]] = ..., assignment: _Optional[_Union[RoleAssignment, _Mapping]] = ...) -> None: ...

class RoleRevoked(_message.Message):
    __slots__ = ("header", "assignment")
    HEADER_FIELD_NUMBER: _ClassVar[int]
    ASSIGNMENT_FIELD_NUMBER: _ClassVar[int]
    header: _events_pb2.EventHeader
    assignment: RoleAssignment
    def __init__(self, header: _Optional[_Union[_events_pb2.EventHeader, _Mapping]] = ..., assignment: _Optional[_Union[RoleAssignment, _Mapping]] = ...) -> None: ...
