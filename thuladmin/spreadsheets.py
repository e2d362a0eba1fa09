"""CSV files for spreadsheets: streamed line by line, every cell made safe to open.

One writer and one escaping rule for every export (the audit log, a job's items), so a value
that came from outside (a pasted token, Thulium's message or record id) can never run as a
formula in whichever export it lands.
"""

from __future__ import annotations

import csv
import itertools
import re
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from django.http import StreamingHttpResponse
from django.utils.formats import get_format
from django.utils.text import slugify

# A cell a spreadsheet would evaluate: it starts with =, +, -, @, a tab or a carriage return.
FORMULA_START = re.compile(r"\A[=+\-@\t\r]")
# The same characters, for the check every cell gets (a set lookup instead of a regex match).
FORMULA_FIRST_CHARACTERS = frozenset("=+-@\t\r")
# A signed number ("+48600100200", "-5", "+48 600 100 200") is only a number: kept as it is.
SIGNED_NUMBER = re.compile(r"\A[+\-][0-9][0-9 ]*\Z")


def spreadsheet_safe(value: Any) -> str:
    """The cell's text, with a leading apostrophe if a spreadsheet would run it as a formula
    (OWASP's advice for CSV injection). None becomes an empty cell."""
    if value is None:
        return ""
    # Cheap for the usual cell: called for every cell of an export of a million rows.
    text = value if type(value) is str else str(value)
    if text[:1] in FORMULA_FIRST_CHARACTERS and not SIGNED_NUMBER.match(text):
        return "'" + text
    return text


def spreadsheet_safe_cells(cells: Iterable[Any]) -> list[Any]:
    """`spreadsheet_safe` of every cell, skipping the call for the cells it would hand back as
    they are: text that does not start like a formula, and whole numbers (which csv.writer
    writes as `str` would). Most cells of a large export are one or the other."""
    first = FORMULA_FIRST_CHARACTERS
    return [
        cell
        if (type(cell) is str and cell[:1] not in first) or type(cell) is int
        else spreadsheet_safe(cell)
        for cell in cells
    ]


class _Echo:
    """A file whose write hands back what is written, so csv.writer yields lines."""

    def write(self, value: str) -> str:
        return value


def csv_lines(
    header: Sequence[Any], rows: Iterable[Sequence[Any]], *, delimiter: str = ","
) -> Iterator[str]:
    """The header and each row as CSV lines, every cell through `spreadsheet_safe` (by way of
    `spreadsheet_safe_cells`), after a byte-order mark so that spreadsheet programs read the
    file as UTF-8."""
    writer = csv.writer(_Echo(), delimiter=delimiter)
    write = writer.writerow
    yield "\ufeff" + write(spreadsheet_safe_cells(header))
    for row in rows:
        yield write(spreadsheet_safe_cells(row))


# A download goes out in pieces of about this many characters (a hundred rows or so): one piece
# a row would cost a write to the socket, and in Django a conversion to bytes, for each row.
PIECE_SIZE = 16 * 1024


def in_pieces(lines: Iterable[str]) -> Iterator[str]:
    """The lines joined into pieces of about PIECE_SIZE characters. The first line (the header)
    goes alone, before any query runs, so the download starts at once."""
    lines = iter(lines)
    yield from itertools.islice(lines, 1)
    piece: list[str] = []
    length = 0
    for line in lines:
        piece.append(line)
        length += len(line)
        if length >= PIECE_SIZE:
            yield "".join(piece)
            piece, length = [], 0
    if piece:
        yield "".join(piece)


def spreadsheet_delimiter() -> str:
    """The separator the reader's spreadsheet expects: ";" where the decimal separator is a comma
    (Polish Excel reads a comma-separated file as one column), "," elsewhere."""
    return ";" if get_format("DECIMAL_SEPARATOR") == "," else ","


# Letters that Unicode does not take apart into a plain letter and a mark, which `slugify`
# would drop ("ł" in "usługi"): written as the plain letters a reader would type instead.
_UNDECOMPOSED_LETTERS = str.maketrans(
    {"ł": "l", "Ł": "L", "đ": "d", "Đ": "D", "ø": "o", "Ø": "O", "ß": "ss", "æ": "ae", "Æ": "AE"}
)


def file_name(*words: Any, extension: str = "csv") -> str:
    """A download's name from words in the reader's language ("Zadanie 3", "Usuwanie numerów"):
    ASCII letters, digits and hyphens only ("zadanie-3-usuwanie-numerow.csv"), which every
    browser, header and file system takes as it is."""
    text = " ".join(str(word) for word in words)
    return f"{slugify(text.translate(_UNDECOMPOSED_LETTERS)) or 'export'}.{extension}"


def csv_response(lines: Iterator[str], *, filename: str) -> StreamingHttpResponse:
    """A download of `lines` (from `csv_lines`), streamed: an export of a million rows never
    sits in memory. Never cached: exports show audit and job data."""
    response = StreamingHttpResponse(in_pieces(lines), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response
