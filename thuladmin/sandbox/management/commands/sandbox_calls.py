"""`manage.py sandbox_calls --count N`: make N simulated agents' calls now, at once.

`SANDBOX_CALLS_PER_MINUTE` makes calls as time passes (`thuladmin.sandbox.calls`); a demo, a
test or a benchmark that wants a campaign changed now (say, 1,000 records called today) asks
for them here instead of waiting. `--campaign` keeps the calls to one campaign (active or not),
`--record` calls one record (a demo showing that record's new status). Each change is printed,
one a line, then a summary.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from thuladmin.sandbox.calls import SimulatedChange, calls_simulate
from thuladmin.sandbox.models import Campaign, Record


class Command(BaseCommand):
    help = "Simulate agents' calls in the Thulium sandbox now: records change status and dates."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--count", type=int, default=1, help="How many calls (default 1).")
        parser.add_argument(
            "--campaign", help="Only in this campaign, e.g. 00001 (default: every active one)."
        )
        parser.add_argument("--record", type=int, help="Call this record (by record_id) only.")

    def handle(self, *args: Any, **options: Any) -> None:
        count = options["count"]
        campaign_id = options["campaign"]
        record_id = options["record"]
        if count < 0:
            raise CommandError("--count must be 0 or more.")
        if campaign_id is not None and not Campaign.objects.filter(pk=campaign_id).exists():
            raise CommandError(f"No campaign {campaign_id} in the sandbox.")
        if record_id is not None:
            record = Record.objects.filter(pk=record_id).values_list("campaign_id", "in_call")
            found = record.first()
            if found is None:
                raise CommandError(f"No record {record_id} in the sandbox.")
            if campaign_id is not None and found[0] != campaign_id:
                raise CommandError(f"Record {record_id} is in campaign {found[0]}.")
            if found[1]:
                raise CommandError(f"Record {record_id} is in a call: agents cannot call it.")
        changes = calls_simulate(
            count=count, campaign_id=campaign_id, record_id=record_id, now=timezone.now()
        )
        for change in changes:
            self.stdout.write(_line(change))
        called = sum(change.kind == "called" for change in changes)
        added = len(changes) - called
        asked = 1 if record_id is not None else count
        self.stdout.write(
            f"{called} of {asked} calls made"
            + (" (no more records waiting, or no agent to call)" if called < asked else "")
            + f", {added} records added."
        )


def _line(change: SimulatedChange) -> str:
    status = f"status {change.status_id} ({change.system_status})"
    if change.kind == "added":
        return f"{change.campaign_id} record {change.record_id}: added, {status}"
    line = (
        f"{change.campaign_id} record {change.record_id}: called by {change.agent_login}, {status}"
    )
    if change.next_call_date is not None:
        next_call = timezone.localtime(change.next_call_date)
        line += f", next call {next_call:%Y-%m-%d %H:%M}"
    return line
