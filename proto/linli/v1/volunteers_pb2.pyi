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

class VolunteerStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    VOLUNTEER_STATUS_UNSPECIFIED: _ClassVar[VolunteerStatus]
    VOLUNTEER_STATUS_ACTIVE: _ClassVar[VolunteerStatus]
    VOLUNTEER_STATUS_SUSPENDED: _ClassVar[VolunteerStatus]

class LedgerEntryKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    LEDGER_ENTRY_KIND_UNSPECIFIED: _ClassVar[LedgerEntryKind]
    LEDGER_ENTRY_KIND_HOME: _ClassVar[LedgerEntryKind]
    LEDGER_ENTRY_KIND_WORKPLACE: _ClassVar[LedgerEntryKind]
    LEDGER_ENTRY_KIND_CORRECTION: _ClassVar[LedgerEntryKind]

class LeaderboardPeriod(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    LEADERBOARD_PERIOD_UNSPECIFIED: _ClassVar[LeaderboardPeriod]
    LEADERBOARD_PERIOD_WEEK: _ClassVar[LeaderboardPeriod]
    LEADERBOARD_PERIOD_MONTH: _ClassVar[LeaderboardPeriod]
    LEADERBOARD_PERIOD_QUARTER: _ClassVar[LeaderboardPeriod]
    LEADERBOARD_PERIOD_YEAR: _ClassVar[LeaderboardPeriod]
    LEADERBOARD_PERIOD_ALL_TIME: _ClassVar[LeaderboardPeriod]
VOLUNTEER_STATUS_UNSPECIFIED: VolunteerStatus
VOLUNTEER_STATUS_ACTIVE: VolunteerStatus
VOLUNTEER_STATUS_SUSPENDED: VolunteerStatus
LEDGER_ENTRY_KIND_UNSPECIFIED: LedgerEntryKind
LEDGER_ENTRY_KIND_HOME: LedgerEntryKind
LEDGER_ENTRY_KIND_WORKPLACE: LedgerEntryKind
LEDGER_ENTRY_KIND_CORRECTION: LedgerEntryKind
LEADERBOARD_PERIOD_UNSPECIFIED: LeaderboardPeriod
LEADERBOARD_PERIOD_WEEK: LeaderboardPeriod
LEADERBOARD_PERIOD_MONTH: LeaderboardPeriod
LEADERBOARD_PERIOD_QUARTER: LeaderboardPeriod
LEADERBOARD_PERIOD_YEAR: LeaderboardPeriod
LEADERBOARD_PERIOD_ALL_TIME: LeaderboardPeriod

class Volunteer(_message.Message):
    __slots__ = ("id", "person_id", "display_name", "phone", "home_community_id", "workplace_community_id", "skills", "posts", "languages", "service_radius_km", "home", "availability", "max_concurrent_tasks", "open_tasks", "status", "team_ids", "version", "created_at", "updated_at", "suspended_at", "suspension_reason")
    ID_FIELD_NUMBER: _ClassVar[int]
    PERSON_ID_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    PHONE_FIELD_NUMBER: _ClassVar[int]
    HOME_COMMUNITY_ID_FIELD_NUMBER: _ClassVar[int]
    WORKPLACE_COMMUNITY_ID_FIELD_NUMBER: _ClassVar[int]
    SKILLS_FIELD_NUMBER: _ClassVar[int]
    POSTS_FIELD_NUMBER: _ClassVar[int]
    LANGUAGES_FIELD_NUMBER: _ClassVar[int]
    SERVICE_RADIUS_KM_FIELD_NUMBER: _ClassVar[int]
    HOME_FIELD_NUMBER: _ClassVar[int]
    AVAILABILITY_FIELD_NUMBER: _ClassVar[int]
    MAX_CONCURRENT_TASKS_FIELD_NUMBER: _ClassVar[int]
    OPEN_TASKS_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    TEAM_IDS_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    SUSPENDED_AT_FIELD_NUMBER: _ClassVar[int]
    SUSPENSION_REASON_FIELD_NUMBER: _ClassVar[int]
    id: str
    person_id: str
    display_name: str
    phone: str
    home_community_id: str
    workplace_community_id: str
    skills: _containers.RepeatedScalarFieldContainer[str]
    posts: _containers.RepeatedScalarFieldContainer[str]
    languages: _containers.RepeatedScalarFieldContainer[str]
    service_radius_km: float
    home: _common_pb2.GeoPoint
    availability: _containers.RepeatedCompositeFieldContainer[_common_pb2.TimeWindow]
    max_concurrent_tasks: int
    open_tasks: int
    status: VolunteerStatus
    team_ids: _containers.RepeatedScalarFieldContainer[str]
    version: int
    created_at: _timestamp_pb2.Timestamp
    updated_at: _timestamp_pb2.Timestamp
    suspended_at: _timestamp_pb2.Timestamp
    suspension_reason: str
    def __init__(self, id: _Optional[str] = ..., person_id: _Optional[str] = ..., display_name: _Optional[str] = ..., phone: _Optional[str] = ..., home_community_id: _Optional[str] = ..., workplace_community_id: _Optional[str] = ..., skills: _Optional[_Iterable[str]] = ..., posts: _Optional[_Iterable[str]] = ..., languages: _Optional[_Iterable[str]] = ..., service_radius_km: _Optional[float] = ..., home: _Optional[_Union[_common_pb2.GeoPoint, _Mapping]] = ..., availability: _Optional[_Iterable[_Union[_common_pb2.TimeWindow, _Mapping]]] = ..., max_concurrent_tasks: _Optional[int] = ..., open_tasks: _Optional[int] = ..., status: _Optional[_Union[VolunteerStatus, str]] = ..., team_ids: _Optional[_Iterable[str]] = ..., version: _Optional[int] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., suspended_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., suspension_reason: _Optional[str] = ...) -> None: ...

class Post(_message.Message):
    __slots__ = ("code", "name")
    CODE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    code: str
    name: _common_pb2.LocalizedText
    def __init__(self, code: _Optional[str] = ..., name: _Optional[_Union[_common_pb2.LocalizedText, _Mapping]] = ...) -> None: ...

class Skill(_message.Message):
    __slots__ = ("code", "name", "group")
    CODE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    GROUP_FIELD_NUMBER: _ClassVar[int]
    code: str
    name: _common_pb2.LocalizedText
    group: str
    def __init__(self, code: _Optional[str] = ..., name: _Optional[_Union[_common_pb2.LocalizedText, _Mapping]] = ..., group: _Optional[str] = ...) -> None: ...

class TeamBadge(_message.Message):
    __slots__ = ("team_id", "name", "leader")
    TEAM_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    LEADER_FIELD_NUMBER: _ClassVar[int]
    team_id: str
    name: str
    leader: bool
    def __init__(self, team_id: _Optional[str] = ..., name: _Optional[str] = ..., leader: _Optional[bool] = ...) -> None: ...

class IdentityCard(_message.Message):
    __slots__ = ("volunteer_id", "display_name", "home_community_id", "teams", "posts", "active", "member_since")
    VOLUNTEER_ID_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    HOME_COMMUNITY_ID_FIELD_NUMBER: _ClassVar[int]
    TEAMS_FIELD_NUMBER: _ClassVar[int]
    POSTS_FIELD_NUMBER: _ClassVar[int]
    ACTIVE_FIELD_NUMBER: _ClassVar[int]
    MEMBER_SINCE_FIELD_NUMBER: _ClassVar[int]
    volunteer_id: str
    display_name: str
    home_community_id: str
    teams: _containers.RepeatedCompositeFieldContainer[TeamBadge]
    posts: _containers.RepeatedCompositeFieldContainer[Post]
    active: bool
    member_since: _timestamp_pb2.Timestamp
    def __init__(self, volunteer_id: _Optional[str] = ..., display_name: _Optional[str] = ..., home_community_id: _Optional[str] = ..., teams: _Optional[_Iterable[_Union[TeamBadge, _Mapping]]] = ..., posts: _Optional[_Iterable[_Union[Post, _Mapping]]] = ..., active: _Optional[bool] = ..., member_since: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Team(_message.Message):
    __slots__ = ("id", "name", "leader_volunteer_id", "focus", "owning_organization_id", "rapid_response", "member_ids", "version", "created_at", "updated_at")
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    LEADER_VOLUNTEER_ID_FIELD_NUMBER: _ClassVar[int]
    FOCUS_FIELD_NUMBER: _ClassVar[int]
    OWNING_ORGANIZATION_ID_FIELD_NUMBER: _ClassVar[int]
    RAPID_RESPONSE_FIELD_NUMBER: _ClassVar[int]
    MEMBER_IDS_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    id: str
    name: str
    leader_volunteer_id: str
    focus: str
    owning_organization_id: str
    rapid_response: bool
    member_ids: _containers.RepeatedScalarFieldContainer[str]
    version: int
    created_at: _timestamp_pb2.Timestamp
    updated_at: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., name: _Optional[str] = ..., leader_volunteer_id: _Optional[str] = ..., focus: _Optional[str] = ..., owning_organization_id: _Optional[str] = ..., rapid_response: _Optional[bool] = ..., member_ids: _Optional[_Iterable[str]] = ..., version: _Optional[int] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class TeamRoster(_message.Message):
    __slots__ = ("team", "members")
    TEAM_FIELD_NUMBER: _ClassVar[int]
    MEMBERS_FIELD_NUMBER: _ClassVar[int]
    team: Team
    members: _containers.RepeatedCompositeFieldContainer[IdentityCard]
    def __init__(self, team: _Optional[_Union[Team, _Mapping]] = ..., members: _Optional[_Iterable[_Union[IdentityCard, _Mapping]]] = ...) -> None: ...

class LedgerEntry(_message.Message):
    __slots__ = ("id", "volunteer_id", "request_id", "hours", "points", "credited_community_id", "kind", "cause_event_id", "rating", "reason", "corrects_entry_id", "occurred_at", "created_at", "recorded_by")
    ID_FIELD_NUMBER: _ClassVar[int]
    VOLUNTEER_ID_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    HOURS_FIELD_NUMBER: _ClassVar[int]
    POINTS_FIELD_NUMBER: _ClassVar[int]
    CREDITED_COMMUNITY_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    CAUSE_EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    RATING_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    CORRECTS_ENTRY_ID_FIELD_NUMBER: _ClassVar[int]
    OCCURRED_AT_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    RECORDED_BY_FIELD_NUMBER: _ClassVar[int]
    id: str
    volunteer_id: str
    request_id: str
    hours: float
    points: int
    credited_community_id: str
    kind: LedgerEntryKind
    cause_event_id: str
    rating: int
    reason: str
    corrects_entry_id: str
    occurred_at: _timestamp_pb2.Timestamp
    created_at: _timestamp_pb2.Timestamp
    recorded_by: _common_pb2.Actor
    def __init__(self, id: _Optional[str] = ..., volunteer_id: _Optional[str] = ..., request_id: _Optional[str] = ..., hours: _Optional[float] = ..., points: _Optional[int] = ..., credited_community_id: _Optional[str] = ..., kind: _Optional[_Union[LedgerEntryKind, str]] = ..., cause_event_id: _Optional[str] = ..., rating: _Optional[int] = ..., reason: _Optional[str] = ..., corrects_entry_id: _Optional[str] = ..., occurred_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., recorded_by: _Optional[_Union[_common_pb2.Actor, _Mapping]] = ...) -> None: ...

class CommunityPoints(_message.Message):
    __slots__ = ("community_id", "hours", "points")
    COMMUNITY_ID_FIELD_NUMBER: _ClassVar[int]
    HOURS_FIELD_NUMBER: _ClassVar[int]
    POINTS_FIELD_NUMBER: _ClassVar[int]
    community_id: str
    hours: float
    points: int
    def __init__(self, community_id: _Optional[str] = ..., hours: _Optional[float] = ..., points: _Optional[int] = ...) -> None: ...

class PointsBalance(_message.Message):
    __slots__ = ("volunteer_id", "service_hours", "total_points", "communities", "entry_count")
    VOLUNTEER_ID_FIELD_NUMBER: _ClassVar[int]
    SERVICE_HOURS_FIELD_NUMBER: _ClassVar[int]
    TOTAL_POINTS_FIELD_NUMBER: _ClassVar[int]
    COMMUNITIES_FIELD_NUMBER: _ClassVar[int]
    ENTRY_COUNT_FIELD_NUMBER: _ClassVar[int]
    volunteer_id: str
    service_hours: float
    total_points: int
    communities: _containers.RepeatedCompositeFieldContainer[CommunityPoints]
    entry_count: int
    def __init__(self, volunteer_id: _Optional[str] = ..., service_hours: _Optional[float] = ..., total_points: _Optional[int] = ..., communities: _Optional[_Iterable[_Union[CommunityPoints, _Mapping]]] = ..., entry_count: _Optional[int] = ...) -> None: ...

class LeaderboardRow(_message.Message):
    __slots__ = ("rank", "volunteer_id", "display_name", "points", "hours")
    RANK_FIELD_NUMBER: _ClassVar[int]
    VOLUNTEER_ID_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    POINTS_FIELD_NUMBER: _ClassVar[int]
    HOURS_FIELD_NUMBER: _ClassVar[int]
    rank: int
    volunteer_id: str
    display_name: str
    points: int
    hours: float
    def __init__(self, rank: _Optional[int] = ..., volunteer_id: _Optional[str] = ..., display_name: _Optional[str] = ..., points: _Optional[int] = ..., hours: _Optional[float] = ...) -> None: ...

class Leaderboard(_message.Message):
    __slots__ = ("community_id", "period", "period_start", "period_end", "rows")
    COMMUNITY_ID_FIELD_NUMBER: _ClassVar[int]
    PERIOD_FIELD_NUMBER: _ClassVar[int]
    PERIOD_START_FIELD_NUMBER: _ClassVar[int]
    PERIOD_END_FIELD_NUMBER: _ClassVar[int]
    ROWS_FIELD_NUMBER: _ClassVar[int]
    community_id: str
    period: LeaderboardPeriod
    period_start: _timestamp_pb2.Timestamp
    period_end: _timestamp_pb2.Timestamp
    rows: _containers.RepeatedCompositeFieldContainer[LeaderboardRow]
    def __init__(self, community_id: _Optional[str] = ..., period: _Optional[_Union[LeaderboardPeriod, str]] = ..., period_start: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., period_end: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., rows: _Optional[_Iterable[_Union[LeaderboardRow, _Mapping]]] = ...) -> None: ...

class ScoreBreakdown(_message.Message):
    __slots__ = ("skill_fit", "distance", "availability", "load", "fairness", "total")
    SKILL_FIT_FIELD_NUMBER: _ClassVar[int]
    DISTANCE_FIELD_NUMBER: _ClassVar[int]
    AVAILABILITY_FIELD_NUMBER: _ClassVar[int]
    LOAD_FIELD_NUMBER: _ClassVar[int]
    FAIRNESS_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    skill_fit: float
    distance: float
    availability: float
    load: float
    fairness: float
    total: float
    def __init__(self, skill_fit: _Optional[float] = ..., distance: _Optional[float] = ..., availability: _Optional[float] = ..., load: _Optional[float] = ..., fairness: _Optional[float] = ..., total: _Optional[float] = ...) -> None: ...

class MatchCandidate(_message.Message):
    __slots__ = ("volunteer_id", "score", "distance_km", "breakdown")
    VOLUNTEER_ID_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    DISTANCE_KM_FIELD_NUMBER: _ClassVar[int]
    BREAKDOWN_FIELD_NUMBER: _ClassVar[int]
    volunteer_id: str
    score: float
    distance_km: float
    breakdown: ScoreBreakdown
    def __init__(self, volunteer_id: _Optional[str] = ..., score: _Optional[float] = ..., distance_km: _Optional[float] = ..., breakdown: _Optional[_Union[ScoreBreakdown, _Mapping]] = ...) -> None: ...

class RegisterVolunteerRequest(_message.Message):
    __slots__ = ("idempotency_key", "person_id", "display_name", "phone", "home_community_id", "workplace_community_id", "skills", "posts", "languages", "service_radius_km", "home", "availability", "max_concurrent_tasks")
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    PERSON_ID_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    PHONE_FIELD_NUMBER: _ClassVar[int]
    HOME_COMMUNITY_ID_FIELD_NUMBER: _ClassVar[int]
    WORKPLACE_COMMUNITY_ID_FIELD_NUMBER: _ClassVar[int]
    SKILLS_FIELD_NUMBER: _ClassVar[int]
    POSTS_FIELD_NUMBER: _ClassVar[int]
    LANGUAGES_FIELD_NUMBER: _ClassVar[int]
    SERVICE_RADIUS_KM_FIELD_NUMBER: _ClassVar[int]
    HOME_FIELD_NUMBER: _ClassVar[int]
    AVAILABILITY_FIELD_NUMBER: _ClassVar[int]
    MAX_CONCURRENT_TASKS_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    person_id: str
    display_name: str
    phone: str
    home_community_id: str
    workplace_community_id: str
    skills: _containers.RepeatedScalarFieldContainer[str]
    posts: _containers.RepeatedScalarFieldContainer[str]
    languages: _containers.RepeatedScalarFieldContainer[str]
    service_radius_km: float
    home: _common_pb2.GeoPoint
    availability: _containers.RepeatedCompositeFieldContainer[_common_pb2.TimeWindow]
    max_concurrent_tasks: int
    def __init__(self, idempotency_key: _Optional[str] = ..., person_id: _Optional[str] = ..., display_name: _Optional[str] = ..., phone: _Optional[str] = ..., home_community_id: _Optional[str] = ..., workplace_community_id: _Optional[str] = ..., skills: _Optional[_Iterable[str]] = ..., posts: _Optional[_Iterable[str]] = ..., languages: _Optional[_Iterable[str]] = ..., service_radius_km: _Optional[float] = ..., home: _Optional[_Union[_common_pb2.GeoPoint, _Mapping]] = ..., availability: _Optional[_Iterable[_Union[_common_pb2.TimeWindow, _Mapping]]] = ..., max_concurrent_tasks: _Optional[int] = ...) -> None: ...

class UpdateVolunteerRequest(_message.Message):
    __slots__ = ("id", "expected_version", "update_mask", "display_name", "phone", "home_community_id", "workplace_community_id", "skills", "posts", "languages", "service_radius_km", "home", "availability", "max_concurrent_tasks")
    ID_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_VERSION_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    PHONE_FIELD_NUMBER: _ClassVar[int]
    HOME_COMMUNITY_ID_FIELD_NUMBER: _ClassVar[int]
    WORKPLACE_COMMUNITY_ID_FIELD_NUMBER: _ClassVar[int]
    SKILLS_FIELD_NUMBER: _ClassVar[int]
    POSTS_FIELD_NUMBER: _ClassVar[int]
    LANGUAGES_FIELD_NUMBER: _ClassVar[int]
    SERVICE_RADIUS_KM_FIELD_NUMBER: _ClassVar[int]
    HOME_FIELD_NUMBER: _ClassVar[int]
    AVAILABILITY_FIELD_NUMBER: _ClassVar[int]
    MAX_CONCURRENT_TASKS_FIELD_NUMBER: _ClassVar[int]
    id: str
    expected_version: int
    update_mask: _field_mask_pb2.FieldMask
    display_name: str
    phone: str
    home_community_id: str
    workplace_community_id: str
    skills: _containers.RepeatedScalarFieldContainer[str]
    posts: _containers.RepeatedScalarFieldContainer[str]
    languages: _containers.RepeatedScalarFieldContainer[str]
    service_radius_km: float
    home: _common_pb2.GeoPoint
    availability: _containers.RepeatedCompositeFieldContainer[_common_pb2.TimeWindow]
    max_concurrent_tasks: int
    def __init__(self, id: _Optional[str] = ..., expected_version: _Optional[int] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ..., display_name: _Optional[str] = ..., phone: _Optional[str] = ..., home_community_id: _Optional[str] = ..., workplace_community_id: _Optional[str] = ..., skills: _Optional[_Iterable[str]] = ..., posts: _Optional[_Iterable[str]] = ..., languages: _Optional[_Iterable[str]] = ..., service_radius_km: _Optional[float] = ..., home: _Optional[_Union[_common_pb2.GeoPoint, _Mapping]] = ..., availability: _Optional[_Iterable[_Union[_common_pb2.TimeWindow, _Mapping]]] = ..., max_concurrent_tasks: _Optional[int] = ...) -> None: ...

class SuspendVolunteerRequest(_message.Message):
    __slots__ = ("id", "expected_version", "reason")
    ID_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_VERSION_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    id: str
    expected_version: int
    reason: str
    def __init__(self, id: _Optional[str] = ..., expected_version: _Optional[int] = ..., reason: _Optional[str] = ...) -> None: ...

class ReactivateVolunteerRequest(_message.Message):
    __slots__ = ("id", "expected_version")
    ID_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_VERSION_FIELD_NUMBER: _ClassVar[int]
    id: str
    expected_version: int
    def __init__(self, id: _Optional[str] = ..., expected_version: _Optional[int] = ...) -> None: ...

class GetVolunteerRequest(_message.Message):
    __slots__ = ("id", "person_id")
    ID_FIELD_NUMBER: _ClassVar[int]
    PERSON_ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    person_id: str
    def __init__(self, id: _Optional[str] = ..., person_id: _Optional[str] = ...) -> None: ...

class GetIdentityCardRequest(_message.Message):
    __slots__ = ("volunteer_id",)
    VOLUNTEER_ID_FIELD_NUMBER: _ClassVar[int]
    volunteer_id: str
    def __init__(self, volunteer_id: _Optional[str] = ...) -> None: ...

class SearchVolunteersRequest(_message.Message):
    __slots__ = ("community_id", "skill", "team_id", "post", "include_suspended", "page")
    COMMUNITY_ID_FIELD_NUMBER: _ClassVar[int]
    SKILL_FIELD_NUMBER: _ClassVar[int]
    TEAM_ID_FIELD_NUMBER: _ClassVar[int]
    POST_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_SUSPENDED_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    community_id: str
    skill: str
    team_id: str
    post: str
    include_suspended: bool
    page: _common_pb2.PageRequest
    def __init__(self, community_id: _Optional[str] = ..., skill: _Optional[str] = ..., team_id: _Optional[str] = ..., post: _Optional[str] = ..., include_suspended: _Optional[bool] = ..., page: _Optional[_Union[_common_pb2.PageRequest, _Mapping]] = ...) -> None: ...

class SearchVolunteersResponse(_message.Message):
    __slots__ = ("volunteers", "page")
    VOLUNTEERS_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    volunteers: _containers.RepeatedCompositeFieldContainer[Volunteer]
    page: _common_pb2.PageInfo
    def __init__(self, volunteers: _Optional[_Iterable[_Union[Volunteer, _Mapping]]] = ..., page: _Optional[_Union[_common_pb2.PageInfo, _Mapping]] = ...) -> None: ...

class CreateTeamRequest(_message.Message):
    __slots__ = ("idempotency_key", "name", "leader_volunteer_id", "focus", "owning_organization_id", "rapid_response")
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    LEADER_VOLUNTEER_ID_FIELD_NUMBER: _ClassVar[int]
    FOCUS_FIELD_NUMBER: _ClassVar[int]
    OWNING_ORGANIZATION_ID_FIELD_NUMBER: _ClassVar[int]
    RAPID_RESPONSE_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    name: str
    leader_volunteer_id: str
    focus: str
    owning_organization_id: str
    rapid_response: bool
    def __init__(self, idempotency_key: _Optional[str] = ..., name: _Optional[str] = ..., leader_volunteer_id: _Optional[str] = ..., focus: _Optional[str] = ..., owning_organization_id: _Optional[str] = ..., rapid_response: _Optional[bool] = ...) -> None: ...

class JoinTeamRequest(_message.Message):
    __slots__ = ("team_id", "volunteer_id", "expected_version")
    TEAM_ID_FIELD_NUMBER: _ClassVar[int]
    VOLUNTEER_ID_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_VERSION_FIELD_NUMBER: _ClassVar[int]
    team_id: str
    volunteer_id: str
    expected_version: int
    def __init__(self, team_id: _Optional[str] = ..., volunteer_id: _Optional[str] = ..., expected_version: _Optional[int] = ...) -> None: ...

class LeaveTeamRequest(_message.Message):
    __slots__ = ("team_id", "volunteer_id", "expected_version")
    TEAM_ID_FIELD_NUMBER: _ClassVar[int]
    VOLUNTEER_ID_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_VERSION_FIELD_NUMBER: _ClassVar[int]
    team_id: str
    volunteer_id: str
    expected_version: int
    def __init__(self, team_id: _Optional[str] = ..., volunteer_id: _Optional[str] = ..., expected_version: _Optional[int] = ...) -> None: ...

class GetTeamRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class ListTeamsRequest(_message.Message):
    __slots__ = ("owning_organization_id", "focus", "rapid_response_only", "page")
    OWNING_ORGANIZATION_ID_FIELD_NUMBER: _ClassVar[int]
    FOCUS_FIELD_NUMBER: _ClassVar[int]
    RAPID_RESPONSE_ONLY_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    owning_organization_id: str
    focus: str
    rapid_response_only: bool
    page: _common_pb2.PageRequest
    def __init__(self, owning_organization_id: _Optional[str] = ..., focus: _Optional[str] = ..., rapid_response_only: _Optional[bool] = ..., page: _Optional[_Union[_common_pb2.PageRequest, _Mapping]] = ...) -> None: ...

class ListTeamsResponse(_message.Message):
    __slots__ = ("teams", "page")
    TEAMS_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    teams: _containers.RepeatedCompositeFieldContainer[Team]
    page: _common_pb2.PageInfo
    def __init__(self, teams: _Optional[_Iterable[_Union[Team, _Mapping]]] = ..., page: _Optional[_Union[_common_pb2.PageInfo, _Mapping]] = ...) -> None: ...

class ListPostsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListPostsResponse(_message.Message):
    __slots__ = ("posts",)
    POSTS_FIELD_NUMBER: _ClassVar[int]
    posts: _containers.RepeatedCompositeFieldContainer[Post]
    def __init__(self, posts: _Optional[_Iterable[_Union[Post, _Mapping]]] = ...) -> None: ...

class ListSkillsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListSkillsResponse(_message.Message):
    __slots__ = ("skills",)
    SKILLS_FIELD_NUMBER: _ClassVar[int]
    skills: _containers.RepeatedCompositeFieldContainer[Skill]
    def __init__(self, skills: _Optional[_Iterable[_Union[Skill, _Mapping]]] = ...) -> None: ...

class GetPointsBalanceRequest(_message.Message):
    __slots__ = ("volunteer_id",)
    VOLUNTEER_ID_FIELD_NUMBER: _ClassVar[int]
    volunteer_id: str
    def __init__(self, volunteer_id: _Optional[str] = ...) -> None: ...

class ListLedgerEntriesRequest(_message.Message):
    __slots__ = ("volunteer_id", "community_id", "page")
    VOLUNTEER_ID_FIELD_NUMBER: _ClassVar[int]
    COMMUNITY_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    volunteer_id: str
    community_id: str
    page: _common_pb2.PageRequest
    def __init__(self, volunteer_id: _Optional[str] = ..., community_id: _Optional[str] = ..., page: _Optional[_Union[_common_pb2.PageRequest, _Mapping]] = ...) -> None: ...

class ListLedgerEntriesResponse(_message.Message):
    __slots__ = ("entries", "page")
    ENTRIES_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    entries: _containers.RepeatedCompositeFieldContainer[LedgerEntry]
    page: _common_pb2.PageInfo
    def __init__(self, entries: _Optional[_Iterable[_Union[LedgerEntry, _Mapping]]] = ..., page: _Optional[_Union[_common_pb2.PageInfo, _Mapping]] = ...) -> None: ...

class RecordCorrectionRequest(_message.Message):
    __slots__ = ("idempotency_key", "volunteer_id", "community_id", "hours_delta", "points_delta", "reason", "corrects_entry_id", "request_id")
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    VOLUNTEER_ID_FIELD_NUMBER: _ClassVar[int]
    COMMUNITY_ID_FIELD_NUMBER: _ClassVar[int]
    HOURS_DELTA_FIELD_NUMBER: _ClassVar[int]
    POINTS_DELTA_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    CORRECTS_ENTRY_ID_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    volunteer_id: str
    community_id: str
    hours_delta: float
    points_delta: int
    reason: str
    corrects_entry_id: str
    request_id: str
    def __init__(self, idempotency_key: _Optional[str] = ..., volunteer_id: _Optional[str] = ..., community_id: _Optional[str] = ..., hours_delta: _Optional[float] = ..., points_delta: _Optional[int] = ..., reason: _Optional[str] = ..., corrects_entry_id: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class GetLeaderboardRequest(_message.Message):
    __slots__ = ("community_id", "period", "at", "limit")
    COMMUNITY_ID_FIELD_NUMBER: _ClassVar[int]
    PERIOD_FIELD_NUMBER: _ClassVar[int]
    AT_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    community_id: str
    period: LeaderboardPeriod
    at: _timestamp_pb2.Timestamp
    limit: int
    def __init__(self, community_id: _Optional[str] = ..., period: _Optional[_Union[LeaderboardPeriod, str]] = ..., at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., limit: _Optional[int] = ...) -> None: ...

class MatchVolunteersRequest(_message.Message):
    __slots__ = ("location", "skills", "category", "at", "k")
    LOCATION_FIELD_NUMBER: _ClassVar[int]
    SKILLS_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    AT_FIELD_NUMBER: _ClassVar[int]
    K_FIELD_NUMBER: _ClassVar[int]
    location: _common_pb2.GeoPoint
    skills: _containers.RepeatedScalarFieldContainer[str]
    category: str
    at: _timestamp_pb2.Timestamp
    k: int
    def __init__(self, location: _Optional[_Union[_common_pb2.GeoPoint, _Mapping]] = ..., skills: _Optional[_Iterable[str]] = ..., category: _Optional[str] = ..., at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., k: _Optional[int] = ...) -> None: ...

class MatchVolunteersResponse(_message.Message):
    __slots__ = ("candidates", "skills")
    CANDIDATES_FIELD_NUMBER: _ClassVar[int]
    SKILLS_FIELD_NUMBER: _ClassVar[int]
    candidates: _containers.RepeatedCompositeFieldContainer[MatchCandidate]
    skills: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, candidates: _Optional[_Iterable[_Union[MatchCandidate, _Mapping]]] = ..., skills: _Optional[_Iterable[str]] = ...) -> None: ...

class VolunteerRegistered(_message.Message):
    __slots__ = ("header", "volunteer_id", "person_id", "display_name", "home_community_id", "workplace_community_id", "skills", "posts", "service_radius_km", "max_concurrent_tasks", "registered_at")
    HEADER_FIELD_NUMBER: _ClassVar[int]
    VOLUNTEER_ID_FIELD_NUMBER: _ClassVar[int]
    PERSON_ID_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    HOME_COMMUNITY_ID_FIELD_NUMBER: _ClassVar[int]
    WORKPLACE_COMMUNITY_ID_FIELD_NUMBER: _ClassVar[int]
    SKILLS_FIELD_NUMBER: _ClassVar[int]
    POSTS_FIELD_NUMBER: _ClassVar[int]
    SERVICE_RADIUS_KM_FIELD_NUMBER: _ClassVar[int]
    MAX_CONCURRENT_TASKS_FIELD_NUMBER: _ClassVar[int]
    REGISTERED_AT_FIELD_NUMBER: _ClassVar[int]
    header: _events_pb2.EventHeader
    volunteer_id: str
    person_id: str
    display_name: str
    home_community_id: str
    workplace_community_id: str
    skills: _containers.RepeatedScalarFieldContainer[str]
    posts: _containers.RepeatedScalarFieldContainer[str]
    service_radius_km: float
    max_concurrent_tasks: int
    registered_at: _timestamp_pb2.Timestamp
    def __init__(self, header: _Optional[_Union[_events_pb2.EventHeader, _Mapping]] = ..., volunteer_id: _Optional[str] = ..., person_id: _Optional[str] = ..., display_name: _Optional[str] = ..., home_community_id: _Optional[str] = ..., workplace_community_id: _Optional[str] = ..., skills: _Optional[_Iterable[str]] = ..., posts: _Optional[_Iterable[str]] = ..., service_radius_km: _Optional[float] = ..., max_concurrent_tasks: _Optional[int] = ..., registered_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class VolunteerUpdated(_message.Message):
    __slots__ = ("header", "volunteer_id", "changed_fields", "display_name", "home_community_id", "workplace_community_id", "skills", "posts", "service_radius_km", "max_concurrent_tasks")
    HEADER_FIELD_NUMBER: _ClassVar[int]
    VOLUNTEER_ID_FIELD_NUMBER: _ClassVar[int]
    CHANGED_FIELDS_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    HOME_COMMUNITY_ID_FIELD_NUMBER: _ClassVar[int]
    WORKPLACE_COMMUNITY_ID_FIELD_NUMBER: _ClassVar[int]
    SKILLS_FIELD_NUMBER: _ClassVar[int]
    POSTS_FIELD_NUMBER: _ClassVar[int]
    SERVICE_RADIUS_KM_FIELD_NUMBER: _ClassVar[int]
    MAX_CONCURRENT_TASKS_FIELD_NUMBER: _ClassVar[int]
    header: _events_pb2.EventHeader
    volunteer_id: str
    changed_fields: _containers.RepeatedScalarFieldContainer[str]
    display_name: str
    home_community_id: str
    workplace_community_id: str
    skills: _containers.RepeatedScalarFieldContainer[str]
    posts: _containers.RepeatedScalarFieldContainer[str]
    service_radius_km: float
    max_concurrent_tasks: int
    def __init__(self, header: _Optional[_Union[_events_pb2.EventHeader, _Mapping]] = ..., volunteer_id: _Optional[str] = ..., changed_fields: _Optional[_Iterable[str]] = ..., display_name: _Optional[str] = ..., home_community_id: _Optional[str] = ..., workplace_community_id: _Optional[str] = ..., skills: _Optional[_Iterable[str]] = ..., posts: _Optional[_Iterable[str]] = ..., service_radius_km: _Optional[float] = ..., max_concurrent_tasks: _Optional[int] = ...) -> None: ...

class VolunteerSuspended(_message.Message):
    __slots__ = ("header", "volunteer_id", "reason", "suspended_at")
    HEADER_FIELD_NUMBER: _ClassVar[int]
    VOLUNTEER_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    SUSPENDED_AT_FIELD_NUMBER: _ClassVar[int]
    header: _events_pb2.EventHeader
    volunteer_id: str
    reason: str
    suspended_at: _timestamp_pb2.Timestamp
    def __init__(self, header: _Optional[_Union[_events_pb2.EventHeader, _Mapping]] = ..., volunteer_id: _Optional[str] = ..., reason: _Optional[str] = ..., suspended_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class VolunteerReactivated(_message.Message):
    __slots__ = ("header", "volunteer_id", "reactivated_at")
    HEADER_FIELD_NUMBER: _ClassVar[int]
    VOLUNTEER_ID_FIELD_NUMBER: _ClassVar[int]
    REACTIVATED_AT_FIELD_NUMBER: _ClassVar[int]
    header: _events_pb2.EventHeader
    volunteer_id: str
    reactivated_at: _timestamp_pb2.Timestamp
    def __init__(self, header: _Optional[_Union[_events_pb2.EventHeader, _Mapping]] = ..., volunteer_id: _Optional[str] = ..., reactivated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class TeamCreated(_message.Message):
    __slots__ = ("header", "team_id", "name", "leader_volunteer_id", "focus", "owning_organization_id", "rapid_response")
    HEADER_FIELD_NUMBER: _ClassVar[int]
    TEAM_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    LEADER_VOLUNTEER_ID_FIELD_NUMBER: _ClassVar[int]
    FOCUS_FIELD_NUMBER: _ClassVar[int]
    OWNING_ORGANIZATION_ID_FIELD_NUMBER: _ClassVar[int]
    RAPID_RESPONSE_FIELD_NUMBER: _ClassVar[int]
    header: _events_pb2.EventHeader
    team_id: str
    name: str
    leader_volunteer_id: str
    focus: str
    owning_organization_id: str
    rapid_response: bool
    def __init__(self, header: _Optional[_Union[_events_pb2.EventHeader, _Mapping]] = ..., team_id: _Optional[str] = ..., name: _Optional[str] = ..., leader_volunteer_id: _Optional[str] = ..., focus: _Optional[str] = ..., owning_organization_id: _Optional[str] = ..., rapid_response: _Optional[bool] = ...) -> None: ...

class TeamMemberJoined(_message.Message):
    __slots__ = ("header", "team_id", "volunteer_id")
    HEADER_FIELD_NUMBER: _ClassVar[int]
    TEAM_ID_FIELD_NUMBER: _ClassVar[int]
    VOLUNTEER_ID_FIELD_NUMBER: _ClassVar[int]
    header: _events_pb2.EventHeader
    team_id: str
    volunteer_id: str
    def __init__(self, header: _Optional[_Union[_events_pb2.EventHeader, _Mapping]] = ..., team_id: _Optional[str] = ..., volunteer_id: _Optional[str] = ...) -> None: ...

class TeamMemberLeft(_message.Message):
    __slots__ = ("header", "team_id", "volunteer_id")
    HEADER_FIELD_NUMBER: _ClassVar[int]
    TEAM_ID_FIELD_NUMBER: _ClassVar[int]
    VOLUNTEER_ID_FIELD_NUMBER: _ClassVar[int]
    header: _events_pb2.EventHeader
    team_id: str
    volunteer_id: str
    def __init__(self, header: _Optional[_Union[_events_pb2.EventHeader, _Mapping]] = ..., team_id: _Optional[str] = ..., volunteer_id: _Optional[str] = ...) -> None: ...

class PointsCredited(_message.Message):
    __slots__ = ("header", "entry_id", "volunteer_id", "request_id", "hours", "points", "credited_community_id", "kind", "cause_event_id", "occurred_at")
    HEADER_FIELD_NUMBER: _ClassVar[int]
    ENTRY_ID_FIELD_NUMBER: _ClassVar[int]
    VOLUNTEER_ID_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    HOURS_FIELD_NUMBER: _ClassVar[int]
    POINTS_FIELD_NUMBER: _ClassVar[int]
    CREDITED_COMMUNITY_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    CAUSE_EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    OCCURRED_AT_FIELD_NUMBER: _ClassVar[int]
    header: _events_pb2.EventHeader
    entry_id: str
    volunteer_id: str
    request_id: str
    hours: float
    points: int
    credited_community_id: str
    kind: LedgerEntryKind
    cause_event_id: str
    occurred_at: _timestamp_pb2.Timestamp
    def __init__(self, header: _Optional[_Union[_events_pb2.EventHeader, _Mapping]] = ..., entry_id: _Optional[str] = ..., volunteer_id: _Optional[str] = ..., request_id: _Optional[str] = ..., hours: _Optional[float] = ..., points: _Optional[int] = ..., credited_community_id: _Optional[str] = ..., kind: _Optional[_Union[LedgerEntryKind, str]] = ..., cause_event_id: _Optional[str] = ..., occurred_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...
