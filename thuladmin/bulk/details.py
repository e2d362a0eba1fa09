"""Why an item ended as it did, stored as a code and its parameters, worded when it is read.

An item's detail is written by a worker, in whatever language the worker runs in, and read later
by anyone, in theirs. So the worker stores a code ("phone_numbers.in_call") and the values that
go into the sentence ({"count": 2}); the page, the export and anything else that shows it words
it in the reader's active language, at render time (`detail_text`). Thulium's own message, when
it sent one, is kept beside the code exactly as it came (`Detail.thulium_message`): it is
Thulium's, shown labelled as such and never translated.

One registry for every code: the engine's below, the Thulium errors' (from
`thuladmin.thulium.messages`, so a failure reads the same on a page and in a job), and each
kind's own, registered when its module is imported (`register_detail`). The core never imports
the apps: a kind brings its codes, as it brings its outcomes.

Items written before codes existed keep their sentence in `BulkItem.detail` (in the language it
was written in) and no code: `detail_text` shows that text as it is.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from thuladmin.bulk.parsing import TOO_LONG, TOO_LONG_REASON
from thuladmin.thulium import errors
from thuladmin.thulium.messages import ERROR_DETAILS, thulium_error_detail

if TYPE_CHECKING:
    from django.utils.functional import Promise

logger = logging.getLogger(__name__)

# A parameter every code takes: the item may have been applied by an earlier attempt that got
# no clear answer, so its outcome is uncertain. The sentence below is added after the code's.
MAYBE_APPLIED = "maybe_applied"


@dataclass(frozen=True, slots=True)
class Detail:
    """An item's detail as stored: our code and its parameters (worded when read), and
    Thulium's own message, verbatim ("" when it sent none)."""

    code: str = ""
    params: Mapping[str, Any] = field(default_factory=dict)
    thulium_message: str = ""

    def maybe_applied(self) -> Detail:
        """The same detail, saying that an earlier attempt may have been applied."""
        return Detail(self.code, {**self.params, MAYBE_APPLIED: True}, self.thulium_message)

    def key(self) -> tuple[str, str, str]:
        """A hashable form, to group items with the same detail into one UPDATE."""
        # Nearly every item of a large job has no parameters: no JSON to write for those.
        params = json.dumps(dict(self.params), sort_keys=True) if self.params else ""
        return (self.code, params, self.thulium_message)

    def text(self) -> str:
        return detail_text(self.code, self.params)


NO_DETAIL = Detail()


def error_detail(error: errors.ThuliumError, *, campaign_id: str = "") -> Detail:
    """A failed call to Thulium as a detail: our code for what happened, Thulium's words."""
    described = thulium_error_detail(error, campaign_id=campaign_id)
    return Detail(described.code, described.params, described.thulium_message)


# --- the registry ------------------------------------------------------------------------------

# Code -> the sentences worded with the parameters, joined by a space. A plural sentence is an
# `ngettext_lazy(singular, plural, "name")`, chosen by the parameter `name`.
_DETAILS: dict[str, tuple[Promise, ...]] = {}


def register_detail(code: str, *sentences: Promise) -> str:
    """Make a detail code known: `sentences` are lazily translated templates with named
    parameters (`%(count)s`). Returns the code, for the module that registers it to use."""
    if not sentences:
        raise ValueError(f"The detail code {code!r} needs a sentence.")
    known = _DETAILS.get(code)
    if known is not None and tuple(str(s) for s in known) != tuple(str(s) for s in sentences):
        raise ValueError(f"Two details are coded {code!r}.")
    _DETAILS[code] = tuple(sentences)
    return code


_MAYBE_APPLIED_SENTENCE = _("It may have been applied: check before sending again.")


def detail_text(code: str, params: Mapping[str, Any] | None = None, *, legacy: str = "") -> str:
    """The detail in the active language: the code's sentences worded with `params`.

    No code: `legacy`, the sentence of an item written before codes existed, as it is. A code
    this version does not know (written by a newer one), or parameters that do not fit its
    sentences: the code itself with its parameters, never an error on the page.
    """
    if not code:
        return legacy
    params = dict(params or {})
    sentences = _DETAILS.get(code)
    try:
        if sentences is None:
            raise KeyError(code)
        # The lazy sentence itself takes the parameters: a plural one picks its form from them.
        text = " ".join(str(sentence % params) for sentence in sentences)
    except (KeyError, TypeError, ValueError):
        logger.warning("bulk item detail %r could not be worded with %r", code, params)
        shown = {k: v for k, v in params.items() if k != MAYBE_APPLIED}
        text = code + (f" {json.dumps(shown, ensure_ascii=False)}" if shown else "")
    if params.get(MAYBE_APPLIED):
        text = f"{text} {_MAYBE_APPLIED_SENTENCE}".strip()
    return text


def thulium_said(message: str) -> str:
    """Thulium's own message, labelled as Thulium's in the active language (the message as it
    came: it is not ours to translate)."""
    return gettext("Thulium said: %(message)s") % {"message": message} if message else ""


# --- the engine's codes ------------------------------------------------------------------------

GIVEN_UP = register_detail("bulk.given_up", _("Given up after repeated interruptions."))
NOT_MENTIONED = register_detail(
    "bulk.not_mentioned", _("Thulium's answer did not mention this item.")
)
CANCELLED_BEFORE_RESENT = register_detail(
    "bulk.cancelled_before_resent",
    _(
        "The job was cancelled before this item was sent again; an earlier attempt may have "
        "been applied: check before sending again."
    ),
)
UNDOCUMENTED_STATUS = register_detail(
    "bulk.undocumented_status",
    _("Thulium answered with an undocumented status: %(statuses)s"),
)
register_detail(TOO_LONG, TOO_LONG_REASON)
HTTP_STATUS = register_detail("bulk.http_status", _("Thulium answered HTTP %(status)s."))
for _code, _sentence in ERROR_DETAILS.items():
    register_detail(_code, _sentence)
