"""/healthz: public, JSON, 503 when the database or cache fails, and never a secret."""

from __future__ import annotations

from datetime import timedelta

import pytest
import responses
from django.core.cache import cache
from django.db import OperationalError, connection
from django.utils import timezone

from thuladmin.health.heartbeat import worker_heartbeat_beat, worker_heartbeat_forget
from thuladmin.health.models import WorkerHeartbeat

pytestmark = pytest.mark.django_db

API = "https://acme.thulium.com/api/"
STATS = API + "outbounds/stats"


@pytest.fixture
def thulium(settings):
    """A real-looking Thulium (mocked), with credentials in the URL that must never show."""
    settings.THULIUM_URL = "https://url-user:url-password@acme.thulium.com/api/"
    settings.THULIUM_USER = "api_user"
    settings.THULIUM_PASSWORD = "api-password"
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


def _stats_url(settings) -> str:
    return settings.THULIUM_URL + "outbounds/stats"


def test_healthz_needs_no_login_and_reports_every_check(client, thulium, settings):
    thulium.get(_stats_url(settings), json=[])

    response = client.get("/healthz")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "no-cache" in response["Cache-Control"]
    body = response.json()
    assert body["status"] == "ok"
    checks = body["checks"]
    assert checks["database"]["status"] == "ok"
    assert checks["database"]["vendor"] == connection.vendor
    assert checks["cache"]["status"] == "ok"
    assert checks["worker"] == {"status": "missing", "live_workers": 0}
    assert checks["thulium"]["status"] == "ok"
    assert checks["thulium"]["host"] == "acme.thulium.com"
    assert checks["thulium"]["sandbox"] is False


def test_healthz_shows_no_secret(client, thulium, settings):
    settings.SECRET_KEY = "the-secret-key-of-this-test"
    thulium.get(_stats_url(settings), status=401, json={"errors": [{"message": "Bad"}]})

    text = client.get("/healthz").content.decode()

    for secret in ("url-user", "url-password", "api-password", "api_user", "the-secret-key"):
        assert secret not in text
    assert '"auth_failed"' in text


def test_thulium_is_asked_at_most_once_per_cache_period(client, thulium, settings):
    call = thulium.get(_stats_url(settings), json=[])

    for _ in range(3):
        assert client.get("/healthz").json()["checks"]["thulium"]["status"] == "ok"

    assert call.call_count == 1
    cache.delete("healthz:thulium")
    client.get("/healthz")
    assert call.call_count == 2


def test_an_unreachable_thulium_is_reported_but_does_not_fail_the_node(client, thulium, settings):
    thulium.get(_stats_url(settings), status=503, body="down")

    response = client.get("/healthz")

    assert response.status_code == 200
    thulium_check = response.json()["checks"]["thulium"]
    assert thulium_check["status"] == "unreachable"
    assert thulium_check["error"] == "Unavailable"
    assert thulium_check["http_status"] == 503
    assert len(thulium.calls) == 1, "no retries: a health check must answer fast"


def test_a_failing_database_gives_503(client, thulium, settings, monkeypatch):
    thulium.get(_stats_url(settings), json=[])

    def broken_cursor(*args, **kwargs):
        raise OperationalError("could not connect to server at db.internal, user x")

    monkeypatch.setattr(connection, "cursor", broken_cursor)
    monkeypatch.setattr(
        "thuladmin.health.probes.WorkerHeartbeat.objects.values_list", broken_cursor
    )
    response = client.get("/healthz")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error"
    assert body["checks"]["database"] == {"status": "error", "error": "OperationalError"}
    assert body["checks"]["worker"]["status"] == "unknown"
    assert "db.internal" not in response.content.decode()


def test_a_failing_cache_gives_503(client, thulium, settings, monkeypatch):
    thulium.get(_stats_url(settings), json=[])

    def broken(*args, **kwargs):
        raise ConnectionError("redis://:redis-password@cache.internal:6379 refused")

    monkeypatch.setattr(cache, "set", broken)
    response = client.get("/healthz")

    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["cache"] == {"status": "error", "error": "ConnectionError"}
    assert checks["thulium"]["status"] == "ok", "Thulium is still checked without a cache"
    assert "redis-password" not in response.content.decode()


def test_worker_heartbeats_are_ok_when_fresh_and_stale_when_old(client, thulium, settings):
    thulium.get(_stats_url(settings), json=[])
    settings.WORKER_HEARTBEAT_STALE_SECONDS = 30
    worker_heartbeat_beat(worker_id="worker-a")
    worker_heartbeat_beat(worker_id="worker-b")
    WorkerHeartbeat.objects.filter(pk="worker-b").update(
        beat_at=timezone.now() - timedelta(minutes=5)
    )

    worker = client.get("/healthz").json()["checks"]["worker"]
    assert worker["status"] == "ok"
    assert worker["live_workers"] == 1
    assert worker["newest_heartbeat_age_seconds"] < 5

    worker_heartbeat_forget(worker_id="worker-a")
    worker = client.get("/healthz").json()["checks"]["worker"]
    assert worker["status"] == "stale"
    assert worker["live_workers"] == 0
    assert worker["newest_heartbeat_age_seconds"] >= 299


def test_a_heartbeat_updates_its_own_row():
    worker_heartbeat_beat(worker_id="worker-a")
    first = WorkerHeartbeat.objects.get(pk="worker-a")
    worker_heartbeat_beat(worker_id="worker-a")
    second = WorkerHeartbeat.objects.get(pk="worker-a")

    assert WorkerHeartbeat.objects.count() == 1
    assert second.beat_at >= first.beat_at
    assert second.started_at == first.started_at
    assert second.pid > 0


def test_the_sandbox_is_reported_as_such(client, settings):
    settings.THULIUM_URL = ""
    settings.SANDBOX_URL = "http://127.0.0.1:9/sandbox/api/"  # nothing listens on port 9

    thulium_check = client.get("/healthz").json()["checks"]["thulium"]

    assert thulium_check["sandbox"] is True
    assert thulium_check["host"] == "127.0.0.1"
    assert thulium_check["status"] == "unreachable"


def test_healthz_refuses_post(client):
    assert client.post("/healthz").status_code == 405
