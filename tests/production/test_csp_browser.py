"""The strict Content Security Policy in a real browser: htmx works and nothing is blocked.

A policy that the pages break fails silently for the user (a button that does nothing), so this
drives chromium through the login page and a job's results, whose filters swap content with
htmx, and collects every `securitypolicyviolation` the browser reports.
"""

from __future__ import annotations

import os

# pytest-playwright keeps an asyncio loop running in the test thread (see tests/browser).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from pathlib import Path

import pytest
from django.conf import settings as django_settings
from playwright.sync_api import expect

from campaigns.bulk.remove_numbers import PHONE_NUMBERS
from thuladmin.bulk.runner import JobRunner
from thuladmin.bulk.services import bulk_job_draft_create, bulk_job_start
from thuladmin.sandbox.models import Campaign, Record
from thuladmin.thulium import reset_client

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
# Runs before any page script: every CSP violation the page meets lands in window.__csp.
RECORD_VIOLATIONS = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__csp.push(event.violatedDirective + " " + event.blockedURI);
});
"""


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium)")
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync"],
    }


def test_pages_and_htmx_run_under_the_csp_without_a_violation(
    live_server, settings, page, supervisor
):
    settings.THULIUM_URL = ""
    settings.SANDBOX_URL = live_server.url + "/sandbox/api/"
    settings.BULK_URL_BUDGET_BYTES = 400
    settings.BULK_REQUESTS_PER_SECOND = 0
    reset_client()
    numbers = [f"6{index:08d}" for index in range(60)]
    campaign = Campaign.objects.create(campaign_id="00001", name="CSP", active=True)
    Record.objects.bulk_create(
        Record(campaign=campaign, identifier=f"C{n}", phone_number=n) for n in numbers[:40]
    )
    parsed = PHONE_NUMBERS.parse("\n".join(numbers), options={})
    job = bulk_job_draft_create(
        user=supervisor, kind_name=PHONE_NUMBERS.name, parsed=parsed, campaign_id="00001"
    )
    assert bulk_job_start(job=job, user=supervisor)
    JobRunner(job.pk).run()
    console_errors: list[str] = []
    page.on("console", lambda m: m.type == "error" and console_errors.append(m.text))
    page.add_init_script(RECORD_VIOLATIONS)

    # The login form, filled and sent by the browser.
    response = page.goto(live_server.url + "/accounts/login/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.fill("input[name=username]", "supervisor")
    page.fill("input[name=password]", "pw-supervisor")
    page.locator("form button[type=submit], form input[type=submit]").last.click()
    page.wait_for_load_state()
    assert "/accounts/login/" not in page.url

    # A job's results: htmx is loaded, configured for the CSP, and a filter swaps the list.
    page.goto(f"{live_server.url}/jobs/{job.pk}/")
    assert page.evaluate("typeof htmx") == "object"
    assert page.evaluate("htmx.config.allowEval") is False
    assert page.evaluate("htmx.config.includeIndicatorStyles") is False
    page.evaluate("window.__marker = 'same page'")
    page.locator("a.outcome-filter.outcome-not_exist").click()
    expect(page).to_have_url(f"{live_server.url}/jobs/{job.pk}/?outcome=NOT_EXIST")
    expect(page.locator("a.outcome-filter.outcome-not_exist")).to_have_attribute(
        "aria-current", "true"
    )
    assert page.evaluate("window.__marker") == "same page", "swapped by htmx, not reloaded"

    assert page.evaluate("window.__csp") == []
    assert not [text for text in console_errors if "Content Security Policy" in text]
    assert django_settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]["script-src"] == ["'self'"]
