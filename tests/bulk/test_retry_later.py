"""Retrying the numbers in a call in N minutes: a follow-up job confirmed now, run later; and
asking twice for a retry (later or now) makes one follow-up."""

from __future__ import annotations

import contextlib
import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from campaigns.bulk.do_not_call import DO_NOT_CALL
from campaigns.bulk.remove_numbers import PHONE_NUMBERS
from thuladmin.audit.models import AuditEntry
from thuladmin.bulk import services
from thuladmin.bulk.models import AUDIT_SUBJECT, BulkChunk, BulkItem, BulkJob
from thuladmin.bulk.runner import JobRunner
from thuladmin.bulk.services import bulk_job_draft_create
from thuladmin.bulk.watchdog import bulk_jobs_resume_stale

NUMBERS = ["600100200", "600100201", "600100202", "600100203"]


def _finished(user, *, kind=PHONE_NUMBERS, outcomes=("REMOVED", "CALL_IN_PROGRESS")) -> BulkJob:
    """A job over whose items ended with `outcomes`, in turn."""
    parsed = kind.parse("\n".join(NUMBERS), options={})
    job = bulk_job_draft_create(
        user=user,
        kind_name=kind.name,
        parsed=parsed,
        campaign_id="00001" if kind is PHONE_NUMBERS else "",
        options={"dictionary_status_id": 13} if kind is DO_NOT_CALL else {},
    )
    counts: dict[str, int] = {}
    for index, item in enumerate(job.items.order_by("position")):
        outcome = outcomes[index % len(outcomes)]
        BulkItem.objects.filter(pk=item.pk).update(outcome=outcome)
        counts[outcome] = counts.get(outcome, 0) + 1
    BulkChunk.objects.filter(job=job).update(state="done", outcome_counts={})
    BulkChunk.objects.filter(pk=job.chunks.first().pk).update(outcome_counts=counts)
    BulkJob.objects.filter(pk=job.pk).update(
        state="finished", outcome_counts=counts, finished_at=timezone.now()
    )
    job.refresh_from_db()
    return job


@pytest.mark.django_db
def test_the_job_page_offers_to_retry_the_numbers_in_a_call_later(supervisor_client, supervisor):
    job = _finished(supervisor)

    html = supervisor_client.get(f"/jobs/{job.pk}/").content.decode()

    assert f'action="/jobs/{job.pk}/retry-later/"' in html
    assert "Retry 2 in a call later" in html
    assert 'name="minutes"' in html


@pytest.mark.django_db
def test_no_retry_later_without_items_worth_it(supervisor_client, supervisor):
    removed = _finished(supervisor, outcomes=("REMOVED", "ERROR"))
    do_not_call = _finished(supervisor, kind=DO_NOT_CALL, outcomes=("UPDATED", "ERROR"))

    for job in (removed, do_not_call):
        html = supervisor_client.get(f"/jobs/{job.pk}/").content.decode()
        assert "retry-later" not in html
        response = supervisor_client.post(
            f"/jobs/{job.pk}/retry-later/", {"minutes": "5"}, follow=True
        )
        assert "Nothing to retry later" in response.content.decode()
    assert BulkJob.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_scheduling_creates_a_confirmed_follow_up_that_runs_later(supervisor_client, supervisor):
    job = _finished(supervisor)
    before = timezone.now()

    response = supervisor_client.post(f"/jobs/{job.pk}/retry-later/", {"minutes": "15"})

    follow_up = BulkJob.objects.exclude(pk=job.pk).get()
    assert response.status_code == 302
    assert response["Location"] == f"/jobs/{follow_up.pk}/"
    assert follow_up.retry_of == job
    assert follow_up.state == BulkJob.State.QUEUED
    assert follow_up.confirmed_at is not None
    assert before + timedelta(minutes=15) <= follow_up.run_after
    assert follow_up.run_after <= timezone.now() + timedelta(minutes=15)
    assert list(follow_up.items.values_list("value", flat=True)) == [NUMBERS[1], NUMBERS[3]]
    task = DBTaskResult.objects.get()
    assert task.run_after == follow_up.run_after
    assert task.args_kwargs["kwargs"]["job_id"] == follow_up.pk
    start = AuditEntry.objects.get(action="bulk.phone_numbers.start")
    assert (start.subject_kind, start.subject_id) == (AUDIT_SUBJECT, follow_up.pk)
    assert start.request["run_after"] == follow_up.run_after.isoformat()
    # The watchdog does not start it early.
    assert bulk_jobs_resume_stale() == []

    page = supervisor_client.get(f"/jobs/{follow_up.pk}/").content.decode()
    assert "scheduled" in page
    assert "Runs at" in page
    assert "in 14\xa0minutes" in page or "in 15\xa0minutes" in page
    assert 'hx-trigger="every 15s"' in page


@pytest.mark.django_db(transaction=True)
def test_cancelling_a_scheduled_retry_before_it_starts_sends_nothing(supervisor_client, supervisor):
    job = _finished(supervisor)
    supervisor_client.post(f"/jobs/{job.pk}/retry-later/", {"minutes": "1"})
    follow_up = BulkJob.objects.exclude(pk=job.pk).get()

    supervisor_client.post(f"/jobs/{follow_up.pk}/cancel/")

    follow_up.refresh_from_db()
    assert follow_up.state == BulkJob.State.CANCELLED
    assert set(follow_up.items.values_list("outcome", flat=True)) == {"CANCELLED"}
    # When its time comes, the task finds nothing to do (any request would fail: no mock).
    JobRunner(follow_up.pk).run()
    follow_up.refresh_from_db()
    assert follow_up.state == BulkJob.State.CANCELLED


@pytest.mark.django_db
@pytest.mark.parametrize("minutes", ["0", "121", "soon", ""])
def test_a_wrong_number_of_minutes_is_refused_next_to_the_field(
    supervisor_client, supervisor, minutes
):
    job = _finished(supervisor)

    response = supervisor_client.post(f"/jobs/{job.pk}/retry-later/", {"minutes": minutes})

    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="field-error" id="id_minutes_error"' in html
    assert BulkJob.objects.count() == 1


@pytest.mark.django_db
def test_auditors_cannot_schedule_a_retry(client, auditor, supervisor):
    job = _finished(supervisor)
    client.force_login(auditor)

    assert client.post(f"/jobs/{job.pk}/retry-later/", {"minutes": "5"}).status_code == 403
    assert "retry-later" not in client.get(f"/jobs/{job.pk}/").content.decode()


@pytest.mark.django_db(transaction=True)
def test_asking_again_answers_with_the_follow_up_already_scheduled(supervisor_client, supervisor):
    job = _finished(supervisor)

    answers = [
        supervisor_client.post(f"/jobs/{job.pk}/retry-later/", {"minutes": minutes})
        for minutes in ("15", "15", "5")
    ]

    follow_up = BulkJob.objects.exclude(pk=job.pk).get()
    assert [response.status_code for response in answers] == [302, 302, 302]
    assert {response["Location"] for response in answers} == {f"/jobs/{follow_up.pk}/"}
    assert BulkItem.objects.filter(job=follow_up).count() == 2
    assert DBTaskResult.objects.count() == 1
    assert AuditEntry.objects.filter(action="bulk.phone_numbers.start").count() == 1
    page = supervisor_client.get(answers[-1]["Location"]).content.decode()
    assert f"Job {follow_up.pk} already sends them again: nothing more was scheduled." in page


@pytest.mark.django_db(transaction=True)
def test_a_new_follow_up_once_the_scheduled_one_is_over(supervisor_client, supervisor):
    job = _finished(supervisor)
    supervisor_client.post(f"/jobs/{job.pk}/retry-later/", {"minutes": "5"})
    first = BulkJob.objects.exclude(pk=job.pk).get()
    supervisor_client.post(f"/jobs/{first.pk}/cancel/")

    response = supervisor_client.post(f"/jobs/{job.pk}/retry-later/", {"minutes": "5"})

    second = BulkJob.objects.exclude(pk__in=[job.pk, first.pk]).get()
    assert response["Location"] == f"/jobs/{second.pk}/"
    assert second.state == BulkJob.State.QUEUED


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("action", ["retry", "retry-later"])
def test_two_requests_at_once_make_one_follow_up(monkeypatch, supervisor, action):
    """Two submits in flight together (a double click, two tabs): each would find no follow-up
    if they did not take turns. The first to create one waits here for the other to reach the
    same point; if the other is kept waiting for its turn instead, it finds the first's."""
    job = _finished(supervisor)
    both_creating = threading.Barrier(2, timeout=2)
    draft_create = services.bulk_job_draft_create

    def draft_create_together(**kwargs):
        with contextlib.suppress(threading.BrokenBarrierError):
            both_creating.wait()
        return draft_create(**kwargs)

    monkeypatch.setattr(services, "bulk_job_draft_create", draft_create_together)
    clients = [Client(), Client()]
    for client in clients:
        client.force_login(supervisor)
    locations: list[str] = []

    def submit(client: Client) -> None:
        try:
            response = client.post(f"/jobs/{job.pk}/{action}/", {"minutes": "5"})
            locations.append(response["Location"])
        finally:
            connection.close()

    threads = [threading.Thread(target=submit, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    follow_up = BulkJob.objects.exclude(pk=job.pk).get()
    assert locations == [f"/jobs/{follow_up.pk}/"] * 2
    assert follow_up.retry_of == job


@pytest.mark.django_db(transaction=True)
def test_a_retry_draft_and_a_scheduled_retry_never_both_send(supervisor_client, supervisor):
    """The two buttons share one pending follow-up: a draft made by "Retry" answers "Retry
    later", and a scheduled retry answers "Retry", so no number in a call is sent twice."""
    job = _finished(supervisor)
    draft = BulkJob.objects.get(
        pk=supervisor_client.post(f"/jobs/{job.pk}/retry/")["Location"].split("/")[2]
    )

    later = supervisor_client.post(f"/jobs/{job.pk}/retry-later/", {"minutes": "5"}, follow=True)

    assert BulkJob.objects.exclude(pk=job.pk).get() == draft
    assert draft.state == BulkJob.State.DRAFT
    assert DBTaskResult.objects.count() == 0
    assert f"Job {draft.pk} already holds the items to retry" in later.content.decode()

    supervisor_client.post(f"/jobs/{draft.pk}/discard/")
    supervisor_client.post(f"/jobs/{job.pk}/retry-later/", {"minutes": "5"})
    scheduled = BulkJob.objects.exclude(pk=job.pk).get(state=BulkJob.State.QUEUED)

    again = supervisor_client.post(f"/jobs/{job.pk}/retry/", follow=True)

    assert set(BulkJob.objects.exclude(pk=job.pk).values_list("pk", flat=True)) <= {
        draft.pk,
        scheduled.pk,
    }
    assert not BulkJob.objects.filter(state=BulkJob.State.DRAFT).exclude(pk=draft.pk).exists()
    assert f"Job {scheduled.pk} already sends them again" in again.content.decode()
