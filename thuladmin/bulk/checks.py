"""System checks of the bulk engine's setup (registered in `BulkConfig.ready`).

`manage.py db_worker` must be the engine's own worker (`thuladmin/bulk/management/commands/
db_worker.py`): django-tasks-db's, under the same name, survives no database error and never
resumes a job left behind by a dead worker. The name stays `db_worker`, the one operators and
the docs use, so which command it is depends on the order of INSTALLED_APPS (Django takes a
command from the first app that has one by its name): `thuladmin.bulk` must come before
`django_tasks_db`. Nothing else would tell if that order were lost; this check does, at every
`manage.py` command that runs the checks (migrate, runserver, check).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.apps import AppConfig
from django.core import checks
from django.core.management import get_commands

WORKER_COMMAND = "db_worker"
WORKER_APP = "thuladmin.bulk"


def db_worker_is_the_engines(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[checks.CheckMessage]:
    """An error unless `manage.py db_worker` is thuladmin.bulk's."""
    app = get_commands().get(WORKER_COMMAND)
    if app == WORKER_APP:
        return []
    return [
        checks.Error(
            f"`manage.py {WORKER_COMMAND}` is {app or 'missing'}'s, not {WORKER_APP}'s: the "
            "worker would not survive database errors nor resume bulk jobs left behind.",
            hint=f"Keep {WORKER_APP!r} before 'django_tasks_db' in INSTALLED_APPS.",
            id="bulk.E001",
        )
    ]
