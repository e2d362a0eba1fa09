from django.utils import timezone

from thuladmin.sandbox.models import Record

EDIT = "outbounds/00001/records_by_identifier/1234567890"


def record(identifier: str = "1234567890") -> Record:
    return Record.objects.select_related("status").get(campaign_id="00001", identifier=identifier)


def messages(response) -> list[str]:
    return [error["message"] for error in response.json()["errors"]]


def test_put_status_answers_empty_200_and_changes_the_record(api, seeded):
    response = api("put", EDIT, {"status_id": "3"})

    assert response.status_code == 200
    assert response.content == b""
    assert record().status.status_id == "3"


def test_put_accepts_integer_status_id(api, seeded):
    assert api("put", EDIT, {"status_id": 4}).status_code == 200
    assert record().status.status_id == "4"


def test_put_merges_record_fields(api, seeded):
    before = record().record_fields

    response = api("put", EDIT, {"record_fields": {"miasto": "Kraków", "kwota": 120.5}})

    assert response.status_code == 200
    assert record().record_fields == {**before, "miasto": "Kraków", "kwota": 120.5}


def test_put_my_record_with_agent_and_date(api, seeded):
    response = api(
        "put",
        EDIT,
        {"status_id": "5", "agent_login": "a.nowak", "next_call_date": "2030-05-24 12:24"},
    )

    assert response.status_code == 200
    changed = record()
    assert changed.status.system_status == "MY_RECORD"
    assert changed.agent_login == "a.nowak"
    local = timezone.localtime(changed.next_call_date)
    assert (local.year, local.month, local.day, local.hour, local.minute) == (2030, 5, 24, 12, 24)


def test_put_my_record_without_agent_and_date_is_400(api, seeded):
    response = api("put", EDIT, {"status_id": "5"})

    assert response.status_code == 400
    assert messages(response) == [
        "agent_login is required for system status MY_RECORD.",
        "next_call_date is required for system status MY_RECORD.",
    ]
    assert record().status.status_id == "1"


def test_put_my_record_without_date_is_400(api, seeded):
    response = api("put", EDIT, {"status_id": "5", "agent_login": "a.nowak"})

    assert response.status_code == 400
    assert messages(response) == ["next_call_date is required for system status MY_RECORD."]
    assert record().agent_login == ""


def test_put_call_no_sooner_than_needs_date(api, seeded):
    response = api("put", EDIT, {"status_id": "7"})

    assert response.status_code == 400
    assert messages(response) == [
        "next_call_date is required for system status CALL_NO_SOONER_THAN."
    ]

    ok = api("put", EDIT, {"status_id": "7", "next_call_date": "2030-01-02 08:00"})
    assert ok.status_code == 200
    assert record().status.status_id == "7"


def test_put_of_fields_only_on_a_my_record_record_keeps_its_agent_and_date(api, seeded):
    api(
        "put",
        EDIT,
        {"status_id": "5", "agent_login": "a.nowak", "next_call_date": "2030-05-24 12:24"},
    )

    response = api("put", EDIT, {"record_fields": {"miasto": "Gdańsk"}})

    assert response.status_code == 200
    assert record().record_fields["miasto"] == "Gdańsk"
    assert record().agent_login == "a.nowak"


def test_put_unknown_status_is_400(api, seeded):
    response = api("put", EDIT, {"status_id": "999"})

    assert response.status_code == 400
    assert messages(response) == ["Status not found."]


def test_put_status_of_another_campaign_only_is_400(api, seeded):
    from thuladmin.sandbox.models import Campaign, Status

    other = Campaign.objects.create(campaign_id="00007", name="Inna")
    Status.objects.create(campaign=other, status_id="77", system_status="CALL", name="Inny")

    assert api("put", EDIT, {"status_id": "77"}).status_code == 400


def test_put_unknown_agent_is_400(api, seeded):
    response = api("put", EDIT, {"agent_login": "nobody"})

    assert response.status_code == 400
    assert messages(response) == ["Agent not found."]


def test_put_agent_of_another_campaign_is_400(api, seeded):
    # m.wisniewska works only in 00001.
    response = api(
        "put",
        "outbounds/00002/records_by_identifier/"
        + Record.objects.filter(campaign_id="00002").first().identifier,
        {"agent_login": "m.wisniewska"},
    )

    assert response.status_code == 400


def test_put_bad_dates_are_400(api, seeded):
    for value in [
        "2030-05-24",
        "2030-05-24 12:24:00",
        "24.05.2030 12:24",
        "2030-13-01 10:00",
        "2030-05-24T12:24",
        20300524,
        None,
    ]:
        response = api("put", EDIT, {"next_call_date": value})
        assert response.status_code == 400, value
        assert messages(response) == ["Wrong date format. Expected YYYY-MM-DD hh:mm."]


def test_put_bad_record_fields_are_400(api, seeded):
    for value in ["text", ["a"], {"a": {"nested": 1}}, {"a": None}, {"a": True}]:
        assert api("put", EDIT, {"record_fields": value}).status_code == 400, value


def test_put_dictionary_status_id(api, seeded):
    assert api("put", EDIT, {"dictionary_status_id": 8}).status_code == 200
    assert record().dictionary_status_id == 8
    assert api("put", EDIT, {"dictionary_status_id": None}).status_code == 200
    assert record().dictionary_status_id is None
    assert api("put", EDIT, {"dictionary_status_id": "8"}).status_code == 400


def test_put_invalid_json_is_400(api, seeded):
    for body in ["{not json", "", b"\xff\xfe"]:
        response = api("put", EDIT, body)
        assert response.status_code == 400
        assert messages(response) == ["Invalid JSON body."]


def test_put_non_object_body_is_400(api, seeded):
    assert api("put", EDIT, ["status_id", "3"]).status_code == 400


def test_put_unknown_field_is_400(api, seeded):
    response = api("put", EDIT, {"status_id": "3", "next_call_data": "2030-01-01 10:00"})

    assert response.status_code == 400
    assert messages(response) == ["Unknown field: next_call_data."]
    assert record().status.status_id == "1"


def test_put_reports_every_error_at_once_in_the_order_of_the_checks(api, seeded):
    # The body's own order is not the answer's: unknown fields, then status, dictionary status,
    # agent, record fields, date.
    body = {
        "next_call_date": "tomorrow",
        "record_fields": "text",
        "agent_login": "nobody",
        "dictionary_status_id": "8",
        "status_id": True,
        "zzz": 1,
        "aaa": 2,
    }

    response = api("put", EDIT, body)

    assert response.status_code == 400
    assert messages(response) == [
        "Unknown field: aaa.",
        "Unknown field: zzz.",
        "Invalid status_id.",
        "dictionary_status_id must be an integer or null.",
        "Agent not found.",
        "record_fields must be an object of strings or numbers.",
        "Wrong date format. Expected YYYY-MM-DD hh:mm.",
    ]
    assert record().status.status_id == "1"


def test_put_my_record_asks_for_agent_and_date_after_the_fields_own_errors(api, seeded):
    response = api("put", EDIT, {"status_id": "5", "record_fields": "text"})

    assert messages(response) == [
        "record_fields must be an object of strings or numbers.",
        "agent_login is required for system status MY_RECORD.",
        "next_call_date is required for system status MY_RECORD.",
    ]


def test_put_a_wrong_agent_or_date_still_counts_as_given_for_my_record(api, seeded):
    body = {"status_id": "5", "agent_login": "nobody", "next_call_date": "tomorrow"}

    assert messages(api("put", EDIT, body)) == [
        "Agent not found.",
        "Wrong date format. Expected YYYY-MM-DD hh:mm.",
    ]


def test_put_empty_object_changes_nothing(api, seeded):
    assert api("put", EDIT, {}).status_code == 200


def test_put_unknown_record_or_campaign_is_404(api, seeded):
    assert api("put", "outbounds/00001/records_by_identifier/0000000000", {}).status_code == 404
    assert api("put", "outbounds/99999/records_by_identifier/1234567890", {}).status_code == 404


def test_put_error_in_polish(api, seeded):
    response = api("put", EDIT, {"status_id": "999"}, lang="pl")

    assert messages(response) == ["Nie znaleziono statusu."]


def test_delete_record(api, seeded):
    response = api("delete", EDIT)

    assert response.status_code == 200
    assert response.content == b""
    assert not Record.objects.filter(identifier="1234567890").exists()
    assert api("delete", EDIT).status_code == 404


def test_delete_record_in_call_is_409_and_kept(api, seeded):
    response = api("delete", "outbounds/00001/records_by_identifier/1234567891")

    assert response.status_code == 409
    assert response.json()["errors"] == [
        {"message": "Record is in a call and cannot be deleted.", "code": 4091}
    ]
    assert Record.objects.filter(identifier="1234567891").exists()


def test_delete_record_in_call_in_polish(api, seeded):
    response = api("delete", "outbounds/00001/records_by_identifier/1234567891", lang="pl")

    assert messages(response) == ["Rekord jest w trakcie rozmowy i nie może zostać usunięty."]


def test_delete_unknown_record_or_campaign_is_404(api, seeded):
    response = api("delete", "outbounds/00001/records_by_identifier/0000000000")
    assert response.status_code == 404
    assert messages(response) == ["Record not found."]
    assert api("delete", "outbounds/99999/records_by_identifier/1234567890").status_code == 404
