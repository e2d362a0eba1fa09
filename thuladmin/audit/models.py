from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import models
from django.db.models import Case, F, Q, When
from django.db.models.lookups import Exact
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from thuladmin.audit.registry import action_label, item_searches, subjects
from thuladmin.phones import InvalidPhoneNumber, normalise_phone_number

# Actions that make up most of the log: one entry per record changed. Others (a bulk job's
# start, finish or cancel; a prune) are a few entries each. See `AuditEntryQuerySet.filtered`.
COMMON_ACTION_PREFIXES = ("record.",)


def stored_phone(number: str) -> str:
    """A phone number in the form entries store it as their `phone` and a search looks it up
    in: national, without spaces (`normalise_phone_number`); "" for what is no phone number."""
    try:
        return normalise_phone_number(number) if number.strip() else ""
    except InvalidPhoneNumber:
        return ""


def item_search_values(text: str) -> list[str]:
    """Every form in which `text` may have been stored as an entry's target, its record's
    phone or an item of something an entry is about: the text as typed (a record identifier,
    a job's "job 12"), the phone number it is (`stored_phone`), then each form the features
    that registered an item search normalise it to (a phone number as typed, without spaces;
    a customer id without leading zeros)."""
    text = text.strip()
    values = [text] if text else []
    phone = stored_phone(text)
    if phone and phone not in values:
        values.append(phone)
    for search in item_searches():
        for value in search.values(text):
            if value and value not in values:
                values.append(value)
    return values


class Unindexed(models.Func):
    """A text column's value, equal to it, but which no index serves (see
    `AuditEntryQuerySet.filtered`).

    SQLite: `column || ''`. PostgreSQL: `column COLLATE "C"`, since its planner has no
    statistics for an expression and would guess that `column || '' = value` holds for one row
    in 200, whatever the column: that "outcome is success" is rare and a full walk of the
    leader's index is coming, worth a parallel scan or a seq scan of the log and a sort. Under
    another collation than the column's (the database's default) the column still has its
    statistics, but its indexes no longer match; and for a deterministic collation such as
    "C", equal means the same bytes, so the entries selected are the same.
    """

    template = "(%(expressions)s || '')"
    output_field = models.CharField()

    def as_postgresql(self, compiler, connection, **extra_context):
        return self.as_sql(compiler, connection, template='(%(expressions)s COLLATE "C")')


def _unindexed(field: str) -> Unindexed:
    return Unindexed(F(field))


class AuditEntryQuerySet(models.QuerySet):
    def newest_first(self) -> AuditEntryQuerySet:
        """The order every reader wants; `(created_at, id)` breaks ties deterministically."""
        return self.order_by("-created_at", "-id")

    def for_list(self) -> AuditEntryQuerySet:
        """What a table of entries shows: the actor joined (one query for the whole page), and
        the payloads left in the database, since they can be large and only the detail page
        shows them."""
        return self.select_related("actor").defer("request", "response", "before")

    def with_subject_summary(self) -> AuditEntryQuerySet:
        """Each entry with what its page shows of its subject (a bulk job's kind, state and
        size), read in the same query by the expression its feature registered, as
        `subject_summary` (None without a subject, or when the subject is gone)."""
        summaries = [
            When(subject_kind=kind, then=subject.summary())
            for kind, subject in subjects().items()
            if subject.summary is not None
        ]
        return self.annotate(
            subject_summary=Case(*summaries, default=None, output_field=models.JSONField())
        )

    def filtered(
        self,
        *,
        username: str = "",
        action: str = "",
        campaign_id: str = "",
        outcome: str = "",
        since: datetime | None = None,
        until: datetime | None = None,
        item: str = "",
    ) -> AuditEntryQuerySet:
        """The entries the audit log's filters select (empty filters select everything);
        `until` is exclusive.

        Newest first, a page is one walk down one index that stops after a page's worth of
        matches, however large the log: `(actor_username, created_at)`, `(campaign_id,
        created_at)`, `(action, created_at)`, `(outcome, created_at)`, and `(created_at, id)`
        for dates alone. With several filters, the one that narrows the log most must lead,
        and SQLite, which keeps no statistics, cannot tell which: it walks whichever index
        spares it a sort, e.g. every success in the log to find a rare action's few. So the
        leader is chosen here, from what the log is made of: an item search (a handful of
        entries); else an action other than a record change (a job's or the retention's: a few
        entries each); else the user, the campaign (tens of values each), a record action (most
        of the log), the outcome (four values, one of them most of the log). The others are
        compared as `Unindexed(column)`, which no index serves, and checked in the leader's
        index, which carries them (see `newest`); the dates stay a range on the leader's index.
        """
        entries = self
        if since is not None:
            entries = entries.filter(created_at__gte=since)
        if until is not None:
            entries = entries.filter(created_at__lt=until)
        rare_action = action if not action.startswith(COMMON_ACTION_PREFIXES) else ""
        equal = [
            (field, value)
            for field, value in (
                ("action", rare_action),
                ("actor_username", username),
                ("campaign_id", campaign_id),
                ("action", action if not rare_action else ""),
                ("outcome", outcome),
            )
            if value
        ]
        if item:
            entries = entries.search_item(item)
        elif equal:
            (field, value), *equal = equal
            entries = entries.filter(**{field: value})
        return entries.filter(*(Exact(_unindexed(field), value) for field, value in equal))

    def search_item(self, text: str) -> AuditEntryQuerySet:
        """Entries about one phone number, customer id or record identifier: those whose target
        it is, those about a record that holds the number (`phone`), and those the registered
        item searches relate to it (a bulk job that had it among its items; see
        `thuladmin.audit.registry`)."""
        values = item_search_values(text)
        if not values:
            return self
        # `phone <> ''` is implied, and said so that SQLite uses the partial index.
        about_item = Q(target__in=values) | (Q(phone__in=values) & ~Q(phone=""))
        for search in item_searches():
            related = search.related(values)
            if related is not None:
                about_item |= related
        return self.filter(about_item)

    def newest(self, count: int) -> AuditEntryQuerySet:
        """The `count` newest entries of this selection, newest first, in one query that picks
        their ids on an index alone before reading any row whole.

        The filters `filtered` does not lead with are checked on the leader's index, which
        carries every filtered column (see `AuditEntry.Meta.indexes`). SQLite checks them there
        in any query, but PostgreSQL checks conditions on the index only in an index-only scan,
        so a query for whole rows would read, in the table, every entry of the leading user or
        campaign until a page's worth matches: all 50,000 of a user's when the other filters
        match a few (150 ms at a million entries). Asking the index for ids alone (`id IN
        (SELECT id ... LIMIT count)`) lets it answer without the table, after which the page's
        rows are fetched by primary key: a few milliseconds for the same page. (The index
        answers alone for the entries that PostgreSQL's visibility map marks all-visible, which
        is why migration 0004 has autovacuum keep that map up to date on the newest entries.)
        """
        ids = self.newest_first().values("pk")[:count]
        return self.model._default_manager.using(self.db).filter(pk__in=ids).newest_first()

    def before(self, created_at: datetime, entry_id: int) -> AuditEntryQuerySet:
        """Entries older than the cursor `(created_at, id)`: the next page, newest first.

        Written as `created_at <= c AND NOT (created_at = c AND id >= i)` rather than
        `created_at < c OR (created_at = c AND id < i)`, so the database reads it as one range
        on the `created_at` column of whichever index it uses and keeps that index's order.
        """
        return self.filter(created_at__lte=created_at).exclude(
            created_at=created_at, id__gte=entry_id
        )

    def created_before(self, cutoff: datetime) -> AuditEntryQuerySet:
        """Entries the retention command removes."""
        return self.filter(created_at__lt=cutoff)


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
        # Everything was tried and nothing came of it (a job whose numbers were all unknown).
        NOTHING_CHANGED = "nothing", _("Nothing changed")

    # Indexed by `audit_time_id` (created_at, id), which serves every range on the time alone.
    created_at = models.DateTimeField(_("time"), auto_now_add=True)
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
    # What the target held just before the change, as the dashboard knew it then (a record
    # edit: its values in the campaign snapshot, or why there were none), read before sending;
    # {} when nothing was recorded (other actions, entries older than the field). The feature
    # that writes it says how it reads in words (`thuladmin.audit.registry.register_changes`).
    # (Its database default lets rows be written without it: by a version that predates it during
    # a deploy, by the benchmarks' and tests' bulk SQL.)
    before = models.JSONField(
        _("values before the change"), default=dict, db_default={}, blank=True
    )
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices)
    http_status = models.PositiveSmallIntegerField(_("HTTP status"), null=True, blank=True)
    api_message = models.TextField(_("Thulium's message"), blank=True)
    response = models.JSONField(_("what came back"), default=dict, blank=True)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), null=True, blank=True)
    # What the entry is about, when that is a row of a feature's own (a bulk job): the kind the
    # feature registered it under (`thuladmin.audit.registry.register_subject`) and its id. No
    # foreign key: the log sits below the features and names their rows without depending on
    # them, so a search for one item finds the jobs it was in, and the entry's page links to one.
    # (A database default, like `before`'s, for the bulk SQL of the benchmarks and tests.)
    subject_kind = models.CharField(
        _("subject kind"), max_length=32, blank=True, default="", db_default=""
    )
    subject_id = models.BigIntegerField(_("subject id"), null=True, blank=True)
    # The phone number of the record an entry is about (a record edit or deletion), in the form
    # `thuladmin.phones.normalise_phone_number` gives it, so that a search by the number finds
    # the changes of the records that hold it, not only the jobs that had it among their items.
    # "" when the entry is about no record, or when the dashboard did not know the record's
    # number when it wrote the entry (see `campaigns.services.record_update`), and in every entry
    # older than the field: no data migration, since nothing stored says what they were.
    phone = models.CharField(
        _("phone number"), max_length=40, blank=True, default="", db_default=""
    )

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["actor", "-created_at"], name="audit_actor_time"),
            models.Index(fields=["target"], name="audit_target"),
            # An item search's record entries by their record's number. Most entries have none:
            # the index leaves them out (and the search says so, to let SQLite use it).
            models.Index(fields=["phone"], name="audit_phone", condition=~Q(phone="")),
            # The entries about one subject, or about any of a few: an item search's jobs.
            models.Index(fields=["subject_kind", "subject_id"], name="audit_subject"),
            # For the audit log's pages (see AuditEntryQuerySet.filtered and .newest): newest
            # first overall, and newest first within one outcome, user, campaign or action. The
            # id makes the order total. The indexes of the filters that lead when combined
            # (user, campaign, action) also carry the other filtered columns, so that the other
            # filters are checked in the index and a page's ids are found without reading the
            # table: a few milliseconds where the table would be read for every one of a user's
            # 50,000 entries (150 ms) when the other filters match a few.
            models.Index(fields=["created_at", "id"], name="audit_time_id"),
            models.Index(fields=["outcome", "created_at", "id"], name="audit_outcome_time"),
            models.Index(
                fields=["actor_username", "created_at", "id", "campaign_id", "action", "outcome"],
                name="audit_username_time",
            ),
            models.Index(
                fields=["campaign_id", "created_at", "id", "actor_username", "action", "outcome"],
                name="audit_campaign_time_id",
            ),
            models.Index(
                fields=["action", "created_at", "id", "actor_username", "campaign_id", "outcome"],
                name="audit_action_time_id",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_username} {self.action} {self.target}"

    def get_outcome_display(self) -> str:
        """The outcome in words, in the active language (its code if no longer a choice).

        Replaces the method Django generates, which flattens the choices and builds a dict of
        them on every call: once a row on the audit log's pages and exports."""
        return outcome_label(self.outcome)

    @property
    def action_label(self) -> str:
        """The action in words, in the active language (its code if no feature names it)."""
        return action_label(self.action)


# Each outcome's label (lazy: translated when shown), for `outcome_label`.
OUTCOME_LABELS: dict[str, Promise] = dict(AuditEntry.Outcome.choices)


def outcome_label(outcome: str) -> str:
    """What an outcome is called in the active language; an unknown one (written by a version
    that had it) keeps its code."""
    label = OUTCOME_LABELS.get(outcome)
    return str(label) if label is not None else outcome


def outcome_labels() -> dict[str, str]:
    """Every outcome's label in the active language, translated once: for a page or an export
    that shows many entries and looks each one up."""
    return {outcome: str(label) for outcome, label in OUTCOME_LABELS.items()}
