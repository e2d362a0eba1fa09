from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from thuladmin.accounts.roles import Role
from thuladmin.accounts.services import demo_user_ensure

DEMO_ACCOUNTS = [
    ("supervisor", Role.SUPERVISORS),
    ("admin", Role.ADMINS),
    ("auditor", Role.AUDITORS),
]


class Command(BaseCommand):
    help = (
        "Create the role groups and demo accounts (supervisor, admin, auditor) sharing the "
        "password in DEMO_PASSWORD, and print how to log in."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--port", default="8000", help="The port the web server listens on.")

    def handle(self, *args, port: str, **options) -> None:
        password = settings.DEMO_PASSWORD
        if not password:
            raise CommandError("Set DEMO_PASSWORD (make run writes a random one into .env).")
        for username, role in DEMO_ACCOUNTS:
            demo_user_ensure(username=username, password=password, role=role)
        self.stdout.write(
            self.style.SUCCESS(
                f"\n  thuladmin: http://127.0.0.1:{port}/\n"
                f"  log in as: supervisor / {password}\n"
                f"  (also admin / {password} for customer deletion and auditor / {password})\n"
            )
        )
