"""Every error class, with the HTTP status and the API's own message, whatever the body."""

from __future__ import annotations

import pytest
import requests

from tests.thulium.helpers import (
    BASE,
    body_read_timeout,
    make_client,
    read_timeout,
    refused,
    reset,
)
from thuladmin.thulium import errors
from thuladmin.thulium.client import MAX_MESSAGE_LENGTH, RetryPolicy

URL = BASE + "outbounds/00001/statuses"
NO_RETRY = RetryPolicy(max_retries=0)


@pytest.fixture
def api(fake_time, rsps):
    """No retries here: test_retries.py covers them."""
    return make_client(fake_time, retry=NO_RETRY)


THULIUM_BODY = {
    "request_id": "53678450401cf",
    "errors": [
        {"message": "Wrong format of phone number.", "code": 111111},
        {"message": "Campaign is not active.", "code": "222"},
    ],
}


@pytest.mark.parametrize(
    ("status", "error_class"),
    [
        (400, errors.Rejected),
        (401, errors.AuthenticationFailed),
        (403, errors.AuthenticationFailed),
        (404, errors.NotFound),
        (405, errors.Rejected),
        (409, errors.Rejected),
        (410, errors.Rejected),
        (422, errors.Rejected),
        (429, errors.RateLimited),
        (500, errors.Unavailable),
        (501, errors.Unavailable),
        (502, errors.Unavailable),
        (503, errors.Unavailable),
        (504, errors.Unavailable),
    ],
)
def test_status_maps_to_error_class_with_thulium_messages(api, rsps, status, error_class):
    rsps.get(URL, status=status, json=THULIUM_BODY)
    with pytest.raises(error_class) as info:
        api.campaign_statuses("00001")
    error = info.value
    assert type(error) is error_class
    assert isinstance(error, errors.ThuliumError)
    assert error.status == status
    assert error.messages == ("Wrong format of phone number.", "Campaign is not active.")
    assert error.message == "Wrong format of phone number.; Campaign is not active."
    assert str(error) == error.message
    assert error.codes == (111111, "222")
    assert error.request_id == "53678450401cf"
    assert len(rsps.calls) == 1


@pytest.mark.parametrize(
    ("status", "error_class"),
    [
        (400, errors.Rejected),
        (401, errors.AuthenticationFailed),
        (403, errors.AuthenticationFailed),
        (404, errors.NotFound),
        (409, errors.Rejected),
        (422, errors.Rejected),
        (429, errors.RateLimited),
        (500, errors.Unavailable),
        (503, errors.Unavailable),
    ],
)
def test_every_status_works_for_writes_too(api, rsps, status, error_class):
    url = BASE + "outbounds/00001/records_by_identifier/1234567890"
    rsps.put(url, status=status, json={"message": "Nope."})
    rsps.delete(url, status=status, json={"message": "Nope."})
    with pytest.raises(error_class) as info:
        api.record_update("00001", "1234567890", changes={"status_id": "3"})
    assert (info.value.status, info.value.message) == (status, "Nope.")
    with pytest.raises(error_class) as info:
        api.record_delete("00001", "1234567890")
    assert (info.value.status, info.value.message) == (status, "Nope.")


def test_record_in_a_call_is_a_rejection_with_thulium_words(api, rsps):
    rsps.delete(
        BASE + "outbounds/00001/records_by_identifier/1234567890",
        status=409,
        json={"request_id": "abc", "errors": [{"message": "Record is in a call.", "code": 7}]},
    )
    with pytest.raises(errors.Rejected) as info:
        api.record_delete("00001", "1234567890")
    assert info.value.status == 409
    assert info.value.message == "Record is in a call."
    assert info.value.codes == (7,)
    assert info.value.request_id == "abc"


@pytest.mark.parametrize(
    ("body", "content_type", "messages"),
    [
        pytest.param(
            '{"message": "Campaign not found."}',
            "application/json",
            ("Campaign not found.",),
            id="json-message",
        ),
        pytest.param(
            '{"error": "invalid_campaign"}', "application/json", ("invalid_campaign",), id="error"
        ),
        pytest.param('{"detail": "Not found."}', "application/json", ("Not found.",), id="detail"),
        pytest.param(
            '{"errors": {"message": "Only one.", "code": 3}}',
            "application/json",
            ("Only one.",),
            id="errors-as-object",
        ),
        pytest.param(
            '{"errors": ["First.", "Second."]}',
            "application/json",
            ("First.", "Second."),
            id="errors-as-strings",
        ),
        pytest.param('"Just a string."', "application/json", ("Just a string.",), id="json-str"),
        pytest.param('["One.", "Two."]', "application/json", ("One.", "Two."), id="json-list"),
        pytest.param(
            "Campaign 00001 does not exist",
            "text/plain",
            ("Campaign 00001 does not exist",),
            id="plain-text",
        ),
        pytest.param(
            "  Line one\n\n   line two  \n",
            "text/plain",
            ("Line one line two",),
            id="plain-text-whitespace",
        ),
        pytest.param(
            "<!DOCTYPE html><html><head><title>404 Not Found</title>"
            "<style>h1 {color: red}</style></head>"
            "<body><h1>Not Found</h1><p>The page was not found.</p></body></html>",
            "text/html",
            ("404 Not Found",),
            id="html-title",
        ),
        pytest.param(
            "<html><head><script>var secret = 1;</script></head><body><h1>Not Found</h1>"
            "<hr><center>nginx &amp; friends</center></body></html>",
            "text/html",
            ("Not Found nginx & friends",),
            id="html-text",
        ),
        pytest.param(
            "<title>Błąd &quot;serwera&quot;</title>",
            "text/html; charset=utf-8",
            ('Błąd "serwera"',),
            id="html-title-unicode-entities",
        ),
    ],
)
def test_error_body_shapes(api, rsps, body, content_type, messages):
    rsps.get(URL, status=404, body=body, content_type=content_type)
    with pytest.raises(errors.NotFound) as info:
        api.campaign_statuses("00001")
    error = info.value
    assert error.status == 404
    assert error.messages == messages
    assert error.message == "; ".join(messages)
    assert "<" not in error.message
    assert "color" not in error.message
    assert "secret" not in error.message


@pytest.mark.parametrize(
    ("status", "error_class"),
    [
        (400, errors.Rejected),
        (401, errors.AuthenticationFailed),
        (403, errors.AuthenticationFailed),
        (404, errors.NotFound),
        (409, errors.Rejected),
        (429, errors.RateLimited),
        (500, errors.Unavailable),
        (503, errors.Unavailable),
    ],
)
@pytest.mark.parametrize(
    "body",
    ["", "   \n", "{}", '{"errors": []}', '{"errors": [{"message": ""}]}', "null", "[]"],
)
def test_empty_error_body_gives_the_default_message(api, rsps, status, error_class, body):
    rsps.get(URL, status=status, body=body)
    with pytest.raises(error_class) as info:
        api.campaign_statuses("00001")
    error = info.value
    assert error.status == status
    assert error.messages == ()
    assert error.message == error_class.default_message
    assert str(error) == error_class.default_message


def test_codes_kept_even_without_messages(api, rsps):
    body = {"request_id": 42, "errors": [{"code": 5}, {"message": "", "code": 6}]}
    rsps.get(URL, status=422, json=body)
    with pytest.raises(errors.Rejected) as info:
        api.campaign_statuses("00001")
    assert info.value.codes == (5, 6)
    assert info.value.request_id == "42"
    assert info.value.message == errors.Rejected.default_message


def test_long_bodies_are_clipped(api, rsps):
    rsps.get(URL, status=500, body="x" * 5000)
    with pytest.raises(errors.Unavailable) as info:
        api.campaign_statuses("00001")
    assert len(info.value.message) == MAX_MESSAGE_LENGTH
    assert info.value.message.endswith("…")


def test_long_json_messages_are_clipped(api, rsps):
    rsps.get(URL, status=400, json={"errors": [{"message": "y" * 5000}]})
    with pytest.raises(errors.Rejected) as info:
        api.campaign_statuses("00001")
    assert len(info.value.messages[0]) == MAX_MESSAGE_LENGTH


def test_undecodable_error_body_still_gives_a_message(api, rsps):
    rsps.get(URL, status=502, body=b"Bad \xff gateway", content_type="text/plain; charset=utf-8")
    with pytest.raises(errors.Unavailable) as info:
        api.campaign_statuses("00001")
    assert info.value.message.startswith("Bad ")
    assert info.value.message.endswith(" gateway")


def test_rate_limited_carries_retry_after(api, rsps):
    rsps.get(
        URL,
        status=429,
        headers={"Retry-After": "7"},
        json={"errors": [{"message": "Too many requests."}]},
    )
    with pytest.raises(errors.RateLimited) as info:
        api.campaign_statuses("00001")
    assert info.value.retry_after == 7.0
    assert info.value.status == 429
    assert info.value.message == "Too many requests."


def test_rate_limited_without_retry_after(api, rsps):
    rsps.get(URL, status=429, body="")
    with pytest.raises(errors.RateLimited) as info:
        api.campaign_statuses("00001")
    assert info.value.retry_after is None
    assert info.value.message == errors.RateLimited.default_message


def test_connection_refused_is_unavailable(api, rsps):
    rsps.get(URL, body=refused())
    with pytest.raises(errors.Unavailable) as info:
        api.campaign_statuses("00001")
    assert type(info.value) is errors.Unavailable
    assert info.value.status is None
    assert "connect" in info.value.message.lower()


def test_connection_reset_is_unavailable(api, rsps):
    rsps.get(URL, body=reset())
    with pytest.raises(errors.Unavailable) as info:
        api.campaign_statuses("00001")
    assert info.value.status is None


@pytest.mark.parametrize("failure", [read_timeout, body_read_timeout])
@pytest.mark.parametrize("retries", [0, 4])
def test_read_timeout_is_a_timeout_and_never_retried(fake_time, rsps, retries, failure):
    # body_read_timeout: the headers came but the body stalled; requests calls that a
    # ConnectionError, yet the request reached Thulium just the same.
    api = make_client(fake_time, retry=RetryPolicy(max_retries=retries), read_timeout=12.5)
    rsps.delete(BASE + "batch/outbounds/00001/records", body=failure())
    with pytest.raises(errors.Timeout) as info:
        api.records_delete_by_phone("00001", ["441"])
    assert isinstance(info.value, errors.Unavailable)
    assert info.value.status is None
    assert "12.5 s" in info.value.message
    assert len(rsps.calls) == 1
    assert fake_time.sleeps == []


def test_other_request_failures_are_unavailable_without_retry(fake_time, rsps):
    api = make_client(fake_time)
    rsps.get(URL, body=requests.exceptions.ChunkedEncodingError("broken chunk"))
    with pytest.raises(errors.Unavailable) as info:
        api.campaign_statuses("00001")
    assert "ChunkedEncodingError" in info.value.message
    assert len(rsps.calls) == 1


def test_error_repr_names_class_status_and_message():
    error = errors.NotFound("Campaign not found.", status=404)
    assert repr(error) == "NotFound(status=404, message='Campaign not found.')"
    assert error.messages == ("Campaign not found.",)


def test_invalid_argument_is_a_value_error():
    assert issubclass(errors.InvalidArgument, ValueError)
    assert issubclass(errors.InvalidArgument, errors.ThuliumError)
    assert issubclass(errors.Timeout, errors.Unavailable)
