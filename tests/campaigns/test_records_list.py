"""The records list (filters one to one in the query string, paging, htmx), removing the chosen
records' numbers, the campaign page's per-status counts and search, and who may see them."""

from __future__ import annotations

import re

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from responses import matchers

from campaigns.models import CampaignSnapshot, SnapshotRecord
from tests.campaigns.conftest import THULIUM_URL
from tests.campaigns.test_snapshot import RECORDS_URL, STATUSES_URL, api_record, sync
from thuladmin.bulk.forms import MAX_INPUT_BYTES
from thuladmin.bulk.models import BulkItem, BulkJob

pytestmark = pytest.mark.django_db

STATUSES = [
    {"system_status": "TO_CALL", "status_id": "1", "dictionary_status_id": None, "name": "New"},
    {"system_status": "NO_CALL", "status_id": "4", "dictionary_status_id": 7, "name": "Refused"},
]
LIST_URL = reverse("campaigns:records", args=["00001"])
REMOVE_URL = reverse("campaigns:remove_numbers_from_records", args=["00001"])


def page_body(count: int, numbers) -> dict:
    return {"count": count, "result": [api_record(number) for number in numbers]}


@pytest.mark.parametrize("url", [LIST_URL, reverse("campaigns:snapshot", args=["00001"])])
def test_users_without_the_role_are_refused(user_without_role_client, thulium, url):
    assert user_without_role_client.get(url).status_code == 403
    assert len(thulium.calls) == 0


def test_removing_chosen_records_needs_the_role(user_without_role_client, thulium):
    response = user_without_role_client.post(
        reverse("campaigns:remove_numbers_from_records", args=["00001"]), {"number": ["600000001"]}
    )
    assert response.status_code == 403
    assert not BulkJob.objects.exists()


@pytest.mark.parametrize(
    ("query", "api_query"),
    [
        ("", {"limit": "100", "offset": "0"}),
        ("page=3", {"limit": "100", "offset": "200"}),
        ("status=1&status=4", {"limit": "100", "offset": "0", "status_id[]": ["1", "4"]}),
        (
            "system_status=NO_CALL&system_status=CALL",
            {"limit": "100", "offset": "0", "system_status[]": ["NO_CALL", "CALL"]},
        ),
        (
            "created_from=2025-01-01&created_to=2025-01-31&called_from=2025-02-01"
            "&called_to=2025-02-02&page=2",
            {
                "limit": "100",
                "offset": "100",
                "create_date_from": "2025-01-01",
                "create_date_to": "2025-01-31",
                "call_date_from": "2025-02-01",
                "call_date_to": "2025-02-02",
            },
        ),
    ],
)
def test_filters_go_to_thulium_one_to_one(supervisor_client, thulium, query, api_query):
    thulium.get(STATUSES_URL, json=STATUSES)
    listed = thulium.get(
        RECORDS_URL,
        json=page_body(1000, range(1, 101)),
        match=[matchers.query_param_matcher(api_query)],
    )

    response = supervisor_client.get(f"{LIST_URL}?{query}")

    assert response.status_code == 200
    assert listed.call_count == 1


def test_the_list_shows_the_records_and_page_links(
    supervisor_client, thulium, django_assert_num_queries
):
    thulium.get(STATUSES_URL, json=STATUSES)
    thulium.get(RECORDS_URL, json=page_body(250, range(1, 101)))

    supervisor_client.get(f"{LIST_URL}?status=4")  # the first visit starts the copy's first read
    # The session, the user and the user's groups (role); the copy's touch (its row, its
    # generations); the header's count of the user's jobs needing attention.
    # (and the campaigns' names (the heading's label, "00001 · name"))
    with django_assert_num_queries(7):
        response = supervisor_client.get(f"{LIST_URL}?status=4")

    html = response.content.decode()
    assert "Records 1\u2013100 of 250." in html
    assert "600000001" in html
    assert reverse("campaigns:record", args=["00001", "id-1"]) in html
    assert "?status=4&amp;page=3" in html
    assert 'value="all"' in html


def test_a_smaller_page_asks_thulium_for_that_many_and_keeps_the_choice_in_page_links(
    supervisor_client, thulium
):
    thulium.get(STATUSES_URL, json=STATUSES)
    listed = thulium.get(
        RECORDS_URL,
        json=page_body(250, range(26, 51)),
        match=[matchers.query_param_matcher({"limit": "25", "offset": "25"})],
    )

    html = supervisor_client.get(f"{LIST_URL}?size=25&page=2").content.decode()

    assert listed.call_count == 1
    assert "Records 26\u201350 of 250." in html
    assert "?size=25&amp;page=10" in html
    # The chosen size rides along with "remove all matching", as the filters do.
    assert '<input type="hidden" name="size" value="25">' in html
    chooser = '<label class="choose-all-label" hidden><input type="checkbox" class="choose-all">'
    assert chooser in html


def test_a_page_size_thulium_does_not_serve_is_refused(supervisor_client, thulium):
    thulium.get(STATUSES_URL, json=STATUSES)

    response = supervisor_client.get(f"{LIST_URL}?size=1000")

    assert "Select a valid choice" in response.content.decode()
    assert not [call for call in thulium.calls if "records" in call.request.url]


def test_htmx_gets_only_the_table(supervisor_client, thulium):
    thulium.get(STATUSES_URL, json=STATUSES)
    thulium.get(RECORDS_URL, json=page_body(1, [1]))

    response = supervisor_client.get(LIST_URL, headers={"HX-Request": "true"})

    html = response.content.decode()
    assert html.lstrip().startswith('<section id="records"')
    assert "<html" not in html
    assert "HX-Request" in response["Vary"]


def test_a_reversed_date_range_is_explained_and_not_sent(supervisor_client, thulium):
    thulium.get(STATUSES_URL, json=STATUSES)

    response = supervisor_client.get(f"{LIST_URL}?created_from=2025-02-01&created_to=2025-01-01")

    assert "This day is before the first one." in response.content.decode()
    assert not any("/records" in call.request.url for call in thulium.calls)


def test_chosen_rows_open_the_removal_preview_with_exactly_those_numbers(
    supervisor_client, thulium
):
    response = supervisor_client.post(
        reverse("campaigns:remove_numbers_from_records", args=["00001"]),
        {"scope": "selected", "number": ["600000001", "600000005", "600000009"]},
    )

    job = BulkJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("bulk:detail", args=[job.pk])
    assert job.campaign_id == "00001"
    assert sorted(BulkItem.objects.filter(job=job).values_list("value", flat=True)) == [
        "600000001",
        "600000005",
        "600000009",
    ]
    assert job.state == BulkJob.State.DRAFT


def test_all_matching_records_are_read_again_through_the_filters(supervisor_client, thulium):
    for offset, numbers in ((0, range(1, 101)), (100, range(101, 151))):
        thulium.get(
            RECORDS_URL,
            json=page_body(150, numbers),
            match=[
                matchers.query_param_matcher(
                    {"limit": "100", "offset": str(offset), "status_id[]": "4"}
                )
            ],
        )

    supervisor_client.post(
        reverse("campaigns:remove_numbers_from_records", args=["00001"]),
        {"scope": "all", "status": "4"},
    )

    assert BulkItem.objects.filter(job=BulkJob.objects.get()).count() == 150


@pytest.mark.parametrize(
    "page",
    ["9" * 4300, "9" * 5000, "100001", "0", "-3", "abc"],
    ids=["4300-digits", "5000-digits", "past-max", "zero", "negative", "letters"],
)
def test_a_page_number_out_of_bounds_falls_back_to_the_first_page(supervisor_client, thulium, page):
    thulium.get(STATUSES_URL, json=STATUSES)
    listed = thulium.get(
        RECORDS_URL,
        json=page_body(250, range(1, 101)),
        match=[matchers.query_param_matcher({"limit": "100", "offset": "0", "status_id[]": "4"})],
    )

    response = supervisor_client.get(f"{LIST_URL}?status=4&page={page}")

    assert response.status_code == 200
    assert listed.call_count == 1
    assert "Records 1\u2013100 of 250." in response.content.decode()


def _messages(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def test_every_token_of_the_chosen_numbers_counts_against_the_limit(supervisor_client, settings):
    settings.BULK_MAX_ITEMS = 5

    response = supervisor_client.post(
        REMOVE_URL, {"scope": "selected", "number": ["x,y,z\n600100200 q", "600100201"]}
    )

    assert response.status_code == 302
    assert response["Location"] == LIST_URL
    assert _messages(response) == [
        "More than 5 phone numbers: split the list into jobs of at most 5. "
        "Every entry counts, refused ones and repeats included."
    ]
    assert not BulkJob.objects.exists()


def test_one_field_of_many_valid_numbers_is_refused_not_cut(supervisor_client, settings):
    settings.BULK_MAX_ITEMS = 100
    numbers = " ".join(str(600_000_000 + index) for index in range(150))

    response = supervisor_client.post(REMOVE_URL, {"scope": "selected", "number": numbers})

    assert "More than 100 phone numbers" in _messages(response)[0]
    assert not BulkJob.objects.exists()


def test_chosen_numbers_over_5_mb_are_refused(supervisor_client):
    junk = "x" * (MAX_INPUT_BYTES + 1)

    response = supervisor_client.post(REMOVE_URL, {"scope": "selected", "number": junk})

    assert _messages(response) == [
        "The pasted list is larger than 5 MB: split it into several lists."
    ]
    assert not BulkJob.objects.exists()


def test_chosen_numbers_none_of_which_is_valid_make_no_draft(supervisor_client):
    response = supervisor_client.post(REMOVE_URL, {"scope": "selected", "number": ["abc", "12"]})

    assert _messages(response) == [
        "None of the chosen records has a phone number that could be removed."
    ]
    assert not BulkJob.objects.exists()


def test_all_matching_records_over_the_limit_are_refused_after_one_page(
    supervisor_client, thulium, settings
):
    settings.BULK_MAX_ITEMS = 150
    first = thulium.get(
        RECORDS_URL,
        json=page_body(151, range(1, 101)),
        match=[matchers.query_param_matcher({"limit": "100", "offset": "0", "status_id[]": "4"})],
    )

    response = supervisor_client.post(REMOVE_URL, {"scope": "all", "status": "4"})

    assert response["Location"] == f"{LIST_URL}?status=4"
    assert _messages(response) == ["More than 150 numbers: narrow the filters first."]
    assert first.call_count == 1
    assert len(thulium.calls) == 1  # the count came with the first page; no other was read
    assert not BulkJob.objects.exists()


def test_the_campaign_page_counts_each_status_and_links_the_list(supervisor_client, thulium):
    thulium.get(STATUSES_URL, json=STATUSES)
    for status_id, count in (("1", 1234), ("4", 7)):
        thulium.get(
            RECORDS_URL,
            json={"count": count, "result": []},
            match=[
                matchers.query_param_matcher(
                    {"limit": "1", "offset": "0", "status_id[]": status_id}
                )
            ],
        )

    html = supervisor_client.get(reverse("campaigns:detail", args=["00001"])).content.decode()
    supervisor_client.get(reverse("campaigns:detail", args=["00001"]))  # cached now

    assert f'href="{LIST_URL}?status=4">7</a>' in html
    assert f'href="{LIST_URL}?status=1">1234</a>' in html
    assert sum("/records" in call.request.url for call in thulium.calls) == 2


def test_the_campaign_page_search_finds_a_typed_number(supervisor_client, thulium):
    snapshot = CampaignSnapshot.objects.create(campaign_id="00001", state="ready", is_current=True)
    SnapshotRecord.objects.create(
        snapshot=snapshot,
        record_id="1",
        identifier="abc",
        phone_number="600100200",
        phone_normalised="600100200",
    )

    response = supervisor_client.get(
        reverse("campaigns:detail", args=["00001"]),
        {"q": "+48 600 100 200"},
        headers={"HX-Request": "true", "HX-Target": "search-results"},
    )

    html = response.content.decode()
    assert html.lstrip().startswith('<div id="search-results"')
    assert reverse("campaigns:record", args=["00001", "abc"]) in html
    assert len(thulium.calls) == 0


def test_the_record_page_shows_current_values_and_prefills_the_form(supervisor_client, thulium):
    snapshot = CampaignSnapshot.objects.create(
        campaign_id="00001", state="ready", is_current=True, finished_at="2025-01-01T00:00Z"
    )
    SnapshotRecord.objects.create(
        snapshot=snapshot,
        record_id="1",
        identifier="abc",
        phone_number="600100200",
        status_id="4",
        status_name="Refused",
        system_status="NO_CALL",
        agent_login="ewa",
    )
    thulium.get(STATUSES_URL, json=STATUSES)
    thulium.get(f"{THULIUM_URL}outbounds/00001/agents", json=[])

    response = supervisor_client.get(reverse("campaigns:record", args=["00001", "abc"]))

    html = response.content.decode()
    assert "600100200" in html
    assert "Refused" in html
    assert "ewa" in html
    assert response.context["form"].initial["status_id"] == "4"
    assert response.context["form"].initial["agent_login"] == "ewa"


def test_an_identifier_missing_from_a_fresh_snapshot_is_said_so(supervisor_client, thulium):
    from django.utils import timezone

    CampaignSnapshot.objects.create(
        campaign_id="00001", state="ready", is_current=True, finished_at=timezone.now()
    )
    thulium.get(STATUSES_URL, json=STATUSES)
    thulium.get(f"{THULIUM_URL}outbounds/00001/agents", json=[])

    response = supervisor_client.get(reverse("campaigns:record", args=["00001", "nope"]))

    assert (
        "No record with this identifier is in the campaign (records as of"
        in response.content.decode()
    )


# Thulium allows any identifier; the dashboard addresses those its record page accepts, unchanged.
UNADDRESSABLE = {"a/b": "cannot contain slashes", "a\\b": "cannot contain slashes", "..": "nor be"}
ODD_BUT_ADDRESSABLE = "x?y#z żółw"


def test_the_list_links_every_addressable_record_and_explains_the_others(
    supervisor_client, thulium
):
    """A record `a/b` on page 6 made the whole list a 500 (NoReverseMatch)."""
    thulium.get(STATUSES_URL, json=STATUSES)
    identifiers = [*UNADDRESSABLE, ODD_BUT_ADDRESSABLE]
    thulium.get(
        RECORDS_URL,
        json={
            "count": 600,
            "result": [
                api_record(number, identifier=identifier)
                for number, identifier in enumerate(identifiers, start=501)
            ],
        },
        match=[matchers.query_param_matcher({"limit": "100", "offset": "500"})],
    )

    response = supervisor_client.get(f"{LIST_URL}?page=6")

    assert response.status_code == 200
    html = response.content.decode()
    for identifier, reason in UNADDRESSABLE.items():
        assert f"<bdi>{identifier}</bdi> <small" in html
        assert reason in html
    assert "records/a/b/" not in html
    assert "This record cannot be opened from the dashboard." in html
    link = reverse("campaigns:record", args=["00001", ODD_BUT_ADDRESSABLE])
    assert "%3F" in link
    assert "%23" in link
    assert f'<a href="{link}"><bdi>{ODD_BUT_ADDRESSABLE}</bdi></a>' in html


def test_the_linked_record_page_opens_the_record_it_was_linked_from(supervisor_client, thulium):
    thulium.get(STATUSES_URL, json=STATUSES)
    thulium.get(f"{THULIUM_URL}outbounds/00001/agents", json=[])
    link = reverse("campaigns:record", args=["00001", ODD_BUT_ADDRESSABLE])

    response = supervisor_client.get(link)

    assert response.status_code == 200
    assert response.context["identifier"] == ODD_BUT_ADDRESSABLE


def test_the_campaign_page_search_shows_unaddressable_records_without_a_link(
    supervisor_client, thulium
):
    """The snapshot copies every record Thulium lists, `a/b` included; searching found it and
    the results raised NoReverseMatch."""
    thulium.get(
        RECORDS_URL,
        json={
            "count": 2,
            "result": [
                api_record(1, identifier="a/b", phone_number="600100200"),
                api_record(2, identifier=ODD_BUT_ADDRESSABLE, phone_number="600100200"),
            ],
        },
    )
    sync()

    response = supervisor_client.get(
        reverse("campaigns:detail", args=["00001"]),
        {"q": "600 100 200"},
        headers={"HX-Request": "true", "HX-Target": "search-results"},
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert "2 records match" in html
    assert "<bdi>a/b</bdi> <small" in html
    assert "cannot contain slashes" in html
    assert "records/a/b/" not in html
    link = reverse("campaigns:record", args=["00001", ODD_BUT_ADDRESSABLE])
    assert f'<a href="{link}">600100200</a>' in html


def test_the_filter_form_offers_thuliums_page_size_first(supervisor_client, thulium):
    """A browser sends a select's first option when none is chosen: the filters, sent without
    touching the page size, keep the default and add nothing to the address."""
    thulium.get(STATUSES_URL, json=STATUSES)
    thulium.get(RECORDS_URL, json=page_body(1, [1]))

    html = supervisor_client.get(LIST_URL).content.decode()

    options = re.findall(r'<select name="size"[^>]*>(.*?)</select>', html, re.S)[0]
    assert re.findall(r'<option value="(\d+)"', options) == ["100", "50", "25"]
