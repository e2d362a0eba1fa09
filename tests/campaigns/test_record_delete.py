"""Deleting one record: a confirmation step, then one DELETE, explained and audited."""

from __future__ import annotations

import html as html_lib

import pytest
import requests
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from campaigns.models import CampaignSnapshot, SnapshotRecord
from tests.campaigns.conftest import THULIUM_PASSWORD, THULIUM_URL
from thuladmin.audit.models import AuditEntry

pytestmark = pytest.mark.django_db

CAMPAIGN = "00001"
IDENTIFIER = "1234567800"
DELETE_URL = f"{THULIUM_URL}outbounds/{CAMPAIGN}/records_by_identifier/{IDENTIFIER}"
IN_A_CALL = (
    "This record is in a call right now, so Thulium did not delete it. "
    "Try again when the call ends."
)


def delete_url(campaign_id: str = CAMPAIGN, identifier: str = IDENTIFIER) -> str:
    return reverse("campaigns:record_delete", args=[campaign_id, identifier])


def htmx() -> dict[str, str]:
    return {"hx-request": "true"}


def deletes(thulium) -> list:
    return [call for call in thulium.calls if call.request.method == "DELETE"]


# --- the confirmation step ----------------------------------------------------------------------


def test_get_asks_for_confirmation_and_sends_nothing(supervisor_client, thulium):
    response = supervisor_client.get(delete_url())

    assert response.status_code == 200
    html = response.content.decode()
    assert f'Delete record <code class="identifier"><bdi>{IDENTIFIER}</bdi></code>' in html
    assert f"from campaign {CAMPAIGN}?" in html
    assert f'<form method="post" action="{delete_url()}"' in html
    assert f'hx-post="{delete_url()}"' in html
    assert 'hx-disabled-elt="find button"' in html
    cancel = reverse("campaigns:record_edit", args=[CAMPAIGN, IDENTIFIER])
    assert f'href="{cancel}" role="button"' in html
    assert len(thulium.calls) == 0


def test_the_edit_page_links_here(supervisor_client, thulium):
    thulium.get(f"{THULIUM_URL}outbounds/{CAMPAIGN}/statuses", json=[])
    thulium.get(f"{THULIUM_URL}outbounds/{CAMPAIGN}/agents", json=[])

    html = supervisor_client.get(
        reverse("campaigns:record_edit", args=[CAMPAIGN, IDENTIFIER])
    ).content.decode()

    assert f'href="{delete_url()}"' in html


def test_hostile_identifier_is_escaped_on_the_confirmation(supervisor_client, thulium):
    identifier = '"><img src=x onerror=alert(1)>'

    response = supervisor_client.get(delete_url(identifier=identifier))

    html = response.content.decode()
    assert response.status_code == 200
    assert "<img src=x" not in html
    assert "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;" in html
    assert len(thulium.calls) == 0


def test_unicode_identifier_is_named_as_it_is(supervisor_client, thulium):
    identifier = "zażółć-\U0001f600-\u05e9\u05dc\u05d5\u05dd"

    html = supervisor_client.get(delete_url(identifier=identifier)).content.decode()

    assert f"<bdi>{identifier}</bdi>" in html


# --- deleting -----------------------------------------------------------------------------------


def test_post_deletes_and_goes_back_to_the_campaign(supervisor_client, supervisor, thulium):
    call = thulium.delete(DELETE_URL, status=200, body="")

    response = supervisor_client.post(delete_url())

    assert call.call_count == 1
    assert deletes(thulium)[0].request.body is None
    assert response.status_code == 302
    assert response["Location"] == reverse("campaigns:detail", args=[CAMPAIGN])
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        f"Record “{IDENTIFIER}” was deleted from campaign {CAMPAIGN}."
    ]
    entry = AuditEntry.objects.get()
    assert entry.action == "record.delete"
    assert entry.outcome == AuditEntry.Outcome.SUCCESS
    assert entry.actor == supervisor
    assert entry.campaign_id == CAMPAIGN
    assert entry.target == IDENTIFIER
    assert entry.request == {}


def test_htmx_post_is_told_where_to_go(supervisor_client, thulium):
    thulium.delete(DELETE_URL, status=204)

    response = supervisor_client.post(delete_url(), headers=htmx())

    assert response.status_code == 200
    assert response["HX-Redirect"] == reverse("campaigns:detail", args=[CAMPAIGN])


@pytest.mark.parametrize(
    "answer",
    [
        {
            "status": 409,
            "json": {
                "request_id": "abc",
                "errors": [{"message": "Record is in a call and cannot be deleted.", "code": 4091}],
            },
        },
        {"status": 400, "json": {"errors": [{"message": "Record has an active call."}]}},
        {"status": 409, "body": ""},
        {
            "status": 409,
            "json": {
                "errors": [{"message": "Rekord jest w trakcie rozmowy i nie może zostać usunięty."}]
            },
        },
    ],
    ids=["409", "400-mentions-a-call", "409-empty", "409-polish"],
)
def test_a_record_in_a_call_is_explained(supervisor_client, thulium, answer):
    thulium.delete(DELETE_URL, **answer)

    response = supervisor_client.post(delete_url())

    assert response.status_code == 200
    html = response.content.decode()
    assert IN_A_CALL in html
    assert "Try again" in html
    assert f'action="{delete_url()}"' in html  # the button is still there
    entry = AuditEntry.objects.get()
    assert entry.action == "record.delete"
    assert entry.outcome == AuditEntry.Outcome.FAILURE
    assert entry.http_status == answer["status"]


def test_in_a_call_with_htmx_renders_the_fragment(supervisor_client, thulium):
    thulium.delete(
        DELETE_URL,
        status=409,
        json={"errors": [{"message": "Record is in a call and cannot be deleted."}]},
    )

    response = supervisor_client.post(delete_url(), headers=htmx())

    html = response.content.decode().strip()
    assert html.startswith('<article id="record-delete"')
    assert "<html" not in html
    assert "<nav" not in html
    assert IN_A_CALL in html
    assert "Record is in a call and cannot be deleted." in html
    assert "HX-Request" in response["Vary"]


def test_unknown_identifier_is_not_found(supervisor_client, thulium):
    thulium.delete(DELETE_URL, status=404, json={"errors": [{"message": "Record not found."}]})

    response = supervisor_client.post(delete_url())

    html = html_lib.unescape(response.content.decode())
    assert f"Not found: Thulium has no record “{IDENTIFIER}” in campaign {CAMPAIGN}" in html
    assert "Record not found." in html
    assert 'class="button-danger"' not in html  # nothing left to delete
    assert AuditEntry.objects.get().http_status == 404


@pytest.mark.parametrize(
    ("answer", "shown"),
    [
        (
            {"status": 401, "json": {"errors": [{"message": "Authentication failed."}]}},
            "Thulium refused the API credentials",
        ),
        (
            {"status": 400, "json": {"errors": [{"message": "Campaign is archived."}]}},
            "Campaign is archived.",
        ),
        ({"status": 503, "body": "Service Unavailable"}, "Thulium is unavailable right now"),
        (
            {"status": 502, "body": "Bad Gateway"},
            "the record may have been deleted anyway",
        ),
        ({"body": requests.exceptions.ReadTimeout()}, "the record may have been deleted anyway"),
        (
            {"status": 400, "json": {"errors": [{"message": "<img src=x onerror=alert(1)>"}]}},
            "&lt;img src=x onerror=alert(1)&gt;",
        ),
    ],
    ids=["401", "400", "503", "502", "timeout", "hostile-message"],
)
def test_other_errors_show_thuliums_message(supervisor_client, thulium, answer, shown):
    thulium.delete(DELETE_URL, **answer)

    response = supervisor_client.post(delete_url())

    assert response.status_code == 200
    html = response.content.decode()
    assert shown in html
    assert IN_A_CALL not in html
    assert "<img src=x" not in html
    assert THULIUM_PASSWORD not in html
    assert AuditEntry.objects.get().outcome == AuditEntry.Outcome.FAILURE


# --- refused before sending ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/campaigns/00001/records/../delete/",
        "/campaigns/00001/records/%00/delete/",
        f"/campaigns/00001/records/{'1' * 201}/delete/",
        "/campaigns/0001/records/123/delete/",
    ],
    ids=["dot-dot", "nul", "too-long", "bad-campaign"],
)
def test_impossible_addresses_are_never_sent(supervisor_client, thulium, path):
    assert supervisor_client.get(path).status_code == 404
    response = supervisor_client.post(path)

    assert response.status_code == 404
    assert "Not a record" in response.content.decode()
    assert len(thulium.calls) == 0
    assert not AuditEntry.objects.exists()


def test_anonymous_users_are_sent_to_login(client, thulium):
    response = client.post(delete_url())

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert len(thulium.calls) == 0


def test_users_without_a_role_are_refused(user_without_role_client, thulium):
    assert user_without_role_client.get(delete_url()).status_code == 403
    assert user_without_role_client.post(delete_url()).status_code == 403
    assert len(thulium.calls) == 0


def test_delete_method_itself_is_refused(supervisor_client, thulium):
    assert supervisor_client.delete(delete_url()).status_code == 405
    assert len(thulium.calls) == 0


def test_a_deletion_keeps_the_record_s_phone_from_the_snapshot(supervisor_client, thulium):
    snapshot = CampaignSnapshot.objects.create(
        campaign_id=CAMPAIGN,
        state=CampaignSnapshot.State.READY,
        is_current=True,
        finished_at=timezone.now(),
    )
    SnapshotRecord.objects.create(
        snapshot=snapshot,
        record_id="12",
        identifier=IDENTIFIER,
        phone_number="+48 516 659 233",
        phone_normalised="516659233",
    )
    thulium.delete(DELETE_URL, status=204)

    supervisor_client.post(delete_url())

    entry = AuditEntry.objects.get()
    assert entry.phone == "516659233"
    assert list(AuditEntry.objects.filtered(item="516-659-233")) == [entry]
