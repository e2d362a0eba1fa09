from __future__ import annotations

import re
import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from campaigns.dictionary_statuses import dictionary_status_title, dictionary_statuses_of
from thuladmin.thulium import errors
from thuladmin.thulium.client import (
    MAX_IDENTIFIER_LENGTH,
    validate_identifier,
)
from thuladmin.thulium.types import CampaignStatus
from thuladmin.thulium.validators import campaign_id_validator


class CampaignPickForm(forms.Form):
    """The index page's "open a campaign by its id" form, sent with GET."""

    campaign_id = forms.CharField(
        label=_("Campaign id"),
        help_text=_("Five letters or digits, such as 00001."),
        validators=[campaign_id_validator],
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "spellcheck": "false",
                "autocapitalize": "off",
                "placeholder": "00001",
            }
        ),
    )


# --- one record ------------------------------------------------------------------------------

# Thulium documents no limits; these keep one PUT body reasonable and the page readable.
RECORD_FIELDS_MAX_ROWS = 50
RECORD_FIELD_KEY_MAX_LENGTH = 100
RECORD_FIELD_VALUE_MAX_LENGTH = 5000
AGENT_LOGIN_MAX_LENGTH = 100
NEXT_CALL_DATE_FORMAT = "%Y-%m-%d %H:%M"  # Thulium's `YYYY-MM-DD hh:mm`
# What a datetime-local input sends (with or without seconds), and what a person types into a
# browser that shows a plain text box instead.
_DATE_TIME_INPUT = re.compile(
    r"(?P<date>\d{4}-\d{2}-\d{2})[T ](?P<time>\d{2}:\d{2})(?::\d{2}(?:\.\d{1,6})?)?"
)
FIELDS_PREFIX = "fields"


def record_identifier_clean(value: str) -> str:
    """The identifier as the client will send it, or a `ValidationError` saying why not.

    The client's `validate_identifier` has the last word; the checks before it only give each
    refusal a translated message of its own.
    """
    text = (value or "").strip()
    if not text:
        raise ValidationError(_("Enter the record's identifier."), code="required")
    if len(text) > MAX_IDENTIFIER_LENGTH:
        raise ValidationError(
            _("An identifier is at most %(limit)d characters long."),
            code="max_length",
            params={"limit": MAX_IDENTIFIER_LENGTH},
        )
    if "/" in text or "\\" in text:
        raise ValidationError(_("An identifier cannot contain slashes."), code="slash")
    try:
        return validate_identifier(text)
    except errors.InvalidArgument as error:
        raise ValidationError(
            _("An identifier cannot contain control characters, nor be “.” or “..”."),
            code="invalid_identifier",
        ) from error


class RecordOpenForm(forms.Form):
    """The campaign page's "open a record by its identifier" form, sent with GET."""

    identifier = forms.CharField(
        label=_("Record identifier"),
        help_text=_("The record's unique identifier in this campaign, such as 1234567890."),
        error_messages={"required": _("Enter the record's identifier.")},
        # Not max_length: the clean method explains every refusal in one place.
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "spellcheck": "false",
                "autocapitalize": "off",
                "placeholder": "1234567890",
                "maxlength": MAX_IDENTIFIER_LENGTH,
            }
        ),
    )

    def clean_identifier(self) -> str:
        return record_identifier_clean(self.cleaned_data["identifier"])


class DateTimeLocalInput(forms.DateTimeInput):
    """`<input type="datetime-local">`: the browser's own date and time picker, no script."""

    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")


class RecordFieldForm(forms.Form):
    """One row of the record-fields editor: a field of the campaign's structure and its value.

    Both inputs are optional so that an empty row (just added, never filled) is simply ignored.
    """

    key = forms.CharField(
        label=_("Field name"),
        required=False,
        max_length=RECORD_FIELD_KEY_MAX_LENGTH,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "spellcheck": "false",
                "autocapitalize": "off",
                "list": "record-field-names",
            }
        ),
    )
    value = forms.CharField(
        label=_("Value"),
        required=False,
        max_length=RECORD_FIELD_VALUE_MAX_LENGTH,
        widget=forms.TextInput(attrs={"autocomplete": "off", "dir": "auto"}),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if not cleaned.get("key") and cleaned.get("value") and "key" not in self.errors:
            self.add_error("key", ValidationError(_("Name the field this value goes in.")))
        return cleaned


class BaseRecordFieldFormSet(forms.BaseFormSet):
    def clean(self) -> None:
        """A field may appear only once: the body is a JSON object, keyed by field name."""
        if any(self.errors):
            return
        seen: set[str] = set()
        for form in self.forms:
            key = form.cleaned_data.get("key")
            if not key:
                continue
            if key in seen:
                form.add_error(
                    "key",
                    ValidationError(
                        _("“%(key)s” is already filled in above: a field can appear only once."),
                        code="duplicate_key",
                        params={"key": key},
                    ),
                )
            seen.add(key)

    def fields_filled(self) -> dict[str, str]:
        """The rows with a name, in the order shown. Call after `is_valid()`."""
        return {
            form.cleaned_data["key"]: form.cleaned_data.get("value", "")
            for form in self.forms
            if form.cleaned_data.get("key")
        }


RecordFieldFormSet = forms.formset_factory(
    RecordFieldForm,
    formset=BaseRecordFieldFormSet,
    extra=0,
    max_num=RECORD_FIELDS_MAX_ROWS,
    validate_max=True,
    absolute_max=RECORD_FIELDS_MAX_ROWS,
)


def posted_field_rows(data: Mapping[str, str]) -> list[dict[str, str]]:
    """The record-field rows exactly as posted (unvalidated), for re-rendering the form."""
    try:
        total = int(data.get(f"{FIELDS_PREFIX}-TOTAL_FORMS", 0))
    except (TypeError, ValueError):
        total = 0
    total = max(0, min(total, RECORD_FIELDS_MAX_ROWS))
    return [
        {
            "key": data.get(f"{FIELDS_PREFIX}-{index}-key", ""),
            "value": data.get(f"{FIELDS_PREFIX}-{index}-value", ""),
        }
        for index in range(total)
    ]


def status_label(status: CampaignStatus) -> str:
    """ "Call back · Contact no sooner than": the status's name, then its kind in words (once,
    when the name already says it)."""
    name = status.name.strip() or str(_("(no name)"))
    kind = status.system_status_name
    return name if name.casefold() == kind.casefold() else f"{name} · {kind}"


class TitledSelect(forms.Select):
    """A select whose options may carry a title (`titles`, by value): where an id goes, for
    those who hover, while the option itself says a name."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.titles: dict[str, str] = {}

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        title = self.titles.get(str(value))
        if title:
            option["attrs"] = {**option["attrs"], "title": title}
        return option


def _int_or_none(value: Any) -> int | None:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


class RecordEditForm(forms.Form):
    """What a supervisor may change on one record, checked against Thulium's rules.

    The rules come from the chosen status: MY_RECORD needs an agent and a next call date,
    CALL_NO_SOONER_THAN a next call date. They are applied by making those fields required, so
    the same flag draws the required markers and refuses the form. Only what the supervisor
    filled in is sent (`changes()`); the record fields are a formset (`record_fields`).

    `statuses` is None when Thulium could not list them: nothing is sent then, because the
    status and its rules could not be checked.
    """

    token = forms.UUIDField(
        widget=forms.HiddenInput,
        error_messages={
            "required": _("This form has expired. Reload the page and fill it in again."),
            "invalid": _("This form has expired. Reload the page and fill it in again."),
        },
    )
    status_id = forms.ChoiceField(
        label=_("Status"),
        required=False,
        help_text=_("Leave it as it is to keep the record's current status."),
        error_messages={"invalid_choice": _("“%(value)s” is not one of this campaign's statuses.")},
        widget=TitledSelect,
    )
    # A choice among the dictionary statuses the campaign's statuses carry, by name; its value
    # is still the id Thulium takes (the record page and this form share the field names).
    dictionary_status_id = forms.IntegerField(
        label=_("Dictionary status"),
        required=False,
        min_value=0,
        max_value=2**31 - 1,
        help_text=_("Follows the status you choose; choose one to set it yourself."),
        error_messages={
            "invalid": _("Choose a dictionary status from the list."),
            "min_value": _("Choose a dictionary status from the list."),
            "max_value": _("Choose a dictionary status from the list."),
        },
        widget=TitledSelect,
    )
    # The dictionary status the last status change brought ('' before any): while the select
    # stays on "from the chosen status", the chosen status's dictionary status is sent, as the
    # form filled it in before; a status change never replaces one the supervisor chose.
    # Never sent to Thulium.
    dictionary_prefill = forms.CharField(required=False, widget=forms.HiddenInput)
    # The record's values the form was opened with, as the campaign's copy had them then
    # (`seen_as_of`, '' when the copy did not hold the record). Before sending, the edit
    # refreshes the copy and compares: Thulium keeps no version numbers, so this comparison is
    # the only way to see that an agent's call or another supervisor changed the record
    # meanwhile (`campaigns.records.seen`). Never sent to Thulium.
    seen_status_id = forms.CharField(required=False, widget=forms.HiddenInput)
    seen_agent_login = forms.CharField(required=False, widget=forms.HiddenInput)
    seen_next_call_date = forms.CharField(required=False, widget=forms.HiddenInput)
    seen_as_of = forms.CharField(required=False, widget=forms.HiddenInput)
    agent_login = forms.CharField(
        label=_("Agent login"),
        required=False,
        max_length=AGENT_LOGIN_MAX_LENGTH,
        help_text=_("Pick one of the campaign's agents or type a login."),
        widget=forms.TextInput(
            attrs={
                "list": "record-agents",
                "autocomplete": "off",
                "spellcheck": "false",
                "autocapitalize": "off",
            }
        ),
    )
    next_call_date = forms.CharField(
        label=_("Next call date"),
        required=False,
        widget=DateTimeLocalInput(),
    )

    def __init__(
        self,
        data: Mapping[str, Any] | None = None,
        *,
        statuses: Sequence[CampaignStatus] | None,
        rows: Sequence[Mapping[str, str]] = ({},),
        now: datetime | None = None,
        named_statuses: Sequence[CampaignStatus] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(data, **kwargs)
        self.statuses = None if statuses is None else tuple(statuses)
        self.now = now or timezone.now()
        self._statuses_by_id = {status.status_id: status for status in self.statuses or ()}
        self.fields["next_call_date"].help_text = _(
            "In your time zone (%(zone)s). Sent to Thulium as YYYY-MM-DD hh:mm."
        ) % {"zone": timezone.get_current_timezone_name()}

        choices = [("", _("— keep the current status —"))]
        choices += [(status.status_id, status_label(status)) for status in self.statuses or ()]
        chosen = self._chosen_status_id()
        status_titles: dict[str, str] = {}
        if self.statuses is None and chosen:
            # Keep what was posted selectable, so the input survives until statuses load again:
            # named as the campaign's copy names it (`named_statuses`), else said to be unknown.
            named = {status.status_id: status for status in named_statuses}.get(chosen)
            label = (
                _("%(status)s (not checked)") % {"status": status_label(named)}
                if named is not None and (named.name.strip() or named.system_status)
                else _("A status that could not be checked (id %(status_id)s)")
                % {"status_id": chosen}
            )
            choices.append((chosen, label))
            status_titles[chosen] = str(_("Status id %(status_id)s") % {"status_id": chosen})
        self.fields["status_id"].choices = choices
        self.fields["status_id"].widget.titles = status_titles
        self._dictionary_choices()

        if self.is_bound:
            self.record_fields = RecordFieldFormSet(data, prefix=FIELDS_PREFIX)
        else:
            self.record_fields = RecordFieldFormSet(initial=list(rows), prefix=FIELDS_PREFIX)

        status = self.selected_status
        if status is not None:
            # The kind of status in words (its code means nothing to a supervisor), unless the
            # status is named after its kind ("My record (My record)" says it twice).
            name = status.name or status.status_id
            kind = status.system_status_name
            quoted = {"status": name, "system": kind}
            named_after_kind = name.casefold() == kind.casefold()
            if status.requires_agent:
                field = self.fields["agent_login"]
                field.required = True
                field.error_messages["required"] = (
                    _(
                        "Status “%(status)s” reserves the record for one agent: enter the "
                        "agent's login."
                    )
                    if named_after_kind
                    else _(
                        "Status “%(status)s” (%(system)s) reserves the record for one agent: "
                        "enter the agent's login."
                    )
                ) % quoted
            if status.requires_next_call_date:
                field = self.fields["next_call_date"]
                field.required = True
                field.error_messages["required"] = (
                    _("Status “%(status)s” needs the next call date.")
                    if named_after_kind
                    else _("Status “%(status)s” (%(system)s) needs the next call date.")
                ) % quoted

    from_status_label = _("— from the chosen status —")

    def _dictionary_choices(self) -> None:
        """The dictionary status select: "from the chosen status" (naming what it gives, once a
        status change brought one), the campaign's dictionary statuses by name, and a chosen
        id the campaign's statuses do not carry, said to be one (the honest unknown case)."""
        known = dictionary_statuses_of(self.statuses or ())
        coming = self.dictionary_from_status
        first = (
            _("— from the chosen status: %(name)s —") % {"name": known[coming]}
            if coming is not None and coming in known
            else self.from_status_label
        )
        choices: list[tuple[str, str]] = [("", first)]
        choices += [(str(key), name) for key, name in sorted(known.items(), key=lambda i: i[1])]
        titles = {str(key): dictionary_status_title(key) for key in known}
        chosen = _int_or_none(self._value_of("dictionary_status_id"))
        if chosen is not None and chosen not in known and 0 <= chosen <= 2**31 - 1:
            choices.append(
                (
                    str(chosen),
                    _("Dictionary status %(id)s (not in this campaign's statuses)")
                    % {"id": chosen},
                )
            )
            titles[str(chosen)] = dictionary_status_title(chosen)
        widget = self.fields["dictionary_status_id"].widget
        widget.choices = choices
        widget.titles = titles

    def _value_of(self, name: str) -> str:
        if self.is_bound:
            value = self.data.get(self.add_prefix(name), "")
        else:
            value = self.initial.get(name, "")
        return str(value or "").strip()

    @property
    def dictionary_from_status(self) -> int | None:
        """The dictionary status "from the chosen status" sends: the chosen status's, once a
        status change brought one (`dictionary_prefill`); None before, or when it has none."""
        if not self._value_of("dictionary_prefill"):
            return None
        status = self.selected_status
        return None if status is None else status.dictionary_status_id

    def _chosen_status_id(self) -> str:
        return self._value_of("status_id")

    @property
    def selected_status(self) -> CampaignStatus | None:
        """The status currently chosen in the form (posted or initial), if it is a known one."""
        return self._statuses_by_id.get(self._chosen_status_id())

    def clean_agent_login(self) -> str:
        login = self.cleaned_data["agent_login"]
        if login and (not login.isprintable() or any(c.isspace() for c in login)):
            raise ValidationError(
                _("An agent login has no spaces or control characters."), code="invalid_login"
            )
        return login

    def clean_next_call_date(self) -> str:
        """The date in Thulium's format, read in the supervisor's time zone; never in the past."""
        raw = self.cleaned_data["next_call_date"].strip()
        if not raw:
            return ""
        match = _DATE_TIME_INPUT.fullmatch(raw)
        try:
            if match is None:
                raise ValueError(raw)
            naive = datetime.strptime(f"{match['date']} {match['time']}", NEXT_CALL_DATE_FORMAT)
        except ValueError:
            raise ValidationError(
                _("Enter a date and a time, such as 2025-11-24 14:30."), code="invalid_date"
            ) from None
        zone = timezone.get_current_timezone()
        aware = naive.replace(tzinfo=zone)
        if aware.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != naive:
            raise ValidationError(
                _("%(time)s does not exist in %(zone)s: the clocks skip it. Pick another time."),
                code="nonexistent_time",
                params={"time": naive.strftime(NEXT_CALL_DATE_FORMAT), "zone": str(zone)},
            )
        if aware < self.now.replace(second=0, microsecond=0):
            raise ValidationError(
                _("This date is in the past. Pick a time from now on."), code="past_date"
            )
        return naive.strftime(NEXT_CALL_DATE_FORMAT)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if self.statuses is None:
            raise ValidationError(
                _(
                    "The campaign's statuses could not be loaded from Thulium, so the form "
                    "cannot be checked and nothing was sent. Try again in a moment."
                ),
                code="no_statuses",
            )
        if not self.record_fields.is_valid():
            return cleaned
        cleaned["record_fields"] = self.record_fields.fields_filled()
        if cleaned.get("dictionary_status_id") is None and "dictionary_status_id" not in (
            self._errors or {}
        ):
            cleaned["dictionary_status_id"] = self.dictionary_from_status
        if not self._errors and not self._changes_from(cleaned):
            raise ValidationError(
                _("Nothing to send: fill in at least one field."), code="nothing_filled"
            )
        return cleaned

    def is_valid(self) -> bool:
        fields_valid = self.record_fields.is_valid()
        return super().is_valid() and fields_valid

    @property
    def has_field_row_errors(self) -> bool:
        return self.is_bound and self.record_fields.total_error_count() > 0

    @staticmethod
    def _changes_from(cleaned: Mapping[str, Any]) -> dict[str, Any]:
        body: dict[str, Any] = {}
        if cleaned.get("status_id"):
            body["status_id"] = cleaned["status_id"]
        if cleaned.get("dictionary_status_id") is not None:
            body["dictionary_status_id"] = cleaned["dictionary_status_id"]
        if cleaned.get("agent_login"):
            body["agent_login"] = cleaned["agent_login"]
        if cleaned.get("next_call_date"):
            body["next_call_date"] = cleaned["next_call_date"]
        if cleaned.get("record_fields"):
            body["record_fields"] = dict(cleaned["record_fields"])
        return body

    def changes(self) -> dict[str, Any]:
        """The PUT body: only the fields the supervisor filled in. Call after `is_valid()`."""
        return self._changes_from(self.cleaned_data)


SEEN_FIELDS = ("seen_status_id", "seen_agent_login", "seen_next_call_date", "seen_as_of")

RECORD_FORM_VALUES = (
    "token",
    "status_id",
    "dictionary_status_id",
    "dictionary_prefill",
    "agent_login",
    "next_call_date",
    *SEEN_FIELDS,
)


def record_edit_form_redisplay(
    data: Mapping[str, str],
    *,
    statuses: Sequence[CampaignStatus] | None,
    add_row: bool = False,
    remove_row: int | None = None,
    status_changed: bool = False,
    replace: Mapping[str, str] | None = None,
    named_statuses: Sequence[CampaignStatus] = (),
) -> RecordEditForm:
    """The form showing what was posted, without validating it (so no error messages yet),
    with a field row added or removed, or with the dictionary status suggested for the status
    just chosen. Nothing typed is lost: every posted value comes back as the initial value,
    but for those `replace` gives (the record's new values after a change the form had not
    seen, where the supervisor had kept the old ones).
    """
    values = {name: str(data.get(name, "")) for name in RECORD_FORM_VALUES}
    values.update(replace or {})
    if not _is_uuid(values["token"]):
        values["token"] = str(uuid.uuid4())
    rows = posted_field_rows(data)
    if add_row and len(rows) < RECORD_FIELDS_MAX_ROWS:
        rows.append({"key": "", "value": ""})
    if remove_row is not None and 0 <= remove_row < len(rows):
        del rows[remove_row]
    if status_changed:
        status = {s.status_id: s for s in statuses or ()}.get(values["status_id"].strip())
        chosen = values["dictionary_status_id"].strip()
        if not chosen or chosen == values["dictionary_prefill"].strip():
            # Still "from the chosen status" (or the suggestion itself, as an older form put
            # it in the field): follow the new status.
            values["dictionary_status_id"] = ""
            values["dictionary_prefill"] = (
                ""
                if status is None or status.dictionary_status_id is None
                else str(status.dictionary_status_id)
            )
    return RecordEditForm(
        initial=values, statuses=statuses, rows=rows, named_statuses=named_statuses
    )


def record_edit_form_blank(
    *,
    statuses: Sequence[CampaignStatus] | None,
    current: Mapping[str, str] | None = None,
    seen: Mapping[str, str] | None = None,
    named_statuses: Sequence[CampaignStatus] = (),
) -> RecordEditForm:
    """A fresh form with a new one-time token and one empty field row, prefilled with the
    record's `current` values (status_id, agent_login, next_call_date) when they are known,
    and carrying the values it was opened with (`seen`: the seen_* fields)."""
    return RecordEditForm(
        initial={"token": str(uuid.uuid4()), **(current or {}), **(seen or {})},
        statuses=statuses,
        rows=[{"key": "", "value": ""}],
        named_statuses=named_statuses,
    )


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except (TypeError, ValueError, AttributeError):
        return False
    return True
