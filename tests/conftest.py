"""Fixtures shared by every test package: users in each role, a clean cache and client."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.core.cache import cache

from thuladmin.accounts.roles import Role
from thuladmin.thulium import reset_client


@pytest.fixture(autouse=True)
def _fresh_cache_and_client():
    """Each test starts with an empty cache and a client built from its own settings."""
    cache.clear()
    reset_client()
    yield
    reset_client()


def _user_in_role(django_user_model, username: str, role: Role | None):
    user = django_user_model.objects.create_user(username=username, password="pw-" + username)
    if role is not None:
        user.groups.add(Group.objects.get_or_create(name=role.value)[0])
    return user


@pytest.fixture
def supervisor(django_user_model):
    return _user_in_role(django_user_model, "supervisor", Role.SUPERVISORS)


@pytest.fixture
def admin_member(django_user_model):
    """In the `admins` group (not a Django superuser)."""
    return _user_in_role(django_user_model, "administrator", Role.ADMINS)


@pytest.fixture
def auditor(django_user_model):
    return _user_in_role(django_user_model, "auditor", Role.AUDITORS)


@pytest.fixture
def outsider(django_user_model):
    """Logged in, but in no role."""
    return _user_in_role(django_user_model, "outsider", None)


@pytest.fixture
def supervisor_client(client, supervisor):
    client.force_login(supervisor)
    return client


@pytest.fixture
def auditor_client(client, auditor):
    client.force_login(auditor)
    return client
