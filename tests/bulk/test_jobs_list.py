"""The jobs list: counts per outcome, what needs attention, colleagues' jobs, constant queries."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone

from campaigns.bulk.do_not_call import DO_NOT_CALL
from campaigns.bulk.remove_numbers import PHONE_NUMBERS
from thuladmin.bulk.models import BulkChunk, BulkJob
from thuladmin.bulk.services import bulk_job_cancel, bulk_job_draft_create, bulk_job_start


def _job(user, *, kind=PHONE_NUMBERS, state=BulkJob.State.DRAFT, counts=None) -> BulkJob:
    parsed = kind.parse("600100200\n600100201", options={})
    job = bulk_job_draft_create(
        user=user,
        kind_name=kind.name,
        parsed=parsed,
        campaign_id="00001" if kind is PHONE_NUMBERS else "",
        options={"dictionary_status_id": 13, "dictionary_status_name": "do not call"}
        if kind is DO_NOT_CALL
        else {},
    )
    BulkJob.objects.filter(pk=job.pk).update(
        state=state,
        outcome_counts=counts or {},
        finished_at=timezone.now() if state in ("finished", "cancelled") else None,
    )
    job.refresh_from_db()
    return job


def _listed(html: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'<th scope="row"[^>]*><a href="/jobs/(\d+)/"', html)]


@pytest.mark.django_db
def test_a_finished_job_shows_its_counts_and_what_needs_attention(supervisor_client, supervisor):
    job = _job(
        supervisor,
        state="finished",
        counts={"REMOVED": 120, "CALL_IN_PROGRESS": 5, "UNCERTAIN": 20},
    )

    html = supervisor_client.get("/jobs/").content.decode()

    assert "120 removed" in html
    assert "5 in a call" in html
    assert "20 uncertain" in html
    assert "finished — 25 need attention" in html
    assert 'class="badge badge-warning state-needs-attention"' in html
    assert _listed(html) == [job.pk]


@pytest.mark.django_db
def test_a_finished_job_with_nothing_to_look_at_is_simply_finished(supervisor_client, supervisor):
    _job(supervisor, state="finished", counts={"REMOVED": 2})

    html = supervisor_client.get("/jobs/").content.decode()

    assert '<span class="badge state-finished">finished</span>' in html
    assert "need attention" not in html


@pytest.mark.django_db
def test_the_attention_filter_keeps_jobs_over_with_items_to_look_at(
    supervisor_client, supervisor, admin_member
):
    in_call = _job(supervisor, state="finished", counts={"REMOVED": 1, "CALL_IN_PROGRESS": 1})
    failed = _job(admin_member, kind=DO_NOT_CALL, state="finished", counts={"ERROR": 1})
    cancelled_doubt = _job(supervisor, state="cancelled", counts={"UNCERTAIN": 1, "CANCELLED": 1})
    _job(supervisor, state="finished", counts={"REMOVED": 2})
    _job(supervisor, state="cancelled", counts={"CANCELLED": 2})
    # Not over yet, whatever its chunks say so far.
    _job(supervisor, state="running", counts={"ERROR": 1})
    # In a call is no worry for "do not call": it has no such outcome, and errors only count.
    _job(supervisor, kind=DO_NOT_CALL, state="finished", counts={"UPDATED": 2})

    html = supervisor_client.get("/jobs/?show=attention").content.decode()

    assert _listed(html) == [cancelled_doubt.pk, failed.pk, in_call.pk]
    assert 'aria-current="true">needs attention</a>' in html


@pytest.mark.django_db
def test_htmx_gets_the_list_only_and_every_filter_has_a_real_link(supervisor_client, supervisor):
    _job(supervisor, state="finished", counts={"ERROR": 2})

    response = supervisor_client.get(
        "/jobs/?show=attention", headers={"HX-Request": "true", "HX-Target": "jobs-list"}
    )

    html = response.content.decode()
    assert html.lstrip().startswith('<section id="jobs-list"')
    assert "<html" not in html
    for show in ("", "?show=attention", "?show=mine"):
        assert f'href="/jobs/{show}" hx-get="/jobs/{show}"' in html


@pytest.mark.django_db
def test_an_unknown_filter_shows_every_job(supervisor_client, supervisor):
    job = _job(supervisor)
    html = supervisor_client.get("/jobs/?show=everything").content.decode()
    assert _listed(html) == [job.pk]


@pytest.mark.django_db
def test_running_jobs_show_their_counts_so_far_from_the_chunks(supervisor_client, supervisor):
    job = _job(supervisor, state="running")
    BulkChunk.objects.filter(job=job).update(outcome_counts={"REMOVED": 1})

    html = supervisor_client.get("/jobs/").content.decode()

    assert "1 removed" in html
    assert "need attention" not in html


@pytest.mark.django_db
@pytest.mark.parametrize("jobs_of_each", [1, 8])
def test_the_list_costs_the_same_queries_whatever_the_number_of_jobs(
    supervisor_client, supervisor, admin_member, django_assert_num_queries, jobs_of_each
):
    for _ in range(jobs_of_each):
        _job(supervisor, state="finished", counts={"REMOVED": 1, "ERROR": 1})
        _job(admin_member, kind=DO_NOT_CALL, state="cancelled", counts={"CANCELLED": 2})
        running = _job(supervisor, state="running")
        BulkChunk.objects.filter(job=running).update(outcome_counts={"REMOVED": 1})
        _job(supervisor)
    supervisor_client.get("/jobs/")

    # session, user, groups, count, a page of jobs with their authors, the running jobs' tallies,
    # the header's count of the user's jobs needing attention, and the campaigns' names (once
    # for the page: its jobs are labelled "00001 · name")
    for query in ("", "?show=attention", "?show=mine", "?show=mine-attention"):
        running_shown = query not in ("?show=attention", "?show=mine-attention")
        with django_assert_num_queries(8 if running_shown else 7):
            supervisor_client.get("/jobs/" + query)


@pytest.mark.django_db(transaction=True)
def test_a_job_keeps_its_counts_once_over(supervisor):
    parsed = PHONE_NUMBERS.parse("600100200\n600100201\nabc", options={})
    job = bulk_job_draft_create(
        user=supervisor, kind_name=PHONE_NUMBERS.name, parsed=parsed, campaign_id="00001"
    )
    bulk_job_start(job=job, user=supervisor)

    bulk_job_cancel(job=job, user=supervisor)

    job.refresh_from_db()
    assert job.outcome_counts == {"CANCELLED": 2, "INVALID": 1}
