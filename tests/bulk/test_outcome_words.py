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
    assert words == "1\u00a0234 w trakcie rozmowy, 22 niepewne, 1 z błędem"


@pytest.mark.parametrize("kind", [PHONE_NUMBERS, DO_NOT_CALL, CUSTOMERS])
def test_every_outcome_of_every_kind_has_words(kind):
    with translation.override("en"):
        for outcome in kind.outcomes:
            words = kind.outcome_count_in_words(outcome, 2)
            assert words.startswith("2 "), words


# One word per idea: an outcome's label (the job page's filters, the export) and its count
# (the jobs list, the retry buttons, the audit log) say it with the same word in Polish.
POLISH_OUTCOME_WORDS = {
    (PHONE_NUMBERS, "REMOVED"): ("usunięto", "5 usuniętych"),
    (PHONE_NUMBERS, "NOT_EXIST"): ("bez rekordu w kampanii", "5 bez rekordu w kampanii"),
    (PHONE_NUMBERS, "CALL_IN_PROGRESS"): ("w trakcie rozmowy", "5 w trakcie rozmowy"),
    (DO_NOT_CALL, "UPDATED"): ("zaktualizowano", "5 zaktualizowanych"),
    (DO_NOT_CALL, "IN_NO_CAMPAIGN"): ("w żadnej kampanii", "5 w żadnej kampanii"),
    (CUSTOMERS, "DELETED"): ("usunięto", "5 usuniętych"),
    (CUSTOMERS, "NOT_FOUND"): ("nie znaleziono", "5 nieznalezionych"),
    (PHONE_NUMBERS, "ERROR"): ("błąd", "5 z błędem"),
    (PHONE_NUMBERS, "UNCERTAIN"): ("niepewne", "5 niepewnych"),
    (PHONE_NUMBERS, "CANCELLED"): ("anulowano", "5 anulowanych"),
    (PHONE_NUMBERS, "PENDING"): ("oczekuje", "5 oczekujących"),
    (PHONE_NUMBERS, "INVALID"): ("nieprawidłowe, niewysłane", "5 nieprawidłowych"),
    (PHONE_NUMBERS, "SUSPICIOUS"): ("podejrzane, niewysłane", "5 podejrzanych"),
}


@pytest.mark.parametrize(("kind", "outcome"), list(POLISH_OUTCOME_WORDS))
def test_an_outcome_and_its_count_say_it_with_one_word_in_polish(kind, outcome):
    with translation.override("pl"):
        words = (kind.outcome_label(outcome), kind.outcome_count_in_words(outcome, 5))

    assert words == POLISH_OUTCOME_WORDS[kind, outcome]


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
