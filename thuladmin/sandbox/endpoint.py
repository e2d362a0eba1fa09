"""`endpoint`: the decorator every sandbox view wears, standing for what a real server has around
Thulium's application code.

A client meets these layers before any endpoint's own logic, so the sandbox puts them in the
same order: the front-end proxy's URL length limit, authentication, the network's latency and
failures (`thuladmin.sandbox.faults`), the method check; and after the view, the slowness that
hides an applied change from a client that gave up waiting. Once a request is authenticated,
the simulated agents' calls owed since the last one are made first (`thuladmin.sandbox.calls`):
the sandbox has no process of its own to make them in.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from thuladmin.sandbox import basic_auth, calls, faults
from thuladmin.sandbox.errors import error_response

View = Callable[..., HttpResponse]

# Real front-end servers refuse long request lines (nginx's default buffer is 8 KiB); the
# batch endpoints carry their items in the query string, so a client must split long lists.
MAX_QUERY_STRING_BYTES = 8192


def _query_string_bytes(request: HttpRequest) -> int:
    query = request.META.get("QUERY_STRING", "")
    try:
        return len(query.encode("latin-1"))  # WSGI hands over the raw bytes as latin-1
    except UnicodeEncodeError:
        return len(query.encode("utf-8", errors="replace"))


def endpoint(*methods: str) -> Callable[[View], View]:
    """Wrap a view with what stands between a client and Thulium's application code.

    Order: URL length (a proxy refuses before anyone looks at credentials), Basic auth (wrong
    credentials get 429 from an address that failed too often, else 401 and count; the right
    ones always pass, see `thuladmin.sandbox.throttling`), the simulated calls owed (agents
    call whether or not this request's network fails), base latency and injected 429/5xx
    (never applying the change), method check, the view itself, then the injected slowness
    (after the view committed its change). No methods means any method.

    The view is exempt from CSRF (an API client has no cookie) and from the dashboard's login
    (the sandbox does its own authentication).
    """

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if _query_string_bytes(request) > MAX_QUERY_STRING_BYTES:
                return error_response(request, "uri_too_long")
            if not basic_auth.authenticated(request):
                return basic_auth.refusal(request)
            calls.calls_catch_up()
            fault = faults.before_handling(request)
            if fault is not None:
                return fault
            if methods and request.method not in methods:
                response = error_response(request, "method_not_allowed")
                response["Allow"] = ", ".join(methods)
            else:
                response = view(request, *args, **kwargs)
            faults.after_handling()
            return response

        return login_not_required(csrf_exempt(wrapper))

    return decorate
