"""Turning pasted text into items: tokens with line numbers, duplicates merged, limits enforced.

The kinds (phone numbers, customer ids) supply only how one token is checked and normalised.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

# Between items: commas, semicolons, tabs and line breaks always; spaces only when a piece with
# its spaces removed is not a valid item itself (see `parse_items`).
HARD_SEPARATORS = re.compile(r"[,;\t]+")
MAX_TOKEN_LENGTH = 200


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
    """
    result = ParseResult(limit=limit)
    seen: set[str] = set()
    for line_number, line in enumerate(text.splitlines(), start=1):
        for piece in HARD_SEPARATORS.split(line):
            piece = piece.strip()
            if not piece:
                continue
            for token, value, error in _tokens(piece, normalise, split_on_spaces_first):
                if error is not None:
                    result.invalid.append(
                        RejectedItem(raw=token[:MAX_TOKEN_LENGTH], line=line_number, reason=error)
                    )
                elif value in seen:
                    result.duplicate_count += 1
                elif len(result.items) + len(result.suspicious) >= limit:
                    result.limit_exceeded = True
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
            split = list(_split_tokens(piece, normalise))
            if not all(
                error is None and not isinstance(value, SuspiciousValue)
                for _token, value, error in split
            ):
                split = [(piece, whole, None)]
            yield from split
            return
    yield from _split_tokens(piece, normalise)


def _split_tokens(piece: str, normalise: Callable[[str], str]):
    for token in piece.split():
        if len(token) > MAX_TOKEN_LENGTH:
            yield token, None, _("too long")
            continue
        try:
            yield token, normalise(token), None
        except InvalidItem as exc:
            yield token, None, str(exc)
