"""The campaign's copy as a supervisor meets it, in chromium, in both languages (issue 23):
never by name. On a fresh install a number typed on the campaign page finds its record with no
other step; a record an agent's call changed shows its new status on its own; and an edit whose
record changed meanwhile shows the change before anything is sent. Screenshots at 1280 by 800
and 390 by 844.
"""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db.models import Count
from playwright.sync_api import expect

from campaigns.models import CampaignCopy, CampaignSnapshot
from tests.browser.conftest import LAPTOP, wait_for
from thuladmin.audit.models import AuditEntry
from thuladmin.sandbox.models import Record

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CAMPAIGN = "00001"
PHONE = {"width": 390, "height": 844}
# A copy refreshed this long ago is past the record page's minute: opening it asks for a refresh.
A_WHILE_AGO = timedelta(minutes=5)

TEXT = {
    "en": {
        "found": "1 record matches",
        "changed": "Nothing was sent",
        "anyway": "Send my change anyway",
    },
    "pl": {
        "found": "1 rekord pasuje",
        "changed": "Nic nie zostało wysłane",
        "anyway": "Mimo to wyślij moją zmianę",
    },
}
NEW_STATUS_ID = "9"  # NO_CALL "Umowa przedłużona": no agent or date needed


def _unique_record_late_in_the_campaign() -> Record:
    """A record whose number no other record of the campaign has, on the campaign's last page:
    the first read reaches it last."""
    unique = (
        Record.objects.filter(campaign_id=CAMPAIGN)
        .values("phone_number")
        .annotate(holders=Count("pk"))
        .filter(holders=1)
        .values_list("phone_number", flat=True)
    )
    return Record.objects.filter(campaign_id=CAMPAIGN, phone_number__in=list(unique)).latest("pk")


def _typed(number: str) -> str:
    """A nine-digit number as people type it: +48 600 100 200."""
    return f"+48 {number[:3]} {number[3:6]} {number[6:]}"


def _read_complete() -> None:
    wait_for(
        lambda: CampaignSnapshot.objects.filter(
            campaign_id=CAMPAIGN, state=CampaignSnapshot.State.READY
        ).exists(),
        timeout=30,
    )


def _agent_calls(record: Record) -> str:
    """An agent calls the record now (the sandbox's simulation); its new status's name."""
    call_command("sandbox_calls", "--record", str(record.pk), stdout=io.StringIO())
    return Record.objects.select_related("status").get(pk=record.pk).status.name


def test_on_a_fresh_install_a_typed_number_finds_its_record(browse, supervisor, worker, lang):
    page, text = browse.page, TEXT[lang]
    record = _unique_record_late_in_the_campaign()
    browse.login(supervisor)
    browse.goto(f"/campaigns/{CAMPAIGN}/")  # never read: the page starts its first read
    worker.start()

    search = page.locator("#record-search-q")
    search.fill(_typed(record.phone_number))
    search.press("Enter")

    results = page.locator("#search-results")
    expect(results.locator(".search-summary")).to_contain_text(text["found"], timeout=30_000)
    row = results.locator("tbody tr", has_text=record.identifier)
    expect(row).to_be_visible()
    browse.assert_no_horizontal_overflow()
    browse.shot("laptop")
    page.set_viewport_size(PHONE)
    browse.assert_no_horizontal_overflow()
    browse.shot("phone")
    page.set_viewport_size(LAPTOP)

    row.get_by_role("link").click()
    expect(page.locator(".record-phone")).to_have_text(record.phone_number)
    expect(page.locator("select[name=status_id]")).to_have_value(record.status.status_id)


def test_a_record_an_agent_called_shows_its_new_status_on_its_own(browse, supervisor, worker, lang):
    page = browse.page
    record = _unique_record_late_in_the_campaign()
    browse.login(supervisor)
    worker.start()
    browse.goto(f"/campaigns/{CAMPAIGN}/records/{record.identifier}/")
    # The page waits for the first read, then shows the record's values in place.
    expect(page.locator(".record-phone")).to_have_text(record.phone_number, timeout=30_000)
    _read_complete()

    new_status = _agent_calls(record)
    CampaignCopy.objects.filter(campaign_id=CAMPAIGN).update(
        refreshed_at=CampaignCopy.objects.get(campaign_id=CAMPAIGN).refreshed_at - A_WHILE_AGO
    )  # minutes pass: the copy is older than the record page's minute
    page.reload()

    # The page asked for a refresh; the worker reads today's calls, the values follow in place.
    expect(page.locator(".record-status")).to_contain_text(new_status, timeout=120_000)
    expect(page.locator("#record-current[hx-trigger]")).to_have_count(0)
    browse.assert_no_horizontal_overflow()
    browse.shot("laptop")
    page.set_viewport_size(PHONE)
    browse.assert_no_horizontal_overflow()
    browse.shot("phone")


def test_an_edit_whose_record_was_called_meanwhile_shows_the_change_first(
    browse, supervisor, worker, lang
):
    page, text = browse.page, TEXT[lang]
    record = _unique_record_late_in_the_campaign()
    browse.login(supervisor)
    worker.start()
    browse.goto(f"/campaigns/{CAMPAIGN}/")
    _read_complete()
    browse.goto(f"/campaigns/{CAMPAIGN}/records/{record.identifier}/")
    expect(page.locator(".record-phone")).to_have_text(record.phone_number)

    new_status = _agent_calls(record)  # while the supervisor fills in the form
    # The simulated call picks its outcome at random: the supervisor's choice differs from it.
    chosen = NEW_STATUS_ID if new_status != "Umowa przedłużona" else "10"  # both NO_CALL
    page.locator("select[name=status_id]").select_option(chosen)
    page.locator("#record-send").click()

    notice = page.locator(".changed-meanwhile")
    expect(notice).to_contain_text(text["changed"])
    expect(notice).to_contain_text(new_status)
    expect(page.locator(".record-status")).to_contain_text(new_status)
    assert not AuditEntry.objects.exists()  # nothing was sent
    assert Record.objects.get(pk=record.pk).status.status_id != chosen
    browse.assert_no_horizontal_overflow()
    browse.shot("laptop")
    page.set_viewport_size(PHONE)
    browse.assert_no_horizontal_overflow()
    browse.shot("phone")
    page.set_viewport_size(LAPTOP)

    page.get_by_role("button", name=text["anyway"]).click()
    expect(page.locator(".sent-confirmation")).to_be_visible()
    expect(page.locator("select[name=status_id]")).to_have_value(chosen)
    assert Record.objects.get(pk=record.pk).status.status_id == chosen
