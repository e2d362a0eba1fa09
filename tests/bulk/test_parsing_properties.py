"""Properties of the paste parser: nothing pasted is lost, every token is accounted for once.

Hypothesis writes the pastes: valid, suspicious and invalid tokens mixed on lines, separated by
every hard separator, with duplicates (also in other spellings: `+48`, `0048`, `48…`, spaces,
dashes), blank lines and stray whitespace. Whatever it writes, each token ends as exactly one of:
an item (the first time its value is seen, with its own line number), a suspicious item held
back (another country's number, a Polish one a digit short or long), a duplicate, or an invalid
entry (with its line).
"""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from campaigns.bulk.phone_lists import phone_item
from customers.bulk import normalise_customer_id
from thuladmin.bulk.parsing import MAX_TOKEN_LENGTH, InvalidItem, parse_items
from thuladmin.phones import NumberFormat, normalise_phone_number

PROPERTY_SETTINGS = settings(max_examples=150, deadline=None)

# Polish mobile numbers: valid in every spelling.
NATIONAL = st.from_regex(r"(45|50|51|53|57|60|66|69|72|73|78|79|88)[0-9]{7}", fullmatch=True)
# Valid numbers of other countries, as E.164.
FOREIGN = st.sampled_from(
    ["+442079460958", "+12025550143", "+4930901820", "+33142685300", "+420224004111"]
)
# Polish mobile-looking numbers a digit short or long.
WRONG_LENGTH = st.from_regex(r"(50|60|69|79)([0-9]{6}|[0-9]{8})", fullmatch=True)

ITEM, SUSPICIOUS = "item", "suspicious"


@st.composite
def valid_number(draw) -> tuple[str, str]:
    """(token as pasted, value it must be sent as): national numbers in the spellings
    supervisors paste."""
    number = draw(NATIONAL)
    spelling = draw(
        st.sampled_from(["plain", "+48", "0048", "48", "spaces", "dashes", "dots", "brackets"])
    )
    if spelling == "plain":
        return number, number
    if spelling == "+48":
        return "+48" + number, number
    if spelling == "0048":
        return "0048" + number, number
    if spelling == "48":
        return "48" + number, number
    if spelling == "spaces":
        return f"+48 {number[:3]} {number[3:6]} {number[6:]}", number
    if spelling == "dashes":
        return f"{number[:3]}-{number[3:6]}-{number[6:]}", number
    if spelling == "dots":
        return f"{number[:3]}.{number[3:6]}.{number[6:]}", number
    return f"({number[:2]}){number[2:]}", number


@st.composite
def suspicious_number(draw) -> tuple[str, str]:
    """(token as pasted, value it would be sent as): another country's number (in E.164, as
    pasted or with 00), or a Polish-looking one of the wrong length."""
    if draw(st.booleans()):
        number = draw(FOREIGN)
        return (number if draw(st.booleans()) else "00" + number[1:]), number
    number = draw(WRONG_LENGTH)
    return number, number


INVALID = st.one_of(
    st.from_regex(r"[0-9]{1,5}", fullmatch=True),  # too short
    st.from_regex(r"[0-9]{16,22}", fullmatch=True),  # too long
    st.from_regex(r"[0-9]{3,9}[a-zA-Zżółć#*x][0-9]{0,4}", fullmatch=True),  # letters or symbols
    st.from_regex(r"[a-zA-Z]{1,12}", fullmatch=True),
    st.just("+"),
    st.just("--"),
)


@st.composite
def token(draw) -> tuple[str, str | None, str | None]:
    """(token, expected value, ITEM or SUSPICIOUS) — (token, None, None) when it must be
    refused."""
    group = draw(st.sampled_from([ITEM, ITEM, SUSPICIOUS, None]))
    if group == ITEM:
        return (*draw(valid_number()), ITEM)
    if group == SUSPICIOUS:
        return (*draw(suspicious_number()), SUSPICIOUS)
    return draw(INVALID), None, None


SEPARATORS = st.sampled_from([",", ";", "\t", ", ", " ;", " , ", ",,", ";\t"])
LINE_BREAKS = st.sampled_from(["\n", "\r\n", "\n\n", "\n \n"])


@st.composite
def paste(draw) -> tuple[str, list[tuple[str, str | None, int, str | None]]]:
    """Text as pasted, and every token in it as (token, expected value, line number, group)."""
    lines: list[str] = []
    expected: list[tuple[str, str | None, int, str | None]] = []
    pool: list[tuple[str, str | None, str | None]] = []
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
        for index, (raw, _value, _group) in enumerate(tokens):
            text += (draw(SEPARATORS) if index else draw(st.sampled_from(["", " ", "\t"]))) + raw
        text += draw(st.sampled_from(["", " ", ",", ";"]))
        expected += [(raw, value, line_number, group) for raw, value, group in tokens]
        lines.append(text)
        breaks = draw(LINE_BREAKS)
        lines.append(breaks)
        line_number += breaks.count("\n")
    return "".join(lines), expected


def _parse_phones(text: str, limit: int = 100_000):
    return parse_items(text, normalise=phone_item, limit=limit)


@PROPERTY_SETTINGS
@given(paste())
def test_every_token_ends_as_an_item_a_suspicious_one_a_duplicate_or_an_invalid_entry(case):
    text, tokens = case
    result = _parse_phones(text)

    # The count identity: nothing lost, nothing counted twice.
    counted = (
        len(result.items) + len(result.suspicious) + result.duplicate_count + len(result.invalid)
    )
    assert counted == len(tokens)
    assert not result.limit_exceeded

    # Sendable tokens: the first of each value is an item (or a suspicious one), with its own
    # line; the rest are duplicates.
    first_seen: dict[str, tuple[str, int, str]] = {}
    for raw, value, line, group in tokens:
        if value is not None and value not in first_seen:
            first_seen[value] = (raw, line, group)
    assert [(item.value, item.raw, item.line) for item in result.items] == [
        (value, raw, line) for value, (raw, line, group) in first_seen.items() if group == ITEM
    ]
    assert [(item.value, item.raw, item.line) for item in result.suspicious] == [
        (value, raw, line)
        for value, (raw, line, group) in first_seen.items()
        if group == SUSPICIOUS
    ]
    assert all(item.reason for item in result.suspicious)
    sendable = sum(1 for _raw, value, _line, _group in tokens if value is not None)
    assert result.duplicate_count == sendable - len(first_seen)

    # Invalid tokens: every one kept, in order, with its line and a reason.
    assert [(bad.raw, bad.line) for bad in result.invalid] == [
        (raw, line) for raw, value, line, _group in tokens if value is None
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
            phone_item(bad.raw)
    # Nothing invented: every item, duplicate and refusal came from a piece of text between
    # separators (a piece with spaces may be one number, so there can be fewer, never more).
    pieces = [piece for piece in re.split(r"[,;\s]+", text) if piece]
    counted = (
        len(result.items) + len(result.suspicious) + result.duplicate_count + len(result.invalid)
    )
    assert counted <= len(pieces)


@PROPERTY_SETTINGS
@given(paste(), st.integers(min_value=0, max_value=20))
def test_every_token_counts_against_the_limit_and_reading_stops_past_it(case, limit):
    text, tokens = case
    unlimited = _parse_phones(text)
    limited = _parse_phones(text, limit=limit)
    assert unlimited.token_count == len(tokens)
    # Items, suspicious ones, refusals and repeats alike: more than `limit` tokens is too many.
    assert limited.limit_exceeded == (len(tokens) > limit)
    assert limited.token_count == min(len(tokens), limit)
    # What was read is what the first `limit` tokens give, and nothing past them.
    first = tokens[:limit]
    counted = (
        len(limited.items)
        + len(limited.suspicious)
        + limited.duplicate_count
        + len(limited.invalid)
    )
    assert counted == len(first)
    assert [(bad.raw, bad.line) for bad in limited.invalid] == [
        (raw, line) for raw, value, line, _group in first if value is None
    ]
    assert limited.items == unlimited.items[: len(limited.items)]
    assert limited.suspicious == unlimited.suspicious[: len(limited.suspicious)]
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
        normalise=lambda tok: phone_item(tok, number_format=NumberFormat.AS_TYPED),
        limit=1000,
    )
    assert [item.value for item in result.items] == list(dict.fromkeys("+48" + n for n in numbers))
    assert not result.suspicious


@PROPERTY_SETTINGS
@given(NATIONAL)
def test_every_spelling_of_a_polish_number_is_the_national_number(number):
    spaced = f"{number[:3]} {number[3:6]} {number[6:]}"
    for typed in (number, "+48" + number, "0048" + number, "48" + number, spaced, "+48 " + spaced):
        assert phone_item(typed) == number
        assert type(phone_item(typed)) is str  # not suspicious


@PROPERTY_SETTINGS
@given(suspicious_number())
def test_foreign_and_wrong_length_numbers_are_held_back_with_a_reason(case):
    typed, value = case
    held = phone_item(typed)
    assert held == value
    assert held.reason


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
