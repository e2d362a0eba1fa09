"""Properties of the paste parser: nothing pasted is lost, every token is accounted for once.

Hypothesis writes the pastes: valid and invalid tokens mixed on lines, separated by every hard
separator, with duplicates (also in other spellings: `+48`, `0048`, dashes), blank lines and
stray whitespace. Whatever it writes, each token ends as exactly one of: an item (the first time
its value is seen, with its own line number), a duplicate, or an invalid entry (with its line).
"""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from campaigns.bulk import NumberFormat, normalise_phone_number
from customers.bulk import normalise_customer_id
from thuladmin.bulk.parsing import MAX_TOKEN_LENGTH, InvalidItem, parse_items

PROPERTY_SETTINGS = settings(max_examples=150, deadline=None)

NATIONAL = st.from_regex(r"[1-9][0-9]{8}", fullmatch=True)


@st.composite
def valid_number(draw) -> tuple[str, str]:
    """(token as pasted, value it must be sent as): national numbers in the spellings
    supervisors paste, and longer international ones kept as typed."""
    number = draw(NATIONAL)
    spelling = draw(st.sampled_from(["plain", "+48", "0048", "dashes", "dots", "brackets", "intl"]))
    if spelling == "plain":
        return number, number
    if spelling == "+48":
        return "+48" + number, number
    if spelling == "0048":
        return "0048" + number, number
    if spelling == "dashes":
        return f"{number[:3]}-{number[3:6]}-{number[6:]}", number
    if spelling == "dots":
        return f"{number[:3]}.{number[3:6]}.{number[6:]}", number
    if spelling == "brackets":
        return f"({number[:2]}){number[2:]}", number
    intl = draw(st.from_regex(r"\+4[0-79][0-9]{9,12}", fullmatch=True))
    return intl, intl


INVALID = st.one_of(
    st.from_regex(r"[0-9]{1,5}", fullmatch=True),  # too short
    st.from_regex(r"[0-9]{16,22}", fullmatch=True),  # too long
    st.from_regex(r"[0-9]{3,9}[a-zA-Zżółć#*x][0-9]{0,4}", fullmatch=True),  # letters or symbols
    st.from_regex(r"[a-zA-Z]{1,12}", fullmatch=True),
    st.just("+"),
    st.just("--"),
)


@st.composite
def token(draw) -> tuple[str, str | None]:
    """(token, expected value) — None for a token that must be refused."""
    if draw(st.booleans()):
        return draw(valid_number())
    return draw(INVALID), None


SEPARATORS = st.sampled_from([",", ";", "\t", ", ", " ;", " , ", ",,", ";\t"])
LINE_BREAKS = st.sampled_from(["\n", "\r\n", "\n\n", "\n \n"])


@st.composite
def paste(draw) -> tuple[str, list[tuple[str, str | None, int]]]:
    """Text as pasted, and every token in it as (token, expected value, line number)."""
    lines: list[str] = []
    expected: list[tuple[str, str | None, int]] = []
    pool: list[tuple[str, str | None]] = []
    line_number = 1
    for _ in range(draw(st.integers(min_value=0, max_value=12))):
        tokens = []
        for _ in range(draw(st.integers(min_value=0, max_value=6))):
            if pool and draw(st.integers(0, 4)) == 0:
                tok = draw(st.sampled_from(pool))  # a repeat, maybe on another line
            else:
                tok = draw(token())
                pool.append(tok)
            tokens.append(tok)
        text = ""
        for index, (raw, _value) in enumerate(tokens):
            text += (draw(SEPARATORS) if index else draw(st.sampled_from(["", " ", "\t"]))) + raw
        text += draw(st.sampled_from(["", " ", ",", ";"]))
        expected += [(raw, value, line_number) for raw, value in tokens]
        lines.append(text)
        breaks = draw(LINE_BREAKS)
        lines.append(breaks)
        line_number += breaks.count("\n")
    return "".join(lines), expected


def _parse_phones(text: str, limit: int = 100_000):
    return parse_items(text, normalise=normalise_phone_number, limit=limit)


@PROPERTY_SETTINGS
@given(paste())
def test_every_token_ends_as_an_item_a_duplicate_or_an_invalid_entry(case):
    text, tokens = case
    result = _parse_phones(text)

    # The count identity: nothing lost, nothing counted twice.
    assert len(result.items) + result.duplicate_count + len(result.invalid) == len(tokens)
    assert not result.limit_exceeded

    # Valid tokens: the first of each value is an item, with its own line; the rest duplicates.
    first_seen: dict[str, tuple[str, int]] = {}
    for raw, value, line in tokens:
        if value is not None and value not in first_seen:
            first_seen[value] = (raw, line)
    assert [(item.value, item.raw, item.line) for item in result.items] == [
        (value, raw, line) for value, (raw, line) in first_seen.items()
    ]
    valid_tokens = sum(1 for _raw, value, _line in tokens if value is not None)
    assert result.duplicate_count == valid_tokens - len(first_seen)

    # Invalid tokens: every one kept, in order, with its line and a reason.
    assert [(bad.raw, bad.line) for bad in result.invalid] == [
        (raw, line) for raw, value, line in tokens if value is None
    ]
    assert all(bad.reason for bad in result.invalid)


@PROPERTY_SETTINGS
@given(st.text(max_size=400))
def test_any_text_parses_without_error_and_every_entry_points_at_its_line(text):
    result = _parse_phones(text)
    lines = text.splitlines()
    values = [item.value for item in result.items]
    assert len(values) == len(set(values))
    for item in result.items:
        assert item.raw in lines[item.line - 1]
        assert normalise_phone_number(item.raw) == item.value
    for bad in result.invalid:
        assert bad.raw[:MAX_TOKEN_LENGTH] in lines[bad.line - 1]
        assert len(bad.raw) <= MAX_TOKEN_LENGTH
        with pytest.raises(InvalidItem):
            normalise_phone_number(bad.raw)
    # Nothing invented: every item, duplicate and refusal came from a piece of text between
    # separators (a piece with spaces may be one number, so there can be fewer, never more).
    pieces = [piece for piece in re.split(r"[,;\s]+", text) if piece]
    assert len(result.items) + result.duplicate_count + len(result.invalid) <= len(pieces)


@PROPERTY_SETTINGS
@given(paste(), st.integers(min_value=0, max_value=20))
def test_every_token_counts_against_the_limit_and_reading_stops_past_it(case, limit):
    text, tokens = case
    unlimited = _parse_phones(text)
    limited = _parse_phones(text, limit=limit)
    assert unlimited.token_count == len(tokens)
    # Items, refusals and repeats alike: more than `limit` tokens of any kind is too many.
    assert limited.limit_exceeded == (len(tokens) > limit)
    assert limited.token_count == min(len(tokens), limit)
    # What was read is what the first `limit` tokens give, and nothing past them.
    first = tokens[:limit]
    assert len(limited.items) + limited.duplicate_count + len(limited.invalid) == len(first)
    assert [(bad.raw, bad.line) for bad in limited.invalid] == [
        (raw, line) for raw, value, line in first if value is None
    ]
    assert limited.items == unlimited.items[: len(limited.items)]
    if not limited.limit_exceeded:
        assert (limited.items, limited.invalid, limited.duplicate_count) == (
            unlimited.items,
            unlimited.invalid,
            unlimited.duplicate_count,
        )


@PROPERTY_SETTINGS
@given(st.text(max_size=400))
def test_lines_are_numbered_as_splitlines_numbers_them(text):
    """The parser walks the lines lazily; its line numbers are still splitlines' own."""
    result = parse_items(text, normalise=lambda token: token, limit=100_000)
    lines = text.splitlines()
    for item in result.items:
        assert item.raw in lines[item.line - 1]


@PROPERTY_SETTINGS
@given(st.lists(NATIONAL, max_size=30), st.sampled_from(["\n", " ", ", ", "\t"]))
def test_numbers_kept_as_typed_are_sent_as_typed(numbers, separator):
    text = separator.join("+48" + number for number in numbers)
    result = parse_items(
        text,
        normalise=lambda tok: normalise_phone_number(tok, number_format=NumberFormat.AS_TYPED),
        limit=1000,
    )
    assert [item.value for item in result.items] == list(dict.fromkeys("+48" + n for n in numbers))


CUSTOMER_TOKEN = st.one_of(
    st.integers(min_value=1, max_value=10**18 - 1).map(str),
    st.integers(min_value=1, max_value=10**6).map(lambda n: f"#{n}"),
    st.integers(min_value=1, max_value=10**6).map(lambda n: f"000{n}"),
    st.sampled_from(["0", "abc", "-5", "1.5", "12a", "9" * 19]),
)


@PROPERTY_SETTINGS
@given(st.lists(CUSTOMER_TOKEN, max_size=40), st.sampled_from([" ", "\n", ",", " ; ", "\t"]))
def test_customer_ids_every_token_accounted_for(tokens, separator):
    result = parse_items(
        separator.join(tokens),
        normalise=normalise_customer_id,
        limit=100_000,
        split_on_spaces_first=True,
    )
    assert len(result.items) + result.duplicate_count + len(result.invalid) == len(tokens)
    expected = []
    for tok in tokens:
        try:
            expected.append(normalise_customer_id(tok))
        except InvalidItem:
            continue
    assert [item.value for item in result.items] == list(dict.fromkeys(expected))
    assert all(item.value.isdigit() and int(item.value) > 0 for item in result.items)
