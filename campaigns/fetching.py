"""A read from Thulium that a page can show without: the answer, or why there is none in words.

Most campaign pages are still worth drawing when one of their reads fails (the statuses, the
agents, the campaigns list): the page shows what it has and says what it could not get. Each
such read goes through `fetched_or_error`, so every page words a failure the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from thuladmin.thulium import errors
from thuladmin.thulium.messages import thulium_error_message

T = TypeVar("T")
D = TypeVar("D")


def fetched_or_error(
    fetch: Callable[[], T], *, campaign_id: str = "", default: D = None
) -> tuple[T | D, str]:
    """`(answer, "")`, or `(default, the failure in words)` when Thulium's answer is an error."""
    try:
        return fetch(), ""
    except errors.ThuliumError as error:
        return default, thulium_error_message(error, campaign_id=campaign_id)
