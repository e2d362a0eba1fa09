"""Credentials never leak: not in reprs, not in errors, not in log records; nor phone numbers."""

from __future__ import annotations

import base64
import logging
import traceback

import pytest

from tests.thulium.helpers import (
    BASE,
    PASSWORD,
    USER,
    body_read_timeout,
    make_client,
    read_timeout,
    refused,
    reset,
)
from thuladmin.thulium import errors
from thuladmin.thulium.client import RetryPolicy

LOGGER = "thuladmin.thulium.client"
TOKEN = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
NUMBERS = ["600111222", "+48 600333444", "600555666"]
SECRETS = [PASSWORD, TOKEN, *NUMBERS, "600333444", "%2B48%20600333444"]


def assert_clean(text: str) -> None:
    for secret in (PASSWORD, TOKEN):
        assert secret not in text


def test_client_str_and_repr_hide_the_password(api):
    for text in (str(api), repr(api), repr(api.with_language("pl"))):
        assert_clean(text)
        assert USER in text
        assert BASE in text


FAILURES = [
    pytest.param(dict(status=401, json={"errors": [{"message": "Bad credentials."}]}), id="401"),
    pytest.param(dict(status=403, body="Forbidden"), id="403"),
    pytest.param(dict(status=404, body="<title>Not Found</title>"), id="404"),
    pytest.param(dict(status=409, json={"message": "In a call."}), id="409"),
    pytest.param(dict(status=429, headers={"Retry-After": "999"}), id="429"),
    pytest.param(dict(status=503, body=""), id="503"),
    pytest.param(dict(status=200, body="not json"), id="bad-json"),
    pytest.param(dict(status=200, json=["not", "an", "object"]), id="bad-shape"),
    pytest.param(dict(body=refused()), id="refused"),
    pytest.param(dict(body=reset()), id="reset"),
    pytest.param(dict(body=read_timeout()), id="timeout"),
    pytest.param(dict(body=body_read_timeout()), id="body-timeout"),
]


@pytest.mark.parametrize("answer", FAILURES)
def test_errors_and_logs_hold_no_credentials_nor_numbers(fake_time, rsps, caplog, answer):
    caplog.set_level(logging.INFO, logger=LOGGER)
    api = make_client(fake_time, retry=RetryPolicy(max_retries=1))
    rsps.delete(BASE + "batch/outbounds/00001/records", **answer)

    with pytest.raises(errors.ThuliumError) as info:
        api.records_delete_by_phone("00001", NUMBERS, search_in_additional_numbers=True)

    error = info.value
    assert_clean(str(error))
    assert_clean(repr(error))
    assert_clean(repr(vars(error)))
    # The whole traceback, causes included, as a log handler or error page would render it.
    assert_clean("".join(traceback.format_exception(error)))

    records = [r for r in caplog.records if r.name == LOGGER]
    assert records, "each attempt is logged"
    for record in records:
        text = record.getMessage()
        for secret in SECRETS:
            assert secret not in text
        assert "?" not in text
        assert "batch/outbounds/00001/records" in text
    for secret in SECRETS:
        assert secret not in caplog.text


def test_successful_calls_log_path_outcome_and_attempt_only(api, rsps, caplog, fake_time):
    caplog.set_level(logging.INFO, logger=LOGGER)
    rsps.delete(BASE + "batch/customers", status=503)
    rsps.delete(BASE + "batch/customers", json={"13": {"http_status": 204}})
    api.customers_delete([13, 987654321])

    messages = [r.getMessage() for r in caplog.records if r.name == LOGGER]
    assert len(messages) == 2
    assert messages[0].startswith("thulium DELETE batch/customers attempt=0 outcome=503")
    assert messages[1].startswith("thulium DELETE batch/customers attempt=1 outcome=200")
    assert all(r.levelno == logging.INFO for r in caplog.records if r.name == LOGGER)
    for text in (*messages, caplog.text):
        assert "987654321" not in text
        assert_clean(text)


def test_update_body_is_not_logged(api, rsps, caplog):
    caplog.set_level(logging.DEBUG, logger=LOGGER)
    rsps.put(BASE + "outbounds/00001/records_by_identifier/42", status=204)
    api.record_update("00001", "42", changes={"record_fields": {"pesel": "90010112345"}})
    assert "90010112345" not in caplog.text
    assert_clean(caplog.text)


def test_invalid_argument_messages_hold_no_credentials(api, rsps):
    for call in (
        lambda: api.campaign_statuses(PASSWORD),
        lambda: api.record_delete("00001", "a/" + PASSWORD),
        lambda: api.customer(PASSWORD),
    ):
        with pytest.raises(errors.InvalidArgument) as info:
            call()
        # Echoing the caller's own bad argument is fine; the client adds no credential of its
        # own (the password here is only what the test passed as an id).
        assert TOKEN not in str(info.value)
    assert len(rsps.calls) == 0


def test_non_latin1_password_does_not_leak_through_an_encoding_error(fake_time, rsps):
    password = "hasło-ść-" + PASSWORD
    api = make_client(fake_time, password=password)
    rsps.get(BASE + "outbounds/stats", status=401)
    with pytest.raises(errors.AuthenticationFailed) as info:
        api.campaign_stats()
    text = "".join(traceback.format_exception(info.value))
    assert password not in text
    assert password not in repr(api)
