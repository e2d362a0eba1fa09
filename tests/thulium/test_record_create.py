"""`record_create`: POST outbounds/:id/records, its body, its undocumented answer, retries."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime

import pytest
from responses import matchers

from tests.thulium.helpers import BASE, BASIC
from thuladmin.thulium import errors
from thuladmin.thulium.types import CreatedRecord

URL = BASE + "outbounds/00001/records"


def sent_body(rsps) -> dict:
    assert len(rsps.calls) == 1
    return json.loads(rsps.calls[0].request.body)


def test_a_phone_number_alone(api, rsps):
    rsps.post(
        URL,
        status=201,
        json={"record_id": 5240, "identifier": "1234567899"},
        match=[
            matchers.json_params_matcher({"phone_number": "600100200"}),
            matchers.header_matcher(
                {
                    "Accept": "application/json",
                    "Authorization": BASIC,
                    "Content-Type": "application/json; charset=utf-8",
                }
            ),
        ],
    )
    created = api.record_create("00001", phone_number=" 600100200 ")
    assert created == CreatedRecord(record_id="5240", identifier="1234567899")


def test_every_argument_goes_in_the_body(api, rsps):
    rsps.post(URL, status=201, json={"record_id": "17"})
    created = api.record_create(
        "00001",
        phone_number="600100200",
        status_id=5,
        dictionary_status_id="8",
        identifier="CRM-42",
        agent_login="j.doe",
        next_call_date=datetime(2030, 5, 24, 12, 24, 59),
        record_fields={"imie": "Zażółć", "kwota": 12.5, "sztuk": 3},
        order=0,
    )
    assert sent_body(rsps) == {
        "phone_number": "600100200",
        "status_id": "5",
        "dictionary_status_id": 8,
        "identifier": "CRM-42",
        "agent_login": "j.doe",
        "next_call_date": "2030-05-24 12:24",
        "record_fields": {"imie": "Zażółć", "kwota": 12.5, "sztuk": 3},
        "order": 0,
    }
    # The identifier sent stands in when the answer does not echo it.
    assert created == CreatedRecord(record_id="17", identifier="CRM-42")


def test_next_call_date_as_text(api, rsps):
    rsps.post(URL, status=201, json={})
    api.record_create(
        "00001", phone_number="600100200", status_id="7", next_call_date=" 2030-05-24 08:05 "
    )
    assert sent_body(rsps)["next_call_date"] == "2030-05-24 08:05"


@pytest.mark.parametrize(
    ("status", "body", "expected"),
    [
        (201, {"record_id": 5240, "identifier": 1234567899}, ("5240", "1234567899")),
        (200, {"id": 5240}, ("5240", None)),
        (200, {"record_id": ""}, (None, None)),
        (200, {"record_id": True}, (None, None)),
        (200, {"record_id": [1]}, (None, None)),
        (201, 5240, ("5240", None)),
        (201, "5240", ("5240", None)),
        (201, None, (None, None)),
        (201, [], (None, None)),
        (204, b"", (None, None)),
        (200, b"OK", (None, None)),
        (200, b"<html><body>Created</body></html>", (None, None)),
    ],
)
def test_any_success_counts_as_added(api, rsps, status, body, expected):
    if isinstance(body, bytes):
        rsps.post(URL, status=status, body=body)
    else:
        rsps.post(URL, status=status, json=body)
    created = api.record_create("00001", phone_number="600100200")
    assert (created.record_id, created.identifier) == expected


@pytest.mark.parametrize(
    "options",
    [
        {"phone_number": ""},
        {"phone_number": None},
        {"phone_number": 600100200},
        {"status_id": ""},
        {"status_id": True},
        {"status_id": 3.5},
        {"dictionary_status_id": 0},
        {"dictionary_status_id": "x"},
        {"identifier": ""},
        {"identifier": "a/b"},
        {"identifier": ".."},
        {"agent_login": ""},
        {"agent_login": "j doe"},
        {"agent_login": 7},
        {"next_call_date": "2030-05-24"},
        {"next_call_date": "24.05.2030 12:00"},
        {"next_call_date": "2030-02-30 12:00"},
        {"next_call_date": "2030-05-24 25:00"},
        {"next_call_date": datetime(2030, 5, 24, 12, 0, tzinfo=UTC)},
        {"next_call_date": 20300524},
        {"record_fields": ["imie"]},
        {"record_fields": {"imie": None}},
        {"record_fields": {"imie": True}},
        {"record_fields": {"imie": ["Ola"]}},
        {"record_fields": {"kwota": math.nan}},
        {"record_fields": {"": "x"}},
        {"record_fields": {1: "x"}},
        {"order": "1"},
        {"order": True},
        {"order": 1.0},
    ],
)
def test_odd_arguments_are_refused_before_sending(api, rsps, fake_time, options):
    arguments = {"phone_number": "600100200", **options}
    with pytest.raises(errors.InvalidArgument):
        api.record_create("00001", **arguments)
    assert len(rsps.calls) == 0
    assert fake_time.sleeps == []


@pytest.mark.parametrize("campaign_id", ["0001", "../00", "", None])
def test_bad_campaign_ids_are_refused(api, rsps, campaign_id):
    with pytest.raises(errors.InvalidArgument):
        api.record_create(campaign_id, phone_number="600100200")
    assert len(rsps.calls) == 0


def test_a_duplicate_number_is_a_rejection_with_the_api_message(api, rsps):
    rsps.post(
        URL,
        status=400,
        json={
            "request_id": "53678450401cf",
            "errors": [
                {"message": "Phone number 600100200 already exists in this campaign.", "code": 1}
            ],
        },
    )
    with pytest.raises(errors.Rejected) as info:
        api.record_create("00001", phone_number="600100200")
    assert info.value.message == "Phone number 600100200 already exists in this campaign."
    assert info.value.maybe_applied is False
    assert len(rsps.calls) == 1


def test_a_refusal_after_a_possibly_applied_attempt_says_so(api, rsps):
    """The first attempt may have added the record; the retry is refused as a duplicate."""
    rsps.post(URL, status=502)
    rsps.post(URL, status=400, json={"errors": [{"message": "already exists"}]})
    with pytest.raises(errors.Rejected) as info:
        api.record_create("00001", phone_number="600100200")
    assert info.value.maybe_applied is True
    assert rsps.calls[0].request.body == rsps.calls[1].request.body


def test_a_retried_creation_is_flagged(api, rsps):
    rsps.post(URL, status=503)
    rsps.post(URL, status=201, json={"record_id": 1})
    created = api.record_create("00001", phone_number="600100200")
    assert created == CreatedRecord(record_id="1", identifier=None, maybe_applied_earlier=False)
    assert len(rsps.calls) == 2
