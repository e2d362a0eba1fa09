"""The one phone parser: its shortcut for plain local numbers agrees with `phonenumbers`."""

from __future__ import annotations

import phonenumbers
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from thuladmin.bulk.details import detail_text
from thuladmin.phones import (
    InvalidPhoneNumber,
    NumberFormat,
    is_plain_national_number,
    normalise_phone_number,
    parse_phone_number,
)

DIGITS = st.from_regex(r"[0-9]{6,12}", fullmatch=True)
PREFIX = st.sampled_from(["", "+48", "0048", "48"])


@settings(max_examples=2000, deadline=None)
@given(PREFIX, DIGITS)
def test_every_number_is_read_as_phonenumbers_reads_it(prefix, digits):
    typed = prefix + digits
    try:
        number = phonenumbers.parse("+" + typed[2:] if typed.startswith("00") else typed, "PL")
    except phonenumbers.NumberParseException:
        valid_here = False
    else:
        valid_here = number.country_code == 48 and phonenumbers.is_valid_number_for_region(
            number, "PL"
        )

    try:
        parsed = parse_phone_number(typed, number_format=NumberFormat.NATIONAL)
    except InvalidPhoneNumber:  # more than 15 digits: no phone number at all
        assert len(typed.lstrip("+")) > 15
        return

    assert (parsed.suspicious == "") == valid_here
    if valid_here:
        assert parsed.value == phonenumbers.national_significant_number(number)


def test_a_foreign_number_keeps_its_region_and_is_named_in_the_readers_language():
    with translation.override("en"):
        reason = parse_phone_number("+49 30 123456").suspicious
    assert str(reason) == "another country's number: Germany (+49)"
    assert reason.params == {"region": "DE", "code": 49}

    with translation.override("pl"):
        assert detail_text(reason.code, reason.params) == "numer z innego kraju: Niemcy (+49)"


def test_a_reason_stored_with_the_countrys_name_is_shown_as_it_was():
    with translation.override("pl"):
        text = detail_text("phones.another_country", {"country": "Germany", "code": 49})
    assert text == "numer z innego kraju: Germany (+49)"


@settings(max_examples=2000, deadline=None)
@given(st.one_of(st.from_regex(r"(\+|00|48)?[0-9]{1,13}", fullmatch=True), st.text(max_size=14)))
def test_a_plain_national_number_is_its_own_normalised_form(token):
    """The snapshot's one-regex shortcut never says yes where the full read would differ."""
    if is_plain_national_number(token):
        assert normalise_phone_number(token) == token
