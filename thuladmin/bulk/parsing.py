"""Turning pasted text into items: tokens with line numbers, duplicates merged, limits enforced.

The kinds (phone numbers, customer ids) supply only how one token is checked and normalised.

Every token counts against the limit, refused ones and repeats included, and parsing stops at
the first token past it: a paste of millions of junk tokens costs as much as one of `limit`
tokens, not millions of objects. The text is walked lazily (lines, pieces and tokens are found
one at a time), so no list of every line or token is ever built either.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext_lazy

from thuladmin.coded import CodedText

# Between items: commas, semicolons, tabs and line breaks always; spaces only when a piece with
# its spaces removed is not a valid item itself (see `parse_items`). A piece is what lies between
# those hard separators on a line, a token what lies between spaces in a piece.
PIECES = re.compile(r"[^,;\t]+")
TOKENS = re.compile(r"\S+")
# A line with none of these is a single token.
SPLITS = re.compile(r"[,;\s]")
# Where str.splitlines breaks a line.
LINE_BREAKS = re.compile(r"\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]")
MAX_TOKEN_LENGTH = 200
# The engine's own reason for refusing a token (registered in thuladmin.bulk.details).
TOO_LONG = "bulk.token_too_long"
TOO_LONG_REASON = gettext_lazy("too long")


class InvalidItem(ValueError):
    """Raised by a kind's normaliser with a message saying what is wrong with the token."""


class SuspiciousValue(str):
    """What a kind's normaliser returns for a token it could send but doubts (a phone number of
    another country, or a digit short): the value, with the reason. It is held back, "not
    sent", unless the supervisor ticks it in on the preview."""

    reason: str

    def __new__(cls, value: str, reason: str) -> SuspiciousValue:
        instance = super().__new__(cls, value)
        instance.reason = reason
        return instance


@dataclass(frozen=True, slots=True)
class ParsedItem:
    value: str
    raw: str
    line: int
    # What is known of the item when the draft is made, kept as its `BulkItem.preview`: a
    # record's values from the campaign copy, for kinds that change or add records back.
    preview: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class RejectedItem:
    raw: str
    line: int
    reason: str


@dataclass(frozen=True, slots=True)
class SuspiciousItem:
    value: str
    raw: str
    line: int
    reason: str


@dataclass(slots=True)
class ParseResult:
    items: list[ParsedItem] = field(default_factory=list)
    invalid: list[RejectedItem] = field(default_factory=list)
    suspicious: list[SuspiciousItem] = field(default_factory=list)
    duplicate_count: int = 0
    # Tokens read: items, refused tokens and repeats (at most `limit + 1`: reading stops there).
    token_count: int = 0
    limit_exceeded: bool = False
    limit: int = 0


def parse_items(
    text: str,
    *,
    normalise: Callable[[str], str],
    limit: int,
    split_on_spaces_first: bool = False,
) -> ParseResult:
    """Parse pasted text into unique, normalised items, keeping every token's line number.

    A piece between hard separators is first tried whole (so `600 100 200` is one phone number),
    and only if that fails is it split on spaces (so `600100200 600100201` is two). Kinds whose
    items never contain spaces (customer ids) split on spaces straight away.

    At most `limit` tokens are read, whatever they turn out to be; with more, `limit_exceeded`
    is set and the result holds what the first `limit` tokens gave.
    """
    result = ParseResult(limit=limit)
    seen: set[str] = set()
    for line_number, line in enumerate(_lines(text), start=1):
        if not line:
            continue
        if SPLITS.search(line) is None:
            # Nothing to split: the whole line is one token (a list of one number a line).
            tokens: Iterable[tuple[str, str | None, str | None]] = (_token(line, normalise),)
        else:
            tokens = _line_tokens(line, normalise, split_on_spaces_first)
        for token, value, error in tokens:
            if result.token_count >= limit:
                result.limit_exceeded = True
                return result
            result.token_count += 1
            if error is not None:
                result.invalid.append(
                    RejectedItem(raw=token[:MAX_TOKEN_LENGTH], line=line_number, reason=error)
                )
            elif value in seen:
                result.duplicate_count += 1
            elif isinstance(value, SuspiciousValue):
                seen.add(value)
                result.suspicious.append(
                    SuspiciousItem(
                        value=str(value),
                        raw=token[:MAX_TOKEN_LENGTH],
                        line=line_number,
                        reason=value.reason,
                    )
                )
            else:
                seen.add(value)
                result.items.append(
                    ParsedItem(value=value, raw=token[:MAX_TOKEN_LENGTH], line=line_number)
                )
    return result


def _line_tokens(
    line: str, normalise: Callable[[str], str], split_on_spaces_first: bool
) -> Iterator[tuple[str, str | None, str | None]]:
    for piece_match in PIECES.finditer(line):
        piece = piece_match.group().strip()
        if piece:
            yield from _tokens(piece, normalise, split_on_spaces_first)


def _lines(text: str) -> Iterator[str]:
    """The lines of `text`, as `str.splitlines` gives them, one at a time."""
    start = 0
    for line_break in LINE_BREAKS.finditer(text):
        yield text[start : line_break.start()]
        start = line_break.end()
    if start < len(text):
        yield text[start:]


def _tokens(piece: str, normalise: Callable[[str], str], split_on_spaces_first: bool):
    if not split_on_spaces_first and " " in piece:
        try:
            whole = normalise(piece)
        except InvalidItem:
            whole = None
        if whole is not None and not isinstance(whole, SuspiciousValue):
            yield piece, whole, None
            return
        if whole is not None:
            # Doubtful as one item: several good ones with spaces between, or one doubtful item.
            split = [_token(match.group(), normalise) for match in TOKENS.finditer(piece)]
            if not all(
                error is None and not isinstance(value, SuspiciousValue)
                for _token_text, value, error in split
            ):
                split = [(piece, whole, None)]
            yield from split
            return
    for token_match in TOKENS.finditer(piece):
        yield _token(token_match.group(), normalise)


def _token(token: str, normalise: Callable[[str], str]) -> tuple[str, str | None, str | None]:
    """(token, its value, None), or (token, None, why it is refused)."""
    if len(token) > MAX_TOKEN_LENGTH:
        return token, None, CodedText(TOO_LONG, TOO_LONG_REASON)
    try:
        return token, normalise(token), None
    except InvalidItem as exc:
        # The reason itself (a CodedText keeps its code), not str() of the exception.
        return token, None, exc.args[0] if exc.args else str(exc)
