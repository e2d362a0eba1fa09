"""The records list's export: the rows the list's filters match (all pages), from the campaign's
copy, in the reader's language and format, streamed; the list's link to it; who may have it."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from campaigns.models import CampaignCopy, CampaignSnapshot, SnapshotRecord
from campaigns.records import export
from tests.campaigns.test_records_list import STATUSES, page_body
from tests.campaigns.test_snapshot import RECORDS_URL, STATUSES_URL

pytestmark = pytest.mark.django_db

EXPORT_URL = reverse("campaigns:records_export", args=["00001"])
LIST_URL = reverse("campaigns:records", args=["00001"])
AS_OF = timezone.make_aware(timezone.datetime(2026, 3, 1, 12, 41, 5))

# identifier, status id, status name, system status, created, last call, deleted
ROWS = [
    ("new-1", "1", "New", "TO_CALL", "2025-01-01 00:00:00", "", False),
    ("new-2", "1", "New", "TO_CALL", "2025-01-31 23:59:59", "2025-02-01 08:00:00", False),
    ("refused", "4", "Refused", "NO_CALL", "2025-02-01 00:00:00", "2025-02-02 23:59:59", False),
    ("later", "5", "Call later", "CALL_NO_SOONER_THAN", "2024-12-31 23:59:59", "", False),
    ("to-call", "6", "To call", "TO_CALL", "2025-01-15 10:00:00", "2025-02-03 00:00:00", False),
    ("gone", "1", "New", "TO_CALL", "2025-01-10 10:00:00", "", True),
]


def _copy(rows=ROWS, *, campaign_id="00001", as_of=AS_OF) -> CampaignSnapshot:
    snapshot = CampaignSnapshot.objects.create(
        campaign_id=campaign_id, state="ready", is_current=True, finished_at=as_of
    )
    CampaignCopy.objects.create(campaign_id=campaign_id, refreshed_at=as_of)
    SnapshotRecord.objects.bulk_create(
        SnapshotRecord(
            snapshot=snapshot,
            record_id=str(index),
            identifier=identifier,
            phone_number=f"60010020{index}",
            phone_normalised=f"60010020{index}",
            status_id=status_id,
            status_name=name,
            system_status=system_status,
            agent_login="j.doe" if index % 2 else "",
            next_call_date="2026-03-02 09:00:00" if system_status == "CALL_NO_SOONER_THAN" else "",
            call_date=called,
            create_date=created,
            deleted=deleted,
        )
        for index, (identifier, status_id, name, system_status, created, called, deleted) in (
            enumerate(rows)
        )
    )
    return snapshot


def _read(response) -> tuple[list[str], list[list[str]]]:
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    delimiter = ";" if text.splitlines()[0].count(";") > 1 else ","
    lines = list(csv.reader(io.StringIO(text[1:]), delimiter=delimiter))
    return lines[0], lines[1:]


def _identifiers(client, query: str = "") -> list[str]:
    response = client.get(f"{EXPORT_URL}?{query}" if query else EXPORT_URL)
    assert response.status_code == 200, response
    return [row[0] for row in _read(response)[1]]


# --- the rows -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "identifiers"),
    [
        ("", ["new-1", "new-2", "refused", "later", "to-call"]),
        ("status=1", ["new-1", "new-2"]),
        ("status=1&status=4", ["new-1", "new-2", "refused"]),
        ("system_status=TO_CALL", ["new-1", "new-2", "to-call"]),
        ("system_status=TO_CALL&status=6", ["to-call"]),
        ("system_status=NO_CALL&system_status=CALL_NO_SOONER_THAN", ["refused", "later"]),
        ("created_from=2025-01-01&created_to=2025-01-31", ["new-1", "new-2", "to-call"]),
        ("created_to=2024-12-31", ["later"]),
        ("called_from=2025-02-01&called_to=2025-02-02", ["new-2", "refused"]),
        # A record never called has no last call: a bound on it leaves it out.
        ("called_to=2025-02-03", ["new-2", "refused", "to-call"]),
        ("called_from=2025-02-03", ["to-call"]),
        ("created_to=9999-12-31", ["new-1", "new-2", "refused", "later", "to-call"]),
        ("created_from=2025-01-01&status=4&called_to=2025-02-02", ["refused"]),
        # The page's number and size are the list's, not the export's: every page is in it.
        ("page=2&size=25", ["new-1", "new-2", "refused", "later", "to-call"]),
    ],
)
def test_the_export_has_every_record_the_filters_match_and_no_other(
    supervisor_client, query, identifiers
):
    _copy()
    _copy(campaign_id="00002")  # another campaign's copy stays out
    assert _identifiers(supervisor_client, query) == identifiers


def test_a_one_day_range_holds_that_whole_day(supervisor_client):
    """Dates are whole days with both ends included, as Thulium's filters (and the sandbox's)
    take them: from midnight to the last second."""
    _copy()
    day = date(2025, 2, 1)
    assert _identifiers(supervisor_client, f"called_from={day}&called_to={day}") == ["new-2"]
    before = day - timedelta(days=1)
    assert _identifiers(supervisor_client, f"created_from={before}&created_to={before}") == [
        "new-2"
    ]


def test_the_export_reads_the_current_copy_only(supervisor_client):
    old = _copy(rows=ROWS[:1])
    CampaignSnapshot.objects.filter(pk=old.pk).update(is_current=False, state="replaced")
    CampaignCopy.objects.all().delete()
    _copy(rows=ROWS[1:2])
    assert _identifiers(supervisor_client) == ["new-2"]


# --- the reader's format --------------------------------------------------------------------------


def test_an_english_reader_gets_the_lists_words_and_commas(supervisor_client):
    _copy()
    CampaignCopy.objects.update(refreshed_at=AS_OF)
    changed = AS_OF + timedelta(minutes=3)
    SnapshotRecord.objects.filter(identifier="later").update(changed_at=changed)

    response = supervisor_client.get(f"{EXPORT_URL}?status=4&status=5")

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Cache-Control"] == "private, no-store"
    assert response["Content-Disposition"] == (
        'attachment; filename="records-of-campaign-00001-20260301-1241.csv"'
    )
    header, rows = _read(response)
    assert header == [
        "Identifier",
        "Phone number",
        "Status",
        "Agent",
        "Last call",
        "Next call date",
        "Created",
        "As of (Europe/Warsaw)",
    ]
    assert rows == [
        [
            "refused",
            "600100202",
            "Refused · Do not call",
            "",
            "2025-02-02 23:59:59",
            "",
            "2025-02-01 00:00:00",
            "2026-03-01 12:41:05",
        ],
        [
            "later",
            "600100203",
            "Call later · Contact no sooner than",
            "j.doe",
            "",
            "2026-03-02 09:00:00",
            "2024-12-31 23:59:59",
            # Changed by the dashboard after the copy's time: true as of that change.
            "2026-03-01 12:44:05",
        ],
    ]


def test_a_polish_reader_gets_polish_words_semicolons_and_file_name(client, supervisor):
    _copy()
    client.force_login(supervisor)
    client.cookies["django_language"] = "pl"

    response = client.get(f"{EXPORT_URL}?status=6&status=4")

    assert response["Content-Disposition"] == (
        'attachment; filename="rekordy-kampanii-00001-20260301-1241.csv"'
    )
    text = b"".join(response.streaming_content).decode()
    assert text.splitlines()[0] == (
        "\ufeffIdentyfikator;Numer telefonu;Status;Agent;Ostatnie połączenie;"
        "Data następnego połączenia;Utworzono;Stan na (Europe/Warsaw)"
    )
    _header, rows = _read_text(text, ";")
    assert [row[2] for row in rows] == ["Refused · Nie dzwonić", "To call · Do dzwonienia"]


def _read_text(text: str, delimiter: str):
    lines = list(csv.reader(io.StringIO(text[1:]), delimiter=delimiter))
    return lines[0], lines[1:]


def test_a_status_named_like_its_kind_is_said_once(supervisor_client):
    _copy(rows=[("x", "9", "Do not call", "NO_CALL", "2025-01-01 00:00:00", "", False)])
    _header, rows = _read(supervisor_client.get(EXPORT_URL))
    assert rows[0][2] == "Do not call"


def test_values_that_look_like_formulas_cannot_run(supervisor_client):
    _copy(rows=[("=HYPERLINK(1)", "1", "@evil", "TO_CALL", "2025-01-01 00:00:00", "", False)])
    _header, rows = _read(supervisor_client.get(EXPORT_URL))
    assert rows[0][0] == "'=HYPERLINK(1)"
    assert rows[0][2].startswith("'@evil")


# --- streaming ------------------------------------------------------------------------------------


def test_the_export_streams_and_reads_rows_only_as_they_are_sent(supervisor_client):
    _copy()
    with CaptureQueriesContext(connection) as queries:
        response = supervisor_client.get(EXPORT_URL)
        assert response.streaming
        before = len(queries.captured_queries)
        pieces = iter(response.streaming_content)
        first = next(pieces)
    assert first.decode().startswith("\ufeffIdentifier,")
    # The header goes out before any record is read.
    assert not any("campaigns_snapshotrecord" in q["sql"] for q in queries.captured_queries)
    assert before == len(queries.captured_queries)
    assert b"".join(pieces).count(b"\n") == 5


def test_a_large_copy_comes_out_whole_in_batches(supervisor_client, monkeypatch):
    monkeypatch.setattr(export, "EXPORT_BATCH", 7)
    many = [(f"id-{n}", "1", "New", "TO_CALL", "2025-01-01 00:00:00", "", False) for n in range(50)]
    _copy(rows=many)
    assert _identifiers(supervisor_client) == [f"id-{n}" for n in range(50)]


# --- when there is nothing to export, and who may -------------------------------------------------


def test_without_a_copy_the_reader_goes_back_to_the_list_with_the_reason(supervisor_client):
    response = supervisor_client.get(f"{EXPORT_URL}?status=4")
    assert response.status_code == 302
    assert response["Location"] == f"{LIST_URL}?status=4"
    [message] = get_messages(response.wsgi_request)
    assert "still being read for the first time" in str(message)


def test_filters_that_do_not_validate_go_back_to_the_list(supervisor_client):
    _copy()
    response = supervisor_client.get(f"{EXPORT_URL}?created_from=2025-02-01&created_to=2025-01-01")
    assert response.status_code == 302
    assert response["Location"].startswith(f"{LIST_URL}?created_from=2025-02-01")


@pytest.mark.parametrize(
    "query",
    [
        "created_from=0001-01-01&called_to=9999-12-31",
        "created_from=9999-12-31",
        "status=abc",
        "status=99999999999999999999999",
        "system_status=BOGUS",
        "page=-1&size=7",
        "called_from=2025-13-45",
    ],
)
def test_any_query_gives_a_file_or_the_list(supervisor_client, query):
    """Values at the calendar's ends, ids no status has, codes Thulium does not know: a file
    (perhaps empty) or the list with its form's errors, never a server error."""
    _copy()
    response = supervisor_client.get(f"{EXPORT_URL}?{query}")
    if response.status_code == 200:
        _read(response)
    else:
        assert response.status_code == 302
        assert response["Location"].startswith(LIST_URL)


def test_users_without_the_role_get_nothing(user_without_role_client):
    _copy()
    response = user_without_role_client.get(EXPORT_URL)
    assert response.status_code == 403


def test_anonymous_visitors_are_sent_to_log_in(client):
    _copy()
    response = client.get(EXPORT_URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


# --- the list's link ------------------------------------------------------------------------------


def test_the_list_links_to_the_export_with_its_filters(supervisor_client, thulium):
    _copy()
    thulium.get(STATUSES_URL, json=STATUSES)
    thulium.get(RECORDS_URL, json=page_body(250, range(1, 101)))

    html = supervisor_client.get(f"{LIST_URL}?status=4&called_from=2025-02-01&page=2").content
    html = html.decode()

    assert (
        f'<a href="{EXPORT_URL}?status=4&amp;called_from=2025-02-01" role="button" '
        'class="secondary outline export" download>Export as CSV</a>'
    ) in html
    assert "from the campaign's copy as of 2026-03-01 12:41." in html


def test_the_filters_fragment_carries_the_new_link(supervisor_client, thulium):
    _copy()
    thulium.get(STATUSES_URL, json=STATUSES)
    thulium.get(RECORDS_URL, json=page_body(3, range(1, 4)))

    response = supervisor_client.get(f"{LIST_URL}?system_status=NO_CALL", HTTP_HX_REQUEST="true")

    html = response.content.decode()
    assert html.lstrip().startswith('<section id="records"')
    assert f'href="{EXPORT_URL}?system_status=NO_CALL"' in html


def test_the_link_speaks_polish(client, supervisor, thulium):
    _copy()
    thulium.get(STATUSES_URL, json=STATUSES)
    thulium.get(RECORDS_URL, json=page_body(3, range(1, 4)))
    client.force_login(supervisor)
    client.cookies["django_language"] = "pl"

    html = client.get(LIST_URL).content.decode()

    assert f'<a href="{EXPORT_URL}" role="button"' in html
    assert "Eksportuj do CSV" in html
    assert "z kopii kampanii aktualnej na 2026-03-01 12:41" in html


def test_no_link_before_the_copy_is_read(supervisor_client, thulium):
    thulium.get(STATUSES_URL, json=STATUSES)
    thulium.get(RECORDS_URL, json=page_body(3, range(1, 4)))

    html = supervisor_client.get(LIST_URL).content.decode()

    assert EXPORT_URL not in html
    assert "The CSV export is ready once the campaign" in html
