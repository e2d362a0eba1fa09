"""Who may call the sandbox: HTTP Basic, as Thulium asks for, and the answer to everyone else.

The credentials are the dashboard's own (`THULIUM_USER`/`THULIUM_PASSWORD`), so the dashboard
calls its sandbox exactly as it would call Thulium. Wrong credentials are counted per client
address and, past the limit, refused with 429 instead of 401; the counting and its reasons are
`thuladmin.sandbox.throttling`'s, this module only asks it.
"""

from __future__ import annotations

import base64
import binascii
import hmac

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from thuladmin.accounts.client_ip import client_ip_address
from thuladmin.sandbox.errors import error_response
from thuladmin.sandbox.throttling import (
    cooloff_seconds,
    sandbox_login_failure_record,
    sandbox_login_locked,
)


def authenticated(request: HttpRequest) -> bool:
    """HTTP Basic against THULIUM_USER/THULIUM_PASSWORD, compared in constant time.

    With no user configured nothing is accepted: blank credentials must not open the sandbox.
    """
    expected_user = (settings.THULIUM_USER or "").encode()
    expected_password = (settings.THULIUM_PASSWORD or "").encode()
    if not expected_user:
        return False
    scheme, _, encoded = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return False
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True)
    except (binascii.Error, ValueError):
        return False
    user, separator, password = decoded.partition(b":")
    user_ok = hmac.compare_digest(user, expected_user)
    password_ok = hmac.compare_digest(password, expected_password)
    return bool(separator) and user_ok and password_ok


def refusal(request: HttpRequest) -> HttpResponse:
    """The answer to a request whose credentials are wrong: 429 from an address that failed too
    often, else 401 (asking for Basic) and one more failure counted against the address.

    Only wrong credentials are throttled: a stranger's failures from the address the dashboard
    shares (127.0.0.1) must not lock the dashboard out of its sandbox.
    """
    address = client_ip_address(request) or "unknown"
    if sandbox_login_locked(address=address):
        response = error_response(request, "too_many_failed_logins")
        response["Retry-After"] = str(cooloff_seconds())
        return response
    sandbox_login_failure_record(address=address)
    response = error_response(request, "bad_credentials")
    response["WWW-Authenticate"] = 'Basic realm="Thulium"'
    return response
