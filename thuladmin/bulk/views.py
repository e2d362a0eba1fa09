"""The bulk job pages, shared by every kind: the preview, the job's progress and results, its
actions (start, discard, cancel, retry), its CSV export, and the jobs list.

Each kind has its own paste page, in its app; a valid list becomes a draft job whose page is
here. The job page is one view at one URL, bookmarkable in every state: a draft shows its
preview, a started job its progress and each item's outcome. What differs between kinds (the
wording, the columns, the breadcrumbs) comes from the kind's template (`BulkKind.template_name`).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRefresh

from thuladmin.accounts.roles import permission_required
from thuladmin.bulk import attention
from thuladmin.bulk.completion import Progress, bulk_job_duration_in_words, bulk_job_progress
from thuladmin.bulk.forms import INVALID_SHOWN, SUSPICIOUS_SHOWN, RetryLaterForm, StartForm, grouped
from thuladmin.bulk.kinds import BulkKind, kind_for, kinds_user_may_run
from thuladmin.bulk.models import BulkChunk, BulkItem, BulkJob, Outcome
from thuladmin.bulk.parsing import RejectedItem
from thuladmin.bulk.permissions import may_change_job, may_open_jobs_list, may_read_job
from thuladmin.bulk.services import (
    CancelReport,
    PreviewLookups,
    bulk_items_preview_fill,
    bulk_job_cancel,
    bulk_job_discard,
    bulk_job_retry,
    bulk_job_retry_later,
    bulk_job_start,
)
from thuladmin.partials import page_or_partial, wants_partial
from thuladmin.spreadsheets import csv_lines, csv_response, file_name, spreadsheet_delimiter
from thuladmin.thulium.messages import thulium_error_message

RESULTS_PER_PAGE = 100
# A preview page of a kind that looks its items up costs one request to Thulium per item.
LOOKUP_PREVIEW_PER_PAGE = 50
JOBS_PER_PAGE = 25
EXPORT_BATCH = 2000
# Longer than any phone number or customer id: a search for more is ignored.
MAX_SEARCH_LENGTH = 100
# Items a search lists at most (a phone number and a customer id match one item each).
MAX_SEARCH_MATCHES = 1000
# The id of the region an htmx request swaps, per state: the preview's list, or the results.
PREVIEW_REGION = "preview-items"
RESULTS_REGION = "job-results"
# Job pages show who was called, deleted or removed: no shared cache may keep them.
private_no_store = cache_control(private=True, no_store=True)


def _job_for(request: HttpRequest, job_id: int, *, read_only: bool = False) -> BulkJob:
    """The job (404 if there is none), if the user may work on it, or only read it when
    `read_only` (403 if not): see `thuladmin.bulk.permissions` for the rule."""
    job = get_object_or_404(BulkJob.objects.written().with_author(), pk=job_id)
    allowed = may_read_job(request.user, job) if read_only else may_change_job(request.user, job)
    if not allowed:
        raise PermissionDenied
    return job


# --- the job page ----------------------------------------------------------------------------


def _page(items: QuerySet, request: HttpRequest, *, per_page: int, count: int) -> Page:
    """One page of `items`, whose number is already known from the job's tallies.

    Handing the count to the paginator spares a COUNT over the job's items (100,000 of them, at
    worst) on every refresh of a running job.
    """
    paginator = Paginator(items, per_page)
    paginator.count = count
    return paginate(paginator, request)


def paginate(paginator: Paginator, request: HttpRequest) -> Page:
    """The page asked for in `?page=` (the last one if past the end), read once, with the
    page numbers to link to (`elided_range`, for includes/pagination.html)."""
    page = paginator.get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    page.elided_range = list(paginator.get_elided_page_range(page.number, on_ends=1))
    return page


def _query(**params: Any) -> str:
    """A query string ("?a=1&b=2", or "") of the parameters that are set."""
    present = {name: value for name, value in params.items() if value}
    return "?" + urlencode(present) if present else ""


def _outcome_filters(
    job: BulkJob, kind: BulkKind, progress: Progress, chosen: str
) -> tuple[list[dict[str, Any]], int]:
    """The results page's filter links (outcomes that occur, with their counts), and how many
    items the chosen one (or "all") lists."""
    total = job.item_count + job.invalid_count + job.suspicious_count
    counts = dict(progress.counts)
    counts[Outcome.PENDING] = max(progress.total - progress.done, 0)
    detail_url = reverse("bulk:detail", args=[job.pk])
    filters = [
        {
            "outcome": "",
            "label": _("all"),
            "count": total,
            "url": detail_url,
            "current": not chosen,
        }
    ]
    for outcome in (Outcome.PENDING, *kind.outcomes):
        if counts.get(outcome):
            filters.append(
                {
                    "outcome": outcome.value,
                    "label": outcome.label,
                    "tone": kind.outcome_tone(outcome),
                    "count": counts[outcome],
                    "url": detail_url + _query(outcome=outcome.value),
                    "current": chosen == outcome.value,
                }
            )
    listed = counts.get(chosen, 0) if chosen else total
    return filters, listed


@dataclass(frozen=True, slots=True)
class ItemSearch:
    """An item looked for on the job page: the text as typed (tidied) and the forms it may have
    been stored in (`BulkKind.search_values`: "+48 600 100 200" is the item "600100200")."""

    text: str
    values: tuple[str, ...]


def item_search(kind: BulkKind, typed: str) -> ItemSearch | None:
    """What `?q=` looks for, or None when nothing (or something absurdly long) was typed."""
    text = " ".join(typed.split())
    if not text or len(text) > MAX_SEARCH_LENGTH:
        return None
    values = [text, *kind.search_values(text)]
    return ItemSearch(text=text, values=tuple(dict.fromkeys(values)))


def _with_outcome_labels(kind: BulkKind, items: list[BulkItem]) -> list[BulkItem]:
    for item in items:
        item.outcome_label = kind.outcome_label(item.outcome)
        item.outcome_tone = kind.outcome_tone(item.outcome)
    return items


def _job_context(request: HttpRequest, job: BulkJob, kind: BulkKind) -> dict[str, Any]:
    """What the job page shows in every state (bulk/job.html): the job, its kind, and where
    the kind's breadcrumbs and "start over" may lead, only for those who may go there.

    Every state costs a constant number of queries whatever the job's size: the counts come
    from the chunks' tallies, and only the items of the page on screen are read. The tallies
    are read for a draft too, though only a started job's page shows its progress: the
    preview's query count, pinned by its tests, includes them.
    """
    return {
        "job": job,
        "is_draft": job.state == BulkJob.State.DRAFT,
        "kind": kind,
        "may_change": may_change_job(request.user, job),
        "jobs_url": reverse("bulk:index") if may_open_jobs_list(request.user) else "",
        "progress": bulk_job_progress(job),
        "detail_url": reverse("bulk:detail", args=[job.pk]),
        "shows_source_lines": kind.shows_source_lines(job),
        **kind.page_context(job),
    }


# --- a draft's preview -----------------------------------------------------------------------


def _preview_context(
    request: HttpRequest, job: BulkJob, *, start_form: StartForm | None = None
) -> dict[str, Any]:
    """A draft's page (bulk/preview.html): a page of the items it would send, looked up if
    its kind does that, the tokens refused, and the confirmation form."""
    kind = kind_for(job.kind)
    context = _job_context(request, job, kind)
    per_page = LOOKUP_PREVIEW_PER_PAGE if kind.looks_up_items else RESULTS_PER_PAGE
    page = _page(job.items.to_send(), request, per_page=per_page, count=job.item_count)
    # Looking items up asks Thulium and stores its answers: only those who may change the job
    # do that. A read-only reader (an auditor) sees what is stored, "not looked up" for the
    # rest, and their reading neither reaches Thulium nor writes anything.
    lookups = (
        bulk_items_preview_fill(job=job, items=page.object_list)
        if context["may_change"]
        else PreviewLookups()
    )
    kind.items_on_page(job, page.object_list)
    context.update(
        page=page,
        page_url=context["detail_url"] + "?",
        lookups_failed=lookups.failed,
        lookup_error=thulium_error_message(lookups.error) if lookups.error else "",
        not_found_count=job.items.not_found_in_preview().count() if kind.looks_up_items else 0,
        **_refused_context(job),
        start_form=start_form or StartForm(job=job),
        suspicious_more=max(job.suspicious_count - SUSPICIOUS_SHOWN, 0),
    )
    return context


def _refused_context(job: BulkJob) -> dict[str, Any]:
    """The first tokens refused, in the shape the paste pages show them in
    (bulk/includes/refused.html), and how many there are: read only if there are any."""
    refused = (
        [
            RejectedItem(raw=item.raw, line=item.line, reason=item.detail_text)
            for item in job.items.invalid()[:INVALID_SHOWN]
        ]
        if job.invalid_count
        else []
    )
    return {
        "refused": refused,
        "refused_total": job.invalid_count,
        "refused_more": max(job.invalid_count - INVALID_SHOWN, 0),
    }


# --- a started job's progress and results ----------------------------------------------------


def _results_context(
    request: HttpRequest,
    job: BulkJob,
    *,
    retry_later_form: RetryLaterForm | None = None,
    notice: str = "",
) -> dict[str, Any]:
    """A started job's page (bulk/results.html): its state, what may be done with it, and a
    page of its items, filtered by `?outcome=` or found by `?q=`; `notice` says what was just
    done (a cancel)."""
    kind = kind_for(job.kind)
    context = _job_context(request, job, kind)
    progress = context["progress"]
    context.update(
        notice=notice,
        **_results_listing(request, job, kind, progress, detail_url=context["detail_url"]),
        **_retry_offers(
            job, kind, progress, may_change=context["may_change"], form=retry_later_form
        ),
        follow_up_actions=(
            kind.follow_up_actions(job, request.user)
            if context["may_change"] and job.is_over
            else []
        ),
        # Confirmed to run later: the page says when; it refreshes itself less often till then.
        scheduled=job.state == BulkJob.State.QUEUED
        and job.run_after is not None
        and job.run_after > timezone.now(),
        attention_count=(
            sum(progress.counts.get(o, 0) for o in kind.needs_attention()) if job.is_over else 0
        ),
        duration=_duration(job),
    )
    return context


def _results_listing(
    request: HttpRequest, job: BulkJob, kind: BulkKind, progress: Progress, *, detail_url: str
) -> dict[str, Any]:
    """The results' filter links and a page of the items they choose, or of those the search
    finds, with the URLs that keep the filter or the search when paging and refreshing."""
    search = item_search(kind, request.GET.get("q", ""))
    # A search looks through every outcome: the filters lead back to the whole list.
    chosen = "" if search else _chosen_outcome(request, kind)
    filters, listed = _outcome_filters(job, kind, progress, chosen)
    if search:
        for job_filter in filters:
            job_filter["current"] = False
    page = _results_page(request, job, search=search, chosen=chosen, listed=listed)
    _with_outcome_labels(kind, page.object_list)
    kind.items_on_page(job, page.object_list)
    query = search.text if search else ""
    listing_query = _query(outcome=chosen, q=query)
    page_query = _query(outcome=chosen, q=query, page=page.number if page.number > 1 else "")
    return {
        "page": page,
        "page_url": detail_url + listing_query + ("&" if listing_query else "?"),
        "filters": filters,
        "outcome": chosen,
        "search": search,
        "q": request.GET.get("q", "").strip(),
        # The URL the results region refreshes itself from: this page, this filter.
        "refresh_url": detail_url + page_query,
        "page_query": page_query,
    }


def _results_page(
    request: HttpRequest, job: BulkJob, *, search: ItemSearch | None, chosen: str, listed: int
) -> Page:
    """The page asked for of the items the search finds, or else of those with the chosen
    outcome (`listed` of them, every item for "")."""
    if search:
        # The matches are few (an item is sent once per job): read in one query, paged here.
        matches = list(job.items.matching(search.values).with_record_ids()[:MAX_SEARCH_MATCHES])
        return paginate(Paginator(matches, RESULTS_PER_PAGE), request)
    items = job.items.with_outcome(chosen).with_record_ids()
    return _page(items, request, per_page=RESULTS_PER_PAGE, count=listed)


def _chosen_outcome(request: HttpRequest, kind: BulkKind) -> str:
    """The outcome `?outcome=` lists, or "" (every item) for none or one the kind has not."""
    chosen = request.GET.get("outcome", "")
    if chosen not in {outcome.value for outcome in (Outcome.PENDING, *kind.outcomes)}:
        return ""
    return chosen


def _retry_offers(
    job: BulkJob,
    kind: BulkKind,
    progress: Progress,
    *,
    may_change: bool,
    form: RetryLaterForm | None,
) -> dict[str, Any]:
    """What the retry buttons offer once the job is over, to those who may change it."""
    retry_count = sum(progress.counts.get(o, 0) for o in kind.retryable_outcomes)
    # What the retry button sends again, in words: "3 in a call, 20 uncertain".
    retry_what = kind.outcomes_in_words(progress.counts, kind.retryable_outcomes)
    retry_later_what = kind.outcomes_in_words(progress.counts, kind.retry_later_outcomes)
    return {
        "can_retry": may_change and job.is_over and retry_count > 0,
        "retry_count": retry_count,
        "retry_what": retry_what,
        # Items worth sending again in a few minutes (numbers in a call): a form schedules it.
        "can_retry_later": may_change and job.is_over and bool(retry_later_what),
        "retry_later_what": retry_later_what,
        "retry_later_form": form or RetryLaterForm(),
    }


def _duration(job: BulkJob) -> str:
    return bulk_job_duration_in_words(job)


# --- the page and its actions ----------------------------------------------------------------


@require_GET
@private_no_store
def detail(request: HttpRequest, job_id: int) -> HttpResponse:
    """A job: its preview while a draft, then its progress and every item's outcome.

    Two pages at one URL, bookmarkable in every state: bulk/preview.html, then
    bulk/results.html. `?outcome=` filters the items, `?page=` pages through them. An htmx
    request gets only the region it swaps: the preview's list, or the results, which refresh
    themselves every two seconds while the job is active (the region stops asking once the job
    is over).
    """
    job = _job_for(request, job_id, read_only=True)
    is_draft = job.state == BulkJob.State.DRAFT
    region = PREVIEW_REGION if is_draft else RESULTS_REGION
    if wants_partial(request) and request.htmx.target and request.htmx.target != region:
        # The job moved on since the page was drawn (started or discarded elsewhere).
        return HttpResponseClientRefresh()
    if is_draft:
        return page_or_partial(
            request, "bulk/preview.html", "preview_items", _preview_context(request, job)
        )
    return page_or_partial(request, "bulk/results.html", "results", _results_context(request, job))


@require_POST
def start(request: HttpRequest, job_id: int) -> HttpResponse:
    """Confirm a draft and queue it. A wrong typed confirmation shows the preview again with
    the error next to the field; a second submit (double click, back button) starts nothing."""
    job = _job_for(request, job_id)
    if job.state != BulkJob.State.DRAFT:
        messages.info(request, _("This job was already started."))
        return redirect("bulk:detail", job_id=job.pk)
    form = StartForm(request.POST, job=job)
    if not form.is_valid():
        response = TemplateResponse(
            request, "bulk/preview.html", _preview_context(request, job, start_form=form)
        )
        patch_cache_control(response, private=True, no_store=True)
        return response
    if bulk_job_start(job=job, user=request.user, include_suspicious=form.suspicious_to_include()):
        messages.success(
            request,
            _("Job %(job)s started: results appear below as Thulium answers.") % {"job": job.pk},
        )
    else:
        messages.info(request, _("This job was already started."))
    return redirect("bulk:detail", job_id=job.pk)


@require_POST
def discard(request: HttpRequest, job_id: int) -> HttpResponse:
    """Throw a draft away (nothing was sent) and go back to where lists are pasted."""
    job = _job_for(request, job_id)
    paste_url = kind_for(job.kind).paste_url(job)
    if bulk_job_discard(job=job):
        messages.success(request, _("Job %(job)s discarded: nothing was sent.") % {"job": job.pk})
        return redirect(paste_url)
    messages.error(request, _("This job was already started: it cannot be discarded."))
    return redirect("bulk:detail", job_id=job.pk)


def _cancel_notice(report: CancelReport) -> str:
    notice = ngettext(
        "Cancelled: %(count)s item not sent yet will not be sent.",
        "Cancelled: %(count)s items not sent yet will not be sent.",
        report.items_cancelled,
    ) % {"count": grouped(report.items_cancelled)}
    if report.requests_in_flight:
        notice += " " + ngettext(
            "%(count)s request was already on its way to Thulium: it finishes, and its items "
            "keep the outcome Thulium gives them.",
            "%(count)s requests were already on their way to Thulium: they finish, and their "
            "items keep the outcome Thulium gives them.",
            report.requests_in_flight,
        ) % {"count": grouped(report.requests_in_flight)}
    else:
        notice += " " + _("No request was on its way to Thulium: nothing more is sent.")
    return notice


@require_POST
def cancel(request: HttpRequest, job_id: int) -> HttpResponse:
    """Stop a running job: what was not sent yet is marked cancelled; requests in flight
    finish. The form sits in the results region: htmx gets the region back, a plain POST a
    redirect to the same page and filter."""
    job = _job_for(request, job_id)
    if job.is_active:
        report = bulk_job_cancel(job=job, user=request.user)
        job.refresh_from_db()
        level = messages.SUCCESS
        notice = _cancel_notice(report)
    else:
        level = messages.INFO
        notice = _("This job is not running: there is nothing to cancel.")
    if request.htmx:
        response = TemplateResponse(
            request, "bulk/results.html#results", _results_context(request, job, notice=notice)
        )
        patch_cache_control(response, private=True, no_store=True)
        return response
    messages.add_message(request, level, notice)
    return redirect(
        reverse("bulk:detail", args=[job.pk])
        + _query(
            outcome=request.GET.get("outcome", ""),
            q=request.GET.get("q", ""),
            page=request.GET.get("page", ""),
        )
    )


@require_POST
def retry(request: HttpRequest, job_id: int) -> HttpResponse:
    """A follow-up draft with the items worth sending again (failed, uncertain, in a call…:
    the kind says which); its preview is confirmed like any other. Asking twice, even at the
    same moment, or while a retry later is scheduled, leads to the follow-up already there
    (`bulk_job_retry`)."""
    job = _job_for(request, job_id)
    if not job.is_over:
        messages.error(request, _("A job can be retried once it is over."))
        return redirect("bulk:detail", job_id=job.pk)
    follow_up = bulk_job_retry(job=job, user=request.user)
    if follow_up is None:
        messages.info(request, _("Nothing to retry: no item failed, was uncertain or in a call."))
        return redirect("bulk:detail", job_id=job.pk)
    if not follow_up.created:
        return _pending_follow_up(request, follow_up.job)
    messages.success(
        request,
        _("Job %(job)s holds the items to retry: check the preview and confirm.")
        % {"job": follow_up.job.pk},
    )
    return redirect("bulk:detail", job_id=follow_up.job.pk)


def _pending_follow_up(request: HttpRequest, follow_up: BulkJob) -> HttpResponse:
    """The answer to a retry asked for while one is pending (a repeated form, or the other
    button): the follow-up already there, named for what it is."""
    if follow_up.state == BulkJob.State.DRAFT:
        message = _(
            "Job %(job)s already holds the items to retry: check its preview and confirm, or "
            "discard it to schedule them instead."
        )
    else:
        message = _("Job %(job)s already sends them again: nothing more was scheduled.")
    messages.info(request, message % {"job": follow_up.pk})
    return redirect("bulk:detail", job_id=follow_up.pk)


@require_POST
def retry_later(request: HttpRequest, job_id: int) -> HttpResponse:
    """A follow-up job of the items worth retrying later (numbers in a call), started now to run
    in the minutes asked for. A wrong number of minutes shows the job page again with the error
    next to the field. Asking again while a follow-up is pending (a draft, queued or running)
    leads to that one and schedules nothing (`bulk_job_retry_later`)."""
    job = _job_for(request, job_id)
    if not job.is_over:
        messages.error(request, _("A job can be retried once it is over."))
        return redirect("bulk:detail", job_id=job.pk)
    form = RetryLaterForm(request.POST)
    if not form.is_valid():
        response = TemplateResponse(
            request, "bulk/results.html", _results_context(request, job, retry_later_form=form)
        )
        patch_cache_control(response, private=True, no_store=True)
        return response
    minutes = form.cleaned_data["minutes"]
    follow_up = bulk_job_retry_later(job=job, user=request.user, minutes=minutes)
    if follow_up is None:
        messages.info(request, _("Nothing to retry later: no item of this job is worth it."))
        return redirect("bulk:detail", job_id=job.pk)
    if not follow_up.created:
        return _pending_follow_up(request, follow_up.job)
    messages.success(
        request,
        ngettext(
            "Job %(job)s will send them again in %(minutes)s minute.",
            "Job %(job)s will send them again in %(minutes)s minutes.",
            minutes,
        )
        % {"job": follow_up.job.pk, "minutes": minutes},
    )
    return redirect("bulk:detail", job_id=follow_up.job.pk)


# --- export ------------------------------------------------------------------------------------


def _export_rows(kind: BulkKind, items: QuerySet) -> Any:
    for item in items:
        yield [
            item.position + 1,
            item.line,
            item.raw,
            item.value,
            item.outcome,
            kind.outcome_label(item.outcome),
            item.removed_count,
            " ".join(str(record_id) for record_id in item.record_ids),
            item.detail_code,
            # Worded now, in the language of whoever downloads the file.
            item.detail_text,
            # Thulium's own words, as they came.
            item.thulium_message,
        ]


@require_GET
def export(request: HttpRequest, job_id: int) -> StreamingHttpResponse:
    """Every item of the job with its outcome, as CSV, streamed batch by batch so that a job of
    100,000 items never sits in memory. Every code has its words in the reader's language in
    the next column (the outcome's, the detail's), and the file is named in them too."""
    job = _job_for(request, job_id, read_only=True)
    kind = kind_for(job.kind)
    header = [
        _("position"),
        _("line"),
        _("as pasted"),
        _("as sent"),
        _("outcome code"),
        _("outcome"),
        _("removed count"),
        _("record ids"),
        _("detail code"),
        _("detail"),
        # A column name, lowercase like the others (the page's label starts a line).
        pgettext("CSV column", "Thulium's message"),
    ]
    items = job.items.with_record_ids().iterator(chunk_size=EXPORT_BATCH)
    return csv_response(
        csv_lines(header, _export_rows(kind, items), delimiter=spreadsheet_delimiter()),
        # "zadanie-3-usuwanie-numerow-telefonow-z-kampanii.csv": in the reader's words, ASCII.
        filename=file_name(_("job %(id)s") % {"id": job.pk}, kind.title),
    )


# --- the jobs index ----------------------------------------------------------------------------

# The jobs list's filters (`?show=`): "" every job, or only those that need attention, or mine,
# or mine that wait for me (the header's mark, `thuladmin.bulk.attention`).
JOBS_SHOWN = ("attention", "mine", attention.SHOWN)


def _outcome_summaries(jobs: list[BulkJob]) -> None:
    """Give each job of a page its counts per outcome, in words, with their tones, and how many
    items need attention.

    A job over carries its counts (`BulkJob.outcome_counts`); the few jobs still running have
    theirs summed from their chunks' tallies, in one query for the whole page: never an item.
    """
    active = [job.pk for job in jobs if job.is_active]
    running: dict[int, Counter[str]] = defaultdict(Counter)
    if active:
        for job_id, tally in (
            BulkChunk.objects.filter(job_id__in=active)
            .exclude(outcome_counts={})
            .values_list("job_id", "outcome_counts")
        ):
            running[job_id].update(tally)
    for job in jobs:
        kind = job.kind_object
        counts = job.outcome_counts if job.is_over else dict(running.get(job.pk, {}))
        listed = [*kind.outcomes, *(o for o in counts if o not in kind.outcomes)]
        job.outcome_summary = [
            {
                "words": kind.outcome_count_in_words(outcome, counts[outcome]),
                "tone": kind.outcome_tone(outcome),
            }
            for outcome in listed
            if counts.get(outcome)
        ]
        job.attention_count = (
            sum(counts.get(outcome, 0) for outcome in kind.needs_attention()) if job.is_over else 0
        )


@require_GET
@permission_required(may_open_jobs_list)
@private_no_store
def index(request: HttpRequest) -> TemplateResponse:
    """Every job of the kinds the user may run, by them or their colleagues, newest first, with
    its counts per outcome. `?show=attention` keeps the jobs over with items that need
    attention (failed, uncertain, or another outcome the kind says so of), `?show=mine` the
    user's own, `?show=mine-attention` the user's own that wait for them (drafts to confirm,
    jobs over with items to look at and not retried: what the header's mark counts); htmx
    swaps the list only."""
    kinds = kinds_user_may_run(request.user)
    shown = request.GET.get("show", "")
    if shown not in JOBS_SHOWN:
        shown = ""
    if shown == attention.SHOWN:
        jobs = (
            attention.jobs_needing_attention(request.user, kinds)
            .written()
            .with_author()
            .order_by("-created_at", "-id")
        )
    else:
        jobs = BulkJob.objects.for_jobs_page(
            kinds=[kind.name for kind in kinds],
            created_by=request.user if shown == "mine" else None,
            attention=attention.attention_outcomes(kinds) if shown == "attention" else None,
        )
    page = paginate(Paginator(jobs, JOBS_PER_PAGE), request)
    for job in page.object_list:
        job.kind_object = kind_for(job.kind)
    _outcome_summaries(page.object_list)
    index_url = reverse("bulk:index")
    filters = [
        {
            "label": label,
            "url": index_url + _query(show=value),
            "current": shown == value,
            "tone": tone,
        }
        for value, label, tone in (
            ("", _("all"), "info"),
            ("attention", _("needs attention"), "warning"),
            ("mine", _("mine"), "info"),
            (attention.SHOWN, _("mine needing attention"), "warning"),
        )
    ]
    return page_or_partial(
        request,
        "bulk/index.html",
        "jobs_list",
        {
            "page": page,
            "page_url": index_url + _query(show=shown) + ("&" if shown else "?"),
            "filters": filters,
            "shown": shown,
        },
    )
