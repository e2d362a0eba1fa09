"""Fault injection: make the sandbox misbehave the way a real, remote Thulium sometimes does.

Every knob is a Django setting read at request time (so tests can flip them with the `settings`
fixture and benchmarks with environment variables):

- `SANDBOX_LATENCY_MS`: sleep this long before answering every (authenticated) request.
- `SANDBOX_RATE_LIMIT_RATE`: share of requests answered 429, with `Retry-After:
  SANDBOX_RETRY_AFTER_SECONDS` and a JSON error body.
- `SANDBOX_ERROR_RATE`: share of requests answered with a 5xx, in one of three shapes a client
  meets in the wild: 503 with an HTML page (a proxy), 502 with plain text (a gateway), 500 with
  Thulium's JSON error body (the application).
- `SANDBOX_SLOW_RATE` / `SANDBOX_SLOW_MS`: share of requests that sleep `SANDBOX_SLOW_MS` more
  *after* the change was applied and committed; with a client read timeout below that, this is
  an applied request whose answer the client never sees.

429s and 5xxs are decided before the request is handled, so they never apply any change.
One draw from `rng` decides between 429, 5xx and normal handling (so the two rates are disjoint
shares: 0.1 and 0.2 mean 10 % 429s and 20 % 5xxs), and a second draw decides slowness.
`rng` is a module-level `random.Random`: tests call `rng.seed(...)` for a repeatable sequence.
"""

from __future__ import annotations

import random
import time

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from thuladmin.sandbox.errors import error_response

rng = random.Random()

# Indirection so tests can record sleeps instead of waiting.
sleep = time.sleep

_HTML_503 = (
    "<html>\r\n<head><title>503 Service Temporarily Unavailable</title></head>\r\n"
    "<body>\r\n<center><h1>503 Service Temporarily Unavailable</h1></center>\r\n"
    "<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
)


def _setting(name: str, default: float) -> float:
    return getattr(settings, name, default)


def before_handling(request: HttpRequest) -> HttpResponse | None:
    """Sleep the base latency, then maybe answer with a 429 or a 5xx instead of the handler."""
    latency_ms = _setting("SANDBOX_LATENCY_MS", 0)
    if latency_ms > 0:
        sleep(latency_ms / 1000)
    rate_limit_rate = _setting("SANDBOX_RATE_LIMIT_RATE", 0.0)
    error_rate = _setting("SANDBOX_ERROR_RATE", 0.0)
    if rate_limit_rate <= 0 and error_rate <= 0:
        return None
    roll = rng.random()
    if roll < rate_limit_rate:
        response = error_response(request, "rate_limited")
        response["Retry-After"] = str(int(_setting("SANDBOX_RETRY_AFTER_SECONDS", 1)))
        return response
    if roll < rate_limit_rate + error_rate:
        return server_error(request)
    return None


def server_error(request: HttpRequest) -> HttpResponse:
    kind = rng.choice(("html_503", "text_502", "json_500"))
    if kind == "html_503":
        return HttpResponse(_HTML_503, status=503, content_type="text/html")
    if kind == "text_502":
        return HttpResponse("Bad Gateway", status=502, content_type="text/plain")
    return error_response(request, "internal_error")


def after_handling() -> None:
    """Maybe hold the (already applied) answer back long enough for the client to time out."""
    slow_rate = _setting("SANDBOX_SLOW_RATE", 0.0)
    if slow_rate > 0 and rng.random() < slow_rate:
        sleep(_setting("SANDBOX_SLOW_MS", 0) / 1000)
