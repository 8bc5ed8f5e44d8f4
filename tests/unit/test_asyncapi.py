"""The AsyncAPI document agencies read: generated from the services' event lists and protos."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from linli.organizations.domain import events as organization_events
from linli.requests.domain import events as request_events
from linli.volunteers.domain import events as volunteer_events

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "proto"))

import asyncapi  # noqa: E402 - the generator lives beside the protos


def test_every_event_type_is_described_on_its_topic() -> None:
    document = asyncapi.document()
    described = {message["name"] for message in document["components"]["messages"].values()}
    for module in (organization_events, volunteer_events, request_events):
        assert set(module.MESSAGE_OF_TYPE) <= described
    public = document["channels"]["linli_public_requests_v1"]["messages"]
    assert list(public) == ["public_request_changed_v1"]


def test_payload_schemas_follow_the_json_mapping() -> None:
    schemas = asyncapi.document()["components"]["schemas"]
    submitted = schemas["RequestSubmitted"]["properties"]
    assert submitted["header"] == {"$ref": "#/components/schemas/EventHeader"}
    assert schemas["EventHeader"]["properties"]["aggregateVersion"] == {"type": "string", "format": "int64"}
    assert submitted["request"] == {"$ref": "#/components/schemas/RequestSnapshot"}
    snapshot = schemas["RequestSnapshot"]["properties"]
    assert snapshot["updatedAt"] == {"type": "string", "format": "date-time"}
    assert "REQUEST_STATUS_CLOSED" in snapshot["status"]["enum"]


def test_the_checked_in_document_is_current() -> None:
    stored = json.loads((ROOT / "proto" / "linli" / "v1" / "asyncapi.json").read_text(encoding="utf-8"))
    assert stored == asyncapi.document(), "run 'make proto'"
