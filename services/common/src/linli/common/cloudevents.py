"""The CloudEvents 1.0 envelope in Kafka binary mode (see proto/linli/v1/events.proto).

Pure code: no Kafka here. `Envelope` is what the outbox stores inside an aggregate document
and what consumers receive; `to_kafka`/`from_kafka` translate to and from a record's key,
value and headers.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from google.protobuf import json_format
from google.protobuf.message import Message

from linli.common.errors import InvalidArgument

SPEC_VERSION = "1.0"
CONTENT_TYPE = "application/json"
TYPE_PREFIX = "org.linli."

Headers = list[tuple[str, bytes]]


def topic_for(service: str) -> str:
    return f"linli.{service}.v1"


def dlq_topic(topic: str) -> str:
    return f"{topic}.dlq"


def event_type(aggregate: str, happened: str) -> str:
    """`event_type("request", "submitted")` -> "org.linli.request.submitted.v1"."""
    return f"{TYPE_PREFIX}{aggregate}.{happened}.v1"


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclasses.dataclass(frozen=True)
class Envelope:
    id: str
    source: str
    type: str
    subject: str
    time: dt.datetime
    data: bytes  # protobuf JSON mapping of the event message, UTF-8; b"": a tombstone
    topic: str

    @property
    def key(self) -> bytes:
        return self.subject.encode()

    @property
    def tombstone(self) -> bool:
        """A record with a null value (deletes the key on a compacted topic)."""
        return not self.data

    def json(self) -> dict[str, Any]:
        decoded: dict[str, Any] = json.loads(self.data)
        return decoded

    def parse(self, message: Message) -> Message:
        """Fills `message` (an empty instance of the event type) from the data."""
        json_format.Parse(self.data, message, ignore_unknown_fields=True)
        return message

    # -- storage inside an aggregate document (the outbox) -------------------------------
    def to_document(self) -> dict[str, Any]:
        # Milliseconds, as BSON stores them: the relay removes published events by equality.
        time = self.time.replace(microsecond=self.time.microsecond // 1000 * 1000)
        return {
            "id": self.id,
            "source": self.source,
            "type": self.type,
            "subject": self.subject,
            "time": time,
            "data": self.data.decode(),
            "topic": self.topic,
        }

    @classmethod
    def from_document(cls, doc: Mapping[str, Any]) -> Envelope:
        time = doc["time"]
        if time.tzinfo is None:  # BSON dates come back naive, in UTC
            time = time.replace(tzinfo=dt.UTC)
        return cls(
            id=doc["id"],
            source=doc["source"],
            type=doc["type"],
            subject=doc["subject"],
            time=time,
            data=doc["data"].encode(),
            topic=doc["topic"],
        )


def new_event(
    service: str,
    type_: str,
    subject: str,
    message: Message | Mapping[str, Any],
    *,
    topic: str | None = None,
    time: dt.datetime | None = None,
) -> Envelope:
    """A new event of `service` about aggregate `subject`, with a fresh UUID."""
    if isinstance(message, Message):
        data = json_format.MessageToJson(message, indent=None, preserving_proto_field_name=False)
    else:
        data = json.dumps(message, ensure_ascii=False, default=str, separators=(",", ":"))
    when = time or utc_now()
    # BSON keeps milliseconds; rounding here keeps a stored event equal to the one we built.
    when = when.replace(microsecond=when.microsecond // 1000 * 1000)
    return Envelope(
        id=str(uuid.uuid4()),
        source=f"/linli/{service}",
        type=type_,
        subject=subject,
        time=when,
        data=data.encode(),
        topic=topic or topic_for(service),
    )


def to_kafka(envelope: Envelope) -> tuple[bytes, bytes, Headers]:
    """(key, value, headers) of the Kafka record for `envelope`, binary content mode."""
    headers: Headers = [
        ("ce_specversion", SPEC_VERSION.encode()),
        ("ce_id", envelope.id.encode()),
        ("ce_source", envelope.source.encode()),
        ("ce_type", envelope.type.encode()),
        ("ce_time", envelope.time.isoformat().replace("+00:00", "Z").encode()),
        ("ce_subject", envelope.subject.encode()),
        ("content-type", CONTENT_TYPE.encode()),
    ]
    return envelope.key, envelope.data, headers


def to_kafka_record(envelope: Envelope) -> tuple[bytes, bytes | None, Headers]:
    """Like `to_kafka`, but a tombstone gets a null value and no content-type (its ce_*
    headers say what it ends): what producers send."""
    key, value, headers = to_kafka(envelope)
    if envelope.tombstone:
        return key, None, [h for h in headers if h[0] != "content-type"]
    return key, value, headers


def from_kafka(
    topic: str, key: bytes | None, value: bytes | None, headers: Sequence[tuple[str, bytes | None]]
) -> Envelope:
    """Decodes a binary-mode CloudEvent; raises InvalidArgument when it is not one."""
    found = {name: (raw or b"").decode("utf-8", "replace") for name, raw in headers}
    missing = [h for h in ("ce_specversion", "ce_id", "ce_source", "ce_type") if not found.get(h)]
    if missing:
        raise InvalidArgument(f"not a CloudEvent: missing header(s) {', '.join(missing)}", field=missing[0])
    if found["ce_specversion"] != SPEC_VERSION:
        raise InvalidArgument(
            f"unsupported CloudEvents specversion {found['ce_specversion']!r}", field="ce_specversion"
        )
    if value is None:
        raise InvalidArgument("CloudEvent has no data", field="value")
    try:
        json.loads(value)
    except ValueError as exc:
        raise InvalidArgument(f"CloudEvent data is not JSON: {exc}", field="value") from exc
    try:
        time = dt.datetime.fromisoformat(found["ce_time"]) if found.get("ce_time") else utc_now()
    except ValueError as exc:
        raise InvalidArgument(f"ce_time is not RFC 3339: {found['ce_time']!r}", field="ce_time") from exc
    subject = found.get("ce_subject") or (key or b"").decode("utf-8", "replace")
    return Envelope(
        id=found["ce_id"],
        source=found["ce_source"],
        type=found["ce_type"],
        subject=subject,
        time=time,
        data=value,
        topic=topic,
    )
