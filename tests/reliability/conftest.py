"""Fixtures for the reliability tests: a fast engine against a fake Thulium or the sandbox."""

from __future__ import annotations

import pytest

from thuladmin.sandbox import faults
from thuladmin.thulium import reset_client

FAKE_API = "https://acme.thulium.com/api/"


@pytest.fixture
def fast_engine(settings):
    """No waiting between attempts, no rate limit, small chunks (many requests from few items)."""
    settings.THULIUM_BACKOFF_SECONDS = 0.001
    settings.THULIUM_MAX_RETRIES = 2
    settings.BULK_CHUNK_BACKOFF_SECONDS = 0
    settings.BULK_CHUNK_MAX_ATTEMPTS = 3
    settings.BULK_REQUESTS_PER_SECOND = 0
    settings.BULK_URL_BUDGET_BYTES = 400  # ~12 numbers a request
    settings.BULK_PARALLEL_REQUESTS = 3
    return settings


@pytest.fixture
def fake_api(fast_engine):
    """The client pointed at a Thulium faked with `responses`."""
    fast_engine.THULIUM_URL = FAKE_API
    fast_engine.THULIUM_USER = "api_user"
    reset_client()
    return FAKE_API


@pytest.fixture
def sandbox(live_server, fast_engine):
    """The client pointed at the sandbox served over real HTTP by the live server."""
    settings = fast_engine
    settings.THULIUM_URL = ""
    settings.SANDBOX_URL = live_server.url + "/sandbox/api/"
    settings.THULIUM_USER = settings.THULIUM_PASSWORD = "sandbox"
    settings.SANDBOX_RETRY_AFTER_SECONDS = 0
    settings.SANDBOX_LATENCY_MS = 0
    settings.SANDBOX_ERROR_RATE = 0.0
    settings.SANDBOX_RATE_LIMIT_RATE = 0.0
    settings.SANDBOX_SLOW_RATE = 0.0
    faults.rng.seed(8)
    reset_client()
    return live_server
