import pytest

from customers.bulk import CustomerOutcome, customer_result, normalise_customer_id
from thuladmin.bulk.models import Outcome
from thuladmin.bulk.parsing import InvalidItem, parse_items
from thuladmin.thulium.types import CustomerDeletionOutcome


def test_customer_ids_split_on_any_separator_and_invalid_ones_are_listed():
    result = parse_items(
        "13 14,15\n#16\nabc 0 -3 17.5",
        normalise=normalise_customer_id,
        limit=100,
        split_on_spaces_first=True,
    )
    assert [item.value for item in result.items] == ["13", "14", "15", "16"]
    assert [(bad.raw, bad.line) for bad in result.invalid] == [
        ("abc", 3),
        ("0", 3),
        ("-3", 3),
        ("17.5", 3),
    ]


def test_leading_zeros_are_merged():
    result = parse_items("013\n13", normalise=normalise_customer_id, limit=10)
    assert [item.value for item in result.items] == ["13"]
    assert result.duplicate_count == 1


@pytest.mark.parametrize("token", ["x", "1.0", "0", "9" * 19])
def test_invalid_customer_ids(token):
    with pytest.raises(InvalidItem):
        normalise_customer_id(token)


def test_customer_outcomes():
    assert (
        customer_result(CustomerDeletionOutcome(204, None), uncertain=False).outcome
        == CustomerOutcome.DELETED
    )
    not_found = customer_result(
        CustomerDeletionOutcome(404, "Customer not found."), uncertain=False
    )
    # Thulium's words, kept as they came: the outcome says the rest.
    assert (not_found.outcome, not_found.detail.code, not_found.detail.thulium_message) == (
        CustomerOutcome.NOT_FOUND,
        "",
        "Customer not found.",
    )
    assert (
        customer_result(CustomerDeletionOutcome(404, None), uncertain=True).outcome
        == Outcome.UNCERTAIN
    )
    error = customer_result(CustomerDeletionOutcome(500, None), uncertain=False)
    assert error.outcome == Outcome.ERROR
    assert (error.detail.code, error.detail.params) == ("bulk.http_status", {"status": 500})
    assert error.detail.text() == "Thulium answered HTTP 500."
