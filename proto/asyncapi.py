"""Writes proto/linli/v1/asyncapi.json: the AsyncAPI 3.0 description of Linli's Kafka topics.

Generated, never edited by hand: the topics and event types come from each service's
`domain/events.py`, the payload schemas from the `.proto` descriptors (protobuf's JSON
mapping: lowerCamelCase names, 64-bit integers and enums as strings, Timestamps as RFC 3339).
`make proto` writes it; `make proto-check` fails when it is stale.
    python proto/asyncapi.py [OUT_FILE]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

from google.protobuf.descriptor import Descriptor, FieldDescriptor

from linli.notifications.domain import events as notification_events
from linli.organizations.domain import events as organization_events
from linli.requests.domain import events as request_events
from linli.v1 import events_pb2, notifications_pb2, organizations_pb2, requests_pb2, volunteers_pb2
from linli.volunteers.domain import events as volunteer_events

OUT = Path(__file__).resolve().parent / "linli" / "v1" / "asyncapi.json"
PROTO_MODULES = (events_pb2, organizations_pb2, requests_pb2, volunteers_pb2, notifications_pb2)
WELL_KNOWN = {
    "google.protobuf.Timestamp": {"type": "string", "format": "date-time"},
    "google.protobuf.FieldMask": {"type": "string", "description": "comma-separated field paths"},
}
SCALARS = {
    FieldDescriptor.TYPE_DOUBLE: {"type": "number"},
    FieldDescriptor.TYPE_FLOAT: {"type": "number"},
    FieldDescriptor.TYPE_INT32: {"type": "integer"},
    FieldDescriptor.TYPE_UINT32: {"type": "integer"},
    FieldDescriptor.TYPE_SINT32: {"type": "integer"},
    FieldDescriptor.TYPE_FIXED32: {"type": "integer"},
    FieldDescriptor.TYPE_INT64: {"type": "string", "format": "int64"},
    FieldDescriptor.TYPE_UINT64: {"type": "string", "format": "uint64"},
    FieldDescriptor.TYPE_SINT64: {"type": "string", "format": "int64"},
    FieldDescriptor.TYPE_FIXED64: {"type": "string", "format": "uint64"},
    FieldDescriptor.TYPE_BOOL: {"type": "boolean"},
    FieldDescriptor.TYPE_STRING: {"type": "string"},
    FieldDescriptor.TYPE_BYTES: {"type": "string", "contentEncoding": "base64"},
}
CE_HEADERS: dict[str, Any] = {
    "type": "object",
    "required": ["ce_specversion", "ce_id", "ce_source", "ce_type", "ce_time", "ce_subject", "content-type"],
    "properties": {
        "ce_specversion": {"const": "1.0"},
        "ce_id": {"type": "string", "format": "uuid", "description": "Deduplicate on it: delivery is at least once."},
        "ce_source": {"type": "string", "description": "/linli/<service>"},
        "ce_type": {"type": "string"},
        "ce_time": {"type": "string", "format": "date-time"},
        "ce_subject": {"type": "string", "description": "The aggregate id, also the record key."},
        "content-type": {"const": "application/json"},
    },
}


def message_descriptor(name: str) -> Descriptor:
    for module in PROTO_MODULES:
        found: Descriptor | None = module.DESCRIPTOR.message_types_by_name.get(name)
        if found is not None:
            return found
    raise KeyError(f"no message linli.v1.{name}")


def field_schema(field: FieldDescriptor, schemas: dict[str, Any]) -> dict[str, Any]:
    item: dict[str, Any]
    if field.message_type is not None:
        full = field.message_type.full_name
        if full in WELL_KNOWN:
            item = dict(WELL_KNOWN[full])
        else:
            item = {"$ref": f"#/components/schemas/{schema_of(field.message_type, schemas)}"}
    elif field.enum_type is not None:
        item = {"type": "string", "enum": [v.name for v in field.enum_type.values]}
    else:
        item = dict(SCALARS[field.type])
    return {"type": "array", "items": item} if field.is_repeated else item


def schema_of(descriptor: Descriptor, schemas: dict[str, Any]) -> str:
    """Adds the JSON-mapping schema of a message (and those it uses) to `schemas`."""
    name = descriptor.full_name.removeprefix("linli.v1.")
    if name not in schemas:
        schemas[name] = {}  # placeholder first: messages may refer to each other
        schemas[name] = {
            "type": "object",
            "x-protobuf-message": descriptor.full_name,
            "properties": {f.json_name: field_schema(f, schemas) for f in descriptor.fields},
        }
    return name


def channel(
    topic: str, description: str, types: dict[str, str], service: str, schemas: dict[str, Any], messages: dict[str, Any]
) -> dict[str, Any]:
    refs = {}
    for ce_type, message in sorted(types.items()):
        key = ce_type.removeprefix("org.linli.").replace(".", "_")
        messages[key] = {
            "name": ce_type,
            "title": message,
            "contentType": "application/json",
            "headers": {
                **CE_HEADERS,
                "properties": {
                    **CE_HEADERS["properties"],
                    "ce_type": {"const": ce_type},
                    "ce_source": {"const": f"/linli/{service}"},
                },
            },
            "payload": {"$ref": f"#/components/schemas/{schema_of(message_descriptor(message), schemas)}"},
        }
        refs[key] = {"$ref": f"#/components/messages/{key}"}
    return {"address": topic, "description": description, "messages": refs}


def topics(module: ModuleType) -> dict[str, dict[str, str]]:
    """topic -> {ce_type: message} of one service's events module."""
    by_topic: dict[str, dict[str, str]] = {}
    public: frozenset[str] = getattr(module, "PUBLIC_TYPES", frozenset())
    for ce_type, message in module.MESSAGE_OF_TYPE.items():
        topic = module.PUBLIC_TOPIC if ce_type in public else module.TOPIC
        by_topic.setdefault(topic, {})[ce_type] = message
    return by_topic


def document() -> dict[str, Any]:
    schemas: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    channels: dict[str, Any] = {}
    descriptions = {
        "linli.organizations.v1": "Every change to organisations, grids, stations and roles.",
        "linli.volunteers.v1": "Volunteer registrations and changes, teams, points credited.",
        "linli.requests.v1": "Every transition of every request (internal: person ids present).",
        "linli.public.requests.v1": "The redacted public feed for other agencies: no names, phones, person ids "
        "or exact addresses; location as grid and community.",
        "linli.notifications.v1": "What became of each notification delivery (e-mail, SMS, webhook): delivered, "
        "failed (retried) or dead-lettered; keyed by delivery id. No addresses or message texts.",
    }
    for service, module in (
        ("organizations", organization_events),
        ("volunteers", volunteer_events),
        ("requests", request_events),
        ("notifications", notification_events),
    ):
        for topic, types in topics(module).items():
            key = topic.replace(".", "_")
            channels[key] = channel(topic, descriptions[topic], types, service, schemas, messages)
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "Linli events",
            "version": "1.0.0",
            "description": "Kafka topics of the Linli platform. Records are CloudEvents 1.0 in binary mode: ce_* "
            "headers, the value is the event's protobuf message in protobuf's JSON mapping, the key "
            "is the aggregate id (one aggregate's events are ordered on one partition). Delivery is "
            "at least once: deduplicate on ce_id. Fields are only ever added; a breaking change is a "
            "new v2 topic. Dead letters of a topic go to <topic>.dlq with linli_* headers.",
        },
        "defaultContentType": "application/json",
        "channels": channels,
        "operations": {
            f"receive_{key}": {"action": "receive", "channel": {"$ref": f"#/channels/{key}"}} for key in channels
        },
        "components": {"messages": messages, "schemas": dict(sorted(schemas.items()))},
    }


def main() -> None:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else OUT
    out.write_text(json.dumps(document(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
