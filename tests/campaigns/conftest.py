"""Fixtures for the campaign pages: a fake Thulium (responses) and users with and without roles."""

from __future__ import annotations

import pytest
import responses
from django.contrib.auth.models import Group
from django.core.cache import cache

from thuladmin.accounts.roles import Role
from thuladmin.thulium import reset_client

THULIUM_URL = "https://thulium.test/api/"
THULIUM_PASSWORD = "s3cret-api-pass"


@pytest.fixture(autouse=True)
def thulium_settings(settings):
    """A fake Thulium that fails fast: no retries, so error tests take no time."""
    settings.THULIUM_URL = THULIUM_URL
    settings.THULIUM_USER = "api-user"
    settings.THULIUM_PASSWORD = THULIUM_PASSWORD
    settings.THULIUM_MAX_RETRIES = 0
    settings.THULIUM_BACKOFF_SECONDS = 0.0
    settings.THULIUM_STATUSES_CACHE_SECONDS = 60
    reset_client()
    yield settings
    reset_client()


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def thulium():
    """Every request to Thulium must be registered; an unexpected one fails the test."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


@pytest.fixture
def supervisor(django_user_model):
    user = django_user_model.objects.create_user(username="anna", password="not-used-here")
    group, _created = Group.objects.get_or_create(name=Role.SUPERVISORS)
    user.groups.add(group)
    return user


@pytest.fixture
def supervisor_client(client, supervisor):
    client.force_login(supervisor)
    return client


@pytest.fixture
def user_without_role_client(client, django_user_model):
    user = django_user_model.objects.create_user(username="bob", password="not-used-here")
    client.force_login(user)
    return client
