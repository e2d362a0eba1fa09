"""One page or one region of it, from the same view at the same URL (htmx)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils.cache import patch_vary_headers


def wants_partial(request: HttpRequest) -> bool:
    """Whether htmx asked for a region. A history restore (the back button after the cache was
    lost) wants the whole page."""
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.history_restore_request


def page_or_partial(
    request: HttpRequest,
    template_name: str,
    partial: str,
    context: Mapping[str, Any],
    *,
    status: int | None = None,
) -> TemplateResponse:
    """The whole page, or only its inline partial `partial` for an htmx request.

    One URL, two bodies: `Vary: HX-Request` keeps a browser's cache (and its back button) from
    showing the bare fragment where the page belongs.
    """
    if wants_partial(request):
        template_name = f"{template_name}#{partial}"
    response = TemplateResponse(request, template_name, context, status=status)
    patch_vary_headers(response, ("HX-Request",))
    return response
