"""Every endpoint: URL, method, headers, body, and parsing into the frozen dataclasses."""

from __future__ import annotations

import base64
import dataclasses
import json
from urllib.parse import urlsplit

import pytest
import responses
from django.http import QueryDict
from responses import matchers

from tests.thulium.helpers import BASE, BASIC, PASSWORD, USER, make_client
from thuladmin.thulium import errors
from thuladmin.thulium.client import RetryPolicy, query_item
from thuladmin.thulium.types import (
    Agent,
    CampaignRecord,
    CampaignStatus,
    CampaignSummary,
    Customer,
    CustomerDeletionOutcome,
    PhoneOutcomeStatus,
    PhoneRecordOutcome,
    RecordsPage,
)

JSON_HEADERS = {"Accept": "application/json", "Authorization": BASIC}

STATUSES = [
    {"system_status": "CALL", "status_id": "3", "dictionary_status_id": 2, "name": "Contact"},
    {"system_status": "NO_CALL", "status_id": 5, "dictionary_status_id": None, "name": "No"},
    {"system_status": "MY_RECORD", "status_id": "7", "dictionary_status_id": "", "name": "Mine"},
]


def only_call(rsps):
    assert len(rsps.calls) == 1
    return rsps.calls[0].request


# --- headers shared by every endpoint ---------------------------------------------------------

# (method, url, body sent or None, JSON answered or None, call)
ENDPOINTS = [
    pytest.param(
        "GET", BASE + "outbounds/stats", None, [], lambda c: c.campaign_stats(), id="stats"
    ),
    pytest.param(
        "GET",
        BASE + "outbounds/00001/statuses",
        None,
        [],
        lambda c: c.campaign_statuses("00001"),
        id="statuses",
    ),
    pytest.param(
        "GET",
        BASE + "outbounds/00001/agents",
        None,
        [],
        lambda c: c.campaign_agents("00001"),
        id="agents",
    ),
    pytest.param(
        "GET",
        BASE + "outbounds/00001/records?limit=100&offset=0",
        None,
        {"count": 0, "result": []},
        lambda c: c.campaign_records("00001"),
        id="records",
    ),
    pytest.param(
        "PUT",
        BASE + "outbounds/00001/records_by_identifier/1234567890",
        {"status_id": "3"},
        None,
        lambda c: c.record_update("00001", "1234567890", changes={"status_id": "3"}),
        id="record_update",
    ),
    pytest.param(
        "DELETE",
        BASE + "outbounds/00001/records_by_identifier/1234567890",
        None,
        None,
        lambda c: c.record_delete("00001", "1234567890"),
        id="record_delete",
    ),
    pytest.param(
        "DELETE",
        BASE + "batch/outbounds/00001/records?phone_number%5B%5D=441",
        None,
        {},
        lambda c: c.records_delete_by_phone("00001", ["441"]),
        id="records_delete_by_phone",
    ),
    pytest.param(
        "DELETE",
        BASE + "batch/customers?customer_id%5B%5D=13",
        None,
        {},
        lambda c: c.customers_delete([13]),
        id="customers_delete",
    ),
    pytest.param(
        "GET",
        BASE + "customers/13",
        None,
        {"customer_id": 13},
        lambda c: c.customer(13),
        id="customer",
    ),
    pytest.param(
        "POST",
        BASE + "outbound_status_by_phone_number",
        {"phone_number": "111222333", "status_id": "3"},
        {"outbound_id": []},
        lambda c: c.phone_status_set("111222333", 3),
        id="phone_status_set",
    ),
    pytest.param(
        "POST",
        BASE + "outbounds/00001/records",
        {"phone_number": "600100200"},
        {"record_id": 1},
        lambda c: c.record_create("00001", phone_number="600100200"),
        id="record_create",
    ),
]


@pytest.mark.parametrize(("method", "url", "body", "answer", "call"), ENDPOINTS)
def test_every_endpoint_sends_method_url_and_headers(api, rsps, method, url, body, answer, call):
    headers = {**JSON_HEADERS, "Accept-Language": "pl"}
    rsps.add(
        method,
        url,
        status=200,
        json=answer,
        body=None if answer is not None else "",
        match=[matchers.header_matcher(headers)],
    )

    call(api.with_language("pl"))

    request = only_call(rsps)
    assert request.method == method
    assert request.url == url
    for name, value in headers.items():
        assert request.headers[name] == value
    if body is None:
        assert "Content-Type" not in request.headers
        assert not request.body
    else:
        assert request.headers["Content-Type"] == "application/json; charset=utf-8"
        assert json.loads(request.body) == body


def test_basic_auth_header_is_the_api_user_and_password(api, rsps):
    rsps.get(BASE + "outbounds/stats", json=[])
    api.campaign_stats()
    scheme, token = only_call(rsps).headers["Authorization"].split(" ")
    assert scheme == "Basic"
    assert base64.b64decode(token).decode() == f"{USER}:{PASSWORD}"


def test_password_outside_latin1_is_sent_as_utf8(fake_time, rsps):
    # requests alone would raise UnicodeEncodeError (carrying the password) on such a password.
    client = make_client(fake_time, username="operator", password="hasło-zażółć")
    rsps.get(BASE + "outbounds/stats", json=[])
    client.campaign_stats()
    token = only_call(rsps).headers["Authorization"].removeprefix("Basic ")
    assert base64.b64decode(token) == "operator:hasło-zażółć".encode()


def test_default_language_is_english(api, rsps):
    rsps.get(BASE + "outbounds/stats", json=[])
    api.campaign_stats()
    assert only_call(rsps).headers["Accept-Language"] == "en"


def test_with_language_is_a_copy_sharing_the_session(api):
    polish = api.with_language("pl")
    assert polish is not api
    assert polish.language == "pl"
    assert api.language == "en"
    assert polish.session is api.session
    assert polish.base_url == api.base_url
    assert polish.retry == api.retry


def test_redirects_are_not_followed(api, rsps):
    # Following one would send the credentials to wherever the Location points.
    rsps.get(BASE + "outbounds/stats", status=302, headers={"Location": "https://evil.test/"})
    with pytest.raises(errors.BadResponse) as info:
        api.campaign_stats()
    assert info.value.status == 302
    assert len(rsps.calls) == 1


def test_base_url_gets_a_trailing_slash(fake_time, rsps):
    client = make_client(fake_time, base_url="https://acme.thulium.com/api")
    rsps.get(BASE + "outbounds/stats", json=[])
    client.campaign_stats()
    assert only_call(rsps).url == BASE + "outbounds/stats"


def test_missing_base_url_is_refused(fake_time):
    with pytest.raises(errors.InvalidArgument):
        make_client(fake_time, base_url="")


def test_timeouts_and_verify_are_passed_to_requests(fake_time, rsps):
    client = make_client(
        fake_time, connect_timeout=2.5, read_timeout=12.0, verify="/etc/ssl/custom-ca.pem"
    )
    rsps.get(BASE + "outbounds/stats", json=[])
    client.campaign_stats()
    call = rsps.calls[0]
    assert call.request.req_kwargs["timeout"] == (2.5, 12.0)
    assert call.request.req_kwargs["verify"] == "/etc/ssl/custom-ca.pem"


def test_certificates_are_verified_by_default(api, rsps):
    rsps.get(BASE + "outbounds/stats", json=[])
    api.campaign_stats()
    assert api.verify is True
    # True, or the CA bundle that REQUESTS_CA_BUNDLE names: never False.
    verify = rsps.calls[0].request.req_kwargs["verify"]
    assert verify is True or isinstance(verify, str)


# --- reads ---------------------------------------------------------------------------------------


def test_campaign_statuses_parse_loose_types(api, rsps):
    rsps.get(BASE + "outbounds/00001/statuses", json=STATUSES)
    statuses = api.campaign_statuses("00001")
    assert statuses == [
        CampaignStatus(status_id="3", name="Contact", system_status="CALL", dictionary_status_id=2),
        CampaignStatus(
            status_id="5", name="No", system_status="NO_CALL", dictionary_status_id=None
        ),
        CampaignStatus(
            status_id="7", name="Mine", system_status="MY_RECORD", dictionary_status_id=None
        ),
    ]
    assert statuses[2].requires_agent
    assert statuses[2].requires_next_call_date
    with pytest.raises(dataclasses.FrozenInstanceError):
        statuses[0].name = "changed"


def test_campaign_stats(api, rsps):
    rsps.get(
        BASE + "outbounds/stats",
        json=[
            {"id": "00001", "records_count": 1324, "completion_percent": 14.87},
            {"id": "0000A", "records_count": "7", "completion_percent": ""},
        ],
    )
    assert api.campaign_stats() == [
        CampaignSummary(campaign_id="00001", records_count=1324, completion_percent=14.87),
        CampaignSummary(campaign_id="0000A", records_count=7, completion_percent=None),
    ]


def test_campaign_agents(api, rsps):
    rsps.get(
        BASE + "outbounds/00001/agents",
        json=[
            {
                "login": "j.doe",
                "number": "3113",
                "active": True,
                "active_in_outbound": True,
                "agent_id": 7,
            },
            {
                "login": "a.nowak",
                "number": 3114,
                "active": "0",
                "active_in_outbound": "1",
                "agent_id": "",
            },
        ],
    )
    assert api.campaign_agents("00001") == [
        Agent(login="j.doe", number="3113", active=True, active_in_outbound=True, agent_id="7"),
        Agent(login="a.nowak", number="3114", active=False, active_in_outbound=True, agent_id=None),
    ]


def test_campaign_records_page(api, rsps):
    rsps.get(
        BASE + "outbounds/00001/records",
        match=[matchers.query_param_matcher({"limit": 50, "offset": 100})],
        json={
            "count": "2",
            "result": [
                {
                    "record_id": 5235,
                    "phone_number": "333444555",
                    "system_status": "CALL",
                    "status": "Contact needed",
                    "status_id": 3,
                    "call_date": "",
                    "create_date": "2024-01-02 10:00:00",
                    "next_call_date": None,
                    "agent_name": "",
                    "agent_login": "j.doe",
                    "last_note": "",
                    "identifier": "1234567890",
                    "order": 1,
                },
                {"record_id": "5236", "status_id": "", "identifier": ""},
            ],
        },
    )
    page = api.campaign_records("00001", limit=50, offset=100)
    assert only_call(rsps).url == BASE + "outbounds/00001/records?limit=50&offset=100"
    assert page == RecordsPage(
        count=2,
        records=(
            CampaignRecord(
                record_id="5235",
                identifier="1234567890",
                phone_number="333444555",
                system_status="CALL",
                status_name="Contact needed",
                status_id="3",
                agent_login="j.doe",
                agent_name=None,
                next_call_date=None,
                call_date=None,
                create_date="2024-01-02 10:00:00",
                last_note=None,
                order=1,
            ),
            CampaignRecord(
                record_id="5236",
                identifier=None,
                phone_number="",
                system_status="",
                status_name="",
                status_id=None,
                agent_login=None,
                agent_name=None,
                next_call_date=None,
                call_date=None,
                create_date=None,
                last_note=None,
            ),
        ),
    )


def test_campaign_records_count_defaults_to_the_page_length(api, rsps):
    rsps.get(BASE + "outbounds/00001/records", json={"result": [{"record_id": 1}]})
    assert api.campaign_records("00001").count == 1


@pytest.mark.parametrize(("limit", "offset"), [(0, 0), (101, 0), (-1, 0), (10, -1)])
def test_campaign_records_refuses_bad_paging(api, rsps, limit, offset):
    with pytest.raises(errors.InvalidArgument):
        api.campaign_records("00001", limit=limit, offset=offset)
    assert len(rsps.calls) == 0


def test_customer(api, rsps):
    rsps.get(
        BASE + "customers/13",
        json={
            "customer_id": 13,
            "name": "Jan",
            "surname": "Kowalski",
            "phone_number": "333444555",
            "phone_numbers": [{"phone_number": "333444556"}, "333444557"],
            "email": "",
            "company_id": 4,
            "company": {"name": "ACME"},
            "identifier": None,
        },
    )
    customer = api.customer("13")
    assert customer == Customer(
        customer_id="13",
        name="Jan",
        surname="Kowalski",
        phone_number="333444555",
        phone_numbers=("333444556", "333444557"),
        email=None,
        company_id="4",
        company_name="ACME",
        identifier=None,
    )
    assert customer.full_name == "Jan Kowalski"


# --- writes -------------------------------------------------------------------------------------


def test_record_update_sends_exactly_the_given_body(api, rsps):
    changes = {
        "status_id": "3",
        "dictionary_status_id": 8,
        "agent_login": "j.doe",
        "record_fields": {"field1": "zażółć gęślą jaźń", "field2": ""},
        "next_call_date": "2018-05-24 12:24",
    }
    rsps.put(
        BASE + "outbounds/00001/records_by_identifier/1234567890",
        status=204,
        body="",
        match=[
            matchers.json_params_matcher(changes, strict_match=True),
            matchers.header_matcher({"Content-Type": "application/json; charset=utf-8"}),
        ],
    )
    assert api.record_update("00001", "1234567890", changes=changes) is None
    request = only_call(rsps)
    assert request.body == json.dumps(changes, ensure_ascii=False).encode("utf-8")
    assert "zażółć gęślą jaźń".encode() in request.body


def test_record_update_with_an_empty_change_sends_an_empty_object(api, rsps):
    rsps.put(
        BASE + "outbounds/00001/records_by_identifier/1",
        body="",
        match=[matchers.json_params_matcher({}, strict_match=True)],
    )
    api.record_update("00001", "1", changes={})
    assert only_call(rsps).body == b"{}"


@pytest.mark.parametrize(
    ("status", "body"), [(200, ""), (204, ""), (200, "{}"), (200, "OK"), (201, "null")]
)
def test_writes_accept_any_success_body(api, rsps, status, body):
    url = BASE + "outbounds/00001/records_by_identifier/1234567890"
    rsps.put(url, status=status, body=body)
    rsps.delete(url, status=status, body=body)
    assert api.record_update("00001", "1234567890", changes={"status_id": "3"}) is None
    assert api.record_delete("00001", "1234567890") is None
    assert [call.request.method for call in rsps.calls] == ["PUT", "DELETE"]


def test_record_delete(api, rsps):
    rsps.delete(
        BASE + "outbounds/00001/records_by_identifier/1234567890",
        status=200,
        body="",
        match=[matchers.header_matcher(JSON_HEADERS)],
    )
    api.record_delete("00001", "1234567890")
    request = only_call(rsps)
    assert request.method == "DELETE"
    assert "Content-Type" not in request.headers


# --- batch: records by phone number ------------------------------------------------------------


def test_records_delete_by_phone_query_string_is_exact(api, rsps):
    expected = (
        BASE + "batch/outbounds/00001/records"
        "?phone_number%5B%5D=441&phone_number%5B%5D=%2B48%20600&phone_number%5B%5D=442"
        "&search_in_additional_numbers=true"
    )
    rsps.delete(
        BASE + "batch/outbounds/00001/records",
        json={},
        match=[
            # What the server decodes: the documented `phone_number[]`, repeated, in order.
            matchers.query_string_matcher(
                "phone_number[]=441&phone_number[]=%2B48%20600&phone_number[]=442"
                "&search_in_additional_numbers=true"
            ),
            matchers.query_param_matcher(
                {
                    "phone_number[]": ["441", "+48 600", "442"],
                    "search_in_additional_numbers": "true",
                }
            ),
        ],
    )
    numbers = ["441", "+48 600", "442"]
    api.records_delete_by_phone("00001", numbers, search_in_additional_numbers=True)

    request = only_call(rsps)
    assert request.url == expected
    assert api.phone_deletion_url("00001", numbers, search_in_additional_numbers=True) == expected
    # A server decoding the query (Django does, in the sandbox) sees Thulium's parameter names.
    query = QueryDict(urlsplit(request.url).query)
    assert query.getlist("phone_number[]") == numbers
    assert query["search_in_additional_numbers"] == "true"


def test_records_delete_by_phone_without_the_flag(api, rsps):
    rsps.delete(
        BASE + "batch/outbounds/00001/records",
        json={},
        match=[matchers.query_param_matcher({"phone_number[]": ["441", "442"]})],
    )
    api.records_delete_by_phone("00001", ["441", "442"])
    url = only_call(rsps).url
    assert url == (
        BASE + "batch/outbounds/00001/records?phone_number%5B%5D=441&phone_number%5B%5D=442"
    )
    assert "search_in_additional_numbers" not in url
    assert url == api.phone_deletion_url("00001", ["441", "442"])


@pytest.mark.parametrize(
    ("number", "quoted"),
    [
        ("+48 600", "%2B48%20600"),
        ("441&phone_number[]=1", "441%26phone_number%5B%5D%3D1"),
        ("441#frag", "441%23frag"),
        ("441?x=1", "441%3Fx%3D1"),
        ("50%", "50%25"),
        ("600/700", "600%2F700"),
        ("٤٤١", "%D9%A4%D9%A4%D9%A1"),
        (" 441 ", "441"),
    ],
)
def test_phone_numbers_are_quoted_into_one_value(api, rsps, number, quoted):
    rsps.delete(BASE + "batch/outbounds/00001/records", json={})
    api.records_delete_by_phone("00001", [number])
    url = only_call(rsps).url
    assert url == f"{BASE}batch/outbounds/00001/records?phone_number%5B%5D={quoted}"
    assert url == api.phone_deletion_url("00001", [number])
    assert QueryDict(urlsplit(url).query).getlist("phone_number[]") == [number.strip()]


def test_query_item_is_the_bytes_each_number_adds():
    assert query_item("phone_number", "+48 600") == "phone_number%5B%5D=%2B48%20600"
    assert query_item("customer_id", "13") == "customer_id%5B%5D=13"


def test_query_item_sizes_add_up_to_the_url(api):
    numbers = [f"6000000{i:02d}" for i in range(40)]
    base = api.phone_deletion_url("00001", numbers[:1])
    url = api.phone_deletion_url("00001", numbers)
    extra = sum(len(query_item("phone_number", n)) + 1 for n in numbers[1:])
    assert len(url) == len(base) + extra


@pytest.mark.parametrize("numbers", [[], (), "441", ["441", ""], ["  "]])
def test_records_delete_by_phone_refuses_bad_lists(api, rsps, numbers):
    with pytest.raises(errors.InvalidArgument):
        api.records_delete_by_phone("00001", numbers)
    with pytest.raises(errors.InvalidArgument):
        api.phone_deletion_url("00001", numbers)
    assert len(rsps.calls) == 0


def test_records_delete_by_phone_parses_every_outcome(api, rsps):
    rsps.delete(
        BASE + "batch/outbounds/00001/records",
        json={
            "441": [
                {"http_status": 200, "record_id": 5235, "status": "REMOVED"},
                {"http_status": 200, "record_id": "5226", "status": "REMOVED"},
            ],
            "442": [{"http_status": 404, "status": "NOT_EXIST"}],
            "443": [
                {"http_status": "409", "record_id": 77, "status": "CALL_IN_PROGRESS"},
                {"http_status": 200, "record_id": 78, "status": "REMOVED"},
            ],
            "444": {"http_status": 500, "status": "SOMETHING_NEW", "message": "Odd."},
            "445": [],
        },
    )
    report = api.records_delete_by_phone("00001", ["441", "442", "443", "444", "445"])
    assert report.maybe_applied_earlier is False
    assert dict(report.results) == {
        "441": (
            PhoneRecordOutcome(status="REMOVED", http_status=200, record_id="5235"),
            PhoneRecordOutcome(status="REMOVED", http_status=200, record_id="5226"),
        ),
        "442": (PhoneRecordOutcome(status="NOT_EXIST", http_status=404, record_id=None),),
        "443": (
            PhoneRecordOutcome(status="CALL_IN_PROGRESS", http_status=409, record_id="77"),
            PhoneRecordOutcome(status="REMOVED", http_status=200, record_id="78"),
        ),
        "444": (
            PhoneRecordOutcome(
                status="SOMETHING_NEW", http_status=500, record_id=None, message="Odd."
            ),
        ),
        "445": (),
    }
    assert report.results["442"][0].status == PhoneOutcomeStatus.NOT_EXIST
    assert report.results["443"][0].status == PhoneOutcomeStatus.CALL_IN_PROGRESS


@pytest.mark.parametrize(
    "answer",
    [[], "REMOVED", {"441": ["REMOVED"]}, {"441": [{"status": "REMOVED"}, 5]}, None],
)
def test_records_delete_by_phone_bad_shapes(api, rsps, answer):
    rsps.delete(BASE + "batch/outbounds/00001/records", json=answer)
    with pytest.raises(errors.BadResponse) as info:
        api.records_delete_by_phone("00001", ["441"])
    assert info.value.status == 200


# --- batch: customers ---------------------------------------------------------------------------


def test_customers_delete(api, rsps):
    rsps.delete(
        BASE + "batch/customers",
        match=[matchers.query_param_matcher({"customer_id[]": ["13", "14", "15"]})],
        json={
            "13": {"http_status": 204},
            "14": {"http_status": 404, "message": "Customer not found."},
            "15": 204,
        },
    )
    report = api.customers_delete([13, "14", " 15 "])
    url = only_call(rsps).url
    assert url == (
        BASE + "batch/customers?customer_id%5B%5D=13&customer_id%5B%5D=14&customer_id%5B%5D=15"
    )
    assert url == api.customer_deletion_url([13, "14", " 15 "])
    assert QueryDict(urlsplit(url).query).getlist("customer_id[]") == ["13", "14", "15"]
    assert dict(report.results) == {
        "13": CustomerDeletionOutcome(http_status=204, message=None),
        "14": CustomerDeletionOutcome(http_status=404, message="Customer not found."),
        "15": CustomerDeletionOutcome(http_status=204, message=None),
    }
    assert report.results["13"].deleted
    assert not report.results["14"].deleted
    assert report.maybe_applied_earlier is False


@pytest.mark.parametrize("ids", [[], (), "13", [13, 0], [13, "x"]])
def test_customers_delete_refuses_bad_lists(api, rsps, ids):
    with pytest.raises(errors.InvalidArgument):
        api.customers_delete(ids)
    with pytest.raises(errors.InvalidArgument):
        api.customer_deletion_url(ids)
    assert len(rsps.calls) == 0


@pytest.mark.parametrize("answer", [[], "deleted", None, 13])
def test_customers_delete_bad_shapes(api, rsps, answer):
    rsps.delete(BASE + "batch/customers", json=answer)
    with pytest.raises(errors.BadResponse):
        api.customers_delete([13])


# --- shapes the contract does not promise ---------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "url", "answer"),
    [
        (lambda c: c.campaign_stats(), "outbounds/stats", {"id": "00001"}),
        (lambda c: c.campaign_stats(), "outbounds/stats", [{"records_count": 3}]),
        (lambda c: c.campaign_statuses("00001"), "outbounds/00001/statuses", [{"name": "x"}]),
        (lambda c: c.campaign_statuses("00001"), "outbounds/00001/statuses", ["CALL"]),
        (lambda c: c.campaign_statuses("00001"), "outbounds/00001/statuses", None),
        (lambda c: c.campaign_agents("00001"), "outbounds/00001/agents", [{"number": "1"}]),
        (lambda c: c.campaign_records("00001"), "outbounds/00001/records", []),
        (lambda c: c.campaign_records("00001"), "outbounds/00001/records", {"result": {}}),
        (lambda c: c.campaign_records("00001"), "outbounds/00001/records", {"result": [{}]}),
        (lambda c: c.campaign_records("00001"), "outbounds/00001/records", {"result": [1]}),
        (
            lambda c: c.campaign_records("00001"),
            "outbounds/00001/records",
            {"count": "many", "result": []},
        ),
        (lambda c: c.customer(13), "customers/13", [{"customer_id": 13}]),
        (lambda c: c.customer(13), "customers/13", {"name": "Jan"}),
    ],
)
def test_unexpected_shapes_are_bad_responses(api, rsps, call, url, answer):
    rsps.get(BASE + url, json=answer)
    with pytest.raises(errors.BadResponse) as info:
        call(api)
    assert info.value.status == 200
    assert len(rsps.calls) == 1


@pytest.mark.parametrize(
    "body", ["", "OK", "<html><body>Welcome</body></html>", "{broken", "[1, 2"]
)
def test_non_json_success_body_is_a_bad_response(api, rsps, body):
    rsps.get(BASE + "outbounds/00001/statuses", body=body, status=200)
    with pytest.raises(errors.BadResponse) as info:
        api.campaign_statuses("00001")
    assert info.value.status == 200
    assert "not JSON" in info.value.message
    if "Welcome" in body:
        assert "Welcome" in info.value.message
        assert "<body>" not in info.value.message
    assert len(rsps.calls) == 1


def test_retry_policy_defaults(api):
    assert api.retry == RetryPolicy(
        max_retries=4, budget_seconds=60.0, backoff_seconds=0.5, max_backoff_seconds=10.0
    )


def test_responses_mock_refuses_unregistered_urls(api, rsps):
    """The safety net the validation tests rely on: nothing unregistered gets an answer."""
    with pytest.raises(errors.Unavailable):
        api.campaign_statuses("00001")
    assert len(rsps.calls) == api.retry.max_retries + 1
    assert isinstance(rsps.calls[0].response, responses.ConnectionError)
