"""Routes of the sandbox API, mounted at /sandbox/api/ (only when settings.SANDBOX_ENABLED).

Paths mirror Thulium's, relative to its `/api/` base. The last route catches everything else so
an unknown path gets a JSON 404 (and CommonMiddleware never redirects to add a slash).
"""

from django.urls import path, re_path

from thuladmin.sandbox import views

app_name = "sandbox"

urlpatterns = [
    path("outbounds/stats", views.stats, name="stats"),
    path("outbounds/<str:campaign_id>/statuses", views.statuses, name="statuses"),
    path("outbounds/<str:campaign_id>/agents", views.agents, name="agents"),
    path("outbounds/<str:campaign_id>/records", views.records, name="records"),
    path(
        "outbounds/<str:campaign_id>/records_by_identifier/<str:identifier>",
        views.record_by_identifier,
        name="record-by-identifier",
    ),
    # The documented example has a trailing slash, the endpoint's title does not: take both.
    re_path(
        r"^batch/outbounds/(?P<campaign_id>[^/]+)/records/?$",
        views.batch_records,
        name="batch-records",
    ),
    re_path(
        r"^outbound_status_by_phone_number/?$",
        views.status_by_phone_number,
        name="status-by-phone-number",
    ),
    path("batch/customers", views.batch_customers, name="batch-customers"),
    path("customers/<str:customer_id>", views.customer, name="customer"),
    re_path(r"^(?P<path>.*)$", views.not_found, name="not-found"),
]
