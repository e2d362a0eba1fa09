"""The audit log pages: the filterable list, one entry, and the CSV export. All read-only."""

from __future__ import annotations

import csv
import itertools
import json
import re
from collections.abc import Iterable, Iterator
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from django_htmx.http import push_url

from thuladmin.accounts import roles
from thuladmin.accounts.roles import permission_required
from thuladmin.audit.forms import KNOWN_ACTIONS, AuditFilterForm, Cursor
from thuladmin.audit.models import AuditEntry, AuditEntryQuerySet
from thuladmin.audit.services import _without_secrets
from thuladmin.bulk.models import BulkJob

PAGE_SIZE = 50
# Usernames suggested in the user filter (the filter itself accepts any).
SUGGESTED_USERNAMES = 200
# Entries the export reads at a time (see `_stream`).
EXPORT_FIRST_BATCH_SIZE = 200
EXPORT_BATCH_SIZE = 2000
# The export goes out in pieces of about this many characters (a hundred rows or so): one piece
# a row would cost a write to the socket, and in Django a conversion to bytes, for each row.
EXPORT_PIECE_SIZE = 16 * 1024


def _url(name: str, query_string: str) -> str:
    url = reverse(name)
    return f"{url}?{query_string}" if query_string else url


def _index_url(query_string: str) -> str:
    return _url("audit:index", query_string)


@require_GET
@permission_required(roles.can_read_audit_log)
def index(request: HttpRequest) -> TemplateResponse:
    """The log, newest first, filtered by the query string, a page of PAGE_SIZE at a time.

    Pages are keyset pages: "older entries" carries the last entry's `(created_at, id)` as
    `?before=`, so every page is one short index walk and nothing counts the whole log. An htmx
    request (the filter form, the page links) gets only the results partial.
    """
    form = AuditFilterForm(request.GET)
    entries: list[AuditEntry] = []
    older_url = ""
    if form.is_valid():
        selected = AuditEntry.objects.filtered(**form.filters())
        cursor = form.cleaned_data["before"]
        if cursor is not None:
            selected = selected.before(cursor.created_at, cursor.entry_id)
        entries = list(selected.newest(PAGE_SIZE + 1).for_list())
        if len(entries) > PAGE_SIZE:
            entries = entries[:PAGE_SIZE]
            older_url = _index_url(form.query_string(before=str(Cursor.after_entry(entries[-1]))))

    template_name = "audit/index.html"
    if request.htmx:
        template_name += "#results"
    response = TemplateResponse(
        request,
        template_name,
        {
            "form": form,
            # The search first: the template gives it a row of its own.
            "filter_fields": [form[name] for name in form.fields if name != "before"],
            "entries": entries,
            "older_url": older_url,
            "newest_url": _index_url(form.query_string()) if request.GET.get("before") else "",
            "export_url": _url("audit:export", form.query_string()),
            "known_actions": KNOWN_ACTIONS,
            # Lazy: evaluated only when the whole page renders, not for an htmx partial.
            "suggested_usernames": get_user_model()
            .objects.order_by("username")
            .values_list("username", flat=True)[:SUGGESTED_USERNAMES],
        },
    )
    if request.htmx:
        # The form sends its empty fields too; the address bar gets the tidy, bookmarkable URL.
        before = request.GET.get("before", "")
        response = push_url(
            response, _index_url(form.query_string(**({"before": before} if before else {})))
        )
    # One URL, two bodies: without this a browser's back button can show the bare fragment.
    patch_vary_headers(response, ("HX-Request",))
    return response


def _pretty_json(value: Any) -> str:
    """What was sent or came back, indented for reading, keys sorted (PostgreSQL's jsonb keeps
    no order anyway); secrets redacted once more."""
    if value in (None, {}, []):
        return ""
    return json.dumps(
        _without_secrets(value), indent=2, sort_keys=True, ensure_ascii=False, default=str
    )


def _bulk_job_url(user: AbstractBaseUser | AnonymousUser, job: BulkJob | None) -> str:
    """The job's per-item results page, or "" if the bulk pages are not routed (yet) or this
    user may not open jobs of its kind (the bulk pages decide who may: auditors may not)."""
    if job is None:
        return ""
    try:
        url = reverse("bulk:detail", kwargs={"job_id": job.pk})
    except NoReverseMatch:
        return ""
    try:
        from thuladmin.bulk.views import KIND_PERMISSIONS
    except ImportError:
        return url
    may_open = KIND_PERMISSIONS.get(job.kind)
    return url if may_open is not None and may_open(user) else ""


@require_GET
@permission_required(roles.can_read_audit_log)
def detail(request: HttpRequest, entry_id: int) -> TemplateResponse:
    """Everything recorded about one entry."""
    entry = get_object_or_404(AuditEntry.objects.select_related("actor", "bulk_job"), pk=entry_id)
    return TemplateResponse(
        request,
        "audit/detail.html",
        {
            "entry": entry,
            "request_json": _pretty_json(entry.request),
            "response_json": _pretty_json(entry.response),
            "bulk_job_url": _bulk_job_url(request.user, entry.bulk_job),
            "campaign_entries_url": _index_url(f"campaign={entry.campaign_id}")
            if entry.campaign_id
            else "",
        },
    )


# A cell a spreadsheet would run as a formula. A signed number ("+48600100200") is left alone.
FORMULA_START = re.compile(r"\A[=+\-@\t\r]")
SIGNED_NUMBER = re.compile(r"\A[+\-][\d ]+\Z")


def _csv_cell(value: Any) -> Any:
    """Neutralise cells a spreadsheet would evaluate (the API's messages are outside text)."""
    if isinstance(value, str) and FORMULA_START.match(value) and not SIGNED_NUMBER.match(value):
        return "'" + value
    return value


class _Echo:
    """A file-like object whose write returns the line: csv.writer then yields lines."""

    def write(self, value: str) -> str:
        return value


def _stream(entries: AuditEntryQuerySet) -> Iterator[tuple]:
    """The entries' EXPORT_FIELDS, newest first, read a keyset page at a time.

    Each batch is the list's next page, bigger: the `newest` EXPORT_BATCH_SIZE entries `before`
    the last row sent, their ids found on the filters' index alone, then only those rows read,
    in a short query of its own. Memory holds one batch, whatever the export's size, and no
    transaction stays open through a download. (A server-side cursor over the whole selection
    would read in the table every entry its index walk meets, e.g. all of a user's to find
    those in one campaign, and PostgreSQL wants it inside a transaction.) The first batch is
    small, so that the first rows go out at once. Entries written meanwhile are newer than the
    first batch and are not exported: the file is the log as it was when the export started.
    """
    selected = entries
    batch_size = EXPORT_FIRST_BATCH_SIZE
    while True:
        rows = list(selected.newest(batch_size).values_list(*EXPORT_FIELDS))
        yield from rows
        if len(rows) < batch_size:
            return
        entry_id, created_at = rows[-1][:2]
        selected = entries.before(created_at, entry_id)
        batch_size = EXPORT_BATCH_SIZE


# The export's columns, read with values_list: no model instances for a million rows.
EXPORT_FIELDS = (
    # These two first: `_stream` continues after the last row's.
    "pk",
    "created_at",
    "actor_username",
    "action",
    "campaign_id",
    "target",
    "outcome",
    "http_status",
    "api_message",
    "duration_ms",
    "bulk_job_id",
    "request",
    "response",
)


def _csv_lines(rows: Iterable[tuple]) -> Iterator[str]:
    """The header and one line per entry (rows of EXPORT_FIELDS), times where the call centre
    is, JSON as JSON, and every text that came from outside made safe for spreadsheets."""
    writer = csv.writer(_Echo())
    local_zone = timezone.get_current_timezone()
    # A byte-order mark, so that spreadsheet programs read the file as UTF-8.
    yield "\ufeff" + writer.writerow(
        [
            _("id"),
            _("time"),
            _("username"),
            _("action"),
            _("campaign"),
            _("target"),
            _("outcome"),
            _("HTTP status"),
            _("Thulium's message"),
            _("duration (ms)"),
            _("bulk job"),
            _("what was sent"),
            _("what came back"),
        ]
    )
    for (
        entry_id,
        created_at,
        username,
        action,
        campaign_id,
        target,
        outcome,
        http_status,
        api_message,
        duration_ms,
        bulk_job_id,
        sent,
        answer,
    ) in rows:
        yield writer.writerow(
            [
                entry_id,
                created_at.astimezone(local_zone).isoformat(),
                _csv_cell(username),
                _csv_cell(action),
                _csv_cell(campaign_id),
                _csv_cell(target),
                outcome,
                http_status,
                _csv_cell(api_message),
                duration_ms,
                bulk_job_id,
                json.dumps(sent, sort_keys=True, ensure_ascii=False, default=str),
                json.dumps(answer, sort_keys=True, ensure_ascii=False, default=str),
            ]
        )


def _in_pieces(lines: Iterable[str]) -> Iterator[str]:
    """The lines joined into pieces of about EXPORT_PIECE_SIZE characters. The first line (the
    header) goes alone, before the query runs, so the download starts at once."""
    lines = iter(lines)
    yield from itertools.islice(lines, 1)
    piece: list[str] = []
    length = 0
    for line in lines:
        piece.append(line)
        length += len(line)
        if length >= EXPORT_PIECE_SIZE:
            yield "".join(piece)
            piece, length = [], 0
    if piece:
        yield "".join(piece)


@require_GET
@permission_required(roles.can_read_audit_log)
def export(request: HttpRequest) -> HttpResponse:
    """The filtered entries as CSV, newest first, streamed in chunks so memory stays flat
    however many there are. Filters that do not validate send the user back to the list,
    which shows what is wrong. The export is of everything the filters select, whichever page
    of the list it was started from, so a page cursor is ignored."""
    query = request.GET.copy()
    query.pop("before", None)
    form = AuditFilterForm(query)
    if not form.is_valid():
        return redirect(_index_url(form.query_string()))
    entries = AuditEntry.objects.filtered(**form.filters())
    response = StreamingHttpResponse(
        _in_pieces(_csv_lines(_stream(entries))),
        content_type="text/csv; charset=utf-8",
    )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="audit-log-{stamp}.csv"'
    return response
