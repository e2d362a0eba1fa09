"""Removing pasted phone numbers from a campaign, in chromium: paste, preview, confirm, watch
the results arrive, retry the numbers that were in a call, export the results as CSV."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.conf import settings as django_settings
from playwright.sync_api import expect

from thuladmin.bulk.models import BulkJob
from thuladmin.sandbox.models import Record

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CAMPAIGN = "00001"
INVALID_LINES = ["abc", "12", "600-ABC-200", "+4860", "600100200x", "0048", "(+)", "#"]

TEXT = {
    "en": {
        "started": "started: results appear below as Thulium answers.",
        "waiting": "Waiting for a worker to pick the job up…",
        "finished": "finished",
        "retry": "Retry {count} in a call",
        "holds": "holds the items to retry: check the preview and confirm.",
        "in_call": "in a call",
        "in_call_detail": "1 record in a call, not removed.",
        "removed": "removed",
    },
    "pl": {
        "started": "uruchomione: wyniki pojawiają się poniżej, gdy Thulium odpowiada.",
        "waiting": "Czeka, aż proces roboczy podejmie zadanie…",
        "finished": "zakończone",
        "retry": "Ponów: {count} w trakcie rozmowy",
        "holds": "zawiera pozycje do ponowienia: sprawdź podgląd i potwierdź.",
        "in_call": "w trakcie rozmowy",
        "in_call_detail": "1 rekord w trakcie rozmowy, nieusunięty.",
        "removed": "usunięto",
    },
}


def _read_in(page, base_url: str, lang: str) -> None:
    page.context.add_cookies(
        [{"name": django_settings.LANGUAGE_COOKIE_NAME, "value": lang, "url": base_url}]
    )
    page.reload()


def _pasted_lines() -> tuple[list[str], dict[str, int]]:
    """500 lines: every number of the campaign (some in a call, one on two records), some as
    +48 ..., numbers Thulium does not know, a few duplicates and a few invalid lines."""
    numbers = sorted(
        set(Record.objects.filter(campaign_id=CAMPAIGN).values_list("phone_number", flat=True))
    )
    in_call = set(
        Record.objects.filter(campaign_id=CAMPAIGN, in_call=True).values_list(
            "phone_number", flat=True
        )
    )
    duplicates = numbers[:6]
    unknown_count = 500 - len(numbers) - len(duplicates) - len(INVALID_LINES)
    unknown = [f"7{index:08d}" for index in range(unknown_count)]
    lines = [f"+48 {n[:3]} {n[3:6]} {n[6:]}" if i % 10 == 0 else n for i, n in enumerate(numbers)]
    lines += unknown
    # Invalid lines and duplicates scattered through the list, as a real paste has them.
    for position, bad in enumerate(INVALID_LINES):
        lines.insert(40 * position + 7, bad)
    lines += duplicates
    assert len(lines) == 500
    expected = {
        "items": len(numbers) + len(unknown),
        "duplicates": len(duplicates),
        "invalid": len(INVALID_LINES),
        "in_call": len(in_call),
        "removed": len(numbers) - len(in_call),
        "unknown": len(unknown),
    }
    return lines, expected


def _count(page, outcome: str) -> int:
    text = page.locator(f".outcome-filters .outcome-{outcome} .count").inner_text()
    return int(re.sub(r"\D", "", text))


EXPORT_NAME = {
    "en": "job-%s-remove-phone-numbers-from-a-campaign.csv",
    "pl": "zadanie-%s-usuwanie-numerow-telefonow-z-kampanii.csv",
}


def test_remove_pasted_numbers(browse, supervisor, worker, settings, lang):
    page, text = browse.page, TEXT[lang]
    settings.BULK_URL_BUDGET_BYTES = 1500  # several requests, so the job takes a moment
    lines, expected = _pasted_lines()
    assert expected["in_call"] >= 2
    browse.login(supervisor)
    browse.goto(f"/campaigns/{CAMPAIGN}/")

    page.get_by_role(
        "button", name=re.compile("Remove phone numbers|Usuń numery telefonów")
    ).click()
    expect(page).to_have_url(browse.url(f"/campaigns/{CAMPAIGN}/remove-numbers/"))
    page.locator("textarea[name=text]").fill("\n".join(lines))
    page.locator("form.items-form button[type=submit]").click()

    # The preview: counts, the refused lines with their line numbers, nothing sent yet.
    expect(page).to_have_url(re.compile(r"/jobs/\d+/$"))
    job = BulkJob.objects.get()
    stats = page.locator(".stats .stat-value")
    expect(stats.nth(0)).to_have_text(str(expected["items"]))
    expect(stats.nth(1)).to_have_text(str(expected["duplicates"]))
    expect(stats.nth(2)).to_have_text(str(expected["invalid"]))
    refused = page.locator("table.refused-items tbody tr")
    expect(refused).to_have_count(len(INVALID_LINES))
    expect(refused.first).to_contain_text("abc")
    expect(refused.first.locator("td").first).to_have_text("8")  # line 8 of the paste
    assert job.state == BulkJob.State.DRAFT
    browse.shot("preview")

    confirm = page.locator(".confirm-box button.danger")
    expect(confirm).to_contain_text(str(expected["items"]))
    confirm.click()

    # Confirmed: the job waits for a worker; the page says so, then the results come in place.
    expect(page.locator(".flash-messages .notice-success")).to_contain_text(text["started"])
    expect(page.locator(".job-state")).to_contain_text(text["waiting"])
    expect(page.locator(".job-progress progress")).to_be_visible()
    page.evaluate("window.stillTheSamePage = true")
    worker.start()
    expect(page.locator(".job-state .badge")).to_contain_text(text["finished"], timeout=20_000)
    assert page.evaluate("window.stillTheSamePage") is True, "the results should arrive inline"
    expect(page.locator(".job-progress span")).to_have_text("100%")
    assert _count(page, "removed") == expected["removed"]
    assert _count(page, "not_exist") == expected["unknown"]
    assert _count(page, "call_in_progress") == expected["in_call"]
    assert _count(page, "invalid") == expected["invalid"]
    browse.shot("results")

    # Only the numbers in a call, by their filter.
    page.locator(".outcome-filters .outcome-call_in_progress").click()
    rows = page.locator("table.items tbody tr")
    expect(rows).to_have_count(expected["in_call"])
    expect(rows.first).to_contain_text(text["in_call"])
    # Each item's detail is worded in the reader's language when the page is read...
    expect(rows.first.locator("td.detail")).to_have_text(text["in_call_detail"])
    expect(page).to_have_url(re.compile(r"\?outcome=CALL_IN_PROGRESS"))
    browse.shot("in-call")
    # ...so a colleague reading in the other language reads it in theirs.
    other = "pl" if lang == "en" else "en"
    _read_in(page, browse.base_url, other)
    expect(rows.first.locator("td.detail")).to_have_text(TEXT[other]["in_call_detail"])
    _read_in(page, browse.base_url, lang)

    # Every item, with its outcome, as CSV.
    with page.expect_download() as download_info:
        page.locator(".job-actions").get_by_role("button", name=re.compile("CSV")).click()
    download = download_info.value
    # Named in the reader's language, as ASCII.
    assert download.suggested_filename == EXPORT_NAME[lang] % job.pk
    # Polish spreadsheets expect semicolons.
    rows_in_csv = list(
        csv.reader(
            io.StringIO(download.path().read_text(encoding="utf-8-sig")),
            delimiter=";" if lang == "pl" else ",",
        )
    )
    assert len(rows_in_csv) == 1 + expected["items"] + expected["invalid"]
    outcomes = [row[4] for row in rows_in_csv[1:]]
    assert outcomes.count("CALL_IN_PROGRESS") == expected["in_call"]

    # The calls end; retrying the in-call numbers removes them.
    Record.objects.filter(campaign_id=CAMPAIGN, in_call=True).update(in_call=False)
    retry = page.locator(".job-actions button", has_text=re.compile(str(expected["in_call"])))
    expect(retry).to_contain_text(text["retry"].format(count=expected["in_call"]))
    retry.click()
    expect(page.locator(".flash-messages .notice-success")).to_contain_text(text["holds"])
    expect(page.locator(".stats .stat-value").first).to_have_text(str(expected["in_call"]))
    page.locator(".confirm-box button.danger").click()
    expect(page.locator(".job-state .badge")).to_have_text(text["finished"], timeout=20_000)
    assert _count(page, "removed") == expected["in_call"]
    expect(page.locator("table.items tbody tr").first).to_contain_text(text["removed"])
    assert not Record.objects.filter(campaign_id=CAMPAIGN).exists()
    browse.shot()


def test_remove_numbers_with_javascript_off(browse_without_js, supervisor, worker):
    """htmx enhances, it does not carry: paste, preview and confirm work as plain forms, and the
    job page refreshes itself until the job is over."""
    tab = browse_without_js
    page = tab.page
    tab.login(supervisor)
    tab.goto(f"/campaigns/{CAMPAIGN}/")
    page.get_by_role("button", name="Remove phone numbers").click()
    page.locator("textarea[name=text]").fill("600100200\n600 100 210\nn/a\n700000001")
    page.locator("form.items-form button[type=submit]").click()

    expect(page.locator(".stats .stat-value").first).to_have_text("3")
    expect(page.locator("table.refused-items tbody tr")).to_have_count(1)
    page.locator(".confirm-box button.danger").click()
    expect(page.locator(".flash-messages .notice-success")).to_contain_text("started")
    worker.start()

    # No htmx: the page reloads itself (a <noscript> refresh) while the job runs.
    expect(page.locator(".job-state .badge")).to_have_text("finished", timeout=20_000)
    assert _count(page, "removed") == 2
    assert _count(page, "not_exist") == 1
    assert not Record.objects.filter(campaign_id=CAMPAIGN, phone_number="600100200").exists()
    tab.shot()


def test_record_status_rules_with_javascript_off(browse_without_js, supervisor):
    """The status select cannot re-render the form by itself: a button applies its rules."""
    tab = browse_without_js
    page = tab.page
    tab.login(supervisor)
    tab.goto(f"/campaigns/{CAMPAIGN}/")
    page.locator("input[name=identifier]").fill("1234567890")
    page.get_by_role("button", name="Open the record").click()

    page.locator("select[name=status_id]").select_option("5")
    page.get_by_role("button", name="Apply this status's rules").click()
    expect(page.locator(".required-marker")).to_have_count(2)

    page.locator("input[name=agent_login]").fill("a.nowak")
    page.locator("input[name=next_call_date]").fill("2099-05-24T12:30")
    page.locator("#record-send").click()
    expect(page.locator(".flash-messages .notice-success")).to_contain_text("accepted the change")
    assert Record.objects.get(campaign_id=CAMPAIGN, identifier="1234567890").agent_login == (
        "a.nowak"
    )
    tab.shot()
