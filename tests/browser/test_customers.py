"""Deleting customers, in chromium: an admin's journey with the typed confirmation, and the
option absent for a supervisor."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from thuladmin.sandbox.models import Customer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TEXT = {
    "en": {
        "customers": "Customers",
        "not_the_count": "That is not the count: type 3 to delete these customers.",
        "finished": "finished",
        "deleted": "deleted",
        "forbidden": "You may not open this page",
    },
    "pl": {
        "customers": "Klienci",
        "not_the_count": "To nie ta liczba: wpisz 3, aby usunąć tych klientów.",
        "finished": "zakończone",
        "deleted": "usunięto",
        "forbidden": "Nie masz dostępu do tej strony",
    },
}


def test_delete_customers_as_an_admin(browse, admin_member, worker, lang):
    page, text = browse.page, TEXT[lang]
    thirteen = Customer.objects.get(pk=13)
    browse.login(admin_member)
    browse.goto("/campaigns/")

    page.get_by_role("navigation", name=re.compile("Main|Główna")).get_by_role(
        "link", name=text["customers"], exact=True
    ).click()
    expect(page).to_have_url(browse.url("/customers/"))
    page.locator("textarea[name=text]").fill("13\n14, 15\nabc\n13")
    page.locator("form.items-form button[type=submit]").click()

    # The preview looks every customer up, so the admin sees who is about to go.
    expect(page).to_have_url(re.compile(r"/jobs/\d+/$"))
    rows = page.locator("#preview-items table tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.first).to_contain_text(thirteen.name)
    expect(page.locator("table.refused-items tbody tr")).to_have_count(1)
    confirmation = page.locator("input[name=confirmation]")

    # The count must be typed; a wrong one starts nothing and says what to type.
    confirmation.fill("2")
    confirmation.press("Enter")
    expect(page.locator(".confirm-box .field-error")).to_have_text(text["not_the_count"])
    expect(confirmation).to_have_attribute("aria-invalid", "true")
    assert Customer.objects.filter(pk__in=[13, 14, 15]).count() == 3
    browse.shot("refused")

    page.locator("input[name=confirmation]").fill("3")
    page.locator(".confirm-box button.danger").click()
    worker.start()
    expect(page.locator(".job-state .badge")).to_have_text(text["finished"], timeout=20_000)
    expect(page.locator("table.items tbody tr").first).to_contain_text(text["deleted"])
    assert not Customer.objects.filter(pk__in=[13, 14, 15]).exists()
    browse.shot()


def test_customers_are_not_offered_to_a_supervisor(browse, supervisor, lang):
    page, text = browse.page, TEXT[lang]
    browse.login(supervisor)
    browse.goto("/campaigns/")
    nav = page.get_by_role("navigation", name=re.compile("Main|Główna"))
    expect(nav.get_by_role("link", name=re.compile("Campaigns|Kampanie"))).to_be_visible()
    expect(nav.get_by_role("link", name=text["customers"], exact=True)).to_have_count(0)

    response = browse.goto("/customers/")

    assert response is not None
    assert response.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text(text["forbidden"])
    browse.shot()
