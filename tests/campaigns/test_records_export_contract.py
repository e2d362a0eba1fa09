"""The export's filters against Thulium's: the campaign's copy, read from the sandbox, filtered
by the export, holds exactly the records the sandbox's own records list gives for the same
filters (every page of it), whichever filters the list's form sends."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta

import pytest
import responses
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from django.utils.datastructures import MultiValueDict

from campaigns.models import CampaignCopy
from campaigns.records.filters import RecordsFilterForm
from tests.campaigns.test_snapshot import sync
from tests.security.test_fuzz_get import FAKE_THULIUM, _forward_to_sandbox
from thuladmin.sandbox.models import Record
from thuladmin.thulium import get_client, reset_client

# Committed data: the copy's read asks the sandbox several pages at once, in threads.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

EXPORT_URL = reverse("campaigns:records_export", args=["00001"])


@pytest.fixture
def copy_of_the_sandbox(settings):
    settings.THULIUM_URL = FAKE_THULIUM
    settings.THULIUM_USER = settings.THULIUM_PASSWORD = "sandbox"
    settings.SANDBOX_LATENCY_MS = 0
    settings.SANDBOX_ERROR_RATE = settings.SANDBOX_RATE_LIMIT_RATE = settings.SANDBOX_SLOW_RATE = 0
    settings.SANDBOX_LOGIN_FAILURE_LIMIT = 0
    reset_client()
    call_command("sandbox_seed", "--records", "400", stdout=io.StringIO())
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.add_callback(
            "GET", re.compile(re.escape(FAKE_THULIUM) + ".*"), callback=_forward_to_sandbox
        )
        assert sync().is_current
        assert CampaignCopy.objects.filter(campaign_id="00001").exists()
        yield
    reset_client()


def _days(field: str) -> list[date]:
    """A few days the campaign's records were created or called on, and the days around."""
    moments = Record.objects.filter(campaign__campaign_id="00001").exclude(**{field: None})
    days = sorted({timezone.localdate(moment) for moment in moments.values_list(field, flat=True)})
    middle = days[len(days) // 2]
    return [days[0], middle, middle + timedelta(days=1), days[-1]]


def _thulium_lists(query: dict[str, list[str]]) -> list[str]:
    """Every record's identifier the sandbox's records list gives for the form's filters."""
    form = RecordsFilterForm(MultiValueDict(query), statuses=None)
    assert form.is_valid(), form.errors
    identifiers: list[str] = []
    offset, filters = 0, form.api_filters()
    while True:
        page = get_client().campaign_records("00001", limit=100, offset=offset, **filters)
        identifiers += [record.identifier for record in page.records]
        offset += 100
        if offset >= page.count:
            return identifiers


def _exported(client, query: dict[str, list[str]]) -> list[str]:
    response = client.get(EXPORT_URL, query)
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode()[1:]
    return [row[0] for row in list(csv.reader(io.StringIO(text)))[1:]]


def test_the_export_holds_what_thuliums_list_holds_for_every_filter(
    copy_of_the_sandbox, supervisor_client
):
    statuses = get_client().campaign_statuses("00001")
    created, called = _days("create_date"), _days("call_date")
    queries = [
        {},
        {"status": [statuses[0].status_id]},
        {"status": [statuses[0].status_id, statuses[-1].status_id]},
        {"system_status": ["TO_CALL"]},
        {"system_status": ["NO_CALL", "CALL_NO_SOONER_THAN"]},
        {"system_status": ["TO_CALL"], "status": [statuses[0].status_id]},
        {"created_from": [created[1].isoformat()]},
        {"created_to": [created[1].isoformat()]},
        {"created_from": [created[1].isoformat()], "created_to": [created[1].isoformat()]},
        {"created_from": [created[0].isoformat()], "created_to": [created[2].isoformat()]},
        {"called_from": [called[1].isoformat()]},
        {"called_to": [called[1].isoformat()]},
        {"called_from": [called[1].isoformat()], "called_to": [called[2].isoformat()]},
        {"called_to": [called[-1].isoformat()], "system_status": ["CALL"]},
    ]
    in_campaign = Record.objects.filter(campaign__campaign_id="00001").count()
    narrowed = 0
    for query in queries:
        listed = _thulium_lists(query)
        assert sorted(_exported(supervisor_client, query)) == sorted(listed), query
        narrowed += 0 < len(listed) < in_campaign
    assert narrowed >= 10  # the filters choose some records, not all or none
    assert len(_exported(supervisor_client, {})) == in_campaign > 100  # more than one page
