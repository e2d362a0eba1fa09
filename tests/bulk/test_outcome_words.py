"""Counts per outcome in words: the retry buttons name what they retry."""

from __future__ import annotations

import pytest
from django.utils import translation

from campaigns.bulk.do_not_call import DO_NOT_CALL
from campaigns.bulk.remove_numbers import PHONE_NUMBERS
from customers.bulk import CUSTOMERS
from thuladmin.bulk.models import BulkChunk, BulkJob
from thuladmin.bulk.services import bulk_job_draft_create


def test_the_counts_are_listed_in_the_kinds_order_and_only_those_that_occur():
    counts = {"UNCERTAIN": 20, "CALL_IN_PROGRESS": 3, "ERROR": 0, "REMOVED": 70}
    with translation.override("en"):
        words = PHONE_NUMBERS.outcomes_in_words(counts, PHONE_NUMBERS.retryable_outcomes)
    assert words == "3 in a call, 20 uncertain"


def test_the_counts_in_polish_agree_with_the_number():
    counts = {"ERROR": 1, "UNCERTAIN": 22, "CALL_IN_PROGRESS": 1234}
    with translation.override("pl"):
        words = PHONE_NUMBERS.outcomes_in_words(counts, PHONE_NUMBERS.retryable_outcomes)
    assert words == "1\u00a0234 w trakcie rozmowy, 22 niepewne, 1 nieudana"


@pytest.mark.parametrize("kind", [PHONE_NUMBERS, DO_NOT_CALL, CUSTOMERS])
def test_every_outcome_of_every_kind_has_words(kind):
    with translation.override("en"):
        for outcome in kind.outcomes:
            words = kind.outcome_count_in_words(outcome, 2)
            assert words.startswith("2 "), words


def test_what_needs_attention_defaults_to_the_retryable_outcomes_and_doubts():
    assert set(PHONE_NUMBERS.needs_attention()) == {"ERROR", "UNCERTAIN", "CALL_IN_PROGRESS"}
    assert set(DO_NOT_CALL.needs_attention()) == {"ERROR", "UNCERTAIN"}


@pytest.mark.django_db
def test_the_retry_button_names_what_it_retries(supervisor_client, supervisor):
    parsed = PHONE_NUMBERS.parse("600100200\n600100201", options={})
    job = bulk_job_draft_create(
        user=supervisor, kind_name=PHONE_NUMBERS.name, parsed=parsed, campaign_id="00001"
    )
    BulkJob.objects.filter(pk=job.pk).update(state=BulkJob.State.FINISHED)
    BulkChunk.objects.filter(job=job).update(
        state="done", outcome_counts={"UNCERTAIN": 20, "CALL_IN_PROGRESS": 3, "REMOVED": 2}
    )

    html = supervisor_client.get(f"/jobs/{job.pk}/").content.decode()

    assert "Retry 3 in a call, 20 uncertain</button>" in html
    assert "failed" not in html
