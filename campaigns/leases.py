"""The campaign read lease: one read of a campaign at a time, across every process and node.

See `CampaignReadLease` for why and for the rules. Every function here is one statement (or
an INSERT in a savepoint), atomic in the database whatever the number of web processes and
workers: the database decides who holds a campaign, never a check in Python followed by a
write.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from campaigns.models import CampaignReadLease


def campaign_read_lease_take(*, campaign_id: str, holder: str, seconds: float, user=None) -> bool:
    """Take the campaign's lease for `seconds`: True when `holder` holds it now.

    Taken when nobody holds it, when its lease expired (a takeover: the old holder's renewals
    fail from now on), or when `holder` already holds it (then it is only renewed). False
    while another holder's lease runs.
    """
    now = timezone.now()
    expires_at = now + timedelta(seconds=seconds)
    # Ours already, or expired: one conditional UPDATE. Two takers of an expired lease cannot
    # both win: the second's UPDATE sees the first one's new expiry (PostgreSQL re-reads a row
    # another transaction changed; SQLite runs one writer at a time).
    if CampaignReadLease.objects.filter(
        Q(holder=holder) | Q(expires_at__lte=now), campaign_id=campaign_id
    ).update(holder=holder, user=user, taken_at=now, expires_at=expires_at):
        return True
    try:
        with transaction.atomic():  # a savepoint: a refusal leaves the caller's transaction
            CampaignReadLease.objects.create(
                campaign_id=campaign_id,
                holder=holder,
                user=user,
                taken_at=now,
                expires_at=expires_at,
            )
    except IntegrityError:  # someone else holds it (or took it just now)
        return False
    return True


def campaign_read_lease_renew(*, campaign_id: str, holder: str, seconds: float) -> bool:
    """Push the lease's expiry `seconds` from now: False when `holder` no longer holds it (it
    expired and was taken over), and the holder must then stop."""
    return bool(
        CampaignReadLease.objects.filter(campaign_id=campaign_id, holder=holder).update(
            expires_at=timezone.now() + timedelta(seconds=seconds)
        )
    )


def campaign_read_lease_hand_over(*, campaign_id: str, holder: str, to: str) -> bool:
    """Pass the lease from `holder` to `to`, expiry unchanged: a request takes it under a name
    of its own, then hands it to the sync it created (whose name it could not know before).
    False when `holder` no longer holds it."""
    return bool(
        CampaignReadLease.objects.filter(campaign_id=campaign_id, holder=holder).update(holder=to)
    )


def campaign_read_lease_release(*, campaign_id: str, holder: str) -> None:
    """Give the lease up, if `holder` still holds it (a successor's lease is left alone)."""
    CampaignReadLease.objects.filter(campaign_id=campaign_id, holder=holder).delete()
