from campaigns.bulk.phone_lists import phone_item
from thuladmin.bulk.parsing import parse_items


def _parse(text: str, limit: int = 100):
    return parse_items(text, normalise=phone_item, limit=limit)


def test_every_separator_splits_items():
    result = _parse("600100200,600100201;600100202\t600100203\n600100204 600100205")
    assert [item.value for item in result.items] == [
        "600100200",
        "600100201",
        "600100202",
        "600100203",
        "600100204",
        "600100205",
    ]


def test_punctuation_inside_a_number_is_removed():
    result = _parse("600-100-200\n(22) 100.20.30\n600 100 201\n601/100/200")
    assert [item.value for item in result.items] == [
        "600100200",
        "221002030",
        "600100201",
        "601100200",
    ]


def test_line_numbers_are_kept_for_valid_and_invalid_tokens():
    result = _parse("600100200\n\nabc, 600100201\n12")
    assert [(item.value, item.line) for item in result.items] == [
        ("600100200", 1),
        ("600100201", 3),
    ]
    assert [(bad.raw, bad.line, bad.reason) for bad in result.invalid] == [
        ("abc", 3, "contains letters or symbols"),
        ("12", 4, "too short"),
    ]


def test_too_long_is_invalid():
    result = _parse("1234567890123456")
    assert result.invalid[0].reason == "too long"


def test_duplicates_are_merged_and_counted_after_normalising():
    result = _parse("600100200\n+48 600 100 200\n0048600100200\n600100200")
    assert [item.value for item in result.items] == ["600100200"]
    assert result.duplicate_count == 3


def test_limit_is_enforced_and_reported():
    result = _parse("\n".join(f"6001002{index:02d}" for index in range(20)), limit=5)
    assert len(result.items) == 5
    assert result.limit_exceeded


def test_refused_tokens_and_repeats_count_against_the_limit():
    assert _parse("x,y,z,600100200", limit=3).limit_exceeded
    assert _parse("600100200,600100200,600100200,600100200", limit=3).limit_exceeded
    assert not _parse("x,y,600100200", limit=3).limit_exceeded


def test_reading_stops_at_the_first_token_past_the_limit():
    """A hostile paste of millions of junk tokens costs no more than `limit` of them."""
    text = ",".join(["x"] * 3_000_000)
    result = _parse(text, limit=1000)
    assert result.limit_exceeded
    assert result.token_count == 1000
    assert len(result.invalid) == 1000


def test_a_huge_token_is_refused_as_too_long_and_kept_short():
    result = _parse("9" * 1_000_000)
    assert [(bad.reason, len(bad.raw)) for bad in result.invalid] == [("too long", 200)]


def test_empty_text_has_no_items_and_nothing_refused():
    result = _parse("  \n\n ,;")
    assert (result.items, result.invalid) == ([], [])
