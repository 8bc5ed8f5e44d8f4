"""HTTP conventions of the REST API: ETags from aggregate versions, If-Match, Idempotency-Key,
page arguments."""

from __future__ import annotations

import re
from dataclasses import dataclass

from flask import request

from linli.common.errors import InvalidArgument

MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 20
MAX_PAGE_TOKEN = 64
MAX_IDEMPOTENCY_KEY = 200

_ETAG = re.compile(r'^\s*(?:W/)?"v(\d{1,18})"\s*$')
_IDEMPOTENCY_KEY = re.compile(r"^[\x21-\x7e]{1,200}$")


class PreconditionRequired(InvalidArgument):
    """A write that must name the version it changes came without If-Match (428)."""

    http_status = 428
    slug = "precondition-required"
    title = "Precondition required"


def etag_of(version: int) -> str:
    """The strong ETag of an aggregate version: `"v<version>"`."""
    return f'"v{int(version)}"'


def expected_version_from_if_match(*, required: bool = False) -> int:
    """The version named by If-Match (0 = no check when the header is missing, or `*`).

    A malformed If-Match is 400 naming the header; a missing one is 428 when `required`. A stale
    version comes back from the service as ABORTED, which the error handler answers with 412
    because the request carried If-Match.
    """
    raw = request.headers.get("If-Match", "")
    if not raw.strip():
        if required:
            raise PreconditionRequired("If-Match: required (the ETag of the version you change)", field="If-Match")
        return 0
    if raw.strip() == "*":
        return 0
    match = _ETAG.match(raw)
    if not match:
        raise InvalidArgument('If-Match: expected an ETag like "v3"', field="If-Match")
    return int(match.group(1))


def idempotency_key(*, required: bool = False) -> str:
    """The Idempotency-Key header ("" when missing): 1-200 visible ASCII characters."""
    raw = request.headers.get("Idempotency-Key", "")
    if not raw:
        if required:
            raise InvalidArgument("Idempotency-Key: required for this create", field="Idempotency-Key")
        return ""
    if not _IDEMPOTENCY_KEY.match(raw):
        raise InvalidArgument(
            f"Idempotency-Key: 1-{MAX_IDEMPOTENCY_KEY} visible ASCII characters", field="Idempotency-Key"
        )
    return raw


@dataclass(frozen=True)
class PageArgs:
    page_size: int
    page_token: str


def page_args(default_size: int = DEFAULT_PAGE_SIZE, max_size: int = MAX_PAGE_SIZE) -> PageArgs:
    """`page_size` (1..max_size, default `default_size`) and `page_token` from the query string."""
    raw_size = request.args.get("page_size", "")
    size = default_size
    if raw_size:
        if not raw_size.isdigit() or not 1 <= int(raw_size) <= max_size:
            raise InvalidArgument(f"page_size: an integer from 1 to {max_size}", field="page_size")
        size = int(raw_size)
    token = request.args.get("page_token", "")
    if len(token) > MAX_PAGE_TOKEN or not token.isprintable():
        raise InvalidArgument(f"page_token: at most {MAX_PAGE_TOKEN} printable characters", field="page_token")
    return PageArgs(page_size=size, page_token=token)
