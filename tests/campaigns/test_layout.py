"""The shared layout (base.html), the login page and the error pages."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse

pytestmark = pytest.mark.django_db

TEMPLATES_DIR = Path(settings.BASE_DIR) / "templates"


def test_login_page_renders_the_form(client):
    response = client.get(reverse("login"))

    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="username"' in html
    assert 'autocomplete="current-password"' in html
    assert '<html lang="en">' in html
    assert "Log out" not in html


def test_login_page_shows_a_failed_login_clearly(client, django_user_model):
    django_user_model.objects.create_user(username="anna", password="right-password-1")

    response = client.post(reverse("login"), {"username": "anna", "password": "wrong"})

    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="notice notice-error" role="alert"' in html
    assert "Please enter a correct username and password" in html


def test_login_then_lands_on_the_home_page(client, django_user_model):
    django_user_model.objects.create_user(username="anna", password="right-password-1")

    response = client.post(reverse("login"), {"username": "anna", "password": "right-password-1"})

    assert response.status_code == 302
    assert response["Location"] == reverse("home")


def test_layout_for_a_supervisor(supervisor_client, thulium):
    thulium.get(f"{settings.THULIUM_URL}outbounds/stats", json=[])

    html = supervisor_client.get(reverse("campaigns:index")).content.decode()

    assert f'href="{reverse("campaigns:index")}" aria-current="page"' in html
    assert reverse("customers:index") not in html  # supervisors do not delete customers
    assert f'action="{reverse("logout")}"' in html
    assert f'action="{reverse("set_language")}"' in html
    assert 'name="language" value="pl"' in html
    assert "anna" in html
    assert 'hx-headers=\'{"X-CSRFToken": "' in html
    assert "/static/vendor/htmx-2.0.11/htmx.min.js" in html
    assert "/static/vendor/pico-2.1.1/pico.min.css" in html


def test_layout_offers_customers_to_admins(client, django_user_model, thulium):
    thulium.get(f"{settings.THULIUM_URL}outbounds/stats", json=[])
    client.force_login(django_user_model.objects.create_superuser(username="root", password="x"))

    html = client.get(reverse("campaigns:index")).content.decode()

    assert f'href="{reverse("customers:index")}"' in html


def test_customers_page_offers_the_paste_form(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser(username="root", password="x"))

    response = client.get(reverse("customers:index"))

    assert response.status_code == 200
    html = response.content.decode()
    assert "Delete customers" in html
    assert 'name="text"' in html


def test_language_switch_changes_the_page_language(supervisor_client):
    response = supervisor_client.post(
        reverse("set_language"), {"language": "pl", "next": reverse("customers:index")}
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("customers:index")
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "pl"


def test_messages_are_shown_as_flash_notices(rf):
    from django.contrib.messages import constants
    from django.contrib.messages.storage.base import Message

    html = render_to_string(
        "includes/messages.html",
        {
            "messages": [
                Message(constants.SUCCESS, "Saved <b>it</b>"),
                Message(constants.ERROR, "No"),
            ]
        },
    )

    assert '<p class="notice notice-success" role="status">Saved &lt;b&gt;it&lt;/b&gt;</p>' in html
    assert '<p class="notice notice-error" role="alert">No</p>' in html


@pytest.mark.parametrize("template_name", ["500.html", "403_csrf.html"])
def test_pages_rendered_without_a_request_need_no_context_processors(template_name):
    html = render_to_string(template_name)

    assert "<html" in html
    assert "pico.min.css" in html


def test_403_and_404_pages_render_for_anonymous_users():
    request = RequestFactory().get("/nowhere/")
    from django.contrib.auth.models import AnonymousUser

    request.user = AnonymousUser()

    assert "Page not found" in render_to_string("404.html", request=request)
    assert "You may not open this page" in render_to_string("403.html", request=request)


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\ssrc=)[^>]*>", re.IGNORECASE)
INLINE_STYLE = re.compile(r"<style\b|\sstyle=", re.IGNORECASE)
INLINE_HANDLER = re.compile(r"\son[a-z]+=|\shx-on", re.IGNORECASE)


@pytest.mark.parametrize(
    "template", sorted(TEMPLATES_DIR.rglob("*.html")), ids=lambda path: path.name
)
def test_templates_have_no_inline_script_or_style(template):
    """A Content-Security-Policy of 'self' must be able to hold: no inline code or styles."""
    text = template.read_text()

    assert not INLINE_SCRIPT.search(text)
    assert not INLINE_STYLE.search(text)
    assert not INLINE_HANDLER.search(text)
