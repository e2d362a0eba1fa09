"""Reads from Thulium and the small writes the campaign pages make.

The views call these functions rather than the client directly, so caching and bookkeeping
live in one place and other pages (record editing, bulk deletion) get the same answers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone, translation

from campaigns.models import RECENT_CAMPAIGNS_KEPT, RecentCampaign
from thuladmin.thulium import get_client
from thuladmin.thulium.client import validate_campaign_id
from thuladmin.thulium.types import CampaignStatus, CampaignSummary


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


def campaign_statuses_get(*, campaign_id: str, refresh: bool = False) -> list[CampaignStatus]:
    """A campaign's statuses (cached briefly, see `campaign_statuses_snapshot_get`)."""
    snapshot = campaign_statuses_snapshot_get(campaign_id=campaign_id, refresh=refresh)
    return list(snapshot.statuses)


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
