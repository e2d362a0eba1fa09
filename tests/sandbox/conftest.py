import base64
import io
import json
from collections.abc import Callable

import pytest
from django.core.management import call_command
from django.http import HttpResponse
from django.test import Client

from thuladmin.sandbox import faults

API = "/sandbox/api/"


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


@pytest.fixture(autouse=True)
def _sandbox_settings(settings):
    """Known credentials, no faults and no simulated calls, whatever the environment says."""
    settings.THULIUM_USER = "sandbox"
    settings.THULIUM_PASSWORD = "sandbox"
    settings.SANDBOX_LATENCY_MS = 0
    settings.SANDBOX_ERROR_RATE = 0.0
    settings.SANDBOX_RATE_LIMIT_RATE = 0.0
    settings.SANDBOX_SLOW_RATE = 0.0
    settings.SANDBOX_RETRY_AFTER_SECONDS = 1
    settings.SANDBOX_CALLS_PER_MINUTE = 0
    faults.rng.seed(1234)


@pytest.fixture
def seeded(db) -> None:
    call_command("sandbox_seed", "--records", "300", "--customers", "50", stdout=io.StringIO())


@pytest.fixture
def api(client: Client) -> Callable[..., HttpResponse]:
    """Call the sandbox with valid credentials: api("get", "outbounds/stats", lang="pl")."""

    def call(method: str, path: str, body: object = None, lang: str = "", **extra) -> HttpResponse:
        headers = {"HTTP_AUTHORIZATION": basic("sandbox", "sandbox"), **extra}
        if lang:
            headers["HTTP_ACCEPT_LANGUAGE"] = lang
        if method in {"put", "post"}:
            data = body if isinstance(body, str | bytes) else json.dumps(body)
            return getattr(client, method)(
                API + path, data, content_type="application/json", **headers
            )
        return getattr(client, method)(API + path, **headers)

    return call
