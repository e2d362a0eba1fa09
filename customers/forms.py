"""The customer deletion form: customer ids, pasted or uploaded."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from customers.bulk import CUSTOMERS
from thuladmin.bulk.forms import BulkItemsForm


class CustomerIdsForm(BulkItemsForm):
    """Ids of the customers to delete from Thulium, with everything that depends on them."""

    kind = CUSTOMERS
    empty_message = gettext_lazy("Paste some customer ids or upload a file of them.")
    nothing_valid_message = gettext_lazy(
        "None of these is a customer id: every token was refused (see the list below)."
    )
    limit_message = gettext_lazy(
        "More than %(limit)s customer ids: split the list into jobs of at most %(limit)s."
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["text"].label = _("Customer ids")
        self.fields["text"].help_text = _(
            "Whole numbers, one a line or separated by commas, semicolons, tabs or spaces."
        )
        self.fields["text"].widget.attrs["placeholder"] = "13\n14, 15"
