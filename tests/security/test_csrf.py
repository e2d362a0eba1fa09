"""CSRF: every request that changes something is refused without the token, and changes nothing.

The test client skips CSRF checks unless asked; here it is asked (`enforce_csrf_checks=True`),
as a browser on another site would be treated. With the token (form field, or htmx's
`X-CSRFToken` header from base.html) the same requests go through.
"""

from __future__ import annotations

import uuid

import pytest
from django.test import Client

from tests.security.conftest import customer_job, phone_job
from thuladmin.audit.models import AuditEntry
from thuladmin.bulk.models import BulkJob
from thuladmin.bulk.services import bulk_job_start

# (path, data); {phone}/{customer}: draft jobs, {running}: a started phone job.
STATE_CHANGES = [
    ("/campaigns/00001/records/42/edit/", {"action": "send", "status_id": "3"}),
    ("/campaigns/00001/records/42/delete/", {}),
    ("/campaigns/00001/remove-numbers/", {"text": "600100200"}),
    ("/customers/", {"text": "13"}),
    ("/jobs/{phone}/start/", {"confirmation": "2"}),
    ("/jobs/{customer}/start/", {"confirmation": "2"}),
    ("/jobs/{phone}/discard/", {}),
    ("/jobs/{running}/cancel/", {}),
    ("/jobs/{running}/retry/", {}),
    ("/accounts/logout/", {}),
    ("/i18n/setlang/", {"language": "pl"}),
    ("/admin/auth/user/add/", {"username": "mallory", "password1": "x", "password2": "x"}),
]


@pytest.fixture
def csrf_client(admin_member) -> Client:
    admin_member.is_staff = admin_member.is_superuser = True
    admin_member.save()
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin_member)
    return client


def _jobs(admin_member) -> dict[str, int]:
    running = phone_job(admin_member)
    bulk_job_start(job=running, user=admin_member)
    return {
        "phone": phone_job(admin_member).pk,
        "customer": customer_job(admin_member).pk,
        "running": running.pk,
    }


@pytest.mark.django_db
def test_every_state_change_without_the_token_is_refused(csrf_client, admin_member, thulium):
    ids = _jobs(admin_member)
    jobs_before = dict(BulkJob.objects.values_list("pk", "state"))
    audit_before = AuditEntry.objects.count()

    for path, data in STATE_CHANGES:
        url = path.format(**ids)
        for headers in ({}, {"HTTP_HX_REQUEST": "true"}):
            response = csrf_client.post(url, {**data, "token": str(uuid.uuid4())}, **headers)
            assert response.status_code == 403, (url, headers, response.status_code)
            # Refused by the CSRF check (its own page), not by a permission check.
            assert "403_csrf.html" in [t.name for t in response.templates], url

    assert dict(BulkJob.objects.values_list("pk", "state")) == jobs_before
    assert AuditEntry.objects.count() == audit_before
    assert thulium.calls == []
    assert "_auth_user_id" in csrf_client.session, "logged out by a forged request"


@pytest.mark.django_db
def test_a_token_from_another_session_is_refused_too(csrf_client, admin_member, thulium):
    other = Client(enforce_csrf_checks=True)
    other.get("/accounts/login/")
    foreign_token = other.cookies["csrftoken"].value
    job = phone_job(admin_member)

    response = csrf_client.post(f"/jobs/{job.pk}/start/", {"csrfmiddlewaretoken": foreign_token})

    assert response.status_code == 403
    job.refresh_from_db()
    assert job.state == BulkJob.State.DRAFT


@pytest.mark.django_db
def test_with_the_token_the_same_requests_go_through(csrf_client, admin_member, thulium):
    ids = _jobs(admin_member)
    csrf_client.get("/campaigns/00001/remove-numbers/")  # sets the CSRF cookie
    token = csrf_client.cookies["csrftoken"].value

    # A form post (field) and an htmx post (header) each pass the check.
    response = csrf_client.post(
        "/campaigns/00001/remove-numbers/", {"text": "600100200", "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302
    response = csrf_client.post(
        f"/jobs/{ids['running']}/cancel/", HTTP_X_CSRFTOKEN=token, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert BulkJob.objects.get(pk=ids["running"]).state == BulkJob.State.CANCELLED
    response = csrf_client.post(
        f"/jobs/{ids['phone']}/start/", {"confirmation": "2", "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302
    assert BulkJob.objects.get(pk=ids["phone"]).state == BulkJob.State.QUEUED


@pytest.mark.django_db
def test_the_login_form_itself_is_protected(django_user_model):
    django_user_model.objects.create_user(username="anna", password="right-password-1")
    client = Client(enforce_csrf_checks=True)
    response = client.post("/accounts/login/", {"username": "anna", "password": "right-password-1"})
    assert response.status_code == 403
    assert "_auth_user_id" not in client.session
