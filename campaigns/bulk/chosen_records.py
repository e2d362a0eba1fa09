"""Which records a "change these records" job changes, and what each held before.

Thulium changes a record only by its identifier (`PUT records_by_identifier`), so every way of
choosing records ends in identifiers, each with what the record held before the change (its
status, agent and next call date) and when that was known, kept as the item's preview
(`ParsedItem.preview`): the preview shows it before → after, the audit entry keeps it, and "put
the previous values back" sends it. The ways in:

- rows chosen on the records list (identifier and number as the list showed them; the values
  before from the campaign's copy);
- every record matching the list's filters (read from Thulium now: the values it listed are the
  values before, as of that read);
- a pasted list of identifiers or phone numbers, found in the copy (a number with several
  records gives each of them);
- a finished change job (its updated records, with their values before, to put back).

A record without an identifier cannot be changed through the API, and a number the copy does not
hold names no record: both are listed as refused (INVALID), with the reason, and never sent.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy

from campaigns.models import CampaignSnapshot, SnapshotRecord
from campaigns.snapshots import phone_normalised, snapshot_copy_as_of, snapshot_generations
from thuladmin.bulk.models import BulkItem, BulkJob
from thuladmin.bulk.parsing import (
    InvalidItem,
    ParsedItem,
    ParseResult,
    RejectedItem,
    parse_items,
)
from thuladmin.coded import CodedText
from thuladmin.phones import InvalidPhoneNumber, normalise_phone_number
from thuladmin.thulium import errors
from thuladmin.thulium.client import validate_identifier
from thuladmin.thulium.types import CampaignRecord, SystemStatus

# The kind's detail codes for what is refused (see `thuladmin.bulk.details`), registered with the
# kind (`campaigns.bulk.change_records`), whose name they start with.
NO_IDENTIFIER = "change_records.no_identifier"
NUMBER_NOT_IN_COPY = "change_records.number_not_in_copy"
NOT_AN_IDENTIFIER = "change_records.not_an_identifier"
IDENTIFIER_TOO_LONG = "change_records.identifier_too_long"
NOTHING_TO_PUT_BACK = "change_records.nothing_to_put_back"
PUT_BACK_BREAKS_RULES = "change_records.put_back_breaks_rules"
REASONS = {
    NO_IDENTIFIER: gettext_lazy(
        "no identifier: Thulium can change a record only by its identifier"
    ),
    NUMBER_NOT_IN_COPY: gettext_lazy("no record with this number in the campaign's copy"),
    NOT_AN_IDENTIFIER: gettext_lazy("neither a phone number nor a record identifier"),
    IDENTIFIER_TOO_LONG: gettext_lazy(
        "an identifier longer than %(limit)s characters cannot go into a bulk job"
    ),
    NOTHING_TO_PUT_BACK: gettext_lazy(
        "its values before the change are not known: nothing to put back"
    ),
    PUT_BACK_BREAKS_RULES: gettext_lazy(
        "its status before needs an agent and a next call date the copy did not hold"
    ),
}

# What a record held before, as an item's preview keeps it: the copy's columns a change sets.
BEFORE_FIELDS = ("status_id", "status_name", "system_status", "agent_login", "next_call_date")
# The fields a change sends that the copy knows the earlier value of (so they can be put back).
PUT_BACK_FIELDS = ("status_id", "agent_login", "next_call_date")
# `BulkItem.value`'s length: a longer identifier cannot be an item.
MAX_ITEM_IDENTIFIER = BulkItem._meta.get_field("value").max_length
# Identifiers or numbers looked up in the copy per query.
LOOKUP_BATCH = 500


def _reason(code: str, **params: Any) -> CodedText:
    return CodedText(code, REASONS[code], params)


def record_before(record: SnapshotRecord | CampaignRecord) -> dict[str, str]:
    """A record's values that a change may set, as an item's preview keeps them."""
    return {field: getattr(record, field) or "" for field in BEFORE_FIELDS}


def _preview(
    *, phone_number: str, before: Mapping[str, str] | None, as_of: datetime | None
) -> dict[str, Any]:
    preview: dict[str, Any] = {"phone_number": phone_number}
    if before is not None:
        preview["before"] = dict(before)
        preview["as_of"] = as_of.isoformat() if as_of is not None else ""
    return preview


class _Items:
    """A ParseResult being built: each record once (by identifier), the refused ones listed."""

    def __init__(self) -> None:
        self.result = ParseResult(limit=settings.BULK_MAX_ITEMS)
        self.seen: set[str] = set()

    def add(self, *, identifier: str, raw: str, line: int, preview: Mapping[str, Any]) -> None:
        self.result.token_count += 1
        if len(identifier) > MAX_ITEM_IDENTIFIER:
            self.refuse(raw=raw, line=line, reason=_too_long())
        elif identifier in self.seen:
            self.result.duplicate_count += 1
        else:
            self.seen.add(identifier)
            self.result.items.append(
                ParsedItem(value=identifier, raw=raw[:200], line=line, preview=dict(preview))
            )
        if len(self.result.items) > settings.BULK_MAX_ITEMS:
            self.result.limit_exceeded = True

    def refuse(self, *, raw: str, line: int, reason: str) -> None:
        self.result.invalid.append(RejectedItem(raw=(raw or "—")[:200], line=line, reason=reason))


def _too_long() -> CodedText:
    return _reason(IDENTIFIER_TOO_LONG, limit=MAX_ITEM_IDENTIFIER)


# --- the campaign's copy -----------------------------------------------------------------------


def _copy_rows(campaign_id: str) -> tuple[QuerySet | None, datetime | None]:
    """The rows of the copy searches answer from (the current one, or during the first read the
    rows written so far), and when the copy was current; (None, None) with no copy at all."""
    current, reading = snapshot_generations(campaign_id)
    searched: CampaignSnapshot | None = current or reading
    if searched is None:
        return None, None
    as_of = snapshot_copy_as_of(campaign_id, current) if current else reading.started_at
    return SnapshotRecord.objects.filter(snapshot=searched).live(), as_of


def _record_as_of(record: SnapshotRecord, copy_as_of: datetime | None) -> datetime | None:
    """When the copy knew this record's values: the copy's time, or the dashboard's own later
    change of it."""
    if record.changed_at is not None and (copy_as_of is None or record.changed_at > copy_as_of):
        return record.changed_at
    return copy_as_of


def _in_batches(values: Sequence[str]) -> Iterable[list[str]]:
    for start in range(0, len(values), LOOKUP_BATCH):
        yield list(values[start : start + LOOKUP_BATCH])


def copy_records_by_identifier(rows: QuerySet, identifiers: Sequence[str]) -> dict[str, Any]:
    """The copy's record of each identifier it holds (a few indexed queries)."""
    found: dict[str, SnapshotRecord] = {}
    for batch in _in_batches(list(dict.fromkeys(i for i in identifiers if i))):
        for record in rows.filter(identifier__in=batch):
            found.setdefault(record.identifier, record)
    return found


def copy_records_by_number(rows: QuerySet, numbers: Sequence[str]) -> dict[str, list[Any]]:
    """The copy's records of each number (in its normalised form), in the order they were
    copied; a number with several records has them all."""
    found: dict[str, list[SnapshotRecord]] = {}
    for batch in _in_batches(list(dict.fromkeys(n for n in numbers if n))):
        for record in rows.filter(phone_normalised__in=batch).order_by("pk"):
            found.setdefault(record.phone_normalised, []).append(record)
    return found


# --- the ways in -------------------------------------------------------------------------------


def chosen_rows_parsed(*, campaign_id: str, rows: Sequence[tuple[str, str]]) -> ParseResult:
    """The rows chosen on the records list, `(identifier, phone number)` as the list showed
    them, in its order: each with its values before from the copy (none known when the copy
    does not hold it: it is changed all the same, its identifier is known). A row without an
    identifier is refused."""
    items = _Items()
    copy, as_of = _copy_rows(campaign_id)
    known = (
        copy_records_by_identifier(copy, [identifier for identifier, _number in rows])
        if copy is not None
        else {}
    )
    for line, (identifier, number) in enumerate(rows, start=1):
        if not identifier:
            items.result.token_count += 1
            items.refuse(raw=number, line=line, reason=_reason(NO_IDENTIFIER))
            continue
        try:
            validate_identifier(identifier)
        except errors.InvalidArgument:
            items.result.token_count += 1
            items.refuse(raw=identifier, line=line, reason=_reason(NOT_AN_IDENTIFIER))
            continue
        record = known.get(identifier)
        items.add(
            identifier=identifier,
            raw=identifier,
            line=line,
            preview=_preview(
                phone_number=record.phone_number if record else number,
                before=record_before(record) if record else None,
                as_of=_record_as_of(record, as_of) if record else None,
            ),
        )
    return items.result


def matching_records_parsed(*, records: Sequence[CampaignRecord], read_at: datetime) -> ParseResult:
    """Every record matching the list's filters, as Thulium listed them at `read_at`: their
    values then are the values before. One without an identifier is refused."""
    items = _Items()
    for line, record in enumerate(records, start=1):
        if not record.identifier:
            items.result.token_count += 1
            items.refuse(raw=record.phone_number, line=line, reason=_reason(NO_IDENTIFIER))
            continue
        items.add(
            identifier=record.identifier,
            raw=record.identifier,
            line=line,
            preview=_preview(
                phone_number=record.phone_number, before=record_before(record), as_of=read_at
            ),
        )
    return items.result


def _pasted_token(token: str) -> str:
    """A pasted token as it is looked up: a phone number with spaces in it (600 100 200) as
    one number; otherwise the token itself, an identifier or a number."""
    if any(character.isspace() for character in token):
        try:
            return normalise_phone_number(token)
        except InvalidPhoneNumber:
            raise InvalidItem(_reason(NOT_AN_IDENTIFIER)) from None
    return token


def _as_number(value: str) -> str:
    try:
        return normalise_phone_number(value)
    except InvalidPhoneNumber:
        return ""


def pasted_parsed(*, campaign_id: str, text: str) -> ParseResult:
    """A pasted list of identifiers or phone numbers, one a line or separated by commas,
    semicolons, tabs or spaces, found in the campaign's copy.

    An identifier the copy holds is that record; else a number the copy holds is each of its
    records; else a phone number is refused (no record known); else the token is taken for an
    identifier the copy does not hold yet (a record added since its last refresh): it is sent,
    with no values before known, and Thulium answers "not found" if there is no such record.
    """
    tokens = parse_items(text, normalise=_pasted_token, limit=settings.BULK_MAX_ITEMS)
    items = _Items()
    items.result.invalid = list(tokens.invalid)
    items.result.duplicate_count = tokens.duplicate_count
    items.result.token_count = len(tokens.invalid) + tokens.duplicate_count
    items.result.limit_exceeded = tokens.limit_exceeded
    pasted = [(item.value, item.raw, item.line) for item in tokens.items] + [
        (str(item.value), item.raw, item.line) for item in tokens.suspicious
    ]
    copy, as_of = _copy_rows(campaign_id)
    by_identifier: dict[str, Any] = {}
    by_number: dict[str, list[Any]] = {}
    if copy is not None:
        by_identifier = copy_records_by_identifier(copy, [value for value, _r, _l in pasted])
        by_number = copy_records_by_number(
            copy,
            [
                phone_normalised(number)
                for value, _raw, _line in pasted
                if value not in by_identifier and (number := _as_number(value))
            ],
        )
    for value, raw, line in sorted(pasted, key=lambda entry: entry[2]):
        number = _as_number(value) if value not in by_identifier else ""
        if value in by_identifier:
            records = [by_identifier[value]]
        elif number:
            records = by_number.get(phone_normalised(number), [])
            if not records:
                items.result.token_count += 1
                items.refuse(raw=raw, line=line, reason=_reason(NUMBER_NOT_IN_COPY))
                continue
        else:
            try:
                identifier = validate_identifier(value)
            except errors.InvalidArgument:
                items.result.token_count += 1
                items.refuse(raw=raw, line=line, reason=_reason(NOT_AN_IDENTIFIER))
                continue
            items.add(
                identifier=identifier,
                raw=raw,
                line=line,
                preview=_preview(phone_number="", before=None, as_of=None),
            )
            continue
        for record in records:
            if not record.identifier:
                items.result.token_count += 1
                items.refuse(raw=raw, line=line, reason=_reason(NO_IDENTIFIER))
                continue
            items.add(
                identifier=record.identifier,
                raw=raw,
                line=line,
                preview=_preview(
                    phone_number=record.phone_number,
                    before=record_before(record),
                    as_of=_record_as_of(record, as_of),
                ),
            )
    return items.result


def put_back_changes(before: Mapping[str, str], sent: Mapping[str, Any]) -> dict[str, Any] | None:
    """What to send to give a record back the values it held before `sent` changed it: each
    field `sent` set whose earlier value the copy knew and was not empty (an empty agent or
    date cannot be sent back: Thulium takes no "none"). None when nothing can be put back, or
    when the status before needs an agent and a date (MY_RECORD, CALL_NO_SOONER_THAN) that
    would not go with it."""
    changes: dict[str, Any] = {}
    for field in PUT_BACK_FIELDS:
        if field not in sent or not before.get(field):
            continue
        value = before[field]
        if field == "next_call_date":
            value = value.replace("T", " ")[:16]
        changes[field] = value
    if not changes:
        return None
    system_status = before.get("system_status", "")
    if "status_id" in changes:
        needs_agent = system_status == SystemStatus.MY_RECORD
        needs_date = system_status in (SystemStatus.MY_RECORD, SystemStatus.CALL_NO_SOONER_THAN)
        if needs_agent and not before.get("agent_login"):
            raise ValueError(PUT_BACK_BREAKS_RULES)
        if needs_date and not before.get("next_call_date"):
            raise ValueError(PUT_BACK_BREAKS_RULES)
        if needs_agent:
            changes.setdefault("agent_login", before["agent_login"])
        if needs_date:
            changes.setdefault("next_call_date", before["next_call_date"].replace("T", " ")[:16])
    return changes


def _after(
    before: Mapping[str, str], sent: Mapping[str, Any], statuses: Mapping[str, Mapping]
) -> dict[str, str]:
    """A record's values once `sent` was applied to what it held `before`."""
    after = dict(before)
    for field in PUT_BACK_FIELDS:
        if sent.get(field):
            after[field] = str(sent[field])
    if sent.get("status_id"):
        status = statuses.get(str(sent["status_id"])) or {}
        after["status_name"] = status.get("name", "")
        after["system_status"] = status.get("system_status", "")
    return after


def put_back_parsed(*, job: BulkJob, updated: str) -> ParseResult:
    """The records a finished change job updated (outcome `updated`), each with the values it
    held before as the values to send, and what the job sent as its values "before" (as of the
    job's end). A record whose values before are not known, or cannot be sent back, is refused
    with the reason."""
    items = _Items()
    job_changes = job.options.get("changes") or {}
    statuses = {status["status_id"]: status for status in job.options.get("statuses") or ()}
    as_of = job.finished_at
    for value, raw, line, preview in (
        job.items.with_outcome(updated)
        .order_by("position")
        .values_list("value", "raw", "line", "preview")
    ):
        preview = preview or {}
        sent = preview.get("send") or job_changes
        before = preview.get("before")
        try:
            changes = put_back_changes(before, sent) if before else None
        except ValueError:
            items.result.token_count += 1
            items.refuse(raw=value, line=line or 0, reason=_reason(PUT_BACK_BREAKS_RULES))
            continue
        if changes is None:
            items.result.token_count += 1
            items.refuse(raw=value, line=line or 0, reason=_reason(NOTHING_TO_PUT_BACK))
            continue
        after_the_job = _after(before, sent, statuses)
        item_preview = _preview(
            phone_number=preview.get("phone_number", ""), before=after_the_job, as_of=as_of
        )
        item_preview["send"] = changes
        items.add(identifier=value, raw=raw or value, line=line or 0, preview=item_preview)
    return items.result
