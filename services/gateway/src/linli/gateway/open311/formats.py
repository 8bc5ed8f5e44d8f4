"""Open311 GeoReport v2 documents as JSON and XML: pure functions, no Flask.

Every endpoint answers in both formats from one plain-data value (dicts, lists, text,
numbers, booleans, None). JSON is that value as it is; XML is built with
``xml.etree.ElementTree`` (which escapes ``&``, ``<`` and ``>``) after removing the characters
XML 1.0 cannot carry at all (control characters, lone surrogates), so no text a resident
typed can break a document or smuggle markup into it. A list inside a document becomes one
element per item, named by ``LIST_ITEMS`` (``<services><service>``, ``<attributes><attribute>``,
``<errors><error>``...) as the standard's examples show.
"""

from __future__ import annotations

import json
import math
import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from typing import Any, Final, Literal

Format = Literal["json", "xml"]
FORMATS: Final[tuple[Format, ...]] = ("json", "xml")

JSON_TYPE: Final = "application/json; charset=utf-8"
XML_TYPE: Final = "text/xml; charset=utf-8"
XML_DECLARATION: Final = '<?xml version="1.0" encoding="UTF-8"?>\n'

#: Container element -> the element of each of its items.
LIST_ITEMS: Final[Mapping[str, str]] = {
    "services": "service",
    "attributes": "attribute",
    "values": "value",
    "service_requests": "request",
    "errors": "error",
    "endpoints": "endpoint",
    "formats": "format",
}

#: Characters XML 1.0 allows (https://www.w3.org/TR/xml/#charsets); anything else is dropped.
_NOT_XML_CHAR = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(value: str) -> str:
    """Text fit for an XML element: characters XML cannot represent removed (escaping of
    markup characters is ElementTree's job when the document is written)."""
    return _NOT_XML_CHAR.sub("", value)


def scalar_text(value: object) -> str:
    """How a scalar is written in XML: booleans as ``true``/``false``, None as empty."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else ""
    return xml_text(str(value))


def _fill(element: ET.Element, value: object) -> None:
    if isinstance(value, Mapping):
        for key, item in value.items():
            _fill(ET.SubElement(element, str(key)), item)
    elif isinstance(value, Sequence) and not isinstance(value, str | bytes):
        item_tag = LIST_ITEMS.get(element.tag, "item")
        for item in value:
            _fill(ET.SubElement(element, item_tag), item)
    else:
        element.text = scalar_text(value)


def to_xml(root: str, value: object) -> bytes:
    """The document ``<root>...</root>`` for ``value``, UTF-8, with the XML declaration."""
    element = ET.Element(root)
    _fill(element, value)
    return (XML_DECLARATION + ET.tostring(element, encoding="unicode")).encode("utf-8")


def _json_safe(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, Mapping):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, Sequence) and not isinstance(value, str | bytes):
        return [_json_safe(v) for v in value]
    return value


def to_json(value: object) -> bytes:
    """The JSON document for ``value``, UTF-8 (non-ASCII text kept as it is)."""
    return json.dumps(_json_safe(value), ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def render(fmt: Format, root: str, value: object) -> tuple[bytes, str]:
    """The body and content type of a document in ``fmt``. ``root`` names the XML root
    (``discovery``, ``services``, ``service_definition``, ``service_requests``, ``errors``)."""
    if fmt == "xml":
        return to_xml(root, value), XML_TYPE
    return to_json(value), JSON_TYPE


def errors_document(errors: Sequence[tuple[int, str]]) -> list[dict[str, object]]:
    """The standard's error array: ``[{"code": 400, "description": "..."}]``."""
    return [{"code": code, "description": description} for code, description in errors]


def split_format(name: str) -> tuple[str, Format] | None:
    """``"requests.json"`` -> ``("requests", "json")``; None without a known format suffix.
    Splits at the last dot, so ids containing dots keep them."""
    stem, dot, suffix = name.rpartition(".")
    if not dot or not stem:
        return None
    lowered = suffix.lower()
    if lowered == "json":
        return stem, "json"
    if lowered == "xml":
        return stem, "xml"
    return None
