"""Open311 documents in JSON and XML: structure, escaping, characters XML cannot carry."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest

from linli.gateway.open311 import formats


def test_xml_lists_are_named_items_and_scalars_are_written_as_the_standard_shows() -> None:
    body = formats.to_xml(
        "service_definition",
        {
            "service_code": "repairs",
            "attributes": [
                {"variable": True, "required": False, "order": 1, "datatype_description": None, "values": []},
                {"variable": True, "values": [{"key": "low", "name": "Low"}, {"key": "urgent", "name": "Urgent"}]},
            ],
        },
    )
    assert body.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n<service_definition>')
    root = ET.fromstring(body)
    attributes = root.findall("./attributes/attribute")
    assert [a.findtext("variable") for a in attributes] == ["true", "true"]
    assert attributes[0].findtext("required") == "false"
    assert attributes[0].findtext("order") == "1"
    assert attributes[0].findtext("datatype_description") in ("", None)
    assert [v.findtext("key") for v in attributes[1].findall("./values/value")] == ["low", "urgent"]


def test_user_text_is_escaped_and_cannot_add_elements() -> None:
    evil = '</description><status>closed</status><![CDATA[x]]>&amp; "quoted" <script>'
    body = formats.to_xml("service_requests", [{"service_request_id": "r1", "description": evil}])
    root = ET.fromstring(body)
    requests = root.findall("request")
    assert len(requests) == 1
    assert requests[0].findtext("description") == evil
    assert requests[0].find("status") is None
    assert b"<script>" not in body


def test_characters_xml_cannot_carry_are_dropped_not_written() -> None:
    text = "bell\x07 null\x00 esc\x1b ok\ttab\nline \ud800 emoji 🏠 中文"
    body = formats.to_xml("errors", [{"code": 400, "description": text}])
    root = ET.fromstring(body)  # would raise on an invalid character
    assert root.findtext("./error/description") == "bell null esc ok\ttab\nline  emoji 🏠 中文"
    assert root.findtext("./error/code") == "400"


def test_json_keeps_unicode_and_null_and_writes_non_finite_numbers_as_null() -> None:
    body = formats.to_json([{"description": "东山社区 <b>", "lat": None, "x": float("nan"), "ok": True}])
    assert "东山社区".encode() in body
    assert json.loads(body) == [{"description": "东山社区 <b>", "lat": None, "x": None, "ok": True}]


def test_errors_document_in_both_formats() -> None:
    errors = formats.errors_document([(400, "service_code: required"), (403, "api_key: invalid")])
    assert json.loads(formats.render("json", "errors", errors)[0]) == [
        {"code": 400, "description": "service_code: required"},
        {"code": 403, "description": "api_key: invalid"},
    ]
    body, content_type = formats.render("xml", "errors", errors)
    assert content_type.startswith("text/xml")
    root = ET.fromstring(body)
    assert root.tag == "errors"
    assert [(e.findtext("code"), e.findtext("description")) for e in root.findall("error")] == [
        ("400", "service_code: required"),
        ("403", "api_key: invalid"),
    ]


def test_discovery_lists_nest_as_endpoint_and_format() -> None:
    body = formats.to_xml(
        "discovery", {"endpoints": [{"url": "http://x/open311/v2", "formats": ["text/xml", "application/json"]}]}
    )
    root = ET.fromstring(body)
    assert [f.text for f in root.findall("./endpoints/endpoint/formats/format")] == ["text/xml", "application/json"]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("requests.json", ("requests", "json")),
        ("services.XML", ("services", "xml")),
        ("req.2025.abc.json", ("req.2025.abc", "json")),
        ("requests", None),
        ("requests.csv", None),
        (".json", None),
    ],
)
def test_split_format(name: str, expected: tuple[str, str] | None) -> None:
    assert formats.split_format(name) == expected
