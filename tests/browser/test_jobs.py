"""Bulk jobs in chromium: the job page on a phone, cancelling a running job, and the jobs list's
"needs attention" filter, in both languages."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from campaigns.bulk.remove_numbers import PHONE_NUMBERS
from thuladmin.bulk.models import BulkJob
from thuladmin.bulk.runner import JobRunner
from thuladmin.bulk.services import bulk_job_draft_create, bulk_job_start
from thuladmin.sandbox.models import Record

from .conftest import wait_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CAMPAIGN = "00001"
PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1280, "height": 800}


def _campaign_numbers() -> list[str]:
    return sorted(
        set(Record.objects.filter(campaign_id=CAMPAIGN).values_list("phone_number", flat=True))
    )


def _draft(user, lines: list[str]) -> BulkJob:
    parsed = PHONE_NUMBERS.parse("\n".join(lines), options={})
    return bulk_job_draft_create(
        user=user, kind_name=PHONE_NUMBERS.name, parsed=parsed, campaign_id=CAMPAIGN
    )


def _both_sizes(browse, suffix: str) -> None:
    """Screenshots at a laptop's and a phone's size; on the phone nothing goes sideways."""
    page = browse.page
    page.set_viewport_size(LAPTOP)
    browse.assert_no_horizontal_overflow()
    browse.shot(f"{suffix}-laptop")
    page.set_viewport_size(PHONE)
    browse.assert_no_horizontal_overflow()
    browse.shot(f"{suffix}-phone")
    _top_shot(browse, f"{suffix}-phone-top")


def _top_shot(browse, suffix: str) -> None:
    """What a phone shows without scrolling, and a little more: to look at the rows closely."""
    top = browse.shot(suffix)
    browse.page.screenshot(path=top, full_page=True, clip={"x": 0, "y": 0, **PHONE, "height": 1500})


def _rows_are_compact(page, selector: str, most: int) -> float:
    heights = page.eval_on_selector_all(
        selector, "rows => rows.map(row => row.getBoundingClientRect().height)"
    )
    assert heights
    average = sum(heights) / len(heights)
    assert average <= most, f"{selector}: {average:.0f} px a row on a phone"
    return average


def _no_label_overlaps_its_value(page, selector: str) -> None:
    """Each cell's label (its ::before) and its value stay side by side or one above the other,
    never on top of each other: the cell is at least as wide as what it holds."""
    overlapping = page.eval_on_selector_all(
        selector,
        """cells => cells
            .filter(cell => cell.offsetParent !== null && cell.scrollWidth > cell.clientWidth + 1)
            .map(cell => cell.outerHTML.slice(0, 80))""",
    )
    assert not overlapping, overlapping


def _above_the_fold(page, selector: str) -> None:
    box = page.locator(selector).first.bounding_box()
    assert box is not None, selector
    assert box["y"] + box["height"] <= PHONE["height"], (selector, box)


def test_job_pages_on_a_phone(browse, supervisor, worker, lang):
    page = browse.page
    numbers = _campaign_numbers()
    unknown = [f"7{index:08d}" for index in range(100 - len(numbers))]
    lines = [f"+48 {n[:3]} {n[3:6]} {n[6:]}" if i % 7 == 0 else n for i, n in enumerate(numbers)]
    job = _draft(supervisor, [*lines, *unknown, "abc", "12"])
    browse.login(supervisor)

    page.set_viewport_size(PHONE)
    browse.goto(f"/jobs/{job.pk}/")
    _above_the_fold(page, ".confirm-box button.danger")
    # Two lines a number: the number, then the records it holds in the campaign copy.
    _rows_are_compact(page, "#preview-items table.items tbody tr", most=64)
    _no_label_overlaps_its_value(page, "table.items td")
    _both_sizes(browse, "preview")

    assert bulk_job_start(job=job, user=supervisor)
    worker.start()
    page.set_viewport_size(PHONE)
    browse.goto(f"/jobs/{job.pk}/")
    expect(page.locator(".job-state .badge")).to_contain_text(
        "need" if lang == "en" else "wymaga", timeout=20_000
    )
    for action in (".job-actions button", ".job-actions a[download]"):
        _above_the_fold(page, action)
    _both_sizes(browse, "results")
    page.set_viewport_size(PHONE)
    average = _rows_are_compact(page, "#job-results table.items tbody tr", most=66)
    _no_label_overlaps_its_value(page, "table.items td")
    height = page.evaluate("document.documentElement.scrollHeight")
    # 100 rows: the issue measured 27,600 px of cards.
    assert height < 9000, (height, average)


CANCEL_TEXT = {
    "en": {"cancel": "Cancel", "notice": "Thulium", "cancelled": "cancelled"},
    "pl": {"cancel": "Anuluj", "notice": "Thulium", "cancelled": "anulowane"},
}


def test_cancel_a_running_job(browse, supervisor, worker, settings, lang):
    """Cancelled at the first results: what was not sent never reaches Thulium (every cancelled
    number is still in the campaign), what was on the wire keeps its real outcome."""
    page, text = browse.page, CANCEL_TEXT[lang]
    settings.SANDBOX_LATENCY_MS = 400
    settings.BULK_URL_BUDGET_BYTES = 400  # about 14 numbers a request: many requests
    settings.BULK_PARALLEL_REQUESTS = 1
    job = _draft(supervisor, _campaign_numbers())
    browse.login(supervisor)
    assert bulk_job_start(job=job, user=supervisor)
    browse.goto(f"/jobs/{job.pk}/")
    worker.start()

    wait_for(lambda: job.chunks.filter(state="done").exists(), timeout=20)
    page.locator(".job-actions").get_by_role("button", name=text["cancel"]).click()

    notice = page.locator("#job-results .notice")
    expect(notice).to_contain_text(text["notice"])
    expect(page.locator(".job-state .badge")).to_have_text(text["cancelled"], timeout=20_000)
    job.refresh_from_db()
    cancelled = list(job.items.filter(outcome="CANCELLED").values_list("value", flat=True))
    assert cancelled, "the job should have been cancelled well before its end"
    still_there = Record.objects.filter(campaign_id=CAMPAIGN, phone_number__in=cancelled)
    assert still_there.values("phone_number").distinct().count() == len(cancelled)
    assert not job.items.filter(outcome="PENDING").exists()
    assert job.items.filter(outcome="REMOVED").exists()
    expect(page.locator(".outcome-filters .outcome-cancelled .count")).to_have_text(
        re.compile(r"\d")
    )
    _both_sizes(browse, "")


ATTENTION_TEXT = {
    "en": {"filter": "needs attention", "badge": "finished — 5 need attention", "all": "all"},
    "pl": {"filter": "wymaga uwagi", "badge": "zakończone — 5 wymaga uwagi", "all": "wszystkie"},
}


def _over(user, numbers: list[str], counts: dict[str, int]) -> BulkJob:
    job = _draft(user, numbers)
    BulkJob.objects.filter(pk=job.pk).update(state="finished", outcome_counts=counts)
    return job


def test_jobs_list_attention_filter(browse, supervisor, admin_member, lang):
    page, text = browse.page, ATTENTION_TEXT[lang]
    numbers = _campaign_numbers()
    in_call = _over(supervisor, numbers[:20], {"REMOVED": 15, "CALL_IN_PROGRESS": 5})
    _over(supervisor, numbers[20:30], {"REMOVED": 10})
    colleagues = _over(admin_member, numbers[30:40], {"REMOVED": 5, "ERROR": 5})
    _draft(supervisor, numbers[40:45])
    browse.login(supervisor)
    browse.goto("/jobs/")
    rows = page.locator("table.jobs tbody tr")
    expect(rows).to_have_count(4)
    expect(rows.filter(has_text=text["badge"])).to_have_count(2)
    page.evaluate("window.stillTheSamePage = true")

    page.locator(".job-filters").get_by_role("link", name=text["filter"]).click()

    expect(page).to_have_url(re.compile(r"\?show=attention$"))
    expect(rows).to_have_count(2)
    assert page.evaluate("window.stillTheSamePage") is True, "htmx swaps the list in place"
    links = rows.locator("th a")
    expect(links.nth(0)).to_have_attribute("href", f"/jobs/{colleagues.pk}/")
    expect(links.nth(1)).to_have_attribute("href", f"/jobs/{in_call.pk}/")
    expect(rows.nth(0)).to_contain_text("adam.admin")
    _both_sizes(browse, "attention")

    # The back button brings every job back.
    page.go_back()
    expect(page).to_have_url(browse.url("/jobs/"))
    expect(rows).to_have_count(4)


def test_jobs_list_attention_filter_without_javascript(browse_without_js, supervisor):
    tab = browse_without_js
    page = tab.page
    numbers = _campaign_numbers()
    _over(supervisor, numbers[:20], {"REMOVED": 15, "UNCERTAIN": 5})
    _over(supervisor, numbers[20:30], {"REMOVED": 10})
    tab.login(supervisor)
    tab.goto("/jobs/")

    page.locator(".job-filters").get_by_role("link", name="needs attention").click()

    expect(page).to_have_url(re.compile(r"\?show=attention$"))
    expect(page.locator("table.jobs tbody tr")).to_have_count(1)
    tab.shot()


LATER_TEXT = {
    "en": {"schedule": "Schedule the retry", "scheduled": "scheduled", "cancel": "Cancel"},
    "pl": {"schedule": "Zaplanuj ponowienie", "scheduled": "zaplanowane", "cancel": "Anuluj"},
}


def test_retry_the_numbers_in_a_call_later(browse, supervisor, worker, lang):
    page, text = browse.page, LATER_TEXT[lang]
    in_call = set(
        Record.objects.filter(campaign_id=CAMPAIGN, in_call=True).values_list(
            "phone_number", flat=True
        )
    )
    job = _draft(supervisor, _campaign_numbers()[:60] + sorted(in_call))
    assert bulk_job_start(job=job, user=supervisor)
    worker.start()
    wait_for(lambda: BulkJob.objects.get(pk=job.pk).is_over, timeout=20)
    browse.login(supervisor)
    page.set_viewport_size(PHONE)
    browse.goto(f"/jobs/{job.pk}/")
    form = page.locator("form.retry-later")
    expect(form.locator("legend")).to_contain_text(str(len(in_call)))
    browse.assert_no_horizontal_overflow()
    _top_shot(browse, "form-phone-top")

    form.locator("input[name=minutes]").fill("500")
    form.get_by_role("button", name=text["schedule"]).click()
    expect(page.locator("form.retry-later .field-error")).to_be_visible()
    page.locator("form.retry-later input[name=minutes]").fill("30")
    page.locator("form.retry-later").get_by_role("button", name=text["schedule"]).click()

    expect(page.locator(".job-state .badge")).to_have_text(text["scheduled"])
    follow_up = BulkJob.objects.exclude(pk=job.pk).get()
    expect(page).to_have_url(browse.url(f"/jobs/{follow_up.pk}/"))
    assert follow_up.items.count() == len(in_call)
    _both_sizes(browse, "scheduled")

    page.locator(".job-actions").get_by_role("button", name=text["cancel"]).click()
    expect(page.locator(".job-state .badge")).to_have_text(
        "cancelled" if lang == "en" else "anulowane"
    )
    follow_up.refresh_from_db()
    assert set(follow_up.items.values_list("outcome", flat=True)) == {"CANCELLED"}


SEARCH_TEXT = {
    "en": {"found": "1 item matches", "removed": "removed", "every": "Show every item"},
    "pl": {"found": "1 pozycja pasuje", "removed": "usunięto", "every": "Pokaż wszystkie pozycje"},
}


def _ran(user, lines: list[str]) -> BulkJob:
    job = _draft(user, lines)
    assert bulk_job_start(job=job, user=user)
    JobRunner(job.pk).run()
    return job


def test_find_a_number_on_the_job_page(browse, supervisor, lang):
    page, text = browse.page, SEARCH_TEXT[lang]
    numbers = _campaign_numbers()[:30]
    job = _ran(supervisor, numbers)
    wanted = numbers[7]
    browse.login(supervisor)
    browse.goto(f"/jobs/{job.pk}/")
    rows = page.locator("#job-results table.items tbody tr")
    expect(rows).to_have_count(30)
    page.evaluate("window.stillTheSamePage = true")

    search = page.locator("input[name=q]")
    search.fill(f"+48 {wanted[:3]} {wanted[3:6]} {wanted[6:]}")
    search.press("Enter")

    expect(page).to_have_url(re.compile(rf"/jobs/{job.pk}/\?q=%2B48"))
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(wanted)
    expect(rows.first).to_contain_text(text["removed"])
    expect(page.locator(".job-search-found")).to_contain_text(text["found"])
    assert page.evaluate("window.stillTheSamePage") is True, "htmx swaps the results in place"
    _both_sizes(browse, "search")

    page.set_viewport_size(LAPTOP)
    page.get_by_role("link", name=text["every"]).click()
    expect(rows).to_have_count(30)
    expect(page).to_have_url(browse.url(f"/jobs/{job.pk}/"))


def test_find_a_number_on_the_job_page_without_javascript(browse_without_js, supervisor):
    tab = browse_without_js
    page = tab.page
    numbers = _campaign_numbers()[:10]
    job = _ran(supervisor, numbers)
    tab.login(supervisor)
    tab.goto(f"/jobs/{job.pk}/")

    page.locator("input[name=q]").fill(numbers[3])
    page.get_by_role("button", name="Find").click()

    expect(page).to_have_url(re.compile(rf"/jobs/{job.pk}/\?q={numbers[3]}$"))
    expect(page.locator("#job-results table.items tbody tr")).to_have_count(1)
    tab.shot()
