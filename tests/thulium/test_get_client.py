"""`get_client()`: built from settings once per process, one session for every language."""

from __future__ import annotations

import pytest
import responses
from django.utils import translation

from thuladmin.thulium import errors, get_client, reset_client
from thuladmin.thulium.client import RetryPolicy, ThuliumClient
from thuladmin.thulium.throttle import RateLimiter, rate_windows


@pytest.fixture(autouse=True)
def _fresh_client():
    reset_client()
    yield
    reset_client()


def test_sandbox_url_when_no_thulium_url(settings):
    settings.THULIUM_URL = ""
    settings.SANDBOX_ENABLED = True
    settings.SANDBOX_URL = "http://127.0.0.1:8000/sandbox/api/"
    client = get_client()
    assert isinstance(client, ThuliumClient)
    assert client.base_url == "http://127.0.0.1:8000/sandbox/api/"


def test_thulium_url_wins_over_the_sandbox(settings):
    settings.THULIUM_URL = "https://acme.thulium.com/api"
    settings.SANDBOX_ENABLED = True
    assert get_client().base_url == "https://acme.thulium.com/api/"


def test_no_url_and_no_sandbox_is_refused(settings):
    settings.THULIUM_URL = ""
    settings.SANDBOX_ENABLED = False
    with pytest.raises(errors.InvalidArgument):
        get_client()


def test_settings_reach_the_client(settings):
    settings.THULIUM_URL = "https://acme.thulium.com/api/"
    settings.THULIUM_USER = "api_user"
    settings.THULIUM_PASSWORD = "s3cret-pass"
    settings.THULIUM_CONNECT_TIMEOUT = 3.0
    settings.THULIUM_READ_TIMEOUT = 20.0
    settings.THULIUM_CA_BUNDLE = "/etc/ssl/acme-ca.pem"
    settings.THULIUM_MAX_RETRIES = 2
    settings.THULIUM_RETRY_BUDGET_SECONDS = 15.0
    settings.THULIUM_BACKOFF_SECONDS = 0.25
    settings.THULIUM_POOL_SIZE = 3
    client = get_client(language="en")
    assert client.timeout == (3.0, 20.0)
    assert client.verify == "/etc/ssl/acme-ca.pem"
    assert client.retry == RetryPolicy(max_retries=2, budget_seconds=15.0, backoff_seconds=0.25)
    assert client.session.get_adapter("https://acme.thulium.com/")._pool_maxsize == 3
    assert "s3cret-pass" not in repr(client)


def test_certificates_verified_without_a_ca_bundle(settings):
    settings.THULIUM_CA_BUNDLE = ""
    assert get_client().verify is True


def test_sends_the_settings_credentials(settings):
    settings.THULIUM_URL = "https://acme.thulium.com/api/"
    settings.THULIUM_USER = "api_user"
    settings.THULIUM_PASSWORD = "s3cret-pass"
    with responses.RequestsMock() as rsps:
        rsps.get("https://acme.thulium.com/api/outbounds/stats", json=[])
        get_client(language="pl").campaign_stats()
        request = rsps.calls[0].request
    assert request.headers["Authorization"] == "Basic YXBpX3VzZXI6czNjcmV0LXBhc3M="
    assert request.headers["Accept-Language"] == "pl"


def test_language_argument_and_active_language():
    assert get_client(language="pl").language == "pl"
    assert get_client(language="en").language == "en"
    with translation.override("pl"):
        assert get_client().language == "pl"
    with translation.override("en"):
        assert get_client().language == "en"


def test_falls_back_to_language_code_when_translations_are_off(settings):
    settings.LANGUAGE_CODE = "pl"
    with translation.override(None):
        assert get_client().language == "pl"


def test_one_session_shared_across_languages():
    polish = get_client(language="pl")
    english = get_client(language="en")
    assert polish is not english
    assert polish.session is english.session
    assert get_client(language="pl").session is polish.session


def test_reset_client_reads_settings_again(settings):
    settings.THULIUM_URL = "https://one.thulium.com/api/"
    first = get_client()
    settings.THULIUM_URL = "https://two.thulium.com/api/"
    assert get_client().base_url == "https://one.thulium.com/api/"  # cached until reset
    reset_client()
    second = get_client()
    assert second.base_url == "https://two.thulium.com/api/"
    assert second.session is not first.session


def test_forgetting_the_client_forgets_the_rate_windows_kept_in_memory(settings):
    # Kept in memory: with the local-memory cache (the suite's PostgreSQL run uses Redis, whose
    # windows are Redis's own and outlive a client).
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    reset_client()
    limiter = RateLimiter(1, key="t-forget", margin=0)
    assert limiter.try_acquire()
    assert not limiter.try_acquire()

    reset_client()  # as before every test: the windows start empty, as the cache does

    assert rate_windows() is limiter.windows
    assert limiter.try_acquire()
