"""Who may read the audit log, and that nobody can change it through the web."""

from __future__ import annotations

import pytest
from django.urls import reverse

from thuladmin.audit.models import AuditEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def entry(make_entry):
    return make_entry(target="600100200", api_message="original")


def urls(entry) -> list[str]:
    return [
        reverse("audit:index"),
        reverse("audit:detail", args=[entry.pk]),
        reverse("audit:export"),
    ]


def test_anonymous_users_are_sent_to_login(client, entry):
    for url in urls(entry):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("login")), url


def test_users_without_a_role_are_refused(client, outsider, entry):
    client.force_login(outsider)

    for url in urls(entry):
        assert client.get(url).status_code == 403, url


def test_outsiders_see_no_audit_link(client, outsider):
    client.force_login(outsider)

    assert reverse("audit:index") not in client.get("/campaigns/").content.decode()


@pytest.mark.parametrize("role", ["supervisor", "auditor", "admin_member"])
def test_supervisors_auditors_and_admins_read_the_log(client, entry, role, request):
    client.force_login(request.getfixturevalue(role))

    for url in urls(entry):
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_no_page_changes_or_deletes_entries(client, admin_member, entry, method):
    client.force_login(admin_member)

    for url in urls(entry):
        response = getattr(client, method)(url, {"api_message": "changed"})
        assert response.status_code == 405, (method, url)

    entry.refresh_from_db()
    assert entry.api_message == "original"
    assert AuditEntry.objects.count() == 1
