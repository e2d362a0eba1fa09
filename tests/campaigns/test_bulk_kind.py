import pytest

from campaigns.bulk.remove_numbers import PhoneNumberOutcome, phone_number_result
from thuladmin.bulk.models import Outcome
from thuladmin.phones import (
    InvalidPhoneNumber,
    NumberFormat,
    PhoneNumber,
    normalise_phone_number,
    parse_phone_number,
)
from thuladmin.thulium.types import PhoneRecordOutcome


@pytest.mark.parametrize(
    ("typed", "national", "as_typed"),
    [
        ("600100200", "600100200", "600100200"),
        ("+48600100200", "600100200", "+48600100200"),
        ("0048 600 100 200", "600100200", "0048600100200"),
        ("+44 20 7946 0958", "+442079460958", "+442079460958"),
        # The country code without its +: still Poland's (issue 14: it was sent as typed).
        ("48600100200", "600100200", "48600100200"),
    ],
)
def test_number_formats(typed, national, as_typed):
    assert normalise_phone_number(typed, number_format=NumberFormat.NATIONAL) == national
    assert normalise_phone_number(typed, number_format=NumberFormat.AS_TYPED) == as_typed


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("600 100 20", "8 digits: too short for a number in Poland"),
        ("6001002001", "10 digits: too long for a number in Poland"),
        ("+44 20 7946 0958", "another country's number: United Kingdom (+44)"),
        ("+1 202 555 0143", "another country's number: United States (+1)"),
    ],
)
def test_numbers_that_are_not_valid_here_are_suspicious_with_a_reason(typed, reason):
    assert parse_phone_number(typed).suspicious == reason


def test_a_valid_polish_number_is_not_suspicious():
    assert parse_phone_number("+48 600 100 200") == PhoneNumber(value="600100200")


@pytest.mark.parametrize(
    "token",
    [
        "abc",
        "60010020x",
        "+",
        "12345",
        "1" * 16,
        "\uff16\uff10\uff10\uff11\uff10\uff10\uff12\uff10\uff10",
    ],
)
def test_invalid_numbers(token):
    with pytest.raises(InvalidPhoneNumber):
        normalise_phone_number(token)


def _outcome(status, record_id=None, http_status=200):
    return PhoneRecordOutcome(status=status, http_status=http_status, record_id=record_id)


def test_duplicated_number_with_every_record_removed():
    result = phone_number_result(
        [_outcome("REMOVED", "5235"), _outcome("REMOVED", "5226")], uncertain=False
    )
    assert result.outcome == PhoneNumberOutcome.REMOVED
    assert result.record_ids == ("5235", "5226")
    assert result.removed_count == 2


def test_one_record_in_a_call_makes_the_number_in_a_call():
    result = phone_number_result(
        [_outcome("REMOVED", "1"), _outcome("CALL_IN_PROGRESS", "2", 409)], uncertain=False
    )
    assert result.outcome == PhoneNumberOutcome.CALL_IN_PROGRESS
    assert result.removed_count == 1
    assert result.detail.code == "phone_numbers.in_call_others_removed"
    assert result.detail.text() == "1 record in a call, not removed. 1 other record removed."


def test_not_exist_is_plain_unless_an_earlier_attempt_may_have_applied():
    entries = [_outcome("NOT_EXIST", http_status=404)]
    assert phone_number_result(entries, uncertain=False).outcome == PhoneNumberOutcome.NOT_EXIST
    assert phone_number_result(entries, uncertain=True).outcome == Outcome.UNCERTAIN


def test_removed_stays_removed_even_when_uncertain():
    assert (
        phone_number_result([_outcome("REMOVED", "1")], uncertain=True).outcome
        == PhoneNumberOutcome.REMOVED
    )


def test_undocumented_status_is_an_error_naming_it():
    result = phone_number_result([_outcome("LOCKED", "1")], uncertain=False)
    assert result.outcome == Outcome.ERROR
    assert result.detail.params == {"statuses": "LOCKED"}
    assert "LOCKED" in result.detail.text()
