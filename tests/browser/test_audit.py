"""The audit log in chromium: a supervisor finds the job that removed a phone number."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from campaigns.bulk.remove_numbers import PHONE_NUMBERS
from thuladmin.audit.models import AuditEntry
from thuladmin.audit.services import audit_entry_create
from thuladmin.bulk.models import BulkJob
from thuladmin.bulk.runner import JobRunner
from thuladmin.bulk.services import bulk_job_draft_create, bulk_job_start

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NUMBER = "600100210"
PHONE = {"width": 390, "height": 844}


def _remove_numbers(user, text: str) -> BulkJob:
    parsed = PHONE_NUMBERS.parse(text, options={})
    job = bulk_job_draft_create(
        user=user, kind_name=PHONE_NUMBERS.name, parsed=parsed, campaign_id="00001"
    )
    assert bulk_job_start(job=job, user=user)
    JobRunner(job.pk).run()
    return job


JOB = {"en": "job %s", "pl": "zadanie %s"}
JOB_FACTS = {"en": "2 removed", "pl": "2 usunięte"}


def test_find_a_removed_number_in_the_audit_log(browse, supervisor, lang):
    job = _remove_numbers(supervisor, f"{NUMBER}\n600100200")
    _remove_numbers(supervisor, "700000001")  # another job, which must not match
    browse.login(supervisor)
    browse.goto("/campaigns/")
    page = browse.page

    page.get_by_role("link", name=re.compile("Audit log|Dziennik zmian")).click()
    expect(page).to_have_url(browse.url("/audit/"))
    rows = page.locator("table.audit-entries tbody tr")
    expect(rows).to_have_count(4)  # two jobs, each started and finished

    search = page.locator("input[name=q]")
    search.fill("600 100 210")
    search.press("Enter")

    expect(page).to_have_url(re.compile(r"/audit/\?q=600"))
    expect(rows).to_have_count(2)
    # Actions in words, in the reader's language.
    expect(rows.first).to_contain_text(
        re.compile("Remove phone numbers from a campaign: finished|z kampanii: zakończono")
    )
    expect(rows.last).to_contain_text(
        re.compile("Remove phone numbers from a campaign: started|z kampanii: rozpoczęto")
    )
    # The job named in the reader's words, not the stored "job 3".
    expect(rows.first).to_contain_text(JOB[lang] % job.pk)

    # The entry says what happened in the job in words: no HTTP status, its real size.
    rows.first.locator("a").first.click()
    expect(page).to_have_url(re.compile(r"/audit/\d+/$"))
    facts = page.locator("dl.audit-facts")
    expect(facts).to_contain_text(JOB_FACTS[lang])
    expect(facts).not_to_contain_text("HTTP")
    expect(page.locator("h1")).to_contain_text(JOB[lang] % job.pk)
    for size, name in (({"width": 1280, "height": 800}, "laptop"), (PHONE, "phone")):
        page.set_viewport_size(size)
        browse.assert_no_horizontal_overflow()
        browse.shot(f"job-entry-{name}")
    page.set_viewport_size({"width": 1280, "height": 800})
    page.get_by_role("link", name=re.compile(f"{job.pk}")).first.click()
    expect(page).to_have_url(re.compile(rf"/jobs/{job.pk}/"))
    expect(page.locator("table.items")).to_contain_text(NUMBER)
    browse.goto(f"/audit/?q={NUMBER}")
    browse.shot()

    # Beside each entry of the job, the number's own outcome, linking to its row in the job.
    item_link = rows.first.locator("a.audit-item-link")
    expect(item_link).to_contain_text(re.compile("removed|usunięto"))
    for size, name in (({"width": 1280, "height": 800}, "laptop"), (PHONE, "phone")):
        page.set_viewport_size(size)
        browse.assert_no_horizontal_overflow()
        browse.shot(f"search-{name}")
    item_link.click()
    expect(page).to_have_url(re.compile(rf"/jobs/{job.pk}/\?q={NUMBER}#item-\d+$"))
    expect(page.locator("#job-results table.items tbody tr")).to_have_count(1)
    expect(page.locator("#job-results tr:target")).to_contain_text(NUMBER)
    browse.shot("item-row")


FINISHED = {
    "en": "Remove phone numbers from a campaign: finished",
    "pl": "Usuwanie numerów telefonów z kampanii: zakończono",
}


def test_pick_an_action_from_the_list(browse, supervisor, lang):
    _remove_numbers(supervisor, NUMBER)
    browse.login(supervisor)
    browse.goto("/audit/")
    page = browse.page
    rows = page.locator("table.audit-entries tbody tr")
    expect(rows).to_have_count(2)

    # A select of actions in words, in the reader's language; the URL carries the code.
    page.locator("select[name=action]").select_option(label=FINISHED[lang])

    expect(page).to_have_url(re.compile(r"/audit/\?action=bulk\.phone_numbers\.finish$"))
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(FINISHED[lang])
    browse.shot()


def test_pick_an_action_without_javascript(browse_without_js, supervisor):
    _remove_numbers(supervisor, NUMBER)
    browse_without_js.login(supervisor)
    browse_without_js.goto("/audit/")
    page = browse_without_js.page

    page.locator("select[name=action]").select_option(label=FINISHED["en"])
    page.get_by_role("button", name="Show entries").click()

    expect(page).to_have_url(re.compile(r"action=bulk\.phone_numbers\.finish"))
    expect(page.locator("table.audit-entries tbody tr")).to_have_count(1)
    # A code no one can pick is refused next to the field.
    browse_without_js.goto("/audit/?action=record.explode")
    expect(page.locator("#id_action_error")).to_have_text("Pick an action from the list.")


BEFORE_TEXT = {"en": {"date": "Jan. 2, 2099, 8:30 a.m."}, "pl": {"date": "2 stycznia 2099 08:30"}}


def test_a_record_edit_reads_before_and_sent(browse, supervisor, lang):
    entry = audit_entry_create(
        actor=supervisor,
        action="record.update",
        outcome=AuditEntry.Outcome.SUCCESS,
        campaign_id="00001",
        target="1234567890",
        phone="516 659 233",
        request={
            "status_id": "7",
            "dictionary_status_id": 7,
            "agent_login": "j.doe",
            "next_call_date": "2099-05-24 12:24",
        },
        before={
            "source": "snapshot",
            "as_of": "2026-11-30T10:00:00+00:00",
            "values": {
                "status_id": "3",
                "status_name": "Contact needed",
                "system_status": "CALL",
                "agent_login": "a.nowak",
                "agent_name": "Anna Nowak",
                "next_call_date": "2099-01-02 08:30:00",
            },
            "sent_status_name": "Later",
            "sent_system_status": "CALL_NO_SOONER_THAN",
            "sent_dictionary_status_name": "Later",
        },
    )
    browse.login(supervisor)
    # Found by the record's phone number, which the entry keeps beside its identifier.
    browse.goto("/audit/?q=516+659+233")
    page = browse.page
    expect(page.locator("table.audit-entries tbody tr")).to_have_count(1)
    for size, name in (({"width": 1280, "height": 800}, "laptop"), (PHONE, "phone")):
        page.set_viewport_size(size)
        browse.assert_no_horizontal_overflow()
        browse.shot(f"list-{name}")
    page.set_viewport_size({"width": 1280, "height": 800})
    page.locator("table.audit-entries tbody tr a").first.click()
    expect(page).to_have_url(browse.url(f"/audit/{entry.pk}/"))
    expect(page.locator("dl.audit-facts")).to_contain_text("516659233")
    rows = page.locator("table.audit-change-table tbody tr")

    expect(rows).to_have_count(4)
    # Statuses in words: the name, then the kind; the id only in the title.
    expect(rows.nth(0)).to_contain_text("Contact needed")
    expect(rows.nth(0)).to_contain_text("Later")
    expect(rows.nth(0).locator(".status .system-status")).to_have_count(2)
    expect(rows.nth(0)).not_to_contain_text("(status")
    expect(rows.nth(0).locator(".status").first).to_have_attribute(
        "title", re.compile(r"(Status id|ID statusu) 3$")
    )
    # The dictionary status by its name too, its id in the title.
    expect(rows.nth(1).locator(".status")).to_have_text("Later")
    expect(rows.nth(1).locator(".status")).to_have_attribute(
        "title", re.compile(r"(Dictionary status id|ID statusu słownikowego) 7$")
    )
    expect(rows.nth(2)).to_contain_text("Anna Nowak (a.nowak)")
    expect(rows.nth(3)).to_contain_text(BEFORE_TEXT[lang]["date"])
    # No JSON until it is asked for.
    expect(page.locator("details.audit-raw pre").first).not_to_be_visible()
    for size, name in (({"width": 1280, "height": 800}, "laptop"), (PHONE, "phone")):
        page.set_viewport_size(size)
        browse.assert_no_horizontal_overflow()
        # The table itself fits too: its "Sent" column is not cut off at the screen's edge.
        table = page.locator(".audit-changes .overflow-auto")
        assert table.evaluate("el => el.scrollWidth <= el.clientWidth + 1"), name
        browse.shot(name)
