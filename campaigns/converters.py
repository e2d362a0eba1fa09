"""The campaign id in a URL, checked once, by the URL patterns, with the client's own rule.

`<campaign_id:campaign_id>` matches only an id the client would send (`validate_campaign_id`),
so no campaign view ever receives one it must check. `<not_campaign_id:campaign_id>` matches
the one path segment that is *not* an id, for the page that explains the mistake (a typed or
bookmarked address deserves words, not a bare 404); a well-formed id never reaches it, so a
page that does not exist under a real campaign stays an ordinary 404.
"""

from __future__ import annotations

from thuladmin.thulium.client import CAMPAIGN_ID_PATTERN, validate_campaign_id


class CampaignIdConverter:
    regex = CAMPAIGN_ID_PATTERN.pattern

    def to_python(self, value: str) -> str:
        # `InvalidArgument` is a ValueError: the pattern does not match, as the resolver expects.
        return validate_campaign_id(value)

    def to_url(self, value: str) -> str:
        return validate_campaign_id(value)


class NotCampaignIdConverter:
    regex = "[^/]+"

    def to_python(self, value: str) -> str:
        if is_campaign_id(value):
            raise ValueError("a campaign id: the campaign's own pages answer for it")
        return value

    def to_url(self, value: str) -> str:
        return value


def is_campaign_id(value: str) -> bool:
    """Whether `value` is a campaign id the client would send (for ids that come from Thulium's
    answers, which a template links only when the URL pattern will take them)."""
    try:
        validate_campaign_id(value)
    except ValueError:
        return False
    return True
