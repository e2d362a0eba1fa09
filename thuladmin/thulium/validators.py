"""Form validators for Thulium's identifiers, built on the client's own rules: a value that
passes here is one the client will send."""

from __future__ import annotations

from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from thuladmin.thulium.client import CAMPAIGN_ID_PATTERN

campaign_id_validator = RegexValidator(
    regex=rf"\A(?:{CAMPAIGN_ID_PATTERN.pattern})\Z",
    message=_("Enter exactly five letters or digits (A-Z, 0-9)."),
    code="invalid_campaign_id",
)
