from django.core.management.base import BaseCommand

from thuladmin.accounts.roles import Role
from thuladmin.accounts.services import roles_ensure


class Command(BaseCommand):
    help = "Create the groups thuladmin's roles rely on: supervisors, admins, auditors."

    def handle(self, *args, **options) -> None:
        roles_ensure()
        self.stdout.write(f"Roles ready: {', '.join(role.value for role in Role)}")
