"""Phone numbers as people type them, turned into the form Thulium stores: in one place, for
every page and job that takes a number (bulk jobs, the audit log's search)."""

from __future__ import annotations

import re

from django.utils.translation import gettext as _


class InvalidPhoneNumber(ValueError):
    """Raised with a message saying, in the supervisor's words, what is wrong with a number."""


# Removed from inside a number: spaces, dashes, dots, parentheses (and slashes, common in Poland).
NUMBER_PUNCTUATION = re.compile(r"[\s\-.()/]")
MIN_DIGITS = 6
MAX_DIGITS = 15  # E.164


class NumberFormat:
    NATIONAL = "national"  # drop +48 / 0048: Thulium's examples store nine-digit numbers
    AS_TYPED = "as_typed"


def normalise_phone_number(token: str, *, number_format: str = NumberFormat.NATIONAL) -> str:
    """The form a typed number is sent in, or InvalidPhoneNumber saying what is wrong with it."""
    cleaned = NUMBER_PUNCTUATION.sub("", token)
    digits = cleaned[1:] if cleaned.startswith("+") else cleaned
    if not digits:
        raise InvalidPhoneNumber(_("not a phone number"))
    if not (digits.isascii() and digits.isdigit()):
        raise InvalidPhoneNumber(_("contains letters or symbols"))
    if len(digits) < MIN_DIGITS:
        raise InvalidPhoneNumber(_("too short"))
    if len(digits) > MAX_DIGITS:
        raise InvalidPhoneNumber(_("too long"))
    if number_format == NumberFormat.NATIONAL:
        if cleaned.startswith("+48") and len(digits) == 11:
            return digits[2:]
        if cleaned.startswith("0048") and len(digits) == 13:
            return digits[4:]
    return cleaned
