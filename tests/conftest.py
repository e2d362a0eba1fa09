"""Fixtures shared by every test package: users in each role, a clean cache and client; and how
the suite is shared out over pytest-xdist's processes."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.utils import translation

from thuladmin.accounts.roles import Role
from thuladmin.thulium import reset_client

# Modules whose tests start processes (gunicorn, db_workers, limiter probes) and kill them or
# watch them against the clock. Under pytest-xdist with `--dist loadgroup` (the Makefile's) they
# run one at a time in one worker, so they never compete with each other for the machine's cores.
TIMED_PROCESS_MODULES = {
    "tests/bulk/test_end_to_end.py",
    "tests/production/test_gunicorn.py",
    "tests/production/test_limits.py",
    "tests/production/test_worker_resilience.py",
    "tests/production/test_workers.py",
    "tests/reliability/test_crash_outcomes.py",
    "tests/reliability/test_crash_safety.py",
}


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist reads the groups
def pytest_collection_modifyitems(config, items):
    if not config.pluginmanager.hasplugin("xdist"):
        return  # `-p no:xdist`: one process, nothing to group
    for item in items:
        if item.path.relative_to(config.rootpath).as_posix() in TIMED_PROCESS_MODULES:
            item.add_marker(pytest.mark.xdist_group("timed-processes"))


@pytest.fixture(autouse=True)
def _fresh_cache_and_client():
    """Each test starts with an empty cache and a client built from its own settings."""
    cache.clear()
    reset_client()
    yield
    reset_client()


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the default language. A request through the test client runs in the
    test's thread, and the locale middleware leaves the language it activated (a Polish reader's,
    say) active after it: under pytest-xdist the next test in that process, whichever it is,
    would read Polish."""
    translation.deactivate()
    yield
    translation.deactivate()


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
