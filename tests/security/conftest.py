"""Fixtures for the security tests: a fake Thulium that records every request it gets."""

from __future__ import annotations

import json as json_module
import re
from urllib.parse import urlsplit

import pytest
import responses

from campaigns.bulk.remove_numbers import PHONE_NUMBERS
from customers.bulk import CUSTOMERS
from thuladmin.bulk.models import BulkJob
from thuladmin.bulk.services import bulk_job_draft_create
from thuladmin.thulium import reset_client

API = "https://acme.thulium.com/api/"
API_PATH = urlsplit(API).path


@pytest.fixture(autouse=True)
def fake_thulium_settings(settings):
    settings.THULIUM_URL = API
    settings.THULIUM_USER = "api_user"
    settings.THULIUM_PASSWORD = "not-the-secret-under-test"
    settings.THULIUM_MAX_RETRIES = 0
    settings.THULIUM_BACKOFF_SECONDS = 0
    settings.BULK_REQUESTS_PER_SECOND = 0
    reset_client()
    yield settings
    reset_client()


class Thulium:
    """A fake Thulium answering only the routes a test adds; every other request is answered
    599 and listed in `unexpected`, so a test can assert that none reached another API path."""

    def __init__(self, mock: responses.RequestsMock) -> None:
        self.routes: dict[tuple[str, str], tuple[int, dict, str | bytes]] = {}
        self.calls: list[str] = []
        self.unexpected: list[str] = []
        for method in ("GET", "POST", "PUT", "PATCH", "DELETE"):
            mock.add_callback(method, re.compile(re.escape(API) + ".*"), callback=self._answer)

    def add(self, method: str, path: str, *, status: int = 200, json=None, body="", headers=None):
        """Answer `method API+path` (any query string) with this, every time."""
        if json is not None:
            body = json_module.dumps(json)
        self.routes[(method, path)] = (status, headers or {}, body)

    def _answer(self, request):
        path = urlsplit(request.url).path.removeprefix(API_PATH)
        self.calls.append(f"{request.method} {path}")
        route = self.routes.get((request.method, path))
        if route is None:
            self.unexpected.append(f"{request.method} {request.url}")
            return 599, {}, "unexpected"
        return route


@pytest.fixture
def thulium():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield Thulium(mock)


def phone_job(user, text: str = "600100200\n600100201", *, campaign_id="00001") -> BulkJob:
    return bulk_job_draft_create(
        user=user,
        kind_name=PHONE_NUMBERS.name,
        parsed=PHONE_NUMBERS.parse(text, options={}),
        campaign_id=campaign_id,
    )


def customer_job(user, text: str = "13\n14") -> BulkJob:
    return bulk_job_draft_create(
        user=user, kind_name=CUSTOMERS.name, parsed=CUSTOMERS.parse(text, options={})
    )
