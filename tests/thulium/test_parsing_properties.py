"""Properties of the client's reading of odd answers: whatever Thulium (or a proxy in front of it)
sends back, the caller gets a typed result or a `ThuliumError` — never another exception.

- An error status with any body (bytes, text, HTML, JSON of any shape) is a `ThuliumError` whose
  `message` is a non-empty `str` and whose `status` is the HTTP status.
- A success status with a body of the wrong shape is a `BadResponse`; with any JSON at all, a
  result or a `BadResponse`.
"""

from __future__ import annotations

import json
import math

import responses
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.thulium.helpers import BASE, FakeTime, make_client
from thuladmin.thulium import errors
from thuladmin.thulium.client import MAX_MESSAGE_LENGTH, RetryPolicy

PROPERTY_SETTINGS = settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)

JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=12,
)
# Shapes that look like Thulium's error body but are broken in every way one can be.
ERROR_LIKE = st.fixed_dictionaries(
    {},
    optional={
        "request_id": JSON,
        "errors": JSON
        | st.lists(
            st.fixed_dictionaries({}, optional={"message": JSON, "code": JSON}) | JSON, max_size=3
        ),
        "message": JSON,
        "error": JSON,
        "detail": JSON,
    },
)
CONTENT_TYPES = st.sampled_from(
    [
        "application/json",
        "application/json; charset=utf-8",
        "text/html",
        "text/plain; charset=iso-8859-2",
        "application/octet-stream",
        "",
    ]
)
# (No 204 or 304: those carry no body by definition, and urllib3 refuses to read one.)
ERROR_STATUS = st.sampled_from([300, 301, 400, 401, 403, 404, 405, 409, 413, 414, 422, 429, 451])
ERROR_STATUS |= st.integers(min_value=500, max_value=599)


def _json_bytes(value) -> bytes:
    # allow_nan: Python's json (and so requests) reads NaN and Infinity, so a server may send them.
    return json.dumps(value, allow_nan=True).encode()


BODY = st.one_of(
    st.binary(max_size=300),
    st.text(max_size=300).map(str.encode),
    JSON.map(_json_bytes),
    ERROR_LIKE.map(_json_bytes),
    st.text(max_size=80).map(lambda t: f"<html><title>{t}</title><p>{t}</p></html>".encode()),
    st.binary(min_size=1, max_size=60).map(lambda b: b'{"errors": [{"message": "' + b),
)

ENDPOINTS = {
    "statuses": ("GET", "outbounds/00001/statuses", lambda c: c.campaign_statuses("00001")),
    "agents": ("GET", "outbounds/00001/agents", lambda c: c.campaign_agents("00001")),
    "stats": ("GET", "outbounds/stats", lambda c: c.campaign_stats()),
    "records": ("GET", "outbounds/00001/records", lambda c: c.campaign_records("00001")),
    "customer": ("GET", "customers/13", lambda c: c.customer(13)),
    "phones": (
        "DELETE",
        "batch/outbounds/00001/records",
        lambda c: c.records_delete_by_phone("00001", ["600100200", "600100201"]),
    ),
    "customers": ("DELETE", "batch/customers", lambda c: c.customers_delete([13, 14])),
    "record_update": (
        "PUT",
        "outbounds/00001/records_by_identifier/42",
        lambda c: c.record_update("00001", "42", changes={"status_id": "3"}),
    ),
    "record_delete": (
        "DELETE",
        "outbounds/00001/records_by_identifier/42",
        lambda c: c.record_delete("00001", "42"),
    ),
    "record_create": (
        "POST",
        "outbounds/00001/records",
        lambda c: c.record_create("00001", phone_number="600100200"),
    ),
    "phone_status": (
        "POST",
        "outbound_status_by_phone_number",
        lambda c: c.phone_status_set("111222333", 3),
    ),
}
ENDPOINT = st.sampled_from(sorted(ENDPOINTS))


def _call(endpoint: str, status: int, body: bytes, content_type: str, headers=None):
    """Call one endpoint against a fake answer; return the result or the exception raised."""
    method, path, call = ENDPOINTS[endpoint]
    client = make_client(FakeTime(), retry=RetryPolicy(max_retries=0))
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.add(
            method,
            BASE + path,
            body=body,
            status=status,
            content_type=content_type or None,
            headers=headers or {},
        )
        try:
            return call(client)
        except Exception as exc:  # the property is about which exceptions can come out
            return exc


@PROPERTY_SETTINGS
@given(
    endpoint=ENDPOINT,
    status=ERROR_STATUS,
    body=BODY,
    content_type=CONTENT_TYPES,
    retry_after=st.one_of(st.none(), st.text(max_size=30), st.integers(-5, 10**6).map(str)),
)
def test_any_error_answer_is_a_thulium_error_with_a_message_and_the_status(
    endpoint, status, body, content_type, retry_after
):
    headers = {"Retry-After": retry_after} if retry_after is not None else {}
    outcome = _call(endpoint, status, body, content_type, headers)
    assert isinstance(outcome, errors.ThuliumError), repr(outcome)
    assert isinstance(outcome.message, str)
    assert outcome.message.strip()
    assert outcome.status == status
    assert all(isinstance(text, str) for text in outcome.messages)
    assert all(len(text) <= MAX_MESSAGE_LENGTH for text in outcome.messages)
    if isinstance(outcome, errors.RateLimited) and outcome.retry_after is not None:
        assert outcome.retry_after >= 0
        assert math.isfinite(outcome.retry_after)


WRONG_SHAPE = {
    # Endpoints that answer a list of objects: anything else is the wrong shape.
    "statuses": JSON.filter(lambda v: not isinstance(v, list))
    | st.lists(st.none() | st.integers() | st.text(max_size=5), min_size=1, max_size=3),
    "agents": JSON.filter(lambda v: not isinstance(v, list)),
    "stats": JSON.filter(lambda v: not isinstance(v, list)),
    # Endpoints that answer an object.
    "records": JSON.filter(lambda v: not isinstance(v, dict)),
    "customer": JSON.filter(lambda v: not isinstance(v, dict)),
    "phones": JSON.filter(lambda v: not isinstance(v, dict))
    | st.dictionaries(
        st.text(max_size=9), st.lists(st.integers() | st.text(max_size=3), min_size=1), min_size=1
    ),
    "customers": JSON.filter(lambda v: not isinstance(v, dict)),
    "phone_status": JSON.filter(lambda v: not isinstance(v, dict))
    | st.dictionaries(st.text(max_size=9).filter(lambda k: k != "outbound_id"), JSON)
    | st.fixed_dictionaries(
        {"outbound_id": st.none() | st.floats() | st.lists(st.none() | st.floats(), min_size=1)}
    ),
}


@PROPERTY_SETTINGS
@given(data=st.data(), endpoint=st.sampled_from(sorted(WRONG_SHAPE)))
def test_a_success_body_of_the_wrong_shape_is_a_bad_response(data, endpoint):
    value = data.draw(WRONG_SHAPE[endpoint])
    outcome = _call(endpoint, 200, _json_bytes(value), "application/json")
    assert isinstance(outcome, errors.BadResponse), repr(outcome)
    assert outcome.status == 200
    assert isinstance(outcome.message, str)
    assert outcome.message


@PROPERTY_SETTINGS
@given(
    endpoint=ENDPOINT,
    status=st.sampled_from([200, 201, 202]),
    body=BODY | ERROR_LIKE.map(_json_bytes),
    content_type=CONTENT_TYPES,
)
def test_any_success_answer_is_a_result_or_a_bad_response(endpoint, status, body, content_type):
    outcome = _call(endpoint, status, body, content_type)
    if isinstance(outcome, Exception):
        assert isinstance(outcome, errors.BadResponse), repr(outcome)
        assert isinstance(outcome.message, str)
        assert outcome.message
        assert outcome.status == status


# Numbers are what typed fields trip over: huge, negative, fractional, NaN, infinite.
FIELD_VALUE = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True), st.integers(), st.text(max_size=6), JSON
)


@PROPERTY_SETTINGS
@given(
    results=st.dictionaries(
        st.text(max_size=12),
        st.lists(
            st.dictionaries(
                st.sampled_from(["status", "http_status", "record_id", "message", "other"]),
                FIELD_VALUE,
                max_size=5,
            ),
            max_size=3,
        )
        | st.dictionaries(st.sampled_from(["status", "http_status", "record_id"]), FIELD_VALUE),
        max_size=6,
    )
)
@example(results={"600100200": [{"http_status": math.inf, "status": "REMOVED"}]})
@example(results={"600100200": {"http_status": -math.inf, "record_id": math.nan}})
def test_batch_answers_of_any_content_parse_into_text_fields(results):
    outcome = _call("phones", 200, _json_bytes(results), "application/json")
    if isinstance(outcome, Exception):
        assert isinstance(outcome, errors.BadResponse), repr(outcome)
        return
    assert set(outcome.results) == {str(number) for number in results}
    for entries in outcome.results.values():
        for entry in entries:
            assert isinstance(entry.status, str)
            assert entry.http_status is None or isinstance(entry.http_status, int)
            assert entry.record_id is None or isinstance(entry.record_id, str)


# JSON that Python's parser (and so requests) accepts although it is not strict JSON.
NON_FINITE = [b"Infinity", b"-Infinity", b"NaN", b"1e999"]


@PROPERTY_SETTINGS
@given(
    endpoint=st.sampled_from(["stats", "statuses", "records", "phones", "customers", "customer"]),
    number=st.sampled_from(NON_FINITE),
)
def test_non_finite_numbers_in_typed_fields_never_escape_as_another_exception(endpoint, number):
    bodies = {
        "stats": b'[{"id": "00001", "records_count": %s, "completion_percent": %s}]',
        "statuses": b'[{"status_id": "3", "name": "x", "dictionary_status_id": %s, "x": %s}]',
        "records": b'{"count": %s, "result": [{"record_id": %s}]}',
        "phones": b'{"600100200": [{"http_status": %s, "status": "REMOVED", "record_id": %s}]}',
        "customers": b'{"13": {"http_status": %s}, "14": %s}',
        "customer": b'{"customer_id": %s, "company_id": %s}',
    }
    outcome = _call(endpoint, 200, bodies[endpoint] % (number, number), "application/json")
    assert not isinstance(outcome, Exception) or isinstance(outcome, errors.BadResponse), repr(
        outcome
    )
