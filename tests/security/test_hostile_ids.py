"""Hostile campaign ids and record identifiers never reach another API path.

Whatever is typed into the address bar (encoded slashes, dot segments, backslashes, control
characters, look-alike digits) either is refused before anything is sent, or travels quoted
inside its own path segment. The fake Thulium answers only the expected routes and lists any
other request it gets; there must be none.
"""

from __future__ import annotations

import pytest

from thuladmin.bulk.models import BulkItem, Outcome

STATUSES = [{"system_status": "CALL", "status_id": "3", "dictionary_status_id": None, "name": "x"}]

# Campaign ids in the address: none is a campaign id, so nothing may be sent at all.
HOSTILE_CAMPAIGNS = [
    "..%2F..%2Fadmin",
    "..%252F..%252Fadmin",
    "..",
    "%2e%2e",
    "0000%2F",
    "00001%0A",
    "00001%00",
    "00001%20",
    "%EF%BC%90%EF%BC%90%EF%BC%90%EF%BC%90%EF%BC%91",  # full-width digits that look like 00001
    "00001%3Fx%3D1",
    "00001%23",
    "0001",
    "000001",
]


@pytest.mark.django_db
@pytest.mark.parametrize("campaign", HOSTILE_CAMPAIGNS)
def test_hostile_campaign_ids_send_nothing(supervisor_client, thulium, campaign):
    for suffix in ("/", "/remove-numbers/", "/records/42/edit/", "/records/42/delete/"):
        url = f"/campaigns/{campaign}{suffix}"
        get = supervisor_client.get(url)
        post = supervisor_client.post(url, {"text": "600100200", "action": "send"})
        assert get.status_code in (404, 405), url
        assert post.status_code in (404, 405), url
    assert thulium.calls == []


@pytest.mark.django_db
def test_a_campaign_named_like_an_endpoint_stays_a_campaign(supervisor_client, thulium):
    """A campaign "stats" (five letters, so it may be an id) is sent as one, in its segment
    (outbounds/stats/statuses), never as the stats endpoint itself."""
    thulium.add("GET", "outbounds/stats/statuses", status=404, json={"errors": []})
    supervisor_client.get("/campaigns/stats/")
    assert thulium.calls == ["GET outbounds/stats/statuses"]


# Identifiers refused before anything is sent: they could climb out of their path segment.
REFUSED_IDENTIFIERS = ["..", ".", "%2e%2e", "%2E", "a%5Cb", "%5C..", "a%00b", "a%0Ab", "%20"]


@pytest.mark.django_db
def test_hostile_identifiers_are_refused_before_sending(supervisor_client, thulium):
    for identifier in REFUSED_IDENTIFIERS:
        for action in ("edit", "delete"):
            url = f"/campaigns/00001/records/{identifier}/{action}/"
            assert supervisor_client.get(url).status_code == 404, url
            assert supervisor_client.post(url, {"action": "send"}).status_code == 404, url
    assert thulium.calls == []


@pytest.mark.django_db
def test_encoded_slashes_never_match_a_record_url(supervisor_client, thulium):
    """`%2F` is decoded before routing, so the address has one segment too many: no view."""
    for identifier in ("..%2F..%2Fstats", "a%2Fb", "%2F", "..%2F"):
        for action in ("edit", "delete"):
            url = f"/campaigns/00001/records/{identifier}/{action}/"
            assert supervisor_client.get(url).status_code == 404
            assert supervisor_client.post(url).status_code == 404
    assert thulium.calls == []


# Identifiers Thulium may really use: sent, but quoted, so they stay inside their segment.
QUOTED_IDENTIFIERS = {
    "%3Fx%3D1": "%3Fx%3D1",  # "?x=1": not a query string
    "%23frag": "%23frag",  # "#frag": not a fragment
    "%252F": "%252F",  # a literal "%2F": not a slash once the server decodes it
    "..%3B": "..%3B",  # "..;": not a dot segment for any server
    "a%26b%3Dc": "a%26b%3Dc",
    "%C5%BC%C3%B3%C5%82w": "%C5%BC%C3%B3%C5%82w",  # żółw
    "...": "...",
}


@pytest.mark.django_db
@pytest.mark.parametrize(("identifier", "sent"), QUOTED_IDENTIFIERS.items())
def test_odd_identifiers_travel_quoted_in_their_own_segment(
    supervisor_client, thulium, identifier, sent
):
    path = f"outbounds/00001/records_by_identifier/{sent}"
    thulium.add("DELETE", path, status=200, body="")
    response = supervisor_client.post(f"/campaigns/00001/records/{identifier}/delete/")
    assert response.status_code == 302
    assert thulium.unexpected == []
    assert thulium.calls == [f"DELETE {path}"]


@pytest.mark.django_db
def test_a_pasted_list_cannot_add_query_parameters(
    supervisor, supervisor_client, thulium, settings
):
    """Numbers go in the query string: a token that tries to add a parameter is refused."""
    paste = "600100200&search_in_additional_numbers=true\n600100201%26x\n600100202"
    response = supervisor_client.post("/campaigns/00001/remove-numbers/", {"text": paste})
    job_id = int(response["Location"].rstrip("/").rsplit("/", 1)[1])
    items = BulkItem.objects.filter(job_id=job_id).exclude(outcome=Outcome.INVALID)
    sent = set(items.values_list("value", flat=True))
    assert sent == {"600100202"}
    assert thulium.calls == []
