import datetime

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

class RequestStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    REQUEST_STATUS_UNSPECIFIED: _ClassVar[RequestStatus]
    REQUEST_STATUS_SUBMITTED: _ClassVar[RequestStatus]
    REQUEST_STATUS_ACCEPTED: _ClassVar[RequestStatus]
    REQUEST_STATUS_REJECTED: _ClassVar[RequestStatus]
    REQUEST_STATUS_DISPATCHED: _ClassVar[RequestStatus]
    REQUEST_STATUS_OFFERED: _ClassVar[RequestStatus]
    REQUEST_STATUS_CLAIMED: _ClassVar[RequestStatus]
    REQUEST_STATUS_IN_PROGRESS: _ClassVar[RequestStatus]
    REQUEST_STATUS_RESOLVED: _ClassVar[RequestStatus]
    REQUEST_STATUS_RATED: _ClassVar[RequestStatus]
    REQUEST_STATUS_CLOSED: _ClassVar[RequestStatus]
    REQUEST_STATUS_REOPENED: _ClassVar[RequestStatus]
    REQUEST_STATUS_CANCELLED: _ClassVar[RequestStatus]
    REQUEST_STATUS_DELIBERATING: _ClassVar[RequestStatus]
    REQUEST_STATUS_MERGED: _ClassVar[RequestStatus]

class Urgency(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    URGENCY_UNSPECIFIED: _ClassVar[Urgency]
    URGENCY_LOW: _ClassVar[Urgency]
    URGENCY_NORMAL: _ClassVar[Urgency]
    URGENCY_URGENT: _ClassVar[Urgency]

class Channel(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CHANNEL_UNSPECIFIED: _ClassVar[Channel]
    CHANNEL_WEB: _ClassVar[Channel]
    CHANNEL_OPEN311: _ClassVar[Channel]
    CHANNEL_PHONE: _ClassVar[Channel]
    CHANNEL_GRID_PATROL: _ClassVar[Channel]
    CHANNEL_SCHEDULED_VISIT: _ClassVar[Channel]

class ResidentGroup(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    RESIDENT_GROUP_UNSPECIFIED: _ClassVar[ResidentGroup]
    RESIDENT_GROUP_SPECIAL: _ClassVar[ResidentGroup]
    RESIDENT_GROUP_HARDSHIP: _ClassVar[ResidentGroup]
    RESIDENT_GROUP_KEY: _ClassVar[ResidentGroup]
    RESIDENT_GROUP_VOLUNTEER: _ClassVar[ResidentGroup]
    RESIDENT_GROUP_GENERAL: _ClassVar[ResidentGroup]

class AttachmentKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ATTACHMENT_KIND_UNSPECIFIED: _ClassVar[AttachmentKind]
    ATTACHMENT_KIND_PHOTO: _ClassVar[AttachmentKind]
    ATTACHMENT_KIND_VIDEO: _ClassVar[AttachmentKind]
    ATTACHMENT_KIND_AUDIO: _ClassVar[AttachmentKind]
    ATTACHMENT_KIND_DOCUMENT: _ClassVar[AttachmentKind]

class AssigneeKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ASSIGNEE_KIND_UNSPECIFIED: _ClassVar[AssigneeKind]
    ASSIGNEE_KIND_VOLUNTEER: _ClassVar[AssigneeKind]
    ASSIGNEE_KIND_TEAM: _ClassVar[AssigneeKind]
    ASSIGNEE_KIND_UNIT: _ClassVar[AssigneeKind]
    ASSIGNEE_KIND_DEPARTMENT: _ClassVar[AssigneeKind]
    ASSIGNEE_KIND_STAFF: _ClassVar[AssigneeKind]

class OfferStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    OFFER_STATUS_UNSPECIFIED: _ClassVar[OfferStatus]
    OFFER_STATUS_OPEN: _ClassVar[OfferStatus]
    OFFER_STATUS_CLAIMED: _ClassVar[OfferStatus]
    OFFER_STATUS_DECLINED: _ClassVar[OfferStatus]
    OFFER_STATUS_WITHDRAWN: _ClassVar[OfferStatus]
    OFFER_STATUS_EXPIRED: _ClassVar[OfferStatus]

class DeadlineKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DEADLINE_KIND_UNSPECIFIED: _ClassVar[DeadlineKind]
    DEADLINE_KIND_ACCEPT: _ClassVar[DeadlineKind]
    DEADLINE_KIND_RESOLVE: _ClassVar[DeadlineKind]
    DEADLINE_KIND_ACKNOWLEDGE: _ClassVar[DeadlineKind]

class EscalationTrigger(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ESCALATION_TRIGGER_UNSPECIFIED: _ClassVar[EscalationTrigger]
    ESCALATION_TRIGGER_MANUAL: _ClassVar[EscalationTrigger]
    ESCALATION_TRIGGER_ACCEPT_BREACH: _ClassVar[EscalationTrigger]
    ESCALATION_TRIGGER_RESOLVE_BREACH: _ClassVar[EscalationTrigger]
    ESCALATION_TRIGGER_NOT_ACKNOWLEDGED: _ClassVar[EscalationTrigger]

class RoundTableOutcome(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ROUND_TABLE_OUTCOME_UNSPECIFIED: _ClassVar[RoundTableOutcome]
    ROUND_TABLE_OUTCOME_RESOLVE: _ClassVar[RoundTableOutcome]
    ROUND_TABLE_OUTCOME_SPLIT: _ClassVar[RoundTableOutcome]

class PartyKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PARTY_KIND_UNSPECIFIED: _ClassVar[PartyKind]
    PARTY_KIND_RESIDENT: _ClassVar[PartyKind]
    PARTY_KIND_ORGANIZATION: _ClassVar[PartyKind]
    PARTY_KIND_DEPARTMENT: _ClassVar[PartyKind]
    PARTY_KIND_UNIT: _ClassVar[PartyKind]
    PARTY_KIND_VOLUNTEER: _ClassVar[PartyKind]
    PARTY_KIND_OTHER: _ClassVar[PartyKind]

class RedactableField(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    REDACTABLE_FIELD_UNSPECIFIED: _ClassVar[RedactableField]
    REDACTABLE_FIELD_TITLE: _ClassVar[RedactableField]
    REDACTABLE_FIELD_DESCRIPTION: _ClassVar[RedactableField]
    REDACTABLE_FIELD_RESULT: _ClassVar[RedactableField]

class ModerationVisibility(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    MODERATION_VISIBILITY_UNSPECIFIED: _ClassVar[ModerationVisibility]
    MODERATION_VISIBILITY_HIDE: _ClassVar[ModerationVisibility]
    MODERATION_VISIBILITY_SHOW: _ClassVar[ModerationVisibility]

class VisitCadence(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    VISIT_CADENCE_UNSPECIFIED: _ClassVar[VisitCadence]
    VISIT_CADENCE_DAILY: _ClassVar[VisitCadence]
    VISIT_CADENCE_WEEKLY: _ClassVar[VisitCadence]
    VISIT_CADENCE_MONTHLY: _ClassVar[VisitCadence]

class StatisticsDimension(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    STATISTICS_DIMENSION_UNSPECIFIED: _ClassVar[StatisticsDimension]
    STATISTICS_DIMENSION_STATUS: _ClassVar[StatisticsDimension]
    STATISTICS_DIMENSION_CATEGORY: _ClassVar[StatisticsDimension]
    STATISTICS_DIMENSION_COMMUNITY: _ClassVar[StatisticsDimension]
    STATISTICS_DIMENSION_GRID: _ClassVar[StatisticsDimension]
    STATISTICS_DIMENSION_PERIOD: _ClassVar[StatisticsDimension]

class PeriodGranularity(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PERIOD_GRANULARITY_UNSPECIFIED: _ClassVar[PeriodGranularity]
    PERIOD_GRANULARITY_DAY: _ClassVar[PeriodGranularity]
    PERIOD_GRANULARITY_WEEK: _ClassVar[PeriodGranularity]
    PERIOD_GRANULARITY_MONTH: _ClassVar[PeriodGranularity]
    PERIOD_GRANULARITY_YEAR: _ClassVar[PeriodGranularity]
REQUEST_STATUS_UNSPECIFIED: RequestStatus
REQUEST_STATUS_SUBMITTED: RequestStatus
REQUEST_STATUS_ACCEPTED: RequestStatus
REQUEST_STATUS_REJECTED: RequestStatus
REQUEST_STATUS_DISPATCHED: RequestStatus
REQUEST_STATUS_OFFERED: RequestStatus
REQUEST_STATUS_CLAIMED: RequestStatus
REQUEST_STATUS_IN_PROGRESS: RequestStatus
REQUEST_STATUS_RESOLVED: RequestStatus
REQUEST_STATUS_RATED: RequestStatus
REQUEST_STATUS_CLOSED: RequestStatus
REQUEST_STATUS_REOPENED: RequestStatus
REQUEST_STATUS_CANCELLED: RequestStatus
REQUEST_STATUS_DELIBERATING: RequestStatus
REQUEST_STATUS_MERGED: RequestStatus
URGENCY_UNSPECIFIED: Urgency
URGENCY_LOW: Urgency
URGENCY_NORMAL: Urgency
URGENCY_URGENT: Urgency
CHANNEL_UNSPECIFIED: Channel
CHANNEL_WEB: Channel
CHANNEL_OPEN311: Channel
CHANNEL_PHONE: Channel
CHANNEL_GRID_PATROL: Channel
CHANNEL_SCHEDULED_VISIT: Channel
RESIDENT_GROUP_UNSPECIFIED: ResidentGroup
RESIDENT_GROUP_SPECIAL: ResidentGroup
RESIDENT_GROUP_HARDSHIP: ResidentGroup
RESIDENT_GROUP_KEY: ResidentGroup
RESIDENT_GROUP_VOLUNTEER: ResidentGroup
RESIDENT_GROUP_GENERAL: ResidentGroup
ATTACHMENT_KIND_UNSPECIFIED: AttachmentKind
ATTACHMENT_KIND_PHOTO: AttachmentKind
ATTACHMENT_KIND_VIDEO: AttachmentKind
ATTACHMENT_KIND_AUDIO: AttachmentKind
ATTACHMENT_KIND_DOCUMENT: AttachmentKind
ASSIGNEE_KIND_UNSPECIFIED: AssigneeKind
ASSIGNEE_KIND_VOLUNTEER: AssigneeKind
ASSIGNEE_KIND_TEAM: AssigneeKind
ASSIGNEE_KIND_UNIT: AssigneeKind
ASSIGNEE_KIND_DEPARTMENT: AssigneeKind
ASSIGNEE_KIND_STAFF: AssigneeKind
OFFER_STATUS_UNSPECIFIED: OfferStatus
OFFER_STATUS_OPEN: OfferStatus
OFFER_STATUS_CLAIMED: OfferStatus
OFFER_STATUS_DECLINED: OfferStatus
OFFER_STATUS_WITHDRAWN: OfferStatus
OFFER_STATUS_EXPIRED: OfferStatus
DEADLINE_KIND_UNSPECIFIED: DeadlineKind
DEADLINE_KIND_ACCEPT: DeadlineKind
DEADLINE_KIND_RESOLVE: DeadlineKind
DEADLINE_KIND_ACKNOWLEDGE: DeadlineKind
ESCALATION_TRIGGER_UNSPECIFIED: EscalationTrigger
ESCALATION_TRIGGER_MANUAL: EscalationTrigger
ESCALATION_TRIGGER_ACCEPT_BREACH: EscalationTrigger
ESCALATION_TRIGGER_RESOLVE_BREACH: EscalationTrigger
ESCALATION_TRIGGER_NOT_ACKNOWLEDGED: EscalationTrigger
ROUND_TABLE_OUTCOME_UNSPECIFIED: RoundTableOutcome
ROUND_TABLE_OUTCOME_RESOLVE: RoundTableOutcome
ROUND_TABLE_OUTCOME_SPLIT: RoundTableOutcome
PARTY_KIND_UNSPECIFIED: PartyKind
PARTY_KIND_RESIDENT: PartyKind
PARTY_KIND_ORGANIZATION: PartyKind
PARTY_KIND_DEPARTMENT: PartyKind
PARTY_KIND_UNIT: PartyKind
PARTY_KIND_VOLUNTEER: PartyKind
PARTY_KIND_OTHER: PartyKind
REDACTABLE_FIELD_UNSPECIFIED: RedactableField
REDACTABLE_FIELD_TITLE: RedactableField
REDACTABLE_FIELD_DESCRIPTION: RedactableField
REDACTABLE_FIELD_RESULT: RedactableField
MODERATION_VISIBILITY_UNSPECIFIED: ModerationVisibility
MODERATION_VISIBILITY_HIDE: ModerationVisibility
MODERATION_VISIBILITY_SHOW: ModerationVisibility
VISIT_CADENCE_UNSPECIFIED: VisitCadence
VISIT_CADENCE_DAILY: VisitCadence
VISIT_CADENCE_WEEKLY: VisitCadence
VISIT_CADENCE_MONTHLY: VisitCadence
STATISTICS_DIMENSION_UNSPECIFIED: StatisticsDimension
STATISTICS_DIMENSION_STATUS: StatisticsDimension
STATISTICS_DIMENSION_CATEGORY: StatisticsDimension
STATISTICS_DIMENSION_COMMUNITY: StatisticsDimension
STATISTICS_DIMENSION_GRID: StatisticsDimension
STATISTICS_DIMENSION_PERIOD: StatisticsDimension
PERIOD_GRANULARITY_UNSPECIFIED: PeriodGranularity
PERIOD_GRANULARITY_DAY: PeriodGranularity
PERIOD_GRANULARITY_WEEK: PeriodGranularity
PERIOD_GRANULARITY_MONTH: PeriodGranularity
PERIOD_GRANULARITY_YEAR: PeriodGranularity

class Attachment(_message.Message):
    __slots__ = ("id", "url", "kind", "caption")
    ID_FIELD_NUMBER: _ClassVar[int]
    URL_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    CAPTION_FIELD_NUMBER: _ClassVar[int]
    id: str
    url: str
    kind: AttachmentKind
    caption: str
    def __init__(self, id: _Optional[str] = ..., url: _Optional[str] = ..., kind: _Optional[_Union[AttachmentKind, str]] = ..., caption: _Optional[str] = ...) -> None: ...

class Requester(_message.Message):
    __slots__ = ("person_id", "contact")
    PERSON_ID_FIELD_NUMBER: _ClassVar[int]
    CONTACT_FIELD_NUMBER: _ClassVar[int]
    person_id: str
    contact: _common_pb2.Contact
    def __init__(self, person_id: _Optional[str] = ..., contact: _Optional[_Union[_common_pb2.Contact, _Mapping]] = ...) -> None: ...

class Assignee(_message.Message):
    __slots__ = ("kind", "id", "name")
    KIND_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    kind: AssigneeKind
    id: str
    name: str
    def __init__(self, kind: _Optional[_Union[AssigneeKind, str]] = ..., id: _Optional[str] = ..., name: _Optional[str] = ...) -> None: ...

class HistoryEntry(_message.Message):
    __slots__ = ("time", "action", "actor", "from_status", "to_status", "reason", "version")
    TIME_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    FROM_STATUS_FIELD_NUMBER: _ClassVar[int]
    TO_STATUS_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    time: _timestamp_pb2.Timestamp
    action: str
    actor: _common_pb2.Actor
    from_status: RequestStatus
    to_status: RequestStatus
    reason: str
    version: int
    def __init__(self, time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., action: _Optional[str] = ..., actor: _Optional[_Union[_common_pb2.Actor, _Mapping]] = ..., from_status: _Optional[_Union[RequestStatus, str]] = ..., to_status: _Optional[_Union[RequestStatus, str]] = ..., reason: _Optional[str] = ..., version: _Optional[int] = ...) -> None: ...

class Offer(_message.Message):
    __slots__ = ("volunteer_id", "status", "offered_at", "expires_at", "round", "closed_at")
    VOLUNTEER_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    OFFERED_AT_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    ROUND_FIELD_NUMBER: _ClassVar[int]
    CLOSED_AT_FIELD_NUMBER: _ClassVar[int]
    volunteer_id: str
    status: OfferStatus
    offered_at: _timestamp_pb2.Timestamp
    expires_at: _timestamp_pb2.Timestamp
    round: int
    closed_at: _timestamp_pb2.Timestamp
    def __init__(self, volunteer_id: _Optional[str] = ..., status: _Optional[_Union[OfferStatus, str]] = ..., offered_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., expires_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., round: _Optional[int] = ..., closed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Transfer(_message.Message):
    __slots__ = ("to", "from_assignee", "reason", "requested_by", "requested_at")
    TO_FIELD_NUMBER: _ClassVar[int]
    FROM_ASSIGNEE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    REQUESTED_BY_FIELD_NUMBER: _ClassVar[int]
    REQUESTED_AT_FIELD_NUMBER: _ClassVar[int]
    to: Assignee
    from_assignee: Assignee
    reason: str
    requested_by: _common_pb2.Actor
    requested_at: _timestamp_pb2.Timestamp
    def __init__(self, to: _Optional[_Union[Assignee, _Mapping]] = ..., from_assignee: _Optional[_Union[Assignee, _Mapping]] = ..., reason: _Optional[str] = ..., requested_by: _Optional[_Union[_common_pb2.Actor, _Mapping]] = ..., requested_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Breach(_message.Message):
    __slots__ = ("kind", "deadline", "detected_at", "escalation_level")
    KIND_FIELD_NUMBER: _ClassVar[int]
    DEADLINE_FIELD_NUMBER: _ClassVar[int]
    DETECTED_AT_FIELD_NUMBER: _ClassVar[int]
    ESCALATION_LEVEL_FIELD_NUMBER: _ClassVar[int]
    kind: DeadlineKind
    deadline: _timestamp_pb2.Timestamp
    detected_at: _timestamp_pb2.Timestamp
    escalation_level: int
    def __init__(self, kind: _Optional[_Union[DeadlineKind, str]] = ..., deadline: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., detected_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., escalation_level: _Optional[int] = ...) -> None: ...

class Escalation(_message.Message):
    __slots__ = ("level", "target_id", "department_code", "trigger", "escalated_at", "acknowledge_by", "reason", "escalated_by", "acknowledged_at", "acknowledged_by", "note", "superseded")
    LEVEL_FIELD_NUMBER: _ClassVar[int]
    TARGET_ID_FIELD_NUMBER: _ClassVar[int]
    DEPARTMENT_CODE_FIELD_NUMBER: _ClassVar[int]
    TRIGGER_FIELD_NUMBER: _ClassVar[int]
    ESCALATED_AT_FIELD_NUMBER: _ClassVar[int]
    ACKNOWLEDGE_BY_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    ESCALATED_BY_FIELD_NUMBER: _ClassVar[int]
    ACKNOWLEDGED_AT_FIELD_NUMBER: _ClassVar[int]
    ACKNOWLEDGED_BY_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    SUPERSEDED_FIELD_NUMBER: _ClassVar[int]
    level: int
    target_id: str
    department_code: str
    trigger: EscalationTrigger
    escalated_at: _timestamp_pb2.Timestamp
    acknowledge_by: _timestamp_pb2.Timestamp
    reason: str
    escalated_by: _common_pb2.Actor
    acknowledged_at: _timestamp_pb2.Timestamp
    acknowledged_by: str
    note: str
    superseded: bool
    def __init__(self, level: _Optional[int] = ..., target_id: _Optional[str] = ..., department_code: _Optional[str] = ..., trigger: _Optional[_Union[EscalationTrigger, str]] = ..., escalated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., acknowledge_by: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., reason: _Optional[str] = ..., escalated_by: _Optional[_Union[_common_pb2.Actor, _Mapping]] = ..., acknowledged_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., acknowledged_by: _Optional[str] = ..., note: _Optional[str] = ..., superseded: _Optional[bool] = ...) -> None: ...

class RoundTableParty(_message.Message):
    __slots__ = ("kind", "id", "name")
    KIND_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    kind: PartyKind
    id: str
    name: str
    def __init__(self, kind: _Optional[_Union[PartyKind, str]] = ..., id: _Optional[str] = ..., name: _Optional[str] = ...) -> None: ...

class Meeting(_message.Message):
    __slots__ = ("held_at", "notes", "attendees", "recorded_by")
    HELD_AT_FIELD_NUMBER: _ClassVar[int]
    NOTES_FIELD_NUMBER: _ClassVar[int]
    ATTENDEES_FIELD_NUMBER: _ClassVar[int]
    RECORDED_BY_FIELD_NUMBER: _ClassVar[int]
    held_at: _timestamp_pb2.Timestamp
    notes: str
    attendees: _containers.RepeatedScalarFieldContainer[str]
    recorded_by: str
    def __init__(self, held_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., notes: _Optional[str] = ..., attendees: _Optional[_Iterable[str]] = ..., recorded_by: _Optional[str] = ...) -> None: ...

class RoundTable(_message.Message):
    __slots__ = ("topic", "started_at", "started_by", "parties", "meetings", "concluded_at", "outcome", "summary", "split_into_ids")
    TOPIC_FIELD_NUMBER: _ClassVar[int]
    STARTED_AT_FIELD_NUMBER: _ClassVar[int]
    STARTED_BY_FIELD_NUMBER: _ClassVar[int]
    PARTIES_FIELD_NUMBER: _ClassVar[int]
    MEETINGS_FIELD_NUMBER: _ClassVar[int]
    CONCLUDED_AT_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    SPLIT_INTO_IDS_FIELD_NUMBER: _ClassVar[int]
    topic: str
    started_at: _timestamp_pb2.Timestamp
    started_by: str
    parties: _containers.RepeatedCompositeFieldContainer[RoundTableParty]
    meetings: _containers.RepeatedCompositeFieldContainer[Meeting]
    concluded_at: _timestamp_pb2.Timestamp
    outcome: RoundTableOutcome
    summary: str
    split_into_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, topic: _Optional[str] = ..., started_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., started_by: _Optional[str] = ..., parties: _Optional[_Iterable[_Union[RoundTableParty, _Mapping]]] = ..., meetings: _Optional[_Iterable[_Union[Meeting, _Mapping]]] = ..., concluded_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., outcome: _Optional[_Union[RoundTableOutcome, str]] = ..., summary: _Optional[str] = ..., split_into_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class Resolution(_message.Message):
    __slots__ = ("text", "photos", "hours", "resolved_at", "resolved_by")
    TEXT_FIELD_NUMBER: _ClassVar[int]
    PHOTOS_FIELD_NUMBER: _ClassVar[int]
    HOURS_FIELD_NUMBER: _ClassVar[int]
    RESOLVED_AT_FIELD_NUMBER: _ClassVar[int]
    RESOLVED_BY_FIELD_NUMBER: _ClassVar[int]
    text: str
    photos: _containers.RepeatedCompositeFieldContainer[Attachment]
    hours: float
    resolved_at: _timestamp_pb2.Timestamp
    resolved_by: str
    def __init__(self, text: _Optional[str] = ..., photos: _Optional[_Iterable[_Union[Attachment, _Mapping]]] = ..., hours: _Optional[float] = ..., resolved_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., resolved_by: _Optional[str] = ...) -> None: ...

class Rating(_message.Message):
    __slots__ = ("stars", "comment", "rated_at")
    STARS_FIELD_NUMBER: _ClassVar[int]
    COMMENT_FIELD_NUMBER: _ClassVar[int]
    RATED_AT_FIELD_NUMBER: _ClassVar[int]
    stars: int
    comment: str
    rated_at: _timestamp_pb2.Timestamp
    def __init__(self, stars: _Optional[int] = ..., comment: _Optional[str] = ..., rated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class TextRedaction(_message.Message):
    __slots__ = ("field", "start", "end")
    FIELD_FIELD_NUMBER: _ClassVar[int]
    START_FIELD_NUMBER: _ClassVar[int]
    END_FIELD_NUMBER: _ClassVar[int]
    field: RedactableField
    start: int
    end: int
    def __init__(self, field: _Optional[_Union[RedactableField, str]] = ..., start: _Optional[int] = ..., end: _Optional[int] = ...) -> None: ...

class ModerationRecord(_message.Message):
    __slots__ = ("time", "actor_person_id", "reason", "visibility", "text_redactions", "attachment_ids", "approved_fields")
    TIME_FIELD_NUMBER: _ClassVar[int]
    ACTOR_PERSON_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    VISIBILITY_FIELD_NUMBER: _ClassVar[int]
    TEXT_REDACTIONS_FIELD_NUMBER: _ClassVar[int]
    ATTACHMENT_IDS_FIELD_NUMBER: _ClassVar[int]
    APPROVED_FIELDS_FIELD_NUMBER: _ClassVar[int]
    time: _timestamp_pb2.Timestamp
    actor_person_id: str
    reason: str
    visibility: ModerationVisibility
    text_redactions: _containers.RepeatedCompositeFieldContainer[TextRedaction]
    attachment_ids: _containers.RepeatedScalarFieldContainer[str]
    approved_fields: _containers.RepeatedScalarFieldContainer[RedactableField]
    def __init__(self, time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., actor_person_id: _Optional[str] = ..., reason: _Optional[str] = ..., visibility: _Optional[_Union[ModerationVisibility, str]] = ..., text_redactions: _Optional[_Iterable[_Union[TextRedaction, _Mapping]]] = ..., attachment_ids: _Optional[_Iterable[str]] = ..., approved_fields: _Optional[_Iterable[_Union[RedactableField, str]]] = ...) -> None: ...

class Moderation(_message.Message):
    __slots__ = ("hidden", "text_redactions", "redacted_attachment_ids", "records", "approved_fields", "auto_publish")
    HIDDEN_FIELD_NUMBER: _ClassVar[int]
    TEXT_REDACTIONS_FIELD_NUMBER: _ClassVar[int]
    REDACTED_ATTACHMENT_IDS_FIELD_NUMBER: _ClassVar[int]
    RECORDS_FIELD_NUMBER: _ClassVar[int]
    APPROVED_FIELDS_FIELD_NUMBER: _ClassVar[int]
    AUTO_PUBLISH_FIELD_NUMBER: _ClassVar[int]
    hidden: bool
    text_redactions: _containers.RepeatedCompositeFieldContainer[TextRedaction]
    redacted_attachment_ids: _containers.RepeatedScalarFieldContainer[str]
    records: _containers.RepeatedCompositeFieldContainer[ModerationRecord]
    approved_fields: _containers.RepeatedScalarFieldContainer[RedactableField]
    auto_publish: bool
    def __init__(self, hidden: _Optional[bool] = ..., text_redactions: _Optional[_Iterable[_Union[TextRedaction, _Mapping]]] = ..., redacted_attachment_ids: _Optional[_Iterable[str]] = ..., records: _Optional[_Iterable[_Union[ModerationRecord, _Mapping]]] = ..., approved_fields: _Optional[_Iterable[_Union[RedactableField, str]]] = ..., auto_publish: _Optional[bool] = ...) -> None: ...

class Request(_message.Message):
    __slots__ = ("id", "category", "title", "description", "address", "point", "requester", "resident_group", "urgency", "attachments", "channel", "status", "status_reason", "grid_id", "community_id", "street_id", "org_path", "accept_by", "resolve_by", "submitted_at", "accepted_at", "accepted_by", "resolved_at", "closed_at", "first_responder", "assignee", "offers", "pending_transfer", "escalations", "breaches", "round_table", "resolution", "rating", "history", "follower_person_ids", "merged_into_id", "duplicate_ids", "split_from_id", "moderation", "visit_plan_id", "visit_slot", "reopen_count", "version", "updated_at", "escalation_level", "queued_candidate_ids", "public_view_only")
    ID_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    ADDRESS_FIELD_NUMBER: _ClassVar[int]
    POINT_FIELD_NUMBER: _ClassVar[int]
    REQUESTER_FIELD_NUMBER: _ClassVar[int]
    RESIDENT_GROUP_FIELD_NUMBER: _ClassVar[int]
    URGENCY_FIELD_NUMBER: _ClassVar[int]
    ATTACHMENTS_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    STATUS_REASON_FIELD_NUMBER: _ClassVar[int]
    GRID_ID_FIELD_NUMBER: _ClassVar[int]
    COMMUNITY_ID_FIELD_NUMBER: _ClassVar[int]
    STREET_ID_FIELD_NUMBER: _ClassVar[int]
    ORG_PATH_FIELD_NUMBER: _ClassVar[int]
    ACCEPT_BY_FIELD_NUMBER: _ClassVar[int]
    RESOLVE_BY_FIELD_NUMBER: _ClassVar[int]
    SUBMITTED_AT_FIELD_NUMBER: _ClassVar[int]
    ACCEPTED_AT_FIELD_NUMBER: _ClassVar[int]
    ACCEPTED_BY_FIELD_NUMBER: _ClassVar[int]
    RESOLVED_AT_FIELD_NUMBER: _ClassVar[int]
    CLOSED_AT_FIELD_NUMBER: _ClassVar[int]
    FIRST_RESPONDER_FIELD_NUMBER: _ClassVar[int]
    ASSIGNEE_FIELD_NUMBER: _ClassVar[int]
    OFFERS_FIELD_NUMBER: _ClassVar[int]
    PENDING_TRANSFER_FIELD_NUMBER: _ClassVar[int]
    ESCALATIONS_FIELD_NUMBER: _ClassVar[int]
    BREACHES_FIELD_NUMBER: _ClassVar[int]
    ROUND_TABLE_FIELD_NUMBER: _ClassVar[int]
    RESOLUTION_FIELD_NUMBER: _ClassVar[int]
    RATING_FIELD_NUMBER: _ClassVar[int]
    HISTORY_FIELD_NUMBER: _ClassVar[int]
    FOLLOWER_PERSON_IDS_FIELD_NUMBER: _ClassVar[int]
    MERGED_INTO_ID_FIELD_NUMBER: _ClassVar[int]
    DUPLICATE_IDS_FIELD_NUMBER: _ClassVar[int]
    SPLIT_FROM_ID_FIELD_NUMBER: _ClassVar[int]
    MODERATION_FIELD_NUMBER: _ClassVar[int]
    VISIT_PLAN_ID_FIELD_NUMBER: _ClassVar[int]
    VISIT_SLOT_FIELD_NUMBER: _ClassVar[int]
    REOPEN_COUNT_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    ESCALATION_LEVEL_FIELD_NUMBER: _ClassVar[int]
    QUEUED_CANDIDATE_IDS_FIELD_NUMBER: _ClassVar[int]
    PUBLIC_VIEW_ONLY_FIELD_NUMBER: _ClassVar[int]
    id: str
    category: str
    title: str
    description: str
    address: _common_pb2.Address
    point: _common_pb2.GeoPoint
    requester: Requester
    resident_group: ResidentGroup
    urgency: Urgency
    attachments: _containers.RepeatedCompositeFieldContainer[Attachment]
    channel: Channel
    status: RequestStatus
    status_reason: str
    grid_id: str
    community_id: str
    street_id: str
    org_path: _containers.RepeatedScalarFieldContainer[str]
    accept_by: _timestamp_pb2.Timestamp
    resolve_by: _timestamp_pb2.Timestamp
    submitted_at: _timestamp_pb2.Timestamp
    accepted_at: _timestamp_pb2.Timestamp
    accepted_by: str
    resolved_at: _timestamp_pb2.Timestamp
    closed_at: _timestamp_pb2.Timestamp
    first_responder: Assignee
    assignee: Assignee
    offers: _containers.RepeatedCompositeFieldContainer[Offer]
    pending_transfer: Transfer
    escalations: _containers.RepeatedCompositeFieldContainer[Escalation]
    breaches: _containers.RepeatedCompositeFieldContainer[Breach]
    round_table: RoundTable
    resolution: Resolution
    rating: Rating
    history: _containers.RepeatedCompositeFieldContainer[HistoryEntry]
    follower_person_ids: _containers.RepeatedScalarFieldContainer[str]
    merged_into_id: str
    duplicate_ids: _containers.RepeatedScalarFieldContainer[str]
    split_from_id: str
    moderation: Moderation
    visit_plan_id: str
    visit_slot: _timestamp_pb2.Timestamp
    reopen_count: int
    version: int
    updated_at: _timestamp_pb2.Timestamp
    escalation_level: int
    queued_candidate_ids: _containers.RepeatedScalarFieldContainer[str]
    public_view_only: bool
    def __init__(self, id: _Optional[str] = ..., category: _Optional[str] = ..., title: _Optional[str] = ..., description: _Optional[str] = ..., address: _Optional[_Union[_common_pb2.Address, _Mapping]] = ..., point: _Optional[_Union[_common_pb2.GeoPoint, _Mapping]] = ..., requester: _Optional[_Union[Requester, _Mapping]] = ..., resident_group: _Optional[_Union[ResidentGroup, str]] = ..., urgency: _Optional[_Union[Urgency, str]] = ..., attachments: _Optional[_Iterable[_Union[Attachment, _Mapping]]] = ..., channel: _Optional[_Union[Channel, str]] = ..., status: _Optional[_Union[RequestStatus, str]] = ..., status_reason: _Optional[str] = ..., grid_id: _Optional[str] = ..., community_id: _Optional[str] = ..., street_id: _Optional[str] = ..., org_path: _Optional[_Iterable[str]] = ..., accept_by: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., resolve_by: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., submitted_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., accepted_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., accepted_by: _Optional[str] = ..., resolved_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., closed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., first_responder: _Optional[_Union[Assignee, _Mapping]] = ..., assignee: _Optional[_Union[Assignee, _Mapping]] = ..., offers: _Optional[_Iterable[_Union[Offer, _Mapping]]] = ..., pending_transfer: _Optional[_Union[Transfer, _Mapping]] = ..., escalations: _Optional[_Iterable[_Union[Escalation, _Mapping]]] = ..., breaches: _Optional[_Iterable[_Union[Breach, _Mapping]]] = ..., round_table: _Optional[_Union[RoundTable, _Mapping]] = ..., resolution: _Optional[_Union[Resolution, _Mapping]] = ..., rating: _Optional[_Union[Rating, _Mapping]] = ..., history: _Optional[_Iterable[_Union[HistoryEntry, _Mapping]]] = ..., follower_person_ids: _Optional[_Iterable[str]] = ..., merged_into_id: _Optional[str] = ..., duplicate_ids: _Optional[_Iterable[str]] = ..., split_from_id: _Optional[str] = ..., moderation: _Optional[_Union[Moderation, _Mapping]] = ..., visit_plan_id: _Optional[str] = ..., visit_slot: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., reopen_count: _Optional[int] = ..., version: _Optional[int] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., escalation_level: _Optional[int] = ..., queued_candidate_ids: _Optional[_Iterable[str]] = ..., public_view_only: _Optional[bool] = ...) -> None: ...

class RequestSnapshot(_message.Message):
    __slots__ = ("id", "status", "category", "urgency", "channel", "grid_id", "community_id", "street_id", "org_path", "requester_person_id", "assignee", "first_responder", "follower_person_ids", "accept_by", "resolve_by", "escalation_level", "version", "updated_at", "resident_group", "hidden")
    ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    URGENCY_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    GRID_ID_FIELD_NUMBER: _ClassVar[int]
    COMMUNITY_ID_FIELD_NUMBER: _ClassVar[int]
    STREET_ID_FIELD_NUMBER: _ClassVar[int]
    ORG_PATH_FIELD_NUMBER: _ClassVar[int]
    REQUESTER_PERSON_ID_FIELD_NUMBER: _ClassVar[int]
    ASSIGNEE_FIELD_NUMBER: _ClassVar[int]
    FIRST_RESPONDER_FIELD_NUMBER: _ClassVar[int]
    FOLLOWER_PERSON_IDS_FIELD_NUMBER: _ClassVar[int]
    ACCEPT_BY_FIELD_NUMBER: _ClassVar[int]
    RESOLVE_BY_FIELD_NUMBER: _ClassVar[int]
    ESCALATION_LEVEL_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    RESIDENT_GROUP_FIELD_NUMBER: _ClassVar[int]
    HIDDEN_FIELD_NUMBER: _ClassVar[int]
    id: str
    status: RequestStatus
    category: str
    urgency: Urgency
    channel: Channel
    grid_id: str
    community_id: str
    street_id: str
    org_path: _containers.RepeatedScalarFieldContainer[str]
    requester_person_id: str
    assignee: Assignee
    first_responder: Assignee
    follower_person_ids: _containers.RepeatedScalarFieldContainer[str]
    accept_by: _timestamp_pb2.Timestamp
    resolve_by: _timestamp_pb2.Timestamp
    escalation_level: int
    version: int
    updated_at: _timestamp_pb2.Timestamp
    resident_group: ResidentGroup
    hidden: bool
    def __init__(self, id: _Optional[str] = ..., status: _Optional[_Union[RequestStatus, str]] = ..., category: _Optional[str] = ..., urgency: _Optional[_Union[Urgency, str]] = ..., channel: _Optional[_Union[Channel, str]] = ..., grid_id: _Optional[str] = ..., community_id: _Optional[str] = ..., street_id: _Optional[str] = ..., org_path: _Optional[_Iterable[str]] = ..., requester_person_id: _Optional[str] = ..., assignee: _Optional[_Union[Assignee, _Mapping]] = ..., first_responder: _Optional[_Union[Assignee, _Mapping]] = ..., follower_person_ids: _Optional[_Iterable[str]] = ..., accept_by: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., resolve_by: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., escalation_level: _Optional[int] = ..., version: _Optional[int] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., resident_group: _Optional[_Union[ResidentGroup, str]] = ..., hidden: _Optional[bool] = ...) -> None: ...

class PublicPhoto(_message.Message):
    __slots__ = ("id", "url")
    ID_FIELD_NUMBER: _ClassVar[int]
    URL_FIELD_NUMBER: _ClassVar[int]
    id: str
    url: str
    def __init__(self, id: _Optional[str] = ..., url: _Optional[str] = ...) -> None: ...

class PublicRequest(_message.Message):
    __slots__ = ("id", "category", "title", "description", "status", "urgency", "channel", "grid_id", "community_id", "street_id", "submitted_at", "resolve_by", "accepted_at", "resolved_at", "closed_at", "result_text", "photos", "rating_stars", "on_time", "escalated", "merged_into_id", "version", "text_withheld")
    ID_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    URGENCY_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    GRID_ID_FIELD_NUMBER: _ClassVar[int]
    COMMUNITY_ID_FIELD_NUMBER: _ClassVar[int]
    STREET_ID_FIELD_NUMBER: _ClassVar[int]
    SUBMITTED_AT_FIELD_NUMBER: _ClassVar[int]
    RESOLVE_BY_FIELD_NUMBER: _ClassVar[int]
    ACCEPTED_AT_FIELD_NUMBER: _ClassVar[int]
    RESOLVED_AT_FIELD_NUMBER: _ClassVar[int]
    CLOSED_AT_FIELD_NUMBER: _ClassVar[int]
    RESULT_TEXT_FIELD_NUMBER: _ClassVar[int]
    PHOTOS_FIELD_NUMBER: _ClassVar[int]
    RATING_STARS_FIELD_NUMBER: _ClassVar[int]
    ON_TIME_FIELD_NUMBER: _ClassVar[int]
    ESCALATED_FIELD_NUMBER: _ClassVar[int]
    MERGED_INTO_ID_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    TEXT_WITHHELD_FIELD_NUMBER: _ClassVar[int]
    id: str
    category: str
    title: str
    description: str
    status: RequestStatus
    urgency: Urgency
    channel: Channel
    grid_id: str
    community_id: str
    street_id: str
    submitted_at: _timestamp_pb2.Timestamp
    resolve_by: _timestamp_pb2.Timestamp
    accepted_at: _timestamp_pb2.Timestamp
    resolved_at: _timestamp_pb2.Timestamp
    closed_at: _timestamp_pb2.Timestamp
    result_text: str
    photos: _containers.RepeatedCompositeFieldContainer[PublicPhoto]
    rating_stars: int
    on_time: bool
    escalated: bool
    merged_into_id: str
    version: int
    text_withheld: bool
    def __init__(self, id: _Optional[str] = ..., category: _Optional[str] = ..., title: _Optional[str] = ..., description: _Optional[str] = ..., status: _Optional[_Union[RequestStatus, str]] = ..., urgency: _Optional[_Union[Urgency, str]] = ..., channel: _Optional[_Union[Channel, str]] = ..., grid_id: _Optional[str] = ..., community_id: _Optional[str] = ..., street_id: _Optional[str] = ..., submitted_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., resolve_by: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., accepted_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., resolved_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., closed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., result_text: _Optional[str] = ..., photos: _Optional[_Iterable[_Union[PublicPhoto, _Mapping]]] = ..., rating_stars: _Optional[int] = ..., on_time: _Optional[bool] = ..., escalated: _Optional[bool] = ..., merged_into_id: _Optional[str] = ..., version: _Optional[int] = ..., text_withheld: _Optional[bool] = ...) -> None: ...

class VisitPlan(_message.Message):
    __slots__ = ("id", "resident_group", "cadence", "interval", "starts_at", "ends_at", "category", "title", "description", "resident_person_id", "address", "point", "grid_id", "community_id", "street_id", "org_path", "active", "stop_reason", "generated_through", "created_by", "version", "created_at", "updated_at")
    ID_FIELD_NUMBER: _ClassVar[int]
    RESIDENT_GROUP_FIELD_NUMBER: _ClassVar[int]
    CADENCE_FIELD_NUMBER: _ClassVar[int]
    INTERVAL_FIELD_NUMBER: _ClassVar[int]
    STARTS_AT_FIELD_NUMBER: _ClassVar[int]
    ENDS_AT_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    RESIDENT_PERSON_ID_FIELD_NUMBER: _ClassVar[int]
    ADDRESS_FIELD_NUMBER: _ClassVar[int]
    POINT_FIELD_NUMBER: _ClassVar[int]
    GRID_ID_FIELD_NUMBER: _ClassVar[int]
    COMMUNITY_ID_FIELD_NUMBER: _ClassVar[int]
    STREET_ID_FIELD_NUMBER: _ClassVar[int]
    ORG_PATH_FIELD_NUMBER: _ClassVar[int]
    ACTIVE_FIELD_NUMBER: _ClassVar[int]
    STOP_REASON_FIELD_NUMBER: _ClassVar[int]
    GENERATED_THROUGH_FIELD_NUMBER: _ClassVar[int]
    CREATED_BY_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    id: str
    resident_group: ResidentGroup
    cadence: VisitCadence
    interval: int
    starts_at: _timestamp_pb2.Timestamp
    ends_at: _timestamp_pb2.Timestamp
    category: str
    title: str
    description: str
    resident_person_id: str
    address: _common_pb2.Address
    point: _common_pb2.GeoPoint
    grid_id: str
    community_id: str
    street_id: str
    org_path: _containers.RepeatedScalarFieldContainer[str]
    active: bool
    stop_reason: str
    generated_through: _timestamp_pb2.Timestamp
    created_by: str
    version: int
    created_at: _timestamp_pb2.Timestamp
    updated_at: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., resident_group: _Optional[_Union[ResidentGroup, str]] = ..., cadence: _Optional[_Union[VisitCadence, str]] = ..., interval: _Optional[int] = ..., starts_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., ends_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., category: _Optional[str] = ..., title: _Optional[str] = ..., description: _Optional[str] = ..., resident_person_id: _Optional[str] = ..., address: _Optional[_Union[_common_pb2.Address, _Mapping]] = ..., point: _Optional[_Union[_common_pb2.GeoPoint, _Mapping]] = ..., grid_id: _Optional[str] = ..., community_id: _Optional[str] = ..., street_id: _Optional[str] = ..., org_path: _Optional[_Iterable[str]] = ..., active: _Optional[bool] = ..., stop_reason: _Optional[str] = ..., generated_through: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., created_by: _Optional[str] = ..., version: _Optional[int] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class DuplicateSuggestion(_message.Message):
    __slots__ = ("request_id", "score", "text_similarity", "distance_meters", "submitted_at", "status", "distance_band")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    TEXT_SIMILARITY_FIELD_NUMBER: _ClassVar[int]
    DISTANCE_METERS_FIELD_NUMBER: _ClassVar[int]
    SUBMITTED_AT_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    DISTANCE_BAND_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    score: float
    text_similarity: float
    distance_meters: float
    submitted_at: _timestamp_pb2.Timestamp
    status: RequestStatus
    distance_band: str
    def __init__(self, request_id: _Optional[str] = ..., score: _Optional[float] = ..., text_similarity: _Optional[float] = ..., distance_meters: _Optional[float] = ..., submitted_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., status: _Optional[_Union[RequestStatus, str]] = ..., distance_band: _Optional[str] = ...) -> None: ...

class Metrics(_message.Message):
    __slots__ = ("total", "received", "solved", "on_time", "rated", "closure_rate", "on_time_rate", "median_seconds_to_accept", "median_seconds_to_resolve", "mean_rating", "satisfied_share")
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    RECEIVED_FIELD_NUMBER: _ClassVar[int]
    SOLVED_FIELD_NUMBER: _ClassVar[int]
    ON_TIME_FIELD_NUMBER: _ClassVar[int]
    RATED_FIELD_NUMBER: _ClassVar[int]
    CLOSURE_RATE_FIELD_NUMBER: _ClassVar[int]
    ON_TIME_RATE_FIELD_NUMBER: _ClassVar[int]
    MEDIAN_SECONDS_TO_ACCEPT_FIELD_NUMBER: _ClassVar[int]
    MEDIAN_SECONDS_TO_RESOLVE_FIELD_NUMBER: _ClassVar[int]
    MEAN_RATING_FIELD_NUMBER: _ClassVar[int]
    SATISFIED_SHARE_FIELD_NUMBER: _ClassVar[int]
    total: int
    received: int
    solved: int
    on_time: int
    rated: int
    closure_rate: float
    on_time_rate: float
    median_seconds_to_accept: float
    median_seconds_to_resolve: float
    mean_rating: float
    satisfied_share: float
    def __init__(self, total: _Optional[int] = ..., received: _Optional[int] = ..., solved: _Optional[int] = ..., on_time: _Optional[int] = ..., rated: _Optional[int] = ..., closure_rate: _Optional[float] = ..., on_time_rate: _Optional[float] = ..., median_seconds_to_accept: _Optional[float] = ..., median_seconds_to_resolve: _Optional[float] = ..., mean_rating: _Optional[float] = ..., satisfied_share: _Optional[float] = ...) -> None: ...

class StatisticsBucket(_message.Message):
    __slots__ = ("key", "metrics")
    KEY_FIELD_NUMBER: _ClassVar[int]
    METRICS_FIELD_NUMBER: _ClassVar[int]
    key: _containers.RepeatedScalarFieldContainer[str]
    metrics: Metrics
    def __init__(self, key: _Optional[_Iterable[str]] = ..., metrics: _Optional[_Union[Metrics, _Mapping]] = ...) -> None: ...

class Statistics(_message.Message):
    __slots__ = ("scope_id", "period_start", "period_end", "group_by", "overall", "buckets")
    SCOPE_ID_FIELD_NUMBER: _ClassVar[int]
    PERIOD_START_FIELD_NUMBER: _ClassVar[int]
    PERIOD_END_FIELD_NUMBER: _ClassVar[int]
    GROUP_BY_FIELD_NUMBER: _ClassVar[int]
    OVERALL_FIELD_NUMBER: _ClassVar[int]
    BUCKETS_FIELD_NUMBER: _ClassVar[int]
    scope_id: str
    period_start: _timestamp_pb2.Timestamp
    period_end: _timestamp_pb2.Timestamp
    group_by: _containers.RepeatedScalarFieldContainer[StatisticsDimension]
    overall: Metrics
    buckets: _containers.RepeatedCompositeFieldContainer[StatisticsBucket]
    def __init__(self, scope_id: _Optional[str] = ..., period_start: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., period_end: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., group_by: _Optional[_Iterable[_Union[StatisticsDimension, str]]] = ..., overall: _Optional[_Union[Metrics, _Mapping]] = ..., buckets: _Optional[_Iterable[_Union[StatisticsBucket, _Mapping]]] = ...) -> None: ...

class PublicBoard(_message.Message):
    __slots__ = ("scope_id", "period_start", "period_end", "overall", "communities", "categories", "recent_results")
    SCOPE_ID_FIELD_NUMBER: _ClassVar[int]
    PERIOD_START_FIELD_NUMBER: _ClassVar[int]
    PERIOD_END_FIELD_NUMBER: _ClassVar[int]
    OVERALL_FIELD_NUMBER: _ClassVar[int]
    COMMUNITIES_FIELD_NUMBER: _ClassVar[int]
    CATEGORIES_FIELD_NUMBER: _ClassVar[int]
    RECENT_RESULTS_FIELD_NUMBER: _ClassVar[int]
    scope_id: str
    period_start: _timestamp_pb2.Timestamp
    period_end: _timestamp_pb2.Timestamp
    overall: Metrics
    communities: _containers.RepeatedCompositeFieldContainer[StatisticsBucket]
    categories: _containers.RepeatedCompositeFieldContainer[StatisticsBucket]
    recent_results: _containers.RepeatedCompositeFieldContainer[PublicRequest]
    def __init__(self, scope_id: _Optional[str] = ..., period_start: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., period_end: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., overall: _Optional[_Union[Metrics, _Mapping]] = ..., communities: _Optional[_Iterable[_Union[StatisticsBucket, _Mapping]]] = ..., categories: _Optional[_Iterable[_Union[StatisticsBucket, _Mapping]]] = ..., recent_results: _Optional[_Iterable[_Union[PublicRequest, _Mapping]]] = ...) -> None: ...

class CsvChunk(_message.Message):
    __slots__ = ("data", "last")
    DATA_FIELD_NUMBER: _ClassVar[int]
    LAST_FIELD_NUMBER: _ClassVar[int]
    data: bytes
    last: bool
    def __init__(self, data: _Optional[bytes] = ..., last: _Optional[bool] = ...) -> None: ...

class SubmitRequestRequest(_message.Message):
    __slots__ = ("idempotency_key", "category", "title", "description", "address", "point", "requester_person_id", "anonymous_contact", "resident_group", "urgency", "attachments", "channel", "client_token")
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    ADDRESS_FIELD_NUMBER: _ClassVar[int]
    POINT_FIELD_NUMBER: _ClassVar[int]
    REQUESTER_PERSON_ID_FIELD_NUMBER: _ClassVar[int]
    ANONYMOUS_CONTACT_FIELD_NUMBER: _ClassVar[int]
    RESIDENT_GROUP_FIELD_NUMBER: _ClassVar[int]
    URGENCY_FIELD_NUMBER: _ClassVar[int]
    ATTACHMENTS_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    CLIENT_TOKEN_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    category: str
    title: str
    description: str
    address: _common_pb2.Address
    point: _common_pb2.GeoPoint
    requester_person_id: str
    anonymous_contact: _common_pb2.Contact
    resident_group: ResidentGroup
    urgency: Urgency
    attachments: _containers.RepeatedCompositeFieldContainer[Attachment]
    channel: Channel
    client_token: str
    def __init__(self, idempotency_key: _Optional[str] = ..., category: _Optional[str] = ..., title: _Optional[str] = ..., description: _Optional[str] = ..., address: _Optional[_Union[_common_pb2.Address, _Mapping]] = ..., point: _Optional[_Union[_common_pb2.GeoPoint, _Mapping]] = ..., requester_person_id: _Optional[str] = ..., anonymous_contact: _Optional[_Union[_common_pb2.Contact, _Mapping]] = ..., resident_group: _Optional[_Union[ResidentGroup, str]] = ..., urgency: _Optional[_Union[Urgency, str]] = ..., attachments: _Optional[_Iterable[_Union[Attachment, _Mapping]]] = ..., channel: _Optional[_Union[Channel, str]] = ..., client_token: _Optional[str] = ...) -> None: ...

class SubmitRequestResponse(_message.Message):
    __slots__ = ("request", "suggested_duplicates")
    REQUEST_FIELD_NUMBER: _ClassVar[int]
    SUGGESTED_DUPLICATES_FIELD_NUMBER: _ClassVar[int]
    request: Request
    suggested_duplicates: _containers.RepeatedCompositeFieldContainer[DuplicateSuggestion]
    def __init__(self, request: _Optional[_Union[Request, _Mapping]] = ..., suggested_duplicates: _Optional[_Iterable[_Union[DuplicateSuggestion, _Mapping]]] = ...) -> None: ...

class GetRequestRequest(_message.Message):
    __slots__ = ("request_id",)
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    def __init__(self, request_id: _Optional[str] = ...) -> None: ...

class ListRequestsRequest(_message.Message):
    __slots__ = ("statuses", "categories", "community_id", "grid_id", "street_id", "scope_id", "handler_id", "submitted_from", "submitted_to", "breached_only", "escalated_only", "page")
    STATUSES_FIELD_NUMBER: _ClassVar[int]
    CATEGORIES_FIELD_NUMBER: _ClassVar[int]
    COMMUNITY_ID_FIELD_NUMBER: _ClassVar[int]
    GRID_ID_FIELD_NUMBER: _ClassVar[int]
    STREET_ID_FIELD_NUMBER: _ClassVar[int]
    SCOPE_ID_FIELD_NUMBER: _ClassVar[int]
    HANDLER_ID_FIELD_NUMBER: _ClassVar[int]
    SUBMITTED_FROM_FIELD_NUMBER: _ClassVar[int]
    SUBMITTED_TO_FIELD_NUMBER: _ClassVar[int]
    BREACHED_ONLY_FIELD_NUMBER: _ClassVar[int]
    ESCALATED_ONLY_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    statuses: _containers.RepeatedScalarFieldContainer[RequestStatus]
    categories: _containers.RepeatedScalarFieldContainer[str]
    community_id: str
    grid_id: str
    street_id: str
    scope_id: str
    handler_id: str
    submitted_from: _timestamp_pb2.Timestamp
    submitted_to: _timestamp_pb2.Timestamp
    breached_only: bool
    escalated_only: bool
    page: _common_pb2.PageRequest
    def __init__(self, statuses: _Optional[_Iterable[_Union[RequestStatus, str]]] = ..., categories: _Optional[_Iterable[str]] = ..., community_id: _Optional[str] = ..., grid_id: _Optional[str] = ..., street_id: _Optional[str] = ..., scope_id: _Optional[str] = ..., handler_id: _Optional[str] = ..., submitted_from: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., submitted_to: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., breached_only: _Optional[bool] = ..., escalated_only: _Optional[bool] = ..., page: _Optional[_Union[_common_pb2.PageRequest, _Mapping]] = ...) -> None: ...

class ListRequestsResponse(_message.Message):
    __slots__ = ("requests", "page")
    REQUESTS_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    requests: _containers.RepeatedCompositeFieldContainer[Request]
    page: _common_pb2.PageInfo
    def __init__(self, requests: _Optional[_Iterable[_Union[Request, _Mapping]]] = ..., page: _Optional[_Union[_common_pb2.PageInfo, _Mapping]] = ...) -> None: ...

class AcceptRequestRequest(_message.Message):
    __slots__ = ("request_id", "expected_version", "category", "urgency", "note")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_VERSION_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    URGENCY_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    expected_version: int
    category: str
    urgency: Urgency
    note: str
    def __init__(self, request_id: _Optional[str] = ..., expected_version: _Optional[int] = ..., category: _Optional[str] = ..., urgency: _Optional[_Union[Urgency, str]] = ..., note: _Optional[str] = ...) -> None: ...

class RejectRequestRequest(_message.Message):
    __slots__ = ("request_id", "expected_version", "reason")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_VERSION_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    expected_version: int
    reason: str
    def __init__(self, request_id: _Optional[str] = ..., expected_version: _Optional[int] = ..., reason: _Optional[str] = ...) -> None: ...

class DispatchRequestRequest(_message.Message):
    __slots__ = ("request_id", "expected_version", "assignee", "note")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_VERSION_FIELD_NUMBER: _ClassVar[int]
    ASSIGNEE_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    expected_version: int
    assignee: Assignee
    note: str
    def __init__(self, request_id: _Optional[str] = ..., expected_version: _Optional[int] = ..., assignee: _Optional[_Union[Assignee, _Mapping]] = ..., note: _Optional[str] = ...) -> None: ...

class OfferToVolunteersRequest(_message.Message):
    __slots__ = ("request_id", "expected_version", "candidate_volunteer_ids", "offer_count", "offer_ttl_seconds")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_VERSION_FIELD_NUMBER: _ClassVar[int]
    CANDIDATE_VOLUNTEER_IDS_FIELD_NUMBER: _ClassVar[int]
    OFFER_COUNT_FIELD_NUMBER: _ClassVar[int]
    OFFER_TTL_SECONDS_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    expected_version: int
    candidate_volunteer_ids: _containers.RepeatedScalarFieldContainer[str]
    offer_count: int
    offer_ttl_seconds: int
    def __init__(self, request_id: _Optional[str] = ..., expected_version: _Optional[int] = ..., candidate_volunteer_ids: _Optional[_Iterable[str]] = ..., offer_count: _Optional[int] = ..., offer_ttl_seconds: _Optional[int] = ...) -> None: ...

class ClaimRequestRequest(_message.Message):
    __slots__ = ("request_id", "expected_version")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_VERSION_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    expected_version: int
    def __init__(self, request_id: _Optional[str] = ..., expected_version: _Optional[int] = ...) -> None: ...

class DeclineOfferRequest(_message.Message):
    __slots__ = ("request_id", "expected_version", "reason")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_VERSION_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    expected_version: int
    reason: str
    def __init__(self, request_id: _Optional[str] = ..., expected_version: _Optional[int] = ..., reason: _Optional[str] = ...) -> None: ...

class StartWorkRequest(_message.Message):
    __slots__ = ("request_id", "expected_version", "note")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_VERSION_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    expected_version: int
    note: str
    def __init__(self, request_id: _Optional[str] = ..., expected_version: _Optional[int] = ..., note: _Optional[str] = ...) -> None: ...

class ResolveRequestRequest(_message.Message):
    __slots__ = ("request_id", "expected_version", "result_text", "photos", "hours")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_VERSION_FIELD_NUMBER: _ClassVar[int]
    RESULT_TEXT_FIELD_NUMBER: _ClassVar[int]
    PHOTOS_FIELD_NUMBER: _ClassVar[int]
    HOURS_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    expected_version: int
    result_text: str
    photos: _containers.RepeatedCompositeFieldContainer[Attachment]
    hours: float
    def __init__(self, request_id: _Optional[str] = ..., expected_version: _Optional[int] = ..., result_text: _Optional[str] = ..., photos: _Optional[_Iterable[_Union[Attachment, _Mapping]]] = ..., hours: _Optional[float] = ...) -> None: ...

class RateRequestRequest(_message.Message):
    __slots__ = ("request_id", "expected_version", "stars", "comment")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_VERSION_FIELD_NUMBER: _ClassVar[int]
    STARS_FIELD_NUMBER: _ClassVar[int]
    COMMENT_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    expected_version: int
    stars: int
    comment: str
    def __init__(self, request_id: _Optional[str] = ..., expected_version: _Optional[int] = ..., stars: _Optional[int] = ..., comment: _Optional[str] = ...) -> None: ...

class CloseRequestRequest(_message.Message):
    __slots__ = ("request_id", "expected_version", "note")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_VERSION_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    expected_version: int
    note: str
    def __init__(self, request_id: _Optional[str] = ..., expected_version: _Optional[int] = ..., note: _Optional[str] = ...) -> None: ...

class ReopenRequestRequest(_message.Message):
    __slots__ = ("request_id", "expected_version", "reason")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_VERSION_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    expected_version: int
    reason: str
    def __init__(self, request_id: _Optional[str] = ..., expected_version: _Optional[int] = ..., reason: _Optional[str] = ...) -> None: ...

class CancelRequestRequest(_message.Message):
    __slots__ = ("request_id", "expected_version", "reason")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_VERSION_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    expected_version: int
    reason: str
    def __init__(self, request_id: _Optional[str] = ..., expected_version: _Optional[int] = ..., reason: _Optional[str] = ...) -> None: ...

class TransferRequestRequest(_message.Message):
    __slots__ = ("request_id", "expected_version", "to", "reason")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_VERSION_FIELD_NUMBER: _ClassVar[int]
    TO_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    expected_version: int
    to: Assignee
    reason: str
    def __init__(self, request_id: _Optional[str] = ..., expected_version: _Optional[int] = ..., to: _Optional[_Union[Assignee, _Mapping]] = ..., reason: _Optional[str] = ...) -> None: ...

class RespondToTransferRequest(_message.Message):
    __slots__ = ("request_id", "expected_version", "accept", "reason")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_VERSION_FIELD_NUMBER: _ClassVar[int]
    ACCEPT_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    expected_version: int
    accept: bool
    reason: str
    def __init__(self, request_id: _Optional[str] = ..., expected_version: _Optional[int] = ..., accept: _Optional[bool] = ..., reason: _Optional[str] = ...) -> None: ...

class EscalateRequestRequest(_message.Message):
    __slots__ = ("request_id", "expected_version", "reason", "department_code")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_VERSION_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    DEPARTMENT_CODE_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    expected_version: int
    reason: str
    department_code: str
    def __init__(self, request_id: _Optional[str] = ..., expected_version: _Optional[int] = ..., reason: _Optional[str] = ..., department_code: _Optional[str] = ...) -> None: ...

class AcknowledgeEscalationRequest(_message.Message):
    __slots__ = ("request_id", "expected_version", "note")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_VERSION_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    expected_version: int
    note: str
    def __init__(self, request_id: _Optional[str] = ..., expected_version: _Optional[int] = ..., note: _Optional[str] = ...) -> None: ...

class StartRoundTableRequest(_message.Message):
    __slots__ = ("request_id", "expected_version", "topic", "parties")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_VERSION_FIELD_NUMBER: _ClassVar[int]
    TOPIC_FIELD_NUMBER: _ClassVar[int]
    PARTIES_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    expected_version: int
    topic: str
    parties: _containers.RepeatedCompositeFieldContainer[RoundTableParty]
    def __init__(self, request_id: _Optional[str] = ..., expected_version: _Optional[int] = ..., topic: _Optional[str] = ..., parties: _Optional[_Iterable[_Union[RoundTableParty, _Mapping]]] = ...) -> None: ...

class RecordMeetingRequest(_message.Message):
    __slots__ = ("request_id", "expected_version", "held_at", "notes", "attendees")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_VERSION_FIELD_NUMBER: _ClassVar[int]
    HELD_AT_FIELD_NUMBER: _ClassVar[int]
    NOTES_FIELD_NUMBER: _ClassVar[int]
    ATTENDEES_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    expected_version: int
    held_at: _timestamp_pb2.Timestamp
    notes: str
    attendees: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, request_id: _Optional[str] = ..., expected_version: _Optional[int] = ..., held_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., notes: _Optional[str] = ..., attendees: _Optional[_Iterable[str]] = ...) -> None: ...

class SplitPart(_message.Message):
    __slots__ = ("category", "title", "description", "urgency")
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    URGENCY_FIELD_NUMBER: _ClassVar[int]
    category: str
    title: str
    description: str
    urgency: Urgency
    def __init__(self, category: _Optional[str] = ..., title: _Optional[str] = ..., description: _Optional[str] = ..., urgency: _Optional[_Union[Urgency, str]] = ...) -> None: ...

class ConcludeRoundTableRequest(_message.Message):
    __slots__ = ("request_id", "expected_version", "outcome", "summary", "parts")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_VERSION_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    PARTS_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    expected_version: int
    outcome: RoundTableOutcome
    summary: str
    parts: _containers.RepeatedCompositeFieldContainer[SplitPart]
    def __init__(self, request_id: _Optional[str] = ..., expected_version: _Optional[int] = ..., outcome: _Optional[_Union[RoundTableOutcome, str]] = ..., summary: _Optional[str] = ..., parts: _Optional[_Iterable[_Union[SplitPart, _Mapping]]] = ...) -> None: ...

class ConcludeRoundTableResponse(_message.Message):
    __slots__ = ("request", "created")
    REQUEST_FIELD_NUMBER: _ClassVar[int]
    CREATED_FIELD_NUMBER: _ClassVar[int]
    request: Request
    created: _containers.RepeatedCompositeFieldContainer[Request]
    def __init__(self, request: _Optional[_Union[Request, _Mapping]] = ..., created: _Optional[_Iterable[_Union[Request, _Mapping]]] = ...) -> None: ...

class ScheduleVisitsRequest(_message.Message):
    __slots__ = ("idempotency_key", "resident_group", "cadence", "interval", "starts_at", "ends_at", "resident_person_id", "category", "title", "description", "address", "point")
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    RESIDENT_GROUP_FIELD_NUMBER: _ClassVar[int]
    CADENCE_FIELD_NUMBER: _ClassVar[int]
    INTERVAL_FIELD_NUMBER: _ClassVar[int]
    STARTS_AT_FIELD_NUMBER: _ClassVar[int]
    ENDS_AT_FIELD_NUMBER: _ClassVar[int]
    RESIDENT_PERSON_ID_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    ADDRESS_FIELD_NUMBER: _ClassVar[int]
    POINT_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    resident_group: ResidentGroup
    cadence: VisitCadence
    interval: int
    starts_at: _timestamp_pb2.Timestamp
    ends_at: _timestamp_pb2.Timestamp
    resident_person_id: str
    category: str
    title: str
    description: str
    address: _common_pb2.Address
    point: _common_pb2.GeoPoint
    def __init__(self, idempotency_key: _Optional[str] = ..., resident_group: _Optional[_Union[ResidentGroup, str]] = ..., cadence: _Optional[_Union[VisitCadence, str]] = ..., interval: _Optional[int] = ..., starts_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., ends_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., resident_person_id: _Optional[str] = ..., category: _Optional[str] = ..., title: _Optional[str] = ..., description: _Optional[str] = ..., address: _Optional[_Union[_common_pb2.Address, _Mapping]] = ..., point: _Optional[_Union[_common_pb2.GeoPoint, _Mapping]] = ...) -> None: ...

class ListVisitPlansRequest(_message.Message):
    __slots__ = ("scope_id", "resident_group", "resident_person_id", "include_stopped", "page")
    SCOPE_ID_FIELD_NUMBER: _ClassVar[int]
    RESIDENT_GROUP_FIELD_NUMBER: _ClassVar[int]
    RESIDENT_PERSON_ID_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_STOPPED_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    scope_id: str
    resident_group: ResidentGroup
    resident_person_id: str
    include_stopped: bool
    page: _common_pb2.PageRequest
    def __init__(self, scope_id: _Optional[str] = ..., resident_group: _Optional[_Union[ResidentGroup, str]] = ..., resident_person_id: _Optional[str] = ..., include_stopped: _Optional[bool] = ..., page: _Optional[_Union[_common_pb2.PageRequest, _Mapping]] = ...) -> None: ...

class ListVisitPlansResponse(_message.Message):
    __slots__ = ("plans", "page")
    PLANS_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    plans: _containers.RepeatedCompositeFieldContainer[VisitPlan]
    page: _common_pb2.PageInfo
    def __init__(self, plans: _Optional[_Iterable[_Union[VisitPlan, _Mapping]]] = ..., page: _Optional[_Union[_common_pb2.PageInfo, _Mapping]] = ...) -> None: ...

class StopVisitPlanRequest(_message.Message):
    __slots__ = ("plan_id", "expected_version", "reason")
    PLAN_ID_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_VERSION_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    plan_id: str
    expected_version: int
    reason: str
    def __init__(self, plan_id: _Optional[str] = ..., expected_version: _Optional[int] = ..., reason: _Optional[str] = ...) -> None: ...

class SuggestDuplicatesRequest(_message.Message):
    __slots__ = ("request_id", "category", "title", "description", "point", "address", "limit")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    POINT_FIELD_NUMBER: _ClassVar[int]
    ADDRESS_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    category: str
    title: str
    description: str
    point: _common_pb2.GeoPoint
    address: _common_pb2.Address
    limit: int
    def __init__(self, request_id: _Optional[str] = ..., category: _Optional[str] = ..., title: _Optional[str] = ..., description: _Optional[str] = ..., point: _Optional[_Union[_common_pb2.GeoPoint, _Mapping]] = ..., address: _Optional[_Union[_common_pb2.Address, _Mapping]] = ..., limit: _Optional[int] = ...) -> None: ...

class SuggestDuplicatesResponse(_message.Message):
    __slots__ = ("suggestions",)
    SUGGESTIONS_FIELD_NUMBER: _ClassVar[int]
    suggestions: _containers.RepeatedCompositeFieldContainer[DuplicateSuggestion]
    def __init__(self, suggestions: _Optional[_Iterable[_Union[DuplicateSuggestion, _Mapping]]] = ...) -> None: ...

class MergeRequestRequest(_message.Message):
    __slots__ = ("duplicate_id", "expected_version", "original_id", "original_expected_version", "reason")
    DUPLICATE_ID_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_VERSION_FIELD_NUMBER: _ClassVar[int]
    ORIGINAL_ID_FIELD_NUMBER: _ClassVar[int]
    ORIGINAL_EXPECTED_VERSION_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    duplicate_id: str
    expected_version: int
    original_id: str
    original_expected_version: int
    reason: str
    def __init__(self, duplicate_id: _Optional[str] = ..., expected_version: _Optional[int] = ..., original_id: _Optional[str] = ..., original_expected_version: _Optional[int] = ..., reason: _Optional[str] = ...) -> None: ...

class MergeRequestResponse(_message.Message):
    __slots__ = ("duplicate", "original")
    DUPLICATE_FIELD_NUMBER: _ClassVar[int]
    ORIGINAL_FIELD_NUMBER: _ClassVar[int]
    duplicate: Request
    original: Request
    def __init__(self, duplicate: _Optional[_Union[Request, _Mapping]] = ..., original: _Optional[_Union[Request, _Mapping]] = ...) -> None: ...

class FollowRequestRequest(_message.Message):
    __slots__ = ("request_id", "expected_version", "unfollow")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_VERSION_FIELD_NUMBER: _ClassVar[int]
    UNFOLLOW_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    expected_version: int
    unfollow: bool
    def __init__(self, request_id: _Optional[str] = ..., expected_version: _Optional[int] = ..., unfollow: _Optional[bool] = ...) -> None: ...

class FollowRequestResponse(_message.Message):
    __slots__ = ("following", "follower_count")
    FOLLOWING_FIELD_NUMBER: _ClassVar[int]
    FOLLOWER_COUNT_FIELD_NUMBER: _ClassVar[int]
    following: bool
    follower_count: int
    def __init__(self, following: _Optional[bool] = ..., follower_count: _Optional[int] = ...) -> None: ...

class ModerateRequestRequest(_message.Message):
    __slots__ = ("request_id", "expected_version", "visibility", "redactions", "redact_attachment_ids", "reason", "approve_publication")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_VERSION_FIELD_NUMBER: _ClassVar[int]
    VISIBILITY_FIELD_NUMBER: _ClassVar[int]
    REDACTIONS_FIELD_NUMBER: _ClassVar[int]
    REDACT_ATTACHMENT_IDS_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    APPROVE_PUBLICATION_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    expected_version: int
    visibility: ModerationVisibility
    redactions: _containers.RepeatedCompositeFieldContainer[TextRedaction]
    redact_attachment_ids: _containers.RepeatedScalarFieldContainer[str]
    reason: str
    approve_publication: bool
    def __init__(self, request_id: _Optional[str] = ..., expected_version: _Optional[int] = ..., visibility: _Optional[_Union[ModerationVisibility, str]] = ..., redactions: _Optional[_Iterable[_Union[TextRedaction, _Mapping]]] = ..., redact_attachment_ids: _Optional[_Iterable[str]] = ..., reason: _Optional[str] = ..., approve_publication: _Optional[bool] = ...) -> None: ...

class ListPendingPublicationsRequest(_message.Message):
    __slots__ = ("scope_id", "page")
    SCOPE_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    scope_id: str
    page: _common_pb2.PageRequest
    def __init__(self, scope_id: _Optional[str] = ..., page: _Optional[_Union[_common_pb2.PageRequest, _Mapping]] = ...) -> None: ...

class PendingPublication(_message.Message):
    __slots__ = ("request", "preview", "fields")
    REQUEST_FIELD_NUMBER: _ClassVar[int]
    PREVIEW_FIELD_NUMBER: _ClassVar[int]
    FIELDS_FIELD_NUMBER: _ClassVar[int]
    request: Request
    preview: PublicRequest
    fields: _containers.RepeatedScalarFieldContainer[RedactableField]
    def __init__(self, request: _Optional[_Union[Request, _Mapping]] = ..., preview: _Optional[_Union[PublicRequest, _Mapping]] = ..., fields: _Optional[_Iterable[_Union[RedactableField, str]]] = ...) -> None: ...

class ListPendingPublicationsResponse(_message.Message):
    __slots__ = ("items", "page")
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    items: _containers.RepeatedCompositeFieldContainer[PendingPublication]
    page: _common_pb2.PageInfo
    def __init__(self, items: _Optional[_Iterable[_Union[PendingPublication, _Mapping]]] = ..., page: _Optional[_Union[_common_pb2.PageInfo, _Mapping]] = ...) -> None: ...

class GetStatisticsRequest(_message.Message):
    __slots__ = ("scope_id", "period_start", "period_end", "group_by", "granularity", "categories")
    SCOPE_ID_FIELD_NUMBER: _ClassVar[int]
    PERIOD_START_FIELD_NUMBER: _ClassVar[int]
    PERIOD_END_FIELD_NUMBER: _ClassVar[int]
    GROUP_BY_FIELD_NUMBER: _ClassVar[int]
    GRANULARITY_FIELD_NUMBER: _ClassVar[int]
    CATEGORIES_FIELD_NUMBER: _ClassVar[int]
    scope_id: str
    period_start: _timestamp_pb2.Timestamp
    period_end: _timestamp_pb2.Timestamp
    group_by: _containers.RepeatedScalarFieldContainer[StatisticsDimension]
    granularity: PeriodGranularity
    categories: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, scope_id: _Optional[str] = ..., period_start: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., period_end: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., group_by: _Optional[_Iterable[_Union[StatisticsDimension, str]]] = ..., granularity: _Optional[_Union[PeriodGranularity, str]] = ..., categories: _Optional[_Iterable[str]] = ...) -> None: ...

class GetPublicBoardRequest(_message.Message):
    __slots__ = ("scope_id", "period_start", "period_end", "recent_limit")
    SCOPE_ID_FIELD_NUMBER: _ClassVar[int]
    PERIOD_START_FIELD_NUMBER: _ClassVar[int]
    PERIOD_END_FIELD_NUMBER: _ClassVar[int]
    RECENT_LIMIT_FIELD_NUMBER: _ClassVar[int]
    scope_id: str
    period_start: _timestamp_pb2.Timestamp
    period_end: _timestamp_pb2.Timestamp
    recent_limit: int
    def __init__(self, scope_id: _Optional[str] = ..., period_start: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., period_end: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., recent_limit: _Optional[int] = ...) -> None: ...

class ListCategoriesRequest(_message.Message):
    __slots__ = ("include_retired",)
    INCLUDE_RETIRED_FIELD_NUMBER: _ClassVar[int]
    include_retired: bool
    def __init__(self, include_retired: _Optional[bool] = ...) -> None: ...

class CategoryDeadline(_message.Message):
    __slots__ = ("urgency", "accept_seconds", "resolve_seconds")
    URGENCY_FIELD_NUMBER: _ClassVar[int]
    ACCEPT_SECONDS_FIELD_NUMBER: _ClassVar[int]
    RESOLVE_SECONDS_FIELD_NUMBER: _ClassVar[int]
    urgency: Urgency
    accept_seconds: int
    resolve_seconds: int
    def __init__(self, urgency: _Optional[_Union[Urgency, str]] = ..., accept_seconds: _Optional[int] = ..., resolve_seconds: _Optional[int] = ...) -> None: ...

class Category(_message.Message):
    __slots__ = ("code", "name", "description", "department_code", "default_urgency", "accept_minutes", "resolve_minutes", "deadlines", "auto_publish", "active", "keywords", "group")
    CODE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    DEPARTMENT_CODE_FIELD_NUMBER: _ClassVar[int]
    DEFAULT_URGENCY_FIELD_NUMBER: _ClassVar[int]
    ACCEPT_MINUTES_FIELD_NUMBER: _ClassVar[int]
    RESOLVE_MINUTES_FIELD_NUMBER: _ClassVar[int]
    DEADLINES_FIELD_NUMBER: _ClassVar[int]
    AUTO_PUBLISH_FIELD_NUMBER: _ClassVar[int]
    ACTIVE_FIELD_NUMBER: _ClassVar[int]
    KEYWORDS_FIELD_NUMBER: _ClassVar[int]
    GROUP_FIELD_NUMBER: _ClassVar[int]
    code: str
    name: _common_pb2.LocalizedText
    description: _common_pb2.LocalizedText
    department_code: str
    default_urgency: Urgency
    accept_minutes: int
    resolve_minutes: int
    deadlines: _containers.RepeatedCompositeFieldContainer[CategoryDeadline]
    auto_publish: bool
    active: bool
    keywords: _containers.RepeatedScalarFieldContainer[str]
    group: str
    def __init__(self, code: _Optional[str] = ..., name: _Optional[_Union[_common_pb2.LocalizedText, _Mapping]] = ..., description: _Optional[_Union[_common_pb2.LocalizedText, _Mapping]] = ..., department_code: _Optional[str] = ..., default_urgency: _Optional[_Union[Urgency, str]] = ..., accept_minutes: _Optional[int] = ..., resolve_minutes: _Optional[int] = ..., deadlines: _Optional[_Iterable[_Union[CategoryDeadline, _Mapping]]] = ..., auto_publish: _Optional[bool] = ..., active: _Optional[bool] = ..., keywords: _Optional[_Iterable[str]] = ..., group: _Optional[str] = ...) -> None: ...

class CategoryDepartment(_message.Message):
    __slots__ = ("code", "name", "response_minutes")
    CODE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    RESPONSE_MINUTES_FIELD_NUMBER: _ClassVar[int]
    code: str
    name: _common_pb2.LocalizedText
    response_minutes: int
    def __init__(self, code: _Optional[str] = ..., name: _Optional[_Union[_common_pb2.LocalizedText, _Mapping]] = ..., response_minutes: _Optional[int] = ...) -> None: ...

class ListCategoriesResponse(_message.Message):
    __slots__ = ("categories", "departments")
    CATEGORIES_FIELD_NUMBER: _ClassVar[int]
    DEPARTMENTS_FIELD_NUMBER: _ClassVar[int]
    categories: _containers.RepeatedCompositeFieldContainer[Category]
    departments: _containers.RepeatedCompositeFieldContainer[CategoryDepartment]
    def __init__(self, categories: _Optional[_Iterable[_Union[Category, _Mapping]]] = ..., departments: _Optional[_Iterable[_Union[CategoryDepartment, _Mapping]]] = ...) -> None: ...

class ListPublicRequestsRequest(_message.Message):
    __slots__ = ("scope_id", "categories", "statuses", "submitted_from", "submitted_to", "request_ids", "page")
    SCOPE_ID_FIELD_NUMBER: _ClassVar[int]
    CATEGORIES_FIELD_NUMBER: _ClassVar[int]
    STATUSES_FIELD_NUMBER: _ClassVar[int]
    SUBMITTED_FROM_FIELD_NUMBER: _ClassVar[int]
    SUBMITTED_TO_FIELD_NUMBER: _ClassVar[int]
    REQUEST_IDS_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    scope_id: str
    categories: _containers.RepeatedScalarFieldContainer[str]
    statuses: _containers.RepeatedScalarFieldContainer[RequestStatus]
    submitted_from: _timestamp_pb2.Timestamp
    submitted_to: _timestamp_pb2.Timestamp
    request_ids: _containers.RepeatedScalarFieldContainer[str]
    page: _common_pb2.PageRequest
    def __init__(self, scope_id: _Optional[str] = ..., categories: _Optional[_Iterable[str]] = ..., statuses: _Optional[_Iterable[_Union[RequestStatus, str]]] = ..., submitted_from: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., submitted_to: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., request_ids: _Optional[_Iterable[str]] = ..., page: _Optional[_Union[_common_pb2.PageRequest, _Mapping]] = ...) -> None: ...

class ListPublicRequestsResponse(_message.Message):
    __slots__ = ("requests", "page")
    REQUESTS_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    requests: _containers.RepeatedCompositeFieldContainer[PublicRequest]
    page: _common_pb2.PageInfo
    def __init__(self, requests: _Optional[_Iterable[_Union[PublicRequest, _Mapping]]] = ..., page: _Optional[_Union[_common_pb2.PageInfo, _Mapping]] = ...) -> None: ...

class GetPublicRequestRequest(_message.Message):
    __slots__ = ("request_id",)
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    def __init__(self, request_id: _Optional[str] = ...) -> None: ...

class ExportLedgerCsvRequest(_message.Message):
    __slots__ = ("scope_id", "period_start", "period_end", "include_personal_data")
    SCOPE_ID_FIELD_NUMBER: _ClassVar[int]
    PERIOD_START_FIELD_NUMBER: _ClassVar[int]
    PERIOD_END_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_PERSONAL_DATA_FIELD_NUMBER: _ClassVar[int]
    scope_id: str
    period_start: _timestamp_pb2.Timestamp
    period_end: _timestamp_pb2.Timestamp
    include_personal_data: bool
    def __init__(self, scope_id: _Optional[str] = ..., period_start: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., period_end: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., include_personal_data: _Optional[bool] = ...) -> None: ...

class RequestSubmitted(_message.Message):
    __slots__ = ("header", "request", "attachment_count", "split_from_id")
    HEADER_FIELD_NUMBER: _ClassVar[int]
    REQUEST_FIELD_NUMBER: _ClassVar[int]
    ATTACHMENT_COUNT_FIELD_NUMBER: _ClassVar[int]
    SPLIT_FROM_ID_FIELD_NUMBER: _ClassVar[int]
    header: _events_pb2.EventHeader
    request: RequestSnapshot
    attachment_count: int
    split_from_id: str
    def __init__(self, header: _Optional[_Union[_events_pb2.EventHeader, _Mapping]] = ..., request: _Optional[_Union[RequestSnapshot, _Mapping]] = ..., attachment_count: _Optional[int] = ..., split_from_id: _Optional[str] = ...) -> None: ...

class RequestAccepted(_message.Message):
    __slots__ = ("header", "request", "reclassified_from", "note")
    HEADER_FIELD_NUMBER: _ClassVar[int]
    REQUEST_FIELD_NUMBER: _ClassVar[int]
    RECLASSIFIED_FROM_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    header: _events_pb2.EventHeader
    request: RequestSnapshot
    reclassified_from: str
    note: str
    def __init__(self, header: _Optional[_Union[_events_pb2.EventHeader, _Mapping]] = ..., request: _Optional[_Union[RequestSnapshot, _Mapping]] = ..., reclassified_from: _Optional[str] = ..., note: _Optional[str] = ...) -> None: ...

class RequestRejected(_message.Message):
    __slots__ = ("header", "request", "reason")
    HEADER_FIELD_NUMBER: _ClassVar[int]
    REQUEST_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    header: _events_pb2.EventHeader
    request: RequestSnapshot
    reason: str
    def __init__(self, header: _Optional[_Union[_events_pb2.EventHeader, _Mapping]] = ..., request: _Optional[_Union[RequestSnapshot, _Mapping]] = ..., reason: _Optional[str] = ...) -> None: ...

class RequestDispatched(_message.Message):
    __slots__ = ("header", "request", "assignee", "note")
    HEADER_FIELD_NUMBER: _ClassVar[int]
    REQUEST_FIELD_NUMBER: _ClassVar[int]
    ASSIGNEE_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    header: _events_pb2.EventHeader
    request: RequestSnapshot
    assignee: Assignee
    note: str
    def __init__(self, header: _Optional[_Union[_events_pb2.EventHeader, _Mapping]] = ..., request: _Optional[_Union[RequestSnapshot, _Mapping]] = ..., assignee: _Optional[_Union[Assignee, _Mapping]] = ..., note: _Optional[str] = ...) -> None: ...

class RequestOffered(_message.Message):
    __slots__ = ("header", "request", "offers", "round", "queued_count")
    HEADER_FIELD_NUMBER: _ClassVar[int]
    REQUEST_FIELD_NUMBER: _ClassVar[int]
    OFFERS_FIELD_NUMBER: _ClassVar[int]
    ROUND_FIELD_NUMBER: _ClassVar[int]
    QUEUED_COUNT_FIELD_NUMBER: _ClassVar[int]
    header: _events_pb2.EventHeader
    request: RequestSnapshot
    offers: _containers.RepeatedCompositeFieldContainer[Offer]
    round: int
    queued_count: int
    def __init__(self, header: _Optional[_Union[_events_pb2.EventHeader, _Mapping]] = ..., request: _Optional[_Union[RequestSnapshot, _Mapping]] = ..., offers: _Optional[_Iterable[_Union[Offer, _Mapping]]] = ..., round: _Optional[int] = ..., queued_count: _Optional[int] = ...) -> None: ...

class OfferDeclined(_message.Message):
    __slots__ = ("header", "request", "volunteer_id", "reason")
    HEADER_FIELD_NUMBER: _ClassVar[int]
    REQUEST_FIELD_NUMBER: _ClassVar[int]
    VOLUNTEER_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    header: _events_pb2.EventHeader
    request: RequestSnapshot
    volunteer_id: str
    reason: str
    def __init__(self, header: _Optional[_Union[_events_pb2.EventHeader, _Mapping]] = ..., request: _Optional[_Union[RequestSnapshot, _Mapping]] = ..., volunteer_id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class OfferWithdrawn(_message.Message):
    __slots__ = ("header", "request", "volunteer_ids", "reason")
    HEADER_FIELD_NUMBER: _ClassVar[int]
    REQUEST_FIELD_NUMBER: _ClassVar[int]
    VOLUNTEER_IDS_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    header: _events_pb2.EventHeader
    request: RequestSnapshot
    volunteer_ids: _containers.RepeatedScalarFieldContainer[str]
    reason: str
    def __init__(self, header: _Optional[_Union[_events_pb2.EventHeader, _Mapping]] = ..., request: _Optional[_Union[RequestSnapshot, _Mapping]] = ..., volunteer_ids: _Optional[_Iterable[str]] = ..., reason: _Optional[str] = ...) -> None: ...

class OfferExpired(_message.Message):
    __slots__ = ("header", "request", "volunteer_ids")
    HEADER_FIELD_NUMBER: _ClassVar[int]
    REQUEST_FIELD_NUMBER: _ClassVar[int]
    VOLUNTEER_IDS_FIELD_NUMBER: _ClassVar[int]
    header: _events_pb2.EventHeader
    request: RequestSnapshot
    volunteer_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, header: _Optional[_Union[_events_pb2.EventHeader, _Mapping]] = ..., request: _Optional[_Union[RequestSnapshot, _Mapping]] = ..., volunteer_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class OffersExhausted(_message.Message):
    __slots__ = ("header", "request")
    HEADER_FIELD_NUMBER: _ClassVar[int]
    REQUEST_FIELD_NUMBER: _ClassVar[int]
    header: _events_pb2.EventHeader
    request: RequestSnapshot
    def __init__(self, header: _Optional[_Union[_events_pb2.EventHeader, _Mapping]] = ..., request: _Optional[_Union[RequestSnapshot, _Mapping]] = ...) -> None: ...

class RequestClaimed(_message.Message):
    __slots__ = ("header", "request", "assignee")
    HEADER_FIELD_NUMBER: _ClassVar[int]
    REQUEST_FIELD_NUMBER: _ClassVar[int]
    ASSIGNEE_FIELD_NUMBER: _ClassVar[int]
    header: _events_pb2.EventHeader
    request: RequestSnapshot
    assignee: Assignee
    def __init__(self, header: _Optional[_Union[_events_pb2.EventHeader, _Mapping]] = ..., request: _Optional[_Union[RequestSnapshot, _Mapping]] = ..., assignee: _Optional[_Union[Assignee, _Mapping]] = ...) -> None: ...

class WorkStarted(_message.Message):
    __slots__ = ("header", "request", "note")
    HEADER_FIELD_NUMBER: _ClassVar[int]
    REQUEST_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    header: _events_pb2.EventHeader
    request: RequestSnapshot
    note: str
    def __init__(self, header: _Optional[_Union[_events_pb2.EventHeader, _Mapping]] = ..., request: _Optional[_Union[RequestSnapshot, _Mapping]] = ..., note: _Optional[str] = ...) -> None: ...

class RequestResolved(_message.Message):
    __slots__ = ("header", "request", "resolution")
    HEADER_FIELD_NUMBER: _ClassVar[int]
    REQUEST_FIELD_NUMBER: _ClassVar[int]
    RESOLUTION_FIELD_NUMBER: _ClassVar[int]
    header: _events_pb2.EventHeader
    request: RequestSnapshot
    resolution: Resolution
    def __init__(self, header: _Optional[_Union[_events_pb2.EventHeader, _Mapping]] = ..., request: _Optional[_Union[RequestSnapshot, _Mapping]] = ..., resolution: _Optional[_Union[Resolution, _Mapping]] = ...) -> None: ...

class RequestRated(_message.Message):
    __slots__ = ("header", "request", "stars", "comment")
    HEADER_FIELD_NUMBER: _ClassVar[int]
    REQUEST_FIELD_NUMBER: _ClassVar[int]
    STARS_FIELD_NUMBER: _ClassVar[int]
    COMMENT_FIELD_NUMBER: _ClassVar[int]
    header: _events_pb2.EventHeader
    request: RequestSnapshot
    stars: int
    comment: str
    def __init__(self, header: _Optional[_Union[_events_pb2.EventHeader, _Mapping]] = ..., request: _Optional[_Union[RequestSnapshot, _Mapping]] = ..., stars: _Optional[int] = ..., comment: _Optional[str] = ...) -> None: ...

class RequestClosed(_message.Message):
    __slots__ = ("header", "request", "note")
    HEADER_FIELD_NUMBER: _ClassVar[int]
    REQUEST_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    header: _events_pb2.EventHeader
    request: RequestSnapshot
    note: str
    def __init__(self, header: _Optional[_Union[_events_pb2.EventHeader, _Mapping]] = ..., request: _Optional[_Union[RequestSnapshot, _Mapping]] = ..., note: _Optional[str] = ...) -> None: ...

class RequestReopened(_message.Message):
    __slots__ = ("header", "request", "reason", "reopen_count", "automatic")
    HEADER_FIELD_NUMBER: _ClassVar[int]
    REQUEST_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    REOPEN_COUNT_FIELD_NUMBER: _ClassVar[int]
    AUTOMATIC_FIELD_NUMBER: _ClassVar[int]
    header: _events_pb2.EventHeader
    request: RequestSnapshot
    reason: str
    reopen_count: int
    automatic: bool
    def __init__(self, header: _Optional[_Union[_events_pb2.EventHeader, _Mapping]] = ..., request: _Optional[_Union[RequestSnapshot, _Mapping]] = ..., reason: _Optional[str] = ..., reopen_count: _Optional[int] = ..., automatic: _Optional[bool] = ...) -> None: ...

class RequestCancelled(_message.Message):
    __slots__ = ("header", "request", "reason")
    HEADER_FIELD_NUMBER: _ClassVar[int]
    REQUEST_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    header: _events_pb2.EventHeader
    request: RequestSnapshot
    reason: str
    def __init__(self, header: _Optional[_Union[_events_pb2.EventHeader, _Mapping]] = ..., request: _Optional[_Union[RequestSnapshot, _Mapping]] = ..., reason: _Optional[str] = ...) -> None: ...

class RequestTransferred(_message.Message):
    __slots__ = ("header", "request", "transfer")
    HEADER_FIELD_NUMBER: _ClassVar[int]
    REQUEST_FIELD_NUMBER: _ClassVar[int]
    TRANSFER_FIELD_NUMBER: _ClassVar[int]
    header: _events_pb2.EventHeader
    request: RequestSnapshot
    transfer: Transfer
    def __init__(self, header: _Optional[_Union[_events_pb2.EventHeader, _Mapping]] = ..., request: _Optional[_Union[RequestSnapshot, _Mapping]] = ..., transfer: _Optional[_Union[Transfer, _Mapping]] = ...) -> None: ...

class TransferAccepted(_message.Message):
    __slots__ = ("header", "request", "transfer")
    HEADER_FIELD_NUMBER: _ClassVar[int]
    REQUEST_FIELD_NUMBER: _ClassVar[int]
    TRANSFER_FIELD_NUMBER: _ClassVar[int]
    header: _events_pb2.EventHeader
    request: RequestSnapshot
    transfer: Transfer
    def __init__(self, header: _Optional[_Union[_events_pb2.EventHeader, _Mapping]] = ..., request: _Optional[_Union[RequestSnapshot, _Mapping]] = ..., transfer: _Optional[_Union[Transfer, _Mapping]] = ...) -> None: ...

class TransferRefused(_message.Message):
    __slots__ = ("header", "request", "transfer", "reason")
    HEADER_FIELD_NUMBER: _ClassVar[int]
    REQUEST_FIELD_NUMBER: _ClassVar[int]
    TRANSFER_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    header: _events_pb2.EventHeader
    request: RequestSnapshot
    transfer: Transfer
    reason: str
    def __init__(self, header: _Optional[_Union[_events_pb2.EventHeader, _Mapping]] = ..., request: _Optional[_Union[RequestSnapshot, _Mapping]] = ..., transfer: _Optional[_Union[Transfer, _Mapping]] = ..., reason: _Optional[str] = ...) -> None: ...

class DeadlineBreached(_message.Message):
    __slots__ = ("header", "request", "breach")
    HEADER_FIELD_NUMBER: _ClassVar[int]
    REQUEST_FIELD_NUMBER: _ClassVar[int]
    BREACH_FIELD_NUMBER: _ClassVar[int]
    header: _events_pb2.EventHeader
    request: RequestSnapshot
    breach: Breach
    def __init__(self, header: _Optional[_Union[_events_pb2.EventHeader, _Mapping]] = ..., request: _Optional[_Union[RequestSnapshot, _Mapping]] = ..., breach: _Optional[_Union[Breach, _Mapping]] = ...) -> None: ...

class RequestEscalated(_message.Message):
    __slots__ = ("header", "request", "escalation")
    HEADER_FIELD_NUMBER: _ClassVar[int]
    REQUEST_FIELD_NUMBER: _ClassVar[int]
    ESCALATION_FIELD_NUMBER: _ClassVar[int]
    header: _events_pb2.EventHeader
    request: RequestSnapshot
    escalation: Escalation
    def __init__(self, header: _Optional[_Union[_events_pb2.EventHeader, _Mapping]] = ..., request: _Optional[_Union[RequestSnapshot, _Mapping]] = ..., escalation: _Optional[_Union[Escalation, _Mapping]] = ...) -> None: ...

class EscalationAcknowledged(_message.Message):
    __slots__ = ("header", "request", "escalation")
    HEADER_FIELD_NUMBER: _ClassVar[int]
    REQUEST_FIELD_NUMBER: _ClassVar[int]
    ESCALATION_FIELD_NUMBER: _ClassVar[int]
    header: _events_pb2.EventHeader
    request: RequestSnapshot
    escalation: Escalation
    def __init__(self, header: _Optional[_Union[_events_pb2.EventHeader, _Mapping]] = ..., request: _Optional[_Union[RequestSnapshot, _Mapping]] = ..., escalation: _Optional[_Union[Escalation, _Mapping]] = ...) -> None: ...

class RoundTableStarted(_message.Message):
    __slots__ = ("header", "request", "round_table")
    HEADER_FIELD_NUMBER: _ClassVar[int]
    REQUEST_FIELD_NUMBER: _ClassVar[int]
    ROUND_TABLE_FIELD_NUMBER: _ClassVar[int]
    header: _events_pb2.EventHeader
    request: RequestSnapshot
    round_table: RoundTable
    def __init__(self, header: _Optional[_Union[_events_pb2.EventHeader, _Mapping]] = ..., request: _Optional[_Union[RequestSnapshot, _Mapping]] = ..., round_table: _Optional[_Union[RoundTable, _Mapping]] = ...) -> None: ...

class MeetingRecorded(_message.Message):
    __slots__ = ("header", "request", "meeting")
    HEADER_FIELD_NUMBER: _ClassVar[int]
    REQUEST_FIELD_NUMBER: _ClassVar[int]
    MEETING_FIELD_NUMBER: _ClassVar[int]
    header: _events_pb2.EventHeader
    request: RequestSnapshot
    meeting: Meeting
    def __init__(self, header: _Optional[_Union[_events_pb2.EventHeader, _Mapping]] = ..., request: _Optional[_Union[RequestSnapshot, _Mapping]] = ..., meeting: _Optional[_Union[Meeting, _Mapping]] = ...) -> None: ...

class RoundTableConcluded(_message.Message):
    __slots__ = ("header", "request", "round_table")
    HEADER_FIELD_NUMBER: _ClassVar[int]
    REQUEST_FIELD_NUMBER: _ClassVar[int]
    ROUND_TABLE_FIELD_NUMBER: _ClassVar[int]
    header: _events_pb2.EventHeader
    request: RequestSnapshot
    round_table: RoundTable
    def __init__(self, header: _Optional[_Union[_events_pb2.EventHeader, _Mapping]] = ..., request: _Optional[_Union[RequestSnapshot, _Mapping]] = ..., round_table: _Optional[_Union[RoundTable, _Mapping]] = ...) -> None: ...

class RequestMerged(_message.Message):
    __slots__ = ("header", "request", "duplicate_id", "original_id", "follower_person_ids")
    HEADER_FIELD_NUMBER: _ClassVar[int]
    REQUEST_FIELD_NUMBER: _ClassVar[int]
    DUPLICATE_ID_FIELD_NUMBER: _ClassVar[int]
    ORIGINAL_ID_FIELD_NUMBER: _ClassVar[int]
    FOLLOWER_PERSON_IDS_FIELD_NUMBER: _ClassVar[int]
    header: _events_pb2.EventHeader
    request: RequestSnapshot
    duplicate_id: str
    original_id: str
    follower_person_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, header: _Optional[_Union[_events_pb2.EventHeader, _Mapping]] = ..., request: _Optional[_Union[RequestSnapshot, _Mapping]] = ..., duplicate_id: _Optional[str] = ..., original_id: _Optional[str] = ..., follower_person_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class RequestModerated(_message.Message):
    __slots__ = ("header", "request", "record")
    HEADER_FIELD_NUMBER: _ClassVar[int]
    REQUEST_FIELD_NUMBER: _ClassVar[int]
    RECORD_FIELD_NUMBER: _ClassVar[int]
    header: _events_pb2.EventHeader
    request: RequestSnapshot
    record: ModerationRecord
    def __init__(self, header: _Optional[_Union[_events_pb2.EventHeader, _Mapping]] = ..., request: _Optional[_Union[RequestSnapshot, _Mapping]] = ..., record: _Optional[_Union[ModerationRecord, _Mapping]] = ...) -> None: ...

class VisitPlanScheduled(_message.Message):
    __slots__ = ("header", "plan")
    HEADER_FIELD_NUMBER: _ClassVar[int]
    PLAN_FIELD_NUMBER: _ClassVar[int]
    header: _events_pb2.EventHeader
    plan: VisitPlan
    def __init__(self, header: _Optional[_Union[_events_pb2.EventHeader, _Mapping]] = ..., plan: _Optional[_Union[VisitPlan, _Mapping]] = ...) -> None: ...

class VisitPlanStopped(_message.Message):
    __slots__ = ("header", "plan", "reason")
    HEADER_FIELD_NUMBER: _ClassVar[int]
    PLAN_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    header: _events_pb2.EventHeader
    plan: VisitPlan
    reason: str
    def __init__(self, header: _Optional[_Union[_events_pb2.EventHeader, _Mapping]] = ..., plan: _Optional[_Union[VisitPlan, _Mapping]] = ..., reason: _Optional[str] = ...) -> None: ...

class PublicRequestChanged(_message.Message):
    __slots__ = ("header", "request", "removed", "change")
    HEADER_FIELD_NUMBER: _ClassVar[int]
    REQUEST_FIELD_NUMBER: _ClassVar[int]
    REMOVED_FIELD_NUMBER: _ClassVar[int]
    CHANGE_FIELD_NUMBER: _ClassVar[int]
    header: _events_pb2.EventHeader
    request: PublicRequest
    removed: bool
    change: str
    def __init__(self, header: _Optional[_Union[_events_pb2.EventHeader, _Mapping]] = ..., request: _Optional[_Union[PublicRequest, _Mapping]] = ..., removed: _Optional[bool] = ..., change: _Optional[str] = ...) -> None: ...
