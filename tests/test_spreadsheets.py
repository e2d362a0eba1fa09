"""The one CSV writer: every cell of every export through the same escaping rule."""

from __future__ import annotations

import csv
import io

import pytest

from thuladmin.spreadsheets import csv_lines, spreadsheet_safe


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


def test_every_cell_of_every_row_is_escaped_header_included():
    lines = list(csv_lines(["=h"], [["=a", 1], ["5235", "=HYPERLINK(1)"]]))

    assert lines[0].startswith("\ufeff")
    rows = list(csv.reader(io.StringIO("".join(lines).lstrip("\ufeff"))))
    assert rows == [["'=h"], ["'=a", "1"], ["5235", "'=HYPERLINK(1)"]]


def test_the_delimiter_can_be_a_semicolon():
    assert "".join(csv_lines(["a", "b"], [], delimiter=";")) == "\ufeffa;b\r\n"
