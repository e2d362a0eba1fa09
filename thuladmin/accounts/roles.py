"""Who may do what. Every permission check in a view goes through these functions.

Roles are Django groups, created by `manage.py setup_roles`:

- `supervisors`: campaign work (statuses, records) and bulk deletion of phone numbers;
- `admins`: everything supervisors do, plus customer deletion, campaigns' names (the
  dashboard's own) and user management;
- `auditors`: read the audit log, and the page and export of every bulk job it links to
  (`thuladmin.bulk.permissions`), as stored: they change nothing, and reading a job's page asks
  Thulium nothing on their behalf.

Superusers count as admins.
"""

from __future__ import annotations

from enum import StrEnum
from functools import wraps
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied

if TYPE_CHECKING:
    from collections.abc import Callable

    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser


class Role(StrEnum):
    SUPERVISORS = "supervisors"
    ADMINS = "admins"
    AUDITORS = "auditors"


def _group_names(user: AbstractBaseUser | AnonymousUser) -> set[str]:
    # Cached on the user object: the navigation asks several questions per request.
    if not hasattr(user, "_thuladmin_groups"):
        user._thuladmin_groups = set(user.groups.values_list("name", flat=True))  # type: ignore[union-attr]
    return user._thuladmin_groups  # type: ignore[union-attr]


def has_role(user: AbstractBaseUser | AnonymousUser, *roles: Role) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:  # type: ignore[union-attr]
        return True
    return bool(_group_names(user) & {str(role) for role in roles})


def can_work_on_campaigns(user: AbstractBaseUser | AnonymousUser) -> bool:
    return has_role(user, Role.SUPERVISORS, Role.ADMINS)


def can_name_campaigns(user: AbstractBaseUser | AnonymousUser) -> bool:
    """Give a campaign its name in the dashboard: every supervisor reads campaigns by it, so
    those who run the dashboard set it."""
    return has_role(user, Role.ADMINS)


def can_delete_customers(user: AbstractBaseUser | AnonymousUser) -> bool:
    return has_role(user, Role.ADMINS)


def can_read_audit_log(user: AbstractBaseUser | AnonymousUser) -> bool:
    return has_role(user, Role.SUPERVISORS, Role.AUDITORS, Role.ADMINS)


def permission_required(check: Callable[..., bool]) -> Callable:
    """Refuse the view with 403 unless `check(request.user)` holds."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not check(request.user):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
