"""POST outbounds/:id/records: adding one record, its validation and its answer."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone

from thuladmin.sandbox import faults
from thuladmin.sandbox.models import Record

PATH = "outbounds/00001/records"
REQUEST_ID = re.compile(r"[0-9a-f]{13}")


def error_body(response) -> list[dict]:
    assert response.status_code == 400, response.content
    body = response.json()
    assert set(body) == {"request_id", "errors"}
    assert REQUEST_ID.fullmatch(body["request_id"])
    return body["errors"]


def test_a_phone_number_alone_adds_a_record_to_call(api, seeded):
    before = timezone.now()
    response = api("post", PATH, {"phone_number": "600199001"})

    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"record_id", "identifier"}
    record = Record.objects.select_related("status").get(record_id=body["record_id"])
    assert record.campaign_id == "00001"
    assert record.phone_number == "600199001"
    assert record.identifier == body["identifier"]
    assert re.fullmatch(r"\d{10}", record.identifier)
    assert (record.status.status_id, record.status.system_status) == ("1", "TO_CALL")
    assert record.create_date >= before
    assert record.order == 0
    assert not record.in_call


def test_the_new_record_is_listed_last(api, seeded):
    record_id = api("post", PATH, {"phone_number": "600199002"}).json()["record_id"]
    count = api("get", f"{PATH}?limit=1").json()["count"]
    last = api("get", f"{PATH}?limit=1&offset={count - 1}").json()["result"][0]
    assert last["record_id"] == record_id
    assert last["phone_number"] == "600199002"
    assert last["system_status"] == "TO_CALL"


def test_every_field(api, seeded):
    response = api(
        "post",
        PATH,
        {
            "phone_number": "600199003",
            "status_id": "3",
            "dictionary_status_id": 2,
            "identifier": "CRM-42",
            "record_fields": {"imie": "Ola", "kwota": 12.5},
            "order": 7,
        },
    )
    assert response.status_code == 201
    assert response.json()["identifier"] == "CRM-42"
    record = Record.objects.get(campaign_id="00001", identifier="CRM-42")
    assert record.status.status_id == "3"
    assert record.dictionary_status_id == 2
    assert record.record_fields == {"imie": "Ola", "kwota": 12.5}
    assert record.order == 7


def test_loose_types(api, seeded):
    response = api("post", PATH, {"phone_number": 600199004, "status_id": 3, "identifier": 77})
    assert response.status_code == 201
    record = Record.objects.get(record_id=response.json()["record_id"])
    assert (record.phone_number, record.status.status_id, record.identifier) == (
        "600199004",
        "3",
        "77",
    )


def test_my_record_with_agent_and_date(api, seeded):
    response = api(
        "post",
        PATH,
        {
            "phone_number": "600199005",
            "status_id": "5",
            "agent_login": "j.kowalski",
            "next_call_date": "2030-05-24 12:24",
        },
    )
    assert response.status_code == 201
    record = Record.objects.get(record_id=response.json()["record_id"])
    assert record.agent_login == "j.kowalski"
    assert timezone.localtime(record.next_call_date).strftime("%Y-%m-%d %H:%M") == (
        "2030-05-24 12:24"
    )


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        (
            {"status_id": "5"},
            [
                {"message": "Field phone_number is required.", "code": 4016},
                {"message": "agent_login is required for system status MY_RECORD.", "code": 4010},
                {
                    "message": "next_call_date is required for system status MY_RECORD.",
                    "code": 4011,
                },
            ],
        ),
        (
            {"phone_number": "600199006", "status_id": "5", "agent_login": "j.kowalski"},
            [
                {
                    "message": "next_call_date is required for system status MY_RECORD.",
                    "code": 4011,
                }
            ],
        ),
        (
            {"phone_number": "600199006", "status_id": "7"},
            [
                {
                    "message": "next_call_date is required for system status CALL_NO_SOONER_THAN.",
                    "code": 4011,
                }
            ],
        ),
        (
            {"phone_number": "600100200"},
            [{"message": "Phone number 600100200 already exists in this campaign.", "code": 4022}],
        ),
        (
            {"phone_number": "600199006", "identifier": "1234567890"},
            [{"message": "Identifier 1234567890 already exists in this campaign.", "code": 4023}],
        ),
        ({}, [{"message": "Field phone_number is required.", "code": 4016}]),
        ({"phone_number": "60 01"}, [{"message": "Wrong format of phone number.", "code": 4017}]),
        ({"phone_number": True}, [{"message": "Wrong format of phone number.", "code": 4017}]),
        (
            {"phone_number": "600199006", "identifier": "a/b"},
            [
                {
                    "message": "Invalid identifier: at most 64 characters, without slashes or "
                    "control characters.",
                    "code": 4024,
                }
            ],
        ),
        (
            {"phone_number": "600199006", "order": "1"},
            [{"message": "order must be an integer.", "code": 4025}],
        ),
        (
            {"phone_number": "600199006", "status_id": "999"},
            [{"message": "Status not found.", "code": 4004}],
        ),
        (
            {"phone_number": "600199006", "agent_login": "nobody"},
            [{"message": "Agent not found.", "code": 4007}],
        ),
        (
            {"phone_number": "600199006", "next_call_date": "24.05.2030"},
            [{"message": "Wrong date format. Expected YYYY-MM-DD hh:mm.", "code": 4009}],
        ),
        (
            {"phone_number": "600199006", "record_fields": ["x"]},
            [{"message": "record_fields must be an object of strings or numbers.", "code": 4008}],
        ),
        (
            {"phone_number": "600199006", "customer_id": 13},
            [{"message": "Unknown field: customer_id.", "code": 4003}],
        ),
    ],
)
def test_bad_bodies_are_400_with_every_error_and_add_nothing(api, seeded, body, errors):
    before = Record.objects.count()
    assert error_body(api("post", PATH, body)) == errors
    assert Record.objects.count() == before


def test_the_same_number_may_be_in_another_campaign(api, seeded):
    assert api("post", "outbounds/00002/records", {"phone_number": "600100200"}).status_code == 201


def test_sending_the_same_record_twice_adds_it_once(api, seeded):
    body = {"phone_number": "600199007"}
    assert api("post", PATH, body).status_code == 201
    assert error_body(api("post", PATH, body))[0]["code"] == 4022
    assert Record.objects.filter(campaign_id="00001", phone_number="600199007").count() == 1


@pytest.mark.parametrize(
    ("raw", "code"), [("{broken", 4001), ('["600199008"]', 4002), ("null", 4002)]
)
def test_body_that_is_not_a_json_object_is_400(api, seeded, raw, code):
    assert error_body(api("post", PATH, raw))[0]["code"] == code


def test_errors_in_polish(api, seeded):
    errors = error_body(api("post", PATH, {"phone_number": "600100200"}, lang="pl"))
    assert errors == [
        {"message": "Numer telefonu 600100200 już istnieje w tej kampanii.", "code": 4022}
    ]


def test_unknown_campaign_is_404(api, seeded):
    response = api("post", "outbounds/99999/records", {"phone_number": "600199009"})
    assert response.status_code == 404
    assert response.json()["errors"] == [{"message": "Campaign not found.", "code": 4041}]


def test_other_methods_are_405(api, seeded):
    response = api("put", PATH, {"phone_number": "600199010"})
    assert response.status_code == 405
    assert response["Allow"] == "GET, POST"


def test_an_injected_429_adds_nothing(api, seeded, settings, monkeypatch):
    monkeypatch.setattr(faults, "sleep", lambda seconds: None)
    settings.SANDBOX_RATE_LIMIT_RATE = 1.0
    assert api("post", PATH, {"phone_number": "600199011"}).status_code == 429
    assert not Record.objects.filter(phone_number="600199011").exists()
