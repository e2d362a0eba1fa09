"""Customers: one read by id, many deleted by id."""

from __future__ import annotations

import re
from typing import Any

from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse

from thuladmin.sandbox import shapes
from thuladmin.sandbox.endpoint import endpoint
from thuladmin.sandbox.errors import error_response, message
from thuladmin.sandbox.models import Customer
from thuladmin.sandbox.sql import DELETE_CHUNK, chunks, sandbox_connection

CUSTOMER_ID_RE = re.compile(r"\d{1,18}")


@endpoint("GET")
def customer(request: HttpRequest, customer_id: str) -> HttpResponse:
    """One customer; an id that is not a number is simply not found, as no customer has it."""
    found = (
        Customer.objects.filter(pk=int(customer_id)).first()
        if CUSTOMER_ID_RE.fullmatch(customer_id)
        else None
    )
    if found is None:
        return error_response(request, "customer_not_found")
    return JsonResponse(shapes.customer_json(found))


@endpoint("DELETE")
def batch_customers(request: HttpRequest) -> HttpResponse:
    """Delete customers by id; each id (as sent) gets its own outcome, the request itself is 200."""
    raw_ids = list(dict.fromkeys(request.GET.getlist("customer_id[]")))
    if not raw_ids:
        return error_response(request, "customer_id_required")
    parsed = {raw: int(raw) for raw in raw_ids if CUSTOMER_ID_RE.fullmatch(raw)}
    result: dict[str, dict[str, Any]] = {}
    with transaction.atomic(using=sandbox_connection().alias):
        existing = set(
            Customer.objects.select_for_update()
            .filter(pk__in=set(parsed.values()))
            .values_list("pk", flat=True)
        )
        deleted: set[int] = set()
        for raw in raw_ids:
            customer_id = parsed.get(raw)
            if customer_id is None:
                result[raw] = shapes.batch_customer_refused_json(
                    400, message(request, "invalid_customer_id")
                )
            elif customer_id in existing and customer_id not in deleted:
                deleted.add(customer_id)
                result[raw] = shapes.batch_customer_deleted_json()
            else:
                result[raw] = shapes.batch_customer_refused_json(
                    404, message(request, "customer_not_found")
                )
        for chunk in chunks(sorted(deleted), DELETE_CHUNK):
            Customer.objects.filter(pk__in=chunk).delete()
    return JsonResponse(result)
