"""A campaign's name in the dashboard: the model, the service and its audit entries, the form
and its view (admins only, plain and htmx), the label on the pages, and the demo's names."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.template import Context, Template
from django.urls import reverse

from campaigns.models import CampaignName
from campaigns.names import (
    CAMPAIGN_NAME_ACTION,
    CampaignNameForm,
    CampaignNameTooLong,
    campaign_name_set,
    campaign_names_seed,
)
from campaigns.services import recent_campaign_record
from tests.campaigns.test_campaign_pages import STATS_URL, add_statuses, detail_url
from thuladmin.accounts.roles import Role
from thuladmin.audit.models import AuditEntry
from thuladmin.audit.registry import action_label, change_table
from thuladmin.campaign_labels import campaign_label, campaign_name, campaign_names_forget
from thuladmin.sandbox.models import Campaign
from thuladmin.thulium.errors import InvalidArgument

pytestmark = pytest.mark.django_db

NAME = "Odnowienia umów — listopad"


def name_url(campaign_id: str = "00001") -> str:
    return reverse("campaigns:campaign_name", args=[campaign_id])


@pytest.fixture
def admin(django_user_model):
    user = django_user_model.objects.create_user(username="adam", password="not-used-here")
    user.groups.add(Group.objects.get_or_create(name=Role.ADMINS)[0])
    return user


@pytest.fixture
def admin_client(client, admin):
    client.force_login(admin)
    return client


@pytest.fixture(autouse=True)
def _names_read_afresh():
    # Outside a request nothing is kept, but a test that renders a template after another
    # test's rollback must not see its names: start and end with none kept.
    campaign_names_forget()
    yield
    campaign_names_forget()


def entries() -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=CAMPAIGN_NAME_ACTION).order_by("pk"))


# --- the model ---------------------------------------------------------------------------------


def test_one_name_per_campaign():
    CampaignName.objects.create(campaign_id="00001", name=NAME)

    with pytest.raises(IntegrityError), transaction.atomic():
        CampaignName.objects.create(campaign_id="00001", name="Another")


def test_the_database_refuses_a_blank_name():
    with pytest.raises(IntegrityError), transaction.atomic():
        CampaignName.objects.create(campaign_id="00001", name="")


# --- the service -------------------------------------------------------------------------------


def test_setting_a_name_keeps_it_trimmed_and_audits_before_and_after(admin):
    row = campaign_name_set(
        actor=admin, campaign_id="00001", name="  Odnowienia   umów —\tlistopad "
    )

    assert row is not None
    assert row.name == NAME
    assert row.updated_by == admin
    (entry,) = entries()
    assert entry.actor == admin
    assert entry.campaign_id == "00001"
    assert entry.outcome == AuditEntry.Outcome.SUCCESS
    assert entry.before == {"name": ""}
    assert entry.request == {"name": NAME}
    assert action_label(entry.action) == "Campaign named"


def test_changing_and_clearing_a_name_are_audited(admin):
    campaign_name_set(actor=admin, campaign_id="00001", name="Old")
    campaign_name_set(actor=admin, campaign_id="00001", name=NAME)
    cleared = campaign_name_set(actor=admin, campaign_id="00001", name="   ")

    assert cleared is None
    assert not CampaignName.objects.exists()
    assert [(e.before, e.request) for e in entries()] == [
        ({"name": ""}, {"name": "Old"}),
        ({"name": "Old"}, {"name": NAME}),
        ({"name": NAME}, {"name": ""}),
    ]


def test_the_same_name_again_changes_nothing_and_writes_no_entry(admin):
    campaign_name_set(actor=admin, campaign_id="00001", name=NAME)
    campaign_name_set(actor=admin, campaign_id="00001", name=f" {NAME} ")
    campaign_name_set(actor=admin, campaign_id="00002", name="")  # no name to clear

    assert len(entries()) == 1


def test_a_name_too_long_or_a_campaign_id_that_is_none_is_refused(admin):
    with pytest.raises(CampaignNameTooLong):
        campaign_name_set(actor=admin, campaign_id="00001", name="x" * 101)
    with pytest.raises(InvalidArgument):
        campaign_name_set(actor=admin, campaign_id="../01", name=NAME)

    assert not CampaignName.objects.exists()
    assert entries() == []


def test_a_name_change_reads_in_words_on_its_entry(admin):
    campaign_name_set(actor=admin, campaign_id="00001", name=NAME)
    campaign_name_set(actor=admin, campaign_id="00001", name="")

    named, cleared = (change_table(entry) for entry in entries())

    assert [(row.field, row.before, row.sent) for row in named.rows] == [
        ("Name", "(no name)", NAME)
    ]
    assert [(row.before, row.sent) for row in cleared.rows] == [(NAME, "(no name)")]


# --- the form ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"name": ""}, "Type a name, or clear the campaign's name with “Clear the name”."),
        ({"name": "   "}, "Type a name, or clear the campaign's name with “Clear the name”."),
        ({"name": "x" * 101}, "A name is at most 100 characters; this one has 101."),
    ],
)
def test_the_form_says_what_is_wrong_with_a_name(data, error):
    form = CampaignNameForm(data)

    assert not form.is_valid()
    assert form.errors["name"] == [error]


def test_the_form_counts_a_name_as_it_will_be_kept():
    form = CampaignNameForm({"name": "  " + "x " * 50 + "   "})  # 99 characters kept

    assert form.is_valid()
    assert len(form.cleaned_data["name"]) == 99


def test_the_form_clears_with_its_own_button():
    form = CampaignNameForm({"name": "whatever", "clear": "1"})

    assert form.is_valid()
    assert form.cleaned_data["name"] == ""


# --- the view: who may, plain and htmx ---------------------------------------------------------


def test_an_admin_names_a_campaign_and_is_sent_back_to_its_page(admin_client, admin):
    response = admin_client.post(name_url(), {"name": NAME})

    assert response.status_code == 302
    assert response["Location"] == detail_url() + "#campaign-name"
    assert CampaignName.objects.get(campaign_id="00001").name == NAME
    assert entries()[0].actor == admin


def test_an_admin_clears_a_name(admin_client, admin):
    campaign_name_set(actor=admin, campaign_id="00001", name=NAME)

    admin_client.post(name_url(), {"name": NAME, "clear": "1"})

    assert not CampaignName.objects.exists()


@pytest.mark.parametrize("role", ["supervisor", "auditor"])
def test_supervisors_and_auditors_may_not_name_a_campaign(role, request, client):
    client.force_login(request.getfixturevalue(role))

    for headers in ({}, {"HX-Request": "true"}):
        response = client.post(name_url(), {"name": NAME}, headers=headers)
        assert response.status_code == 403
    assert not CampaignName.objects.exists()
    assert entries() == []


def test_the_name_is_posted_only(admin_client):
    assert admin_client.get(name_url()).status_code == 405


def test_the_htmx_post_renders_the_heading_and_the_form(admin_client):
    response = admin_client.post(name_url(), {"name": NAME}, headers={"HX-Request": "true"})

    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith(f"<title>Campaign 00001 · {NAME} · thuladmin</title>")
    assert f'id="campaign-breadcrumb" hx-swap-oob="true">00001 · {NAME}</span>' in html
    assert '<div id="campaign-name"' in html
    assert "<html" not in html
    assert f'<span class="campaign-name-text">{NAME}</span>' in html
    assert f'value="{NAME}"' in html
    assert "Clear the name" in html


def test_a_refused_htmx_post_says_why_next_to_the_field(admin_client):
    response = admin_client.post(name_url(), {"name": " "}, headers={"HX-Request": "true"})

    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="campaign-name"')  # nothing else changes
    assert '<small class="field-error" id="id_name_error">Type a name' in html
    assert '<details class="campaign-name-edit" open>' in html
    assert not CampaignName.objects.exists()


def test_a_refused_plain_post_is_said_on_the_page_once(admin_client, thulium):
    add_statuses(thulium)

    response = admin_client.post(name_url(), {"name": "x" * 120}, follow=True)

    html = response.content.decode()
    assert "A name is at most 100 characters; this one has 120." in html
    assert f'value="{"x" * 120}"' in html
    again = admin_client.get(detail_url()).content.decode()
    assert "A name is at most 100 characters" not in again


def test_the_campaign_page_shows_the_name_and_the_form_to_admins_only(
    admin_client, admin, supervisor, thulium
):
    add_statuses(thulium)
    campaign_name_set(actor=admin, campaign_id="00001", name=NAME)

    admin_html = admin_client.get(detail_url()).content.decode()
    admin_client.force_login(supervisor)
    supervisor_html = admin_client.get(detail_url()).content.decode()

    for html in (admin_html, supervisor_html):
        assert f"<title>Campaign 00001 · {NAME}" in html
        assert f'<span class="campaign-name-text">{NAME}</span>' in html
    assert f'action="{name_url()}"' in admin_html
    assert "campaign-name-form" not in supervisor_html
    assert name_url() not in supervisor_html


def test_the_polish_campaign_page_offers_the_form_in_polish(admin_client, thulium):
    add_statuses(thulium)
    admin_client.cookies["django_language"] = "pl"

    html = admin_client.get(detail_url()).content.decode()

    assert "Nadaj kampanii nazwę" in html
    assert "Zapisz nazwę" in html


# --- the label ---------------------------------------------------------------------------------


def test_the_label_is_the_id_and_the_name_or_the_id_alone(admin):
    campaign_name_set(actor=admin, campaign_id="00001", name=NAME)

    assert campaign_label("00001") == f"00001 · {NAME}"
    assert campaign_label("00002") == "00002"
    assert campaign_label("") == ""
    assert campaign_name("00001") == NAME
    template = Template(
        "{% load campaign_labels %}{{ a|campaign_label }}|{{ b|campaign_label }}|"
        "{{ a|campaign_name }}|{{ ids|campaign_labels }}"
    )
    rendered = template.render(Context({"a": "00001", "b": "00002", "ids": "00001, 00002"}))
    assert rendered == f"00001 · {NAME}|00002|{NAME}|00001 · {NAME}, 00002"


def test_a_name_is_escaped_on_the_page(admin, supervisor_client, thulium):
    add_statuses(thulium)
    campaign_name_set(actor=admin, campaign_id="00001", name="<b>bold</b>")

    html = supervisor_client.get(detail_url()).content.decode()

    assert "&lt;b&gt;bold&lt;/b&gt;" in html
    assert "<b>bold</b>" not in html


def test_the_index_labels_every_campaign_in_one_query(
    admin, supervisor_client, supervisor, thulium, django_assert_num_queries
):
    ids = ("00001", "00002", "00003")
    thulium.get(STATS_URL, json=[{"id": cid, "records_count": 5} for cid in ids])
    for campaign_id in ids:
        recent_campaign_record(user=supervisor, campaign_id=campaign_id)
        campaign_name_set(actor=admin, campaign_id=campaign_id, name=f"Name {campaign_id}")

    # Session, user, groups, recent campaigns, the campaigns' names (one query
    # for six labels), the header's count of the user's jobs needing attention.
    with django_assert_num_queries(6):
        response = supervisor_client.get(reverse("campaigns:index"))

    html = response.content.decode()
    for campaign_id in ids:
        assert html.count(f">{campaign_id} · Name {campaign_id}</a>") == 2  # active and recent


# --- the demo's names --------------------------------------------------------------------------


def test_the_demo_names_fill_only_campaigns_without_one(admin):
    campaign_name_set(actor=admin, campaign_id="00002", name="Ours")

    named = campaign_names_seed(names={"00001": NAME, "00002": "Demo", "00003": "  "})

    assert named == ["00001"]
    assert CampaignName.objects.as_dict() == {"00001": NAME, "00002": "Ours"}
    assert len(entries()) == 1  # the admin's; setting up the demo is not a change


def test_the_seed_command_takes_the_sandbox_names(settings):
    settings.THULIUM_URL = ""
    settings.SANDBOX_ENABLED = True
    call_command("sandbox_seed", "--records", "20", "--customers", "5", stdout=io.StringIO())
    CampaignName.objects.create(campaign_id="00003", name="Kept")
    out = io.StringIO()

    call_command("campaign_names_seed", stdout=out)

    assert out.getvalue() == "Campaign names from the sandbox: 00001, 00002.\n"
    assert CampaignName.objects.as_dict() == {
        "00001": "Odnowienia umów — listopad",
        "00002": "Ankieta satysfakcji klientów",
        "00003": "Kept",
    }
    assert dict(Campaign.objects.values_list("campaign_id", "name"))["00003"] != "Kept"
    out = io.StringIO()
    call_command("campaign_names_seed", stdout=out)
    assert "every campaign has its name already" in out.getvalue()


def test_the_seed_command_names_nothing_with_a_real_thulium():
    # THULIUM_URL is set (tests/campaigns/conftest.py): the demo's names are not its campaigns'.
    call_command("sandbox_seed", "--records", "20", "--customers", "5", stdout=io.StringIO())
    out = io.StringIO()

    call_command("campaign_names_seed", stdout=out)

    assert "The sandbox is off" in out.getvalue()
    assert not CampaignName.objects.exists()
