"""Login handling around Django's own."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

from django.contrib.auth.middleware import LoginRequiredMiddleware as DjangoLoginRequiredMiddleware
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import resolve_url
from django_htmx.http import HttpResponseClientRedirect


class LoginRequiredMiddleware(DjangoLoginRequiredMiddleware):
    """Django's, except that an htmx request made after the session expired loads the login page
    as a whole page, and the login comes back to the page the request was made from.

    Left to Django, htmx follows the redirect itself and swaps the login form into the region it
    was refreshing: a running job's results poll every few seconds, for hours if left open.
    """

    def handle_no_permission(
        self, request: HttpRequest, view_func: Callable[..., HttpResponse]
    ) -> HttpResponse:
        if request.headers.get("HX-Request") != "true":
            return super().handle_no_permission(request, view_func)
        # Only the path of the page: `next` must never lead to another site.
        page = urlsplit(request.headers.get("HX-Current-URL", ""))
        next_path = page.path + (f"?{page.query}" if page.query else "") if page.path else ""
        login = redirect_to_login(
            next_path or request.get_full_path(),
            resolve_url(self.get_login_url(view_func)),
            self.get_redirect_field_name(view_func),
        )
        return HttpResponseClientRedirect(login.url)
