"""What a page shows a Polish reader that is not Polish: English from the catalogue, raw codes.

`leaks(html)` reads a rendered page as a reader sees it and names every leak in its visible text:

- (a) an English phrase of the code's message catalogue (locale/pl/LC_MESSAGES/django.po) whose
  Polish differs from it: a string the code shows untranslated, or a translation missing;
- (b) a raw Thulium or engine code: a system status (`TO_CALL`), an outcome (`REMOVED`), a detail
  code (`phones.short_for_region`), a kind (`phone_numbers`), an audit action (`record.update`),
  an API path (`outbounds/00001/…`) or raw JSON;
- (c) an English sentence the catalogue does not know (a string never marked for translation),
  by the words English cannot do without and Polish has not ("the", "and", "of", …).

In a `<details>` fold, apart from its `<summary>`, codes are allowed (the fold is where ids,
codes and raw bodies go for those who need them), English is not; in `<pre>` and `<code>`,
English is allowed (data laid out as it came: a raw body), codes are not (outside a fold).
What is not the reader's text at all is left out before looking:

- `<script>`, `<style>` and `<template>`; attribute values, but for those a reader reads or
  hears (`title`, `aria-label`, `placeholder`, `alt`); form field values (`<textarea>`, an
  input's value);
- elements marked as data (`translate="no"`, the HTML standard's "do not translate", or
  `data-verbatim`): what a supervisor typed or Thulium returned (phone numbers, identifiers,
  agent logins, status names, Thulium's own messages) is shown as it is, whatever its language.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

from django.conf import settings

from tests.test_translations import read_po

PO_FILE = Path(settings.BASE_DIR) / "locale" / "pl" / "LC_MESSAGES" / "django.po"

# Elements that never close (no end tag to wait for).
VOID = frozenset(
    [
        "area",
        "base",
        "br",
        "col",
        "embed",
        "hr",
        "img",
        "input",
        "link",
        "meta",
        "param",
        "source",
        "track",
        "wbr",
    ]
)
# Elements whose text is never the reader's words.
NOT_TEXT = frozenset({"script", "style", "template", "textarea"})
# Attributes whose values a reader reads (or hears).
READ_ATTRIBUTES = ("title", "aria-label", "placeholder", "alt")
# Elements that end a run of text: a phrase is not looked for across them.
BLOCKS = frozenset(
    [
        "address",
        "article",
        "aside",
        "blockquote",
        "br",
        "caption",
        "dd",
        "div",
        "dl",
        "dt",
        "fieldset",
        "figcaption",
        "figure",
        "footer",
        "form",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hr",
        "label",
        "legend",
        "li",
        "main",
        "nav",
        "ol",
        "optgroup",
        "option",
        "p",
        "pre",
        "section",
        "select",
        "summary",
        "table",
        "tbody",
        "td",
        "tfoot",
        "th",
        "thead",
        "tr",
        "ul",
        "button",
        "details",
        "dialog",
    ]
)

# English words of the catalogue that may stand on a Polish page, each with why: Polish has the
# same word, with another meaning.
ALLOWED_ENGLISH = {
    "To": "Polish 'to' (it, this), which starts many a sentence",
    "By": "Polish 'by' (so as to), which may start one",
}

# A phrase is looked for when it is this long at least (shorter ones, "in a", are too common).
MIN_PHRASE_CHARS = 8


@dataclass
class Run:
    """A run of text a reader reads: inside a fold (where codes may be), inside `<pre>` or
    `<code>` (data laid out as it is, not prose), or neither."""

    text: str = ""
    folded: bool = False
    code: bool = False


@dataclass(frozen=True)
class _Open:
    tag: str
    data: bool  # not the reader's words at all: not read
    folded: bool  # in a fold, outside its summary
    code: bool  # in <pre> or <code>


class _VisibleText(HTMLParser):
    """The text a reader reads, in runs (one per block), without data and code."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[_Open] = []
        self.runs: list[Run] = [Run()]

    def _child(self, tag: str, attributes: dict) -> _Open:
        parent = self.stack[-1] if self.stack else _Open("", False, False, False)
        data = (
            parent.data
            or tag in NOT_TEXT
            or attributes.get("translate") == "no"
            or "data-verbatim" in attributes
        )
        folded = parent.folded
        if parent.tag == "details":
            # A fold's summary is read as its fold is; the rest of it is folded.
            folded = parent.folded or tag != "summary"
        return _Open(tag, data, folded, parent.code or tag in ("pre", "code"))

    def _add(self, text: str, where: _Open) -> None:
        last = self.runs[-1]
        if (last.folded, last.code) != (where.folded, where.code):
            last = Run(folded=where.folded, code=where.code)
            self.runs.append(last)
        last.text += text

    def _end_run(self) -> None:
        self.runs.append(Run())

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        element = self._child(tag, attributes)
        if tag in BLOCKS:
            self._end_run()
        if not element.data:
            # What a reader reads (or hears) of an element's attributes: a run of its own.
            for name in READ_ATTRIBUTES:
                if attributes.get(name):
                    self._end_run()
                    self._add(attributes[name], element)
                    self._end_run()
        if tag not in VOID:
            self.stack.append(element)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag):
        if tag in BLOCKS:
            self._end_run()
        for depth in range(len(self.stack) - 1, -1, -1):
            if self.stack[depth].tag == tag:
                del self.stack[depth:]
                return

    def handle_data(self, data):
        where = self._child("#text", {})
        if not where.data:
            self._add(data, where)


def visible_runs(html: str) -> list[Run]:
    """The runs of text a reader reads on the page, whitespace collapsed."""
    parser = _VisibleText()
    parser.feed(html)
    parser.close()
    runs = (Run(" ".join(run.text.split()), run.folded, run.code) for run in parser.runs)
    return [run for run in runs if run.text]


def visible_text(html: str) -> list[str]:
    """The text of `visible_runs`, folds included."""
    return [run.text for run in visible_runs(html)]


# --- (a) English from the catalogue ----------------------------------------------------------

_PLACEHOLDER = re.compile(r"%\(\w+\)0?\d*[sdf]|%[sd]|\{\{.*?\}\}|<[^>]+>|\{\w*\}")
_WORD = re.compile("[A-Za-z][A-Za-z'\u2019-]*")
# Punctuation around a piece of a msgid: quotes, dashes, brackets, ellipses.
TRIMMED = " .,:;!?\u2026()[]\"'\u201c\u201d\u2018\u2019\u2014\u2013-\u00b7|/"


def _pieces(msgid: str) -> list[str]:
    """The literal runs of a msgid worth looking for: between its placeholders and tags,
    trimmed of punctuation, of two words or more (one of them at least four letters long)."""
    pieces = []
    for piece in _PLACEHOLDER.split(msgid):
        piece = " ".join(piece.split()).strip(TRIMMED)
        words = _WORD.findall(piece)
        if (
            len(words) >= 2
            and len(piece) >= MIN_PHRASE_CHARS
            and any(len(word) >= 4 for word in words)
        ):
            pieces.append(piece)
    return pieces


@functools.cache
def english_phrases() -> tuple[re.Pattern, re.Pattern]:
    """Two patterns: the catalogue's English phrases (any case) and its distinctive single
    words (as written), each only if its Polish differs."""
    phrases: set[str] = set()
    words: set[str] = set()
    for entry in read_po(PO_FILE.read_text(encoding="utf-8")):
        msgid = entry.get("msgid", "")
        if not msgid:
            continue
        polish = [value for key, value in entry.items() if key.startswith("msgstr")]
        for english in filter(None, (msgid, entry.get("msgid_plural", ""))):
            if english in polish:
                continue  # the same in Polish: not a leak when seen
            bare = english.strip(" .,:;!?…")
            if _WORD.fullmatch(bare):
                words.add(bare)
                continue
            phrases.update(_pieces(english))
    for allowed in ALLOWED_ENGLISH:
        phrases.discard(allowed)
        words.discard(allowed)

    def pattern(texts: set[str], flags: int) -> re.Pattern:
        alternatives = "|".join(
            r"\s+".join(map(re.escape, text.split())) for text in sorted(texts, key=len)[::-1]
        )
        return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", flags)

    return pattern(phrases, re.IGNORECASE), pattern(words, 0)


# --- (b) raw codes -----------------------------------------------------------------------------


@functools.cache
def raw_codes() -> re.Pattern:
    """Codes of Thulium and of the engine, built from the code that defines them."""
    from thuladmin.audit import registry
    from thuladmin.audit.models import AuditEntry
    from thuladmin.bulk import details, kinds
    from thuladmin.bulk.models import BulkJob, Outcome
    from thuladmin.phones import REASONS
    from thuladmin.thulium.types import SystemStatus

    codes: set[str] = set(SystemStatus)
    codes.update(Outcome.values)
    codes.update(BulkJob.State.values)
    codes.update(AuditEntry.Outcome.values)
    for kind in kinds.registered_kinds():
        codes.add(kind.name)
        for outcomes in kind.outcomes:
            codes.add(str(outcomes))
    codes.update(details._DETAILS)
    codes.update(REASONS)
    codes.update(action for action, _label in registry.known_actions())
    # The job states and audit outcomes that are plain English words are already looked for as
    # English (and "nothing", "draft" would be too loose as codes): only the coded ones here.
    codes = {code for code in codes if not code.isalpha() or code.isupper()}
    alternatives = "|".join(map(re.escape, sorted(codes, key=len, reverse=True)))
    api = (
        r"(?:batch/)?outbounds/[\w{}]+(?:/[\w{}]+)*"
        r"|records_by_identifier|outbound_status_by_phone_number|customers/\d+"
    )
    json = r"[\[{]\s*\"[\w.-]+\"\s*:"
    return re.compile(rf"(?<![\w/.])(?:{alternatives})(?![\w.])|{api}|{json}")


# (c) English the catalogue does not know (a string never marked for translation): words
# English sentences cannot do without and Polish has not.
ENGLISH_GLUE = re.compile(
    r"(?<!\w)(?:the|and|of|is|are|with|from|this|your|was|were|not)(?!\w)", re.I
)


def text_leaks(text: str, *, english: bool = True, codes: bool = True) -> list[str]:
    """Every leak in one run of plain text (a page's, or a CSV cell): English, unless
    `english` is false, and codes, unless `codes` is false."""
    phrases, words = english_phrases()
    checks = []
    if english:
        checks += [("English", phrases), ("English", words), ("English", ENGLISH_GLUE)]
    if codes:
        checks.append(("code", raw_codes()))
    found = []
    for label, pattern in checks:
        for match in pattern.finditer(text):
            start = max(0, match.start() - 40)
            found.append(f"{label}: {match.group()!r} in …{text[start : match.end() + 40]}…")
    return found


def leaks(html: str) -> list[str]:
    """Every leak on the page, as "kind: what (in: the text around it)". In a fold, codes are
    allowed (not English); in `<pre>` and `<code>`, English is (data laid out as it came)."""
    return [
        found
        for run in visible_runs(html)
        for found in text_leaks(run.text, english=not run.code, codes=not run.folded)
    ]
