"""What a supervisor reads when a call to Thulium fails.

Beside the client, shared by every page and job that talks to Thulium, so the same failure
reads the same everywhere.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any

import requests
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from thuladmin.thulium import errors

logger = logging.getLogger(__name__)

# What a failed call to Thulium was, in our words, by code: stored with a bulk item (with the
# parameters) and worded when the item is read, in the reader's language. Thulium's own message
# is kept beside the code, as it came (`ErrorDetail.thulium_message`).
ERROR_DETAILS = {
    "thulium.credentials": gettext_lazy(
        "Thulium refused the API credentials — check THULIUM_USER and THULIUM_PASSWORD."
    ),
    "thulium.campaign_not_found": gettext_lazy(
        "Campaign %(campaign_id)s does not exist in Thulium."
    ),
    "thulium.not_found": gettext_lazy("Not found in Thulium (HTTP %(status)s)."),
    "thulium.in_a_call": gettext_lazy("Thulium refused: the record is in a call right now."),
    "thulium.rejected": gettext_lazy("Thulium refused the request (HTTP %(status)s)."),
    "thulium.rate_limited": gettext_lazy(
        "Thulium limited the rate of requests (HTTP %(status)s) and the retries ran out."
    ),
    "thulium.server_error": gettext_lazy("Thulium answered with a server error (HTTP %(status)s)."),
    "thulium.timeout": gettext_lazy("Thulium did not answer in time."),
    "thulium.no_connection": gettext_lazy(
        "Could not connect to Thulium. Check the address and the network."
    ),
    "thulium.request_failed": gettext_lazy("The request to Thulium failed."),
    "thulium.unreadable": gettext_lazy(
        "Thulium sent an answer that could not be read (HTTP %(status)s)."
    ),
    "thulium.refused_before_sending": gettext_lazy("The request was not sent: %(reason)s"),
    "thulium.error": gettext_lazy("Thulium answered with an error (HTTP %(status)s)."),
}


@dataclass(frozen=True, slots=True)
class ErrorDetail:
    """A failed call in storable form: our code (a key of ERROR_DETAILS) with its parameters,
    and Thulium's own message as it came ("" when the failure brought none)."""

    code: str
    params: dict[str, Any]
    thulium_message: str = ""


def thulium_error_detail(error: errors.ThuliumError, *, campaign_id: str = "") -> ErrorDetail:
    """What went wrong, as a code and parameters, with Thulium's words kept apart.

    Only an error built from Thulium's answer (it has a status) carries Thulium's words; the
    client's own sentences (a timeout, no connection, a body that is not JSON) are English text
    of ours, replaced here by a code. A body that could not be read is quoted as Thulium sent
    it (the client's excerpt of it) in the message.
    """
    status = error.status if error.status is not None else "?"
    own_words = "; ".join(text for text in error.messages if text) if error.status else ""
    if isinstance(error, errors.InvalidArgument):
        return ErrorDetail("thulium.refused_before_sending", {"reason": error.message})
    if isinstance(error, errors.AuthenticationFailed):
        return ErrorDetail("thulium.credentials", {}, own_words)
    if isinstance(error, errors.NotFound):
        if campaign_id:
            return ErrorDetail(
                "thulium.campaign_not_found", {"campaign_id": campaign_id}, own_words
            )
        return ErrorDetail("thulium.not_found", {"status": status}, own_words)
    if isinstance(error, errors.RateLimited):
        return ErrorDetail("thulium.rate_limited", {"status": status}, own_words)
    if isinstance(error, errors.Timeout):
        return ErrorDetail("thulium.timeout", {})
    if isinstance(error, errors.Unavailable):
        if error.status is not None:
            return ErrorDetail("thulium.server_error", {"status": status}, own_words)
        if isinstance(error.__cause__, requests.exceptions.ConnectionError):
            return ErrorDetail("thulium.no_connection", {})
        return ErrorDetail("thulium.request_failed", {})
    if isinstance(error, errors.Rejected):
        if is_record_in_a_call(error):
            return ErrorDetail("thulium.in_a_call", {}, own_words)
        return ErrorDetail("thulium.rejected", {"status": status}, own_words)
    if isinstance(error, errors.BadResponse):
        return ErrorDetail("thulium.unreadable", {"status": status}, error.message)
    return ErrorDetail("thulium.error", {"status": status}, own_words)


def thulium_error_message(error: errors.ThuliumError, *, campaign_id: str = "") -> str:
    """One sentence saying what went wrong and, where we know, what to do about it.

    Credentials are never part of it: the client builds its messages from the response only,
    and the credentials message names the settings, not their values.
    """
    logger.warning("Thulium call failed: %r", error)
    if isinstance(error, errors.AuthenticationFailed):
        return _("Thulium refused the API credentials — check THULIUM_USER and THULIUM_PASSWORD.")
    if isinstance(error, errors.NotFound) and campaign_id:
        return _("Campaign %(campaign_id)s does not exist in Thulium.") % {
            "campaign_id": campaign_id
        }
    if isinstance(error, errors.Unavailable | errors.RateLimited):
        # Timeout is an Unavailable too; the retries have already been spent by now.
        return _("Thulium is unavailable right now, try again.")
    # InvalidArgument carries the validation message; anything else, the API's own words.
    return error.message


# Thulium's words for "the record is in a call", in the languages it answers in.
_IN_A_CALL = re.compile(r"\bcall\b|rozmow|połączeni", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class RecordFailure:
    """Why a change to one record failed: one sentence for the supervisor (`summary`) and
    Thulium's own messages (`api_messages`), shown beside it when they add anything."""

    summary: str
    api_messages: tuple[str, ...] = ()


def is_record_in_a_call(error: errors.ThuliumError) -> bool:
    """Thulium refuses to delete a record in a call; the status for it is not documented (the
    sandbox answers 409), so a refusal whose message speaks of a call counts too."""
    if not isinstance(error, errors.Rejected):
        return False
    return error.status == 409 or any(_IN_A_CALL.search(text) for text in error.messages)


def record_failure(
    error: errors.ThuliumError, *, campaign_id: str, identifier: str, deleting: bool = False
) -> RecordFailure:
    """What to tell a supervisor whose edit or deletion of one record failed."""
    logger.warning("Thulium record call failed: %r", error)
    names = {"campaign_id": campaign_id, "identifier": identifier}
    own_words = tuple(text for text in error.messages if text)
    if deleting and is_record_in_a_call(error):
        return RecordFailure(
            _(
                "This record is in a call right now, so Thulium did not delete it. "
                "Try again when the call ends."
            ),
            own_words,
        )
    if isinstance(error, errors.InvalidArgument):
        return RecordFailure(error.message)
    if isinstance(error, errors.NotFound):
        return RecordFailure(
            _(
                "Not found: Thulium has no record “%(identifier)s” in campaign %(campaign_id)s "
                "(or no such campaign)."
            )
            % names,
            own_words,
        )
    if isinstance(error, errors.AuthenticationFailed):
        return RecordFailure(thulium_error_message(error), own_words)
    if isinstance(error, errors.Timeout) or (
        isinstance(error, errors.Unavailable) and error.maybe_applied
    ):
        if deleting:
            summary = _(
                "Thulium did not confirm the deletion, and the record may have been deleted "
                "anyway. Check the record in Thulium before you try again."
            )
        else:
            summary = _(
                "Thulium did not confirm the change, and it may have been applied anyway. "
                "Check the record in Thulium before you send it again."
            )
        return RecordFailure(summary, own_words)
    if isinstance(error, errors.Unavailable | errors.RateLimited):
        return RecordFailure(_("Thulium is unavailable right now, try again."), own_words)
    if own_words:
        # Thulium's own words are the message: a supervisor fixes the form by them.
        if deleting:
            return RecordFailure(_("Thulium did not delete the record."), own_words)
        return RecordFailure(_("Thulium refused the change."), own_words)
    return RecordFailure(error.message)
