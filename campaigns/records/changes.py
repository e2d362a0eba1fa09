"""A record edit's audit entry in words: each field sent, what it held before (from the campaign
snapshot, see `campaigns.services.record_values_before`) and what was sent, in the reader's
language, for the audit log's entry page (registered in `CampaignsConfig.ready`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils import formats, timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from campaigns.dictionary_statuses import dictionary_status_in_words, dictionary_status_name
from campaigns.services import campaign_statuses_cached
from campaigns.templatetags.statuses import status_in_words
from thuladmin.audit.registry import ChangeRow, ChangeTable


def _when(text: Any) -> str:
    """A Thulium date ("2099-05-24 12:24[:00]") in the reader's format; as it came if it is not
    one."""
    text = str(text or "").strip()
    if not text:
        return ""
    moment = parse_datetime(text.replace("T", " "))
    if moment is None:
        return text
    return formats.date_format(moment, "DATETIME_FORMAT")


def _status(name: Any, system_status: Any, status_id: Any) -> str:
    """A status in words, its id in the title only (`status_in_words`)."""
    return status_in_words(name, system_status, status_id)


def _agent(login: Any, name: Any = "") -> str:
    if not login:
        return ""
    return f"{name} ({login})" if name else str(login)


def _as_of(text: str) -> str:
    """When the copy had those values, in the call centre's time and the reader's format."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return ""
    if timezone.is_aware(moment):
        moment = timezone.localtime(moment)
    return formats.date_format(moment, "DATETIME_FORMAT")


def _unknown_reason(reason: str) -> str:
    if reason == "no_snapshot":
        return _("the campaign's records had not been read when the record was changed")
    if reason == "removed":
        return _("the dashboard had the record as removed")
    return _("the record was not among the campaign's records read")


def record_update_in_words(entry: Any) -> ChangeTable | None:
    """The fields of a record edit: before | sent. None for an entry with nothing sent."""
    sent = entry.request if isinstance(entry.request, dict) else {}
    if not sent:
        return None
    before = entry.before if isinstance(entry.before, dict) else {}
    known = before.get("source") == "snapshot"
    values = before.get("values") if known and isinstance(before.get("values"), dict) else {}
    if known:
        as_of = _as_of(str(before.get("as_of") or ""))
        source = (
            _("Before: as the dashboard had read them (%(when)s).") % {"when": as_of}
            if as_of
            else _("Before: as the dashboard had read them.")
        )
    elif before.get("source") == "none":
        source = _("Before: not known, because %(reason)s.") % {
            "reason": _unknown_reason(str(before.get("reason")))
        }
    else:
        source = _("Before: not recorded (the entry is older than this feature).")
    none = _("none")
    not_kept = _("not read")
    unknown = _("not known")

    def row(field: str, was: str | None, now: str) -> ChangeRow:
        if not known:
            return ChangeRow(field=field, before=unknown, sent=now or none, before_known=False)
        if was is None:
            return ChangeRow(field=field, before=not_kept, sent=now or none, before_known=False)
        return ChangeRow(field=field, before=was or none, sent=now or none)

    rows: list[ChangeRow] = []
    if sent.get("status_id"):
        rows.append(
            row(
                _("Status"),
                _status(
                    values.get("status_name"), values.get("system_status"), values.get("status_id")
                ),
                _status(
                    before.get("sent_status_name"),
                    before.get("sent_system_status"),
                    sent["status_id"],
                ),
            )
        )
    if sent.get("dictionary_status_id") is not None:
        rows.append(
            row(
                _("Dictionary status"),
                None,
                dictionary_status_in_words(
                    sent["dictionary_status_id"],
                    before.get("sent_dictionary_status_name")
                    # An entry older than the stored name: the campaign's statuses, if cached.
                    or dictionary_status_name(
                        sent["dictionary_status_id"],
                        campaign_statuses_cached(campaign_id=str(entry.campaign_id or "")),
                    ),
                ),
            )
        )
    if sent.get("agent_login"):
        rows.append(
            row(
                _("Agent"),
                _agent(values.get("agent_login"), values.get("agent_name")),
                _agent(sent["agent_login"]),
            )
        )
    if sent.get("next_call_date"):
        rows.append(
            row(_("Next call"), _when(values.get("next_call_date")), _when(sent["next_call_date"]))
        )
    fields = sent.get("record_fields")
    if isinstance(fields, dict):
        for name, value in fields.items():
            rows.append(
                row(
                    _("Field “%(name)s”") % {"name": name},
                    None,
                    "" if value is None else str(value),
                )
            )
    return ChangeTable(rows=tuple(rows), before_source=source)
