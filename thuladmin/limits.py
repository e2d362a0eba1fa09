"""What a request may carry: requests too large to read get a page that says so, instead of
Django's bare 400; and Django's admin is kept from passing NUL characters to the database.

Django refuses a form body over DATA_UPLOAD_MAX_MEMORY_SIZE by raising RequestDataTooBig where
the body is first read (the CSRF check), which ends as "Bad Request (400)" and nothing else: a
supervisor who pasted a list that is too long does not learn why, nor what to do. Django sets no
limit at all on uploaded files, so a request body over REQUEST_BODY_MAX_BYTES is refused here
before it is read. Both get a page (413) with the limits and what to do instead.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import BadRequest, RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse

# What is read of a refused body before answering, so the client (still sending) reads the page
# rather than a reset connection; a larger body is left unread.
DRAIN_MAX_BYTES = 64 * 1024 * 1024
DRAIN_CHUNK_BYTES = 64 * 1024


def _content_length(request: HttpRequest) -> int:
    try:
        return max(0, int(request.META.get("CONTENT_LENGTH") or 0))
    except ValueError:
        return 0


def _drain(request: HttpRequest) -> None:
    read = 0
    try:
        while read < DRAIN_MAX_BYTES and (chunk := request.read(DRAIN_CHUNK_BYTES)):
            read += len(chunk)
    except OSError:
        pass  # the client went away: nobody is left to read the page


class RequestSizeLimitMiddleware:
    """Answer a POST whose body is too large with the request-too-large page (413).

    It reads the form data itself (what the CSRF check would do next anyway), so it comes after
    the authentication middleware (the page shows the usual navigation) and before any view.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method == "POST" and self._too_large(request):
            _drain(request)
            response = TemplateResponse(
                request,
                "request_too_large.html",
                {
                    "list_limit_bytes": settings.BULK_MAX_INPUT_BYTES,
                    "item_limit": settings.BULK_MAX_ITEMS,
                    "back_url": request.get_full_path(),
                },
                status=413,
            )
            response["Connection"] = "close"
            return response.render()
        return self.get_response(request)

    @staticmethod
    def _too_large(request: HttpRequest) -> bool:
        if _content_length(request) > settings.REQUEST_BODY_MAX_BYTES:
            return True
        try:
            request.POST  # noqa: B018 - parsed here, where a refusal can still be explained
        except RequestDataTooBig:
            return True
        return False


class AdminQueryStringMiddleware:
    """A NUL character in the query string of an admin page is a bad request (400).

    Django's admin lists hand search terms and filter values to the database as they come, and
    PostgreSQL refuses text with a NUL in it: left alone, `?q=%00` on any admin list answers 500.
    The project's own pages check their parameters in forms, which explain such a value.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.admin_prefix = ""

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not self.admin_prefix:
            self.admin_prefix = reverse("admin:index")
        if request.path_info.startswith(self.admin_prefix) and any(
            "\x00" in text for name, values in request.GET.lists() for text in (name, *values)
        ):
            raise BadRequest("A NUL character in the query string of an admin page.")
        return self.get_response(request)
