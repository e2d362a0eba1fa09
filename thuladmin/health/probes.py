"""The checks behind `/healthz`: database, cache, worker heartbeats and Thulium.

Each probe returns a small dict that is safe to show anyone: a status, timings, counts and, on
failure, the exception's class name only. Exception messages are left out on purpose: a database
driver's message can name the server, the user or the database.
"""

from __future__ import annotations

import contextlib
import secrets
import time
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.utils import timezone

from thuladmin.health.models import WorkerHeartbeat
from thuladmin.thulium import configured_base_url, configured_session, errors
from thuladmin.thulium.client import RetryPolicy, ThuliumClient

Probe = dict[str, Any]

THULIUM_CACHE_KEY = "healthz:thulium"


def _elapsed_ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 1)


def probe_database() -> Probe:
    started = time.perf_counter()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any failure is "not healthy", whatever the driver raises
        return {"status": "error", "error": type(exc).__name__}
    return {"status": "ok", "vendor": connection.vendor, "duration_ms": _elapsed_ms(started)}


def probe_cache() -> Probe:
    """A set/get round trip with a value only this check knows, under its own key."""
    started = time.perf_counter()
    token = secrets.token_hex(8)
    key = f"healthz:probe:{token}"
    try:
        cache.set(key, token, timeout=10)
        ok = cache.get(key) == token
        cache.delete(key)
    except Exception as exc:
        return {"status": "error", "error": type(exc).__name__}
    if not ok:
        return {"status": "error", "error": "value not read back"}
    return {"status": "ok", "duration_ms": _elapsed_ms(started)}


def probe_workers() -> Probe:
    """The newest heartbeat of any `db_worker`: "ok" if fresh, "stale" if old, "missing".

    With it, for the live workers: how often their supervisor had to start them again after
    they died (`restarts`), and how many database errors they went on from (`database_errors`),
    so a worker that keeps dying or keeps meeting a locked database shows here.
    """
    try:
        rows = list(WorkerHeartbeat.objects.values_list("beat_at", "restarts", "database_errors"))
    except Exception as exc:
        return {"status": "unknown", "error": type(exc).__name__}
    if not rows:
        return {"status": "missing", "live_workers": 0}
    now = timezone.now()
    stale_after = settings.WORKER_HEARTBEAT_STALE_SECONDS
    live = [
        (restarts, database_errors)
        for beat, restarts, database_errors in rows
        if (now - beat).total_seconds() <= stale_after
    ]
    newest = min((now - beat).total_seconds() for beat, _restarts, _errors in rows)
    return {
        "status": "ok" if live else "stale",
        "newest_heartbeat_age_seconds": round(max(newest, 0.0), 1),
        "live_workers": len(live),
        "stale_workers": len(rows) - len(live),
        "restarts": sum(restarts for restarts, _errors in live),
        "database_errors": sum(errors for _restarts, errors in live),
    }


def _check_thulium(base_url: str) -> Probe:
    """One `GET outbounds/stats`, with a short timeout and no retries."""
    timeout = settings.HEALTHZ_THULIUM_TIMEOUT_SECONDS
    session = configured_session(pool_size=1)
    client = ThuliumClient(
        base_url=base_url,
        username=settings.THULIUM_USER,
        password=settings.THULIUM_PASSWORD,
        session=session,
        connect_timeout=timeout,
        read_timeout=timeout,
        verify=settings.THULIUM_CA_BUNDLE or True,
        retry=RetryPolicy(max_retries=0, budget_seconds=timeout),
        language=settings.LANGUAGE_CODE,
    )
    started = time.perf_counter()
    try:
        client.campaign_stats()
    except errors.AuthenticationFailed as exc:
        # Reachable, but the configured API user is refused: worth its own status.
        return {
            "status": "auth_failed",
            "http_status": exc.status,
            "duration_ms": _elapsed_ms(started),
        }
    except errors.ThuliumError as exc:
        return {
            "status": "unreachable",
            "error": type(exc).__name__,
            "http_status": exc.status,
            "duration_ms": _elapsed_ms(started),
        }
    finally:
        session.close()
    return {"status": "ok", "duration_ms": _elapsed_ms(started)}


def probe_thulium() -> Probe:
    """Whether Thulium answers, remembered for HEALTHZ_THULIUM_CACHE_SECONDS.

    Load balancers and monitors may ask every few seconds from several places; the cache keeps
    that from becoming a stream of requests to Thulium. Only the host is shown, never the URL's
    credentials or path.
    """
    base_url = configured_base_url()
    host = urlsplit(base_url).hostname or ""
    if not base_url:
        return {"status": "not_configured"}
    try:
        cached = cache.get(THULIUM_CACHE_KEY)
    except Exception:  # a broken cache is reported by probe_cache; check Thulium anyway
        cached = None
    if cached is None or cached.get("base_url") != base_url:
        cached = {**_check_thulium(base_url), "base_url": base_url, "checked_at": time.time()}
        with contextlib.suppress(Exception):  # reported by probe_cache
            cache.set(THULIUM_CACHE_KEY, cached, timeout=settings.HEALTHZ_THULIUM_CACHE_SECONDS)
    result = {key: value for key, value in cached.items() if key not in ("base_url", "checked_at")}
    return {
        **result,
        "host": host,
        "sandbox": not settings.THULIUM_URL,
        "checked_seconds_ago": round(max(0.0, time.time() - cached["checked_at"]), 1),
    }
