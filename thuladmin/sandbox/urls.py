"""Routes of the sandbox API, mounted at /sandbox/api/ (only when settings.SANDBOX_ENABLED).

Paths mirror Thulium's, relative to its `/api/` base; each family of paths has its module in
`thuladmin.sandbox.views`. The last route catches everything else so an unknown path gets a
JSON 404 (and CommonMiddleware never redirects to add a slash).
"""

from django.urls import path, re_path

from thuladmin.sandbox.views import (
    batch_records,
    campaigns,
    customers,
    not_found,
    records,
    records_by_identifier,
    status_by_phone_number,
)

app_name = "sandbox"

urlpatterns = [
    path("outbounds/stats", campaigns.stats, name="stats"),
    path("outbounds/<str:campaign_id>/statuses", campaigns.statuses, name="statuses"),
    path("outbounds/<str:campaign_id>/agents", campaigns.agents, name="agents"),
    path("outbounds/<str:campaign_id>/records", records.records, name="records"),
    path(
        "outbounds/<str:campaign_id>/records_by_identifier/<str:identifier>",
        records_by_identifier.record_by_identifier,
        name="record-by-identifier",
    ),
    # The documented example has a trailing slash, the endpoint's title does not: take both.
    re_path(
        r"^batch/outbounds/(?P<campaign_id>[^/]+)/records/?$",
        batch_records.batch_records,
        name="batch-records",
    ),
    re_path(
        r"^outbound_status_by_phone_number/?$",
        status_by_phone_number.status_by_phone_number,
        name="status-by-phone-number",
    ),
    path("batch/customers", customers.batch_customers, name="batch-customers"),
    path("customers/<str:customer_id>", customers.customer, name="customer"),
    re_path(r"^(?P<path>.*)$", not_found.not_found, name="not-found"),
]
