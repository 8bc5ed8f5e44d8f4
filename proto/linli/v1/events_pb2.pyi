from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Optional as _Optional

DESCRIPTOR: _descriptor.FileDescriptor

class EventHeader(_message.Message):
    __slots__ = ("aggregate_version", "actor_person_id", "actor_role", "request_id")
    AGGREGATE_VERSION_FIELD_NUMBER: _ClassVar[int]
    ACTOR_PERSON_ID_FIELD_NUMBER: _ClassVar[int]
    ACTOR_ROLE_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    aggregate_version: int
    actor_person_id: str
    actor_role: str
    request_id: str
    def __init__(self, aggregate_version: _Optional[int] = ..., actor_person_id: _Optional[str] = ..., actor_role: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...
