"""`{% removed_records item campaign_id as records %}`: the records a removal's item took away,
by the identifiers supervisors know them by, not by Thulium's internal record ids.

A removal's answer names the records it removed by record id only; the item's `preview` holds
what the campaign copy knew of each number's records when the job was drafted
(`campaigns.bulk.remove_numbers.removal_in_records`), identifiers included.
"""

from __future__ import annotations

from dataclasses import dataclass

from django import template

from campaigns.templatetags.record_links import RecordLink, record_link

register = template.Library()


@dataclass(frozen=True, slots=True)
class RemovedRecord:
    """One record removed: its identifier ("" when the copy did not hold it) and the link to
    its page (which says it was removed, and offers to restore it)."""

    identifier: str
    link: RecordLink | None


@register.simple_tag
def removed_records(item, campaign_id: str) -> list[RemovedRecord]:
    preview = item.preview if isinstance(item.preview, dict) else {}
    captured = {str(record.get("record_id")): record for record in preview.get("records", ())}
    removed = []
    for record_id in item.record_ids:
        identifier = (captured.get(str(record_id)) or {}).get("identifier") or ""
        removed.append(
            RemovedRecord(
                identifier=identifier,
                link=record_link(campaign_id, identifier) if identifier else None,
            )
        )
    return removed
