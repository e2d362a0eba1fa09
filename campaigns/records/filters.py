"""A campaign's records as Thulium lists them: the filters form, the per-status counts and the
numbers of every record matching a set of filters."""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from django import forms
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from campaigns.snapshots import records_pages
from thuladmin.thulium import errors, get_client
from thuladmin.thulium.client import MAX_RECORDS_PAGE_SIZE, validate_campaign_id
from thuladmin.thulium.throttle import thulium_limits
from thuladmin.thulium.types import CampaignStatus, RecordsPage, SystemStatus

PAGE_SIZE = MAX_RECORDS_PAGE_SIZE
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
        label=_("System status"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        choices=[(value.value, value.value) for value in SystemStatus],
    )
    created_from = forms.DateField(label=_("Created from"), required=False, widget=DateInput())
    created_to = forms.DateField(label=_("Created to"), required=False, widget=DateInput())
    called_from = forms.DateField(label=_("Last call from"), required=False, widget=DateInput())
    called_to = forms.DateField(label=_("Last call to"), required=False, widget=DateInput())
    page = PageField()

    def __init__(self, data=None, *, statuses: Sequence[CampaignStatus] | None, **kwargs) -> None:
        super().__init__(data, **kwargs)
        choices = [
            (status.status_id, f"{status.name or status.status_id} · {status.system_status}")
            for status in statuses or ()
        ]
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
        return items


def campaign_records_page_get(
    *, campaign_id: str, filters: dict[str, Any], page: int
) -> RecordsPage:
    """One page (100 records) of the filtered list, straight from Thulium: not cached, because a
    supervisor opens it to see the records as they are now."""
    return get_client().campaign_records(
        campaign_id, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE, **filters
    )


class TooManyRecords(Exception):
    """More records match than one job may hold (`settings.BULK_MAX_ITEMS`)."""

    def __init__(self, count: int) -> None:
        super().__init__(count)
        self.count = count


def campaign_records_numbers_get(*, campaign_id: str, filters: dict[str, Any]) -> list[str]:
    """The phone numbers of every record matching `filters`, paging through Thulium's `count`
    several pages at once under the shared limits (for "remove all N matching records").

    Raises `TooManyRecords` when the first page's `count` is over `settings.BULK_MAX_ITEMS`,
    before any further page is asked for: such a list could not become one job anyway."""
    limits = thulium_limits()
    numbers: list[str] = []
    for page in records_pages(
        client=get_client(),
        campaign_id=campaign_id,
        filters=filters,
        parallel=settings.SNAPSHOT_PARALLEL_REQUESTS,
        rate_limiter=limits.rate_limiter,
        concurrency=limits.concurrency,
    ):
        if page.count > settings.BULK_MAX_ITEMS:
            raise TooManyRecords(page.count)
        numbers += [record.phone_number for record in page.records if record.phone_number]
    return list(dict.fromkeys(numbers))


# --- per-status counts -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StatusCount:
    status: CampaignStatus
    count: int | None  # None when Thulium could not count them


def _count_cache_key(campaign_id: str, status_id: str) -> str:
    return f"thuladmin:status-count:v1:{campaign_id}:{status_id}"


def campaign_status_counts_get(
    *, campaign_id: str, statuses: Sequence[CampaignStatus], refresh: bool = False
) -> list[StatusCount]:
    """How many records each status holds: Thulium's `count` of the records list filtered by
    that status, one `limit=1` request per status, several at once under the shared limits and
    cached for `STATUS_COUNTS_CACHE_SECONDS`. A count that failed is None (and not cached)."""
    validate_campaign_id(campaign_id)  # before the id goes into a cache key
    keys = {
        status.status_id: _count_cache_key(campaign_id, status.status_id) for status in statuses
    }
    cached = {} if refresh else cache.get_many(list(keys.values()))
    missing = [status for status in statuses if keys[status.status_id] not in cached]
    counts: dict[str, int | None] = {
        status_id: cached[key] for status_id, key in keys.items() if key in cached
    }
    if missing:
        client = get_client()
        limits = thulium_limits()

        def count(status: CampaignStatus) -> int | None:
            limits.rate_limiter.acquire()
            try:
                with limits.concurrency.slot():
                    return client.campaign_records(
                        campaign_id, limit=1, status_ids=[status.status_id]
                    ).count
            except errors.ThuliumError:
                return None

        parallel = max(1, min(len(missing), settings.SNAPSHOT_PARALLEL_REQUESTS))
        with ThreadPoolExecutor(parallel, thread_name_prefix="status-counts") as pool:
            fetched = dict(zip(missing, pool.map(count, missing), strict=True))
        cache.set_many(
            {
                keys[status.status_id]: value
                for status, value in fetched.items()
                if value is not None
            },
            timeout=settings.STATUS_COUNTS_CACHE_SECONDS,
        )
        counts.update({status.status_id: value for status, value in fetched.items()})
    return [StatusCount(status=status, count=counts.get(status.status_id)) for status in statuses]
