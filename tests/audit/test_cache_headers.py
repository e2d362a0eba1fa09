"""Audit pages and the export are never kept in a browser's or a proxy's cache."""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def _assert_not_stored(response) -> None:
    directives = {part.strip() for part in response["Cache-Control"].split(",")}
    assert {"private", "no-store"} <= directives


def test_the_list_its_htmx_partial_an_entry_and_the_export_are_not_stored(
    auditor_client, make_entry
):
    entry = make_entry(target="600100200")

    _assert_not_stored(auditor_client.get(reverse("audit:index")))
    _assert_not_stored(auditor_client.get(reverse("audit:index"), HTTP_HX_REQUEST="true"))
    _assert_not_stored(auditor_client.get(reverse("audit:detail", args=[entry.pk])))
    export = auditor_client.get(reverse("audit:export"))
    _assert_not_stored(export)
    assert b"".join(export.streaming_content)


def test_filters_that_do_not_validate_are_not_stored_either(auditor_client):
    _assert_not_stored(auditor_client.get(reverse("audit:index"), {"date_to": "9999-12-31"}))
    _assert_not_stored(auditor_client.get(reverse("audit:export"), {"date_to": "9999-12-31"}))
