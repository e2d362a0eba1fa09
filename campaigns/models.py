from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from thuladmin.bulk.details import detail_text

# The key of `CampaignSnapshot.error_params` that holds Thulium's own words, when it sent some.
THULIUM_MESSAGE = "thulium_message"

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


# --- a campaign's name ------------------------------------------------------------------------

# A campaign's name, at most: a line in a heading and a picker, not a description.
CAMPAIGN_NAME_MAX_LENGTH = 100


class CampaignNameQuerySet(models.QuerySet):
    def as_dict(self) -> dict[str, str]:
        """Every campaign's name, {campaign id: name}, in one query: what the pages label
        campaigns with (`thuladmin.campaign_labels`)."""
        return dict(self.values_list("campaign_id", "name"))


class CampaignName(models.Model):
    """The name an admin gave a campaign in the dashboard: Thulium's API gives campaigns none,
    and "00001" alone tells a supervisor little. One row per named campaign; a campaign with
    no name has no row (clearing a name deletes it). Written by `campaigns.names`, which
    audits every change; the demo's names come from the sandbox (`campaign_names_seed`)."""

    campaign_id = models.CharField(_("campaign id"), max_length=5, unique=True)
    name = models.CharField(_("name"), max_length=CAMPAIGN_NAME_MAX_LENGTH)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("updated by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = CampaignNameQuerySet.as_manager()

    class Meta:
        verbose_name = _("campaign name")
        verbose_name_plural = _("campaign names")
        ordering = ["campaign_id"]
        constraints = [
            # Trimmed and not blank: the service strips it; the database refuses an empty one.
            models.CheckConstraint(condition=~models.Q(name=""), name="campaign_name_not_blank"),
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id} · {self.name}"


# --- the campaign snapshot ------------------------------------------------------------------


class CampaignSnapshotQuerySet(models.QuerySet):
    def current_for(self, campaign_id: str) -> CampaignSnapshot | None:
        """The snapshot searches read for this campaign: the last one that finished syncing.
        A sync in progress writes a new generation beside it and only then takes its place."""
        return self.filter(campaign_id=campaign_id, is_current=True).first()

    def latest_for(self, campaign_id: str) -> CampaignSnapshot | None:
        """The newest snapshot of this campaign whatever its state, for the progress bar."""
        return self.filter(campaign_id=campaign_id).order_by("-started_at", "-pk").first()


class CampaignSnapshot(models.Model):
    """One generation of a campaign's records, copied from Thulium's records list.

    Thulium cannot find a record by phone number or identifier, so the dashboard keeps a copy.
    Each sync writes a new generation beside the current one and flips `is_current` in one
    transaction when it is complete: a search never sees half an old and half a new copy.
    """

    class State(models.TextChoices):
        SYNCING = "syncing", _("syncing")
        READY = "ready", _("ready")
        FAILED = "failed", _("failed")
        REPLACED = "replaced", _("replaced")

    campaign_id = models.CharField(_("campaign id"), max_length=5)
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.SYNCING
    )
    is_current = models.BooleanField(_("current"), default=False)
    started_at = models.DateTimeField(_("started at"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    # Thulium's `count` when the first page came, and how many records were written so far.
    expected_count = models.PositiveIntegerField(_("expected records"), null=True, blank=True)
    fetched_count = models.PositiveIntegerField(_("records fetched"), default=0)
    # When the sync last wrote a page: a sync silent for `SNAPSHOT_STALE_SECONDS` died.
    progress_at = models.DateTimeField(_("last progress"), null=True, blank=True)
    # Why the sync failed, as the worker that failed it worded it (in its own language), and as
    # a code with its parameters (`thuladmin.bulk.details`), worded when read: `error_text`.
    error = models.TextField(_("error"), blank=True)
    error_code = models.CharField(_("error code"), max_length=64, blank=True)
    error_params = models.JSONField(_("error parameters"), default=dict, blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("started by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = CampaignSnapshotQuerySet.as_manager()

    class Meta:
        verbose_name = _("campaign snapshot")
        verbose_name_plural = _("campaign snapshots")
        constraints = [
            models.UniqueConstraint(
                fields=["campaign_id"],
                condition=models.Q(is_current=True),
                name="campaign_snapshot_one_current",
            ),
            models.UniqueConstraint(
                fields=["campaign_id"],
                condition=models.Q(state="syncing"),
                name="campaign_snapshot_one_syncing",
            ),
        ]
        indexes = [
            models.Index(fields=["campaign_id", "-started_at"], name="campaign_snapshot_latest"),
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id} ({self.state}, {self.started_at:%Y-%m-%d %H:%M})"

    @property
    def error_text(self) -> str:
        """Why the sync failed, in the reader's language: worded from its code. A failure
        stored before codes existed keeps its sentence."""
        if not self.error_code:
            return self.error
        params = {k: v for k, v in self.error_params.items() if k != THULIUM_MESSAGE}
        return detail_text(self.error_code, params)

    @property
    def error_thulium_message(self) -> str:
        """Thulium's own words about the failure, as they came ("" when it sent none), shown
        apart from ours and marked as not ours to translate."""
        return str(self.error_params.get(THULIUM_MESSAGE, "")) if self.error_code else ""

    @property
    def percent(self) -> int:
        if not self.expected_count:
            return 0 if self.state == self.State.SYNCING else 100
        return min(100, self.fetched_count * 100 // self.expected_count)


class CampaignReadLeaseQuerySet(models.QuerySet):
    def held(self) -> CampaignReadLeaseQuerySet:
        """The leases not yet expired: their reads are queued or running. An expired one is
        the lease of a read that died (or never got to run) and may be taken over."""
        return self.filter(expires_at__gt=timezone.now())


class CampaignReadLease(models.Model):
    """The right to read one campaign from Thulium: at most one holder per campaign, across
    every web process, worker and node, because the database is the arbiter (one row per
    campaign, `campaign_id` unique).

    Why: a read pages through the whole campaign (up to 100,000 records), so two at once only
    double Thulium's load for the same answer. Taken when a read is queued, renewed by the
    holder as it makes progress, released when it ends (see `campaigns.leases`).

    Expiry and takeover: a lease not renewed before `expires_at` is taken for dead (its worker
    was killed, or the task never ran) and the next reader may take it over, in one
    conditional UPDATE, so two takers never both win. A holder checks it still holds the lease
    before each write and before its result is swapped in, so a holder only slow, not dead,
    stops instead of writing beside its successor.

    `holder` names who holds it, e.g. "snapshot:42" for the sync of snapshot 42; any other
    reader of a campaign (a periodic refresh, say) takes the same lease under its own name.
    `user` is who asked for the read, if anyone: a user's held leases are bounded
    (`CAMPAIGN_READS_PER_USER`).
    """

    campaign_id = models.CharField(_("campaign id"), max_length=5, unique=True)
    holder = models.CharField(_("holder"), max_length=64)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    taken_at = models.DateTimeField(_("taken at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"))

    objects = CampaignReadLeaseQuerySet.as_manager()

    class Meta:
        verbose_name = _("campaign read lease")
        verbose_name_plural = _("campaign read leases")
        indexes = [
            models.Index(fields=["user", "expires_at"], name="campaign_read_lease_user"),
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id} ({self.holder} until {self.expires_at:%Y-%m-%d %H:%M:%S})"


class SnapshotRecordQuerySet(models.QuerySet):
    def live(self) -> SnapshotRecordQuerySet:
        """The records not removed since the snapshot was taken (by the dashboard's own hand)."""
        return self.filter(deleted=False)

    def filtered(
        self,
        *,
        status_ids: Sequence[str | int] = (),
        system_statuses: Sequence[str] = (),
        create_date_from: date | None = None,
        create_date_to: date | None = None,
        call_date_from: date | None = None,
        call_date_to: date | None = None,
    ) -> SnapshotRecordQuerySet:
        """The rows Thulium's records list would give for the same filters (the keywords of
        `ThuliumClient.campaign_records`, as `RecordsFilterForm.api_filters` gives them), so
        that the records list's export holds what its pages list: several values of one filter
        are alternatives, different filters all apply, and the dates are whole days with both
        ends included. The copy keeps Thulium's dates as text ("2026-03-01 12:00:00"), which
        sorts as the dates do; a record without the date matches no bound on it."""
        rows = self
        if status_ids:
            rows = rows.filter(status_id__in=[str(status_id) for status_id in status_ids])
        if system_statuses:
            rows = rows.filter(system_status__in=list(system_statuses))
        for name, lower, upper in (
            ("create_date", create_date_from, create_date_to),
            ("call_date", call_date_from, call_date_to),
        ):
            if lower is not None:
                rows = rows.filter(**{f"{name}__gte": lower.isoformat()})
            if upper is not None:
                rows = rows.exclude(**{name: ""})
                if upper < date.max:  # the calendar's last day has no day after it
                    rows = rows.filter(**{f"{name}__lt": (upper + timedelta(days=1)).isoformat()})
        return rows


class SnapshotRecord(models.Model):
    """One record of a campaign as Thulium listed it, in one snapshot generation.

    `phone_normalised` is the main number in the form `thuladmin.phones.normalise_phone_number`
    gives it, indexed with the snapshot, so a search by any typed form is an index lookup.
    `changed_at` is set when the dashboard changed the record itself after the snapshot.
    """

    snapshot = models.ForeignKey(
        CampaignSnapshot, on_delete=models.CASCADE, related_name="records", db_index=False
    )
    record_id = models.CharField(max_length=40)
    identifier = models.CharField(max_length=120, blank=True)
    phone_number = models.CharField(max_length=40, blank=True)
    phone_normalised = models.CharField(max_length=40, blank=True)
    status_id = models.CharField(max_length=20, blank=True)
    status_name = models.CharField(max_length=200, blank=True)
    system_status = models.CharField(max_length=40, blank=True)
    agent_login = models.CharField(max_length=150, blank=True)
    agent_name = models.CharField(max_length=200, blank=True)
    next_call_date = models.CharField(max_length=19, blank=True)
    call_date = models.CharField(max_length=19, blank=True)
    create_date = models.CharField(max_length=19, blank=True)
    last_note = models.TextField(blank=True)
    deleted = models.BooleanField(default=False)
    changed_at = models.DateTimeField(null=True, blank=True)

    objects = SnapshotRecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("snapshot record")
        verbose_name_plural = _("snapshot records")
        constraints = [
            models.UniqueConstraint(
                fields=["snapshot", "record_id"], name="snapshot_record_unique_id"
            ),
        ]
        indexes = [
            models.Index(fields=["snapshot", "phone_normalised"], name="snapshot_record_phone"),
            models.Index(fields=["snapshot", "identifier"], name="snapshot_record_identifier"),
            models.Index(fields=["snapshot", "agent_login"], name="snapshot_record_agent"),
        ]

    def __str__(self) -> str:
        return f"{self.record_id} {self.phone_number}"


# A full read (every record, swapped in whole) at most this often per campaign: it is the only
# read that sees records changed or removed elsewhere without a call (see `CampaignCopy`).
FULL_READ_EVERY = timedelta(days=1)


class CampaignCopyQuerySet(models.QuerySet):
    def in_use(self, *, now=None) -> CampaignCopyQuerySet:
        """The campaigns someone opened in the last `CAMPAIGN_COPY_ACTIVE_MINUTES`: only these
        are refreshed; a campaign nobody looks at costs Thulium nothing."""
        now = now or timezone.now()
        since = now - timedelta(minutes=settings.CAMPAIGN_COPY_ACTIVE_MINUTES)
        return self.filter(opened_at__gte=since)

    def full_read_due(self, *, now=None) -> CampaignCopyQuerySet:
        """The campaigns whose last full read started more than a day ago (or never ran): the
        refreshes read only what changed, so edits and removals made elsewhere wait for it."""
        now = now or timezone.now()
        return self.filter(
            models.Q(full_read_at__isnull=True) | models.Q(full_read_at__lt=now - FULL_READ_EVERY)
        )


class CampaignCopy(models.Model):
    """How current the dashboard's copy of one campaign is, and who looks at it: one row per
    campaign, written by `campaigns.copies.campaign_copy_touch` (opened), the refresh
    (`campaigns.refresh`) and a full read's swap (`campaigns.snapshots`).

    The copy itself is the current `CampaignSnapshot` generation and its rows. A full read
    replaces it whole; between full reads, while the campaign is in use, a refresh every
    `CAMPAIGN_COPY_REFRESH_SECONDS` reads only the records called or added since the previous
    one and updates them in place. `refreshed_at` is when the last read that reached the copy
    *started* reading: the copy holds every change Thulium had made by then (the as-of time the
    pages show).

    `refresh_token` names the one refresh chain of the campaign (a task that runs, then queues
    its successor for `refresh_due_at`): a task whose token is no longer the row's was
    superseded and does nothing, so a chain restarted by a page (its worker died, or a refresh
    was asked for now) never runs beside the old one. Empty when no chain runs.
    """

    campaign_id = models.CharField(_("campaign id"), max_length=5, unique=True)
    opened_at = models.DateTimeField(_("last opened"), null=True, blank=True)
    refreshed_at = models.DateTimeField(_("current as of"), null=True, blank=True)
    full_read_at = models.DateTimeField(_("last full read"), null=True, blank=True)
    refresh_due_at = models.DateTimeField(_("next refresh"), null=True, blank=True)
    refresh_token = models.CharField(_("refresh chain"), max_length=32, blank=True)

    objects = CampaignCopyQuerySet.as_manager()

    class Meta:
        verbose_name = _("campaign copy")
        verbose_name_plural = _("campaign copies")

    def __str__(self) -> str:
        return f"{self.campaign_id} (as of {self.refreshed_at})"
