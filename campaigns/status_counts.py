"""How many records each of a campaign's statuses holds, for the campaign page."""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

from thuladmin.thulium import errors, get_client
from thuladmin.thulium.client import validate_campaign_id
from thuladmin.thulium.throttle import thulium_limits
from thuladmin.thulium.types import CampaignStatus


@dataclass(frozen=True, slots=True)
class StatusCount:
    status: CampaignStatus
    count: int | None  # None when Thulium could not count them


def _count_cache_key(campaign_id: str, status_id: str) -> str:
    return f"thuladmin:status-count:v1:{campaign_id}:{status_id}"


def campaign_status_counts_get(
    *, campaign_id: str, statuses: Sequence[CampaignStatus], refresh: bool = False
) -> list[StatusCount]:
    """How many records each status holds: Thulium's `count` of the records list filtered by
    that status, one `limit=1` request per status, several at once under the shared limits and
    cached for `STATUS_COUNTS_CACHE_SECONDS`. A count that failed is None (and not cached)."""
    validate_campaign_id(campaign_id)  # before the id goes into a cache key
    keys = {
        status.status_id: _count_cache_key(campaign_id, status.status_id) for status in statuses
    }
    cached = {} if refresh else cache.get_many(list(keys.values()))
    missing = [status for status in statuses if keys[status.status_id] not in cached]
    counts: dict[str, int | None] = {
        status_id: cached[key] for status_id, key in keys.items() if key in cached
    }
    if missing:
        client = get_client()
        limits = thulium_limits()

        def count(status: CampaignStatus) -> int | None:
            limits.rate_limiter.acquire()
            try:
                with limits.concurrency.slot():
                    return client.campaign_records(
                        campaign_id, limit=1, status_ids=[status.status_id]
                    ).count
            except errors.ThuliumError:
                return None

        parallel = max(1, min(len(missing), settings.SNAPSHOT_PARALLEL_REQUESTS))
        with ThreadPoolExecutor(parallel, thread_name_prefix="status-counts") as pool:
            fetched = dict(zip(missing, pool.map(count, missing), strict=True))
        cache.set_many(
            {
                keys[status.status_id]: value
                for status, value in fetched.items()
                if value is not None
            },
            timeout=settings.STATUS_COUNTS_CACHE_SECONDS,
        )
        counts.update({status.status_id: value for status, value in fetched.items()})
    return [StatusCount(status=status, count=counts.get(status.status_id)) for status in statuses]
