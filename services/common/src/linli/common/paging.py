"""Offset paging over an ordered result, with opaque page tokens (PageRequest/PageInfo)."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from typing import TypeVar

from linli.common.errors import InvalidArgument

T = TypeVar("T")

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 500


def encode_token(offset: int) -> str:
    return base64.urlsafe_b64encode(f"o:{offset}".encode()).decode().rstrip("=")


def decode_token(token: str, field: str = "page.page_token") -> int:
    if not token:
        return 0
    try:
        text = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
        prefix, _, number = text.partition(":")
        offset = int(number)
        if prefix != "o" or offset < 0:
            raise ValueError(text)
    except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
        raise InvalidArgument(f"{field}: not a page token this service issued", field=field) from exc
    return offset


def page_size(requested: int, field: str = "page.page_size") -> int:
    if requested < 0:
        raise InvalidArgument(f"{field}: must not be negative, got {requested}", field=field)
    return min(requested or DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)


def paginate(items: Sequence[T], requested_size: int, token: str) -> tuple[Sequence[T], str, int]:
    """(this page, next page token or "", total count) of an ordered sequence."""
    size = page_size(requested_size)
    offset = decode_token(token)
    page = items[offset : offset + size]
    following = offset + size
    return page, encode_token(following) if following < len(items) else "", len(items)
