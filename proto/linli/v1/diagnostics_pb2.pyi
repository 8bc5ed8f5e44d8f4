from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Optional as _Optional

DESCRIPTOR: _descriptor.FileDescriptor

class PingRequest(_message.Message):
    __slots__ = ("nonce",)
    NONCE_FIELD_NUMBER: _ClassVar[int]
    nonce: str
    def __init__(self, nonce: _Optional[str] = ...) -> None: ...

class PingResponse(_message.Message):
    __slots__ = ("service", "version", "uptime_seconds", "nonce")
    SERVICE_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    UPTIME_SECONDS_FIELD_NUMBER: _ClassVar[int]
    NONCE_FIELD_NUMBER: _ClassVar[int]
    service: str
    version: str
    uptime_seconds: float
    nonce: str
    def __init__(self, service: _Optional[str] = ..., version: _Optional[str] = ..., uptime_seconds: _Optional[float] = ..., nonce: _Optional[str] = ...) -> None: ...
