"""`{% record_link %}`: the one place a list of records decides how to link a record's page.

Thulium holds identifiers the dashboard cannot address (a slash, a backslash, a control
character, ".."): reversing the record URL for those raised `NoReverseMatch`, a 500 for the whole
list, or linked a page that would open a different record. Every template that links a record
asks this tag instead, and gets either the encoded address or the reason in words.
"""

from __future__ import annotations

from dataclasses import dataclass

from django import template
from django.core.exceptions import ValidationError
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from campaigns.forms import record_identifier_clean

register = template.Library()


@dataclass(frozen=True)
class RecordLink:
    """The record page's address, or why there is none (`url` is None, `reason` says why)."""

    url: str | None
    reason: str = ""


@register.simple_tag
def record_link(campaign_id: str, identifier: str | None) -> RecordLink | None:
    """The link for a listed record: None when it has no identifier at all.

    The rule is the record page's own (`record_identifier_clean`), and the identifier must come
    back unchanged: the page strips spaces, so " 12" would otherwise open record "12".
    """
    if not identifier:
        return None
    try:
        clean = record_identifier_clean(identifier)
    except ValidationError as error:
        return RecordLink(url=None, reason=_unaddressable(" ".join(error.messages)))
    if clean != identifier:  # Never from Thulium's answers, which the client strips.
        return RecordLink(url=None, reason=_unaddressable(""))
    try:
        return RecordLink(url=reverse("campaigns:record", args=[campaign_id, identifier]))
    except NoReverseMatch:  # The rule above and the URL patterns disagree: no link, no 500.
        return RecordLink(url=None, reason=_unaddressable(""))


def _unaddressable(reason: str) -> str:
    """What the list shows instead of a link: that the record cannot be opened here, then why."""
    return " ".join(
        part for part in (_("This record cannot be opened from the dashboard."), reason) if part
    )
