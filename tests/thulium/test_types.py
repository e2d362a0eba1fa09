"""Parsing Thulium's loose types into the frozen dataclasses."""

from __future__ import annotations

import dataclasses

import pytest
from django.utils import translation

from thuladmin.thulium.types import (
    Agent,
    CampaignRecord,
    CampaignStatus,
    CampaignSummary,
    Customer,
    CustomerDeletionOutcome,
    PhoneDeletionReport,
    PhoneRecordOutcome,
    SystemStatus,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("3", "3"), (5, "5"), ("", ""), (0, "0")],
)
def test_status_id_is_always_text(raw, expected):
    status = CampaignStatus.from_api({"status_id": raw, "system_status": "CALL", "name": "x"})
    assert status.status_id == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [(2, 2), ("8", 8), (None, None), ("", None), ("abc", None)],
)
def test_dictionary_status_id(raw, expected):
    status = CampaignStatus.from_api({"status_id": "3", "dictionary_status_id": raw})
    assert status.dictionary_status_id == expected


def test_status_with_only_an_id():
    status = CampaignStatus.from_api({"status_id": 4})
    assert status == CampaignStatus(
        status_id="4", name="", system_status="", dictionary_status_id=None
    )


@pytest.mark.parametrize("system_status", list(SystemStatus))
def test_every_documented_system_status_has_a_meaning(system_status):
    status = CampaignStatus.from_api({"status_id": "1", "system_status": system_status.value})
    with translation.override("en"):
        assert status.meaning
        assert status.meaning != "Undocumented system status"


def test_undocumented_system_status_is_shown_as_such():
    status = CampaignStatus.from_api({"status_id": "1", "system_status": "SOMETHING_NEW"})
    with translation.override("en"):
        assert status.meaning == "Undocumented system status"
    assert status.system_status == "SOMETHING_NEW"


@pytest.mark.parametrize(
    ("system_status", "agent", "date"),
    [
        ("MY_RECORD", True, True),
        ("CALL_NO_SOONER_THAN", False, True),
        ("CALL", False, False),
        ("NO_CALL", False, False),
        ("TO_CALL", False, False),
        ("", False, False),
    ],
)
def test_status_rules(system_status, agent, date):
    status = CampaignStatus.from_api({"status_id": "1", "system_status": system_status})
    assert status.requires_agent is agent
    assert status.requires_next_call_date is date


def test_summary_keeps_campaign_ids_as_text():
    summary = CampaignSummary.from_api(
        {"id": "00001", "records_count": "", "completion_percent": 0}
    )
    assert summary == CampaignSummary(
        campaign_id="00001", records_count=None, completion_percent=0.0
    )


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (True, True),
        (False, False),
        (1, True),
        (0, False),
        ("1", True),
        ("0", False),
        ("true", True),
        ("false", False),
        (" TRUE ", True),
        ("", False),
        (None, False),
    ],
)
def test_agent_booleans(raw, expected):
    agent = Agent.from_api({"login": "j.doe", "active": raw, "active_in_outbound": raw})
    assert agent.active is expected
    assert agent.active_in_outbound is expected


def test_record_ids_int_or_text_and_empty_values_as_none():
    by_int = CampaignRecord.from_api({"record_id": 5235, "status_id": 5, "agent_login": ""})
    by_text = CampaignRecord.from_api({"record_id": "5235", "status_id": "5", "agent_login": " "})
    assert by_int == by_text
    assert by_int.record_id == "5235"
    assert by_int.status_id == "5"
    assert by_int.agent_login is None


def test_customer_phone_numbers_in_every_shape():
    assert Customer.from_api({"customer_id": 1, "phone_numbers": "600"}).phone_numbers == ("600",)
    assert Customer.from_api({"customer_id": 1, "phone_numbers": None}).phone_numbers == ()
    assert Customer.from_api({"customer_id": 1, "phone_numbers": ""}).phone_numbers == ()
    assert Customer.from_api(
        {"customer_id": 1, "phone_numbers": [{"phone_number": 600}, 700]}
    ).phone_numbers == ("600", "700")


def test_customer_company_name_and_full_name():
    customer = Customer.from_api(
        {"customer_id": 2, "name": "", "surname": "Nowak", "company_name": "ACME"}
    )
    assert customer.company_name == "ACME"
    assert customer.full_name == "Nowak"
    assert Customer.from_api({"customer_id": 2, "company": "not an object"}).company_name is None


@pytest.mark.parametrize(
    ("http_status", "deleted"),
    [(200, True), (204, True), (404, False), (None, False), (500, False)],
)
def test_customer_deletion_outcome(http_status, deleted):
    assert CustomerDeletionOutcome(http_status=http_status, message=None).deleted is deleted


@pytest.mark.parametrize(
    "value",
    [
        CampaignStatus(status_id="3", name="x", system_status="CALL", dictionary_status_id=None),
        CampaignSummary(campaign_id="00001", records_count=1, completion_percent=1.0),
        Agent(login="a", number="1", active=True, active_in_outbound=True, agent_id=None),
        PhoneRecordOutcome(status="REMOVED", http_status=200, record_id="1"),
        PhoneDeletionReport(results={}),
        CustomerDeletionOutcome(http_status=204, message=None),
    ],
)
def test_results_are_frozen(value):
    field = dataclasses.fields(value)[0].name
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(value, field, "changed")


def test_reports_default_to_not_maybe_applied():
    assert PhoneDeletionReport(results={}).maybe_applied_earlier is False


def test_system_statuses_are_named_in_the_readers_language():
    from django.utils import translation

    from thuladmin.thulium.types import system_status_name

    assert system_status_name("MY_RECORD") == "My record"
    with translation.override("pl"):
        assert system_status_name("TO_CALL") == "Do dzwonienia"
        assert system_status_name("CALL_NO_SOONER_THAN") == "Kontakt nie wcześniej niż"
        assert system_status_name("SOMETHING_NEW") == "Nieudokumentowany status systemowy"
    assert system_status_name("") == "—"
