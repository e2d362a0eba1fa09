"""The campaign workspace's pages as the browser gets them: the campaign page's queries stay
constant however many statuses and records there are, a change sent with htmx refreshes the
record's current values, the list's address keeps only the filters in use, and the page reload
for a browser without JavaScript never reaches a polled fragment."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from campaigns.models import CampaignSnapshot, SnapshotRecord
from tests.campaigns.conftest import THULIUM_URL
from tests.campaigns.test_snapshot import RECORDS_URL, STATUSES_URL, api_record

pytestmark = pytest.mark.django_db

DETAIL_URL = reverse("campaigns:detail", args=["00001"])
LIST_URL = reverse("campaigns:records", args=["00001"])
# Session, user, role; the copy's touch (its row, its generations); the search (its
# generations, then the phone, identifier and agent lookups); the recent campaign (select and
# update, trim, in two savepoints); the snapshot section (latest); the header's count of the
# user's jobs needing attention: never one per status or per row.
# (and the campaigns' names (once, for the heading, the title and the breadcrumb))
CAMPAIGN_PAGE_QUERIES = 19


def _statuses(count: int) -> list[dict]:
    return [
        {
            "system_status": "TO_CALL",
            "status_id": str(number),
            "dictionary_status_id": None,
            "name": f"Status {number}",
        }
        for number in range(1, count + 1)
    ]


def _snapshot(records: int) -> CampaignSnapshot:
    snapshot = CampaignSnapshot.objects.create(
        campaign_id="00001", state="ready", is_current=True, finished_at=timezone.now()
    )
    SnapshotRecord.objects.bulk_create(
        SnapshotRecord(
            snapshot=snapshot,
            record_id=str(number),
            identifier=f"id-{number}",
            # Every record has the number searched for: the results grow with the campaign.
            phone_number="600100200",
            phone_normalised="600100200",
            status_id="1",
            status_name="Status 1",
            system_status="TO_CALL",
        )
        for number in range(records)
    )
    return snapshot


@pytest.mark.parametrize(("statuses", "records"), [(1, 1), (13, 40)])
def test_the_campaign_page_makes_the_same_queries_whatever_its_size(
    supervisor_client, thulium, django_assert_num_queries, statuses, records
):
    thulium.get(STATUSES_URL, json=_statuses(statuses))
    thulium.get(RECORDS_URL, json={"count": 5, "result": []})
    _snapshot(records)
    supervisor_client.get(DETAIL_URL)  # the session and caches warm, as in use

    with django_assert_num_queries(CAMPAIGN_PAGE_QUERIES):
        response = supervisor_client.get(DETAIL_URL, {"q": "+48 600 100 200"})

    assert response.status_code == 200
    assert len(response.context["search"].records) == records
    assert len(response.context["status_counts"]) == statuses


def test_a_change_sent_with_htmx_brings_the_current_values_along(supervisor_client, thulium):
    snapshot = _snapshot(0)
    SnapshotRecord.objects.create(
        snapshot=snapshot,
        record_id="1",
        identifier="abc",
        phone_number="600100200",
        status_id="1",
        status_name="New",
        system_status="TO_CALL",
    )
    thulium.get(
        STATUSES_URL,
        json=[
            *_statuses(1),
            {
                "system_status": "NO_CALL",
                "status_id": "4",
                "dictionary_status_id": None,
                "name": "Refused",
            },
        ],
    )
    thulium.get(f"{THULIUM_URL}outbounds/00001/agents", json=[])
    thulium.put(f"{THULIUM_URL}outbounds/00001/records_by_identifier/abc", json={})
    url = reverse("campaigns:record", args=["00001", "abc"])
    token = supervisor_client.get(url).context["form"].initial["token"]
    form = {"token": token, "fields-TOTAL_FORMS": "0", "fields-INITIAL_FORMS": "0"}

    rules = supervisor_client.post(
        url, {**form, "status_id": "4", "action": "status"}, headers={"HX-Request": "true"}
    )
    sent = supervisor_client.post(url, {**form, "status_id": "4"}, headers={"HX-Request": "true"})

    # Only re-showing the form leaves the values alone; a change sent replaces them in place.
    assert 'id="record-current"' not in rules.content.decode()
    html = sent.content.decode().strip()
    assert html.startswith('<section id="record-current"')
    current, editor = html.split('<section id="record-editor"')
    assert 'hx-swap-oob="true"' in current
    assert "Refused" in current
    assert "Do not call" in current
    assert "Thulium accepted the change" in editor
    assert "<html" not in html


def test_filters_sent_with_htmx_leave_a_clean_address(supervisor_client, thulium):
    thulium.get(STATUSES_URL, json=_statuses(4))
    thulium.get(RECORDS_URL, json={"count": 250, "result": [api_record(1)]})

    filtered = supervisor_client.get(
        f"{LIST_URL}?status=4&created_from=&created_to=&called_from=&called_to=",
        headers={"HX-Request": "true"},
    )
    paged = supervisor_client.get(f"{LIST_URL}?status=4&page=3", headers={"HX-Request": "true"})
    unfiltered = supervisor_client.get(f"{LIST_URL}?created_from=", headers={"HX-Request": "true"})

    assert filtered["HX-Push-Url"] == f"{LIST_URL}?status=4"
    assert paged["HX-Push-Url"] == f"{LIST_URL}?status=4&page=3"
    assert unfiltered["HX-Push-Url"] == LIST_URL


def test_the_reload_without_javascript_stays_out_of_the_polled_section(supervisor_client, thulium):
    CampaignSnapshot.objects.create(campaign_id="00001")  # syncing
    thulium.get(STATUSES_URL, json=_statuses(1))
    thulium.get(RECORDS_URL, json={"count": 5, "result": []})

    page = supervisor_client.get(DETAIL_URL).content.decode()
    polled = supervisor_client.get(
        reverse("campaigns:snapshot", args=["00001"]), headers={"HX-Request": "true"}
    ).content.decode()

    assert '<noscript><meta http-equiv="refresh" content="3"></noscript>' in page
    assert 'hx-trigger="every 1s"' in polled
    # htmx parses a fragment with scripting off: a <noscript> in it would refresh the page.
    assert "http-equiv" not in polled
