"""The Thulium API client: `get_client()` gives one configured from settings."""

from __future__ import annotations

import threading

from django.conf import settings
from django.utils import translation

from thuladmin.thulium import errors
from thuladmin.thulium.client import RetryPolicy, ThuliumClient, build_session

__all__ = ["ThuliumClient", "errors", "get_client", "reset_client"]

_lock = threading.Lock()
_client: ThuliumClient | None = None


def _build() -> ThuliumClient:
    base_url = settings.THULIUM_URL or (settings.SANDBOX_URL if settings.SANDBOX_ENABLED else "")
    return ThuliumClient(
        base_url=base_url,
        username=settings.THULIUM_USER,
        password=settings.THULIUM_PASSWORD,
        session=build_session(pool_size=settings.THULIUM_POOL_SIZE),
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
    """Forget the client, so the next `get_client()` reads settings again (tests, reconfig)."""
    global _client
    with _lock:
        _client = None
