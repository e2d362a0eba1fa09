"""Every page and htmx endpoint needs a login; the sandbox API needs Thulium's credentials."""

from __future__ import annotations

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

SAMPLE_VALUES = {
    "int": "1",
    "str": "00001",
    "path": "x",
    "slug": "x",
    "uuid": "0" * 32,
    "campaign_id": "00001",
    "not_campaign_id": "bad-id",
}
PUBLIC = {"/accounts/login/", "/i18n/setlang/", "/healthz"}


def _routes(resolver: URLResolver, prefix: str = "") -> list[str]:
    urls = []
    for pattern in resolver.url_patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            urls += _routes(pattern, route)
        elif isinstance(pattern, URLPattern):
            urls.append(route)
    return urls


def _sample_url(route: str) -> str:
    import re

    route = route.lstrip("^").rstrip("$").replace("\\Z", "")
    route = re.sub(r"<(?:(\w+):)?\w+>", lambda m: SAMPLE_VALUES[m.group(1) or "str"], route)
    return "/" + route


def _app_urls() -> list[str]:
    return sorted(
        {
            _sample_url(route)
            for route in _routes(get_resolver())
            if not route.startswith(("admin/", "sandbox/", "^static")) and "(?P" not in route
        }
        - PUBLIC
    )


def test_the_walk_finds_the_pages():
    urls = _app_urls()
    assert "/campaigns/" in urls
    assert "/campaigns/00001/" in urls
    assert len(urls) >= 4


@pytest.mark.django_db
@pytest.mark.parametrize("url", _app_urls())
@pytest.mark.parametrize("method", ["get", "post"])
def test_anonymous_visitors_are_sent_to_log_in(client, url, method):
    response = getattr(client, method)(url)
    assert response.status_code == 302, url
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.django_db
@pytest.mark.parametrize("url", _app_urls())
def test_anonymous_htmx_requests_load_the_login_page_whole(client, url):
    response = client.get(url, headers={"HX-Request": "true"})
    assert response.status_code == 200, url
    assert response["HX-Redirect"].startswith("/accounts/login/")
    assert response.content == b""


@pytest.mark.django_db
def test_sandbox_api_wants_basic_auth_not_a_session(client):
    response = client.get("/sandbox/api/outbounds/stats")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Basic")


@pytest.mark.django_db
def test_login_page_is_public(client):
    assert client.get("/accounts/login/").status_code == 200


@pytest.mark.django_db
def test_language_can_be_switched_before_logging_in(client):
    response = client.post("/i18n/setlang/", {"language": "pl", "next": "/accounts/login/"})
    assert response.status_code == 302
    assert response.cookies["django_language"].value == "pl"
