"""The address a request came from, as far as it can be trusted (for login throttling)."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def client_ip_address(request: HttpRequest) -> str | None:
    """The client's address: REMOTE_ADDR, or the right entry of X-Forwarded-For behind proxies.

    Behind `TRUSTED_PROXY_COUNT` reverse proxies the connection comes from the nearest one, and
    each proxy appends the address it saw to X-Forwarded-For, so the client is the entry that
    many places from the right. Entries further left were written by the client itself and
    prove nothing: reading them would let anyone dodge the lockout by sending a new one.
    """
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies > 0:
        forwarded = [
            address.strip()
            for address in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if address.strip()
        ]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR")
