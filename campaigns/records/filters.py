"""The records list's filters: Thulium's own, read from the query string (or, for "remove the
numbers of every matching record", from the posted form)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from campaigns.forms import status_label
from thuladmin.thulium.client import MAX_RECORDS_PAGE_SIZE
from thuladmin.thulium.types import SYSTEM_STATUS_NAMES, CampaignStatus, SystemStatus

# Records a page the list offers: Thulium's most (100) by default, listed first so that a form
# sent without choosing keeps it; fewer keep a phone's page short.
PAGE_SIZES = (MAX_RECORDS_PAGE_SIZE, 50, 25)
DEFAULT_PAGE_SIZE = MAX_RECORDS_PAGE_SIZE

# The last page a link may ask for: ten million records, far beyond any campaign, and a bound
# that keeps the offset sent to Thulium an ordinary number.
MAX_PAGE = 100_000


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%d")


class PageField(forms.IntegerField):
    """The page number from a page link. It is a hidden field, so an error on it could not be
    corrected: anything but a whole number from 1 to `MAX_PAGE` means the first page."""

    def __init__(self) -> None:
        super().__init__(required=False, min_value=1, max_value=MAX_PAGE, widget=forms.HiddenInput)

    def clean(self, value: Any) -> int | None:
        try:
            return super().clean(value)
        except ValidationError:
            return None


class RecordsFilterForm(forms.Form):
    """The records list's filters, one to one with the API's (`status_id[]`, `system_status[]`,
    `create_date_from/to`, `call_date_from/to`), read from the query string."""

    status = forms.MultipleChoiceField(
        label=_("Status"), required=False, widget=forms.CheckboxSelectMultiple
    )
    system_status = forms.MultipleChoiceField(
        label=_("Kind of status"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        choices=[(value.value, SYSTEM_STATUS_NAMES[value]) for value in SystemStatus],
    )
    created_from = forms.DateField(label=_("Created from"), required=False, widget=DateInput())
    created_to = forms.DateField(label=_("Created to"), required=False, widget=DateInput())
    called_from = forms.DateField(label=_("Last call from"), required=False, widget=DateInput())
    called_to = forms.DateField(label=_("Last call to"), required=False, widget=DateInput())
    page = PageField()
    size = forms.TypedChoiceField(
        label=_("Records a page"),
        choices=[(size, str(size)) for size in PAGE_SIZES],
        coerce=int,
        required=False,
        empty_value=DEFAULT_PAGE_SIZE,
    )

    def __init__(self, data=None, *, statuses: Sequence[CampaignStatus] | None, **kwargs) -> None:
        super().__init__(data, **kwargs)
        # "Call back · Contact no sooner than", as the record form names them (the kind once
        # when the name says it already: not "To call · To call").
        choices = [(status.status_id, status_label(status)) for status in statuses or ()]
        if statuses is None and data is not None:
            # Statuses could not be loaded: keep the ids asked for, so the filter still works.
            asked = data.getlist("status") if hasattr(data, "getlist") else data.get("status", [])
            choices = [(value, value) for value in asked if str(value).isdigit()]
        self.fields["status"].choices = choices

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        for lower, upper in (("created_from", "created_to"), ("called_from", "called_to")):
            if cleaned.get(lower) and cleaned.get(upper) and cleaned[lower] > cleaned[upper]:
                self.add_error(upper, ValidationError(_("This day is before the first one.")))
        return cleaned

    @property
    def page_number(self) -> int:
        return (self.cleaned_data.get("page") or 1) if self.is_valid() else 1

    @property
    def page_size(self) -> int:
        return (
            (self.cleaned_data.get("size") or DEFAULT_PAGE_SIZE)
            if self.is_valid()
            else (DEFAULT_PAGE_SIZE)
        )

    def api_filters(self) -> dict[str, Any]:
        """The keyword arguments of `ThuliumClient.campaign_records` (after `is_valid()`)."""
        data = self.cleaned_data
        return {
            "status_ids": list(data.get("status") or ()),
            "system_statuses": list(data.get("system_status") or ()),
            "create_date_from": data.get("created_from"),
            "create_date_to": data.get("created_to"),
            "call_date_from": data.get("called_from"),
            "call_date_to": data.get("called_to"),
        }

    def query_items(self) -> list[tuple[str, str]]:
        """The filters as query-string pairs, without the page (for page links and forms)."""
        if not self.is_valid():
            return []
        items: list[tuple[str, str]] = []
        for name in ("status", "system_status"):
            items += [(name, value) for value in self.cleaned_data.get(name) or ()]
        for name in ("created_from", "created_to", "called_from", "called_to"):
            if self.cleaned_data.get(name):
                items.append((name, self.cleaned_data[name].isoformat()))
        if self.page_size != DEFAULT_PAGE_SIZE:
            items.append(("size", str(self.page_size)))
        return items
