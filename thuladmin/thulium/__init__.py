"""The Thulium API client: `get_client()` gives one configured from settings."""

from __future__ import annotations

import threading
from collections.abc import Callable

import requests
from django.conf import settings
from django.utils import translation
from requests.adapters import BaseAdapter

from thuladmin.thulium import errors
from thuladmin.thulium.client import RetryPolicy, ThuliumClient, build_session
from thuladmin.thulium.throttle import rate_windows_forget

__all__ = [
    "ThuliumClient",
    "configured_base_url",
    "configured_session",
    "errors",
    "get_client",
    "in_process_sandbox_register",
    "reset_client",
]

_lock = threading.Lock()
_client: ThuliumClient | None = None
# Builds the adapter that answers the sandbox inside this process; the sandbox app registers it,
# so the client never imports the sandbox.
_in_process_sandbox: Callable[[], BaseAdapter] | None = None


def in_process_sandbox_register(adapter_factory: Callable[[], BaseAdapter]) -> None:
    """Answer calls to `SANDBOX_URL` with `adapter_factory()`'s adapter, when the client talks to
    the sandbox and `SANDBOX_IN_PROCESS` is on (see `thuladmin.sandbox.transport`)."""
    global _in_process_sandbox
    with _lock:
        _in_process_sandbox = adapter_factory


def configured_base_url() -> str:
    """Thulium's URL, or the sandbox's when no Thulium is configured; "" when neither is."""
    return settings.THULIUM_URL or (settings.SANDBOX_URL if settings.SANDBOX_ENABLED else "")


def configured_session(*, pool_size: int) -> requests.Session:
    """A pooled session for `configured_base_url()`, answering the sandbox in-process when it
    is the sandbox and `SANDBOX_IN_PROCESS` is on."""
    session = build_session(pool_size=pool_size)
    in_process = (
        _in_process_sandbox is not None
        and not settings.THULIUM_URL
        and settings.SANDBOX_ENABLED
        and settings.SANDBOX_IN_PROCESS
    )
    if in_process:
        session.mount(settings.SANDBOX_URL, _in_process_sandbox())
    return session


def _build() -> ThuliumClient:
    return ThuliumClient(
        base_url=configured_base_url(),
        username=settings.THULIUM_USER,
        password=settings.THULIUM_PASSWORD,
        session=configured_session(pool_size=settings.THULIUM_POOL_SIZE),
        connect_timeout=settings.THULIUM_CONNECT_TIMEOUT,
        read_timeout=settings.THULIUM_READ_TIMEOUT,
        verify=settings.THULIUM_CA_BUNDLE or True,
        retry=RetryPolicy(
            max_retries=settings.THULIUM_MAX_RETRIES,
            budget_seconds=settings.THULIUM_RETRY_BUDGET_SECONDS,
            backoff_seconds=settings.THULIUM_BACKOFF_SECONDS,
        ),
    )


def get_client(*, language: str | None = None) -> ThuliumClient:
    """The process's client (one pooled session), asking for messages in `language`.

    With no language given, the active Django language is used, so a Polish supervisor gets
    Thulium's messages in Polish.
    """
    global _client
    with _lock:
        if _client is None:
            _client = _build()
        client = _client
    return client.with_language(language or translation.get_language() or settings.LANGUAGE_CODE)


def reset_client() -> None:
    """Forget the client, so the next `get_client()` reads settings again (tests, reconfig), and
    the request rate windows' storage with it (see `throttle.rate_windows_forget`)."""
    global _client
    with _lock:
        _client = None
    rate_windows_forget()
