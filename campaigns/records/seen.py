"""Whether a record changed since its edit form was opened: checked just before an edit is sent.

A supervisor's form is filled in from the campaign's copy; an agent's call (or another
supervisor) may change the record while the form is open, and sending the form would then
overwrite a change its author never saw. Thulium keeps no version number for a record and has
no conditional update, so this is the best the API allows: the form carries the values it was
opened with (`RecordEditForm`'s seen_* fields), the copy is refreshed in the request
(`campaign_copy_refresh`, which reads today's calls and additions), and the record's values in
it are compared with those. What it cannot see: a change made elsewhere without a call (another
tool's edit; the daily full read catches it), and a change in the moment between this check
and the PUT.

A check that cannot be made (Thulium failing the refresh) does not block the edit: the page
sends it and says the check was not made (`SeenCheck.error`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from django.utils.translation import gettext as _

from campaigns.models import SnapshotRecord
from campaigns.refresh import campaign_copy_refresh
from campaigns.snapshots import snapshot_record_lookup
from thuladmin.thulium import errors
from thuladmin.thulium.messages import thulium_error_message
from thuladmin.thulium.types import CampaignStatus


@dataclass(frozen=True, slots=True)
class SeenChange:
    """One value that changed since the form was opened, in words: before → now."""

    field: str
    before: str
    now: str


@dataclass(frozen=True, slots=True)
class SeenCheck:
    """What the check found. `checked`: the copy was refreshed and the record compared;
    `changes`: the values that differ from the form's (none: send); `error`: why the check
    could not be made ('' when it was, or when the form was opened without the record's values,
    so there was nothing to compare)."""

    checked: bool = False
    changes: tuple[SeenChange, ...] = ()
    error: str = ""


def record_seen_check(
    *,
    campaign_id: str,
    identifier: str,
    seen: Mapping[str, str],
    statuses: Sequence[CampaignStatus] | None = None,
) -> SeenCheck:
    """Refresh the campaign's copy, then compare the record's values in it with `seen` (the
    form's seen_* values). A form opened without the record's values (`seen_as_of` empty)
    has nothing to compare: nothing is read for it."""
    if not seen.get("seen_as_of"):
        return SeenCheck()
    try:
        campaign_copy_refresh(campaign_id=campaign_id, even_if_held=True)
    except errors.ThuliumError as error:
        return SeenCheck(error=thulium_error_message(error, campaign_id=campaign_id))
    record = snapshot_record_lookup(campaign_id=campaign_id, identifier=identifier).record
    if record is None:
        return SeenCheck(checked=True)  # removed meanwhile: Thulium will say so
    return SeenCheck(checked=True, changes=_changes(seen, record, statuses or ()))


def record_seen_values(record: SnapshotRecord) -> dict[str, str]:
    """The record's values as the form's seen_* fields carry them (without `seen_as_of`)."""
    return {
        "seen_status_id": record.status_id,
        "seen_agent_login": record.agent_login,
        "seen_next_call_date": record.next_call_date,
    }


def _changes(
    seen: Mapping[str, str], record: SnapshotRecord, statuses: Sequence[CampaignStatus]
) -> tuple[SeenChange, ...]:
    names = {status.status_id: status.name for status in statuses}
    none = _("none")
    changes = []
    before_status, now_status = seen.get("seen_status_id", ""), record.status_id
    if before_status != now_status:
        changes.append(
            SeenChange(
                field=_("Status"),
                before=names.get(before_status) or before_status or none,
                now=record.status_name or names.get(now_status) or now_status or none,
            )
        )
    before_agent, now_agent = seen.get("seen_agent_login", ""), record.agent_login
    if before_agent != now_agent:
        changes.append(
            SeenChange(field=_("Agent"), before=before_agent or none, now=now_agent or none)
        )
    # Minutes are what the form shows and sends; Thulium lists seconds, our own edits ":00".
    before_date = seen.get("seen_next_call_date", "")[:16]
    now_date = record.next_call_date[:16]
    if before_date != now_date:
        changes.append(
            SeenChange(field=_("Next call date"), before=before_date or none, now=now_date or none)
        )
    return tuple(changes)
