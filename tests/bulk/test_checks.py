"""The system check that `manage.py db_worker` is the engine's worker, not django-tasks-db's."""

from __future__ import annotations

import pytest
from django.core.checks import run_checks
from django.core.management import call_command, get_commands
from django.core.management.base import SystemCheckError

from thuladmin.bulk import checks
from thuladmin.bulk.checks import db_worker_is_the_engines


def test_db_worker_is_the_engines_as_installed():
    assert get_commands()["db_worker"] == "thuladmin.bulk"
    assert db_worker_is_the_engines() == []
    assert not [message for message in run_checks() if message.id == "bulk.E001"]


@pytest.mark.parametrize("commands", [{"db_worker": "django_tasks_db"}, {}])
def test_an_error_when_db_worker_is_not_the_engines(monkeypatch, commands):
    monkeypatch.setattr(checks, "get_commands", lambda: commands)

    [error] = db_worker_is_the_engines()

    assert error.id == "bulk.E001"
    assert error.hint == "Keep 'thuladmin.bulk' before 'django_tasks_db' in INSTALLED_APPS."
    # Registered: `manage.py check` (and migrate, runserver) refuse to go on.
    assert [message.id for message in run_checks() if message.id == "bulk.E001"] == ["bulk.E001"]
    with pytest.raises(SystemCheckError, match=r"bulk\.E001"):
        call_command("check")
