"""The Polish translation is complete, compiled, and what a Polish supervisor gets.

When a test here fails after you added or changed a user-visible string:

    DEBUG=1 .venv/bin/python manage.py makemessages -l pl --ignore=.venv --ignore=var \\
        --ignore=staticfiles
    # translate the new entries in locale/pl/LC_MESSAGES/django.po (and drop any "fuzzy" flag)
    make messages
"""

from __future__ import annotations

import ast
import gettext
import io
import re
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.template import Context, Template
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import ngettext

from thuladmin.bulk.forms import grouped

ROOT = Path(django_settings.BASE_DIR)
PO_FILE = ROOT / "locale" / "pl" / "LC_MESSAGES" / "django.po"
MO_FILE = PO_FILE.with_suffix(".mo")
# The directories makemessages reads for this project's strings.
SOURCES = ("campaigns", "customers", "templates", "thuladmin")
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]|%\((\w+)\)0\d[sd]")
POLISH_PLURAL_FORMS = (
    "nplurals=3; plural=(n==1 ? 0 : n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2);"
)


def read_po(text: str) -> list[dict]:
    """The entries of a .po file: {"flags", "msgctxt", "msgid", "msgid_plural", "msgstr",
    "msgstr[0]", ...}, with continuation lines joined. The header is the entry with msgid ""."""
    entries: list[dict] = []
    entry: dict = {}
    key = ""
    for line in [*text.splitlines(), ""]:
        if not line.strip():
            if entry:
                entries.append(entry)
            entry = {}
            continue
        if line.startswith("#,"):
            entry.setdefault("flags", set()).update(f.strip() for f in line[2:].split(","))
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            entry[key] += ast.literal_eval(line)
        else:
            key, _, value = line.partition(" ")
            entry[key] = ast.literal_eval(value)
    return entries


def translations(entry: dict) -> list[str]:
    return [value for key, value in entry.items() if key.startswith("msgstr")]


def catalog_problems(entries: list[dict]) -> list[str]:
    problems = []
    for entry in entries:
        if not entry.get("msgid"):
            continue  # the header
        label = repr(entry["msgid"][:70])
        if "fuzzy" in entry.get("flags", ()):
            problems.append(f"fuzzy: {label}")
        if not all(translations(entry)):
            problems.append(f"untranslated: {label}")
        if "msgid_plural" in entry and len(translations(entry)) != 3:
            problems.append(f"not three plural forms: {label}")
        wanted = {m.group(1) or m.group(2) for m in PLACEHOLDER.finditer(entry["msgid"])}
        for text in filter(None, translations(entry)):
            found = {m.group(1) or m.group(2) for m in PLACEHOLDER.finditer(text)}
            # A singular form may leave the count out ("jedną minutę"); nothing else may go.
            if found - wanted or wanted - found - {"counter", "count"}:
                problems.append(f"placeholders differ: {label} -> {text[:70]!r}")
    return problems


def test_every_entry_of_the_polish_catalog_is_translated():
    entries = read_po(PO_FILE.read_text(encoding="utf-8"))

    assert len(entries) > 300
    assert catalog_problems(entries) == []
    header = next(entry for entry in entries if entry["msgid"] == "")
    assert f"Plural-Forms: {POLISH_PLURAL_FORMS}\n" in header["msgstr"]
    assert "fuzzy" not in header.get("flags", ())


def test_the_catalog_has_every_string_of_the_code(tmp_path, settings, monkeypatch):
    """makemessages run over the sources (into a copy of the catalog) adds nothing untranslated:
    no string was added or changed in the code without its Polish translation."""
    for name in SOURCES:
        (tmp_path / name).symlink_to(ROOT / name, target_is_directory=True)
    copy = tmp_path / "locale" / "pl" / "LC_MESSAGES" / "django.po"
    copy.parent.mkdir(parents=True)
    shutil.copy(PO_FILE, copy)
    settings.LOCALE_PATHS = []
    monkeypatch.chdir(tmp_path)

    call_command(
        "makemessages", locale=["pl"], symlinks=True, no_obsolete=True, stdout=io.StringIO()
    )

    entries = read_po(copy.read_text(encoding="utf-8"))
    assert catalog_problems(entries) == [], "run makemessages and translate (see this file)"
    added = {entry["msgid"] for entry in entries} - {
        entry["msgid"] for entry in read_po(PO_FILE.read_text(encoding="utf-8"))
    }
    assert added == set(), "run makemessages and translate (see this file)"


def test_the_compiled_catalog_matches_the_po_file():
    """The .mo (git-ignored, built by `make messages`) is the .po of the checkout."""
    assert MO_FILE.exists(), "run `make messages` (needs gettext's msgfmt)"
    with MO_FILE.open("rb") as compiled:
        catalog = gettext.GNUTranslations(compiled)
    for entry in read_po(PO_FILE.read_text(encoding="utf-8")):
        if not entry.get("msgid"):
            continue
        msgid = entry["msgid"]
        if "msgctxt" in entry:
            msgid = entry["msgctxt"] + "\x04" + msgid
        if "msgid_plural" in entry:
            assert catalog.ngettext(msgid, entry["msgid_plural"], 5) == entry["msgstr[2]"], (
                "stale .mo: run `make messages`"
            )
        else:
            assert catalog.gettext(msgid) == entry["msgstr"], "stale .mo: run `make messages`"


@pytest.mark.django_db
def test_a_polish_browser_gets_polish_pages(client, supervisor):
    login = client.get(reverse("login"), headers={"accept-language": "pl,en;q=0.5"})
    assert '<html lang="pl">' in login.content.decode()
    assert "Zaloguj się" in login.content.decode()

    client.force_login(supervisor)
    jobs = client.get(reverse("bulk:index"), headers={"accept-language": "pl"}).content.decode()
    assert "<h1>Zadania zbiorcze</h1>" in jobs
    assert "Nie ma jeszcze zadań zbiorczych." in jobs
    assert ">Kampanie</a>" in jobs
    assert ">Dziennik zmian</a>" in jobs


@pytest.mark.django_db
def test_the_language_switch_sets_a_cookie_that_wins_over_the_browser(client, supervisor):
    client.force_login(supervisor)

    switched = client.post(
        reverse("set_language"), {"language": "pl", "next": reverse("bulk:index")}
    )

    assert switched.status_code == 302
    assert switched.cookies[django_settings.LANGUAGE_COOKIE_NAME].value == "pl"
    page = client.get(reverse("bulk:index"), headers={"accept-language": "en"}).content.decode()
    assert "Każde zadanie rodzajów, które możesz uruchamiać" in page
    english = client.post(reverse("set_language"), {"language": "en", "next": "/jobs/"})
    assert english.cookies[django_settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert (
        "Every job of the kinds you may run" in client.get(reverse("bulk:index")).content.decode()
    )


@pytest.mark.parametrize(
    ("count", "expected"),
    [
        (1, "1 rekord w trakcie rozmowy, nieusunięty."),
        (3, "3 rekordy w trakcie rozmowy, nieusunięte."),
        (5, "5 rekordów w trakcie rozmowy, nieusuniętych."),
        (12, "12 rekordów w trakcie rozmowy, nieusuniętych."),
        (22, "22 rekordy w trakcie rozmowy, nieusunięte."),
    ],
)
def test_polish_has_three_plural_forms(count, expected):
    with translation.override("pl"):
        text = ngettext(
            "%(count)d record in a call, not removed.",
            "%(count)d records in a call, not removed.",
            count,
        ) % {"count": count}
    assert text == expected


def test_template_plurals_in_polish():
    template = Template(
        "{% load i18n %}{% blocktranslate count counter=n with count=n %}"
        "Remove {{ count }} number from campaign {{ campaign_id }}{% plural %}"
        "Remove {{ count }} numbers from campaign {{ campaign_id }}{% endblocktranslate %}"
    )
    with translation.override("pl"):
        rendered = [template.render(Context({"n": n, "campaign_id": "00001"})) for n in (1, 2, 5)]
    assert rendered == [
        "Usuń 1 numer z kampanii 00001",
        "Usuń 2 numery z kampanii 00001",
        "Usuń 5 numerów z kampanii 00001",
    ]


@pytest.mark.parametrize(
    ("language", "count", "when"),
    [
        ("en", "10,000", "Nov. 24, 2025, 3:30 p.m."),
        ("pl", "10\xa0000", "24 listopada 2025 15:30"),
    ],
)
def test_numbers_and_dates_follow_the_language(language, count, when):
    """Counts are grouped the language's way; times are shown in Europe/Warsaw by default."""
    moment = datetime(2025, 11, 24, 14, 30, tzinfo=UTC)  # 15:30 in Warsaw
    template = Template('{% load humanize %}{{ n|intcomma }}|{{ t|date:"DATETIME_FORMAT" }}')
    with translation.override(language):
        assert template.render(Context({"n": 10000, "t": moment})) == f"{count}|{when}"
        assert grouped(10000) == count
        assert formats.number_format(2.5, decimal_pos=1) == ("2.5" if language == "en" else "2,5")
    assert django_settings.TIME_ZONE == "Europe/Warsaw"
    assert timezone.get_current_timezone_name() == "Europe/Warsaw"
