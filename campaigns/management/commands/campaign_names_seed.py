"""`manage.py campaign_names_seed`: the demo's campaign names, from the sandbox.

Thulium's API gives campaigns no names; the sandbox's demo campaigns have some (its own
`Campaign.name`, which its API never sends either). `make run` calls this after `sandbox_seed`,
so the demo's campaigns read "00001 · Odnowienia umów — listopad" from the start. Only where no
name was given yet: an admin's name is never replaced. Only with the sandbox standing in for
Thulium: a real Thulium's campaigns are other campaigns, which the demo's names would mislabel.

Here, in the campaigns app, not in the sandbox's `sandbox_seed`: the names are this app's, and
the core (the sandbox is part of it) never reaches up into an app.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from campaigns.names import campaign_names_seed
from thuladmin.sandbox.models import Campaign


class Command(BaseCommand):
    help = (
        "Name the dashboard's campaigns after the sandbox's demo campaigns, where no name was "
        "given yet (only while the sandbox stands in for Thulium)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.SANDBOX_ENABLED or settings.THULIUM_URL:
            self.stdout.write("The sandbox is off (THULIUM_URL is set): no demo names to give.")
            return
        named = campaign_names_seed(names=dict(Campaign.objects.values_list("campaign_id", "name")))
        self.stdout.write(
            f"Campaign names from the sandbox: {', '.join(named)}."
            if named
            else "Campaign names from the sandbox: every campaign has its name already."
        )
