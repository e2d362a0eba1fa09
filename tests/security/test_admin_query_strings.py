"""Django's admin lists: a NUL in the query string or a year past the calendar is a bad request
or a filter error, never a server error (PostgreSQL refuses NULs in text)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser_client(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("root", password="pw-root"))
    return client


@pytest.mark.parametrize(
    "path", ["/admin/auth/user/", "/admin/audit/auditentry/", "/admin/sandbox/record/"]
)
def test_a_nul_in_an_admin_query_string_is_a_bad_request(superuser_client, path):
    response = superuser_client.get(path, {"q": "a\x00b"})

    assert response.status_code == 400
    assert "This request could not be read" in response.content.decode()


def test_the_projects_own_pages_explain_a_nul_in_their_forms(superuser_client):
    response = superuser_client.get("/audit/", {"q": "a\x00b"})

    assert response.status_code == 200
    assert "Null characters are not allowed." in response.content.decode()


@pytest.mark.parametrize(
    "query",
    [
        {"created_at__year": "99999999999999999999"},
        {"created_at__year": "9999", "created_at__month": "12"},
        {"created_at__year": "1"},
    ],
)
def test_a_date_hierarchy_year_past_the_calendar_is_a_filter_error(superuser_client, query):
    response = superuser_client.get("/admin/audit/auditentry/", query)

    assert response.status_code == 302
    assert response["Location"].endswith("?e=1")
