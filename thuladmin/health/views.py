"""`/healthz`: what a load balancer or monitor asks to know whether this node can serve."""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from thuladmin.health.probes import probe_cache, probe_database, probe_thulium, probe_workers

# Without these the node cannot serve a page; workers and Thulium are reported, not required,
# so a Thulium outage does not take every web node out of the load balancer.
REQUIRED = ("database", "cache")


@login_not_required
@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    """200 when the database and the cache work, 503 otherwise; details for every check.

    Public (monitors do not log in), so it shows statuses and timings only: no URL credentials,
    no passwords, no exception messages; Thulium's host name only.
    """
    checks = {
        "database": probe_database(),
        "cache": probe_cache(),
        "worker": probe_workers(),
        "thulium": probe_thulium(),
    }
    healthy = all(checks[name]["status"] == "ok" for name in REQUIRED)
    return JsonResponse(
        {"status": "ok" if healthy else "error", "checks": checks},
        status=200 if healthy else 503,
    )
