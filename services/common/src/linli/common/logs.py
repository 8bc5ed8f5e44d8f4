"""Structured logging: one JSON object per line, with the request or event being handled.

`request_id` and `event_id` live in context variables set by the gRPC request-id interceptor
and the consumer loop, so every log line written while handling a call or an event carries
them without the code passing them around.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import json
import logging
import sys
from collections.abc import Iterator
from typing import Any

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("linli_request_id", default="")
event_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("linli_event_id", default="")

_STANDARD_ATTRS = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "ts": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "service": self.service,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        if request_id := request_id_var.get():
            line["request_id"] = request_id
        if event_id := event_id_var.get():
            line["event_id"] = event_id
        for key, value in vars(record).items():
            if key not in _STANDARD_ATTRS and not key.startswith("_"):
                line[key] = value
        if record.exc_info:
            line["exc"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


def configure_logging(service: str, level: str = "INFO") -> None:
    """Routes the root logger to stderr as JSON lines. Safe to call more than once."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter(service))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # kafka-python is chatty at INFO about every connection.
    logging.getLogger("kafka").setLevel(logging.WARNING)


@contextlib.contextmanager
def bound(var: contextvars.ContextVar[str], value: str) -> Iterator[None]:
    token = var.set(value)
    try:
        yield
    finally:
        var.reset(token)
