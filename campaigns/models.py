from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# How many recently opened campaigns each user keeps: enough for a supervisor's usual rotation,
# few enough to read at a glance.
RECENT_CAMPAIGNS_KEPT = 8


class RecentCampaignQuerySet(models.QuerySet):
    def for_user(self, user) -> RecentCampaignQuerySet:
        """The campaigns this user opened lately, newest first: the index page offers them as
        shortcuts, because supervisors return to the same few campaigns all day."""
        return self.filter(user=user).order_by("-opened_at", "-id")


class RecentCampaign(models.Model):
    """A campaign a user opened lately. One row per user and campaign; only the newest
    `RECENT_CAMPAIGNS_KEPT` survive (see `campaigns.services.recent_campaign_record`)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="recent_campaigns",
    )
    campaign_id = models.CharField(_("campaign id"), max_length=5)
    opened_at = models.DateTimeField(_("opened at"), default=timezone.now)

    objects = RecentCampaignQuerySet.as_manager()

    class Meta:
        verbose_name = _("recently opened campaign")
        verbose_name_plural = _("recently opened campaigns")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "campaign_id"], name="recent_campaign_unique_per_user"
            ),
        ]
        indexes = [
            models.Index(fields=["user", "-opened_at"], name="recent_campaign_user_time"),
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id} ({self.opened_at:%Y-%m-%d %H:%M})"
