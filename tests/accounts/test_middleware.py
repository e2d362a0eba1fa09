from django.urls import reverse


def test_expired_session_on_an_htmx_request_loads_the_login_page_whole(client):
    response = client.get(
        reverse("home"),
        headers={"HX-Request": "true", "HX-Current-URL": "http://testserver/jobs/5/?outcome=ERROR"},
    )

    assert response.status_code == 200
    assert response["HX-Redirect"] == reverse("login") + "?next=/jobs/5/%3Foutcome%3DERROR"
    assert response.content == b""


def test_htmx_login_redirect_never_points_at_another_site(client):
    response = client.get(
        reverse("home"),
        headers={"HX-Request": "true", "HX-Current-URL": "https://evil.example/steal"},
    )

    assert response["HX-Redirect"] == reverse("login") + "?next=/steal"


def test_plain_request_is_redirected_as_django_does(client):
    response = client.get(reverse("home"))

    assert response.status_code == 302
    assert response["Location"] == reverse("login") + "?next=/"
