"""Structured logs: a JSON formatter, and one log line per HTTP request.

Production logs go to a collector that indexes fields, so each line is one JSON object: what
happened in `message`, plus the fields a call passes with `extra=` (the request's method, path,
status and duration; a Thulium call's path, attempt and outcome). Only plain values are copied
from `extra`: objects such as Django's `request` would print query strings, which may hold phone
numbers, and never belong in a log line.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime

from django.http import HttpRequest, HttpResponseBase

request_logger = logging.getLogger("thuladmin.request")

# Attributes every LogRecord has; anything else on a record came from `extra=`.
_RECORD_ATTRIBUTES = frozenset(
    logging.LogRecord("", 0, "", 0, "", (), None).__dict__.keys() | {"message", "asctime"}
)
_PLAIN = (str, int, float, bool, type(None))


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message, and the plain `extra` fields."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in record.__dict__.items():
            extra = key not in _RECORD_ATTRIBUTES and not key.startswith("_")
            if extra and key not in entry and isinstance(value, _PLAIN):
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class RequestLogMiddleware:
    """Log one line per request: method, path (never the query string), status, duration, user.

    It comes first in MIDDLEWARE, so the duration covers every other middleware and the status is
    the one the client gets. The query string is left out on purpose: searches and filters carry
    phone numbers there. For a streamed response (CSV exports) the duration ends when the
    headers are ready, not when the last row is sent.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        started = time.perf_counter()
        response = self.get_response(request)
        duration_ms = round((time.perf_counter() - started) * 1000, 1)
        user = getattr(request, "user", None)  # absent for static files served by whitenoise
        user_id = user.pk if user is not None and user.is_authenticated else None
        status = response.status_code
        request_logger.info(
            "%s %s %s %.1fms",
            request.method,
            request.path,
            status,
            duration_ms,
            extra={
                "event": "request",
                "method": request.method,
                "path": request.path,
                "status": status,
                "duration_ms": duration_ms,
                "user_id": user_id,
            },
        )
        return response
