"""Bulk deletion of customers: the parts the bulk engine leaves to us."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from thuladmin.bulk.kinds import BulkKind, ItemResult, register
from thuladmin.bulk.models import BulkJob, Outcome
from thuladmin.bulk.parsing import InvalidItem, ParseResult, parse_items
from thuladmin.thulium.client import ThuliumClient, query_item
from thuladmin.thulium.types import CustomerDeletionOutcome

MAX_CUSTOMER_ID_DIGITS = 18


def normalise_customer_id(token: str) -> str:
    text = token.strip().lstrip("#")
    if not (text.isascii() and text.isdigit()):
        raise InvalidItem(_("not a whole number"))
    if len(text) > MAX_CUSTOMER_ID_DIGITS:
        raise InvalidItem(_("too long"))
    if int(text) == 0:
        raise InvalidItem(_("must be greater than zero"))
    return str(int(text))


def customer_result(outcome: CustomerDeletionOutcome, *, uncertain: bool) -> ItemResult:
    if outcome.deleted:
        return ItemResult(outcome=Outcome.DELETED)
    if outcome.http_status == 404:
        if uncertain:
            return ItemResult(
                outcome=Outcome.UNCERTAIN,
                detail=_(
                    "Not found on a retry after an attempt that got no clear answer: it may have "
                    "been deleted by that attempt."
                ),
            )
        return ItemResult(outcome=Outcome.NOT_FOUND, detail=outcome.message or "")
    return ItemResult(
        outcome=Outcome.ERROR,
        detail=outcome.message
        or _("Thulium answered HTTP %(status)s.") % {"status": outcome.http_status or "?"},
    )


class CustomersKind(BulkKind):
    name = "customers"
    query_name = "customer_id"
    item_label = gettext_lazy("customer id")
    item_label_plural = gettext_lazy("customer ids")
    outcomes = (
        Outcome.DELETED,
        Outcome.NOT_FOUND,
        Outcome.UNCERTAIN,
        Outcome.ERROR,
        Outcome.CANCELLED,
        Outcome.INVALID,
    )
    always_type_to_confirm = True
    looks_up_items = True

    def parse(self, text: str, *, options: Mapping) -> ParseResult:
        return parse_items(
            text,
            normalise=normalise_customer_id,
            limit=settings.BULK_MAX_ITEMS,
            split_on_spaces_first=True,
        )

    def preview_item(self, client: ThuliumClient, value: str) -> dict:
        customer = client.customer(value)
        return {
            "found": True,
            "name": customer.full_name,
            "company": customer.company_name or "",
            "phone": customer.phone_number or "",
        }

    def base_url_length(self, client: ThuliumClient, job: BulkJob) -> int:
        return len(client.customer_deletion_url(["1"]).encode()) - len(
            query_item(self.query_name, "1")
        )

    def send(
        self, client: ThuliumClient, job: BulkJob, values: Sequence[str], *, uncertain: bool
    ) -> dict[str, ItemResult]:
        report = client.customers_delete(values)
        uncertain = uncertain or report.maybe_applied_earlier
        return {
            customer_id: customer_result(outcome, uncertain=uncertain)
            for customer_id, outcome in report.results.items()
        }


CUSTOMERS = register(CustomersKind())
