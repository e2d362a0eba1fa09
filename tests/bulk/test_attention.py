"""The header's mark for the jobs that wait for their author, and the jobs list filtered to them:
which jobs count, the mark in both languages, and what it costs (one query, on full pages only).
"""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from campaigns.bulk.do_not_call import DO_NOT_CALL
from campaigns.bulk.remove_numbers import PHONE_NUMBERS
from customers.bulk import CUSTOMERS
from thuladmin.bulk.attention import SHOWN, AttentionMark, jobs_needing_attention
from thuladmin.bulk.kinds import registered_kinds
from thuladmin.bulk.models import BulkJob
from thuladmin.bulk.services import bulk_job_draft_create

pytestmark = pytest.mark.django_db

ATTENTION_URL = f"/jobs/?show={SHOWN}"


def _job(user, *, kind=PHONE_NUMBERS, state=BulkJob.State.DRAFT, counts=None, retry_of=None):
    text = "600100200\n600100201" if kind is not CUSTOMERS else "13\n14"
    job = bulk_job_draft_create(
        user=user,
        kind_name=kind.name,
        parsed=kind.parse(text, options={}),
        campaign_id="00001" if kind is PHONE_NUMBERS else "",
        options={"dictionary_status_id": 13, "dictionary_status_name": "do not call"}
        if kind is DO_NOT_CALL
        else {},
        retry_of=retry_of,
    )
    BulkJob.objects.filter(pk=job.pk).update(
        state=state,
        outcome_counts=counts or {},
        finished_at=timezone.now() if state in ("finished", "cancelled") else None,
    )
    job.refresh_from_db()
    return job


def _waiting(user) -> set[int]:
    return set(jobs_needing_attention(user).values_list("pk", flat=True))


def _mark(html: str) -> re.Match | None:
    return re.search(
        r'<a class="attention-mark" href="([^"]+)" title="([^"]+)">'
        r'<span aria-hidden="true">(\d+)</span><span class="visually-hidden">([^<]+)</span></a>',
        html,
    )


# --- which jobs need attention --------------------------------------------------------------------


def test_a_draft_waits_for_its_author(supervisor):
    draft = _job(supervisor)
    assert _waiting(supervisor) == {draft.pk}


def test_jobs_under_way_or_being_written_wait_for_nobody(supervisor):
    for state in ("writing", "queued", "running"):
        _job(supervisor, state=state, counts={"ERROR": 1})
    assert _waiting(supervisor) == set()


def test_a_job_over_needs_attention_for_its_failed_uncertain_or_in_call_items(supervisor):
    failed = _job(supervisor, state="finished", counts={"REMOVED": 5, "ERROR": 1})
    uncertain = _job(supervisor, state="finished", counts={"UNCERTAIN": 2})
    in_a_call = _job(supervisor, state="finished", counts={"CALL_IN_PROGRESS": 1})
    cancelled = _job(supervisor, state="cancelled", counts={"ERROR": 1, "CANCELLED": 3})
    _job(supervisor, state="finished", counts={"REMOVED": 2, "NOT_EXIST": 1})
    _job(supervisor, state="cancelled", counts={"REMOVED": 1, "CANCELLED": 1})
    _job(supervisor, state="finished", counts={"INVALID": 1, "REMOVED": 1})

    assert _waiting(supervisor) == {failed.pk, uncertain.pk, in_a_call.pk, cancelled.pk}


def test_a_job_retried_is_handled_and_its_retry_is_what_waits(supervisor):
    job = _job(supervisor, state="finished", counts={"ERROR": 2})
    assert _waiting(supervisor) == {job.pk}

    retry = _job(supervisor, retry_of=job)
    assert _waiting(supervisor) == {retry.pk}

    BulkJob.objects.filter(pk=retry.pk).update(state="finished", outcome_counts={"REMOVED": 2})
    assert _waiting(supervisor) == set()


def test_a_colleagues_jobs_are_not_mine_to_look_at(supervisor, admin_member):
    _job(admin_member)
    _job(admin_member, state="finished", counts={"ERROR": 1})
    mine = _job(supervisor)
    assert _waiting(supervisor) == {mine.pk}
    assert len(_waiting(admin_member)) == 2


def test_only_kinds_the_user_may_run_count(supervisor, admin_member):
    """An admin's customer job counts for them; a supervisor who may not run the kind is never
    sent to a list that would not show it."""
    customers = _job(admin_member, kind=CUSTOMERS)
    assert customers.pk in _waiting(admin_member)
    attention = {kind.name: kind.needs_attention() for kind in registered_kinds()}
    assert (
        BulkJob.objects.needing_attention(
            user=admin_member, attention={PHONE_NUMBERS.name: attention[PHONE_NUMBERS.name]}
        ).count()
        == 0
    )


def test_each_kind_needs_attention_for_its_own_outcomes(supervisor):
    """A do-not-call job's items that failed need attention; the phone removal's "in a call" is
    not one of its outcomes, so a count under that name would not make it need any."""
    failed = _job(supervisor, kind=DO_NOT_CALL, state="finished", counts={"ERROR": 1})
    _job(supervisor, kind=DO_NOT_CALL, state="finished", counts={"IN_NO_CAMPAIGN": 1})
    assert failed.pk in _waiting(supervisor)
    assert "CALL_IN_PROGRESS" not in DO_NOT_CALL.needs_attention()


# --- the header's mark ----------------------------------------------------------------------------


def test_the_header_shows_how_many_of_my_jobs_wait_and_links_to_them(supervisor_client, supervisor):
    _job(supervisor)
    _job(supervisor, state="finished", counts={"ERROR": 1})
    _job(supervisor, state="finished", counts={"REMOVED": 2})

    html = supervisor_client.get("/campaigns/", follow=True).content.decode()

    mark = _mark(html)
    assert mark is not None
    assert mark.group(1) == "/jobs/?show=mine-attention"
    assert mark.group(3) == "2"
    assert mark.group(2) == mark.group(4) == "2 jobs need your attention"


@pytest.mark.parametrize(
    ("count", "words"),
    [
        (1, "1 zadanie wymaga Twojej uwagi"),
        (3, "3 zadania wymagają Twojej uwagi"),
        (5, "5 zadań wymaga Twojej uwagi"),
    ],
)
def test_the_mark_speaks_polish(client, supervisor, count, words):
    for _ in range(count):
        _job(supervisor)
    client.force_login(supervisor)
    client.cookies["django_language"] = "pl"

    mark = _mark(client.get("/jobs/").content.decode())

    assert mark is not None
    assert mark.group(4) == words
    assert mark.group(3) == str(count)


def test_one_job_is_said_in_the_singular(supervisor_client, supervisor):
    _job(supervisor)
    mark = _mark(supervisor_client.get("/jobs/").content.decode())
    assert mark is not None
    assert mark.group(4) == "1 job needs your attention"


def test_no_mark_when_nothing_waits(supervisor_client, supervisor, admin_member):
    _job(supervisor, state="finished", counts={"REMOVED": 2})
    _job(admin_member)  # a colleague's draft is theirs to confirm
    html = supervisor_client.get("/jobs/").content.decode()
    assert 'class="attention-mark"' not in html
    assert "need your attention" not in html
    assert 'href="/jobs/"' in html  # the jobs link itself stays


def test_the_jobs_list_filtered_to_the_mark_lists_the_same_jobs(supervisor_client, supervisor):
    draft = _job(supervisor)
    failed = _job(supervisor, state="finished", counts={"ERROR": 1})
    _job(supervisor, state="finished", counts={"REMOVED": 1})
    _job(supervisor, state="running")

    html = supervisor_client.get(ATTENTION_URL).content.decode()

    listed = [int(pk) for pk in re.findall(r'<th scope="row"[^>]*><a href="/jobs/(\d+)/"', html)]
    assert listed == [failed.pk, draft.pk]
    assert 'aria-current="true">mine needing attention</a>' in html
    assert "previews not yet confirmed or discarded" in html


def test_the_filtered_list_says_when_nothing_waits(supervisor_client, supervisor):
    html = supervisor_client.get(ATTENTION_URL).content.decode()
    assert "None of your jobs needs your attention." in html


# --- what it costs --------------------------------------------------------------------------------


def _attention_queries(queries) -> list[str]:
    """The mark's query: the only one that asks whether a job was retried (NOT EXISTS)."""
    return [
        query["sql"]
        for query in queries
        if "EXISTS" in query["sql"] and '"retry_of_id"' in query["sql"]
    ]


def test_a_full_page_pays_one_query_for_the_mark(supervisor_client, supervisor):
    for _ in range(5):
        _job(supervisor)
    with CaptureQueriesContext(connection) as queries:
        supervisor_client.get("/jobs/")
    found = _attention_queries(queries.captured_queries)
    assert len(found) == 1
    assert found[0].startswith("SELECT COUNT(*)")


def test_an_htmx_fragment_pays_nothing_for_the_mark(supervisor_client, supervisor):
    for _ in range(30):
        _job(supervisor)
    with CaptureQueriesContext(connection) as queries:
        response = supervisor_client.get("/jobs/?page=2", headers={"HX-Request": "true"})
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="jobs-list"')
    assert 'class="attention-mark"' not in html
    assert _attention_queries(queries.captured_queries) == []


def test_the_login_page_and_anonymous_visitors_pay_nothing(client, supervisor):
    _job(supervisor)
    with CaptureQueriesContext(connection) as queries:
        login = client.get("/accounts/login/")
        anonymous = client.get("/jobs/")
    assert login.status_code == 200
    assert anonymous.status_code == 302
    assert not any("bulk_bulkjob" in query["sql"] for query in queries.captured_queries)


def test_a_user_who_runs_no_job_pays_nothing(auditor_client, auditor):
    _job(auditor)  # made outside any page: an auditor may not run a kind
    with CaptureQueriesContext(connection) as queries:
        html = auditor_client.get("/audit/").content.decode()
    assert 'class="attention-mark"' not in html
    assert _attention_queries(queries.captured_queries) == []


def test_the_count_is_read_once_however_often_the_page_asks(supervisor):
    _job(supervisor)
    mark = AttentionMark(supervisor)
    with CaptureQueriesContext(connection) as queries:
        assert mark.count == 1
        assert mark.count == 1
    assert len(_attention_queries(queries.captured_queries)) == 1
