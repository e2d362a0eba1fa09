"""Reads from Thulium and the small writes the campaign pages make.

The views call these functions rather than the client directly, so caching and bookkeeping
live in one place and other pages (record editing, bulk deletion) get the same answers.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone, translation

from campaigns.dictionary_statuses import dictionary_status_name
from campaigns.models import RECENT_CAMPAIGNS_KEPT, RecentCampaign
from campaigns.snapshots import (
    SnapshotLookup,
    snapshot_record_changed,
    snapshot_record_deleted,
    snapshot_record_lookup,
)
from thuladmin.audit.models import AuditEntry
from thuladmin.audit.services import audit_entry_create, audit_entry_for_error
from thuladmin.thulium import errors, get_client
from thuladmin.thulium.client import validate_campaign_id
from thuladmin.thulium.types import Agent, CampaignStatus, CampaignSummary


@dataclass(frozen=True, slots=True)
class StatusesSnapshot:
    """A campaign's statuses as Thulium gave them at `fetched_at` (possibly from the cache)."""

    campaign_id: str
    statuses: tuple[CampaignStatus, ...]
    fetched_at: datetime


def _statuses_cache_key(campaign_id: str, language: str) -> str:
    # Keyed by language too: Thulium may name statuses in the language the request asks for.
    return f"thuladmin:campaign-statuses:v1:{campaign_id}:{language}"


def campaign_statuses_snapshot_get(*, campaign_id: str, refresh: bool = False) -> StatusesSnapshot:
    """A campaign's statuses, from the cache when they were fetched in the last
    `THULIUM_STATUSES_CACHE_SECONDS`.

    Statuses change rarely but every record form needs them, so a short cache saves Thulium many
    identical requests; `refresh=True` skips the cache when a supervisor has just changed the
    campaign in Thulium. Failures raise the client's `ThuliumError`s and are never cached.
    """
    validate_campaign_id(campaign_id)  # before the id goes into a cache key
    language = translation.get_language() or settings.LANGUAGE_CODE
    key = _statuses_cache_key(campaign_id, language)
    if not refresh:
        cached = cache.get(key)
        if isinstance(cached, StatusesSnapshot):
            return cached
    statuses = get_client(language=language).campaign_statuses(campaign_id)
    snapshot = StatusesSnapshot(
        campaign_id=campaign_id, statuses=tuple(statuses), fetched_at=timezone.now()
    )
    cache.set(key, snapshot, timeout=settings.THULIUM_STATUSES_CACHE_SECONDS)
    return snapshot


def campaign_statuses_cached(*, campaign_id: str) -> list[CampaignStatus]:
    """A campaign's statuses if the cache holds them, else none: for pages that name a status
    from an old entry, where asking Thulium is not worth the wait (or its failure)."""
    try:
        validate_campaign_id(campaign_id)
    except errors.ThuliumError:
        return []
    language = translation.get_language() or settings.LANGUAGE_CODE
    cached = cache.get(_statuses_cache_key(campaign_id, language))
    return list(cached.statuses) if isinstance(cached, StatusesSnapshot) else []


def campaign_statuses_get(*, campaign_id: str) -> list[CampaignStatus]:
    """A campaign's statuses (cached briefly, see `campaign_statuses_snapshot_get`)."""
    return list(campaign_statuses_snapshot_get(campaign_id=campaign_id).statuses)


@dataclass(frozen=True, slots=True)
class DictionaryStatus:
    """A dictionary status, as the active campaigns' statuses built on it show it: the names
    they give it, their system statuses, and which campaigns have it."""

    dictionary_status_id: int
    names: tuple[str, ...]
    system_statuses: tuple[str, ...]
    campaign_ids: tuple[str, ...]


def dictionary_statuses_get() -> list[DictionaryStatus]:
    """The dictionary statuses the active campaigns use, with their names.

    Thulium has no endpoint listing dictionary statuses, but setting a status "in every
    campaign" (`POST outbound_status_by_phone_number`) takes a dictionary status id, which a
    supervisor does not know by heart: the campaigns' statuses that have one name it. Each
    campaign's statuses are cached (see `campaign_statuses_snapshot_get`).
    """
    found: dict[int, dict[str, list[str]]] = {}
    for summary in campaign_summaries_get():
        for status in campaign_statuses_get(campaign_id=summary.campaign_id):
            if status.dictionary_status_id is None:
                continue
            entry = found.setdefault(
                status.dictionary_status_id, {"names": [], "system": [], "campaigns": []}
            )
            for key, value in (
                ("names", status.name),
                ("system", status.system_status),
                ("campaigns", summary.campaign_id),
            ):
                if value and value not in entry[key]:
                    entry[key].append(value)
    return sorted(
        (
            DictionaryStatus(
                dictionary_status_id=dictionary_status_id,
                names=tuple(entry["names"]),
                system_statuses=tuple(entry["system"]),
                campaign_ids=tuple(sorted(entry["campaigns"])),
            )
            for dictionary_status_id, entry in found.items()
        ),
        key=lambda status: (status.names[:1], status.dictionary_status_id),
    )


def campaign_summaries_get() -> list[CampaignSummary]:
    """The active campaigns with their size and progress, for the campaign picker.

    Not cached: the completion percentages move while a campaign runs, and the picker is opened
    far less often than the statuses are read.
    """
    return get_client().campaign_stats()


@transaction.atomic
def recent_campaign_record(*, user, campaign_id: str) -> RecentCampaign:
    """Remember that `user` just opened `campaign_id`, keeping only their newest few."""
    recent, _created = RecentCampaign.objects.update_or_create(
        user=user, campaign_id=campaign_id, defaults={"opened_at": timezone.now()}
    )
    stale = list(
        RecentCampaign.objects.for_user(user).values_list("pk", flat=True)[RECENT_CAMPAIGNS_KEPT:]
    )
    if stale:
        RecentCampaign.objects.filter(pk__in=stale).delete()
    return recent


# --- agents ----------------------------------------------------------------------------------


def _agents_cache_key(campaign_id: str) -> str:
    return f"thuladmin:campaign-agents:v1:{campaign_id}"


def campaign_agents_get(*, campaign_id: str) -> list[Agent]:
    """A campaign's agents for the record form's agent picker, active ones first.

    Cached as briefly as the statuses: the record form is re-rendered on every status change and
    every added field row, and each re-render would otherwise ask Thulium for the same list.
    """
    validate_campaign_id(campaign_id)  # before the id goes into a cache key
    key = _agents_cache_key(campaign_id)
    agents = cache.get(key)
    if not isinstance(agents, list):
        agents = get_client().campaign_agents(campaign_id)
        cache.set(key, agents, timeout=settings.THULIUM_STATUSES_CACHE_SECONDS)
    return sorted(
        agents,
        key=lambda agent: (
            not (agent.active and agent.active_in_outbound),
            not agent.active,
            agent.login.casefold(),
        ),
    )


# --- one record ------------------------------------------------------------------------------

RECORD_UPDATE_ACTION = "record.update"
RECORD_DELETE_ACTION = "record.delete"
# How long a record form's one-time token stays spent: far longer than any double click or
# browser retry, short enough that the cache does not fill with them.
RECORD_FORM_TOKEN_SECONDS = 24 * 60 * 60


def _record_call_audited(
    call: Callable[[], object],
    *,
    user,
    action: str,
    campaign_id: str,
    identifier: str,
    request: Mapping[str, Any],
    before: Mapping[str, Any] | None = None,
    phone: str = "",
) -> None:
    """Make one call to Thulium about one record and audit it, whatever its outcome: an error
    is audited with what Thulium said, then raised again for the view to explain. `phone` is
    the record's number, for the audit log's search (`_record_phone`)."""
    started = time.monotonic()
    try:
        call()
    except errors.ThuliumError as error:
        audit_entry_for_error(
            actor=user,
            action=action,
            error=error,
            campaign_id=campaign_id,
            target=identifier,
            request=request,
            before=before,
            duration_ms=_elapsed_ms(started),
            phone=phone,
        )
        raise
    audit_entry_create(
        actor=user,
        action=action,
        outcome=AuditEntry.Outcome.SUCCESS,
        campaign_id=campaign_id,
        target=identifier,
        request=request,
        before=before,
        duration_ms=_elapsed_ms(started),
        phone=phone,
    )


def _record_phone(lookup: SnapshotLookup) -> str:
    """The record's phone number for its audit entry, so that a search by the number finds the
    record's changes: from the campaign snapshot, which is where the record page reads the
    record's current values too (Thulium has no cheap way to read one record).

    "" when the snapshot does not hold the record (no snapshot yet, a record added since it was
    taken, one the dashboard removed): the entry then has no number, and is found by its
    identifier only."""
    record = lookup.record
    if record is None:
        return ""
    return record.phone_normalised or record.phone_number


def _elapsed_ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)


def record_values_before(
    *,
    campaign_id: str,
    identifier: str,
    statuses: Sequence[CampaignStatus] = (),
    lookup: SnapshotLookup | None = None,
) -> dict[str, Any]:
    """What a record held before an edit, for its audit entry, read from the campaign snapshot
    before the change is sent: Thulium has no cheap way to read one record, and the snapshot
    (kept up to date with the dashboard's own changes) is what the supervisor saw.

    `{"source": "snapshot", "as_of": ..., "values": {...}}`, or `{"source": "none", "reason":
    "no_snapshot" | "not_in_snapshot" | "removed"}` so the entry says why nothing is known.
    Only the snapshot's columns (status, agent, next call): record fields are not in it.
    `lookup`: the record already looked up in the snapshot, if the caller has.
    """
    if lookup is None:
        lookup = snapshot_record_lookup(campaign_id=campaign_id, identifier=identifier)
    if lookup.record is None:
        reason = "no_snapshot" if lookup.snapshot is None else "not_in_snapshot"
        return {"source": "none", "reason": "removed" if lookup.removed else reason}
    record = lookup.record
    as_of = lookup.as_of
    return {
        "source": "snapshot",
        "as_of": as_of.isoformat() if as_of is not None else "",
        "values": {
            "status_id": record.status_id,
            "status_name": record.status_name or _status_name(statuses, record.status_id),
            "system_status": record.system_status,
            "agent_login": record.agent_login,
            "agent_name": record.agent_name,
            "next_call_date": record.next_call_date,
        },
    }


def _status_name(statuses: Sequence[CampaignStatus], status_id: Any) -> str:
    wanted = str(status_id or "")
    return next((status.name for status in statuses if status.status_id == wanted), "")


def _system_status(statuses: Sequence[CampaignStatus], status_id: Any) -> str:
    wanted = str(status_id or "")
    return next((status.system_status for status in statuses if status.status_id == wanted), "")


def record_update(
    *, user, campaign_id: str, identifier: str, changes: Mapping[str, Any]
) -> dict[str, Any]:
    """Send one record's changes to Thulium and audit the attempt, whatever its outcome.

    `changes` is the PUT body exactly as the form built it (only the fields the supervisor
    filled); the same dict goes into the audit entry, so the log shows what Thulium received.
    Beside it the entry keeps the record's values before the change (`record_values_before`,
    read before sending, so an answer that comes late cannot mix them up), and the name of the
    status (and dictionary status) sent, so the log can say them in words. Returns the body.
    Errors are audited, then raised again for the view to explain.
    """
    body = dict(changes)
    try:
        statuses = campaign_statuses_get(campaign_id=campaign_id)  # cached: the form read them
    except errors.ThuliumError:
        statuses = []
    lookup = snapshot_record_lookup(campaign_id=campaign_id, identifier=identifier)
    before = record_values_before(
        campaign_id=campaign_id, identifier=identifier, statuses=statuses, lookup=lookup
    )
    if body.get("status_id"):
        before["sent_status_name"] = _status_name(statuses, body["status_id"])
        before["sent_system_status"] = _system_status(statuses, body["status_id"])
    if body.get("dictionary_status_id") is not None:
        before["sent_dictionary_status_name"] = dictionary_status_name(
            body["dictionary_status_id"], statuses
        )
    _record_call_audited(
        lambda: get_client().record_update(campaign_id, identifier, changes=body),
        user=user,
        action=RECORD_UPDATE_ACTION,
        campaign_id=campaign_id,
        identifier=identifier,
        request=body,
        before=before,
        phone=_record_phone(lookup),
    )
    # The snapshot shows what we just changed, not what it copied before.
    snapshot_record_changed(
        campaign_id=campaign_id, identifier=identifier, changes=body, statuses=statuses
    )
    return body


def record_delete(*, user, campaign_id: str, identifier: str) -> None:
    """Delete one record in Thulium and audit the attempt, whatever its outcome.

    The DELETE has no body, so the entry's `request` is empty and the record is named by
    `campaign_id` and `target`. Thulium refuses a record that is in a call; that refusal, like
    every other error, is audited and raised again for the view to explain. The entry keeps
    the record's phone number, read from the snapshot before the record leaves it, and its
    values there (`before`), from which it can be restored.
    """
    lookup = snapshot_record_lookup(campaign_id=campaign_id, identifier=identifier)
    before = record_values_before(campaign_id=campaign_id, identifier=identifier, lookup=lookup)
    if lookup.record is not None:
        # What a restore adds back once the copy has moved on (campaigns.bulk.restore_records).
        before["values"].update(
            record_id=lookup.record.record_id, phone_number=lookup.record.phone_number
        )
    _record_call_audited(
        lambda: get_client().record_delete(campaign_id, identifier),
        user=user,
        action=RECORD_DELETE_ACTION,
        campaign_id=campaign_id,
        identifier=identifier,
        request={},
        before=before,
        phone=_record_phone(lookup),
    )
    snapshot_record_deleted(campaign_id=campaign_id, identifier=identifier)


# How many of the campaign's latest accepted edits are read for the field names they used.
FIELD_NAMES_FROM_EDITS = 200


def record_field_names_used(*, campaign_id: str) -> list[str]:
    """Record-field names this campaign's records were given through the dashboard, for the edit
    form's suggestions. Thulium's records list does not carry the fields, but our audit log
    keeps every body we sent; the latest accepted edits name the fields in use."""
    bodies = (
        AuditEntry.objects.filter(
            campaign_id=campaign_id,
            action=RECORD_UPDATE_ACTION,
            outcome=AuditEntry.Outcome.SUCCESS,
        )
        .order_by("-created_at", "-id")
        .values_list("request", flat=True)[:FIELD_NAMES_FROM_EDITS]
    )
    names: dict[str, None] = {}
    for body in bodies:
        fields = body.get("record_fields") if isinstance(body, dict) else None
        if isinstance(fields, dict):
            names.update(dict.fromkeys(str(name) for name in fields))
    return sorted(names, key=str.casefold)


def _form_token_cache_key(*, user, token: str) -> str:
    return f"thuladmin:record-form-token:v1:{user.pk}:{token}"


def record_form_token_claim(*, user, token: str) -> bool:
    """Spend a record form's one-time token; False when it was already spent.

    A double click or a resent POST carries the same token, so only the first of them reaches
    Thulium. `cache.add` is atomic in the shared caches (Redis, database), so two requests racing
    each other cannot both win.
    """
    return cache.add(
        _form_token_cache_key(user=user, token=token), True, timeout=RECORD_FORM_TOKEN_SECONDS
    )


def record_form_token_release(*, user, token: str) -> None:
    """Give a token back after a failed send, so the supervisor can fix the form and retry."""
    cache.delete(_form_token_cache_key(user=user, token=token))
