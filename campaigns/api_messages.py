"""What a supervisor reads when a call to Thulium fails.

Shared by every page that talks to Thulium, so the same failure reads the same everywhere.
"""

from __future__ import annotations

import logging

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
