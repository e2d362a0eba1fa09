"""The customers page: paste or upload the ids of customers to delete (admins only)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.views.decorators.http import require_http_methods

from customers.bulk import CUSTOMERS
from customers.forms import CustomerIdsForm
from thuladmin.accounts import roles
from thuladmin.accounts.roles import permission_required
from thuladmin.bulk.forms import items_form_context
from thuladmin.bulk.services import bulk_job_draft_create


@require_http_methods(["GET", "POST"])
@permission_required(roles.can_delete_customers)
def index(request: HttpRequest) -> HttpResponse:
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
