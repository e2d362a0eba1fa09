"""Dates and page cursors at the ends of the calendar get a form error, never a 500."""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

INDEX = reverse("audit:index")
EXPORT = reverse("audit:export")


def _error(response, field: str) -> str:
    html = response.content.decode()
    return html.split(f'id="id_{field}_error"', 1)[1].split("</small>", 1)[0]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("date_to", "9999-12-31"),
        ("date_from", "0001-01-01"),
        ("date_from", "9999-12-31"),
        ("date_to", "0001-01-01"),
        ("date_to", "1999-12-31"),
        ("date_from", "3000-01-01"),
    ],
)
def test_a_date_outside_the_range_is_explained_next_to_the_field(
    auditor_client, make_entry, field, value
):
    make_entry()

    response = auditor_client.get(INDEX, {field: value})

    assert response.status_code == 200
    assert response.context["entries"] == []
    assert "Pick a date between Jan. 1, 2000 and Dec. 31, 2999, or leave it empty." in _error(
        response, field
    )


def test_the_ends_of_the_range_are_accepted(auditor_client, make_entry):
    entry = make_entry()

    response = auditor_client.get(INDEX, {"date_from": "2000-01-01", "date_to": "2999-12-31"})

    assert [listed.pk for listed in response.context["entries"]] == [entry.pk]


@pytest.mark.parametrize(
    "cursor",
    [
        "0001-01-01T00:00:00+14:00,5",
        "9999-12-31T23:59:59.999999-14:00,5",
        "2026-01-01T00:00:00Z,99999999999999999999999",
        "2026-01-01T00:00:00Z,9223372036854775808",
        "2026-01-01T00:00:00Z,-1",
    ],
)
def test_an_extreme_page_cursor_is_a_damaged_link(auditor_client, make_entry, cursor):
    make_entry()

    response = auditor_client.get(INDEX, {"before": cursor})

    assert response.status_code == 200
    assert "This link to older entries is damaged" in response.content.decode()


def test_far_cursors_that_fit_the_calendar_list_what_is_before_them(auditor_client, make_entry):
    entry = make_entry()

    late = auditor_client.get(INDEX, {"before": "9999-12-31T00:00:00Z,9223372036854775807"})
    early = auditor_client.get(INDEX, {"before": "0001-01-01T00:00:00Z,1"})

    assert [listed.pk for listed in late.context["entries"]] == [entry.pk]
    assert early.context["entries"] == []


@pytest.mark.parametrize(
    "query",
    [
        {"date_to": "9999-12-31"},
        {"date_from": "0001-01-01"},
        {"date_from": "0001-01-01", "before": "0001-01-01T00:00:00+14:00,5"},
    ],
)
def test_the_export_with_such_filters_leads_back_to_the_list(auditor_client, make_entry, query):
    make_entry()

    response = auditor_client.get(EXPORT, query)

    assert response.status_code == 302
    assert response["Location"].startswith(INDEX)
    assert auditor_client.get(response["Location"]).status_code == 200
