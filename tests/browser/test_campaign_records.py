"""The campaign as a supervisor's workspace, in chromium: its records read on their own, find
a record by a number typed the way people type it, change it, see the records list agree, and
remove the numbers of chosen rows. Screenshots of the new pages on a laptop and a phone, in both
languages."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from campaigns.models import CampaignSnapshot
from tests.browser.conftest import LAPTOP, SCREENSHOTS, wait_for
from thuladmin.bulk.models import BulkJob
from thuladmin.sandbox.models import Record

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CAMPAIGN = "00001"
PHONE = {"width": 390, "height": 844}
# The sandbox seed's record with number 600100200 that the journey opens (there are two).
IDENTIFIER = "1234567801"

TEXT = {
    "en": {
        "taken": "Records as of",
        "two_found": "2 records match “+48 600 100 200”.",
        "to_call": "Do dzwonienia",
        "to_call_kind": "To call",
        "no_call_kind": "Do not call",
        "accepted": f"Thulium accepted the change to record “{IDENTIFIER}”.",
        "records": "Records",
        "show": "Show the records",
        "remove": "Remove these numbers from the campaign…",
    },
    "pl": {
        "taken": "Stan rekordów na",
        "two_found": "2 rekordy pasują do „+48 600 100 200”.",
        "to_call": "Do dzwonienia",
        "to_call_kind": "Do dzwonienia",
        "no_call_kind": "Nie dzwonić",
        "accepted": f"Thulium przyjęło zmianę rekordu „{IDENTIFIER}”.",
        "records": "Rekordy",
        "show": "Pokaż rekordy",
        "remove": "Usuń te numery z kampanii…",
    },
}
NEW_STATUS_ID = "9"  # NO_CALL "Umowa przedłużona": no agent or date needed
NEW_STATUS_NAME = "Umowa przedłużona"


def _snapshot_taken(browse, worker, text) -> None:
    """From the campaign page, which started the copy's first read on its own (nobody presses
    anything, issue 23): let the worker read the records; the section saying how current they
    are updates itself in place until the read is complete."""
    page = browse.page
    worker.start()
    wait_for(
        lambda: CampaignSnapshot.objects.filter(
            campaign_id=CAMPAIGN, state=CampaignSnapshot.State.READY
        ).exists(),
        timeout=20,
    )
    expect(page.locator("#campaign-copy .copy-as-of")).to_contain_text(
        text["taken"], timeout=10_000
    )


def _first_screen(browse, suffix: str) -> None:
    """What the window shows before any scrolling, saved beside the full-page screenshot."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    browse.page.screenshot(path=SCREENSHOTS / f"{browse.name}-{suffix}-fold-{browse.lang}.png")


def test_find_a_record_by_phone_and_change_it(browse, supervisor, worker, lang):
    page, text = browse.page, TEXT[lang]
    browse.login(supervisor)
    browse.goto(f"/campaigns/{CAMPAIGN}/")
    _snapshot_taken(browse, worker, text)

    # The search, typed as a person types a number; htmx swaps the results in place.
    search = page.locator("#record-search-q")
    search.fill("+48 600 100 200")
    search.press("Enter")
    results = page.locator("#search-results")
    expect(results.locator(".search-summary")).to_have_text(text["two_found"])
    expect(results.locator("tbody tr")).to_have_count(2)
    expect(page).to_have_url(re.compile(r"\?q=%2B48"))
    browse.assert_no_horizontal_overflow()
    browse.shot("search")

    results.locator("tbody tr", has_text=IDENTIFIER).get_by_role("link").click()

    # The record page: its current values, the form prefilled with them.
    expect(page).to_have_url(browse.url(f"/campaigns/{CAMPAIGN}/records/{IDENTIFIER}/"))
    expect(page.locator(".record-phone")).to_have_text("600100200")
    expect(page.locator(".record-status")).to_contain_text(text["to_call"])
    expect(page.locator(".record-status")).to_contain_text(text["to_call_kind"])
    expect(page.locator("select[name=status_id]")).to_have_value("1")
    browse.assert_no_horizontal_overflow()
    browse.shot("record")

    page.locator("select[name=status_id]").select_option(NEW_STATUS_ID)
    expect(page.locator(".status-rule")).to_contain_text(text["no_call_kind"])
    page.locator("#record-send").click()
    expect(page.locator(".sent-confirmation")).to_contain_text(text["accepted"])
    expect(page.locator(".sent-json")).to_contain_text(f'"status_id": "{NEW_STATUS_ID}"')
    # The current values follow the change at once.
    expect(page.locator(".record-status")).to_contain_text(NEW_STATUS_NAME)
    assert (
        Record.objects.get(campaign_id=CAMPAIGN, identifier=IDENTIFIER).status.status_id
        == NEW_STATUS_ID
    )
    browse.shot("changed")

    # The records list, filtered by the new status, shows the record in it.
    page.locator("nav.breadcrumb").get_by_role("link", name=text["records"], exact=True).click()
    expect(page).to_have_url(browse.url(f"/campaigns/{CAMPAIGN}/records/"))
    filters = page.locator("details.records-filters")
    if not filters.get_attribute("open"):
        filters.locator("summary").click()
    filters.locator(f"input[name=status][value='{NEW_STATUS_ID}']").check()
    filters.get_by_role("button", name=text["show"]).click()
    expect(page).to_have_url(re.compile(rf"\?status={NEW_STATUS_ID}$"))
    row = page.locator("#records tbody tr", has_text=IDENTIFIER)
    expect(row).to_contain_text(NEW_STATUS_NAME)
    expect(row).to_contain_text(text["no_call_kind"])
    rows = page.locator("#records tbody tr")
    for index in range(rows.count()):
        expect(rows.nth(index)).to_contain_text(NEW_STATUS_NAME)
    browse.assert_no_horizontal_overflow()
    browse.shot()


def test_remove_the_numbers_of_three_chosen_records(browse, supervisor, lang):
    page, text = browse.page, TEXT[lang]
    browse.login(supervisor)
    browse.goto(f"/campaigns/{CAMPAIGN}/records/")

    boxes = page.locator("#records tbody input[type=checkbox][name=number]")
    expect(boxes.first).to_be_visible()
    chosen = []
    for index in (0, 3, 7):
        box = boxes.nth(index)
        box.check()
        chosen.append(box.get_attribute("value"))
    assert len(set(chosen)) == 3
    browse.shot("chosen")

    page.get_by_role("button", name=text["remove"]).click()

    # The usual preview: exactly those three numbers, nothing sent yet.
    expect(page).to_have_url(re.compile(r"/jobs/\d+/$"))
    expect(page.locator(".stats .stat-value").first).to_have_text("3")
    rows = page.locator("#preview-items table.items tbody tr")
    expect(rows).to_have_count(3)
    listed = [rows.nth(index).locator("td code").first.inner_text() for index in range(3)]
    assert sorted(listed) == sorted(chosen)
    job = BulkJob.objects.get()
    assert job.state == BulkJob.State.DRAFT
    assert job.campaign_id == CAMPAIGN
    browse.shot()


def test_on_a_phone_the_chosen_rows_actions_stay_in_reach(browse, supervisor, lang):
    """390 by 844: the list is many screens long. Choosing every row of the page with one box,
    scrolling to the top, and "remove these numbers" is still on the screen."""
    page, text = browse.page, TEXT[lang]
    page.set_viewport_size(PHONE)
    browse.login(supervisor)
    browse.goto(f"/campaigns/{CAMPAIGN}/records/?size=25")

    boxes = page.locator("#records tbody input[name=number]")
    expect(boxes).to_have_count(25)
    remove = page.get_by_role("button", name=text["remove"])
    expect(remove).not_to_be_in_viewport()

    page.locator("input.choose-all").check()
    page.evaluate("window.scrollTo(0, 0)")

    for index in range(25):
        expect(boxes.nth(index)).to_be_checked()
    page.locator("#records tbody tr").first.scroll_into_view_if_needed()
    expect(remove).to_be_in_viewport(ratio=1)
    browse.assert_no_horizontal_overflow()
    browse.shot("chosen-phone")

    page.locator("input.choose-all").uncheck()
    expect(page.locator("#records tbody input[name=number]:checked")).to_have_count(0)


@pytest.mark.parametrize("viewport", ["laptop", "phone"])
def test_campaign_workspace_pages(browse, supervisor, worker, lang, viewport):
    """The campaign page (counts, search), the records list and the record page, as a
    supervisor sees them: the main actions in the first screen, nothing wider than the window."""
    page, text = browse.page, TEXT[lang]
    size = LAPTOP if viewport == "laptop" else PHONE
    page.set_viewport_size(size)
    browse.login(supervisor)
    browse.goto(f"/campaigns/{CAMPAIGN}/")
    _snapshot_taken(browse, worker, text)
    browse.goto(f"/campaigns/{CAMPAIGN}/?q=600100200")

    # Find a record and the two main actions are in the first screen.
    for locator in (
        page.locator("#record-search-q"),
        page.locator(".record-search-form button[type=submit]"),
        page.locator(".campaign-actions a").first,
        page.locator(".campaign-actions a").last,
    ):
        expect(locator).to_be_in_viewport(ratio=1)
    counts = page.locator("table.statuses tbody td.number a")
    expect(counts.first).to_be_visible()
    browse.assert_no_horizontal_overflow()
    browse.shot(f"campaign-{viewport}")
    _first_screen(browse, f"campaign-{viewport}")

    browse.goto(f"/campaigns/{CAMPAIGN}/records/")
    expect(page.locator("#records tbody tr").first).to_be_visible()
    browse.assert_no_horizontal_overflow()
    browse.shot(f"records-{viewport}")
    _first_screen(browse, f"records-{viewport}")

    browse.goto(f"/campaigns/{CAMPAIGN}/records/?status=1&page=2")
    expect(page.locator("nav.pagination")).to_be_visible()
    browse.assert_no_horizontal_overflow()
    browse.shot(f"records-page-2-{viewport}")
    _first_screen(browse, f"records-page-2-{viewport}")

    browse.goto(f"/campaigns/{CAMPAIGN}/records/{IDENTIFIER}/")
    expect(page.locator(".record-values")).to_be_visible()
    browse.assert_no_horizontal_overflow()
    browse.shot(f"record-{viewport}")
    _first_screen(browse, f"record-{viewport}")
