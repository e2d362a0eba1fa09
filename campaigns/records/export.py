"""The records list's export: every record matching the list's filters, all pages, as CSV in
the reader's language, from the campaign's copy.

From the copy rather than from Thulium: a campaign of 100,000 records would take a thousand
requests to read again, while the copy holds them all and says when it was current ("as of").
The list's pages come straight from Thulium, so a record changed in the last minute may read
differently in the file; each row says the time its values were true.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from campaigns.models import CampaignSnapshot, SnapshotRecord
from campaigns.records.filters import RecordsFilterForm
from campaigns.snapshots import snapshot_copy_as_of
from campaigns.templatetags.statuses import status_text
from thuladmin.accounts import roles
from thuladmin.accounts.roles import permission_required
from thuladmin.spreadsheets import csv_lines, csv_response, file_name, spreadsheet_delimiter

# Rows read from the database at a time: memory stays flat however large the campaign.
EXPORT_BATCH = 2000

COLUMNS = (
    "identifier",
    "phone_number",
    "status_name",
    "system_status",
    "agent_login",
    "call_date",
    "next_call_date",
    "create_date",
    "changed_at",
)


def _local_time(moment: datetime) -> str:
    """A moment where the call centre is, to the second, as the audit log's export writes it:
    2026-03-01 12:41:05 (a form every spreadsheet reads as a date, in either language)."""
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M:%S")


def _header() -> list[str]:
    """The columns as the records list names them, in the reader's language."""
    return [
        _("Identifier"),
        _("Phone number"),
        _("Status"),
        _("Agent"),
        _("Last call"),
        _("Next call date"),
        _("Created"),
        _("As of (%(zone)s)") % {"zone": timezone.get_current_timezone_name()},
    ]


def _rows(rows: Iterable[tuple], *, as_of: datetime) -> Iterator[list[str]]:
    """One line per record, its values as the list shows them: the status in words (its name
    and its kind), Thulium's dates as Thulium gives them, and when they were true: the copy's
    time, or the dashboard's own later change of the record. Each status's words are worded
    once, not once per row."""
    copy_time = _local_time(as_of)
    statuses: dict[tuple[str, str], str] = {}
    for (
        identifier,
        phone_number,
        status_name,
        system_status,
        agent_login,
        call_date,
        next_call_date,
        create_date,
        changed_at,
    ) in rows:
        key = (status_name, system_status)
        if key not in statuses:
            statuses[key] = status_text(status_name, system_status)
        yield [
            identifier,
            phone_number,
            statuses[key],
            agent_login,
            call_date,
            next_call_date,
            create_date,
            _local_time(changed_at) if changed_at and changed_at > as_of else copy_time,
        ]


@require_GET
@permission_required(roles.can_work_on_campaigns)
def records_export(request: HttpRequest, campaign_id: str) -> HttpResponse:
    """Every record of the campaign's copy that the list's filters (the same query string)
    match, as CSV, streamed batch by batch. Filters that do not validate, or a campaign whose
    first read has not finished, send the reader back to the list, which says why."""
    list_url = reverse("campaigns:records", args=[campaign_id])
    form = RecordsFilterForm(request.GET, statuses=None)
    if not form.is_valid():
        return redirect(f"{list_url}?{request.GET.urlencode()}")
    query = urlencode(form.query_items())
    back = f"{list_url}?{query}" if query else list_url
    current = CampaignSnapshot.objects.current_for(campaign_id)
    as_of = snapshot_copy_as_of(campaign_id, current)
    if current is None or as_of is None:
        messages.info(
            request,
            _(
                "The campaign's records are still being read for the first time: the export "
                "is ready once they all are."
            ),
        )
        return redirect(back)
    rows = (
        SnapshotRecord.objects.filter(snapshot=current)
        .live()
        .filtered(**form.api_filters())
        .order_by("pk")
        .values_list(*COLUMNS)
        .iterator(chunk_size=EXPORT_BATCH)
    )
    return csv_response(
        csv_lines(_header(), _rows(rows, as_of=as_of), delimiter=spreadsheet_delimiter()),
        # "rekordy-kampanii-00001-20260301-1241.csv": in the reader's words, as ASCII.
        filename=file_name(
            _("Records of campaign %(campaign_id)s") % {"campaign_id": campaign_id},
            timezone.localtime(as_of).strftime("%Y%m%d-%H%M"),
        ),
    )
