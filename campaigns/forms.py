from __future__ import annotations

from django import forms
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from thuladmin.thulium.client import CAMPAIGN_ID_PATTERN

campaign_id_validator = RegexValidator(
    # The client's own rule, anchored: an id that passes here is one the client will send.
    regex=rf"\A(?:{CAMPAIGN_ID_PATTERN.pattern})\Z",
    message=_("Enter exactly five letters or digits (A-Z, 0-9)."),
    code="invalid_campaign_id",
)


def is_campaign_id(value: str) -> bool:
    """Whether `value` is a well-formed campaign id (used for ids that arrive in the URL)."""
    return bool(CAMPAIGN_ID_PATTERN.fullmatch(value))


class CampaignPickForm(forms.Form):
    """The index page's "open a campaign by its id" form, sent with GET."""

    campaign_id = forms.CharField(
        label=_("Campaign id"),
        help_text=_("Five letters or digits, such as 00001."),
        validators=[campaign_id_validator],
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "spellcheck": "false",
                "autocapitalize": "off",
                "placeholder": "00001",
            }
        ),
    )
