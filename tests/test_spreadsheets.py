"""The one CSV writer: every cell of every export through the same escaping rule."""

from __future__ import annotations

import csv
import io

import pytest
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from campaigns.bulk.remove_numbers import PHONE_NUMBERS
from thuladmin.bulk.services import bulk_job_draft_create
from thuladmin.spreadsheets import (
    FORMULA_FIRST_CHARACTERS,
    FORMULA_START,
    csv_lines,
    file_name,
    spreadsheet_delimiter,
    spreadsheet_safe,
    spreadsheet_safe_cells,
)


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("+cmd", "'+cmd"),
        ("-2+3", "'-2+3"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("+48600100200", "+48600100200"),
        ("+48 600 100 200", "+48 600 100 200"),
        ("-5", "-5"),
        ("600100200", "600100200"),
        (None, ""),
        (42, "42"),
    ],
)
def test_formulas_are_neutralised_and_numbers_kept(value, cell):
    assert spreadsheet_safe(value) == cell


def test_the_quick_check_knows_the_same_formula_starts_as_the_rule():
    for code in range(0x3000):
        character = chr(code)
        assert (character in FORMULA_FIRST_CHARACTERS) == bool(FORMULA_START.match(character))


@pytest.mark.parametrize(
    ("value", "cell"),
    [("", ""), (-7, "-7"), (1.5, "1.5"), (translation.gettext_lazy("=x"), "'=x")],
)
def test_cells_of_any_type_go_through_the_same_rule(value, cell):
    assert spreadsheet_safe(value) == cell


@given(
    st.lists(
        st.one_of(
            st.none(),
            st.booleans(),
            st.integers(),
            st.floats(allow_nan=False),
            st.text(),
            st.sampled_from(["", "=1+2", "-5", "+48 600", "-x", "@a", "\tx", "\rx", "5235"]),
        ),
        max_size=15,
    )
)
def test_a_row_is_written_as_if_each_cell_went_through_the_rule(cells):
    def written(row) -> str:
        line = io.StringIO()
        csv.writer(line).writerow(row)
        return line.getvalue()

    one_by_one = [spreadsheet_safe(cell) for cell in cells]

    assert [str(cell) for cell in spreadsheet_safe_cells(cells)] == one_by_one
    assert written(spreadsheet_safe_cells(cells)) == written(one_by_one)


def test_every_cell_of_every_row_is_escaped_header_included():
    lines = list(csv_lines(["=h"], [["=a", 1], ["5235", "=HYPERLINK(1)"]]))

    assert lines[0].startswith("\ufeff")
    rows = list(csv.reader(io.StringIO("".join(lines).lstrip("\ufeff"))))
    assert rows == [["'=h"], ["'=a", "1"], ["5235", "'=HYPERLINK(1)"]]


def test_the_delimiter_can_be_a_semicolon():
    assert "".join(csv_lines(["a", "b"], [], delimiter=";")) == "\ufeffa;b\r\n"


def test_a_polish_reader_gets_semicolons_an_english_one_commas():
    with translation.override("pl"):
        assert spreadsheet_delimiter() == ";"
    with translation.override("en"):
        assert spreadsheet_delimiter() == ","


@pytest.mark.django_db
def test_the_job_export_in_polish_is_semicolon_separated_with_labels_in_polish(client, supervisor):
    job = bulk_job_draft_create(
        user=supervisor,
        kind_name=PHONE_NUMBERS.name,
        parsed=PHONE_NUMBERS.parse("600100200\nabc", options={}),
        campaign_id="00001",
    )
    client.force_login(supervisor)

    response = client.get(f"/jobs/{job.pk}/export.csv", headers={"accept-language": "pl"})

    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff")), delimiter=";"))
    assert rows[1][4:6] == ["PENDING", "oczekuje"]
    assert rows[2][4:6] == ["INVALID", "nieprawidłowe, niewysłane"]


@pytest.mark.parametrize(
    ("words", "name"),
    [
        (("Zadanie 3", "Usuwanie numerów"), "zadanie-3-usuwanie-numerow.csv"),
        (("job 3", "Remove phone numbers"), "job-3-remove-phone-numbers.csv"),
        (("Dziennik zmian", "20260301-1200"), "dziennik-zmian-20260301-1200.csv"),
        (("Łódź, usługi: ŁAŃCUCH",), "lodz-uslugi-lancuch.csv"),
        (('"; rm -rf /',), "rm-rf.csv"),
        (("",), "export.csv"),
    ],
)
def test_a_file_name_is_the_words_in_ascii(words, name):
    assert file_name(*words) == name
