"""Phone numbers as people type them, turned into the form Thulium stores: in one place, for
every page and job that takes a number (bulk jobs, the audit log's search, the records search).

Parsed with `phonenumbers` (Google's libphonenumber) for the call centre's region
(`PHONE_NUMBER_REGION`, PL by default): `+48 600 100 200`, `0048600100200`, `48600100200` and
`600-100-200` are all the national `600100200` Thulium's examples store. A number that is not a
valid number of the region (a digit too many or too few, another country's number) is not
refused but *suspicious*: in a list that removes numbers because a person asked not to be
called, sending it as typed would answer "did not exist" and leave the real number dialled, so
it is held back with its reason until the supervisor ticks it in.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any

import phonenumbers
from django.conf import settings
from django.utils.translation import get_language, gettext_lazy
from phonenumbers import geocoder

from thuladmin.coded import CodedText

# Removed from inside a number: spaces, dashes, dots, parentheses (and slashes, common in Poland).
NUMBER_PUNCTUATION = re.compile(r"[\s\-.()/\u00a0\u202f]")
MIN_DIGITS = 6
MAX_DIGITS = 15  # E.164


class NumberFormat:
    NATIONAL = "national"  # drop +48 / 0048 / 48: Thulium's examples store nine-digit numbers
    AS_TYPED = "as_typed"


class InvalidPhoneNumber(ValueError):
    """Raised with a message saying, in the supervisor's words, what is wrong with a number
    (a `CodedText`, so a job's page can word it again in its reader's language)."""


class _NamingTheCountry:
    """A reason's sentence whose `%(country)s` is worded when the sentence is: the parameters
    keep the region's code (`DE`), so that a job read later in another language names the
    country in the reader's language, not the paster's. (Reasons stored before kept the name
    itself, as `country`: that is used as it is.)"""

    def __init__(self, sentence: Any) -> None:
        self.sentence = sentence

    def __mod__(self, params: dict[str, Any]) -> str:
        if "country" not in params and "region" in params:
            params = {**params, "country": _region_name(params["region"])}
        return self.sentence % params

    def __str__(self) -> str:
        return str(self.sentence)


# Why a number is refused or doubtful, by code: the bulk kinds that take phone numbers register
# these with the engine's detail codes.
REASONS = {
    "phones.not_a_number": gettext_lazy("not a phone number"),
    "phones.letters_or_symbols": gettext_lazy("contains letters or symbols"),
    "phones.too_short": gettext_lazy("too short"),
    "phones.too_long": gettext_lazy("too long"),
    "phones.not_dialable": gettext_lazy("not a number phones can dial"),
    "phones.another_country": _NamingTheCountry(
        gettext_lazy("another country's number: %(country)s (+%(code)s)")
    ),
    "phones.short_for_region": _NamingTheCountry(
        gettext_lazy("%(count)s digits: too short for a number in %(country)s")
    ),
    "phones.long_for_region": _NamingTheCountry(
        gettext_lazy("%(count)s digits: too long for a number in %(country)s")
    ),
    "phones.no_such_prefix": _NamingTheCountry(
        gettext_lazy("%(count)s digits, but no number in %(country)s starts so")
    ),
}


def _reason(reason: str, **params: Any) -> CodedText:
    return CodedText(reason, REASONS[reason], params)


@dataclass(frozen=True, slots=True)
class PhoneNumber:
    """A typed number: the form it is sent in, and why it is suspicious ("" if it is not)."""

    value: str
    suspicious: str = ""


def _region_name(region: str) -> str:
    """The country of a region code (`DE`) in the active language, else in English, else "?"."""
    example = phonenumbers.example_number(region) if region else None
    if example is None:
        return region or "?"
    language = (get_language() or settings.LANGUAGE_CODE).split("-")[0]
    return (
        geocoder.country_name_for_number(example, language)
        or geocoder.country_name_for_number(example, "en")
        or region
    )


def _region_country_code(region: str) -> int:
    return phonenumbers.country_code_for_region(region)


@functools.cache
def _valid_national_number(region: str) -> re.Pattern[str]:
    """A national number valid in `region`: one of its number types' patterns (fixed line,
    mobile, toll free…) within its general pattern, as `phonenumbers` decides validity. Compiled
    once, so the common case, a plain local number, costs one regex match rather than a full
    parse: 100,000 pasted numbers are read in well under a second."""
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(region)
    descriptions = (
        metadata.fixed_line,
        metadata.mobile,
        metadata.toll_free,
        metadata.premium_rate,
        metadata.shared_cost,
        metadata.personal_number,
        metadata.voip,
        metadata.pager,
        metadata.uan,
        metadata.voicemail,
    )
    types = "|".join(
        f"(?:{description.national_number_pattern})"
        for description in descriptions
        if description is not None and description.national_number_pattern
    )
    general = metadata.general_desc.national_number_pattern
    return re.compile(rf"(?=(?:{general})\Z)(?:{types})\Z")


def _local_fast(cleaned: str, region: str, number_format: str) -> PhoneNumber | None:
    """A plain local number (optionally after +CC, 00CC or CC) decided without a full parse;
    None when the full parse must decide."""
    if not cleaned.isdigit() and not (cleaned[:1] == "+" and cleaned[1:].isdigit()):
        return None
    code = str(_region_country_code(region))
    valid = _valid_national_number(region).match
    national = cleaned
    for prefix in ("+" + code, "00" + code):
        if cleaned.startswith(prefix):
            national = cleaned[len(prefix) :]
            break
    else:
        # A bare country code is stripped only when the number is not valid as it stands, as
        # `phonenumbers` does (48 is also Radom's area code).
        if not valid(cleaned) and cleaned.startswith(code) and valid(cleaned[len(code) :]):
            national = cleaned[len(code) :]
    if national.startswith("+") or not valid(national):
        return None
    return PhoneNumber(value=cleaned if number_format == NumberFormat.AS_TYPED else national)


def parse_phone_number(
    token: str, *, number_format: str = NumberFormat.NATIONAL, region: str | None = None
) -> PhoneNumber:
    """The form a typed number is sent in, with the reason it is suspicious if it is not a
    valid number of the region; InvalidPhoneNumber if it is no phone number at all."""
    region = region or settings.PHONE_NUMBER_REGION
    cleaned = NUMBER_PUNCTUATION.sub("", token)
    if (fast := _local_fast(cleaned, region, number_format)) is not None:
        return fast
    digits = cleaned[1:] if cleaned.startswith("+") else cleaned
    if not digits:
        raise InvalidPhoneNumber(_reason("phones.not_a_number"))
    if not (digits.isascii() and digits.isdigit()):
        raise InvalidPhoneNumber(_reason("phones.letters_or_symbols"))
    if len(digits) < MIN_DIGITS:
        raise InvalidPhoneNumber(_reason("phones.too_short"))
    if len(digits) > MAX_DIGITS:
        raise InvalidPhoneNumber(_reason("phones.too_long"))
    international = "+" + digits if cleaned.startswith("+") else None
    if international is None and digits.startswith("00"):
        international = "+" + digits[2:]
    try:
        number = phonenumbers.parse(international or digits, None if international else region)
    except phonenumbers.NumberParseException:
        return PhoneNumber(value=cleaned, suspicious=_reason("phones.not_dialable"))
    home = _region_country_code(region)
    national = phonenumbers.national_significant_number(number)
    as_typed = number_format == NumberFormat.AS_TYPED
    if number.country_code != home:
        e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
        return PhoneNumber(
            value=cleaned if as_typed else e164,
            suspicious=_reason(
                "phones.another_country",
                region=phonenumbers.region_code_for_number(number) or "",
                code=number.country_code,
            ),
        )
    value = cleaned if as_typed else national
    if phonenumbers.is_valid_number_for_region(number, region):
        return PhoneNumber(value=value)
    expected = {
        len(str(example.national_number))
        for kind in (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE)
        if (example := phonenumbers.example_number_for_type(region, kind)) is not None
    }
    if expected and len(national) < min(expected):
        code = "phones.short_for_region"
    elif expected and len(national) > max(expected):
        code = "phones.long_for_region"
    else:
        code = "phones.no_such_prefix"
    return PhoneNumber(
        value=value,
        suspicious=_reason(code, count=len(national), region=region),
    )


def is_plain_national_number(token: str) -> bool:
    """Whether `token` is digits only and already a valid national number of the region: a
    number `normalise_phone_number` returns unchanged. One regex match, for callers that
    normalise numbers by the hundred thousand (a campaign snapshot stores every record's)."""
    return (
        token.isascii()
        and token.isdigit()
        and not token.startswith("00")
        and _valid_national_number(settings.PHONE_NUMBER_REGION).match(token) is not None
    )


def normalise_phone_number(token: str, *, number_format: str = NumberFormat.NATIONAL) -> str:
    """The form a typed number is sent in (suspicious or not), or InvalidPhoneNumber: for
    searches, which look a number up whichever way it was stored."""
    return parse_phone_number(token, number_format=number_format).value
