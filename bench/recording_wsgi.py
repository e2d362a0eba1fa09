"""The sandbox's WSGI application, noting each batch request as it arrives (for bench/faults.py).

A benchmark that kills a worker needs to know which numbers Thulium saw before the crash: each
batch request's arrival time and query string is appended to `SANDBOX_REQUEST_LOG`, one line
each, with a single `write` (atomic for an O_APPEND file), before the sandbox handles it.
"""

from __future__ import annotations

import os
import time

from thuladmin.wsgi import application as django_application

LOG_PATH = os.environ["SANDBOX_REQUEST_LOG"]


def application(environ, start_response):
    if "/batch/" in environ.get("PATH_INFO", ""):
        line = f"{time.time():.6f} {environ.get('QUERY_STRING', '')}\n".encode("latin-1")
        descriptor = os.open(LOG_PATH, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(descriptor, line)
        finally:
            os.close(descriptor)
    return django_application(environ, start_response)
