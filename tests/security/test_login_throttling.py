"""Login throttling (django-axes) and session expiry.

After AXES_FAILURE_LIMIT failed logins for one username from one address, that pair is locked out
for AXES_COOLOFF_TIME, even with the right password, and told so on a friendly page; a success
before the limit resets the count. Other users, and the same user elsewhere, are not affected,
so one attacker cannot lock a whole call centre out.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone

LOGIN = "/accounts/login/"
PASSWORD = "right-password-1"


@pytest.fixture
def anna(django_user_model):
    return django_user_model.objects.create_user(username="anna", password=PASSWORD)


def _login(password: str, *, username: str = "anna", address: str = "10.0.0.1") -> Client:
    client = Client(REMOTE_ADDR=address)
    client.response = client.post(LOGIN, {"username": username, "password": password})
    return client


def _logged_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def test_the_limit_is_configured_as_documented(settings):
    assert settings.AXES_FAILURE_LIMIT == 5
    assert settings.AXES_COOLOFF_TIME * 60 == 15
    assert settings.AUTHENTICATION_BACKENDS[0] == "axes.backends.AxesStandaloneBackend"
    assert settings.MIDDLEWARE[-1] == "axes.middleware.AxesMiddleware"


@pytest.mark.django_db
def test_repeated_failures_lock_the_login_even_with_the_right_password(anna, settings):
    for attempt in range(1, settings.AXES_FAILURE_LIMIT):
        client = _login("wrong")
        assert client.response.status_code == 200, attempt  # the form again, with its error
        assert not _logged_in(client)

    locked = _login("wrong")  # the limit-th failure locks
    assert locked.response.status_code == 429
    client = _login(PASSWORD)
    assert client.response.status_code == 429
    assert not _logged_in(client)
    page = client.response.content.decode()
    assert "Too many failed logins" in page
    assert "Try again in 15 minutes." in page
    assert PASSWORD not in page
    assert "accounts/lockout.html" in [t.name for t in client.response.templates]


@pytest.mark.django_db
def test_the_lock_lifts_after_the_cool_off(anna, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login("wrong")
    assert _login(PASSWORD).response.status_code == 429

    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))

    client = _login(PASSWORD)
    assert client.response.status_code == 302
    assert _logged_in(client)


@pytest.mark.django_db
def test_a_success_resets_the_count(anna, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _login("wrong")
    assert _logged_in(_login(PASSWORD))
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _login("wrong")
    assert _logged_in(_login(PASSWORD)), "the earlier failures still counted"


@pytest.mark.django_db
def test_a_lock_is_for_that_user_from_that_address_only(anna, django_user_model, settings):
    django_user_model.objects.create_user(username="bartek", password=PASSWORD)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login("wrong", address="10.0.0.1")
    assert not _logged_in(_login(PASSWORD, address="10.0.0.1"))
    # A colleague behind the same office address, and anna from another address, still log in.
    assert _logged_in(_login(PASSWORD, username="bartek", address="10.0.0.1"))
    assert _logged_in(_login(PASSWORD, address="10.0.0.2"))


@pytest.mark.django_db
def test_failures_for_unknown_users_are_throttled_too(settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login("guess", username="admin")
    assert _login("guess", username="admin").response.status_code == 429


# --- session expiry ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_login_lasts_session_cookie_age(anna, settings):
    client = _login(PASSWORD)
    assert settings.SESSION_COOKIE_AGE == 8 * 60 * 60
    cookie = client.response.cookies[settings.SESSION_COOKIE_NAME]
    assert int(cookie["max-age"]) == settings.SESSION_COOKIE_AGE
    assert cookie["httponly"]


@pytest.mark.django_db
@pytest.mark.parametrize("htmx", [False, True])
def test_an_expired_session_is_sent_to_log_in(supervisor, htmx):
    client = Client()
    client.force_login(supervisor)
    assert client.get("/jobs/").status_code == 200
    Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))

    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    # htmx is told to load the login page whole, not to swap it into the part it refreshes.
    redirect_header = "HX-Redirect" if htmx else "Location"
    response = client.get("/jobs/", **headers)
    assert response.status_code == (200 if htmx else 302)
    assert response[redirect_header].startswith(LOGIN + "?next=/jobs/")
    response = client.post("/campaigns/00001/remove-numbers/", {"text": "600100200"}, **headers)
    assert response.status_code == (200 if htmx else 302)
    assert response[redirect_header].startswith(LOGIN)


@pytest.mark.django_db
def test_logging_out_ends_the_session_on_the_server(supervisor):
    client = Client()
    client.force_login(supervisor)
    key = client.session.session_key
    client.post("/accounts/logout/")
    assert not Session.objects.filter(session_key=key).exists()
    assert client.get("/jobs/").status_code == 302
