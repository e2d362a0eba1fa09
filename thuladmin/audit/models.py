from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEntryQuerySet(models.QuerySet):
    def newest_first(self) -> AuditEntryQuerySet:
        """The order every reader wants; `(created_at, id)` breaks ties deterministically."""
        return self.order_by("-created_at", "-id")

    def for_campaign(self, campaign_id: str) -> AuditEntryQuerySet:
        return self.filter(campaign_id=campaign_id)


class AuditEntry(models.Model):
    """One change attempted through thuladmin: who, when, what was sent, what came back.

    Append-only. Services write entries explicitly (`thuladmin.audit.services.audit_entry_create`)
    and nothing updates or deletes them, except the retention command that prunes old ones.
    `request` never holds credentials: services pass only what they sent in the body or query.
    """

    class Outcome(models.TextChoices):
        SUCCESS = "success", _("Success")
        PARTIAL = "partial", _("Partly done")
        FAILURE = "failure", _("Failure")
        REFUSED = "refused", _("Refused before sending")

    created_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="audit_entries",
    )
    # Kept as text too, so the log still names the person after the account is deleted.
    actor_username = models.CharField(_("username"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=64)
    campaign_id = models.CharField(_("campaign"), max_length=5, blank=True)
    target = models.CharField(_("target"), max_length=255, blank=True)
    request = models.JSONField(_("what was sent"), default=dict, blank=True)
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices)
    http_status = models.PositiveSmallIntegerField(_("HTTP status"), null=True, blank=True)
    api_message = models.TextField(_("Thulium's message"), blank=True)
    response = models.JSONField(_("what came back"), default=dict, blank=True)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), null=True, blank=True)
    # Entries about a bulk job link to it, so a search for one item finds the job.
    bulk_job = models.ForeignKey(
        "bulk.BulkJob",
        verbose_name=_("bulk job"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="audit_entries",
    )

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["campaign_id", "-created_at"], name="audit_campaign_time"),
            models.Index(fields=["action", "-created_at"], name="audit_action_time"),
            models.Index(fields=["actor", "-created_at"], name="audit_actor_time"),
            models.Index(fields=["target"], name="audit_target"),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_username} {self.action} {self.target}"
