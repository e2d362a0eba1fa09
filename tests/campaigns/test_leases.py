"""The campaign read lease: one holder per campaign, renewed by its holder, taken over once it
expired, released only by its holder. Expiry is simulated by moving `expires_at` into the past
(no clock is waited for)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from campaigns.leases import (
    campaign_read_lease_release,
    campaign_read_lease_renew,
    campaign_read_lease_take,
)
from campaigns.models import CampaignReadLease

pytestmark = pytest.mark.django_db


def expire(campaign_id: str = "00001") -> None:
    CampaignReadLease.objects.filter(campaign_id=campaign_id).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )


def test_a_free_campaign_is_taken_and_a_second_holder_is_refused():
    assert campaign_read_lease_take(campaign_id="00001", holder="a", seconds=60)
    assert not campaign_read_lease_take(campaign_id="00001", holder="b", seconds=60)
    assert campaign_read_lease_take(campaign_id="00002", holder="b", seconds=60)

    assert CampaignReadLease.objects.get(campaign_id="00001").holder == "a"


def test_the_holder_may_take_its_own_lease_again():
    assert campaign_read_lease_take(campaign_id="00001", holder="a", seconds=60)
    assert campaign_read_lease_take(campaign_id="00001", holder="a", seconds=60)

    assert CampaignReadLease.objects.count() == 1


def test_an_expired_lease_is_taken_over_and_its_old_holder_can_no_longer_renew_it(
    django_user_model,
):
    user = django_user_model.objects.create_user(username="ewa")
    campaign_read_lease_take(campaign_id="00001", holder="dead-worker", seconds=60)
    expire()

    assert campaign_read_lease_take(campaign_id="00001", holder="new", user=user, seconds=60)
    assert not campaign_read_lease_renew(campaign_id="00001", holder="dead-worker", seconds=60)
    lease = CampaignReadLease.objects.get(campaign_id="00001")
    assert (lease.holder, lease.user) == ("new", user)
    assert lease.expires_at > timezone.now()


def test_renewing_pushes_the_expiry_back():
    campaign_read_lease_take(campaign_id="00001", holder="a", seconds=1)
    expire()

    assert campaign_read_lease_renew(campaign_id="00001", holder="a", seconds=60)
    assert CampaignReadLease.objects.held().filter(campaign_id="00001").exists()
    assert not campaign_read_lease_take(campaign_id="00001", holder="b", seconds=60)


def test_only_the_holder_releases_the_lease():
    campaign_read_lease_take(campaign_id="00001", holder="a", seconds=60)

    campaign_read_lease_release(campaign_id="00001", holder="b")
    assert CampaignReadLease.objects.filter(campaign_id="00001").exists()

    campaign_read_lease_release(campaign_id="00001", holder="a")
    assert not CampaignReadLease.objects.filter(campaign_id="00001").exists()
    assert campaign_read_lease_take(campaign_id="00001", holder="b", seconds=60)


def test_held_leaves_out_the_expired_ones():
    campaign_read_lease_take(campaign_id="00001", holder="a", seconds=60)
    campaign_read_lease_take(campaign_id="00002", holder="b", seconds=60)
    expire("00002")

    assert list(CampaignReadLease.objects.held().values_list("campaign_id", flat=True)) == ["00001"]
