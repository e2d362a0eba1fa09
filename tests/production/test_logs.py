"""Structured logs: one JSON line per request and per Thulium call, with no secrets in them."""

from __future__ import annotations

import base64
import json
import logging
import sys

import pytest
import responses
from django.conf import settings

from thuladmin.logs import JsonFormatter
from thuladmin.thulium.client import RetryPolicy, ThuliumClient

API = "https://acme.thulium.com/api/"
PASSWORD = "log-test-password"
NUMBERS = ["600111222", "+48 600333444"]
TOKEN = base64.b64encode(f"api_user:{PASSWORD}".encode()).decode()


def _json_lines(caplog, logger: str) -> list[dict]:
    formatter = JsonFormatter()
    return [json.loads(formatter.format(r)) for r in caplog.records if r.name == logger]


def test_the_formatter_writes_one_json_object_with_the_plain_extra_fields():
    record = logging.LogRecord("app", logging.WARNING, __file__, 1, "hello %s", ("world",), None)
    record.status = 503
    record.duration_ms = 12.5
    record.request = object()  # Django passes the request itself: never printed

    line = JsonFormatter().format(record)

    assert "\n" not in line
    entry = json.loads(line)
    assert entry["message"] == "hello world"
    assert entry["level"] == "WARNING"
    assert entry["logger"] == "app"
    assert entry["time"].endswith("+00:00")
    assert entry["status"] == 503
    assert entry["duration_ms"] == 12.5
    assert "request" not in entry
    assert "args" not in entry


def test_the_formatter_keeps_the_traceback_in_the_line():
    try:
        raise ValueError("boom")
    except ValueError:
        exc_info = sys.exc_info()
    record = logging.LogRecord("app", logging.ERROR, __file__, 1, "failed", (), exc_info)

    entry = json.loads(JsonFormatter().format(record))

    assert "ValueError: boom" in entry["exception"]


def test_logs_are_json_with_debug_off():
    assert settings.LOG_FORMAT == "json"
    assert settings.LOGGING["handlers"]["console"]["formatter"] == "json"
    console = [
        handler
        for handler in logging.getLogger().handlers
        if isinstance(handler.formatter, JsonFormatter)
    ]
    assert console, "the root logger writes JSON"


@pytest.mark.django_db
def test_each_request_logs_method_path_status_duration_and_user(
    supervisor_client, supervisor, caplog
):
    caplog.set_level(logging.INFO, logger="thuladmin.request")

    supervisor_client.get("/healthz?phone_number=600111222")

    [entry] = _json_lines(caplog, "thuladmin.request")
    assert entry["event"] == "request"
    assert entry["method"] == "GET"
    assert entry["path"] == "/healthz"
    assert entry["status"] == 200
    assert isinstance(entry["duration_ms"], float)
    assert entry["duration_ms"] >= 0
    assert entry["user_id"] == supervisor.pk
    assert "600111222" not in caplog.text


@pytest.mark.django_db
def test_anonymous_requests_and_redirects_are_logged_too(client, caplog):
    caplog.set_level(logging.INFO, logger="thuladmin.request")

    client.get("/campaigns/")

    [entry] = _json_lines(caplog, "thuladmin.request")
    assert (entry["path"], entry["status"], entry["user_id"]) == ("/campaigns/", 302, None)


@pytest.mark.django_db
def test_a_login_never_logs_the_password(client, supervisor, caplog):
    caplog.set_level(logging.DEBUG)

    client.post("/accounts/login/", {"username": "supervisor", "password": "pw-supervisor"})

    [entry] = _json_lines(caplog, "thuladmin.request")
    assert entry["method"] == "POST"
    assert entry["path"] == "/accounts/login/"
    for record in caplog.records:
        assert "pw-supervisor" not in JsonFormatter().format(record)
    assert "pw-supervisor" not in caplog.text


@responses.activate
def test_each_thulium_call_logs_its_fields_but_no_credentials_nor_numbers(caplog):
    caplog.set_level(logging.INFO, logger="thuladmin.thulium.client")
    url = API + "batch/outbounds/00001/records"
    responses.delete(url, status=503)
    responses.delete(url, json={"600111222": [{"http_status": 404, "status": "NOT_EXIST"}]})
    client = ThuliumClient(
        base_url=API,
        username="api_user",
        password=PASSWORD,
        retry=RetryPolicy(max_retries=2, backoff_seconds=0.001),
    )

    client.records_delete_by_phone("00001", NUMBERS)

    first, second = _json_lines(caplog, "thuladmin.thulium.client")
    assert first["event"] == second["event"] == "thulium_call"
    assert (first["method"], first["path"]) == ("DELETE", "batch/outbounds/00001/records")
    assert (first["attempt"], first["outcome"]) == (0, "503")
    assert (second["attempt"], second["outcome"]) == (1, "200")
    assert isinstance(second["duration_ms"], float)
    lines = [JsonFormatter().format(r) for r in caplog.records] + [caplog.text]
    for text in lines:
        for secret in (PASSWORD, TOKEN, "600111222", "600333444", "%2B48"):
            assert secret not in text
