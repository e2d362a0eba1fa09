"""One record of a "change these records" job, before → after, in the reader's language:
`{% record_changes item job change_statuses as rows %}` (see `campaigns.bulk.change_records`),
and when its values before were known: `{{ item.preview.as_of|as_of_moment }}`; a Thulium
date in the reader's format: `{{ record.next_call_date|thulium_date }}`."""

from __future__ import annotations

from collections.abc import Mapping

from django import template

from campaigns.bulk.change_records import (
    ChangeRow,
    as_of_moment,
    change_rows,
    date_words,
    item_changes,
)
from thuladmin.bulk.models import BulkItem, BulkJob
from thuladmin.thulium.types import CampaignStatus

register = template.Library()


@register.simple_tag
def record_changes(
    item: BulkItem, job: BulkJob, statuses: Mapping[str, CampaignStatus]
) -> list[ChangeRow]:
    preview = item.preview or {}
    return change_rows(preview, item_changes(preview, job), statuses)


register.filter("as_of_moment", as_of_moment)
# A Thulium date ("2099-05-01 09:30:00") in the reader's format.
register.filter("thulium_date", date_words)
