"""What the campaign copy knows of records that are about to go, or went: captured when a
removal is drafted, found again when it is restored, and what removed a record.

Thulium forgets a record once it is removed, and its API cannot read one record, nor any
record's custom fields. The only account of what a removed record held is the dashboard's own:
its campaign copy (`campaigns.snapshots`), which keeps a removed row marked `deleted` until the
next full read replaces it, and the audit log's record edits, which hold every custom field the
dashboard itself sent. A removal therefore writes down, when it is drafted, each number's
records as the copy holds them (`copy_records_of_numbers`, kept in its items' `preview`), so a
restore can add them back even after the copy has moved on.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from campaigns.models import SnapshotRecord
from campaigns.services import RECORD_DELETE_ACTION, RECORD_UPDATE_ACTION, campaign_statuses_get
from campaigns.snapshots import phone_normalised, snapshot_copy_as_of, snapshot_generations
from thuladmin.audit.models import AuditEntry
from thuladmin.bulk.models import BulkItem
from thuladmin.thulium import errors

# Numbers (or identifiers) per IN (...) list: well under SQLite's limit on parameters.
LOOKUP_BATCH = 500

# The copy's columns a restore needs, as each captured record stores them.
RECORD_COLUMNS = (
    "record_id",
    "identifier",
    "phone_number",
    "status_id",
    "status_name",
    "system_status",
    "agent_login",
    "agent_name",
    "next_call_date",
)


@dataclass(frozen=True, slots=True)
class CopyRecords:
    """Each number's records as the campaign copy holds them (`by_number`, keyed by the number
    as given), and how far the copy can be trusted: `read` False when the campaign was never
    read, `complete` False while its first read is still under way (a number not found may
    yet be found), `as_of` when the copy was current."""

    by_number: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    read: bool = False
    complete: bool = False
    as_of: datetime | None = None


def copy_records_of_numbers(*, campaign_id: str, phone_numbers: Sequence[str]) -> CopyRecords:
    """The live records of the campaign's copy holding each of `phone_numbers` (its main
    number), with each status's dictionary status and the custom fields the dashboard knows
    (`record_fields_known`). A few queries per `LOOKUP_BATCH` numbers, each an index lookup."""
    current, reading = snapshot_generations(campaign_id)
    searched = current or reading
    if searched is None:
        return CopyRecords()
    wanted: dict[str, list[str]] = {}
    for number in phone_numbers:
        wanted.setdefault(phone_normalised(number), []).append(number)
    by_number: dict[str, list[dict[str, Any]]] = {}
    keys = list(wanted)
    for first in range(0, len(keys), LOOKUP_BATCH):
        rows = (
            SnapshotRecord.objects.filter(
                snapshot=searched, phone_normalised__in=keys[first : first + LOOKUP_BATCH]
            )
            .live()
            .order_by("pk")
            .values("phone_normalised", *RECORD_COLUMNS)
        )
        for row in rows:
            normalised = row.pop("phone_normalised")
            for number in wanted.get(normalised, ()):
                by_number.setdefault(number, []).append(row)
    records = [record for found in by_number.values() for record in found]
    records_complete(campaign_id=campaign_id, records=records)
    as_of = snapshot_copy_as_of(campaign_id, current) if current else reading.started_at
    return CopyRecords(by_number=by_number, read=True, complete=current is not None, as_of=as_of)


def records_complete(*, campaign_id: str, records: Sequence[dict[str, Any]]) -> None:
    """Add to each captured record (in place) its status's dictionary status, from the
    campaign's statuses (cached; left out when Thulium cannot give them), and the custom fields
    the dashboard knows (`record_fields`, only where some are known)."""
    if not records:
        return
    dictionary = _dictionary_status_ids(campaign_id)
    fields = record_fields_known(
        campaign_id=campaign_id,
        identifiers=[record["identifier"] for record in records if record.get("identifier")],
    )
    for record in records:
        status_id = str(record.get("status_id") or "")
        if status_id in dictionary and dictionary[status_id] is not None:
            record["dictionary_status_id"] = dictionary[status_id]
        known = fields.get(record.get("identifier") or "")
        if known:
            record["record_fields"] = known


def _dictionary_status_ids(campaign_id: str) -> dict[str, int | None]:
    try:
        statuses = campaign_statuses_get(campaign_id=campaign_id)
    except errors.ThuliumError:
        return {}
    return {status.status_id: status.dictionary_status_id for status in statuses}


def record_fields_known(
    *, campaign_id: str, identifiers: Iterable[str]
) -> dict[str, dict[str, Any]]:
    """The custom fields the dashboard itself set on each record (identifier -> field ->
    value), from the audit log's accepted record edits, the latest value of each field winning.
    Thulium cannot be asked for them: what was set elsewhere is not known."""
    identifiers = list(dict.fromkeys(identifier for identifier in identifiers if identifier))
    known: dict[str, dict[str, Any]] = {}
    for first in range(0, len(identifiers), LOOKUP_BATCH):
        bodies = (
            AuditEntry.objects.filter(
                campaign_id=campaign_id,
                action=RECORD_UPDATE_ACTION,
                outcome=AuditEntry.Outcome.SUCCESS,
                target__in=identifiers[first : first + LOOKUP_BATCH],
            )
            .order_by("created_at", "id")
            .values_list("target", "request")
        )
        for identifier, body in bodies:
            fields = body.get("record_fields") if isinstance(body, Mapping) else None
            if isinstance(fields, Mapping) and fields:
                known.setdefault(identifier, {}).update(fields)
    return known


def removed_rows(*, campaign_id: str, record_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    """The copy's rows of records the dashboard removed (still held, marked deleted, until the
    next full read), by record id: each as it was just before the removal, which only marked
    it. Fresher than a removal's capture, which was taken when it was drafted."""
    current, reading = snapshot_generations(campaign_id)
    searched = current or reading
    found: dict[str, dict[str, Any]] = {}
    if searched is None:
        return found
    ids = [record_id for record_id in record_ids if record_id]
    for first in range(0, len(ids), LOOKUP_BATCH):
        rows = SnapshotRecord.objects.filter(
            snapshot=searched, record_id__in=ids[first : first + LOOKUP_BATCH], deleted=True
        ).values(*RECORD_COLUMNS)
        for row in rows:
            found[row["record_id"]] = row
    return found


def identifiers_live(*, campaign_id: str, identifiers: Iterable[str]) -> set[str]:
    """Which of `identifiers` the campaign copy holds as records now: one restored (or added
    back and read since) is among them, one removed and not restored is not. A query per
    `LOOKUP_BATCH` identifiers, none when there are none."""
    wanted = list(dict.fromkeys(identifier for identifier in identifiers if identifier))
    if not wanted:
        return set()
    current, reading = snapshot_generations(campaign_id)
    searched = current or reading
    if searched is None:
        return set()
    live: set[str] = set()
    for first in range(0, len(wanted), LOOKUP_BATCH):
        live.update(
            SnapshotRecord.objects.filter(
                snapshot=searched, identifier__in=wanted[first : first + LOOKUP_BATCH]
            )
            .live()
            .values_list("identifier", flat=True)
        )
    return live


@dataclass(frozen=True, slots=True)
class RemovedRecord:
    """One record a removal took away, by the identifier supervisors know it by ("" when the
    copy did not hold it), and whether it exists again (`back`: restored, or added back): only
    then does its page show the record, rather than say that it was removed."""

    identifier: str
    back: bool = False


def removed_records_on_page(*, campaign_id: str, items: Sequence[Any]) -> None:
    """Give each removal item on a page its records removed (`item.removed_records`), by
    identifier, not by Thulium's internal record ids: the answer names them by record id only,
    the item's `preview` holds what the copy knew of its number's records when the job was
    drafted. Whether each is back is asked of the copy once for the whole page."""
    removed: list[list[str]] = []
    for item in items:
        preview = item.preview if isinstance(item.preview, dict) else {}
        captured = {str(record.get("record_id")): record for record in preview.get("records", ())}
        removed.append(
            [
                (captured.get(str(record_id)) or {}).get("identifier") or ""
                for record_id in item.record_ids
            ]
        )
    back = identifiers_live(
        campaign_id=campaign_id, identifiers=[i for found in removed for i in found]
    )
    for item, identifiers in zip(items, removed, strict=True):
        item.removed_records = [
            RemovedRecord(identifier=identifier, back=identifier in back)
            for identifier in identifiers
        ]


def removed_row_of_identifier(*, campaign_id: str, identifier: str) -> dict[str, Any] | None:
    """The copy's row of a record the dashboard removed, by its identifier, or None."""
    current, reading = snapshot_generations(campaign_id)
    searched = current or reading
    if searched is None or not identifier:
        return None
    return (
        SnapshotRecord.objects.filter(snapshot=searched, identifier=identifier, deleted=True)
        .order_by("-pk")
        .values(*RECORD_COLUMNS)
        .first()
    )


def record_delete_entry(*, campaign_id: str, identifier: str) -> AuditEntry | None:
    """The latest accepted deletion of this record on its own page, or None."""
    return (
        AuditEntry.objects.filter(
            campaign_id=campaign_id,
            action=RECORD_DELETE_ACTION,
            outcome=AuditEntry.Outcome.SUCCESS,
            target=identifier,
        )
        .order_by("-created_at", "-id")
        .first()
    )


@dataclass(frozen=True, slots=True)
class RecordRemoval:
    """What removed a record, for its page: a removal job (`job_id`) or its deletion on its own
    page (`entry_id`, the audit entry), when, whether it can be restored (its values are known),
    and the restore already made of it, if any (`restore_job_id`)."""

    job_id: int | None = None
    entry_id: int | None = None
    at: datetime | None = None
    restorable: bool = False
    restore_job_id: int | None = None


def record_removal_find(*, campaign_id: str, identifier: str) -> RecordRemoval:
    """Who removed a record the copy holds as removed: the latest removal job that took its
    number away, or its latest deletion on its page, whichever came last. A few index lookups."""
    from campaigns.bulk.phone_lists import phone_search_values  # the kinds import this module
    from campaigns.bulk.restore_records import REMOVAL_OUTCOMES_WITH_RECORDS, restores_of

    row = removed_row_of_identifier(campaign_id=campaign_id, identifier=identifier)
    entry = record_delete_entry(campaign_id=campaign_id, identifier=identifier)
    item = None
    if row is not None and row.get("phone_number"):
        item = (
            BulkItem.objects.filter(
                job__kind="phone_numbers",
                job__campaign_id=campaign_id,
                value__in=[row["phone_number"], *phone_search_values(row["phone_number"])],
                outcome__in=REMOVAL_OUTCOMES_WITH_RECORDS,
            )
            .exclude(value="")
            .order_by("-finished_at", "-id")
            .values("job_id", "finished_at")
            .first()
        )
    use_item = item is not None and (
        entry is None or (item["finished_at"] or entry.created_at) >= entry.created_at
    )
    if use_item:
        restore = restores_of(job_id=item["job_id"]).first()
        return RecordRemoval(
            job_id=item["job_id"],
            at=item["finished_at"],
            restorable=True,
            restore_job_id=restore.pk if restore else None,
        )
    restore = restores_of(campaign_id=campaign_id, identifier=identifier).first()
    return RecordRemoval(
        entry_id=entry.pk if entry else None,
        at=entry.created_at if entry else None,
        restorable=row is not None or bool(entry and (entry.before or {}).get("values")),
        restore_job_id=restore.pk if restore else None,
    )
