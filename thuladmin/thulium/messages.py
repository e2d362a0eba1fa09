"""What a supervisor reads when a call to Thulium fails.

Beside the client, shared by every page and job that talks to Thulium, so the same failure
reads the same everywhere.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from django.utils.translation import gettext as _

from thuladmin.thulium import errors

logger = logging.getLogger(__name__)


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
