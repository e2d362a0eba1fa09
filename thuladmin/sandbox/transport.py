"""The sandbox answered inside the calling process, not over HTTP to the web server.

The dashboard's client calls the sandbox at `SANDBOX_URL`, which names this project's own web
server. Served by gunicorn's sync workers, a page that asks the sandbox waits for a worker of the
same server to answer: with two workers, two such pages at once hold both and wait on each other
until the read timeout (30 s each, and every other user waits behind them). A task worker calling
the sandbox also needed the web server up. Here the client's `requests` session mounts an adapter
on `SANDBOX_URL` that hands each request to this project's WSGI application, so the sandbox is
answered in the process that asks, whatever serves it.

Each call runs in a thread of the adapter's own pool, not the caller's thread, so it behaves as
a request from another connection would: it has its own database connection (a write is never
mixed into the caller's open transaction), the full middleware stack runs as for a real request,
and the client's timeouts hold (a sandbox slowed by `SANDBOX_LATENCY_MS` or `SANDBOX_SLOW_MS`
times out as a remote Thulium would; the abandoned call finishes in its thread). A call waits for
a free thread at most the connect timeout, as a connection would.

`SANDBOX_IN_PROCESS=false` turns it off, for a sandbox served on its own (the benches serve it
with gunicorn in another process, so they measure HTTP as a real Thulium costs it).
"""

from __future__ import annotations

import io
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from http import HTTPStatus
from typing import Any
from urllib.parse import unquote_to_bytes, urlsplit

import requests
from django.core.handlers.wsgi import WSGIHandler
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict
from requests.utils import get_encoding_from_headers

# Threads answering sandbox calls at once, per process. More calls than this wait their turn (up
# to the connect timeout). A bulk job sends at most BULK_MAX_CONCURRENT_REQUESTS at once; pages
# add a few more.
DEFAULT_THREADS = 32

# Not passed on: the body comes back as the application wrote it, never compressed, and its
# length is the length of what is sent.
_HEADERS_NOT_FORWARDED = {"ACCEPT_ENCODING", "CONTENT_LENGTH", "CONTENT_TYPE", "HOST"}


class InProcessTransport(BaseAdapter):
    """A `requests` adapter answering from this project's WSGI application, in a thread pool."""

    def __init__(self, *, threads: int = DEFAULT_THREADS) -> None:
        super().__init__()
        self._executor = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="sandbox")
        self._application = WSGIHandler()

    def send(
        self,
        request: requests.PreparedRequest,
        stream: bool = False,
        timeout: float | tuple[float | None, float | None] | None = None,
        verify: bool | str = True,
        cert: Any = None,
        proxies: Any = None,
    ) -> requests.Response:
        connect_timeout, read_timeout = _timeouts(timeout)
        started = threading.Event()
        future = self._executor.submit(self._call, request, started)
        if not started.wait(connect_timeout) and future.cancel():
            raise requests.exceptions.ConnectTimeout(
                "no free thread to answer the sandbox in time", request=request
            )
        try:
            status, headers, body = future.result(timeout=read_timeout)
        except FutureTimeout:
            raise requests.exceptions.ReadTimeout(
                "the sandbox did not answer in time", request=request
            ) from None
        return _response(request, status, headers, body, adapter=self)

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)

    def _call(
        self, request: requests.PreparedRequest, started: threading.Event
    ) -> tuple[str, list[tuple[str, str]], bytes]:
        started.set()
        captured: dict[str, Any] = {}

        def start_response(status: str, headers: list[tuple[str, str]], exc_info=None) -> None:
            captured["status"], captured["headers"] = status, headers

        result = self._application(wsgi_environ(request), start_response)
        try:
            body = b"".join(result)
        finally:
            if hasattr(result, "close"):
                result.close()  # sends request_finished: the thread's connections are tidied
        return captured["status"], captured["headers"], body


def wsgi_environ(request: requests.PreparedRequest) -> dict[str, Any]:
    """The WSGI environ a server would build for `request` (PEP 3333)."""
    url = urlsplit(request.url)
    body = request.body or b""
    if isinstance(body, str):
        body = body.encode("utf-8")
    secure = url.scheme == "https"
    environ: dict[str, Any] = {
        "REQUEST_METHOD": request.method,
        "SCRIPT_NAME": "",
        # As servers give it: percent-decoded bytes, carried in a latin-1 str.
        "PATH_INFO": unquote_to_bytes(url.path or "/").decode("latin-1"),
        "QUERY_STRING": url.query,
        "SERVER_NAME": url.hostname or "localhost",
        "SERVER_PORT": str(url.port or (443 if secure else 80)),
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": url.netloc,
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": url.scheme,
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    for name, value in request.headers.items():
        key = name.upper().replace("-", "_")
        if key == "CONTENT_TYPE":
            environ["CONTENT_TYPE"] = value
        elif key not in _HEADERS_NOT_FORWARDED:
            environ[f"HTTP_{key}"] = value
    return environ


def _timeouts(timeout: Any) -> tuple[float | None, float | None]:
    if isinstance(timeout, tuple):
        return timeout[0], timeout[1]
    return timeout, timeout


def _response(
    request: requests.PreparedRequest,
    status: str,
    headers: list[tuple[str, str]],
    body: bytes,
    *,
    adapter: BaseAdapter,
) -> requests.Response:
    code, _, reason = status.partition(" ")
    response = requests.Response()
    response.status_code = int(code)
    response.reason = reason or HTTPStatus(int(code)).phrase
    response.headers = CaseInsensitiveDict(headers)
    response.encoding = get_encoding_from_headers(response.headers)
    response.raw = io.BytesIO(body)
    response.url = request.url
    response.request = request
    response.connection = adapter
    return response
