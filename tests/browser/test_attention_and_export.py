"""Two things a supervisor reached for (issue 25), in chromium, in both languages, on a laptop
and a phone: the header's mark for the jobs that wait for them, which leads to those jobs; and
the records list's "Export as CSV", whose file holds every record the filters match."""

from __future__ import annotations

import csv
import io

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from campaigns.bulk.remove_numbers import PHONE_NUMBERS
from campaigns.models import CampaignSnapshot, SnapshotRecord
from tests.browser.conftest import LAPTOP, SCREENSHOTS, wait_for
from tests.browser.test_layout import HEADER_OVERLAPS
from thuladmin.bulk.models import BulkJob
from thuladmin.bulk.services import bulk_job_draft_create

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CAMPAIGN = "00001"
PHONE = {"width": 390, "height": 844}
VIEWPORTS = {"laptop": LAPTOP, "phone": PHONE}

TEXT = {
    "en": {
        "mark": "2 jobs need your attention",
        "filter": "mine needing attention",
        "export": "Export as CSV",
        "header": [
            "Identifier",
            "Phone number",
            "Status",
            "Agent",
            "Last call",
            "Next call date",
            "Created",
            "As of (Europe/Warsaw)",
        ],
        "to_call": "To call",
        "file": "records-of-campaign-00001-",
        "delimiter": ",",
    },
    "pl": {
        "mark": "2 zadania wymagają Twojej uwagi",
        "filter": "moje wymagające uwagi",
        "export": "Eksportuj do CSV",
        "header": [
            "Identyfikator",
            "Numer telefonu",
            "Status",
            "Agent",
            "Ostatnie połączenie",
            "Data następnego połączenia",
            "Utworzono",
            "Stan na (Europe/Warsaw)",
        ],
        "to_call": "Do dzwonienia",
        "file": "rekordy-kampanii-00001-",
        "delimiter": ";",
    },
}


def _job(user, *, state=BulkJob.State.DRAFT, counts=None) -> BulkJob:
    job = bulk_job_draft_create(
        user=user,
        kind_name=PHONE_NUMBERS.name,
        parsed=PHONE_NUMBERS.parse("600100200\n600100201", options={}),
        campaign_id=CAMPAIGN,
    )
    BulkJob.objects.filter(pk=job.pk).update(
        state=state,
        outcome_counts=counts or {},
        finished_at=timezone.now() if state == "finished" else None,
    )
    return job


def _first_screen(browse, suffix: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    browse.page.screenshot(path=SCREENSHOTS / f"{browse.name}-{suffix}-fold-{browse.lang}.png")


@pytest.mark.parametrize("viewport", sorted(VIEWPORTS))
def test_the_header_marks_the_jobs_that_wait_for_me(browse, supervisor, lang, viewport):
    page, text = browse.page, TEXT[lang]
    page.set_viewport_size(VIEWPORTS[viewport])
    draft = _job(supervisor)
    failed = _job(supervisor, state="finished", counts={"REMOVED": 1, "ERROR": 1})
    _job(supervisor, state="finished", counts={"REMOVED": 2})  # nothing to look at
    browse.login(supervisor)
    browse.goto("/campaigns/")

    mark = page.get_by_role("link", name=text["mark"])
    expect(mark).to_be_visible()
    expect(mark).to_be_in_viewport(ratio=1)
    expect(mark.locator("[aria-hidden=true]")).to_have_text("2")  # the words are for readers
    assert mark.get_attribute("title") == text["mark"]
    # The digit is drawn in a colour of its own, not the background's (it once was invisible).
    colours = mark.evaluate(
        "(e) => { const s = getComputedStyle(e); return [s.color, s.backgroundColor]; }"
    )
    assert colours[0] != colours[1]
    assert "rgba(0, 0, 0, 0)" not in colours
    assert page.evaluate(HEADER_OVERLAPS) == []
    browse.assert_no_horizontal_overflow()
    _first_screen(browse, f"header-{viewport}")

    mark.click()

    expect(page).to_have_url(browse.url("/jobs/?show=mine-attention"))
    expect(page.locator(".job-filters a[aria-current=true]")).to_have_text(text["filter"])
    rows = page.locator("table.jobs tbody tr")
    expect(rows).to_have_count(2)
    listed = [
        rows.nth(index).locator("th a").get_attribute("href") for index in range(rows.count())
    ]
    assert listed == [f"/jobs/{failed.pk}/", f"/jobs/{draft.pk}/"]
    browse.assert_no_horizontal_overflow()
    browse.shot(f"jobs-{viewport}")

    # Once the draft is discarded and the failed job retried... here: both over, nothing left.
    BulkJob.objects.filter(pk=draft.pk).delete()
    BulkJob.objects.filter(pk=failed.pk).update(outcome_counts={"REMOVED": 2})
    browse.goto("/campaigns/")
    expect(page.locator(".attention-mark")).to_have_count(0)


@pytest.mark.parametrize("viewport", sorted(VIEWPORTS))
def test_export_the_filtered_records_list(browse, supervisor, worker, lang, viewport):
    page, text = browse.page, TEXT[lang]
    page.set_viewport_size(VIEWPORTS[viewport])
    browse.login(supervisor)
    browse.goto(f"/campaigns/{CAMPAIGN}/")  # the campaign page starts the copy's first read
    worker.start()
    wait_for(
        lambda: CampaignSnapshot.objects.filter(
            campaign_id=CAMPAIGN, state=CampaignSnapshot.State.READY
        ).exists(),
        timeout=20,
    )

    browse.goto(f"/campaigns/{CAMPAIGN}/records/?system_status=TO_CALL&size=25")
    export = page.get_by_role("button", name=text["export"])
    expect(export).to_be_visible()
    expect(export).to_have_attribute(
        "href", f"/campaigns/{CAMPAIGN}/records/export.csv?system_status=TO_CALL&size=25"
    )
    browse.assert_no_horizontal_overflow()
    _first_screen(browse, f"records-{viewport}")
    browse.shot(f"records-{viewport}")

    with page.expect_download() as download_info:
        export.click()
    download = download_info.value
    assert download.suggested_filename.startswith(text["file"])
    assert download.suggested_filename.endswith(".csv")
    content = download.path().read_bytes().decode("utf-8")
    assert content.startswith("\ufeff")
    lines = list(csv.reader(io.StringIO(content[1:]), delimiter=text["delimiter"]))
    assert lines[0] == text["header"]
    expected = SnapshotRecord.objects.filter(
        snapshot__campaign_id=CAMPAIGN, snapshot__is_current=True, system_status="TO_CALL"
    ).count()
    # Every matching record, not the 25 of the page shown.
    assert len(lines) - 1 == expected > 25
    assert all(text["to_call"] in row[2] for row in lines[1:])
