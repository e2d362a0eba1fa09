"""Every main page on a laptop (1280 by 800) and a tablet (768 by 1024), in both languages: nothing
wider than the window, nothing in the header overlapping, focus always visible, empty states."""

from __future__ import annotations

import itertools
import re

import pytest
from django.utils import translation
from playwright.sync_api import expect

from campaigns.bulk.remove_numbers import PHONE_NUMBERS
from tests.browser.conftest import LAPTOP, TABLET
from thuladmin.bulk.runner import JobRunner
from thuladmin.bulk.services import bulk_job_draft_create, bulk_job_start

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SIZES = {"laptop": LAPTOP, "tablet": TABLET}

# Boxes of the header's links, buttons and name that intersect another one.
HEADER_OVERLAPS = """() => {
  const boxes = [...document.querySelectorAll(
    '.site-header a, .site-header button, .site-header .username')]
    .map(el => [el, el.getBoundingClientRect()])
    .filter(([, r]) => r.width > 0 && r.height > 0);
  const overlaps = [];
  for (let i = 0; i < boxes.length; i++) {
    for (let j = i + 1; j < boxes.length; j++) {
      const [a, r] = boxes[i], [b, s] = boxes[j];
      if (a.contains(b) || b.contains(a)) continue;
      if (r.left < s.right - 1 && s.left < r.right - 1
          && r.top < s.bottom - 1 && s.top < r.bottom - 1)
        overlaps.push(a.textContent.trim() + ' / ' + b.textContent.trim());
    }
  }
  return overlaps;
}"""

# Text cut off by its own box: an element whose content is wider than it and hides the rest.
CLIPPED_TEXT = """() => [...document.querySelectorAll('main *')]
  .filter(el => el.children.length === 0 && el.textContent.trim())
  .filter(el => {
    const style = getComputedStyle(el);
    return style.overflowX === 'hidden' && el.scrollWidth > el.clientWidth + 1
      && !el.closest('.visually-hidden, .row-label, .default-submit');
  })
  .map(el => el.textContent.trim())"""


# Tables that need scrolling sideways to be read: a column cut off at the container's edge.
SCROLLING_TABLES = """() => [...document.querySelectorAll('main .overflow-auto')]
  .filter(el => el.scrollWidth > el.clientWidth + 1)
  .map(el => (el.querySelector('table') || el).className)"""


def _finished_job(user, lang: str):
    """A job as a supervisor working in `lang` leaves it: one item of each common outcome."""
    with translation.override(lang):
        parsed = PHONE_NUMBERS.parse("600100200\n600100211\n700000001\nabc", options={})
        job = bulk_job_draft_create(
            user=user, kind_name=PHONE_NUMBERS.name, parsed=parsed, campaign_id="00001"
        )
        bulk_job_start(job=job, user=user)
    JobRunner(job.pk, language=lang).run()
    return job


@pytest.mark.parametrize("size", SIZES)
def test_layout(browse, admin_member, lang, size):
    page = browse.page
    page.set_viewport_size(SIZES[size])
    job = _finished_job(admin_member, lang)
    browse.login(admin_member)
    pages = {
        "campaigns": "/campaigns/",
        "campaign": "/campaigns/00001/",
        "records": "/campaigns/00001/records/",
        "record": "/campaigns/00001/records/1234567890/edit/",
        "paste": "/campaigns/00001/remove-numbers/",
        "jobs": "/jobs/",
        "job": f"/jobs/{job.pk}/",
        "customers": "/customers/",
        "audit": "/audit/",
    }
    problems = []
    for name, path in pages.items():
        response = browse.goto(path)
        assert response is not None
        assert response.ok, path
        expect(page.locator("html")).to_have_attribute("lang", lang)
        browse.shot(f"{name}-{size}")
        browse.assert_no_horizontal_overflow()
        for check, what in (
            (HEADER_OVERLAPS, "header items overlap"),
            (CLIPPED_TEXT, "text cut off"),
            (SCROLLING_TABLES, "a table is wider than the page"),
        ):
            found = page.evaluate(check)
            if found:
                problems.append(f"{path}: {what}: {found}")
    assert not problems, "\n".join(problems)


def test_empty_states(browse, supervisor, lang):
    """A new supervisor's pages say what will appear there, rather than show empty tables."""
    page = browse.page
    browse.login(supervisor)
    browse.goto("/jobs/")
    expect(page.locator("main p.muted")).to_contain_text(
        "Remove phone numbers" if lang == "en" else "Usuń numery telefonów"
    )
    browse.shot("jobs")
    browse.goto("/audit/")
    expect(page.locator(".audit-empty")).to_be_visible()
    browse.shot("audit")
    browse.goto("/campaigns/")
    expect(page.locator(".campaign-pickers article").last.locator("p.muted")).to_be_visible()
    browse.shot()


# What has the focus after a Tab: its name, where it is, and whether the focus shows.
FOCUSED = """() => {
  const el = document.activeElement;
  if (el === document.body) return null;  // past the last control
  const style = getComputedStyle(el);
  const rect = el.getBoundingClientRect();
  return {
    name: el.name || el.getAttribute('href') || el.textContent.trim(),
    tag: el.tagName.toLowerCase(),
    inMain: !!el.closest('main'),
    top: rect.top + window.scrollY,
    ring: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2
      || style.boxShadow !== 'none',
  };
}"""


def _tab_through(page, presses: int = 60) -> list[dict]:
    """Tab from the top of the page to its last control; each must show its focus."""
    page.keyboard.press("Tab")
    skip = page.locator(".skip-link")
    expect(skip).to_be_focused()
    assert skip.bounding_box()["y"] >= 0, "the skip link must show when focused"
    seen = []
    for _ in range(presses):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        if focused is None:
            break
        assert focused["ring"], f"no visible focus on {focused['name']}"
        seen.append(focused)
    in_main = [item["top"] for item in seen if item["inMain"]]
    assert _reading_order(in_main), f"Tab jumps around: {[item['name'] for item in seen]}"
    return seen


def _reading_order(tops: list[float]) -> bool:
    """Top to bottom, allowing controls side by side on one row."""
    return all(later >= earlier - 60 for earlier, later in itertools.pairwise(tops))


def test_keyboard_reaches_every_control_of_the_record_form(browse, supervisor):
    """Tab reaches every control of the record form in reading order, each with a visible
    focus ring; the skip link comes first and shows itself."""
    page = browse.page
    browse.login(supervisor)
    browse.goto("/campaigns/00001/records/1234567890/edit/")

    names = [item["name"] for item in _tab_through(page)]

    for control in ("status_id", "dictionary_status_id", "agent_login", "next_call_date"):
        assert control in names, f"{control} is not reachable with Tab: {names}"
    assert "fields-0-key" in names
    assert "fields-0-value" in names
    assert names.count("action") >= 3  # remove row, add a field, send (not the hidden default)
    page.locator("select[name=status_id]").focus()
    browse.shot()


def test_paste_and_confirm_with_the_keyboard_only(browse, supervisor, lang):
    page = browse.page
    browse.login(supervisor)
    browse.goto("/campaigns/00001/remove-numbers/")
    names = [item["name"] for item in _tab_through(page)]
    assert names.index("text") < names.index("upload") < names.index("search_in_additional_numbers")

    # Skip link, Enter: the focus moves to the content; Tab on to the list, type, send.
    page.reload()
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    while page.evaluate("document.activeElement.name") != "text":
        page.keyboard.press("Tab")
    page.keyboard.type("600100200\n600 100 210\n")
    page.keyboard.press("Tab")  # upload
    page.keyboard.press("Tab")  # additional numbers
    page.keyboard.press("Space")
    expect(page.locator("input[name=search_in_additional_numbers]")).to_be_checked()
    page.keyboard.press("Tab")
    expect(page.locator("form.items-form button[type=submit]")).to_be_focused()
    page.keyboard.press("Enter")

    expect(page).to_have_url(re.compile(r"/jobs/\d+/(#content)?$"))
    confirm = page.locator(".confirm-box button.danger")
    while page.evaluate("document.activeElement.className") != confirm.get_attribute("class"):
        page.keyboard.press("Tab")
    browse.shot("confirm")
    page.keyboard.press("Enter")
    expect(page.locator(".flash-messages .notice-success")).to_be_visible()
    expect(page.locator(".job-progress progress")).to_be_visible()
    browse.shot()
