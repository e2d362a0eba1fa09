"""Deleting customers by pasted id: a kind of bulk job (admins only).

`DELETE batch/customers?customer_id[]=…` deletes each customer with everything that depends on
it, for good; the preview looks each id up first so the admin sees who is about to go.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.conf import settings
from django.db import models
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from thuladmin.accounts import roles
from thuladmin.accounts.roles import permission_required
from thuladmin.bulk.details import HTTP_STATUS, Detail
from thuladmin.bulk.forms import BulkItemsForm, grouped, items_form_context
from thuladmin.bulk.kinds import (
    Confirmation,
    ItemResult,
    UrlBatchedKind,
    counted,
    register,
    type_the_count,
)
from thuladmin.bulk.models import BulkJob, Outcome
from thuladmin.bulk.parsing import InvalidItem, ParseResult, parse_items
from thuladmin.bulk.services import bulk_job_draft_create
from thuladmin.coded import CodedText
from thuladmin.thulium.client import ThuliumClient, query_item
from thuladmin.thulium.types import CustomerDeletionOutcome

MAX_CUSTOMER_ID_DIGITS = 18


class CustomerOutcome(models.TextChoices):
    """What deleting one customer can end with, besides the engine's outcomes."""

    DELETED = "DELETED", gettext_lazy("deleted")
    NOT_FOUND = "NOT_FOUND", gettext_lazy("not found")


# The kind's detail codes (see thuladmin.bulk.details), registered with the kind.
NOT_FOUND_ON_RETRY = "customers.not_found_on_retry"
NOT_A_WHOLE_NUMBER = "customers.not_a_whole_number"
ID_TOO_LONG = "customers.too_long"
NOT_ABOVE_ZERO = "customers.not_above_zero"
DETAIL_CODES = {
    NOT_A_WHOLE_NUMBER: gettext_lazy("not a whole number"),
    ID_TOO_LONG: gettext_lazy("too long"),
    NOT_ABOVE_ZERO: gettext_lazy("must be greater than zero"),
    NOT_FOUND_ON_RETRY: gettext_lazy(
        "Not found on a retry after an attempt that got no clear answer: it may have "
        "been deleted by that attempt."
    ),
}


def _reason(code: str) -> CodedText:
    return CodedText(code, DETAIL_CODES[code])


def normalise_customer_id(token: str) -> str:
    text = token.strip().lstrip("#")
    if not (text.isascii() and text.isdigit()):
        raise InvalidItem(_reason(NOT_A_WHOLE_NUMBER))
    if len(text) > MAX_CUSTOMER_ID_DIGITS:
        raise InvalidItem(_reason(ID_TOO_LONG))
    if int(text) == 0:
        raise InvalidItem(_reason(NOT_ABOVE_ZERO))
    return str(int(text))


def customer_result(outcome: CustomerDeletionOutcome, *, uncertain: bool) -> ItemResult:
    """One customer's outcome from Thulium's per-customer answer; Thulium's message for it is
    kept as it came, beside our words."""
    if outcome.deleted:
        return ItemResult(outcome=CustomerOutcome.DELETED)
    if outcome.http_status == 404:
        if uncertain:
            return ItemResult(outcome=Outcome.UNCERTAIN, detail=Detail(NOT_FOUND_ON_RETRY))
        return ItemResult(
            outcome=CustomerOutcome.NOT_FOUND,
            detail=Detail(thulium_message=outcome.message or ""),
        )
    return ItemResult(
        outcome=Outcome.ERROR,
        detail=Detail(HTTP_STATUS, {"status": outcome.http_status or "?"}, outcome.message or ""),
    )


class CustomersKind(UrlBatchedKind):
    name = "customers"
    query_name = "customer_id"
    item_label = gettext_lazy("customer id")
    search_hint = gettext_lazy("A customer id.")
    search_example = "1234"
    item_label_plural = gettext_lazy("customer ids")
    title = gettext_lazy("Delete customers")
    template_name = "customers/bulk/customers.html"
    outcome_tones = {CustomerOutcome.DELETED: "success"}
    outcome_counts_words = {
        CustomerOutcome.DELETED: counted("%(count)s deleted", "%(count)s deleted"),
        CustomerOutcome.NOT_FOUND: counted("%(count)s not found", "%(count)s not found"),
    }
    outcomes = (
        CustomerOutcome.DELETED,
        CustomerOutcome.NOT_FOUND,
        Outcome.UNCERTAIN,
        Outcome.ERROR,
        Outcome.CANCELLED,
        Outcome.INVALID,
    )
    looks_up_items = True
    detail_codes = DETAIL_CODES

    def may_run(self, user) -> bool:
        return roles.can_delete_customers(user)

    def paste_url(self, job: BulkJob) -> str:
        return reverse("customers:index")

    def confirmation(self, job: BulkJob) -> Confirmation:
        """Always: a deleted customer cannot be brought back, whatever the job's size."""
        return type_the_count(
            job,
            label=_("Type the number of customers to delete, %(count)s, to confirm")
            % {"count": grouped(job.item_count)},
            mismatch_message=_("That is not the count: type %(count)s to delete these customers.")
            % {"count": grouped(job.item_count)},
        )

    def parse(self, text: str, *, options: Mapping) -> ParseResult:
        return parse_items(
            text,
            normalise=normalise_customer_id,
            limit=settings.BULK_MAX_ITEMS,
            split_on_spaces_first=True,
        )

    def search_values(self, text: str) -> list[str]:
        try:
            return [normalise_customer_id(text)]
        except InvalidItem:
            return []

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
        self,
        client: ThuliumClient,
        job: BulkJob,
        values: Sequence[str],
        *,
        uncertain: bool,
        previews: Mapping[str, Any] | None = None,
    ) -> dict[str, ItemResult]:
        report = client.customers_delete(values)
        uncertain = uncertain or report.maybe_applied_earlier
        return {
            customer_id: customer_result(outcome, uncertain=uncertain)
            for customer_id, outcome in report.results.items()
        }


CUSTOMERS = register(CustomersKind())


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


@require_http_methods(["GET", "POST"])
@permission_required(CUSTOMERS.may_run)
def delete_customers(request: HttpRequest) -> HttpResponse:
    """Paste or upload customer ids. A valid list becomes a draft job and the browser goes to
    its page, the preview, which shows who each id is; nothing is deleted here."""
    if request.method == "POST":
        form = CustomerIdsForm(request.POST, request.FILES)
        if form.is_valid():
            job = bulk_job_draft_create(
                user=request.user, kind_name=CUSTOMERS.name, parsed=form.parsed
            )
            return redirect("bulk:detail", job_id=job.pk)
    else:
        form = CustomerIdsForm()
    return TemplateResponse(
        request, "customers/index.html", {"form": form, **items_form_context(form)}
    )
