"""Numbers that are not valid here, in chromium: the preview holds them back with their reason,
and only the one ticked in is sent."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from thuladmin.bulk.models import BulkJob, Outcome

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TEXT = {
    "en": {"foreign": "another country's number: United Kingdom (+44)", "finished": "finished"},
    "pl": {"foreign": "numer z innego kraju: Wielka Brytania (+44)", "finished": "zakończone"},
}


def test_suspicious_numbers_are_sent_only_when_ticked(browse, supervisor, worker, lang):
    page, text = browse.page, TEXT[lang]
    browse.login(supervisor)
    browse.goto("/campaigns/00001/remove-numbers/")
    page.locator("textarea[name=text]").fill("48600100200\n600 100 20\n+44 20 7946 0958")
    page.locator("form.items-form button[type=submit]").click()

    expect(page).to_have_url(re.compile(r"/jobs/\d+/$"))
    held = page.locator("table.suspicious-items tbody tr")
    expect(held).to_have_count(2)
    expect(held.nth(1)).to_contain_text(text["foreign"])
    expect(page.locator(".stats .stat-value").first).to_have_text("1")  # 48600100200, national
    browse.shot("preview")
    held.nth(1).locator("input[type=checkbox]").check()
    page.locator(".confirm-box button.danger").click()
    worker.start()

    expect(page.locator(".job-state .badge")).to_have_text(text["finished"], timeout=20_000)
    job = BulkJob.objects.get()
    outcomes = dict(job.items.values_list("value", "outcome"))
    assert outcomes["60010020"] == Outcome.SUSPICIOUS
    assert outcomes["+442079460958"] != Outcome.SUSPICIOUS  # ticked in: sent
    assert outcomes["600100200"] != Outcome.SUSPICIOUS
    browse.shot()
