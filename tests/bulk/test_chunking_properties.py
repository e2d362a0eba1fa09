"""Properties of the chunker: every request URL, exactly as the client builds it, fits the byte
budget; the chunks put back together are the items, in order; no chunk could have held more."""

from __future__ import annotations

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from thuladmin.bulk.chunking import chunk_by_url_budget
from thuladmin.thulium.client import ThuliumClient, query_item

PROPERTY_SETTINGS = settings(max_examples=150, deadline=None)
CLIENT = ThuliumClient(
    base_url="https://some-system-name.thulium.com/api/", username="u", password="p"
)

# Phone numbers as the parser sends them, plus any text a future kind (or an "as typed" format)
# could send: characters that need percent-encoding, multi-byte UTF-8, spaces inside.
PHONE_VALUE = st.one_of(
    st.from_regex(r"\+?[0-9]{6,15}", fullmatch=True),
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=40).filter(
        lambda text: text.strip() == text and text
    ),
)
CAMPAIGN = st.from_regex(r"[A-Za-z0-9]{5}", fullmatch=True)


def _item_length(name: str):
    return lambda value: len(query_item(name, value).encode())


def _phone_url(campaign: str, chunk: list[str], flag: bool) -> str:
    return CLIENT.phone_deletion_url(campaign, chunk, search_in_additional_numbers=flag)


def _phone_base(campaign: str, flag: bool) -> int:
    sample = "000000"
    url = _phone_url(campaign, [sample], flag)
    return len(url.encode()) - len(query_item("phone_number", sample).encode())


@PROPERTY_SETTINGS
@given(
    values=st.lists(PHONE_VALUE, max_size=120),
    campaign=CAMPAIGN,
    flag=st.booleans(),
    spare=st.integers(min_value=0, max_value=2000),
)
def test_every_phone_chunk_url_fits_and_order_is_kept(values, campaign, flag, spare):
    base = _phone_base(campaign, flag)
    longest = max((_item_length("phone_number")(value) for value in values), default=0)
    budget = base + longest + spare
    chunks = list(
        chunk_by_url_budget(
            values,
            base_length=base,
            item_length=_item_length("phone_number"),
            budget=budget,
        )
    )
    assert [value for chunk in chunks for value in chunk] == values
    for index, chunk in enumerate(chunks):
        assert chunk, "no empty request"
        assert len(_phone_url(campaign, chunk, flag).encode()) <= budget
        if index + 1 < len(chunks):
            # Full: one more item would have pushed the URL over the budget.
            grown = [*chunk, chunks[index + 1][0]]
            assert len(_phone_url(campaign, grown, flag).encode()) > budget


@PROPERTY_SETTINGS
@given(
    ids=st.lists(st.integers(min_value=1, max_value=10**18 - 1).map(str), max_size=200),
    budget=st.integers(min_value=80, max_value=3000),
)
def test_every_customer_chunk_url_fits(ids, budget):
    base = len(CLIENT.customer_deletion_url(["1"]).encode()) - len(query_item("customer_id", "1"))
    longest = max((_item_length("customer_id")(value) for value in ids), default=0)
    assume(base + longest <= budget)
    chunks = list(
        chunk_by_url_budget(
            ids, base_length=base, item_length=_item_length("customer_id"), budget=budget
        )
    )
    assert [value for chunk in chunks for value in chunk] == ids
    for chunk in chunks:
        assert len(CLIENT.customer_deletion_url(chunk).encode()) <= budget


@PROPERTY_SETTINGS
@given(
    values=st.lists(PHONE_VALUE, min_size=1, max_size=30),
    campaign=CAMPAIGN,
    short_by=st.integers(min_value=1, max_value=50),
)
def test_an_item_too_long_for_any_request_is_refused_never_dropped(values, campaign, short_by):
    base = _phone_base(campaign, False)
    lengths = [_item_length("phone_number")(value) for value in values]
    budget = base + max(lengths) - short_by
    assume(budget > base)
    with pytest.raises(ValueError, match="longer than"):
        list(
            chunk_by_url_budget(
                values,
                base_length=base,
                item_length=_item_length("phone_number"),
                budget=budget,
            )
        )
