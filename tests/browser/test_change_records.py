"""Change these records, in chromium and in both languages: choose three rows of the records list,
set a status, an agent and a next call date, see each record before → after, confirm, watch the
results arrive, and find the new values on a record's page."""

from __future__ import annotations

import re
from collections import Counter
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from thuladmin.bulk.models import BulkJob
from thuladmin.sandbox.models import Record

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CAMPAIGN = "00001"
LAPTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
STATUS_ID = "5"  # MY_RECORD "Mój rekord": needs an agent and a next call date
STATUS_NAME = "Mój rekord"
DICTIONARY_STATUS_ID = "5"  # the sandbox's "Mój rekord" is built on it
AGENT = "j.kowalski"
# The sandbox's fixture records in a call: left alone.
IN_A_CALL = {"600100211", "600100201"}

TEXT = {
    "en": {
        "change": "Change these records…",
        "chosen": "The 3 records chosen on the list.",
        "preview": "Preview the changes",
        "confirm": "Change 3 records in campaign 00001",
        "updated": "updated",
        "see": "see the record",
        "agent_needed": "reserves the record for one agent",
        "dictionary_title": f"Dictionary status id {DICTIONARY_STATUS_ID}",
    },
    "pl": {
        "change": "Zmień te rekordy…",
        "chosen": "3 rekordy wybrane na liście.",
        "preview": "Pokaż podgląd zmian",
        "confirm": "Zmień 3 rekordy w kampanii 00001",
        "updated": "zaktualizowano",
        "see": "zobacz rekord",
        "agent_needed": "rezerwuje rekord dla jednego agenta",
        "dictionary_title": f"ID statusu słownikowego {DICTIONARY_STATUS_ID}",
    },
}


def test_change_three_chosen_records(browse, supervisor, worker, lang):
    page, text = browse.page, TEXT[lang]
    browse.login(supervisor)
    browse.goto(f"/campaigns/{CAMPAIGN}/records/")

    boxes = page.locator("#records tbody input[type=checkbox][name=number]")
    expect(boxes.first).to_be_visible()
    numbers = [boxes.nth(index).get_attribute("value") for index in range(boxes.count())]
    once = Counter(numbers)
    # Rows whose number no other record shares (choosing a number chooses each of its records).
    indices = [i for i, n in enumerate(numbers) if once[n] == 1 and n not in IN_A_CALL][:3]
    chosen = [numbers[index] for index in indices]
    for index in indices:
        boxes.nth(index).check()
    page.get_by_role("button", name=text["change"]).click()

    # The form: the record page's fields, for the three records chosen.
    expect(page.locator(".change-records-count")).to_contain_text(text["chosen"])
    page.locator("select[name=status_id]").select_option(STATUS_ID)
    page.get_by_role("button", name=text["preview"]).click()
    # Thulium's rule, checked before anything is drafted: MY_RECORD needs an agent.
    expect(page.locator("#id_agent_login_error")).to_contain_text(text["agent_needed"])
    assert not BulkJob.objects.exists()
    page.locator("input[name=agent_login]").fill(AGENT)
    when = (timezone.localtime() + timedelta(days=2)).replace(hour=10, minute=30)
    page.locator("input[name=next_call_date]").fill(when.strftime("%Y-%m-%dT%H:%M"))
    # The status's own dictionary status, chosen by its name: named in the summary.
    page.locator("select[name=dictionary_status_id]").select_option(DICTIONARY_STATUS_ID)
    browse.shot("form")
    page.get_by_role("button", name=text["preview"]).click()

    # The preview: each record before → after; nothing sent yet.
    expect(page).to_have_url(re.compile(r"/jobs/\d+/$"))
    rows = page.locator("#preview-items table.items tbody tr")
    expect(rows).to_have_count(3)
    for index in range(3):
        expect(rows.nth(index).locator(".record-changes")).to_contain_text(AGENT)
        expect(rows.nth(index).locator(".record-changes")).to_contain_text(STATUS_NAME)
        # Each row is the record as it is: its identifier and number, not a pasted line.
        expect(rows.nth(index).locator(".record-identifier a")).to_be_visible()
        expect(rows.nth(index).locator(".record-phone")).to_contain_text(chosen[index])
        expect(rows.nth(index)).not_to_have_class(re.compile("row-not-found"))
    expect(page.locator("#preview-items .item-line, #preview-items .item-raw")).to_have_count(0)
    expect(page.locator("#preview-items")).not_to_contain_text("(status ")
    # The dictionary status in words, its id only in a title.
    summary = page.locator(".change-records-summary")
    expect(summary.get_by_title(text["dictionary_title"], exact=True)).to_have_text(STATUS_NAME)
    expect(summary).not_to_contain_text(f": {DICTIONARY_STATUS_ID}")
    browse.assert_no_horizontal_overflow()
    browse.shot("preview")
    page.set_viewport_size(PHONE)
    browse.assert_no_horizontal_overflow()
    browse.shot("preview-phone")
    page.set_viewport_size(LAPTOP)
    job = BulkJob.objects.get()
    assert job.state == BulkJob.State.DRAFT

    page.get_by_role("button", name=text["confirm"]).click()
    worker.start()

    # The results arrive in place.
    expect(page.locator("#job-results .item-outcome .badge")).to_have_count(3, timeout=15_000)
    for index in range(3):
        expect(page.locator("#job-results .item-outcome .badge").nth(index)).to_have_text(
            text["updated"], timeout=15_000
        )
    expect(page.locator(".change-records-summary")).to_contain_text(STATUS_NAME)
    browse.assert_no_horizontal_overflow()
    browse.shot("results")
    page.set_viewport_size(PHONE)
    browse.assert_no_horizontal_overflow()
    browse.shot("results-phone")
    page.set_viewport_size(LAPTOP)
    for number in chosen:
        record = Record.objects.get(campaign_id=CAMPAIGN, phone_number=number)
        assert record.status.status_id == STATUS_ID
        assert record.agent_login == AGENT

    # A record's page shows its new values.
    page.locator("#job-results").get_by_role("link", name=text["see"]).first.click()
    expect(page.locator(".record-status")).to_contain_text(STATUS_NAME, timeout=15_000)
    expect(page.locator("body")).to_contain_text(AGENT)
    browse.shot("record")
