"""The sandbox answered in-process: the client's calls reach the sandbox's views through the
project's WSGI application, in threads of the transport's own, with the client's timeouts."""

from __future__ import annotations

import io
import threading

import pytest
import requests
from django.core.management import call_command

from thuladmin.sandbox import faults
from thuladmin.sandbox.models import Record
from thuladmin.sandbox.transport import InProcessTransport, wsgi_environ
from thuladmin.thulium import errors, get_client, reset_client
from thuladmin.thulium.client import ThuliumClient, build_session

# The views run in the transport's threads, on connections of their own: they see only
# committed data.
pytestmark = pytest.mark.django_db(transaction=True)

SANDBOX_URL = "http://127.0.0.1:8000/sandbox/api/"


@pytest.fixture
def seeded() -> None:
    call_command("sandbox_seed", "--records", "30", "--customers", "5", stdout=io.StringIO())


@pytest.fixture
def in_process(settings):
    settings.THULIUM_URL = ""
    settings.SANDBOX_URL = SANDBOX_URL
    settings.SANDBOX_IN_PROCESS = True
    reset_client()
    yield
    reset_client()


def test_the_client_reads_and_writes_the_sandbox_without_a_server(seeded, in_process):
    client = get_client()
    assert isinstance(client.session.get_adapter(SANDBOX_URL), InProcessTransport)

    page = client.campaign_records("00001", limit=5, offset=5)
    assert page.count > 10
    assert len(page.records) == 5

    created = client.record_create("00001", phone_number="600700800", identifier="in process")
    assert created.record_id
    record = Record.objects.get(identifier="in process")
    assert record.phone_number == "600700800"

    # A path part with a space and a slash-free identifier goes through quoted, arrives decoded.
    client.record_update("00001", "in process", changes={"next_call_date": "2030-01-02 10:00"})
    record.refresh_from_db()
    assert record.next_call_date.year == 2030


def test_a_client_pointed_at_a_real_thulium_never_uses_the_transport(settings, in_process):
    settings.THULIUM_URL = "https://thulium.example.test/api/"
    reset_client()
    assert not isinstance(get_client().session.get_adapter(SANDBOX_URL), InProcessTransport)


def test_switched_off_the_sandbox_is_called_over_http(settings, in_process):
    settings.SANDBOX_IN_PROCESS = False
    reset_client()
    assert isinstance(get_client().session.get_adapter(SANDBOX_URL), requests.adapters.HTTPAdapter)


def test_wrong_credentials_get_the_sandboxs_own_answer(seeded, in_process, settings):
    client = ThuliumClient(
        base_url=SANDBOX_URL,
        username=settings.THULIUM_USER,
        password="not the password",
        session=get_client().session,
    )
    with pytest.raises(errors.AuthenticationFailed):
        client.campaign_statuses("00001")


def test_a_sandbox_slower_than_the_read_timeout_times_out_and_frees_the_caller(
    seeded, settings, monkeypatch
):
    settings.SANDBOX_LATENCY_MS = 1
    release = threading.Event()
    entered = threading.Event()

    def held(seconds: float) -> None:
        entered.set()
        release.wait(timeout=30)

    monkeypatch.setattr(faults, "sleep", held)
    transport = InProcessTransport(threads=2)
    session = build_session()
    session.mount(SANDBOX_URL, transport)
    client = ThuliumClient(
        base_url=SANDBOX_URL,
        username=settings.THULIUM_USER,
        password=settings.THULIUM_PASSWORD,
        session=session,
        read_timeout=0.2,
    )
    try:
        with pytest.raises(errors.Timeout):
            client.campaign_statuses("00001")
        assert entered.is_set()
    finally:
        release.set()
        transport.close()


def test_the_environ_is_what_a_wsgi_server_would_build():
    request = requests.Request(
        "PUT",
        "http://127.0.0.1:8000/sandbox/api/outbounds/00001/records_by_identifier/a%20b%C5%BC",
        params={"lang": "pl"},
        json={"status_id": 3},
        headers={"Authorization": "Basic eA==", "Accept-Encoding": "gzip"},
    ).prepare()

    environ = wsgi_environ(request)

    assert environ["REQUEST_METHOD"] == "PUT"
    assert environ["PATH_INFO"].encode("latin-1").decode() == (
        "/sandbox/api/outbounds/00001/records_by_identifier/a bż"
    )
    assert environ["QUERY_STRING"] == "lang=pl"
    assert environ["CONTENT_TYPE"] == "application/json"
    assert environ["CONTENT_LENGTH"] == str(len(request.body))
    assert environ["wsgi.input"].read() == request.body
    assert environ["HTTP_AUTHORIZATION"] == "Basic eA=="
    assert environ["HTTP_HOST"] == "127.0.0.1:8000"
    assert "HTTP_ACCEPT_ENCODING" not in environ, "answers come back uncompressed"
