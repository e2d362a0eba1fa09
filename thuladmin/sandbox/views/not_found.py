"""The answer for every path the sandbox does not serve."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from thuladmin.sandbox.endpoint import endpoint
from thuladmin.sandbox.errors import error_response


@endpoint()
def not_found(request: HttpRequest, path: str = "") -> HttpResponse:
    """Any other path under the sandbox: a JSON 404, as an API gives, not Django's HTML page.

    It still wears `endpoint`, so a stranger probing paths meets authentication first.
    """
    return error_response(request, "not_found")
