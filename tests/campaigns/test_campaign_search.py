"""The campaign page's search, which never needs a step of the supervisor's (issue 23): on a
campaign never read it starts the read and answers from the records read so far, says how much
it has searched, and asks again (htmx polling; a reload without JavaScript) until the number is
found or the read is complete; a complete copy's answer says when its records were true."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from campaigns.models import CampaignCopy, CampaignSnapshot, SnapshotRecord
from tests.campaigns.test_reads import known, queued_reads
from tests.campaigns.test_snapshot import add_pages, sync

pytestmark = pytest.mark.django_db

DETAIL = reverse("campaigns:detail", args=["00001"])
HTMX_SEARCH = {"HX-Request": "true", "HX-Target": "search-results"}
POLLS = 'hx-trigger="every 1s"'


def search_region(html: str) -> str:
    start = html.index('id="search-results"')
    return html[start : html.index("</div>\n", start)]


def visible_text(html: str) -> str:
    """The words a reader sees: no tags, so no attribute (the control's URL says snapshot)."""
    body = html[html.index("<body") :]
    return re.sub(r"<[^>]+>", " ", body)


def first_read(*, read: int, expected: int | None, numbers: tuple[str, ...] = ()) -> None:
    """A first read under way: `read` of `expected` records written, those with `numbers`."""
    reading = CampaignSnapshot.objects.create(
        campaign_id="00001", fetched_count=read, expected_count=expected
    )
    for index, number in enumerate(numbers, start=1):
        SnapshotRecord.objects.create(
            snapshot=reading,
            record_id=str(index),
            identifier=f"id-{index}",
            phone_number=number,
            phone_normalised=number,
            status_id="1",
            status_name="New",
            system_status="TO_CALL",
        )


def test_a_search_on_a_campaign_never_read_starts_the_read_and_waits_for_it(
    thulium, supervisor_client, django_capture_on_commit_callbacks
):
    known(thulium, "00001")

    with django_capture_on_commit_callbacks(execute=True):
        response = supervisor_client.get(DETAIL, {"q": "+48 600 100 013"})

    html = response.content.decode()
    region = search_region(html)
    assert queued_reads() == 1
    assert "No record matches “+48 600 100 013” yet." in region
    assert "records from Thulium…" in region
    assert POLLS in region
    assert f'hx-get="{DETAIL}?q=%2B48%20600%20100%20013"' in region
    assert f'href="{DETAIL}?q=%2B48%20600%20100%20013">Search again</a>' in region
    assert '<noscript><meta http-equiv="refresh" content="3"></noscript>' in html
    assert "snapshot" not in visible_text(html).lower()
    assert "take one below" not in html


def test_during_the_first_read_the_search_says_how_much_it_searched_and_asks_again(
    thulium, supervisor_client, django_assert_num_queries
):
    first_read(read=40_000, expected=100_000)
    supervisor_client.get(DETAIL, {"q": "600100013"}, headers=HTMX_SEARCH)  # warms the session

    # A poll every two seconds from every waiting tab: the session and the user, the copy's
    # row and generations (the touch), the generations again and one index lookup per column
    # (the search); nothing written, no Thulium request.
    with django_assert_num_queries(9):
        response = supervisor_client.get(DETAIL, {"q": "600100013"}, headers=HTMX_SEARCH)

    html = response.content.decode()
    assert "<html" not in html  # only the region, which replaces itself
    assert html.strip().startswith('<div id="search-results"')
    assert "Searched 40,000 of 100,000 records, still reading." in html
    assert POLLS in html
    assert "HX-Request" in response["Vary"]


def test_the_number_read_on_a_later_page_appears_and_the_polling_stops(thulium, supervisor_client):
    first_read(read=60_000, expected=100_000, numbers=("600100013",))

    response = supervisor_client.get(DETAIL, {"q": "+48 600-100-013"}, headers=HTMX_SEARCH)

    html = response.content.decode()
    assert "1 record matches “+48 600-100-013”." in html
    assert "600100013" in html
    assert "Searched 60,000 of 100,000 records, still reading." in html
    assert POLLS not in html  # found: the answer stands


def test_a_polish_supervisor_reads_the_progress_in_polish(thulium, supervisor_client):
    first_read(read=40_000, expected=100_000)

    response = supervisor_client.get(
        DETAIL, {"q": "600100013"}, headers={**HTMX_SEARCH, "Accept-Language": "pl"}
    )

    html = response.content.decode()
    assert "Przeszukano 40\xa0000 z 100\xa0000 rekordów, trwa odczyt." in html
    assert "Żaden rekord nie pasuje jeszcze do „600100013”." in html
    assert "Szukaj ponownie" in html


def test_a_complete_copy_answers_as_of_its_time_and_never_polls(thulium, supervisor_client):
    add_pages(thulium, 3)
    sync()
    as_of = timezone.now() - timedelta(seconds=30)
    CampaignCopy.objects.update_or_create(
        campaign_id="00001",
        defaults={"refreshed_at": as_of, "opened_at": timezone.now(), "refresh_token": "t"},
    )
    SnapshotRecord.objects.filter(record_id="2").update(
        phone_number="600100013", phone_normalised="600100013"
    )
    time = timezone.localtime(as_of).strftime("%H:%M")

    found = supervisor_client.get(DETAIL, {"q": "600 100 013"}, headers=HTMX_SEARCH)
    missing = supervisor_client.get(DETAIL, {"q": "600999999"}, headers=HTMX_SEARCH)
    polish = supervisor_client.get(
        DETAIL, {"q": "600999999"}, headers={**HTMX_SEARCH, "Accept-Language": "pl"}
    )

    assert f"Records as of {time}." in found.content.decode()
    assert POLLS not in found.content.decode()
    assert f"No record matches “600999999” (records as of {time})." in missing.content.decode()
    assert POLLS not in missing.content.decode()
    assert f"(stan rekordów na {time})" in polish.content.decode()


def test_a_read_refused_is_said_in_the_search_and_nothing_polls(
    thulium, settings, supervisor_client, supervisor
):
    settings.CAMPAIGN_READS_PER_USER = 1
    known(thulium, "00001", "00002")
    supervisor_client.get(reverse("campaigns:detail", args=["00002"]))  # the user's one read

    response = supervisor_client.get(DETAIL, {"q": "600100013"})

    region = search_region(response.content.decode())
    assert "You already have 1 campaign being read" in region
    assert POLLS not in region
    assert "Search again" in region


def test_the_campaign_page_says_how_current_its_records_are_and_offers_a_read_now(
    thulium, supervisor_client
):
    add_pages(thulium, 3)
    sync()
    as_of = timezone.now() - timedelta(seconds=30)
    CampaignCopy.objects.update_or_create(
        campaign_id="00001",
        defaults={"refreshed_at": as_of, "opened_at": timezone.now(), "refresh_token": "t"},
    )
    known(thulium, "00001")

    html = supervisor_client.get(DETAIL).content.decode()

    time = timezone.localtime(as_of).strftime("%H:%M")
    section = html[html.index('id="campaign-copy"') :]
    assert f"Records as of {time}, kept current while the campaign is in use." in section
    assert "Read the campaign again now" in section
    assert POLLS not in section
    assert "snapshot" not in visible_text(html).lower()
