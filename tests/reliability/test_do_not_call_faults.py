"""Do not call, in any campaign, against the sandbox over real HTTP with its faults injected.

Setting a status twice does no harm, so whatever the faults (5xx bursts, 429s, answers that
arrive after the client gave up), every number ends "updated" or "in no campaign" exactly as
the sandbox's records say, or "error" after the attempts ran out, and never "uncertain".
"""

from __future__ import annotations

import time

import pytest

from campaigns.bulk.do_not_call import DO_NOT_CALL, DoNotCallOutcome
from thuladmin.bulk.models import BulkJob, Outcome
from thuladmin.bulk.runner import JobRunner
from thuladmin.bulk.services import bulk_job_draft_create, bulk_job_start
from thuladmin.sandbox.models import Campaign, Record, Status

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

DO_NOT_CALL_STATUS = 77


@pytest.fixture(autouse=True)
def _let_slow_answers_finish(transactional_db, live_server, settings):
    yield
    if settings.SANDBOX_SLOW_RATE:
        time.sleep(settings.SANDBOX_SLOW_MS / 1000 + 0.1)


def _campaigns() -> dict[str, set[str]]:
    """Three campaigns; two have the dictionary status. Returns number -> campaigns holding it
    under that status's campaigns."""
    numbers = [f"7{index:08d}" for index in range(60)]
    expected: dict[str, set[str]] = {number: set() for number in numbers}
    for campaign_id, with_status, held in (
        ("71001", True, numbers[:30]),
        ("71002", True, numbers[20:40]),
        ("71003", False, numbers[:60]),
    ):
        campaign = Campaign.objects.create(campaign_id=campaign_id, name=campaign_id, active=True)
        if with_status:
            Status.objects.create(
                campaign=campaign,
                status_id="9",
                system_status="NO_CALL",
                name="Do not call",
                dictionary_status_id=DO_NOT_CALL_STATUS,
            )
            for number in held:
                expected[number].add(campaign_id)
        Record.objects.bulk_create(
            Record(campaign=campaign, identifier=f"{campaign_id}-{n}", phone_number=n) for n in held
        )
    return expected


def _run(user, numbers: list[str]) -> BulkJob:
    job = bulk_job_draft_create(
        user=user,
        kind_name=DO_NOT_CALL.name,
        parsed=DO_NOT_CALL.parse("\n".join(numbers), options={}),
        options={"dictionary_status_id": DO_NOT_CALL_STATUS, "dictionary_status_name": "DNC"},
    )
    assert bulk_job_start(job=job, user=user)
    JobRunner(job.pk).run()
    job.refresh_from_db()
    return job


def _assert_outcomes_match_the_sandbox(job: BulkJob, expected: dict[str, set[str]]) -> None:
    assert job.state == BulkJob.State.FINISHED
    assert job.items.count() == len(expected)
    assert not job.items.filter(outcome__in=[Outcome.UNCERTAIN, Outcome.PENDING]).exists()
    for value, outcome, params in job.items.values_list("value", "outcome", "detail_params"):
        campaigns = expected[value]
        if outcome == DoNotCallOutcome.UPDATED:
            assert set(params["campaigns"].split(", ")) == campaigns, value
        elif outcome == DoNotCallOutcome.IN_NO_CAMPAIGN:
            assert not campaigns, value
        else:
            assert outcome == Outcome.ERROR, (value, outcome)
        # The sandbox agrees: a number updated has the status in every campaign that has it.
        if outcome == DoNotCallOutcome.UPDATED:
            assert (
                set(
                    Record.objects.filter(
                        phone_number=value, status__dictionary_status_id=77
                    ).values_list("campaign_id", flat=True)
                )
                == campaigns
            )


def test_every_number_reaches_every_campaign_that_has_the_status(sandbox, supervisor):
    expected = _campaigns()

    job = _run(supervisor, list(expected))

    _assert_outcomes_match_the_sandbox(job, expected)
    outcomes = dict(job.items.values_list("value", "outcome"))
    assert outcomes["700000000"] == DoNotCallOutcome.UPDATED
    assert outcomes["700000059"] == DoNotCallOutcome.IN_NO_CAMPAIGN  # only in 71003
    assert job.items.get(value="700000025").detail_text == "in 71001, 71002"


def test_5xx_429_and_late_answers_never_make_a_number_uncertain(sandbox, settings, supervisor):
    settings.SANDBOX_ERROR_RATE = 0.25
    settings.SANDBOX_RATE_LIMIT_RATE = 0.1
    settings.SANDBOX_SLOW_RATE = 0.1
    settings.SANDBOX_SLOW_MS = 500
    settings.THULIUM_READ_TIMEOUT = 0.3
    expected = _campaigns()

    job = _run(supervisor, list(expected))

    _assert_outcomes_match_the_sandbox(job, expected)
    assert job.items.filter(outcome=DoNotCallOutcome.UPDATED).count() >= 30
