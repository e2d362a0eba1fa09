"""One record of a "change these records" job, before → after, in the reader's language:
`{% record_changes item job change_statuses as rows %}` (see `campaigns.bulk.change_records`),
and when its values before were known: `{{ item.preview.as_of|as_of_moment }}`."""

from __future__ import annotations

from collections.abc import Mapping

from django import template

from campaigns.bulk.change_records import ChangeRow, as_of_moment, change_rows, item_changes
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
