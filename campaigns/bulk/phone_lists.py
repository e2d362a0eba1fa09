"""What the kinds that take pasted phone numbers share: parsing, the paste form, the search,
and the kind's parts that follow from its items being phone numbers (`PhoneListKind`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from thuladmin.accounts import roles
from thuladmin.bulk.details import register_detail
from thuladmin.bulk.forms import BulkItemsForm
from thuladmin.bulk.models import BulkJob
from thuladmin.bulk.parsing import InvalidItem, ParseResult, SuspiciousValue, parse_items
from thuladmin.phones import (
    REASONS,
    InvalidPhoneNumber,
    NumberFormat,
    normalise_phone_number,
    parse_phone_number,
)

# Why a pasted number is refused or doubtful: worded again in each reader's language on the job
# page, for both kinds that take phone numbers.
for _code, _reason in REASONS.items():
    register_detail(_code, _reason)


def phone_item(token: str, *, number_format: str = NumberFormat.NATIONAL) -> str:
    """One pasted token as the number sent (a SuspiciousValue if it is not a valid number of
    the region), or InvalidItem saying what is wrong with it."""
    try:
        number = parse_phone_number(token, number_format=number_format)
    except InvalidPhoneNumber as error:
        raise InvalidItem(*error.args) from None
    if number.suspicious:
        return SuspiciousValue(number.value, number.suspicious)
    return number.value


def parse_phone_numbers(text: str, *, number_format: str) -> ParseResult:
    """Pasted text as unique phone numbers in the form they are sent in, with every refused
    token and its reason."""
    return parse_items(
        text,
        normalise=lambda token: phone_item(token, number_format=number_format),
        limit=settings.BULK_MAX_ITEMS,
    )


def phone_search_values(text: str) -> list[str]:
    """The forms a number typed into a search may have been sent in: national and as typed,
    because a job's options choose the format."""
    values = []
    for number_format in (NumberFormat.NATIONAL, NumberFormat.AS_TYPED):
        try:
            value = normalise_phone_number(text, number_format=number_format)
        except InvalidPhoneNumber:
            continue
        if value not in values:
            values.append(value)
    return values


def number_format_description(number_format: str) -> str:
    """What the number format setting does, in the words of the page that shows it."""
    if number_format == NumberFormat.NATIONAL:
        return _(
            "National: +48, 0048 or 48 before the number is dropped, so +48 600 100 200 is sent "
            "as 600100200. A number that is not a valid local one is held back for you to check."
        )
    return _("As typed: numbers are sent as pasted, without spaces, dashes, dots or parentheses.")


class PhoneListForm(BulkItemsForm):
    """A pasted or uploaded list of phone numbers; subclasses name the kind. The words for an
    empty, a wholly refused and a too long list are the same for every list of numbers."""

    empty_message = gettext_lazy("Paste some phone numbers or upload a file of them.")
    nothing_valid_message = gettext_lazy(
        "None of these is a phone number: every token was refused (see the list below)."
    )
    limit_message = gettext_lazy(
        "More than %(limit)s phone numbers: split the list into jobs of at most %(limit)s."
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["text"].label = _("Phone numbers")
        self.fields["text"].help_text = _(
            "One a line, or separated by commas, semicolons, tabs or spaces. Spaces, dashes, dots "
            "and parentheses inside a number are ignored."
        )
        self.fields["text"].widget.attrs["placeholder"] = "600 100 200\n+48 600-100-201"

    def options(self) -> dict[str, Any]:
        return {"number_format": settings.PHONE_NUMBER_FORMAT}


class PhoneListKind:
    """The parts of a kind of bulk job that follow from its items being pasted phone numbers:
    their names, who may run it (a supervisor), the parser with the job's number format, the
    audit log's search, and the format the job pages describe. Listed before the engine's base
    kind: `class MyKind(PhoneListKind, OneByOneKind)`."""

    item_label = gettext_lazy("phone number")
    search_hint = gettext_lazy(
        "A phone number, typed any way: spaces, dashes and +48 do not matter."
    )
    search_example = "+48 600 100 200"
    item_label_plural = gettext_lazy("phone numbers")

    def may_run(self, user) -> bool:
        return roles.can_work_on_campaigns(user)

    def page_context(self, job: BulkJob) -> dict:
        return {"number_format": number_format_description(job.options.get("number_format", ""))}

    def parse(self, text: str, *, options: Mapping) -> ParseResult:
        return parse_phone_numbers(
            text, number_format=options.get("number_format", settings.PHONE_NUMBER_FORMAT)
        )

    def search_values(self, text: str) -> list[str]:
        return phone_search_values(text)
