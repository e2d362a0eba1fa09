import re

from tests.sandbox.conftest import API, basic


def assert_error_body(response, status: int) -> list[dict]:
    assert response.status_code == status
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert re.fullmatch(r"[0-9a-f]{13}", body["request_id"])
    assert body["errors"]
    for error in body["errors"]:
        assert isinstance(error["message"], str)
        assert isinstance(error["code"], int)
    return body["errors"]


def test_missing_credentials_get_401_with_challenge(client, seeded):
    response = client.get(API + "outbounds/stats")

    errors = assert_error_body(response, 401)
    assert response["WWW-Authenticate"] == 'Basic realm="Thulium"'
    assert errors[0]["message"] == "Authentication failed."


def test_wrong_password_gets_401(client, seeded):
    response = client.get(API + "outbounds/stats", HTTP_AUTHORIZATION=basic("sandbox", "wrong"))

    assert_error_body(response, 401)


def test_wrong_user_gets_401(client, seeded):
    response = client.get(API + "outbounds/stats", HTTP_AUTHORIZATION=basic("admin", "sandbox"))

    assert_error_body(response, 401)


def test_malformed_authorization_header_gets_401(client, seeded):
    for header in ["Basic !!!not-base64", "Bearer abc", "Basic " + "c2FuZGJveA==", ""]:
        response = client.get(API + "outbounds/stats", HTTP_AUTHORIZATION=header)
        assert response.status_code == 401


def test_no_configured_user_accepts_nobody(client, seeded, settings):
    settings.THULIUM_USER = ""
    settings.THULIUM_PASSWORD = ""

    response = client.get(API + "outbounds/stats", HTTP_AUTHORIZATION=basic("", ""))

    assert response.status_code == 401


def test_unauthorised_request_changes_nothing(client, seeded):
    from thuladmin.sandbox.models import Record

    response = client.delete(
        API + "outbounds/00001/records_by_identifier/1234567890",
        HTTP_AUTHORIZATION=basic("sandbox", "nope"),
    )

    assert response.status_code == 401
    assert Record.objects.filter(identifier="1234567890").exists()


def test_polish_messages_on_accept_language_pl(api, seeded):
    response = api("get", "outbounds/99999/statuses", lang="pl")

    errors = assert_error_body(response, 404)
    assert errors[0]["message"] == "Nie znaleziono kampanii."


def test_polish_with_region_and_quality(api, seeded):
    response = api("get", "outbounds/99999/statuses", lang="pl-PL,pl;q=0.9,en;q=0.8")

    assert response.json()["errors"][0]["message"] == "Nie znaleziono kampanii."


def test_english_when_english_is_preferred(api, seeded):
    response = api("get", "outbounds/99999/statuses", lang="en-US,en;q=0.9,pl;q=0.5")

    assert response.json()["errors"][0]["message"] == "Campaign not found."


def test_polish_401(client, seeded):
    response = client.get(API + "outbounds/stats", HTTP_ACCEPT_LANGUAGE="pl")

    assert response.json()["errors"][0]["message"] == "Błąd uwierzytelniania."


def test_unknown_path_is_a_json_404(api, seeded):
    for path in ["nothing/here", "", "outbounds/00001/unknown", "outbounds/00001/statuses/"]:
        response = api("get", path)
        errors = assert_error_body(response, 404)
        assert errors[0]["message"] == "Resource not found."


def test_wrong_method_is_a_json_405_with_allow(api, seeded):
    response = api("post", "outbounds/00001/statuses")

    assert_error_body(response, 405)
    assert response["Allow"] == "GET"


def test_request_ids_differ(api, seeded):
    first = api("get", "outbounds/99999/statuses").json()["request_id"]
    second = api("get", "outbounds/99999/statuses").json()["request_id"]

    assert first != second
