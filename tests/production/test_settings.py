"""Production settings: refusing unsafe starts, and the deployment checks passing when asked.

Settings are read once per process, so each case runs `manage.py check` in a subprocess with its
own environment.
"""

from __future__ import annotations

import subprocess

import pytest

from tests.production.helpers import PYTHON, ROOT, process_env

pytestmark = pytest.mark.slow

PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "a-long-production-secret-key-for-the-tests-only-0123456789-abcdefghij",
    "THULIUM_URL": "https://acme.thulium.com/api/",
    "THULIUM_USER": "api_user",
    "THULIUM_PASSWORD": "api-password",
    "SANDBOX_ENABLED": None,
    "SECURE_COOKIES": None,
    "STATICFILES_BACKEND": None,
    "WHITENOISE_USE_FINDERS": None,
    "DJANGO_ALLOW_ASYNC_UNSAFE": None,  # set by the browser tests' conftest; never in production
    # Production's settings, not the suite's own (tests/settings.py, a faster password hasher).
    "DJANGO_SETTINGS_MODULE": "thuladmin.settings",
}


def _check(*args: str, **env: str | None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [PYTHON, "manage.py", "check", *args],
        cwd=ROOT,
        env=process_env(**{**PRODUCTION, **env}),
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_the_check():
    result = _check()
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_production_hashes_passwords_with_djangos_default():
    """The suite's settings use a fast hasher; production must keep Django's PBKDF2."""
    shown = subprocess.run(
        [PYTHON, "-c", "from django.conf import settings; print(settings.PASSWORD_HASHERS[0])"],
        cwd=ROOT,
        env=process_env(**PRODUCTION),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert shown.stdout.strip() == "django.contrib.auth.hashers.PBKDF2PasswordHasher", shown.stderr


def test_debug_off_without_a_secret_key_refuses_to_start():
    result = _check(SECRET_KEY=None)
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_debug_off_with_an_empty_secret_key_refuses_to_start():
    result = _check(SECRET_KEY="")
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_the_sandbox_is_never_switched_on_silently_with_debug_off():
    result = _check(THULIUM_URL="")
    assert result.returncode != 0
    assert "SANDBOX_ENABLED=true to run the sandbox on purpose" in result.stderr


def test_the_sandbox_may_be_switched_on_explicitly():
    result = _check(THULIUM_URL="", SANDBOX_ENABLED="true")
    assert result.returncode == 0, result.stderr


def test_the_sandbox_with_debug_off_needs_credentials_set_explicitly():
    for missing in ({"THULIUM_USER": None, "THULIUM_PASSWORD": None}, {"THULIUM_PASSWORD": ""}):
        result = _check(THULIUM_URL="", SANDBOX_ENABLED="true", **missing)
        assert result.returncode != 0
        assert "THULIUM_USER and THULIUM_PASSWORD are not both set" in result.stderr


def test_a_local_sandbox_with_debug_on_has_default_credentials():
    result = _check(
        THULIUM_URL="", DEBUG="true", THULIUM_USER=None, THULIUM_PASSWORD=None, SECRET_KEY=None
    )
    assert result.returncode == 0, result.stderr


def test_an_unknown_log_format_is_refused():
    result = _check(LOG_FORMAT="xml")
    assert result.returncode != 0
    assert "LOG_FORMAT must be json or plain" in result.stderr


def test_deployment_checks_pass_with_https_settings():
    """`check --deploy` finds nothing to warn about once HTTPS is fully switched on."""
    result = _check(
        "--deploy",
        "--fail-level",
        "WARNING",
        SECURE_SSL_REDIRECT="true",
        SECURE_HSTS_INCLUDE_SUBDOMAINS="true",
        SECURE_HSTS_PRELOAD="true",
        SECURE_PROXY_SSL_HEADER="X-Forwarded-Proto",
    )
    assert result.returncode == 0, result.stdout + result.stderr
