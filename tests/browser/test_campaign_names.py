"""Campaign names in chromium, in both languages: an admin names a campaign on its page, then
finds it labelled "00001 · name" on the campaigns index and on a job's page, at a laptop's and a
phone's size."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from campaigns.bulk.remove_numbers import PHONE_NUMBERS
from thuladmin.bulk.services import bulk_job_draft_create

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CAMPAIGN = "00001"
NAME = "Odnowienia umów — listopad"
LABEL = f"{CAMPAIGN} · {NAME}"
PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1280, "height": 800}

TEXT = {
    "en": {
        "name_it": "Name the campaign",
        "rename": "Rename the campaign",
        "field": "Name",
        "save": "Save the name",
        "blank": "Type a name, or clear the campaign's name with “Clear the name”.",
        "heading": "Campaign",
        "job_heading": f"Preview: remove phone numbers from campaign {LABEL}",
    },
    "pl": {
        "name_it": "Nadaj kampanii nazwę",
        "rename": "Zmień nazwę kampanii",
        "field": "Nazwa",
        "save": "Zapisz nazwę",
        "blank": "Wpisz nazwę albo usuń nazwę kampanii przyciskiem „Usuń nazwę”.",
        "heading": "Kampania",
        "job_heading": f"Podgląd: usuwanie numerów telefonów z kampanii {LABEL}",
    },
}


def _both_sizes(browse, suffix: str) -> None:
    """Screenshots at a laptop's and a phone's size; on the phone nothing goes sideways."""
    page = browse.page
    page.set_viewport_size(LAPTOP)
    browse.assert_no_horizontal_overflow()
    browse.shot(f"{suffix}-laptop")
    page.set_viewport_size(PHONE)
    browse.assert_no_horizontal_overflow()
    browse.shot(f"{suffix}-phone")
    page.set_viewport_size(LAPTOP)


def test_an_admin_names_a_campaign_and_finds_the_label_on_the_index_and_a_job(
    browse, admin_member, lang
):
    page, text = browse.page, TEXT[lang]
    browse.login(admin_member)
    browse.goto(f"/campaigns/{CAMPAIGN}/")
    heading = page.locator("#campaign-name h1")
    expect(heading).to_have_text(f"{text['heading']} {CAMPAIGN}")

    # The form is folded under the heading; a blank name is refused next to the field.
    page.get_by_text(text["name_it"], exact=True).click()
    field = page.get_by_label(text["field"], exact=True)
    field.fill("   ")
    page.get_by_role("button", name=text["save"]).click()
    expect(page.locator("#id_name_error")).to_have_text(text["blank"])
    expect(page.get_by_label(text["field"], exact=True)).to_have_attribute("aria-invalid", "true")
    _both_sizes(browse, "refused")

    # Saved with htmx: the heading names the campaign at once, the page stays where it was.
    page.get_by_label(text["field"], exact=True).fill(NAME)
    page.get_by_role("button", name=text["save"]).click()
    expect(heading).to_have_text(f"{text['heading']} {LABEL}")
    expect(page.get_by_text(text["rename"], exact=True)).to_be_visible()
    expect(page.locator("#id_name_error")).to_have_count(0)
    expect(page).to_have_title(f"{text['heading']} {LABEL} · thuladmin")
    expect(page.locator(".breadcrumb [aria-current=page]")).to_have_text(LABEL)
    page.reload()
    expect(heading).to_have_text(f"{text['heading']} {LABEL}")
    expect(page).to_have_title(f"{text['heading']} {LABEL} · thuladmin")
    _both_sizes(browse, "campaign")

    browse.goto("/campaigns/")
    expect(page.locator(".campaign-summaries").get_by_role("link", name=LABEL)).to_be_visible()
    expect(page.locator(".recent-campaigns").get_by_role("link", name=LABEL)).to_be_visible()
    _both_sizes(browse, "index")

    parsed = PHONE_NUMBERS.parse("600100200\n600100201", options={})
    job = bulk_job_draft_create(
        user=admin_member, kind_name=PHONE_NUMBERS.name, parsed=parsed, campaign_id=CAMPAIGN
    )
    browse.goto(f"/jobs/{job.pk}/")
    expect(page.locator("h1")).to_have_text(text["job_heading"])
    expect(page.locator(".breadcrumb").get_by_role("link", name=LABEL)).to_be_visible()
    _both_sizes(browse, "job")

    browse.goto("/jobs/")
    expect(page.locator("table.jobs")).to_contain_text(LABEL)
    _both_sizes(browse, "jobs")


def test_without_javascript_the_name_form_posts_and_comes_back(browse_without_js, admin_member):
    page, text = browse_without_js.page, TEXT["en"]
    browse_without_js.login(admin_member)
    browse_without_js.goto(f"/campaigns/{CAMPAIGN}/")

    page.get_by_text(text["name_it"], exact=True).click()
    page.get_by_label(text["field"], exact=True).fill("x" * 101)
    page.get_by_role("button", name=text["save"]).click()
    expect(page.locator("#id_name_error")).to_have_text(
        "A name is at most 100 characters; this one has 101."
    )
    page.get_by_label(text["field"], exact=True).fill(NAME)
    page.get_by_role("button", name=text["save"]).click()

    expect(page.locator("#campaign-name h1")).to_have_text(f"Campaign {LABEL}")
    expect(page.locator("#id_name_error")).to_have_count(0)
