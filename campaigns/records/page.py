"""The record page: what it shows and how it is drawn.

It shows the campaign's statuses and agents (two reads from Thulium, each of which may fail
without taking the page down), the record as the campaign's copy has it ("as of 12:41"), the
field names earlier edits used, and, once, what the last edit sent. An htmx request gets only
the editor; the delete page shares the way its answer varies with that (`vary_on_htmx`).

The supervisor never has to know the copy exists, so the page waits for it (`RecordPage.waiting`):
during the campaign's first read, until the record is read (the form appears then); and when
the copy is more than `REFRESH_OLDER_THAN` old, until the refresh the page's touch queued has
landed, its values updating in place. Either way only the current values' region asks again.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.cache import patch_vary_headers

from campaigns.copies import CampaignCopyState
from campaigns.fetching import fetched_or_error
from campaigns.forms import RecordEditForm, record_edit_form_blank
from campaigns.models import SnapshotRecord
from campaigns.records.seen import record_seen_values
from campaigns.removals import RecordRemoval, record_removal_find
from campaigns.services import campaign_agents_get, campaign_statuses_get, record_field_names_used
from campaigns.snapshots import SnapshotLookup, snapshot_record_lookup
from thuladmin.thulium.client import NEXT_CALL_DATE_FORMAT
from thuladmin.thulium.types import Agent, CampaignStatus

TEMPLATE = "campaigns/records/page.html"
# Where a plain (non-htmx) successful edit leaves what it sent, for the page it redirects to.
SENT_SESSION_KEY = "thuladmin:record-sent"
# A record page whose campaign's copy is older than this (seconds) has a refresh queued now, not
# at the refresh chain's next time: its values are about to be read, and maybe changed.
REFRESH_OLDER_THAN = 60.0
# How long a page waits for the refresh it queued: a worker that has not run it by then is
# busy or down, and the page stops asking (its values keep their as-of time).
REFRESH_WAIT = timedelta(minutes=2)

Waiting = Literal["record", "refresh", ""]


@dataclass(frozen=True, slots=True)
class RecordPage:
    """What the record page shows, read once a request; `current` is the record's values as
    the edit form's initial ones (see `_current_values`)."""

    campaign_id: str
    identifier: str
    statuses: list[CampaignStatus] | None  # None when Thulium could not give them
    statuses_error: str
    agents: list[Agent]
    agents_error: str
    lookup: SnapshotLookup
    current: dict[str, str]
    field_names: list[str]
    # What removed it, when the copy holds it as removed (the page then offers no edit).
    removal: RecordRemoval | None = None
    copy: CampaignCopyState | None = None

    @property
    def waiting(self) -> Waiting:
        """What the page waits for: "record" during the campaign's first read while the record
        is not read yet; "refresh" while the refresh queued for a copy older than
        `REFRESH_OLDER_THAN` has not landed (at most `REFRESH_WAIT` past its time); else ''."""
        copy, lookup = self.copy, self.lookup
        if copy is None:
            return ""
        if lookup.record is None and not lookup.removed and not lookup.complete:
            return "record" if copy.reading else ""
        if lookup.record is None or copy.as_of is None or copy.refresh_due_at is None:
            return ""
        now = timezone.now()
        stale = now - copy.as_of > timedelta(seconds=REFRESH_OLDER_THAN)
        queued = copy.refresh_due_at <= now < copy.refresh_due_at + REFRESH_WAIT
        return "refresh" if stale and queued else ""

    def context(self) -> dict[str, Any]:
        return {
            "campaign_id": self.campaign_id,
            "identifier": self.identifier,
            "statuses_error": self.statuses_error,
            "agents": self.agents,
            "agents_error": self.agents_error,
            "lookup": self.lookup,
            "field_names": self.field_names,
            "removal": self.removal,
            "copy": self.copy,
            "waiting": self.waiting,
        }

    def blank_form(self) -> RecordEditForm:
        """A new form, prefilled with the record's current values, and carrying them as the
        values it was opened with (`seen`, for the check before sending)."""
        return record_edit_form_blank(
            statuses=self.statuses,
            current=self.current,
            seen=self.seen(),
            named_statuses=self.named_statuses,
        )

    @property
    def named_statuses(self) -> tuple[CampaignStatus, ...]:
        """The record's status as the campaign's copy names it: what names the form's status
        when Thulium could not list the campaign's statuses."""
        record = self.lookup.record
        if record is None or not record.status_id:
            return ()
        return (
            CampaignStatus(
                status_id=str(record.status_id),
                name=record.status_name or "",
                system_status=record.system_status or "",
                dictionary_status_id=None,
            ),
        )

    def seen(self) -> dict[str, str]:
        """The record's values a form opened now is based on (`RecordEditForm`'s seen_*
        fields): the copy's, with their as-of time; {} when the record is not in it."""
        record = self.lookup.record
        if record is None:
            return {}
        as_of = self.lookup.as_of
        return {
            **record_seen_values(record),
            "seen_as_of": as_of.isoformat() if as_of is not None else "",
        }

    def with_record_reread(self) -> RecordPage:
        """The same page with the record as the copy has it now (after an accepted edit, or
        after the refresh before sending one)."""
        lookup = snapshot_record_lookup(campaign_id=self.campaign_id, identifier=self.identifier)
        return dataclasses.replace(self, lookup=lookup, current=_current_values(lookup.record))


def record_page_read(
    *, campaign_id: str, identifier: str, copy: CampaignCopyState | None = None
) -> RecordPage:
    statuses, statuses_error = fetched_or_error(
        lambda: campaign_statuses_get(campaign_id=campaign_id), campaign_id=campaign_id
    )
    agents, agents_error = fetched_or_error(
        lambda: campaign_agents_get(campaign_id=campaign_id), campaign_id=campaign_id, default=[]
    )
    lookup = snapshot_record_lookup(campaign_id=campaign_id, identifier=identifier)
    return RecordPage(
        campaign_id=campaign_id,
        identifier=identifier,
        statuses=statuses,
        statuses_error=statuses_error,
        agents=agents,
        agents_error=agents_error,
        lookup=lookup,
        current=_current_values(lookup.record),
        field_names=record_field_names_used(campaign_id=campaign_id),
        removal=(
            record_removal_find(campaign_id=campaign_id, identifier=identifier)
            if lookup.removed
            else None
        ),
        copy=copy,
    )


def record_page_render(
    request: HttpRequest, page: RecordPage, form: RecordEditForm, **extra: Any
) -> HttpResponse:
    """The page (the editor alone for htmx) with `form`; `extra` adds what this answer says
    (`sent`, `done`, `failure`, `already_sent`)."""
    template_name = f"{TEMPLATE}#editor" if request.htmx else TEMPLATE
    sent = extra.get("sent")
    context = {
        **page.context(),
        **extra,
        "form": form,
        "sent_json": json.dumps(sent, ensure_ascii=False, indent=2) if sent is not None else "",
    }
    return vary_on_htmx(TemplateResponse(request, template_name, context))


def vary_on_htmx(response: HttpResponse) -> HttpResponse:
    # One URL, two bodies (page or fragment): the browser's cache must keep them apart.
    patch_vary_headers(response, ("HX-Request",))
    return response


def record_sent_keep(
    request: HttpRequest, *, campaign_id: str, identifier: str, body: dict[str, Any]
) -> None:
    """Keep what a plain POST sent for the page its redirect loads (`record_sent_pop`)."""
    request.session[SENT_SESSION_KEY] = {
        "campaign_id": campaign_id,
        "identifier": identifier,
        "body": body,
    }


def record_sent_pop(
    request: HttpRequest, *, campaign_id: str, identifier: str
) -> dict[str, Any] | None:
    """What the last plain POST sent for this record, once (the page after its redirect)."""
    sent = request.session.get(SENT_SESSION_KEY)
    if not isinstance(sent, dict):
        return None
    if sent.get("campaign_id") != campaign_id or sent.get("identifier") != identifier:
        return None
    del request.session[SENT_SESSION_KEY]
    body = sent.get("body")
    return body if isinstance(body, dict) else None


def _current_values(record: SnapshotRecord | None) -> dict[str, str]:
    """The record's values as the edit form's initial ones (see `record_form_prefill`)."""
    if record is None:
        return {}
    return record_form_prefill(
        status_id=record.status_id,
        agent_login=record.agent_login,
        next_call_date=record.next_call_date,
    )


def record_form_prefill(*, status_id: str, agent_login: str, next_call_date: str) -> dict[str, str]:
    """A record's values (as the copy stores them) as the edit form's initial ones. A next call
    date already past is left out: sent again, it would be refused as in the past."""
    values = {"status_id": status_id, "agent_login": agent_login}
    next_call = next_call_date[:16]
    try:
        naive = datetime.strptime(next_call, NEXT_CALL_DATE_FORMAT)
    except ValueError:
        naive = None
    if naive is not None and naive.replace(tzinfo=timezone.get_current_timezone()) > timezone.now():
        values["next_call_date"] = naive.strftime("%Y-%m-%dT%H:%M")
    return {name: value for name, value in values.items() if value}
