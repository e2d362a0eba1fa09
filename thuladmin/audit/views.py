"""The audit log pages: the filterable list, one entry, and the CSV export. All read-only."""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import ExpressionWrapper, F, TextField
from django.db.models.functions import Cast
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext, pgettext
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET
from django_htmx.http import push_url

from thuladmin.accounts import roles
from thuladmin.accounts.roles import permission_required
from thuladmin.audit.forms import AuditFilterForm, Cursor
from thuladmin.audit.models import AuditEntry, AuditEntryQuerySet, outcome_labels
from thuladmin.audit.registry import (
    ItemLink,
    action_label,
    change_table,
    entry_actions,
    item_links,
    known_actions,
    subject_names,
    subject_view,
    target_text,
)
from thuladmin.audit.services import without_secrets
from thuladmin.campaign_labels import campaign_label, campaign_name, campaign_names
from thuladmin.partials import page_or_partial
from thuladmin.spreadsheets import csv_lines, csv_response, file_name, spreadsheet_delimiter

PAGE_SIZE = 50
# What the audit log shows must not be kept by a browser or a proxy (a shared computer's cache,
# the back button after logging out): every audit page and export is sent with it.
PRIVATE_NO_STORE = cache_control(private=True, no_store=True)
# Usernames suggested in the user filter (the filter itself accepts any).
SUGGESTED_USERNAMES = 200
# Entries the export reads at a time (see `_stream`).
EXPORT_FIRST_BATCH_SIZE = 200
EXPORT_BATCH_SIZE = 2000
# Characters of Thulium's message the list shows (the detail page shows all of it).
MESSAGE_PREVIEW = 90
# An id no entry has, to find where an entry's id goes in its detail URL.
_ID_PLACEHOLDER = 987654321


def _url(name: str, query_string: str) -> str:
    url = reverse(name)
    return f"{url}?{query_string}" if query_string else url


def _index_url(query_string: str) -> str:
    return _url("audit:index", query_string)


@dataclass(frozen=True, slots=True)
class ListRow:
    """One entry as a row of the list, every value ready to print.

    Worked out here rather than in the template: the row loop is most of the page's rendering
    time, and a `{% url %}`, a `|date` or a label looked up through the model's choices costs,
    once a row, as much as a page's queries."""

    entry_id: int
    detail_url: str
    time_iso: str
    time_text: str
    username: str
    full_name: str
    account_deleted: bool
    action_label: str
    campaign_id: str
    # "00001 · Odnowienia umów — listopad": the campaign's id and its name in the dashboard.
    campaign_label: str
    # What the entry is about, in words (`target_text`): "zadanie 3", a record's identifier.
    target: str
    # The phone number of the record the entry is about, when it was known ("" otherwise).
    phone: str
    outcome: str
    outcome_label: str
    http_status: int | None
    message: str
    # The searched item's row in the entry's job, when the page is a search for it.
    item_link: ItemLink | None = None


def list_rows(
    entries: Sequence[AuditEntry], item_links: Mapping[int, ItemLink] | None = None
) -> list[ListRow]:
    """The entries as rows: one `reverse` for all their detail URLs, each label translated once
    for the page, times in the call centre's zone, campaigns' names read once for the page (and
    only when an entry names a campaign)."""
    item_links = item_links or {}
    before_id, after_id = reverse("audit:detail", args=[_ID_PLACEHOLDER]).split(
        str(_ID_PLACEHOLDER)
    )
    local_zone = timezone.get_current_timezone()
    outcomes = outcome_labels()
    names = subject_names()
    actions: dict[str, str] = {}
    campaigns: Mapping[str, str] | None = None
    rows = []
    for entry in entries:
        if entry.campaign_id and campaigns is None:
            campaigns = campaign_names()
        local_time = entry.created_at.astimezone(local_zone)
        action = entry.action
        if action not in actions:
            actions[action] = action_label(action)
        message = entry.api_message
        if len(message) > MESSAGE_PREVIEW:
            message = Truncator(message).chars(MESSAGE_PREVIEW)
        rows.append(
            ListRow(
                entry_id=entry.pk,
                detail_url=f"{before_id}{entry.pk}{after_id}",
                time_iso=local_time.isoformat(),
                time_text=f"{local_time:%Y-%m-%d %H:%M:%S}",
                username=entry.actor_username,
                full_name=entry.actor.get_full_name() if entry.actor is not None else "",
                account_deleted=entry.actor_id is None,
                action_label=actions[action],
                campaign_id=entry.campaign_id,
                campaign_label=campaign_label(entry.campaign_id, campaigns),
                target=target_text(entry.target, entry.subject_kind, entry.subject_id, names),
                phone=entry.phone,
                outcome=entry.outcome,
                outcome_label=outcomes.get(entry.outcome, entry.outcome),
                http_status=entry.http_status,
                message=message,
                item_link=item_links.get(entry.pk),
            )
        )
    return rows


@PRIVATE_NO_STORE
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
    links: dict[int, ItemLink] = {}
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
        if form.cleaned_data["q"]:
            # The searched item's own row in each job on the page, and how it ended there:
            # one query for the page, and only when a job is on it.
            links = item_links(request.user, entries, form.cleaned_data["q"])

    response = page_or_partial(
        request,
        "audit/index.html",
        "results",
        {
            "form": form,
            # The search first: the template gives it a row of its own.
            "filter_fields": [form[name] for name in form.fields if name != "before"],
            "entries": entries,
            "rows": list_rows(entries, links),
            "older_url": older_url,
            "newest_url": _index_url(form.query_string()) if request.GET.get("before") else "",
            "export_url": _url("audit:export", form.query_string()),
            # Lazy: evaluated only when the whole page renders, not for an htmx partial.
            "suggested_usernames": get_user_model()
            .objects.order_by("username")
            .values_list("username", flat=True)[:SUGGESTED_USERNAMES],
            # The named campaigns, for the campaign filter: (id, "00001 · name"), read with
            # the rows' labels (the names once a request), and only for the whole page.
            "suggested_campaigns": _suggested_campaigns,
        },
    )
    if request.htmx:
        # The form sends its empty fields too; the address bar gets the tidy, bookmarkable URL.
        before = request.GET.get("before", "")
        response = push_url(
            response, _index_url(form.query_string(**({"before": before} if before else {})))
        )
    return response


def _suggested_campaigns() -> list[tuple[str, str]]:
    """(id, label) of every named campaign, by id: what the campaign filter offers."""
    names = campaign_names()
    return [(campaign_id, campaign_label(campaign_id, names)) for campaign_id in sorted(names)]


def _pretty_json(value: Any) -> str:
    """What was sent or came back, indented for reading, keys sorted (PostgreSQL's jsonb keeps
    no order anyway); secrets redacted once more."""
    if value in (None, {}, []):
        return ""
    return json.dumps(
        without_secrets(value), indent=2, sort_keys=True, ensure_ascii=False, default=str
    )


@PRIVATE_NO_STORE
@require_GET
@permission_required(roles.can_read_audit_log)
def detail(request: HttpRequest, entry_id: int) -> TemplateResponse:
    """Everything recorded about one entry."""
    entry = get_object_or_404(
        AuditEntry.objects.select_related("actor").with_subject_summary(), pk=entry_id
    )
    subject = subject_view(request.user, entry)
    return TemplateResponse(
        request,
        "audit/detail.html",
        {
            "entry": entry,
            # What it is about, in words ("zadanie 3" for a job's stored "job 3").
            "target": target_text(
                entry.target, entry.subject_kind, entry.subject_id, subject_names()
            ),
            # A job's entry is about many calls to Thulium, not one: no HTTP status or duration
            # of its own, which would say nothing of it; its subject's facts say what happened.
            "one_call": subject is None or not subject.many_calls,
            # The change field by field in words (before | sent), when its feature can say so.
            "changes": change_table(entry),
            # What the feature that wrote it offers to do about it (restore a deleted record).
            "entry_actions": entry_actions(request.user, entry),
            # The action filter offers the registered actions only (an old code is refused).
            "action_is_listed": entry.action in dict(known_actions()),
            "request_json": _pretty_json(entry.request),
            "before_json": _pretty_json(entry.before),
            "response_json": _pretty_json(entry.response),
            # What the entry is about (a bulk job), linked for those who may open it.
            "subject": subject,
            # The campaign's name in the dashboard, "" when it has none.
            "campaign_name": campaign_name(entry.campaign_id),
            "campaign_entries_url": _index_url(f"campaign={entry.campaign_id}")
            if entry.campaign_id
            else "",
        },
    )


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
        selected = entries.before(_stored_time(created_at), entry_id)
        batch_size = EXPORT_BATCH_SIZE


def _as_stored(field: str) -> ExpressionWrapper:
    """A JSON column read as the text the database keeps, not decoded on the way: the export
    decodes only what is not empty (see `_json_cell`), and most entries' payloads are."""
    return ExpressionWrapper(F(field), output_field=TextField())


def _stored_time(text: str) -> datetime:
    """An entry's time from its text in the database (see EXPORT_FIELDS): PostgreSQL writes it
    in UTC with its offset ("2026-07-01 10:05:09.12+00"), SQLite keeps UTC without one."""
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


# The export's columns, read with values_list: no model instances for a million rows.
EXPORT_FIELDS = (
    # These two first: `_stream` continues after the last row's.
    "pk",
    # As text, parsed by `_stored_time`: several times cheaper than the database drivers'
    # parsing into a datetime, which is most of the time an export spends reading a row.
    Cast("created_at", output_field=TextField()),
    "actor_username",
    "action",
    "campaign_id",
    "target",
    "phone",
    "outcome",
    "http_status",
    "api_message",
    "duration_ms",
    "subject_kind",
    "subject_id",
    _as_stored("request"),
    _as_stored("response"),
    _as_stored("before"),
)


# One encoder for every cell (json.dumps with options makes a new one each call).
_export_json = json.JSONEncoder(sort_keys=True, ensure_ascii=False, default=str).encode


def _json_cell(stored: str | None) -> str:
    """What was sent or came back, as the database keeps it, as JSON in a cell: keys sorted
    (the same file whatever the database: PostgreSQL's jsonb orders keys its own way), letters
    as they are (SQLite keeps them escaped)."""
    if stored == "{}":
        return stored
    if stored is not None and len(stored) <= _SHORT_JSON:
        return _short_json_cell(stored)
    return _export_json(json.loads(stored) if stored is not None else None)


# Short payloads repeat (the same error, the same status sent): each is decoded and encoded
# once, among the last _SHORT_JSON_KEPT seen. Bounded, so the whole log's export stays flat.
_SHORT_JSON = 200
_SHORT_JSON_KEPT = 4096


@functools.lru_cache(maxsize=_SHORT_JSON_KEPT)
def _short_json_cell(stored: str) -> str:
    return _export_json(json.loads(stored))


def _data_cell(sent: str | None, answer: str | None, before: str | None) -> str:
    """What was sent, what came back and the values before the change, as one JSON object in
    the last column, keys sorted ("before", "request", "response", as the entry's fields are
    named), the empty ones left out; an empty cell when all are. Built from each payload's
    cell (`_json_cell`), so that the short ones that repeat are still encoded once."""
    parts = [
        f'"{key}": {_json_cell(stored)}'
        for key, stored in (("before", before), ("request", sent), ("response", answer))
        if stored is not None and stored != "{}"
    ]
    return "{" + ", ".join(parts) + "}" if parts else ""


def _export_rows(rows: Iterable[tuple]) -> Iterator[tuple]:
    """One line per entry (rows of EXPORT_FIELDS), for a person first: times where the call
    centre is, to the second; the action, the outcome and what the entry is about in words in
    the reader's language, the codes of the first two in the column after them; the campaign's
    name in the dashboard after its id; the data as JSON in the last column. Little work a row:
    this runs for every entry of an export of the whole log, so each label is translated once
    and the campaigns' names are read once, at the first row that names a campaign."""
    local_zone = timezone.get_current_timezone()
    campaigns: Mapping[str, str] | None = None
    outcomes = outcome_labels()
    names = subject_names()
    actions: dict[str, str] = {}
    for (
        entry_id,
        created_at,
        username,
        action,
        campaign_id,
        target,
        phone,
        outcome,
        http_status,
        api_message,
        duration_ms,
        subject_kind,
        subject_id,
        sent,
        answer,
        before,
    ) in rows:
        if action not in actions:
            actions[action] = action_label(action)
        if campaign_id and campaigns is None:
            campaigns = campaign_names()
        yield (
            entry_id,
            _stored_time(created_at).astimezone(local_zone).isoformat(" ", "seconds")[:19],
            username,
            actions[action],
            action,
            campaign_id,
            campaigns.get(campaign_id, "") if campaign_id and campaigns else "",
            target_text(target, subject_kind, subject_id, names),
            phone,
            outcomes.get(outcome, outcome),
            outcome,
            http_status,
            api_message,
            duration_ms,
            _data_cell(sent, answer, before),
        )


def _export_header() -> list[str]:
    """The export's column names in the reader's language; the time's says its zone."""
    return [
        gettext("id"),
        gettext("time (%(zone)s)") % {"zone": timezone.get_current_timezone_name()},
        gettext("username"),
        gettext("action"),
        gettext("action code"),
        gettext("campaign"),
        gettext("campaign name"),
        gettext("target"),
        gettext("phone number"),
        gettext("outcome"),
        gettext("outcome code"),
        # Lowercase like the other column names (the pages' labels start a line).
        pgettext("CSV column", "HTTP status"),
        pgettext("CSV column", "Thulium's message"),
        gettext("duration (ms)"),
        gettext("data (JSON): before, request, response"),
    ]


@PRIVATE_NO_STORE
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
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return csv_response(
        csv_lines(
            _export_header(), _export_rows(_stream(entries)), delimiter=spreadsheet_delimiter()
        ),
        # "dziennik-zmian-20260301-1200.csv": in the reader's language, as ASCII.
        filename=file_name(gettext("Audit log"), stamp),
    )
