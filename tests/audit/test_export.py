"""The CSV export: the filtered entries, streamed, safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime

import pytest
from django.urls import reverse

from campaigns.models import CampaignName
from thuladmin.audit import views
from thuladmin.audit.models import AuditEntry
from thuladmin.bulk.models import AUDIT_SUBJECT, BulkJob

pytestmark = pytest.mark.django_db

EXPORT = reverse("audit:export")


def rows(response) -> list[list[str]]:
    assert response.status_code == 200
    assert response.streaming
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def test_export_has_every_column_of_the_filtered_entries(auditor_client, make_entry, settings):
    settings.TIME_ZONE = "Europe/Warsaw"
    entry = make_entry(
        action="record.update",
        campaign_id="00001",
        target="R-17",
        phone="516 659 233",
        outcome=AuditEntry.Outcome.FAILURE,
        request={"status_id": "3", "note": "zażółć"},
        response={"error": "Rejected"},
        http_status=400,
        api_message="Wrong status.",
        duration_ms=12,
        created_at=datetime(2026, 3, 1, 11, 0, 0, 123456, tzinfo=UTC),
    )
    make_entry(campaign_id="00002")

    response = auditor_client.get(EXPORT, {"campaign": "00001"})

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="audit-log-')
    header, *data = rows(response)
    assert header == [
        "id",
        "time (Europe/Warsaw)",
        "username",
        "action",
        "action code",
        "campaign",
        "campaign name",
        "target",
        "phone number",
        "outcome",
        "outcome code",
        "HTTP status",
        "Thulium's message",
        "duration (ms)",
        "data (JSON): before, request, response",
    ]
    assert data == [
        [
            str(entry.pk),
            "2026-03-01 12:00:00",  # where the call centre is, to the second
            "supervisor",
            "Record edited",
            "record.update",
            "00001",
            "",  # no name given in the dashboard
            "R-17",
            "516659233",
            "Failure",
            "failure",
            "400",
            "Wrong status.",
            "12",
            # One object, keys sorted whatever the database; nothing recorded before.
            '{"request": {"note": "zażółć", "status_id": "3"}, "response": {"error": "Rejected"}}',
        ]
    ]


def test_export_speaks_the_reader_s_language_codes_beside_the_words(
    auditor_client, make_entry, supervisor, settings
):
    settings.TIME_ZONE = "Europe/Warsaw"
    job = BulkJob.objects.create(kind="phone_numbers", created_by=supervisor, item_count=1)
    make_entry(
        action="bulk.phone_numbers.finish",
        target=f"job {job.pk}",
        outcome=AuditEntry.Outcome.PARTIAL,
        subject_kind=AUDIT_SUBJECT,
        subject_id=job.pk,
    )
    auditor_client.cookies["django_language"] = "pl"

    response = auditor_client.get(EXPORT)

    assert response["Content-Disposition"].startswith('attachment; filename="dziennik-zmian-')
    text = b"".join(response.streaming_content).decode("utf-8")
    header, row = list(csv.reader(io.StringIO(text[1:]), delimiter=";"))
    assert header[:4] == ["ID", "czas (Europe/Warsaw)", "nazwa użytkownika", "akcja"]
    assert header[5:7] == ["kampania", "nazwa kampanii"]
    assert header[9:11] == ["wynik", "kod wyniku"]
    assert row[3:5] == [
        "Usuwanie numerów telefonów z kampanii: zakończono",
        "bulk.phone_numbers.finish",
    ]
    assert row[7] == f"zadanie {job.pk}"
    assert row[9:11] == ["Częściowo wykonane", "partial"]
    assert row[-1] == ""  # nothing sent, nothing came back


def test_export_names_what_an_entry_is_about_as_its_feature_calls_it(
    auditor_client, make_entry, supervisor
):
    job = BulkJob.objects.create(kind="phone_numbers", created_by=supervisor, item_count=1)
    make_entry(
        action="bulk.phone_numbers.start",
        target=f"job {job.pk}",
        subject_kind=AUDIT_SUBJECT,
        subject_id=job.pk,
    )
    make_entry(action="gone.feature", subject_kind="gone.thing", subject_id=7)

    _header, gone, about_job = rows(auditor_client.get(EXPORT))

    assert about_job[7] == f"job {job.pk}"
    assert gone[7] == "gone.thing 7"  # a kind no feature registers: its code


def test_export_uses_every_filter_of_the_list(auditor_client, make_entry, admin_member):
    wanted = make_entry(target="600100200", outcome=AuditEntry.Outcome.REFUSED)
    make_entry(target="600100200")
    make_entry(actor=admin_member, target="600100200", outcome=AuditEntry.Outcome.REFUSED)

    query = {"q": "600 100 200", "outcome": "refused", "user": "supervisor"}
    _header, *data = rows(auditor_client.get(EXPORT, query))

    assert [row[0] for row in data] == [str(wanted.pk)]


def test_export_is_newest_first_and_ignores_the_page_cursor(auditor_client, make_entry):
    entries = [make_entry() for _ in range(3)]

    _header, *data = rows(auditor_client.get(EXPORT, {"before": "nonsense-is-ignored"}))

    assert [int(row[0]) for row in data] == [entry.pk for entry in reversed(entries)]


def test_export_defuses_spreadsheet_formulas(auditor_client, make_entry):
    make_entry(target="+48600100200", api_message='=HYPERLINK("http://x")')
    make_entry(target="@SUM(A1)", api_message="-2+3")

    _header, *data = rows(auditor_client.get(EXPORT))

    assert data[0][7] == "'@SUM(A1)"
    assert data[0][12] == "'-2+3"
    assert data[1][7] == "+48600100200"  # a number, not a formula
    assert data[1][12] == '\'=HYPERLINK("http://x")'


def test_export_of_invalid_filters_goes_back_to_the_list(auditor_client):
    response = auditor_client.get(EXPORT, {"campaign": "1"})

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('audit:index')}?campaign=1"


def test_the_list_links_to_the_export_of_its_filters(auditor_client, make_entry):
    make_entry(campaign_id="00001")

    html = auditor_client.get(reverse("audit:index"), {"campaign": "00001"}).content.decode()

    assert f'href="{EXPORT}?campaign=00001"' in html


def test_export_has_the_values_before_a_change(auditor_client, make_entry):
    make_entry(
        action="record.update",
        request={"status_id": "5"},
        before={"source": "none", "reason": "no_snapshot"},
    )

    _header, row = rows(auditor_client.get(EXPORT))

    assert row[-1] == (
        '{"before": {"reason": "no_snapshot", "source": "none"}, "request": {"status_id": "5"}}'
    )


@pytest.mark.parametrize(
    "stored",
    [
        "2026-07-01 10:05:09.123456+00",  # PostgreSQL, in UTC
        "2026-07-01 10:05:09.123456",  # SQLite, UTC without an offset
        "2026-07-01 12:05:09.123456+02",
    ],
)
def test_the_time_read_as_text_is_the_moment_stored(stored):
    assert views._stored_time(stored) == datetime(2026, 7, 1, 10, 5, 9, 123456, tzinfo=UTC)


def test_a_stored_time_without_fraction_reads_back():
    assert views._stored_time("2026-07-01 10:05:09+00") == datetime(
        2026, 7, 1, 10, 5, 9, tzinfo=UTC
    )


@pytest.mark.parametrize(
    ("stored", "cell"),
    [
        ("{}", "{}"),
        ('{"b": 1, "a": "\\u017c"}', '{"a": "ż", "b": 1}'),  # as SQLite keeps it
        ('{"a": "ż", "b": 1}', '{"a": "ż", "b": 1}'),  # as PostgreSQL writes jsonb
        ("[]", "[]"),
        (None, "null"),
        ('{"numbers": [' + ", ".join(['"600100200"'] * 50) + "]}", None),
    ],
)
def test_a_stored_payload_becomes_sorted_json_every_time(stored, cell):
    expected = cell if cell is not None else json.dumps(json.loads(stored), sort_keys=True)

    assert views._json_cell(stored) == expected
    assert views._json_cell(stored) == expected  # the second time from the kept ones


def test_export_names_each_campaign_beside_its_id(auditor_client, make_entry):
    CampaignName.objects.create(campaign_id="00001", name="Odnowienia umów — listopad")
    make_entry(campaign_id="00001", target="R-1")
    make_entry(campaign_id="00002", target="R-2")
    make_entry(target="R-3")

    header, no_campaign, unnamed, named = rows(auditor_client.get(EXPORT))

    assert header[5:7] == ["campaign", "campaign name"]
    assert named[5:8] == ["00001", "Odnowienia umów — listopad", "R-1"]
    assert unnamed[5:8] == ["00002", "", "R-2"]
    assert no_campaign[5:8] == ["", "", "R-3"]
