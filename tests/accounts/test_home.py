import pytest


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("user_fixture", "expected"),
    [("supervisor", "/campaigns/"), ("admin_member", "/campaigns/"), ("auditor", "/audit/")],
)
def test_home_leads_each_role_to_a_page_it_may_open(
    request, client, settings, user_fixture, expected
):
    # No Thulium answers here: the campaigns page says so at once instead of retrying.
    settings.THULIUM_MAX_RETRIES = 0
    client.force_login(request.getfixturevalue(user_fixture))
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == expected
    assert client.get(expected).status_code == 200


@pytest.mark.django_db
def test_home_refuses_a_user_in_no_role(client, outsider):
    client.force_login(outsider)
    assert client.get("/").status_code == 403


@pytest.mark.django_db
def test_logging_in_lands_an_auditor_on_the_audit_log(client, auditor):
    response = client.post("/accounts/login/", {"username": "auditor", "password": "pw-auditor"})
    assert response.status_code == 302
    assert client.get(response["Location"], follow=True).request["PATH_INFO"] == "/audit/"
