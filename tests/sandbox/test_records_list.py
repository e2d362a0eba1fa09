"""GET outbounds/:id/records: every documented filter, `count`, paging, and the 400s."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from urllib.parse import urlencode

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from thuladmin.sandbox.models import Campaign, Record, Status

PATH = "outbounds/00009/records"
REQUEST_ID = re.compile(r"[0-9a-f]{13}")


def local(*args: int) -> datetime:
    return timezone.make_aware(datetime(*args))


@pytest.fixture
def campaign(db) -> Campaign:
    """Ten records with known statuses and dates, added in this order (record ids ascend).

    index: status, create_date, call_date
      0: TO_CALL  03-09 23:59   -
      1: TO_CALL  03-10 00:00   -
      2: CALL     03-10 12:00   03-12 08:00
      3: CALL     03-10 23:59   03-12 23:59
      4: NO_CALL  03-11 00:00   03-13 00:00
      5: NO_CALL  03-11 10:00   03-13 10:00   (status 13, the other NO_CALL status)
      6: TO_CALL  03-12 10:00   -
      7: MY_RECORD 03-12 11:00  03-14 09:00
      8: -        03-12 12:00   -             (no status)
      9: CALL     03-15 09:00   03-15 10:00
    """
    campaign = Campaign.objects.create(campaign_id="00009", name="Filtry")
    statuses = {
        status_id: Status.objects.create(
            campaign=campaign, status_id=status_id, system_status=system, name=name
        )
        for status_id, system, name in [
            ("1", "TO_CALL", "Nowy"),
            ("3", "CALL", "Dzwonić"),
            ("4", "NO_CALL", "Nie dzwonić"),
            ("13", "NO_CALL", "Sprzeciw"),
            ("5", "MY_RECORD", "Mój"),
        ]
    }
    rows = [
        ("1", local(2025, 3, 9, 23, 59), None),
        ("1", local(2025, 3, 10, 0, 0), None),
        ("3", local(2025, 3, 10, 12, 0), local(2025, 3, 12, 8, 0)),
        ("3", local(2025, 3, 10, 23, 59), local(2025, 3, 12, 23, 59)),
        ("4", local(2025, 3, 11, 0, 0), local(2025, 3, 13, 0, 0)),
        ("13", local(2025, 3, 11, 10, 0), local(2025, 3, 13, 10, 0)),
        ("1", local(2025, 3, 12, 10, 0), None),
        ("5", local(2025, 3, 12, 11, 0), local(2025, 3, 14, 9, 0)),
        (None, local(2025, 3, 12, 12, 0), None),
        ("3", local(2025, 3, 15, 9, 0), local(2025, 3, 15, 10, 0)),
    ]
    for index, (status_id, created, called) in enumerate(rows):
        Record.objects.create(
            campaign=campaign,
            identifier=f"ID{index}",
            phone_number=f"60010900{index}",
            status=statuses[status_id] if status_id else None,
            create_date=created,
            call_date=called,
        )
    # Another campaign's records never count.
    other = Campaign.objects.create(campaign_id="00008", name="Inna")
    Record.objects.create(campaign=other, identifier="X", phone_number="600109000")
    return campaign


def listing(api, params: list[tuple[str, str]] | dict[str, str] = ()) -> tuple[int, list[str]]:
    response = api("get", f"{PATH}?{urlencode(params)}")
    assert response.status_code == 200, response.content
    body = response.json()
    return body["count"], [row["identifier"] for row in body["result"]]


def ids(*indexes: int) -> list[str]:
    return [f"ID{index}" for index in indexes]


def test_no_filter_lists_every_record_in_the_order_added(api, campaign):
    assert listing(api) == (10, ids(*range(10)))


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ([("status_id[]", "3")], ids(2, 3, 9)),
        ([("status_id[]", "3"), ("status_id[]", "13")], ids(2, 3, 5, 9)),
        ([("status_id[]", " 4 "), ("status_id[]", "")], ids(4)),
        ([("status_id[]", "999")], []),
        ([("system_status[]", "NO_CALL")], ids(4, 5)),
        ([("system_status[]", "TO_CALL"), ("system_status[]", "MY_RECORD")], ids(0, 1, 6, 7)),
        ([("system_status[]", "CALL_PROGRESSIVE")], []),
        ([("system_status[]", "NO_CALL"), ("status_id[]", "13")], ids(5)),
        ([("system_status[]", "CALL"), ("status_id[]", "13")], []),
        ([("create_date_from", "2025-03-10")], ids(*range(1, 10))),
        ([("create_date_to", "2025-03-10")], ids(0, 1, 2, 3)),
        ([("create_date_from", "2025-03-10"), ("create_date_to", "2025-03-10")], ids(1, 2, 3)),
        ([("create_date_from", "2025-03-12"), ("create_date_to", "2025-03-12")], ids(6, 7, 8)),
        ([("create_date_from", "2025-03-11"), ("create_date_to", "2025-03-10")], []),
        ([("call_date_from", "2025-03-13")], ids(4, 5, 7, 9)),
        ([("call_date_to", "2025-03-12")], ids(2, 3)),
        ([("call_date_from", "2025-03-13"), ("call_date_to", "2025-03-13")], ids(4, 5)),
        (
            [
                ("system_status[]", "NO_CALL"),
                ("system_status[]", "CALL"),
                ("create_date_from", "2025-03-10"),
                ("create_date_to", "2025-03-11"),
                ("call_date_from", "2025-03-12"),
                ("call_date_to", "2025-03-13"),
            ],
            ids(2, 3, 4, 5),
        ),
        ([("create_date_from", ""), ("call_date_to", "")], ids(*range(10))),
    ],
)
def test_filters(api, campaign, params, expected):
    assert listing(api, params) == (len(expected), expected)


def test_count_is_the_filtered_total_on_every_page(api, campaign):
    params = [("system_status[]", "TO_CALL"), ("system_status[]", "CALL")]
    assert listing(api, [*params, ("limit", "2")]) == (6, ids(0, 1))
    assert listing(api, [*params, ("limit", "2"), ("offset", "2")]) == (6, ids(2, 3))
    assert listing(api, [*params, ("limit", "4"), ("offset", "4")]) == (6, ids(6, 9))
    assert listing(api, [*params, ("limit", "2"), ("offset", "6")]) == (6, [])
    assert listing(api, [*params, ("offset", "600")]) == (6, [])


def test_paging_walks_every_record_once(api, campaign):
    seen = []
    for offset in range(0, 12, 3):
        count, page = listing(api, {"limit": "3", "offset": str(offset)})
        assert count == 10
        seen.extend(page)
    assert seen == ids(*range(10))


def test_record_without_a_status_has_empty_status_fields(api, campaign):
    row = api("get", f"{PATH}?offset=8&limit=1").json()["result"][0]
    assert (row["status"], row["status_id"], row["system_status"]) == ("", "", "")


def record_queries(queries) -> list[str]:
    return [
        query["sql"]
        for query in queries.captured_queries
        if "sandbox_record" in query["sql"] and "sandbox_records_version" not in query["sql"]
    ]


def test_a_page_is_a_few_queries_whatever_its_size(api, campaign):
    to_call = campaign.statuses.get(status_id="1")
    Record.objects.bulk_create(
        Record(campaign=campaign, identifier=f"ID{index}", phone_number=str(index), status=to_call)
        for index in range(10, 250)
    )
    with CaptureQueriesContext(connection) as queries:
        response = api("get", f"{PATH}?limit=100&offset=120&system_status[]=TO_CALL")
    assert response.status_code == 200
    assert len(response.json()["result"]) == 100
    # The matching ids (one index scan), then the page's rows by id: no query per row, no
    # OFFSET walk, no COUNT.
    first = record_queries(queries)
    assert len(first) == 2
    assert not any("OFFSET" in sql or "COUNT(" in sql for sql in first)
    with CaptureQueriesContext(connection) as queries:
        response = api("get", f"{PATH}?limit=100&offset=20&system_status[]=TO_CALL")
    assert response.json()["count"] == 243
    # The next page of the same list reads only its rows: the ids were kept.
    assert len(record_queries(queries)) == 1


def test_the_kept_list_follows_every_change_of_the_records(api, campaign):
    assert listing(api) == (10, ids(*range(10)))
    Record.objects.create(campaign=campaign, identifier="ID10", phone_number="600109010")
    assert listing(api) == (11, ids(*range(11)))
    Record.objects.filter(identifier__in=["ID0", "ID10"]).delete()
    assert listing(api) == (9, ids(*range(1, 10)))
    assert listing(api, [("status_id[]", "3")]) == (3, ids(2, 3, 9))
    Record.objects.filter(identifier="ID1").update(status=campaign.statuses.get(status_id="3"))
    assert listing(api, [("status_id[]", "3")]) == (4, ids(1, 2, 3, 9))
    Record.objects.filter(identifier="ID1").update(create_date=local(2020, 1, 1))
    assert listing(api, [("create_date_to", "2020-01-01")]) == (1, ids(1))
    Record.objects.filter(identifier="ID2").update(campaign_id="00008")
    assert listing(api) == (8, ids(1, *range(3, 10)))


def test_a_rolled_back_change_leaves_no_stale_list(api, campaign):
    """A list read inside a transaction that is rolled back is never served afterwards, even
    when the next change leaves as many records (the token is not a counter)."""
    with transaction.atomic():
        Record.objects.create(campaign=campaign, identifier="GONE", phone_number="600109011")
        assert listing(api) == (11, [*ids(*range(10)), "GONE"])
        transaction.set_rollback(True)
    Record.objects.create(campaign=campaign, identifier="KEPT", phone_number="600109012")
    assert listing(api) == (11, [*ids(*range(10)), "KEPT"])


# --- refused queries ----------------------------------------------------------------------------


def error_body(response) -> list[dict]:
    assert response.status_code == 400
    body = response.json()
    assert set(body) == {"request_id", "errors"}
    assert REQUEST_ID.fullmatch(body["request_id"])
    return body["errors"]


LIMIT_ERROR = {"message": "Invalid limit: expected an integer between 1 and 100.", "code": 4014}
OFFSET_ERROR = {
    "message": "Invalid offset: expected an integer between 0 and 999999999.",
    "code": 4014,
}


@pytest.mark.parametrize(
    ("query", "errors"),
    [
        ("limit=101", [LIMIT_ERROR]),
        ("limit=1000", [LIMIT_ERROR]),
        ("limit=0", [LIMIT_ERROR]),
        ("limit=-1", [LIMIT_ERROR]),
        ("limit=1.5", [LIMIT_ERROR]),
        ("limit=%2B5", [LIMIT_ERROR]),
        ("offset=-1", [OFFSET_ERROR]),
        ("offset=2.0", [OFFSET_ERROR]),
        ("offset=ten", [OFFSET_ERROR]),
        (
            "create_date_from=2025-13-01",
            [{"message": "Invalid create_date_from: expected a date as YYYY-MM-DD.", "code": 4020}],
        ),
        (
            "create_date_to=2025-02-30",
            [{"message": "Invalid create_date_to: expected a date as YYYY-MM-DD.", "code": 4020}],
        ),
        (
            "call_date_from=20250301",
            [{"message": "Invalid call_date_from: expected a date as YYYY-MM-DD.", "code": 4020}],
        ),
        (
            "call_date_to=2025-3-1",
            [{"message": "Invalid call_date_to: expected a date as YYYY-MM-DD.", "code": 4020}],
        ),
        (
            "call_date_to=2025-03-01%2010:00",
            [{"message": "Invalid call_date_to: expected a date as YYYY-MM-DD.", "code": 4020}],
        ),
        (
            "system_status[]=FOO",
            [{"message": "Unknown system status: FOO.", "code": 4021}],
        ),
        (
            "system_status[]=to_call",
            [{"message": "Unknown system status: to_call.", "code": 4021}],
        ),
        (
            "limit=500&system_status[]=CALL&system_status[]=NOPE&create_date_from=yesterday",
            [
                LIMIT_ERROR,
                {"message": "Unknown system status: NOPE.", "code": 4021},
                {
                    "message": "Invalid create_date_from: expected a date as YYYY-MM-DD.",
                    "code": 4020,
                },
            ],
        ),
    ],
)
def test_bad_queries_are_400_with_every_error(api, campaign, query, errors):
    assert error_body(api("get", f"{PATH}?{query}")) == errors


def test_errors_in_polish(api, campaign):
    errors = error_body(api("get", f"{PATH}?system_status[]=FOO&call_date_from=x", lang="pl"))
    assert errors == [
        {"message": "Nieznany status systemowy: FOO.", "code": 4021},
        {
            "message": "Nieprawidłowy parametr call_date_from: oczekiwano daty w formacie "
            "RRRR-MM-DD.",
            "code": 4020,
        },
    ]


def test_unknown_campaign_is_404_before_the_query_is_checked(api, campaign):
    response = api("get", "outbounds/99999/records?limit=500")
    assert response.status_code == 404
    assert response.json()["errors"] == [{"message": "Campaign not found.", "code": 4041}]


def test_dates_are_days_in_the_sandbox_time_zone(api, campaign):
    """A record created at 00:30 Warsaw time on 03-20 is on 03-20, though it is 03-19 in UTC."""
    record = Record.objects.create(
        campaign=campaign,
        identifier="LATE",
        phone_number="600109099",
        create_date=local(2025, 3, 20, 0, 30),
    )
    assert record.create_date.astimezone(UTC).day == 19
    assert listing(api, {"create_date_from": "2025-03-20"}) == (1, ["LATE"])
    assert listing(api, {"create_date_to": "2025-03-19"})[0] == 10
