"""`campaign_records`: every documented filter on the wire, paging, and the typed page."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from responses import matchers

from tests.thulium.helpers import BASE
from thuladmin.thulium import errors
from thuladmin.thulium.types import CampaignRecord, RecordsPage, SystemStatus

URL = BASE + "outbounds/00001/records"
EMPTY = {"count": 0, "result": []}


def sent_url(rsps) -> str:
    assert len(rsps.calls) == 1
    return rsps.calls[0].request.url


@pytest.mark.parametrize(
    ("options", "query"),
    [
        ({}, "limit=100&offset=0"),
        ({"limit": 1, "offset": 99_999}, "limit=1&offset=99999"),
        ({"status_ids": ["3"]}, "limit=100&offset=0&status_id%5B%5D=3"),
        (
            {"status_ids": ["3", 5, " 12 "]},
            "limit=100&offset=0&status_id%5B%5D=3&status_id%5B%5D=5&status_id%5B%5D=12",
        ),
        ({"status_ids": ["3", 3, "3"]}, "limit=100&offset=0&status_id%5B%5D=3"),
        ({"status_ids": ["a b&c=/"]}, "limit=100&offset=0&status_id%5B%5D=a%20b%26c%3D%2F"),
        ({"system_statuses": ["TO_CALL"]}, "limit=100&offset=0&system_status%5B%5D=TO_CALL"),
        (
            {"system_statuses": [SystemStatus.CALL, "NO_CALL", "SOMETHING_NEW"]},
            "limit=100&offset=0&system_status%5B%5D=CALL&system_status%5B%5D=NO_CALL"
            "&system_status%5B%5D=SOMETHING_NEW",
        ),
        ({"create_date_from": date(2024, 1, 2)}, "limit=100&offset=0&create_date_from=2024-01-02"),
        ({"create_date_to": date(2024, 12, 31)}, "limit=100&offset=0&create_date_to=2024-12-31"),
        ({"call_date_from": date(2025, 3, 4)}, "limit=100&offset=0&call_date_from=2025-03-04"),
        ({"call_date_to": date(2025, 3, 4)}, "limit=100&offset=0&call_date_to=2025-03-04"),
        (
            {"create_date_from": date(2024, 5, 6), "create_date_to": date(2024, 5, 6)},
            "limit=100&offset=0&create_date_from=2024-05-06&create_date_to=2024-05-06",
        ),
        (
            {
                "limit": 25,
                "offset": 50,
                "status_ids": ["3", "4"],
                "system_statuses": ["CALL", "TO_CALL"],
                "create_date_from": date(2024, 1, 1),
                "create_date_to": date(2024, 1, 31),
                "call_date_from": date(2024, 2, 1),
                "call_date_to": date(2024, 2, 29),
            },
            "limit=25&offset=50&status_id%5B%5D=3&status_id%5B%5D=4"
            "&system_status%5B%5D=CALL&system_status%5B%5D=TO_CALL"
            "&create_date_from=2024-01-01&create_date_to=2024-01-31"
            "&call_date_from=2024-02-01&call_date_to=2024-02-29",
        ),
    ],
)
def test_each_filter_goes_on_the_wire_exactly(api, rsps, options, query):
    rsps.get(URL, json=EMPTY, match=[matchers.query_string_matcher(query)])
    api.campaign_records("00001", **options)
    assert sent_url(rsps) == f"{URL}?{query}"
    assert "[" not in sent_url(rsps)  # brackets encoded, like the batch endpoints' items


def test_repeated_filters_are_matched_as_repeated_pairs(api, rsps):
    rsps.get(
        URL,
        json=EMPTY,
        match=[
            matchers.query_string_matcher(
                "offset=0&limit=100&status_id[]=5&status_id[]=3&system_status[]=CALL"
            )
        ],
    )
    api.campaign_records("00001", status_ids=[3, 5], system_statuses=["CALL"])


def test_empty_filter_lists_send_nothing(api, rsps):
    rsps.get(URL, json=EMPTY)
    api.campaign_records("00001", status_ids=[], system_statuses=())
    assert sent_url(rsps) == f"{URL}?limit=100&offset=0"


@pytest.mark.parametrize(
    "options",
    [
        {"limit": 0},
        {"limit": 101},
        {"limit": 1000},
        {"limit": -1},
        {"limit": True},
        {"limit": 10.0},
        {"limit": "10"},
        {"offset": -1},
        {"offset": 1.5},
        {"offset": "0"},
        {"offset": None},
        {"status_ids": "3"},
        {"status_ids": 3},
        {"status_ids": [""]},
        {"status_ids": [None]},
        {"status_ids": [True]},
        {"status_ids": ["3\x00"]},
        {"status_ids": [3.5]},
        {"system_statuses": "CALL"},
        {"system_statuses": ["call"]},
        {"system_statuses": [""]},
        {"system_statuses": ["TO CALL"]},
        {"system_statuses": ["TO_CALL&limit=500"]},
        {"system_statuses": [1]},
        {"create_date_from": "2024-01-01"},
        {"create_date_to": datetime(2024, 1, 1, 12, 0)},
        {"call_date_from": 20240101},
        {"create_date_from": date(2024, 2, 1), "create_date_to": date(2024, 1, 31)},
        {"call_date_from": date(2024, 2, 1), "call_date_to": date(2024, 1, 31)},
    ],
)
def test_odd_values_are_refused_before_sending(api, rsps, fake_time, options):
    with pytest.raises(errors.InvalidArgument):
        api.campaign_records("00001", **options)
    assert len(rsps.calls) == 0
    assert fake_time.sleeps == []


def test_the_page_is_typed_and_count_is_the_filtered_total(api, rsps):
    rsps.get(
        URL,
        json={
            "count": 1234,
            "result": [
                {
                    "record_id": "17",
                    "phone_number": 600100200,
                    "system_status": "NO_CALL",
                    "status": "Nie dzwonić",
                    "status_id": 13,
                    "call_date": "2024-01-03 09:15:00",
                    "create_date": "2024-01-02 10:00:00",
                    "next_call_date": "",
                    "agent_name": "Jan Kowalski",
                    "agent_login": "j.kowalski",
                    "last_note": "Nie odbiera.",
                    "identifier": 1234567890,
                    "order": "7",
                },
                {"record_id": 18, "order": ""},
                {"record_id": 19, "order": "first"},
            ],
        },
    )

    page = api.campaign_records("00001", system_statuses=["NO_CALL"], limit=3, offset=6)

    assert page.count == 1234
    assert page.records[0] == CampaignRecord(
        record_id="17",
        identifier="1234567890",
        phone_number="600100200",
        system_status="NO_CALL",
        status_name="Nie dzwonić",
        status_id="13",
        agent_login="j.kowalski",
        agent_name="Jan Kowalski",
        next_call_date=None,
        call_date="2024-01-03 09:15:00",
        create_date="2024-01-02 10:00:00",
        last_note="Nie odbiera.",
        order=7,
    )
    assert [record.order for record in page.records] == [7, None, None]
    assert [record.record_id for record in page.records] == ["17", "18", "19"]
    with pytest.raises(AttributeError):
        page.count = 1  # frozen


def test_an_empty_page_beyond_the_end_keeps_the_count(api, rsps):
    rsps.get(URL, json={"count": "250", "result": []})
    assert api.campaign_records("00001", offset=300) == RecordsPage(count=250, records=())


@pytest.mark.parametrize(
    "answer",
    [
        {"count": -1, "result": []},
        {"count": None, "result": []},
        {"count": 2, "result": [{"record_id": ""}]},
        {"count": 2, "result": [{"record_id": None}]},
        {"count": 2, "result": "none"},
    ],
)
def test_odd_pages_are_bad_responses(api, rsps, answer):
    rsps.get(URL, json=answer)
    with pytest.raises(errors.BadResponse):
        api.campaign_records("00001")


def test_a_refused_filter_carries_the_api_message(api, rsps):
    rsps.get(
        URL,
        status=400,
        json={
            "request_id": "53678450401cf",
            "errors": [{"message": "Unknown system status: FOO.", "code": 4021}],
        },
    )
    with pytest.raises(errors.Rejected) as info:
        api.campaign_records("00001", system_statuses=["FOO"])
    assert info.value.message == "Unknown system status: FOO."
