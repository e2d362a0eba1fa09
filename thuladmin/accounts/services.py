from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractUser, Group

from thuladmin.accounts.roles import Role


def roles_ensure() -> None:
    """Create the role groups; idempotent, so set-up can run it every time."""
    for role in Role:
        Group.objects.get_or_create(name=role.value)


def demo_user_ensure(*, username: str, password: str, role: Role) -> AbstractUser:
    """Create (or reset) a demo account in one role, so a new user can log in at once.

    The password is reset on every call: the demo credentials printed by `make run` then always
    work, even after someone changed them.
    """
    roles_ensure()
    user, _ = get_user_model().objects.get_or_create(username=username)
    user.set_password(password)
    user.is_active = True
    user.is_staff = role == Role.ADMINS
    user.is_superuser = role == Role.ADMINS
    user.save()
    user.groups.set([Group.objects.get(name=role.value)])
    return user
