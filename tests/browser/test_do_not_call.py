"""Do not call, in any campaign, in chromium: from the campaigns page, pick the status, paste
the numbers, preview, confirm, watch each number's campaigns arrive, find it in the audit log;
on a laptop and on a phone, in both languages."""

from __future__ import annotations

import re

import pytest
from django.db.models import Count
from playwright.sync_api import expect

from thuladmin.bulk.models import BulkJob
from thuladmin.sandbox.models import Record

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DO_NOT_CALL_STATUS = "13"  # "Nie dzwonić — sprzeciw klienta", in every seeded campaign

TEXT = {
    "en": {"open": "Do not call, in any campaign", "finished": "finished", "in": "in"},
    "pl": {"open": "Nie dzwonić w żadnej kampanii", "finished": "zakończone", "in": "w"},
}


def _number_in_several_campaigns() -> tuple[str, list[str]]:
    shared = (
        Record.objects.values("phone_number")
        .annotate(campaigns=Count("campaign", distinct=True))
        .filter(campaigns__gte=2)
        .order_by("phone_number")
        .first()
    )
    assert shared, "the seed shares numbers between campaigns"
    number = shared["phone_number"]
    campaigns = sorted(
        set(Record.objects.filter(phone_number=number).values_list("campaign_id", flat=True))
    )
    return number, campaigns


@pytest.mark.parametrize("viewport", ["laptop", "phone"])
def test_stop_every_campaign_calling_a_number(browse, supervisor, worker, lang, viewport):
    page, text = browse.page, TEXT[lang]
    if viewport == "phone":
        page.set_viewport_size({"width": 390, "height": 844})
    else:
        page.set_viewport_size({"width": 1280, "height": 800})
    number, campaigns = _number_in_several_campaigns()
    typed = f"+48 {number[:3]} {number[3:6]} {number[6:]}"
    browse.login(supervisor)
    browse.goto("/campaigns/")

    page.get_by_role("button", name=text["open"]).click()
    expect(page).to_have_url(browse.url("/campaigns/do-not-call/"))
    page.locator("select[name=dictionary_status]").select_option(DO_NOT_CALL_STATUS)
    page.locator("textarea[name=text]").fill(f"{typed}\n700000001\nabc")
    browse.assert_no_horizontal_overflow()
    browse.shot(f"paste-{viewport}")
    page.locator("form.items-form button[type=submit]").click()

    expect(page).to_have_url(re.compile(r"/jobs/\d+/$"))
    job = BulkJob.objects.get()
    expect(page.locator(".stats .stat-value").first).to_have_text("2")
    expect(page.locator("table.refused-items tbody tr")).to_have_count(1)
    expect(page.locator(".job-options")).to_contain_text("Nie dzwonić — sprzeciw klienta")
    browse.assert_no_horizontal_overflow()
    browse.shot(f"preview-{viewport}")
    page.locator(".confirm-box button.danger").click()
    worker.start()

    expect(page.locator(".job-state .badge")).to_have_text(text["finished"], timeout=20_000)
    updated = page.locator("table.items tbody tr", has_text=number)
    expect(updated).to_contain_text(f"{text['in']} {', '.join(campaigns)}")
    assert set(
        Record.objects.filter(phone_number=number).values_list("status__status_id", flat=True)
    ) == {DO_NOT_CALL_STATUS}
    assert job.items.filter(outcome="UNCERTAIN").count() == 0
    browse.assert_no_horizontal_overflow()
    browse.shot(f"results-{viewport}")

    # The audit log finds the job by the number, typed as a person types it.
    browse.goto("/audit/")
    page.locator("input[name=q]").fill(typed)
    page.locator("input[name=q]").press("Enter")
    expect(page.locator("table tbody tr").first).to_contain_text(text["open"])
    browse.shot(f"audit-{viewport}")
