"""The header's mark for the jobs that wait for their author: "2 jobs need your attention".

A supervisor who starts a removal and walks away should find out, on whatever page they are
next, that its preview still waits for them or that some of its numbers failed. Which jobs
count is `BulkJobQuerySet.needing_attention`; the mark links to the jobs list filtered to the
same jobs (`?show=mine-attention`), so the count and the list never disagree.

The cost: one COUNT query on the user's own jobs, and only on a full page. The context
processor hands the template an object whose `count` runs the query when the header first reads
it: a page without the header (an htmx fragment, the login page, a CSV download) never asks, an
anonymous visitor gets nothing at all. One query rather than a per-user cache: a job changes
state in many places (the runner's conditional UPDATEs, the watchdog, cancellation, discard),
and a cache missed by one of them would show a stale count, while the query is an index lookup
on the author's jobs that reads no item.
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING, Any

from django.urls import reverse

from thuladmin.bulk.kinds import BulkKind, kinds_user_may_run
from thuladmin.bulk.models import BulkJob, BulkJobQuerySet

if TYPE_CHECKING:
    from django.http import HttpRequest

# The jobs list's filter (`?show=`) of the jobs the mark counts.
SHOWN = "mine-attention"


def attention_outcomes(kinds: list[BulkKind]) -> dict[str, tuple[str, ...]]:
    """Kind name -> the outcomes that make a job of it that is over need attention."""
    return {kind.name: kind.needs_attention() for kind in kinds}


def jobs_needing_attention(user, kinds: list[BulkKind] | None = None) -> BulkJobQuerySet:
    """The user's jobs that wait for them, of the kinds they may run (`kinds`, if the caller
    has them already)."""
    if kinds is None:
        kinds = kinds_user_may_run(user)
    return BulkJob.objects.needing_attention(user=user, attention=attention_outcomes(kinds))


class AttentionMark:
    """What the header shows: `count` (queried once, when first read) and `url`."""

    def __init__(self, user) -> None:
        self._user = user

    @cached_property
    def count(self) -> int:
        kinds = kinds_user_may_run(self._user)
        if not kinds:  # no jobs list to send them to, and no query
            return 0
        return jobs_needing_attention(self._user, kinds).count()

    @property
    def url(self) -> str:
        return f"{reverse('bulk:index')}?show={SHOWN}"


def attention_mark(request: HttpRequest) -> dict[str, Any]:
    """Context processor: `attention_mark` for signed-in users; nothing for anyone else."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"attention_mark": AttentionMark(user)}
