"""Bulk removal of phone numbers from a campaign: the parts the bulk engine leaves to us."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from thuladmin.bulk.kinds import BulkKind, ItemResult, register
from thuladmin.bulk.models import BulkJob, Outcome
from thuladmin.bulk.parsing import InvalidItem, ParseResult, parse_items
from thuladmin.thulium.client import ThuliumClient, query_item
from thuladmin.thulium.types import PhoneOutcomeStatus, PhoneRecordOutcome

# Removed from inside a number: spaces, dashes, dots, parentheses (and slashes, common in Poland).
NUMBER_PUNCTUATION = re.compile(r"[\s\-.()/]")
MIN_DIGITS = 6
MAX_DIGITS = 15  # E.164
DOCUMENTED_STATUSES = frozenset(status.value for status in PhoneOutcomeStatus)


class NumberFormat:
    NATIONAL = "national"  # drop +48 / 0048: Thulium's examples store nine-digit numbers
    AS_TYPED = "as_typed"


def normalise_phone_number(token: str, *, number_format: str = NumberFormat.NATIONAL) -> str:
    """The form a pasted number is sent in, or InvalidItem saying what is wrong with it."""
    cleaned = NUMBER_PUNCTUATION.sub("", token)
    digits = cleaned[1:] if cleaned.startswith("+") else cleaned
    if not digits:
        raise InvalidItem(_("not a phone number"))
    if not (digits.isascii() and digits.isdigit()):
        raise InvalidItem(_("contains letters or symbols"))
    if len(digits) < MIN_DIGITS:
        raise InvalidItem(_("too short"))
    if len(digits) > MAX_DIGITS:
        raise InvalidItem(_("too long"))
    if number_format == NumberFormat.NATIONAL:
        if cleaned.startswith("+48") and len(digits) == 11:
            return digits[2:]
        if cleaned.startswith("0048") and len(digits) == 13:
            return digits[4:]
    return cleaned


def phone_number_result(entries: Sequence[PhoneRecordOutcome], *, uncertain: bool) -> ItemResult:
    """One number's outcome from Thulium's list of per-record results.

    A duplicated number has several records: it counts as removed only if every record was.
    """
    if len(entries) == 1 and entries[0].status == PhoneOutcomeStatus.REMOVED:
        # Nearly every number of a large job: one record, removed. Decided without the lists
        # below, which cost a job of 100,000 numbers a noticeable share of its CPU.
        record_id = entries[0].record_id
        return ItemResult(
            outcome=Outcome.REMOVED, record_ids=(record_id,) if record_id else (), removed_count=1
        )
    removed = [entry for entry in entries if entry.status == PhoneOutcomeStatus.REMOVED]
    in_call = [entry for entry in entries if entry.status == PhoneOutcomeStatus.CALL_IN_PROGRESS]
    undocumented = sorted(
        {entry.status or "?" for entry in entries if entry.status not in DOCUMENTED_STATUSES}
    )
    record_ids = tuple(entry.record_id for entry in removed if entry.record_id)
    if undocumented:
        return ItemResult(
            outcome=Outcome.ERROR,
            detail=_("Thulium answered with an undocumented status: %(statuses)s")
            % {"statuses": ", ".join(undocumented)},
            record_ids=record_ids,
            removed_count=len(removed),
        )
    if in_call:
        detail = ngettext(
            "%(count)d record in a call, not removed.",
            "%(count)d records in a call, not removed.",
            len(in_call),
        ) % {"count": len(in_call)}
        if removed:
            detail += " " + ngettext(
                "%(count)d other record removed.",
                "%(count)d other records removed.",
                len(removed),
            ) % {"count": len(removed)}
        return ItemResult(
            outcome=Outcome.CALL_IN_PROGRESS,
            detail=detail,
            record_ids=record_ids,
            removed_count=len(removed),
        )
    if removed:
        return ItemResult(
            outcome=Outcome.REMOVED, record_ids=record_ids, removed_count=len(removed)
        )
    if uncertain:
        return ItemResult(
            outcome=Outcome.UNCERTAIN,
            detail=_(
                "Not found on a retry after an attempt that got no clear answer: it may have "
                "been removed by that attempt, or may never have existed."
            ),
        )
    return ItemResult(outcome=Outcome.NOT_EXIST, removed_count=0)


class PhoneNumbersKind(BulkKind):
    name = "phone_numbers"
    query_name = "phone_number"
    item_label = gettext_lazy("phone number")
    item_label_plural = gettext_lazy("phone numbers")
    outcomes = (
        Outcome.REMOVED,
        Outcome.NOT_EXIST,
        Outcome.CALL_IN_PROGRESS,
        Outcome.UNCERTAIN,
        Outcome.ERROR,
        Outcome.CANCELLED,
        Outcome.INVALID,
    )

    def parse(self, text: str, *, options: Mapping) -> ParseResult:
        number_format = options.get("number_format", settings.PHONE_NUMBER_FORMAT)
        return parse_items(
            text,
            normalise=lambda token: normalise_phone_number(token, number_format=number_format),
            limit=settings.BULK_MAX_ITEMS,
        )

    def base_url_length(self, client: ThuliumClient, job: BulkJob) -> int:
        sample = "0" * MIN_DIGITS
        url = client.phone_deletion_url(
            job.campaign_id,
            [sample],
            search_in_additional_numbers=bool(job.options.get("search_in_additional_numbers")),
        )
        return len(url.encode()) - len(query_item(self.query_name, sample))

    def send(
        self, client: ThuliumClient, job: BulkJob, values: Sequence[str], *, uncertain: bool
    ) -> dict[str, ItemResult]:
        report = client.records_delete_by_phone(
            job.campaign_id,
            values,
            search_in_additional_numbers=bool(job.options.get("search_in_additional_numbers")),
        )
        uncertain = uncertain or report.maybe_applied_earlier
        return {
            number: phone_number_result(entries, uncertain=uncertain)
            for number, entries in report.results.items()
        }


PHONE_NUMBERS = register(PhoneNumbersKind())
