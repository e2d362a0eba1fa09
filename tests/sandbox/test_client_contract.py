"""The client against the sandbox over real HTTP: both sides of the new endpoints agree."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from campaigns.bulk.restore_records import is_duplicate_refusal
from thuladmin.sandbox.management.commands.sandbox_seed import DO_NOT_CALL_DICTIONARY_STATUS_ID
from thuladmin.sandbox.models import Record
from thuladmin.thulium import errors, get_client, reset_client

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


@pytest.fixture
def thulium(live_server, settings):
    call_command("sandbox_seed", "--records", "300", stdout=io.StringIO())
    settings.THULIUM_URL = ""
    settings.SANDBOX_ENABLED = True
    settings.SANDBOX_URL = live_server.url + "/sandbox/api/"
    settings.THULIUM_MAX_RETRIES = 0
    reset_client()
    yield get_client(language="en")
    reset_client()


def test_records_filters_and_count(thulium):
    everything = thulium.campaign_records("00001")
    assert everything.count == Record.objects.filter(campaign_id="00001").count()
    assert len(everything.records) == 100
    assert everything.records[0].identifier == "1234567890"

    no_call = thulium.campaign_records(
        "00001", system_statuses=["NO_CALL", "ABANDONED_AFTER_N_TRIES"], status_ids=["4", 6, "3"]
    )
    # Status 3 is CALL: both filters apply, so it is left out.
    expected = Record.objects.filter(campaign_id="00001", status__status_id__in=["4", "6"])
    assert no_call.count == expected.count() > 0
    assert {record.status_id for record in no_call.records} == {"4", "6"}

    today = timezone.localdate()
    recent = thulium.campaign_records(
        "00001",
        create_date_from=today - timedelta(days=7),
        create_date_to=today,
        call_date_from=date(2000, 1, 1),
        limit=5,
        offset=1,
    )
    assert 0 < len(recent.records) <= 5
    assert recent.count >= len(recent.records)
    assert all(record.call_date for record in recent.records)


def test_records_refusals_carry_the_sandbox_message(thulium):
    with pytest.raises(errors.Rejected) as info:
        thulium.campaign_records("00001", system_statuses=["SOMETHING_NEW"])
    assert info.value.status == 400
    assert info.value.message == "Unknown system status: SOMETHING_NEW."
    with pytest.raises(errors.NotFound):
        thulium.campaign_records("99999")


def test_phone_status_set_across_campaigns(thulium):
    result = thulium.phone_status_set("600100300", DO_NOT_CALL_DICTIONARY_STATUS_ID)
    assert result.campaign_ids == ("00001", "00002", "00003")
    assert set(
        Record.objects.filter(phone_number="600100300").values_list("status__status_id", flat=True)
    ) == {"13"}
    assert thulium.phone_status_set("111222333", 13).campaign_ids == ()
    with pytest.raises(errors.Rejected) as info:
        thulium.phone_status_set("600100300", 999)
    assert info.value.message == "Dictionary status not found in any campaign."


def test_record_create_and_the_duplicate_refusal(thulium):
    created = thulium.record_create(
        "00002", phone_number="600199100", status_id="3", record_fields={"imie": "Ola"}
    )
    record = Record.objects.get(record_id=int(created.record_id))
    assert (record.campaign_id, record.identifier) == ("00002", created.identifier)
    with pytest.raises(errors.Rejected) as info:
        thulium.record_create("00002", phone_number="600199100")
    assert info.value.message == "Phone number 600199100 already exists in this campaign."
    # The restore takes the sandbox's refusal for a duplicate, in either language, as it would
    # Thulium's: the documented error shape, a message that says so.
    assert is_duplicate_refusal(info.value)
    with pytest.raises(errors.Rejected) as info:
        get_client(language="pl").record_create("00002", phone_number="600199100")
    assert info.value.status == 400
    assert info.value.message == "Numer telefonu 600199100 już istnieje w tej kampanii."
    assert is_duplicate_refusal(info.value)
    with pytest.raises(errors.Rejected) as info:
        thulium.record_create("00002", phone_number="600199101", identifier=record.identifier)
    assert is_duplicate_refusal(info.value)  # an identifier already there: the record is back
