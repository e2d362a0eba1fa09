"""Undoing a removal, in chromium: remove four numbers (the preview says what they hold in
records), restore them from the finished removal's page, and see them back in the sandbox and
on their record pages with their statuses and agents, in both languages."""

from __future__ import annotations

import re
from collections import Counter

import pytest
from playwright.sync_api import expect

from campaigns.models import CampaignSnapshot
from tests.browser.conftest import wait_for
from thuladmin.bulk.models import BulkJob
from thuladmin.sandbox.models import Record

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CAMPAIGN = "00001"
LAPTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
TEXT = {
    "en": {
        "in_records": "4 numbers, 4 records",
        "restore": "Restore the removed records…",
        "confirm": "Restore 4 records to campaign 00001",
        "finished": "finished",
        "restored": "restored",
        "removed_by": "restored by job",
        "added_back": "Added back as it was before the removal.",
    },
    "pl": {
        "in_records": "4 numery, rekordów: 4",
        "restore": "Przywróć usunięte rekordy…",
        "confirm": "Przywróć 4 rekordy do kampanii 00001",
        "finished": "zakończone",
        "restored": "przywrócony",
        "removed_by": "przywrócone przez zadanie",
        "added_back": "Dodany z powrotem w stanie sprzed usunięcia.",
    },
}


def _four_records() -> list[Record]:
    """Four records of the seeded campaign, each the only one with its number, with an agent
    where the seed gives one: what the restore must bring back as it was."""
    records = Record.objects.filter(campaign__campaign_id=CAMPAIGN).select_related("status")
    numbers = Counter(record.phone_number for record in records)
    single = [
        record
        for record in records.order_by("-agent_login", "record_id")
        if numbers[record.phone_number] == 1
    ]
    return single[:4]


def _finished(job: BulkJob) -> None:
    wait_for(lambda: BulkJob.objects.get(pk=job.pk).state == BulkJob.State.FINISHED, timeout=30)


def test_remove_four_numbers_and_restore_them(browse, supervisor, worker, lang):
    page, text = browse.page, TEXT[lang]
    chosen = _four_records()
    assert len(chosen) == 4
    before = {
        record.phone_number: (record.identifier, record.status.status_id, record.agent_login)
        for record in chosen
    }
    browse.login(supervisor)
    browse.goto(f"/campaigns/{CAMPAIGN}/")  # starts the copy's first read
    worker.start()
    wait_for(
        lambda: CampaignSnapshot.objects.filter(
            campaign_id=CAMPAIGN, state=CampaignSnapshot.State.READY
        ).exists(),
        timeout=30,
    )

    browse.goto(f"/campaigns/{CAMPAIGN}/remove-numbers/")
    page.locator("textarea[name=text]").fill("\n".join(before))
    page.locator("form.items-form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/jobs/\d+/$"))
    expect(page.locator(".removal-in-records")).to_contain_text(text["in_records"])
    for identifier, _status, _agent in before.values():
        expect(page.locator("#preview-items")).to_contain_text(identifier)
    browse.shot("removal-preview")
    page.locator(".confirm-box button.danger").click()
    removal = BulkJob.objects.get(kind="phone_numbers")
    _finished(removal)
    assert not Record.objects.filter(campaign__campaign_id=CAMPAIGN, phone_number__in=before)
    browse.goto(f"/jobs/{removal.pk}/")

    page.get_by_role("button", name=text["restore"]).click()
    expect(page).to_have_url(re.compile(r"/jobs/\d+/$"))
    confirm = page.locator(".confirm-box button.danger")
    expect(confirm).to_contain_text(text["confirm"])
    # Records, not pasted lines.
    expect(page.locator("#preview-items .item-line, #preview-items .item-raw")).to_have_count(0)
    expect(page.locator("#preview-items .record-identifier")).to_have_count(4)
    browse.assert_no_horizontal_overflow()
    browse.shot("restore-preview")
    page.set_viewport_size(PHONE)
    browse.assert_no_horizontal_overflow()
    browse.shot("restore-preview-phone")
    page.set_viewport_size(LAPTOP)
    confirm.click()
    restore = BulkJob.objects.get(kind="restore_records")
    _finished(restore)
    expect(page.locator(".job-state .badge")).to_contain_text(text["finished"], timeout=20_000)
    expect(page.locator(".outcome-filters .outcome-restored .count")).to_have_text("4")
    # Each record by its identifier, linked to its page, and its number; never Thulium's
    # internal record id in the words.
    results = page.locator("#job-results")
    expect(results.locator(".record-identifier a")).to_have_count(4)
    for number, (identifier, _status, _agent) in before.items():
        row = results.locator("tbody tr", has_text=number)
        expect(row.locator(".record-identifier a")).to_have_text(identifier)
        expect(row.locator(".item-value")).to_have_text(number)
        expect(row.locator(".detail")).to_have_text(text["added_back"])
    browse.assert_no_horizontal_overflow()
    browse.shot("restore-results")
    page.set_viewport_size(PHONE)
    browse.assert_no_horizontal_overflow()
    browse.shot("restore-results-phone")
    page.set_viewport_size(LAPTOP)

    # Back in Thulium as they were, with their statuses and agents.
    back = Record.objects.filter(campaign__campaign_id=CAMPAIGN, phone_number__in=before)
    assert {
        record.phone_number: (record.identifier, record.status.status_id, record.agent_login)
        for record in back.select_related("status")
    } == before
    # The removal links to its restore; a record's page shows it with its agent.
    browse.goto(f"/jobs/{removal.pk}/")
    expect(page.locator(".related-job")).to_contain_text(text["removed_by"])
    identifier, _status, agent = next(iter(before.values()))
    browse.goto(f"/campaigns/{CAMPAIGN}/records/{identifier}/")
    expect(page.locator("#record-current")).to_be_visible()
    if agent:
        expect(page.locator(".record-agent")).to_contain_text(agent)
