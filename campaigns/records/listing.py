"""A campaign's records as Thulium lists them, for the records list: one page of the records
matching a set of filters, or the phone numbers of all of them."""

from __future__ import annotations

from typing import Any

from django.conf import settings

from campaigns.snapshots import records_pages
from thuladmin.thulium import get_client
from thuladmin.thulium.client import MAX_RECORDS_PAGE_SIZE
from thuladmin.thulium.throttle import thulium_limits
from thuladmin.thulium.types import CampaignRecord, RecordsPage


def campaign_records_page_get(
    *, campaign_id: str, filters: dict[str, Any], page: int, size: int = MAX_RECORDS_PAGE_SIZE
) -> RecordsPage:
    """One page (`size` records, at most Thulium's 100) of the filtered list, straight from
    Thulium: not cached, because a supervisor opens it to see the records as they are now."""
    return get_client().campaign_records(
        campaign_id, limit=size, offset=(page - 1) * size, **filters
    )


class TooManyRecords(Exception):
    """More records match than one job may hold (`settings.BULK_MAX_ITEMS`)."""

    def __init__(self, count: int) -> None:
        super().__init__(count)
        self.count = count


def campaign_records_numbers_get(*, campaign_id: str, filters: dict[str, Any]) -> list[str]:
    """The phone numbers of every record matching `filters`, paging through Thulium's `count`
    several pages at once under the shared limits (for "remove all N matching records").

    Raises `TooManyRecords` when the first page's `count` is over `settings.BULK_MAX_ITEMS`,
    before any further page is asked for: such a list could not become one job anyway."""
    records = campaign_records_matching_get(campaign_id=campaign_id, filters=filters)
    return list(dict.fromkeys(record.phone_number for record in records if record.phone_number))


def campaign_records_matching_get(
    *, campaign_id: str, filters: dict[str, Any]
) -> list[CampaignRecord]:
    """Every record matching `filters`, as Thulium lists them now, several pages at once under
    the shared limits (`TooManyRecords` above `settings.BULK_MAX_ITEMS`, before a second page
    is asked for). For "change all N matching records", which needs each record's identifier
    and its values before the change, and "remove all N", which needs their numbers."""
    limits = thulium_limits()
    records: list[CampaignRecord] = []
    for page in records_pages(
        client=get_client(),
        campaign_id=campaign_id,
        filters=filters,
        parallel=settings.SNAPSHOT_PARALLEL_REQUESTS,
        rate_limiter=limits.rate_limiter,
        concurrency=limits.concurrency,
    ):
        if page.count > settings.BULK_MAX_ITEMS:
            raise TooManyRecords(page.count)
        records += page.records
    return records
