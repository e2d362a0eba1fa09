import pytest

from thuladmin.sandbox import faults
from thuladmin.sandbox.models import Record

DELETE_FIXTURE = "outbounds/00001/records_by_identifier/1234567890"


@pytest.fixture
def sleeps(monkeypatch) -> list[float]:
    recorded: list[float] = []
    monkeypatch.setattr(faults, "sleep", recorded.append)
    return recorded


def test_error_rate_one_answers_5xx_and_applies_nothing(api, seeded, settings, sleeps):
    settings.SANDBOX_ERROR_RATE = 1.0
    kinds = set()

    for _ in range(30):
        response = api("delete", DELETE_FIXTURE)
        assert response.status_code in {500, 502, 503}
        kinds.add((response.status_code, response["Content-Type"].split(";")[0]))

    assert kinds == {(500, "application/json"), (502, "text/plain"), (503, "text/html")}
    assert Record.objects.filter(identifier="1234567890").exists()


def test_500_has_the_json_error_body(api, seeded, settings, sleeps):
    settings.SANDBOX_ERROR_RATE = 1.0
    for _ in range(30):
        response = api("get", "outbounds/stats")
        if response.status_code == 500:
            assert response.json()["errors"][0]["message"] == "Internal server error."
            return
    pytest.fail("no 500 in 30 tries")


def test_rate_limit_one_answers_429_with_retry_after(api, seeded, settings, sleeps):
    settings.SANDBOX_RATE_LIMIT_RATE = 1.0
    settings.SANDBOX_RETRY_AFTER_SECONDS = 7

    response = api("delete", "batch/outbounds/00001/records?phone_number[]=600100200")

    assert response.status_code == 429
    assert response["Retry-After"] == "7"
    assert response.json()["errors"][0]["message"] == "Too many requests. Try again later."
    assert Record.objects.filter(phone_number="600100200").count() == 2


def test_faults_come_after_auth(client, seeded, settings, sleeps):
    settings.SANDBOX_ERROR_RATE = 1.0

    assert client.get("/sandbox/api/outbounds/stats").status_code == 401


def test_rates_split_requests(api, seeded, settings, sleeps):
    settings.SANDBOX_RATE_LIMIT_RATE = 0.3
    settings.SANDBOX_ERROR_RATE = 0.3
    faults.rng.seed(42)

    codes = [api("get", "outbounds/stats").status_code for _ in range(200)]

    assert 30 < codes.count(429) < 90
    assert 30 < sum(code >= 500 for code in codes) < 90
    assert 50 < codes.count(200) < 110


def test_latency_sleeps_before_every_request(api, seeded, settings, sleeps):
    settings.SANDBOX_LATENCY_MS = 250

    api("get", "outbounds/stats")

    assert sleeps == [0.25]


def test_slow_request_is_applied_then_delayed(api, seeded, settings, monkeypatch):
    settings.SANDBOX_SLOW_RATE = 1.0
    settings.SANDBOX_SLOW_MS = 3000
    seen_during_sleep = []

    def sleep(seconds: float) -> None:
        seen_during_sleep.append((seconds, Record.objects.filter(identifier="1234567890").exists()))

    monkeypatch.setattr(faults, "sleep", sleep)

    response = api("delete", DELETE_FIXTURE)

    assert response.status_code == 200
    assert seen_during_sleep == [(3.0, False)]


def test_no_faults_by_default(api, seeded, sleeps):
    codes = {api("get", "outbounds/stats").status_code for _ in range(20)}

    assert codes == {200}
    assert sleeps == []


def test_seeded_rng_repeats(api, seeded, settings, sleeps):
    settings.SANDBOX_ERROR_RATE = 0.5
    faults.rng.seed(7)
    first = [api("get", "outbounds/stats").status_code for _ in range(20)]
    faults.rng.seed(7)
    second = [api("get", "outbounds/stats").status_code for _ in range(20)]

    assert first == second
