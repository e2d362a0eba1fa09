import pytest

from thuladmin.bulk.chunking import chunk_by_url_budget
from thuladmin.thulium.client import ThuliumClient, query_item

CLIENT = ThuliumClient(base_url="https://acme.thulium.com/api/", username="u", password="p")


def _item_length(value: str) -> int:
    return len(query_item("phone_number", value).encode())


def _base_length() -> int:
    return len(CLIENT.phone_deletion_url("00001", ["1"])) - _item_length("1")


def test_every_chunk_url_fits_the_budget_exactly_as_sent():
    numbers = [f"6{index:08d}" for index in range(5000)]
    chunks = list(
        chunk_by_url_budget(
            numbers, base_length=_base_length(), item_length=_item_length, budget=7000
        )
    )
    assert [number for chunk in chunks for number in chunk] == numbers
    for chunk in chunks:
        assert len(CLIENT.phone_deletion_url("00001", chunk).encode()) <= 7000
    # Full chunks leave less room than one more item.
    first = chunks[0]
    longer = [*first, chunks[1][0]]
    assert len(CLIENT.phone_deletion_url("00001", longer).encode()) > 7000


def test_quoting_is_counted_in_the_budget():
    numbers = ["+48 600 100 200"] * 10
    chunks = list(
        chunk_by_url_budget(
            numbers, base_length=_base_length(), item_length=_item_length, budget=200
        )
    )
    for chunk in chunks:
        assert len(CLIENT.phone_deletion_url("00001", chunk).encode()) <= 200


def test_the_flag_is_part_of_the_base_length():
    base = len(
        CLIENT.phone_deletion_url("00001", ["1"], search_in_additional_numbers=True)
    ) - _item_length("1")
    numbers = [f"5{index:08d}" for index in range(1000)]
    for chunk in chunk_by_url_budget(
        numbers, base_length=base, item_length=_item_length, budget=1500
    ):
        url = CLIENT.phone_deletion_url("00001", chunk, search_in_additional_numbers=True)
        assert len(url) <= 1500


def test_an_item_that_can_never_fit_is_refused_not_dropped():
    with pytest.raises(ValueError, match="longer than"):
        list(chunk_by_url_budget(["x" * 50], base_length=60, item_length=len, budget=100))


def test_nothing_in_nothing_out():
    assert list(chunk_by_url_budget([], base_length=10, item_length=len, budget=100)) == []
