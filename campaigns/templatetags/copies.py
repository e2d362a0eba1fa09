"""How current the campaign's copy is, in the supervisor's words: `{{ copy.as_of|as_of }}`.

Values shown from the copy carry the time they were true ("as of 12:41"): the copy refreshes
itself every minute while a campaign is in use, so today's time alone says enough; a time of
another day (a campaign nobody opened since) carries its date, so it is never read as today's.
"""

from __future__ import annotations

from datetime import datetime

from django import template
from django.utils import formats, timezone

from campaigns.copies import COPY_POLL_SECONDS

register = template.Library()


@register.simple_tag
def copy_polls() -> str:
    """The `hx-trigger` of a region that waits on a read of the copy: every
    `COPY_POLL_SECONDS`, one interval for every such region."""
    return f"every {COPY_POLL_SECONDS}s"


@register.filter
def as_of(moment: datetime | None) -> str:
    """12:41 today, 2025-11-24 12:41 another day, in the call centre's time; '' for None."""
    if moment is None:
        return ""
    local = timezone.localtime(moment)
    if local.date() == timezone.localdate():
        return formats.time_format(local, "H:i")
    return formats.date_format(local, "Y-m-d H:i")
