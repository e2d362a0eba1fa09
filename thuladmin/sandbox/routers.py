"""Database routing for the sandbox when it has a database of its own (`SANDBOX_DATABASE_URL`).

A real Thulium keeps its data far from the dashboard's. Giving the simulator its own database
does the same: its writes no longer queue behind the dashboard's (SQLite has one writer per
file), and wiping it never touches jobs or the audit log. Without the setting the router is not
installed and the sandbox's tables live in the default database.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Model

SANDBOX_DATABASE = "sandbox"
SANDBOX_APP_LABEL = "sandbox"


class SandboxRouter:
    def db_for_read(self, model: type[Model], **hints: Any) -> str | None:
        return SANDBOX_DATABASE if model._meta.app_label == SANDBOX_APP_LABEL else None

    def db_for_write(self, model: type[Model], **hints: Any) -> str | None:
        return self.db_for_read(model)

    def allow_migrate(
        self, db: str, app_label: str, model_name: str | None = None, **hints: Any
    ) -> bool:
        """The sandbox's tables in its database only, and nothing else there."""
        return (app_label == SANDBOX_APP_LABEL) == (db == SANDBOX_DATABASE)
