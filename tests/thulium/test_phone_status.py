"""`phone_status_set`: POST outbound_status_by_phone_number, its body, answer and retries."""

from __future__ import annotations

import json

import pytest
import requests
from responses import matchers

from tests.thulium.helpers import BASE, BASIC, reset
from thuladmin.thulium import errors
from thuladmin.thulium.types import PhoneStatusResult

URL = BASE + "outbound_status_by_phone_number"


def test_sends_the_documented_body_and_headers(api, rsps):
    rsps.post(
        URL,
        json={"outbound_id": ["00001", "00002"]},
        match=[
            matchers.json_params_matcher({"phone_number": "111222333", "status_id": "3"}),
            matchers.header_matcher(
                {
                    "Accept": "application/json",
                    "Authorization": BASIC,
                    "Content-Type": "application/json; charset=utf-8",
                    "Accept-Language": "pl",
                }
            ),
        ],
    )

    result = api.with_language("pl").phone_status_set("111222333", 3)

    assert result == PhoneStatusResult(campaign_ids=("00001", "00002"))
    assert rsps.calls[0].request.method == "POST"
    assert rsps.calls[0].request.url == URL


@pytest.mark.parametrize(
    ("phone_number", "dictionary_status_id", "sent"),
    [
        (" 111222333 ", "3", {"phone_number": "111222333", "status_id": "3"}),
        ("+48 111 222 333", " 20 ", {"phone_number": "+48 111 222 333", "status_id": "20"}),
        ("111222333", "007", {"phone_number": "111222333", "status_id": "7"}),
    ],
)
def test_values_are_trimmed_and_the_id_sent_as_a_string(
    api, rsps, phone_number, dictionary_status_id, sent
):
    rsps.post(URL, json={"outbound_id": []}, match=[matchers.json_params_matcher(sent)])
    api.phone_status_set(phone_number, dictionary_status_id)
    assert json.loads(rsps.calls[0].request.body) == sent


@pytest.mark.parametrize(
    ("answer", "campaign_ids"),
    [
        ({"outbound_id": []}, ()),
        ({"outbound_id": ""}, ()),
        ({"outbound_id": ["00003"]}, ("00003",)),
        ({"outbound_id": [1, "00002", 3]}, ("00001", "00002", "00003")),
        ({"outbound_id": ["00001", "00001"]}, ("00001",)),
        ({"outbound_id": " 0000A "}, ("0000A",)),
        ({"outbound_id": 12}, ("00012",)),
        ({"outbound_id": ["00001"], "request_id": "x", "other": 1}, ("00001",)),
    ],
)
def test_loose_answers_become_campaign_id_strings(api, rsps, answer, campaign_ids):
    rsps.post(URL, json=answer)
    assert api.phone_status_set("111222333", 3).campaign_ids == campaign_ids


@pytest.mark.parametrize(
    "answer",
    [
        {},
        {"outbound": ["00001"]},
        {"outbound_id": None},
        {"outbound_id": {"00001": True}},
        {"outbound_id": [None]},
        {"outbound_id": [""]},
        {"outbound_id": [True]},
        {"outbound_id": [1.5]},
        {"outbound_id": [-1]},
        {"outbound_id": [10**20]},
        {"outbound_id": [["00001"]]},
        {"outbound_id": True},
        ["00001"],
        "00001",
        None,
    ],
)
def test_missing_or_odd_outbound_id_is_a_bad_response(api, rsps, answer):
    rsps.post(URL, json=answer)
    with pytest.raises(errors.BadResponse) as info:
        api.phone_status_set("111222333", 3)
    assert info.value.status == 200


def test_non_json_answer_is_a_bad_response(api, rsps):
    rsps.post(URL, body="", status=200)
    with pytest.raises(errors.BadResponse):
        api.phone_status_set("111222333", 3)


@pytest.mark.parametrize("phone_number", ["", "   ", None, 111222333, "1" * 65, "111\n222"])
def test_bad_phone_numbers_are_refused_before_sending(api, rsps, phone_number):
    with pytest.raises(errors.InvalidArgument):
        api.phone_status_set(phone_number, 3)
    assert len(rsps.calls) == 0


@pytest.mark.parametrize("dictionary_status_id", ["", "0", 0, -3, "3a", "٣", True, None, 2.5])
def test_bad_dictionary_status_ids_are_refused_before_sending(api, rsps, dictionary_status_id):
    with pytest.raises(errors.InvalidArgument):
        api.phone_status_set("111222333", dictionary_status_id)
    assert len(rsps.calls) == 0


def test_an_error_answer_carries_the_api_message(api, rsps):
    rsps.post(
        URL,
        status=400,
        json={
            "request_id": "53678450401cf",
            "errors": [{"message": "Status not found.", "code": 1}],
        },
    )
    with pytest.raises(errors.Rejected) as info:
        api.phone_status_set("111222333", 3)
    assert info.value.message == "Status not found."
    assert info.value.request_id == "53678450401cf"
    assert len(rsps.calls) == 1  # a 4xx is never retried


def test_retried_like_every_other_call_with_the_same_body(api, rsps, fake_time):
    """429 and 5xx are retried for POST as for PUT and DELETE; setting a status is idempotent."""
    sent = [matchers.json_params_matcher({"phone_number": "111222333", "status_id": "3"})]
    rsps.post(URL, status=429, headers={"Retry-After": "2"}, match=sent)
    rsps.post(URL, status=503, match=sent)
    rsps.post(URL, json={"outbound_id": ["00001"]}, match=sent)

    result = api.phone_status_set("111222333", "3")

    assert result == PhoneStatusResult(campaign_ids=("00001",), maybe_applied_earlier=False)
    assert len(rsps.calls) == 3
    assert fake_time.sleeps[0] == 2


def test_a_retry_after_a_possibly_applied_attempt_is_flagged(api, rsps):
    rsps.post(URL, body=reset())
    rsps.post(URL, status=502)
    rsps.post(URL, json={"outbound_id": ["00001"]})
    result = api.phone_status_set("111222333", 3)
    assert result.maybe_applied_earlier is True
    assert result.campaign_ids == ("00001",)


def test_a_read_timeout_is_not_retried(api, rsps):
    rsps.post(URL, body=requests.exceptions.ReadTimeout("Read timed out."))
    with pytest.raises(errors.Timeout) as info:
        api.phone_status_set("111222333", 3)
    assert info.value.maybe_applied is True
    assert len(rsps.calls) == 1
