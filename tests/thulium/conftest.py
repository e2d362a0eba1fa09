from __future__ import annotations

import pytest
import responses

from tests.thulium.helpers import FakeTime, make_client


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


@pytest.fixture
def rsps():
    """Mocked HTTP: a request to an unregistered URL raises, and every registered one must fire."""
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        yield mock


@pytest.fixture
def api(fake_time, rsps):
    return make_client(fake_time)
