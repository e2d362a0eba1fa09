from __future__ import annotations

import re

import pytest
import requests
import responses
from django.urls import reverse
from responses import matchers

from campaigns.models import RECENT_CAMPAIGNS_KEPT, RecentCampaign
from campaigns.services import recent_campaign_record
from tests.campaigns.conftest import THULIUM_PASSWORD, THULIUM_URL

pytestmark = pytest.mark.django_db

STATS_URL = f"{THULIUM_URL}outbounds/stats"
ACCEPTS_JSON = matchers.header_matcher({"Accept": "application/json"})

STATUSES = [
    {
        "system_status": "CALL",
        "status_id": "3",
        "dictionary_status_id": 2,
        "name": "Contact needed",
    },
    {
        "system_status": "NO_CALL",
        "status_id": "4",
        "dictionary_status_id": None,
        "name": "Not interested",
    },
]


def statuses_url(campaign_id: str) -> str:
    return f"{THULIUM_URL}outbounds/{campaign_id}/statuses"


def add_statuses(thulium, campaign_id="00001", body=None, language=None):
    match = [ACCEPTS_JSON]
    if language:
        match.append(matchers.header_matcher({"Accept-Language": language}))
    return thulium.get(
        statuses_url(campaign_id), json=STATUSES if body is None else body, match=match
    )


def detail_url(campaign_id="00001") -> str:
    return reverse("campaigns:detail", args=[campaign_id])


# --- access -----------------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/campaigns/", "/campaigns/00001/"])
def test_anonymous_users_are_sent_to_login(client, thulium, url):
    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert len(thulium.calls) == 0


@pytest.mark.parametrize("url", ["/campaigns/", "/campaigns/00001/"])
def test_users_without_the_supervisor_role_are_refused(user_without_role_client, thulium, url):
    response = user_without_role_client.get(url)

    assert response.status_code == 403
    assert "You may not open this page" in response.content.decode()
    assert len(thulium.calls) == 0


def test_pages_refuse_post(supervisor_client, thulium):
    assert supervisor_client.post("/campaigns/").status_code == 405
    assert supervisor_client.post(detail_url()).status_code == 405


# --- index ------------------------------------------------------------------------------------


def test_index_lists_active_campaigns_as_links(supervisor_client, thulium):
    thulium.get(
        STATS_URL,
        json=[
            {"id": "00001", "records_count": 1324, "completion_percent": 14.87},
            {"id": "00002", "records_count": 5, "completion_percent": 100},
        ],
        match=[ACCEPTS_JSON],
    )

    response = supervisor_client.get("/campaigns/")

    assert response.status_code == 200
    html = response.content.decode()
    assert f'href="{detail_url("00001")}"' in html
    assert f'href="{detail_url("00002")}"' in html
    assert "1,324" in html
    assert "14.9%" in html


def test_index_shows_the_error_and_keeps_the_id_form_when_stats_fail(supervisor_client, thulium):
    thulium.get(STATS_URL, status=503, body="Service Unavailable")

    response = supervisor_client.get("/campaigns/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "Thulium is unavailable right now, try again." in html
    assert 'name="campaign_id"' in html


def test_typed_campaign_id_redirects_to_the_campaign(supervisor_client, thulium):
    response = supervisor_client.get("/campaigns/", {"campaign_id": " 0000A "})

    assert response.status_code == 302
    assert response["Location"] == detail_url("0000A")
    assert len(thulium.calls) == 0


@pytest.mark.parametrize("typed", ["", "0001", "000001", "0000<", "../x", "ąęść1"])
def test_typed_campaign_id_is_checked(supervisor_client, thulium, typed):
    thulium.get(STATS_URL, json=[])

    response = supervisor_client.get("/campaigns/", {"campaign_id": typed})

    assert response.status_code == 200
    html = response.content.decode()
    assert 'aria-invalid="true"' in html
    assert 'id="id_campaign_id_error"' in html
    assert [call.request.url for call in thulium.calls] == [STATS_URL]


def test_index_query_count(supervisor_client, supervisor, thulium, django_assert_num_queries):
    thulium.get(STATS_URL, json=[])
    for campaign_id in ("00001", "00002", "00003"):
        recent_campaign_record(user=supervisor, campaign_id=campaign_id)

    # Session, user, the user's groups (once for the check and the menu), recent campaigns, the
    # header's count of the user's jobs needing attention.
    # (and the campaigns' names (once for every label on the page))
    with django_assert_num_queries(6):
        response = supervisor_client.get("/campaigns/")

    assert response.status_code == 200


# --- detail -----------------------------------------------------------------------------------


def test_detail_shows_statuses_with_their_meaning(supervisor_client, thulium):
    add_statuses(thulium)

    response = supervisor_client.get(detail_url())

    assert response.status_code == 200
    html = response.content.decode()
    assert "Contact needed" in html
    assert "Not interested" in html
    assert "<code>CALL</code>" in html
    assert "<code>NO_CALL</code>" in html
    assert "Do not call" in html
    assert response.context["snapshot"].statuses[0].meaning == "Call"
    assert f'href="{detail_url()}?refresh=1"' in html
    assert f'hx-get="{detail_url()}?refresh=1"' in html


def test_a_polish_reader_sees_statuses_in_words_and_codes_only_in_the_details_fold(
    supervisor_client, thulium
):
    add_statuses(thulium, language="pl")
    supervisor_client.cookies["django_language"] = "pl"

    html = supervisor_client.get(detail_url(), HTTP_ACCEPT_LANGUAGE="pl").content.decode()

    outside_the_fold = re.sub(r"<details.*?</details>", "", html, flags=re.S)
    assert "Dzwonić" in outside_the_fold
    assert "Nie dzwonić" in outside_the_fold
    for code in ("CALL", "NO_CALL", "Status id", "Dictionary status id", "System status"):
        assert code not in outside_the_fold
    fold = re.search(r"<details.*?</details>", html, flags=re.S).group(0)
    assert "<code>NO_CALL</code>" in fold


def test_detail_shows_an_undocumented_system_status_as_such(supervisor_client, thulium):
    add_statuses(thulium, body=[{"system_status": "NEW_THING", "status_id": 9, "name": "New"}])

    html = supervisor_client.get(detail_url()).content.decode()

    assert "Undocumented system status" in html
    assert "<code>NEW_THING</code>" in html


def test_detail_escapes_html_from_the_api(supervisor_client, thulium):
    add_statuses(
        thulium,
        body=[
            {
                "system_status": "<b>CALL</b>",
                "status_id": "<i>3</i>",
                "dictionary_status_id": None,
                "name": "<script>alert(1)</script>",
            }
        ],
    )

    html = supervisor_client.get(detail_url()).content.decode()

    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<b>CALL</b>" not in html
    assert "<i>3</i>" not in html


def test_statuses_are_cached_and_refresh_bypasses_the_cache(supervisor_client, thulium):
    call = add_statuses(thulium)

    assert supervisor_client.get(detail_url()).status_code == 200
    assert supervisor_client.get(detail_url()).status_code == 200
    assert call.call_count == 1

    response = supervisor_client.get(detail_url(), {"refresh": "1"})

    assert response.status_code == 200
    assert call.call_count == 2


def test_cache_is_kept_per_language(supervisor_client, thulium):
    english = add_statuses(thulium, language="en")
    polish = add_statuses(thulium, language="pl")

    supervisor_client.get(detail_url(), headers={"accept-language": "en"})
    supervisor_client.get(detail_url(), headers={"accept-language": "pl"})
    supervisor_client.get(detail_url(), headers={"accept-language": "pl"})

    assert english.call_count == 1
    assert polish.call_count == 1


def test_errors_are_not_cached(supervisor_client, thulium):
    failing = thulium.get(statuses_url("00001"), status=503)
    supervisor_client.get(detail_url())
    thulium.remove(failing)
    working = add_statuses(thulium)

    html = supervisor_client.get(detail_url()).content.decode()

    assert working.call_count == 1
    assert "Contact needed" in html


def test_htmx_request_gets_only_the_statuses_fragment(supervisor_client, thulium):
    add_statuses(thulium)

    response = supervisor_client.get(detail_url(), {"refresh": "1"}, headers={"hx-request": "true"})

    assert response.status_code == 200
    html = response.content.decode().strip()
    assert html.startswith('<section id="campaign-statuses"')
    assert html.endswith("</section>")
    assert "<html" not in html
    assert "<nav" not in html
    assert "Contact needed" in html
    assert "HX-Request" in response["Vary"]


def test_htmx_refresh_error_renders_inside_the_fragment(supervisor_client, thulium):
    thulium.get(statuses_url("00001"), status=503)

    response = supervisor_client.get(detail_url(), {"refresh": "1"}, headers={"hx-request": "true"})

    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert "Thulium is unavailable right now, try again." in html


# --- error states -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fake", "message"),
    [
        (
            {"status": 401, "json": {"errors": [{"message": "Bad credentials", "code": 1}]}},
            "Thulium refused the API credentials — check THULIUM_USER and THULIUM_PASSWORD.",
        ),
        (
            {"status": 404, "json": {"errors": [{"message": "Not found", "code": 2}]}},
            "Campaign 00009 does not exist in Thulium.",
        ),
        ({"status": 503, "body": "<html><title>Down</title></html>"}, "Thulium is unavailable"),
        ({"status": 429, "headers": {"Retry-After": "0"}}, "Thulium is unavailable"),
        ({"body": requests.exceptions.ReadTimeout()}, "Thulium is unavailable"),
        ({"body": requests.exceptions.ConnectionError()}, "Thulium is unavailable"),
        (
            {"status": 400, "json": {"errors": [{"message": "Campaign is archived.", "code": 3}]}},
            "Campaign is archived.",
        ),
        ({"status": 200, "body": "not json"}, "Thulium answered 200 with a body that is not JSON"),
    ],
    ids=["401", "404", "503", "429", "timeout", "no-connection", "400", "bad-body"],
)
def test_api_failures_render_a_message_not_a_500(supervisor_client, thulium, fake, message):
    thulium.get(statuses_url("00009"), **fake)

    response = supervisor_client.get(detail_url("00009"))

    assert response.status_code == 200
    html = response.content.decode()
    assert message in html
    assert 'class="notice notice-error"' in html
    assert "Traceback" not in html
    assert THULIUM_PASSWORD not in html
    assert not RecentCampaign.objects.exists()


def test_api_message_from_thulium_is_escaped(supervisor_client, thulium):
    thulium.get(
        statuses_url("00001"),
        status=400,
        json={"errors": [{"message": "<img src=x onerror=alert(1)>", "code": 1}]},
    )

    html = supervisor_client.get(detail_url()).content.decode()

    assert "<img src=x" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html


@pytest.mark.parametrize("path", ["/campaigns/0000%3C/", "/campaigns/000001/", "/campaigns/%20/"])
def test_hostile_campaign_id_is_explained_and_never_sent(supervisor_client, thulium, path):
    response = supervisor_client.get(path)

    assert response.status_code == 404
    html = response.content.decode()
    assert "is not a campaign id" in html
    assert "<html" in html
    assert "0000<" not in html
    assert len(thulium.calls) == 0


@pytest.mark.parametrize("path", ["/campaigns/../x/", "/campaigns/..%2Fx/", "/campaigns/a/b/"])
def test_campaign_id_with_a_slash_is_not_found(supervisor_client, thulium, path):
    response = supervisor_client.get(path)

    assert response.status_code == 404
    assert len(thulium.calls) == 0


def test_unknown_page_renders_the_404_template(supervisor_client):
    response = supervisor_client.get("/no-such-page/")

    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


# --- recently opened campaigns ----------------------------------------------------------------


def test_opened_campaigns_are_remembered_and_listed(supervisor_client, supervisor, thulium):
    add_statuses(thulium, "00001")
    add_statuses(thulium, "00002")
    thulium.get(STATS_URL, json=[])

    supervisor_client.get(detail_url("00001"))
    supervisor_client.get(detail_url("00002"))
    html = supervisor_client.get("/campaigns/").content.decode()

    assert list(
        RecentCampaign.objects.for_user(supervisor).values_list("campaign_id", flat=True)
    ) == ["00002", "00001"]
    assert html.index(detail_url("00002")) < html.index(detail_url("00001"))


def test_htmx_refresh_is_not_an_opening(supervisor_client, thulium):
    add_statuses(thulium)

    supervisor_client.get(detail_url(), {"refresh": "1"}, headers={"hx-request": "true"})

    assert not RecentCampaign.objects.exists()


def test_recent_campaigns_keep_only_the_newest(supervisor, django_user_model):
    other = django_user_model.objects.create_user(username="other")
    recent_campaign_record(user=other, campaign_id="99999")
    for number in range(RECENT_CAMPAIGNS_KEPT + 3):
        recent_campaign_record(user=supervisor, campaign_id=f"{number:05d}")
    recent_campaign_record(user=supervisor, campaign_id="00004")  # again: moves to the top

    kept = list(RecentCampaign.objects.for_user(supervisor).values_list("campaign_id", flat=True))

    assert len(kept) == RECENT_CAMPAIGNS_KEPT
    assert kept[0] == "00004"
    assert "00000" not in kept
    assert RecentCampaign.objects.for_user(other).count() == 1


def test_recent_campaigns_are_per_user(client, supervisor, django_user_model, thulium):
    other = django_user_model.objects.create_superuser(username="root", password="x")
    recent_campaign_record(user=supervisor, campaign_id="00007")
    thulium.get(STATS_URL, json=[])
    client.force_login(other)

    html = client.get("/campaigns/").content.decode()

    assert detail_url("00007") not in html


def test_statuses_request_is_sent_as_documented(supervisor_client, thulium):
    add_statuses(thulium)

    supervisor_client.get(detail_url())

    request = thulium.calls[0].request
    assert request.method == "GET"
    assert request.url == statuses_url("00001")
    assert request.headers["Authorization"].startswith("Basic ")


def test_the_fake_counts_requests_it_was_not_told_about():
    """The "never calls the API" tests count `thulium.calls`: unregistered requests count too."""
    with responses.RequestsMock() as mock:
        with pytest.raises(requests.exceptions.ConnectionError):
            requests.get(STATS_URL, timeout=1)
        assert len(mock.calls) == 1
