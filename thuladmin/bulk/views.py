"""The bulk deletion pages: paste a list, preview it, confirm, and follow the job to its end.

The customers page (`customers.views.index`) takes its list the same way and then hands over to
the job page here, which serves both kinds. The job page is one view at one URL, bookmarkable
in every state: a draft shows its preview, a started job its progress and each item's outcome.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterable, Iterator
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRefresh

from campaigns.api_messages import thulium_error_message
from campaigns.bulk import PHONE_NUMBERS
from campaigns.forms import is_campaign_id
from customers.bulk import CUSTOMERS
from thuladmin.accounts import roles
from thuladmin.accounts.roles import permission_required
from thuladmin.bulk.forms import (
    INVALID_SHOWN,
    PhoneNumbersForm,
    StartForm,
    grouped,
    items_form_context,
    number_format_description,
)
from thuladmin.bulk.kinds import kind_for
from thuladmin.bulk.models import RETRYABLE_OUTCOMES, BulkItem, BulkJob, Outcome
from thuladmin.bulk.parsing import RejectedItem
from thuladmin.bulk.services import (
    Progress,
    bulk_items_preview_fill,
    bulk_job_cancel,
    bulk_job_discard,
    bulk_job_draft_create,
    bulk_job_progress,
    bulk_job_retry_create,
    bulk_job_start,
)

RESULTS_PER_PAGE = 100
# A preview page of a kind that looks its items up costs one request to Thulium per item.
LOOKUP_PREVIEW_PER_PAGE = 50
JOBS_PER_PAGE = 25
EXPORT_BATCH = 2000
# The id of the region an htmx request swaps, per state: the preview's list, or the results.
PREVIEW_REGION = "preview-items"
RESULTS_REGION = "job-results"

# Who may open the jobs of each kind: view, start, discard, cancel, retry, export.
KIND_PERMISSIONS: dict[str, Callable[[AbstractBaseUser | AnonymousUser], bool]] = {
    PHONE_NUMBERS.name: roles.can_work_on_campaigns,
    CUSTOMERS.name: roles.can_delete_customers,
}


def may_open_some_jobs(user: AbstractBaseUser | AnonymousUser) -> bool:
    return any(check(user) for check in KIND_PERMISSIONS.values())


def may_change_job(user: AbstractBaseUser | AnonymousUser, job: BulkJob) -> bool:
    check = KIND_PERMISSIONS.get(job.kind)
    return check is not None and check(user)


def _job_for(request: HttpRequest, job_id: int, *, read_only: bool = False) -> BulkJob:
    """The job (404 if there is none), if the user may work on jobs of its kind (403 if not).

    Any user with the kind's role may open any job of it: supervisors share a campaign's work,
    and the audit log says who did what. Auditors may look at any job's results too, `read_only`,
    since the audit log links to them, but never change one.
    """
    job = get_object_or_404(BulkJob.objects.with_author(), pk=job_id)
    allowed = may_change_job(request.user, job) or (
        read_only and roles.has_role(request.user, roles.Role.AUDITORS)
    )
    if not allowed:
        raise PermissionDenied
    return job


# --- pasting a list --------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@permission_required(roles.can_work_on_campaigns)
def remove_numbers(request: HttpRequest, campaign_id: str) -> HttpResponse:
    """Paste or upload the numbers to remove from a campaign. A valid list becomes a draft job
    and the browser goes to its page, the preview; nothing is sent to Thulium here."""
    if not is_campaign_id(campaign_id):
        raise Http404(_("A campaign id is five letters or digits, such as 00001."))
    if request.method == "POST":
        form = PhoneNumbersForm(request.POST, request.FILES)
        if form.is_valid():
            job = bulk_job_draft_create(
                user=request.user,
                kind_name=PHONE_NUMBERS.name,
                parsed=form.parsed,
                campaign_id=campaign_id,
                options=form.options(),
            )
            return redirect("bulk:detail", job_id=job.pk)
    else:
        form = PhoneNumbersForm()
    return TemplateResponse(
        request,
        "bulk/remove_numbers.html",
        {
            "campaign_id": campaign_id,
            "form": form,
            "number_format": number_format_description(settings.PHONE_NUMBER_FORMAT),
            **items_form_context(form),
        },
    )


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
    job: BulkJob, progress: Progress, chosen: str
) -> tuple[list[dict[str, Any]], int]:
    """The results page's filter links (outcomes that occur, with their counts), and how many
    items the chosen one (or "all") lists."""
    kind = kind_for(job.kind)
    total = job.item_count + job.invalid_count
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
                    "count": counts[outcome],
                    "url": detail_url + _query(outcome=outcome.value),
                    "current": chosen == outcome.value,
                }
            )
    listed = counts.get(chosen, 0) if chosen else total
    return filters, listed


def _job_context(
    request: HttpRequest,
    job: BulkJob,
    *,
    start_form: StartForm | None = None,
    notice: str = "",
) -> dict[str, Any]:
    """Everything the job page shows, in any state, for the page and filter in the query.

    A constant number of queries whatever the job's size: the counts come from the chunks'
    tallies, and only the items of the page on screen are read.
    """
    kind = kind_for(job.kind)
    progress = bulk_job_progress(job)
    detail_url = reverse("bulk:detail", args=[job.pk])
    context: dict[str, Any] = {
        "job": job,
        "is_draft": job.state == BulkJob.State.DRAFT,
        "kind": kind,
        "is_phone": job.kind == PHONE_NUMBERS.name,
        "progress": progress,
        "detail_url": detail_url,
        "notice": notice,
        "paste_url": _paste_url(job),
        "may_change": may_change_job(request.user, job),
    }
    if job.state == BulkJob.State.DRAFT:
        per_page = LOOKUP_PREVIEW_PER_PAGE if kind.looks_up_items else RESULTS_PER_PAGE
        page = _page(job.items.to_send(), request, per_page=per_page, count=job.item_count)
        lookups = bulk_items_preview_fill(job=job, items=page.object_list)
        context.update(
            page=page,
            page_url=detail_url + "?",
            lookups_failed=lookups.failed,
            lookup_error=thulium_error_message(lookups.error) if lookups.error else "",
            not_found_count=(
                job.items.not_found_in_preview().count() if kind.looks_up_items else 0
            ),
            # In the shape the paste pages show refused tokens in (bulk/includes/refused.html).
            refused=[
                RejectedItem(raw=item.raw, line=item.line, reason=item.detail)
                for item in job.items.invalid()[:INVALID_SHOWN]
            ]
            if job.invalid_count
            else [],
            refused_total=job.invalid_count,
            refused_more=max(job.invalid_count - INVALID_SHOWN, 0),
            start_form=start_form or StartForm(job=job),
            number_format=number_format_description(job.options.get("number_format", "")),
        )
        return context

    chosen = request.GET.get("outcome", "")
    if chosen not in Outcome.values:
        chosen = ""
    filters, listed = _outcome_filters(job, progress, chosen)
    items = job.items.with_outcome(chosen).with_record_ids()
    page = _page(items, request, per_page=RESULTS_PER_PAGE, count=listed)
    page_query = _query(outcome=chosen, page=page.number if page.number > 1 else "")
    context.update(
        page=page,
        page_url=detail_url + _query(outcome=chosen) + ("&" if chosen else "?"),
        filters=filters,
        outcome=chosen,
        # The URL the results region refreshes itself from: this page, this filter.
        refresh_url=detail_url + page_query,
        page_query=page_query,
        can_retry=job.is_over and any(progress.counts.get(o) for o in RETRYABLE_OUTCOMES),
        retry_count=sum(progress.counts.get(o, 0) for o in RETRYABLE_OUTCOMES),
        duration=_duration(job),
    )
    return context


def _duration(job: BulkJob) -> str:
    begun = job.started_at or job.confirmed_at
    if not (begun and job.finished_at):
        return ""
    seconds = max(int((job.finished_at - begun).total_seconds()), 0)
    if seconds < 1:
        return _("less than a second")
    if seconds < 60:
        return ngettext("%(seconds)d second", "%(seconds)d seconds", seconds) % {"seconds": seconds}
    return _("%(minutes)d min %(seconds)02d s") % {
        "minutes": seconds // 60,
        "seconds": seconds % 60,
    }


def _paste_url(job: BulkJob) -> str:
    """Where a list of this job's kind is pasted: where "discard" and "start over" lead."""
    if job.kind == PHONE_NUMBERS.name:
        return reverse("campaigns:remove_numbers", args=[job.campaign_id])
    return reverse("customers:index")


@require_GET
def detail(request: HttpRequest, job_id: int) -> HttpResponse:
    """A job: its preview while a draft, then its progress and every item's outcome.

    `?outcome=` filters the items, `?page=` pages through them. An htmx request gets only the
    region it swaps: the preview's list, or the results, which refresh themselves every two
    seconds while the job is active (the region stops asking once the job is over).
    """
    job = _job_for(request, job_id, read_only=True)
    region = PREVIEW_REGION if job.state == BulkJob.State.DRAFT else RESULTS_REGION
    partial = bool(request.htmx) and not request.htmx.history_restore_request
    if partial and request.htmx.target and request.htmx.target != region:
        # The job moved on since the page was drawn (started or discarded elsewhere).
        return HttpResponseClientRefresh()
    template_name = "bulk/detail.html"
    if partial:
        template_name += "#preview_items" if region == PREVIEW_REGION else "#results"
    response = TemplateResponse(request, template_name, _job_context(request, job))
    # One URL, two bodies: without this a browser's back button can show the bare fragment.
    patch_vary_headers(response, ("HX-Request",))
    return response


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
        return TemplateResponse(
            request, "bulk/detail.html", _job_context(request, job, start_form=form)
        )
    if bulk_job_start(job=job, user=request.user):
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
    paste_url = _paste_url(job)
    if bulk_job_discard(job=job):
        messages.success(request, _("Job %(job)s discarded: nothing was sent.") % {"job": job.pk})
        return redirect(paste_url)
    messages.error(request, _("This job was already started: it cannot be discarded."))
    return redirect("bulk:detail", job_id=job.pk)


@require_POST
def cancel(request: HttpRequest, job_id: int) -> HttpResponse:
    """Stop a running job: what was not sent yet is marked cancelled; requests in flight
    finish. The form sits in the results region: htmx gets the region back, a plain POST a
    redirect to the same page and filter."""
    job = _job_for(request, job_id)
    if job.is_active:
        cancelled = bulk_job_cancel(job=job, user=request.user)
        job.refresh_from_db()
        level = messages.SUCCESS
        notice = ngettext(
            "Cancelled: %(count)s item not sent yet will not be sent.",
            "Cancelled: %(count)s items not sent yet will not be sent.",
            cancelled,
        ) % {"count": grouped(cancelled)}
    else:
        level = messages.INFO
        notice = _("This job is not running: there is nothing to cancel.")
    if request.htmx:
        return TemplateResponse(
            request, "bulk/detail.html#results", _job_context(request, job, notice=notice)
        )
    messages.add_message(request, level, notice)
    return redirect(
        reverse("bulk:detail", args=[job.pk])
        + _query(outcome=request.GET.get("outcome", ""), page=request.GET.get("page", ""))
    )


@require_POST
def retry(request: HttpRequest, job_id: int) -> HttpResponse:
    """A follow-up draft with the items that failed, were uncertain or were in a call; its
    preview is confirmed like any other. Asking twice leads to the same draft."""
    job = _job_for(request, job_id)
    if not job.is_over:
        messages.error(request, _("A job can be retried once it is over."))
        return redirect("bulk:detail", job_id=job.pk)
    follow_up = job.retries.drafts().first()
    if follow_up is None:
        follow_up = bulk_job_retry_create(job=job, user=request.user)
    if follow_up is None:
        messages.info(request, _("Nothing to retry: no item failed, was uncertain or in a call."))
        return redirect("bulk:detail", job_id=job.pk)
    messages.success(
        request,
        _("Job %(job)s holds the items to retry: check the preview and confirm.")
        % {"job": follow_up.pk},
    )
    return redirect("bulk:detail", job_id=follow_up.pk)


# --- export ------------------------------------------------------------------------------------

# A cell a spreadsheet would run as a formula; "+48600100200" is only a number, so it is kept.
FORMULA_START = re.compile(r"\A[=@\t\r]|\A[+-](?![0-9]+\Z)")


def _cell(value: Any) -> str:
    text = "" if value is None else str(value)
    return "'" + text if FORMULA_START.match(text) else text


class _Echo:
    """A file that hands back what is written to it, for a streamed csv.writer."""

    def write(self, value: str) -> str:
        return value


def _csv_rows(items: Iterable[BulkItem]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield "\ufeff"  # so that spreadsheets read the file as UTF-8
    yield writer.writerow(
        [
            _("position"),
            _("line"),
            _("as pasted"),
            _("as sent"),
            _("outcome"),
            _("removed count"),
            _("record ids"),
            _("detail"),
        ]
    )
    for item in items:
        yield writer.writerow(
            [
                item.position + 1,
                "" if item.line is None else item.line,
                _cell(item.raw),
                _cell(item.value),
                item.outcome,
                "" if item.removed_count is None else item.removed_count,
                " ".join(str(record_id) for record_id in item.record_ids),
                _cell(item.detail),
            ]
        )


@require_GET
def export(request: HttpRequest, job_id: int) -> StreamingHttpResponse:
    """Every item of the job with its outcome, as CSV, streamed batch by batch so that a job of
    100,000 items never sits in memory."""
    job = _job_for(request, job_id, read_only=True)
    items = job.items.with_record_ids().iterator(chunk_size=EXPORT_BATCH)
    response = StreamingHttpResponse(_csv_rows(items), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="job-{job.pk}-{job.kind}.csv"'
    return response


# --- the jobs index ----------------------------------------------------------------------------


@require_GET
@permission_required(may_open_some_jobs)
def index(request: HttpRequest) -> TemplateResponse:
    """The user's recent jobs, newest first; admins see everyone's."""
    kinds = [name for name, check in KIND_PERMISSIONS.items() if check(request.user)]
    everyone = roles.has_role(request.user, roles.Role.ADMINS)
    jobs = BulkJob.objects.for_jobs_page(user=request.user, everyone=everyone, kinds=kinds)
    page = paginate(Paginator(jobs, JOBS_PER_PAGE), request)
    return TemplateResponse(
        request,
        "bulk/index.html",
        {"page": page, "page_url": reverse("bulk:index") + "?", "everyone": everyone},
    )
