"""A supervisor's campaign journeys in chromium: log in, read statuses, edit and delete records."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PASSWORD
from thuladmin.sandbox.models import Record

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TEXT = {
    "en": {
        "campaigns": "Campaigns",
        "bulk": "Bulk jobs",
        "audit": "Audit log",
        "active": "Active campaigns",
        "statuses": "Statuses",
        "my_record_meaning": "My record: reserved for one agent until a date",
        "from_status": "— from the chosen status: ",
        "my_record": "My record",
        "fetched": "Fetched from Thulium at",
        "required": "required",
        "agent_needed": "reserves the record for one agent",
        "accepted": "Thulium accepted the change to record “1234567890”.",
        "in_call": "This record is in a call right now, so Thulium did not delete it.",
        "try_again": "Try again",
        "deleted": "Record “1234567800” was deleted from campaign 00001.",
    },
    "pl": {
        "campaigns": "Kampanie",
        "bulk": "Zadania zbiorcze",
        "audit": "Dziennik zmian",
        "active": "Aktywne kampanie",
        "statuses": "Statusy",
        "my_record_meaning": "Mój rekord",
        "from_status": "— z wybranego statusu: ",
        "my_record": "Mój rekord",
        "fetched": "Pobrano z Thulium o",
        "required": "wymagane",
        "agent_needed": "rezerwuje rekord dla jednego agenta",
        "accepted": "Thulium przyjęło zmianę rekordu „1234567890”.",
        "in_call": "Ten rekord jest teraz w trakcie rozmowy, więc Thulium go nie usunęło.",
        "try_again": "Spróbuj ponownie",
        "deleted": "Rekord „1234567800” został usunięty z kampanii 00001.",
    },
}


def test_login(browse, supervisor, lang):
    page, text = browse.page, TEXT[lang]
    browse.goto("/campaigns/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/campaigns/"))
    expect(page.locator("html")).to_have_attribute("lang", lang)

    # The username field has the focus: type, Tab to the password, Enter sends the form.
    expect(page.locator("input[name=username]")).to_be_focused()
    page.keyboard.type(supervisor.username)
    page.keyboard.press("Tab")
    expect(page.locator("input[name=password]")).to_be_focused()
    page.keyboard.type("wrong password")
    page.keyboard.press("Enter")
    expect(page.locator(".notice-error[role=alert]")).to_be_visible()
    expect(page.locator("input[name=username]")).to_have_value(supervisor.username)
    browse.shot("refused")

    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("input[name=password]").press("Enter")

    expect(page).to_have_url(browse.url("/campaigns/"))
    nav = page.get_by_role("navigation", name=re.compile("Main|Główna"))
    expect(nav.get_by_role("link", name=text["campaigns"], exact=True)).to_be_visible()
    expect(nav.get_by_role("link", name=text["bulk"], exact=True)).to_be_visible()
    expect(nav.get_by_role("link", name=text["audit"], exact=True)).to_be_visible()
    expect(page.get_by_role("heading", name=text["active"])).to_be_visible()
    expect(page.locator(".site-header .username")).to_have_text(supervisor.username)
    browse.assert_no_horizontal_overflow()
    browse.shot()


def test_language_switch(browse, supervisor):
    """The EN/PL buttons switch the language in place and keep the page."""
    page = browse.page
    browse.login(supervisor)
    browse.goto("/campaigns/00001/")
    expect(page.get_by_role("heading", name="Statuses")).to_be_visible()

    page.get_by_role("button", name="PL").click()

    expect(page).to_have_url(browse.url("/campaigns/00001/"))
    expect(page.locator("html")).to_have_attribute("lang", "pl")
    expect(page.get_by_role("heading", name="Statusy")).to_be_visible()
    expect(page.get_by_role("button", name="PL")).to_have_attribute("aria-pressed", "true")
    browse.lang = "pl"
    browse.shot()


def test_campaign_statuses(browse, supervisor, lang):
    page, text = browse.page, TEXT[lang]
    browse.login(supervisor)
    browse.goto("/campaigns/")

    page.get_by_role("link", name="00001").first.click()

    expect(page).to_have_url(browse.url("/campaigns/00001/"))
    table = page.locator("table.statuses")
    expect(table.locator("tbody tr")).to_have_count(13)
    my_record = table.locator("tbody tr", has_text="Mój rekord")
    expect(my_record).to_contain_text(text["my_record"])
    expect(my_record.locator("[title]")).to_have_attribute("title", re.compile(text["my_record"]))
    fetched = page.locator(".fetched-at")
    expect(fetched).to_contain_text(text["fetched"])

    # Refresh swaps the statuses in place (htmx): the page is not reloaded.
    page.evaluate("window.stillTheSamePage = true")
    page.get_by_role("button", name=re.compile("Refresh|Odśwież")).click()
    expect(page.locator("table.statuses tbody tr")).to_have_count(13)
    assert page.evaluate("window.stillTheSamePage") is True

    # The campaign now counts as recently opened.
    page.get_by_role("link", name=text["campaigns"], exact=True).first.click()
    expect(page.locator(".recent-campaigns")).to_contain_text("00001")
    browse.goto("/campaigns/00001/")
    browse.shot()


def test_edit_a_record_with_my_records_rules(browse, supervisor, lang):
    """Choosing MY_RECORD makes the agent and the next call date required, on the spot."""
    page, text = browse.page, TEXT[lang]
    browse.login(supervisor)
    browse.goto("/campaigns/00001/")

    page.locator("input[name=identifier]").fill("1234567890")
    page.locator("input[name=identifier]").press("Enter")
    expect(page).to_have_url(browse.url("/campaigns/00001/records/1234567890/edit/"))
    expect(page.locator(".required-marker")).to_have_count(0)

    page.locator("select[name=status_id]").select_option("5")

    # htmx re-renders the form: the two required markers appear, the status keeps its value.
    markers = page.locator(".required-marker")
    expect(markers).to_have_count(2)
    expect(markers.first).to_have_text(text["required"])
    expect(page.locator("select[name=status_id]")).to_have_value("5")
    # The dictionary status stays "from the chosen status", which now names the status's own.
    dictionary = page.locator("select[name=dictionary_status_id]")
    expect(dictionary).to_have_value("")
    expect(dictionary.locator("option:checked")).to_contain_text(text["from_status"])
    expect(page.locator("input[name=dictionary_prefill]")).to_have_value("5")
    expect(page.locator(".status-rule")).to_contain_text(text["my_record_meaning"])

    # Sending without them is refused before anything reaches Thulium.
    page.locator("#record-send").click()
    expect(page.locator(".field-error").first).to_contain_text(text["agent_needed"])
    browse.shot("required")
    assert Record.objects.get(campaign_id="00001", identifier="1234567890").status_id != 5

    page.locator("input[name=agent_login]").fill("a.nowak")
    page.locator("input[name=next_call_date]").fill("2099-05-24T12:30")
    page.locator("#record-send").click()

    expect(page.locator(".sent-confirmation")).to_contain_text(text["accepted"])
    expect(page.locator(".sent-json")).to_contain_text('"agent_login": "a.nowak"')
    expect(page.locator(".sent-json")).to_contain_text('"dictionary_status_id": 5')
    changed = Record.objects.select_related("status").get(
        campaign_id="00001", identifier="1234567890"
    )
    assert changed.status.system_status == "MY_RECORD"
    assert changed.agent_login == "a.nowak"
    browse.shot()


def test_delete_a_record_in_a_call(browse, supervisor, lang):
    """A record in a call is not deleted: the page says so plainly, and offers to try again."""
    page, text = browse.page, TEXT[lang]
    browse.login(supervisor)
    browse.goto("/campaigns/00001/records/1234567891/edit/")

    page.get_by_role("button", name=re.compile("Delete this record|Usuń ten rekord")).click()
    expect(page).to_have_url(browse.url("/campaigns/00001/records/1234567891/delete/"))
    page.locator("#record-delete button[type=submit]").click()

    failure = page.locator(".api-failure[role=alert]")
    expect(failure).to_contain_text(text["in_call"])
    expect(page.locator("#record-delete button[type=submit]")).to_contain_text(text["try_again"])
    assert Record.objects.filter(campaign_id="00001", identifier="1234567891").exists()
    browse.shot()


def test_delete_a_record(browse, supervisor, lang):
    page, text = browse.page, TEXT[lang]
    browse.login(supervisor)
    browse.goto("/campaigns/00001/records/1234567800/delete/")

    page.locator("#record-delete button[type=submit]").click()

    expect(page).to_have_url(browse.url("/campaigns/00001/"))
    expect(page.locator(".flash-messages .notice-success")).to_have_text(text["deleted"])
    assert not Record.objects.filter(campaign_id="00001", identifier="1234567800").exists()
    browse.shot()


def test_the_record_form_names_dictionary_statuses(browse, supervisor, lang):
    """The dictionary status is a choice of names, "from the chosen status" by default, the
    ids only in the options' titles; the form fits a laptop and a phone."""
    page = browse.page
    browse.login(supervisor)
    browse.goto("/campaigns/00001/records/1234567890/edit/")

    dictionary = page.locator("select[name=dictionary_status_id]")
    expect(dictionary).to_have_value("")
    expect(page.locator("input[name=dictionary_status_id]")).to_have_count(0)
    options = dictionary.locator("option")
    assert options.count() > 1
    for index in range(1, options.count()):
        option = options.nth(index)
        assert not re.fullmatch(r"\s*\d+\s*", option.inner_text()), option.inner_text()
        assert re.search(r"\d", option.get_attribute("title") or "")
    for size, name in (
        ({"width": 1280, "height": 800}, "laptop"),
        ({"width": 390, "height": 844}, "phone"),
    ):
        page.set_viewport_size(size)
        browse.assert_no_horizontal_overflow()
        browse.shot(name)
