"""POST outbound_status_by_phone_number: one number, every campaign, by dictionary status."""

from __future__ import annotations

import re

import pytest

from thuladmin.sandbox import faults
from thuladmin.sandbox.management.commands.sandbox_seed import DO_NOT_CALL_DICTIONARY_STATUS_ID
from thuladmin.sandbox.models import Campaign, Record, Status, SystemStatus

PATH = "outbound_status_by_phone_number"
DNC = DO_NOT_CALL_DICTIONARY_STATUS_ID
REQUEST_ID = re.compile(r"[0-9a-f]{13}")


def statuses_of(number: str) -> dict[str, set[str]]:
    """campaign id -> status ids of the records with this main number."""
    found: dict[str, set[str]] = {}
    for campaign_id, status_id in Record.objects.filter(phone_number=number).values_list(
        "campaign_id", "status__status_id"
    ):
        found.setdefault(campaign_id, set()).add(status_id)
    return found


def snapshot() -> list[tuple]:
    return list(
        Record.objects.order_by("record_id").values_list(
            "record_id", "status_id", "dictionary_status_id", "agent_login", "next_call_date"
        )
    )


def test_do_not_call_reaches_every_campaign(api, seeded):
    assert statuses_of("600100300") == {"00001": {"1"}, "00002": {"1"}, "00003": {"8"}}
    others = Record.objects.exclude(phone_number="600100300")
    before = list(others.order_by("record_id").values_list("record_id", "status_id"))

    response = api("post", PATH, {"phone_number": "600100300", "status_id": str(DNC)})

    assert response.status_code == 200
    assert response.json() == {"outbound_id": ["00001", "00002", "00003"]}
    assert statuses_of("600100300") == {"00001": {"13"}, "00002": {"13"}, "00003": {"13"}}
    for record in Record.objects.filter(phone_number="600100300").select_related("status"):
        assert record.status.system_status == SystemStatus.NO_CALL
        assert record.dictionary_status_id == DNC
    assert list(others.order_by("record_id").values_list("record_id", "status_id")) == before


def test_campaigns_without_the_dictionary_status_are_left_alone(api, seeded):
    # Dictionary status 11 exists in 00001 and 00002 only; 600100300 is in all three.
    response = api("post", PATH, {"phone_number": "600100300", "status_id": "11"})

    assert response.json() == {"outbound_id": ["00001", "00002"]}
    assert statuses_of("600100300") == {"00001": {"11"}, "00002": {"11"}, "00003": {"8"}}


def test_only_campaigns_holding_the_number_are_listed(api, seeded):
    # 600100302 is in 00002 and 00003; dictionary status 9 is in 00001 and 00003.
    response = api("post", PATH, {"phone_number": "600100302", "status_id": "9"})

    assert response.json() == {"outbound_id": ["00003"]}
    assert statuses_of("600100302") == {"00002": {"1"}, "00003": {"9"}}


def test_a_number_in_no_campaign_answers_an_empty_list(api, seeded):
    before = snapshot()
    response = api("post", PATH, {"phone_number": "111222333", "status_id": str(DNC)})
    assert response.status_code == 200
    assert response.json() == {"outbound_id": []}
    assert snapshot() == before


def test_every_record_of_a_duplicated_number_is_set(api, seeded):
    assert Record.objects.filter(campaign_id="00001", phone_number="600100200").count() == 2
    response = api("post", PATH, {"phone_number": "600100200", "status_id": str(DNC)})
    assert response.json() == {"outbound_id": ["00001"]}
    assert statuses_of("600100200") == {"00001": {"13"}}


def test_records_in_a_call_are_set_too(api, seeded):
    api("post", PATH, {"phone_number": "600100201", "status_id": str(DNC)})
    record = Record.objects.get(phone_number="600100201")
    assert record.in_call is True
    assert record.status.status_id == "13"


def test_additional_numbers_are_not_searched(api, seeded):
    response = api("post", PATH, {"phone_number": "600100221", "status_id": str(DNC)})
    assert response.json() == {"outbound_id": []}
    assert Record.objects.get(identifier="1234567803").status.status_id == "1"


def test_sending_again_answers_the_same(api, seeded):
    body = {"phone_number": "600100301", "status_id": str(DNC)}
    first = api("post", PATH, body).json()
    state = snapshot()
    second = api("post", PATH, body).json()
    assert first == second == {"outbound_id": ["00001", "00002"]}
    assert snapshot() == state


def test_loose_types_and_a_trailing_slash_are_accepted(api, seeded):
    response = api("post", PATH + "/", {"phone_number": 600100300, "status_id": DNC})
    assert response.json() == {"outbound_id": ["00001", "00002", "00003"]}


def test_the_campaigns_own_status_is_found_by_dictionary_id(api, seeded):
    """Status ids differ between campaigns; the dictionary id is what maps them."""
    Status.objects.create(
        campaign_id="00002",
        status_id="77",
        system_status="NO_CALL",
        name="Sprzeciw",
        dictionary_status_id=40,
    )
    Status.objects.create(
        campaign_id="00003",
        status_id="78",
        system_status="NO_CALL",
        name="Sprzeciw",
        dictionary_status_id=40,
    )
    # A second status with the same dictionary id in one campaign: the first one created wins.
    Status.objects.create(
        campaign_id="00003",
        status_id="79",
        system_status="NO_CALL",
        name="Drugi",
        dictionary_status_id=40,
    )

    response = api("post", PATH, {"phone_number": "600100300", "status_id": "40"})

    assert response.json() == {"outbound_id": ["00002", "00003"]}
    assert statuses_of("600100300") == {"00001": {"1"}, "00002": {"77"}, "00003": {"78"}}


def test_inactive_campaigns_are_included(api, seeded):
    assert Campaign.objects.get(pk="00003").active is False
    response = api("post", PATH, {"phone_number": "600100302", "status_id": str(DNC)})
    assert response.json() == {"outbound_id": ["00002", "00003"]}


# --- refused requests ---------------------------------------------------------------------------


def error_body(response) -> list[dict]:
    body = response.json()
    assert set(body) == {"request_id", "errors"}
    assert REQUEST_ID.fullmatch(body["request_id"])
    return body["errors"]


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        (
            {"status_id": "13"},
            [{"message": "Field phone_number is required.", "code": 4016}],
        ),
        (
            {"phone_number": "600100300"},
            [{"message": "Field status_id is required.", "code": 4016}],
        ),
        (
            {},
            [
                {"message": "Field phone_number is required.", "code": 4016},
                {"message": "Field status_id is required.", "code": 4016},
            ],
        ),
        (
            {"phone_number": "", "status_id": ""},
            [
                {"message": "Field phone_number is required.", "code": 4016},
                {"message": "Field status_id is required.", "code": 4016},
            ],
        ),
        (
            {"phone_number": "600100300", "status_id": "999"},
            [{"message": "Dictionary status not found in any campaign.", "code": 4018}],
        ),
        (
            {"phone_number": "+48 600 100 300", "status_id": "13"},
            [{"message": "Wrong format of phone number.", "code": 4017}],
        ),
        (
            {"phone_number": ["600100300"], "status_id": "13"},
            [{"message": "Wrong format of phone number.", "code": 4017}],
        ),
        (
            {"phone_number": "600100300", "status_id": "abc"},
            [{"message": "Invalid status_id.", "code": 4005}],
        ),
        (
            {"phone_number": "600100300", "status_id": True},
            [{"message": "Invalid status_id.", "code": 4005}],
        ),
        (
            {"phone_number": "600100300", "status_id": "13", "agent_login": "j.kowalski"},
            [{"message": "Unknown field: agent_login.", "code": 4003}],
        ),
        (
            {"phone_number": "x", "status_id": "999"},
            [
                {"message": "Wrong format of phone number.", "code": 4017},
                {"message": "Dictionary status not found in any campaign.", "code": 4018},
            ],
        ),
    ],
)
def test_bad_bodies_are_400_with_every_error_and_change_nothing(api, seeded, body, errors):
    before = snapshot()
    response = api("post", PATH, body)
    assert response.status_code == 400
    assert error_body(response) == errors
    assert snapshot() == before


@pytest.mark.parametrize(
    ("dictionary_status_id", "system_status", "campaigns"),
    [("5", "MY_RECORD", ["00001", "00002"]), ("7", "CALL_NO_SOONER_THAN", ["00001"])],
)
def test_statuses_needing_an_agent_or_date_are_refused(
    api, seeded, dictionary_status_id, system_status, campaigns
):
    before = snapshot()
    response = api("post", PATH, {"phone_number": "600100300", "status_id": dictionary_status_id})
    assert response.status_code == 400
    errors = error_body(response)
    assert [error["code"] for error in errors] == [4019] * len(campaigns)
    for error, campaign_id in zip(errors, campaigns, strict=True):
        assert error["message"] == (
            f"Dictionary status {dictionary_status_id} is {system_status} in campaign "
            f"{campaign_id}, which needs an agent or a date: set it record by record."
        )
    assert snapshot() == before


@pytest.mark.parametrize(
    ("raw", "message", "code"),
    [
        ("{broken", "Invalid JSON body.", 4001),
        ('["600100300"]', "Request body must be a JSON object.", 4002),
    ],
)
def test_body_that_is_not_a_json_object_is_400(api, seeded, raw, message, code):
    response = api("post", PATH, raw)
    assert response.status_code == 400
    assert error_body(response) == [{"message": message, "code": code}]


def test_errors_in_polish(api, seeded):
    response = api("post", PATH, {"phone_number": "600100300", "status_id": "999"}, lang="pl")
    assert error_body(response) == [
        {"message": "Nie znaleziono statusu słownikowego w żadnej kampanii.", "code": 4018}
    ]
    response = api("post", PATH, {"status_id": "13"}, lang="pl")
    assert error_body(response)[0]["message"] == "Pole phone_number jest wymagane."


def test_only_post_is_allowed(api, seeded):
    response = api("get", PATH)
    assert response.status_code == 405
    assert response["Allow"] == "POST"


def test_credentials_are_required(client, seeded):
    response = client.post(
        "/sandbox/api/" + PATH,
        '{"phone_number": "600100300", "status_id": "13"}',
        content_type="application/json",
    )
    assert response.status_code == 401
    assert statuses_of("600100300")["00001"] == {"1"}


# --- latency and faults, like every endpoint ---------------------------------------------------


@pytest.fixture
def sleeps(monkeypatch) -> list[float]:
    recorded: list[float] = []
    monkeypatch.setattr(faults, "sleep", recorded.append)
    return recorded


def test_injected_429_and_5xx_apply_nothing(api, seeded, settings, sleeps):
    body = {"phone_number": "600100300", "status_id": str(DNC)}
    settings.SANDBOX_RATE_LIMIT_RATE = 1.0
    response = api("post", PATH, body)
    assert response.status_code == 429
    assert response["Retry-After"] == "1"
    settings.SANDBOX_RATE_LIMIT_RATE = 0.0
    settings.SANDBOX_ERROR_RATE = 1.0
    for _ in range(5):
        assert api("post", PATH, body).status_code in {500, 502, 503}
    assert statuses_of("600100300") == {"00001": {"1"}, "00002": {"1"}, "00003": {"8"}}


def test_latency_and_slowness_after_the_change(api, seeded, settings, sleeps):
    settings.SANDBOX_LATENCY_MS = 40
    settings.SANDBOX_SLOW_RATE = 1.0
    settings.SANDBOX_SLOW_MS = 5000

    response = api("post", PATH, {"phone_number": "600100300", "status_id": str(DNC)})

    assert response.status_code == 200
    assert sleeps == [0.04, 5.0]
    assert statuses_of("600100300")["00001"] == {"13"}  # applied before the slow answer
