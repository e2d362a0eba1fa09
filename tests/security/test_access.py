"""Who may reach what: login everywhere, and each action's permission enforced by its view.

tests/test_login_required.py walks every URL as an anonymous visitor. Here: the views that opt
out of the login requirement are exactly the reviewed ones; and for each role, a direct request
to an action the role may not take gets 403 and changes nothing — no request to Thulium, no job
started or cancelled, no audit entry.
"""

from __future__ import annotations

import uuid

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from tests.security.conftest import customer_job, phone_job
from thuladmin.audit.models import AuditEntry
from thuladmin.bulk.models import BulkJob
from thuladmin.bulk.services import bulk_job_start

# Views that need no dashboard login, and why: the login page itself, the language switch (used
# on the login page), the load balancer's health probe, Django's admin (its own staff login) and
# the sandbox API (HTTP Basic with the API credentials, like Thulium).
PUBLIC_VIEWS = {"login", "set_language", "healthz"}
PUBLIC_NAMESPACES = {"admin", "sandbox"}


def _patterns(resolver: URLResolver, namespace: str = ""):
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            yield from _patterns(pattern, pattern.namespace or namespace)
        elif isinstance(pattern, URLPattern):
            yield namespace, pattern


def test_only_reviewed_views_opt_out_of_the_login():
    public = set()
    for namespace, pattern in _patterns(get_resolver()):
        view = pattern.callback
        if getattr(view, "login_required", True) is False and namespace not in PUBLIC_NAMESPACES:
            public.add(pattern.name or repr(view))
    assert public <= PUBLIC_VIEWS, f"views open to anyone: {sorted(public - PUBLIC_VIEWS)}"


@pytest.mark.django_db
def test_the_admin_wants_its_own_login(client):
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


@pytest.mark.django_db
def test_a_user_without_staff_status_cannot_use_the_admin(client, supervisor):
    client.force_login(supervisor)
    response = client.get("/admin/auth/user/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


# --- per-action permissions --------------------------------------------------------------------

# (name, method, path, data). {phone} and {customer} are the ids of a draft job of each kind.
ACTIONS = [
    ("home", "get", "/", None),
    ("campaigns:index", "get", "/campaigns/", None),
    ("campaigns:detail", "get", "/campaigns/00001/", None),
    ("campaigns:records", "get", "/campaigns/00001/records/", None),
    ("campaigns:records_export", "get", "/campaigns/00001/records/export.csv", None),
    ("campaigns:record", "get", "/campaigns/00001/records/42/", None),
    ("campaigns:snapshot", "get", "/campaigns/00001/snapshot/", None),
    ("campaigns:snapshot", "post", "/campaigns/00001/snapshot/", {}),
    ("campaigns:campaign_name", "post", "/campaigns/00001/name/", {"name": "Demo"}),
    (
        "campaigns:remove_numbers_from_records",
        "post",
        "/campaigns/00001/remove-numbers/from-records/",
        {"phone_number": ["600100200"]},
    ),
    ("campaigns:record_edit", "get", "/campaigns/00001/records/42/edit/", None),
    (
        "campaigns:record_edit",
        "post",
        "/campaigns/00001/records/42/edit/",
        {"action": "send", "status_id": "3", "token": str(uuid.uuid4())},
    ),
    ("campaigns:record_delete", "get", "/campaigns/00001/records/42/delete/", None),
    ("campaigns:record_delete", "post", "/campaigns/00001/records/42/delete/", {}),
    ("campaigns:remove_numbers", "get", "/campaigns/00001/remove-numbers/", None),
    ("campaigns:remove_numbers", "post", "/campaigns/00001/remove-numbers/", {"text": "600100200"}),
    ("campaigns:do_not_call", "get", "/campaigns/do-not-call/", None),
    ("campaigns:restore_record", "post", "/campaigns/00001/records/42/restore/", {}),
    ("campaigns:restore_removal", "post", "/campaigns/restore-removal/{phone}/", {}),
    ("campaigns:change_records", "get", "/campaigns/00001/change-records/", None),
    (
        "campaigns:change_records",
        "post",
        "/campaigns/00001/change-records/",
        {"scope": "pasted", "text": "42", "status_id": "3"},
    ),
    (
        "campaigns:change_records_put_back",
        "post",
        "/campaigns/00001/change-records/{phone_running}/put-back/",
        {},
    ),
    ("campaigns:not_a_campaign", "get", "/campaigns/0001/", None),
    ("campaigns:not_a_campaign", "post", "/campaigns/0001/records/42/edit/", {}),
    (
        "campaigns:do_not_call",
        "post",
        "/campaigns/do-not-call/",
        {"dictionary_status": "2", "text": "600100200"},
    ),
    ("customers:index", "get", "/customers/", None),
    ("customers:index", "post", "/customers/", {"text": "13\n14"}),
    ("bulk:index", "get", "/jobs/", None),
    ("bulk:detail", "get", "/jobs/{phone}/", None),
    ("bulk:detail", "get", "/jobs/{customer}/", None),
    ("bulk:export", "get", "/jobs/{phone}/export.csv", None),
    ("bulk:export", "get", "/jobs/{customer}/export.csv", None),
    ("bulk:start", "post", "/jobs/{phone}/start/", {"confirmation": "2"}),
    ("bulk:start", "post", "/jobs/{customer}/start/", {"confirmation": "2"}),
    ("bulk:discard", "post", "/jobs/{phone}/discard/", {}),
    ("bulk:discard", "post", "/jobs/{customer}/discard/", {}),
    ("bulk:cancel", "post", "/jobs/{phone_running}/cancel/", {}),
    ("bulk:cancel", "post", "/jobs/{customer_running}/cancel/", {}),
    ("bulk:retry", "post", "/jobs/{phone_running}/retry/", {}),
    ("bulk:retry", "post", "/jobs/{customer_running}/retry/", {}),
    ("bulk:retry_later", "post", "/jobs/{phone_running}/retry-later/", {"minutes": "5"}),
    ("bulk:retry_later", "post", "/jobs/{customer_running}/retry-later/", {"minutes": "5"}),
    ("audit:index", "get", "/audit/", None),
    ("audit:export", "get", "/audit/export.csv", None),
]

CUSTOMER_ACTIONS = {
    path
    for _name, _method, path, _data in ACTIONS
    if "{customer" in path or path.startswith("/customers/")
}
CHANGES = {"post"}
READ_JOB = {"bulk:detail", "bulk:export"}  # auditors may read any job's results, never change them

# Naming a campaign is the admins' alone: every supervisor reads campaigns by their names.
ADMIN_ACTIONS = CUSTOMER_ACTIONS | {"/campaigns/00001/name/"}

# What each role may NOT do (403 expected); everything else in ACTIONS must not be a 403.
FORBIDDEN = {
    "outsider": {(name, method, path) for name, method, path, _data in ACTIONS},
    "auditor": {
        (name, method, path)
        for name, method, path, _data in ACTIONS
        if not name.startswith("audit:") and name != "home" and name not in READ_JOB
    },
    # Customer deletion is the admins' alone: supervisors may not even read those jobs.
    "supervisor": {
        (name, method, path) for name, method, path, _data in ACTIONS if path in ADMIN_ACTIONS
    },
    "admin_member": set(),
}


def test_the_action_list_covers_every_dashboard_view():
    routed = {
        f"{namespace}:{pattern.name}" if namespace else pattern.name
        for namespace, pattern in _patterns(get_resolver())
        if namespace not in PUBLIC_NAMESPACES and pattern.name not in PUBLIC_VIEWS
    }
    covered = {name for name, _method, _path, _data in ACTIONS}
    # Reading one entry of the audit log is covered in tests/audit; logging out by anyone.
    assert routed - covered <= {"audit:detail", "logout"}, sorted(routed - covered)


@pytest.mark.django_db
@pytest.mark.parametrize("role", sorted(FORBIDDEN))
def test_each_role_gets_403_for_what_it_may_not_do_and_nothing_happens(
    role, request, client, supervisor, admin_member, thulium
):
    user = request.getfixturevalue(role)
    jobs = {
        "phone": phone_job(supervisor),
        "customer": customer_job(admin_member),
        "phone_running": phone_job(supervisor),
        "customer_running": customer_job(admin_member),
    }
    for key in ("phone_running", "customer_running"):
        # Started (audited once each), but with no worker: they stay queued.
        owner = supervisor if key.startswith("phone") else admin_member
        assert bulk_job_start(job=jobs[key], user=owner)
    ids = {key: job.pk for key, job in jobs.items()}
    client.force_login(user)

    refused = []
    for name, method, path, data in ACTIONS:
        url = path.format(**ids)
        states = dict(BulkJob.objects.values_list("pk", "state"))
        audit_entries = AuditEntry.objects.count()
        response = getattr(client, method)(url, data) if data is not None else client.get(url)
        forbidden = (name, method, path) in FORBIDDEN[role]
        if forbidden:
            # require_GET answers a POST with 405 before asking who you are; both refuse.
            assert response.status_code in (403, 405), (role, method, url, response.status_code)
            refused.append((method, url))
        else:
            assert response.status_code != 403, (role, method, url)
        if forbidden and method in CHANGES:
            assert dict(BulkJob.objects.values_list("pk", "state")) == states, (method, url)
            assert AuditEntry.objects.count() == audit_entries, (method, url)
    if role == "outsider":
        assert thulium.calls == [], "an outsider's request reached Thulium"
    assert refused or role == "admin_member"
