"""The audit log's filters: a GET form, so every filtered view of the log is a bookmarkable URL."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django import forms
from django.http import QueryDict
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from thuladmin.audit.models import AuditEntry
from thuladmin.audit.registry import known_actions
from thuladmin.thulium.validators import campaign_id_validator

# The query-string parameters that select entries (the page cursor `before` is not one of them).
FILTER_FIELDS = ("q", "user", "action", "campaign", "outcome", "date_from", "date_to")

# The dates a filter may name. Days near the ends of Python's calendar (0001-01-01, 9999-12-31)
# cannot be turned into the UTC instants the query needs, and no entry is that old or that new.
EARLIEST_DATE = date(2000, 1, 1)
LATEST_DATE = date(2999, 12, 31)
# The largest id a database row can have (a signed 64-bit integer).
MAX_ENTRY_ID = 2**63 - 1


class Cursor:
    """Where a page of entries starts: just before the entry at `(created_at, id)`.

    In the URL it reads `2026-05-04T10:11:12.123456Z,8812`: the time in UTC, then the id.
    """

    def __init__(self, created_at: datetime, entry_id: int) -> None:
        self.created_at = created_at
        self.entry_id = entry_id

    @classmethod
    def after_entry(cls, entry: AuditEntry) -> Cursor:
        return cls(entry.created_at, entry.pk)

    @classmethod
    def parse(cls, text: str) -> Cursor:
        stamp, _sep, entry_id = text.rpartition(",")
        try:
            created_at = datetime.fromisoformat(stamp)
            number = int(entry_id)
        except ValueError:
            raise ValueError(text) from None
        if timezone.is_naive(created_at) or not 1 <= number <= MAX_ENTRY_ID:
            raise ValueError(text)
        try:
            # In UTC now, so a time near the calendar's ends fails here, not in the query.
            created_at = created_at.astimezone(UTC)
        except OverflowError:
            raise ValueError(text) from None
        return cls(created_at, number)

    def __str__(self) -> str:
        utc = self.created_at.astimezone(UTC)
        return f"{utc.isoformat(timespec='microseconds').replace('+00:00', 'Z')},{self.entry_id}"


def _action_choices() -> list[tuple[str, str]]:
    """The action filter's options: "any action", then every registered action by its label in
    the active language (`thuladmin.audit.registry`)."""
    return [("", str(_("Any action"))), *known_actions()]


def _start_of_day(day: date) -> datetime:
    """Midnight at the start of `day` where the call centre is (settings.TIME_ZONE)."""
    return timezone.make_aware(datetime.combine(day, time.min), timezone.get_default_timezone())


class AuditFilterForm(forms.Form):
    """Which entries to show. Every field is optional; an empty form shows the whole log."""

    q = forms.CharField(
        label=_("Phone number, customer id or identifier"),
        required=False,
        max_length=200,
        help_text=_(
            "Exact match. A phone number also finds the changes of the records that hold it; "
            "any item, the bulk jobs that contained it."
        ),
        widget=forms.TextInput(
            attrs={
                "type": "search",
                "autocomplete": "off",
                "spellcheck": "false",
                "placeholder": "600 100 200",
            }
        ),
    )
    user = forms.CharField(
        label=_("User"),
        required=False,
        max_length=150,
        widget=forms.TextInput(
            attrs={"list": "audit-usernames", "autocomplete": "off", "spellcheck": "false"}
        ),
    )
    # A pick-list of the actions the features registered, named in the reader's language (the
    # choices are read again for every form, so a language switch renames them); the value sent
    # is the action's code. Anything else is refused next to the field.
    action = forms.ChoiceField(
        label=_("Action"),
        required=False,
        choices=_action_choices,
        error_messages={"invalid_choice": _("Pick an action from the list.")},
    )
    campaign = forms.CharField(
        label=_("Campaign"),
        required=False,
        max_length=5,
        validators=[campaign_id_validator],
        # The named campaigns are offered as "00001 · name" (the page's `audit-campaigns`).
        widget=forms.TextInput(
            attrs={
                "list": "audit-campaigns",
                "autocomplete": "off",
                "spellcheck": "false",
                "placeholder": "00001",
            }
        ),
    )
    outcome = forms.ChoiceField(
        label=_("Outcome"),
        required=False,
        choices=[("", _("Any outcome")), *AuditEntry.Outcome.choices],
    )
    date_from = forms.DateField(
        label=_("From"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    date_to = forms.DateField(
        label=_("To"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    before = forms.CharField(required=False, widget=forms.HiddenInput)

    def clean_q(self) -> str:
        return " ".join(self.cleaned_data["q"].split())

    def clean_user(self) -> str:
        return self.cleaned_data["user"].strip()

    def _clean_date(self, name: str) -> date | None:
        day = self.cleaned_data[name]
        if day is not None and not EARLIEST_DATE <= day <= LATEST_DATE:
            raise forms.ValidationError(
                _("Pick a date between %(earliest)s and %(latest)s, or leave it empty."),
                code="date_range",
                params={
                    "earliest": formats.date_format(EARLIEST_DATE),
                    "latest": formats.date_format(LATEST_DATE),
                },
            )
        return day

    def clean_date_from(self) -> date | None:
        return self._clean_date("date_from")

    def clean_date_to(self) -> date | None:
        return self._clean_date("date_to")

    def clean_before(self) -> Cursor | None:
        text = self.cleaned_data["before"]
        if not text:
            return None
        try:
            return Cursor.parse(text)
        except ValueError:
            raise forms.ValidationError(
                _("This link to older entries is damaged; start again from the newest."),
                code="invalid_cursor",
            ) from None

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        date_from, date_to = cleaned.get("date_from"), cleaned.get("date_to")
        if date_from and date_to and date_to < date_from:
            self.add_error("date_to", _("The end date is before the start date."))
        return cleaned

    @property
    def is_filtering(self) -> bool:
        """Whether any filter is set (the empty state then suggests clearing them)."""
        return any(self.data.get(name) for name in FILTER_FIELDS)

    def filters(self) -> dict[str, Any]:
        """Keyword arguments for `AuditEntryQuerySet.filtered`; call on a valid form only.

        Dates are whole days where the call centre is: "to" includes the whole of its day.
        """
        data = self.cleaned_data
        date_from, date_to = data.get("date_from"), data.get("date_to")
        return {
            "username": data["user"],
            "action": data["action"],
            "campaign_id": data["campaign"],
            "outcome": data["outcome"],
            "since": _start_of_day(date_from) if date_from else None,
            "until": _start_of_day(date_to + timedelta(days=1)) if date_to else None,
            "item": data["q"],
        }

    def query_string(self, **extra: str) -> str:
        """The filters as typed, without empty ones, plus `extra` (e.g. a page cursor)."""
        query = QueryDict(mutable=True)
        for name in FILTER_FIELDS:
            value = self.data.get(name, "")
            if value:
                query[name] = value
        for name, value in extra.items():
            query[name] = value
        return query.urlencode()
