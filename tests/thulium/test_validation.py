"""Hostile ids never reach a URL; odd but harmless ones are quoted into one path segment.

The `rsps` fixture has no URL registered unless a test adds one, so any request that did go out
would fail the test (responses refuses it, and the client would end in `Unavailable`).
"""

from __future__ import annotations

import pytest

from tests.thulium.helpers import BASE
from thuladmin.thulium import errors
from thuladmin.thulium.client import (
    MAX_IDENTIFIER_LENGTH,
    validate_campaign_id,
    validate_customer_id,
    validate_identifier,
)

BAD_CAMPAIGN_IDS = [
    "../x",
    "..",
    "00001/../../admin",
    "00001/",
    "0000",
    "000001",
    "00 01",
    " 00001",
    "00001\n",
    "0000%",
    "%2e%2e",
    "0000.",
    "0000?",
    "0000#",
    "0000\u0661",  # Arabic-Indic digit one
    "\uff10" * 5,  # fullwidth digits
    "ⅠⅡⅢⅣⅤ",  # Roman numerals
    "zażół",
    "",
    None,
    1,
    b"00001",
]

CAMPAIGN_CALLS = {
    "statuses": lambda c, cid: c.campaign_statuses(cid),
    "agents": lambda c, cid: c.campaign_agents(cid),
    "records": lambda c, cid: c.campaign_records(cid),
    "record_update": lambda c, cid: c.record_update(cid, "123", changes={"status_id": "3"}),
    "record_delete": lambda c, cid: c.record_delete(cid, "123"),
    "records_delete_by_phone": lambda c, cid: c.records_delete_by_phone(cid, ["441"]),
    "phone_deletion_url": lambda c, cid: c.phone_deletion_url(cid, ["441"]),
    "record_create": lambda c, cid: c.record_create(cid, phone_number="441"),
}


@pytest.mark.parametrize("campaign_id", BAD_CAMPAIGN_IDS)
@pytest.mark.parametrize("call", CAMPAIGN_CALLS.values(), ids=CAMPAIGN_CALLS.keys())
def test_bad_campaign_ids_are_refused_before_any_request(api, rsps, fake_time, call, campaign_id):
    with pytest.raises(errors.InvalidArgument) as info:
        call(api, campaign_id)
    assert len(rsps.calls) == 0
    assert fake_time.sleeps == []
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize("campaign_id", ["00001", "ABCDE", "a1B2c", "99999"])
def test_good_campaign_ids(api, rsps, campaign_id):
    assert validate_campaign_id(campaign_id) == campaign_id
    rsps.get(f"{BASE}outbounds/{campaign_id}/statuses", json=[])
    api.campaign_statuses(campaign_id)
    assert rsps.calls[0].request.url == f"{BASE}outbounds/{campaign_id}/statuses"


def test_campaign_id_message_is_short_even_for_long_input():
    with pytest.raises(errors.InvalidArgument) as info:
        validate_campaign_id("x" * 10_000)
    assert len(info.value.message) < 150


BAD_IDENTIFIERS = [
    "a/b",
    "/",
    "../../admin",
    "123/",
    "..",
    ".",
    " .. ",
    "a\\b",
    "a\x00b",
    "a\nb",
    "a\rb",
    "a\tb",
    "\x1b[31m",
    "a\x7fb",
    "a\u200bb",  # zero-width space
    "a\u2028b",  # line separator
    "x" * (MAX_IDENTIFIER_LENGTH + 1),
    "",
    "   ",
    None,
    1234567890,
]


IDENTIFIER_CALLS = {
    "record_update": lambda c, ident: c.record_update("00001", ident, changes={"status_id": "3"}),
    "record_delete": lambda c, ident: c.record_delete("00001", ident),
}


@pytest.mark.parametrize("identifier", BAD_IDENTIFIERS)
@pytest.mark.parametrize("call", IDENTIFIER_CALLS.values(), ids=IDENTIFIER_CALLS.keys())
def test_bad_identifiers_are_refused_before_any_request(api, rsps, call, identifier):
    with pytest.raises(errors.InvalidArgument):
        call(api, identifier)
    assert len(rsps.calls) == 0


@pytest.mark.parametrize(
    ("identifier", "segment"),
    [
        ("1234567890", "1234567890"),
        ("a b", "a%20b"),
        ("a?b=1", "a%3Fb%3D1"),
        ("a#b", "a%23b"),
        ("50%", "50%25"),
        ("%2e%2e", "%252e%252e"),
        ("%2F", "%252F"),
        ("...", "..."),
        (".x", ".x"),
        ("a;b", "a%3Bb"),
        ("a&b", "a%26b"),
        ("+48 600", "%2B48%20600"),
        ("ząb", "z%C4%85b"),
        ("żółć-123", "%C5%BC%C3%B3%C5%82%C4%87-123"),
        ("a:b@c", "a%3Ab%40c"),
        ("[1]", "%5B1%5D"),
        ("~user_1.x-y", "~user_1.x-y"),
        ("x" * MAX_IDENTIFIER_LENGTH, "x" * MAX_IDENTIFIER_LENGTH),
    ],
)
def test_odd_identifiers_are_quoted_into_one_segment(api, rsps, identifier, segment):
    url = f"{BASE}outbounds/00001/records_by_identifier/{segment}"
    rsps.put(url, status=204)
    rsps.delete(url, status=204)
    api.record_update("00001", identifier, changes={"status_id": "3"})
    api.record_delete("00001", identifier)
    assert [call.request.url for call in rsps.calls] == [url, url]
    path = url.removeprefix("https://acme.thulium.com")
    assert path.count("/") == 5  # /api/outbounds/00001/records_by_identifier/<one segment>


def test_identifier_surrounding_spaces_are_dropped():
    assert validate_identifier("  123  ") == "123"


@pytest.mark.parametrize(
    ("value", "expected"),
    [(13, "13"), ("14", "14"), (" 15 ", "15"), ("007", "7"), (2**40, str(2**40))],
)
def test_good_customer_ids(value, expected):
    assert validate_customer_id(value) == expected


BAD_CUSTOMER_IDS = [
    0,
    "0",
    "000",
    -1,
    "-1",
    "+1",
    1.5,
    13.0,
    "1.5",
    "1e3",
    "abc",
    "",
    " ",
    "13 14",
    "13;14",
    "13&customer_id[]=1",
    "13/../1",
    "\u0661\u0662",  # Arabic-Indic digits
    "²",
    "\uff11\uff13",  # fullwidth digits
    None,
    True,
]


@pytest.mark.parametrize("customer_id", BAD_CUSTOMER_IDS)
def test_bad_customer_ids_are_refused_before_any_request(api, rsps, customer_id):
    with pytest.raises(errors.InvalidArgument):
        api.customer(customer_id)
    with pytest.raises(errors.InvalidArgument):
        api.customers_delete([1, customer_id])
    with pytest.raises(errors.InvalidArgument):
        api.customer_deletion_url([customer_id])
    assert len(rsps.calls) == 0


def test_customer_url_uses_the_normalised_id(api, rsps):
    rsps.get(BASE + "customers/7", json={"customer_id": 7})
    assert api.customer("007").customer_id == "7"
    assert rsps.calls[0].request.url == BASE + "customers/7"
