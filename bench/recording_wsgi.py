"""The sandbox's WSGI application, logging every request's start and end (for bench/faults.py
and bench/nodes.py, which check what Thulium saw from its own side).

A benchmark that kills a worker needs to know which numbers Thulium saw before the crash, and
one that checks the limits needs to know when each request was being answered. Each request
appends two lines to `SANDBOX_REQUEST_LOG`: one as it arrives, before the sandbox handles it
(`<time> start <id> <host> <path> <query>`), and one once its answer was sent (`<time> end <id>`),
each with a single `write` (atomic for an O_APPEND file). `<host>` is the address the client
called, which tells apart clients given addresses of their own. `sandbox_server.read_request_log`
reads the log back.
"""

from __future__ import annotations

import itertools
import os
import time

from thuladmin.wsgi import application as django_application

LOG_PATH = os.environ["SANDBOX_REQUEST_LOG"]
_ids = itertools.count()


def _log(line: str) -> None:
    descriptor = os.open(LOG_PATH, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(descriptor, line.encode("latin-1"))
    finally:
        os.close(descriptor)


class _Answer:
    """The answer's body, logging the request's end when the server closes it (it always does,
    whether the client read the answer or had gone)."""

    def __init__(self, body, request_id: str) -> None:
        self._body = body
        self._request_id = request_id

    def __iter__(self):
        return iter(self._body)

    def close(self) -> None:
        try:
            if hasattr(self._body, "close"):
                self._body.close()
        finally:
            _log(f"{time.time():.6f} end {self._request_id}\n")


def application(environ, start_response):
    request_id = f"{os.getpid()}-{next(_ids)}"
    host = environ.get("HTTP_HOST", "-") or "-"
    path = environ.get("PATH_INFO", "") or "/"
    _log(f"{time.time():.6f} start {request_id} {host} {path} {environ.get('QUERY_STRING', '')}\n")
    try:
        body = django_application(environ, start_response)
    except BaseException:
        _log(f"{time.time():.6f} end {request_id}\n")
        raise
    return _Answer(body, request_id)
