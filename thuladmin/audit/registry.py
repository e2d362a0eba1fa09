"""What the audit log learns from the parts that write to it, without importing them.

The audit log sits below the features it records: they import it to write entries, it never
imports them. What it needs to know of them, they register here when their app loads:

- the actions they write, with a label a person reads ("Record edited"), for the action filter;
- how a searched phone number or id is normalised, and which of their own rows mention it
  (a bulk job's items), so one search finds both the entries about it and the jobs it was in;
- where an entry's subject can be opened (a bulk job's page), for those allowed to open it;
- how an entry's change reads in words, field by field, before and sent (a record edit);
- for a search of one item, where that item's own row is among an entry's subject (a bulk job's
  row for a searched number) and how it ended, in words.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
    from django.db.models import Q
    from django.utils.functional import Promise


_ACTIONS: dict[str, Promise | str] = {}


def register_action(action: str, label: Promise | str) -> None:
    _ACTIONS[action] = label


def known_actions() -> list[tuple[str, str]]:
    """(action, label) of every action registered, sorted by label in the active language."""
    return sorted(((action, str(label)) for action, label in _ACTIONS.items()), key=lambda a: a[1])


def action_label(action: str) -> str:
    """What an action is called in the active language; unknown actions (written by a version
    that had them) keep their code."""
    label = _ACTIONS.get(action)
    return str(label) if label is not None else action


@dataclass(frozen=True, slots=True)
class ItemSearch:
    """How one feature takes part in the audit log's item search.

    `values(text)`: the forms the typed text may have been stored in (e.g. a phone number
    without spaces). `related(values)`: a condition on audit entries that are about the item
    through the feature's own rows (e.g. `bulk_job_id IN (...)`), or None.
    """

    values: Callable[[str], Sequence[str]]
    related: Callable[[Sequence[str]], Q | None]


_ITEM_SEARCHES: list[ItemSearch] = []


def register_item_search(search: ItemSearch) -> None:
    _ITEM_SEARCHES.append(search)


def item_searches() -> list[ItemSearch]:
    return list(_ITEM_SEARCHES)


# (user, audit entry) -> the URL of what the entry is about, or "" when there is none or the user
# may not open it. The first non-empty answer wins. (The entry is typed loosely: the models
# import this module, not the reverse.)
EntryLink = Callable[["AbstractBaseUser | AnonymousUser", Any], str]
_ENTRY_LINKS: list[EntryLink] = []


def register_entry_link(link: EntryLink) -> None:
    _ENTRY_LINKS.append(link)


def entry_link(user: AbstractBaseUser | AnonymousUser, entry: Any) -> str:
    for link in _ENTRY_LINKS:
        url = link(user, entry)
        if url:
            return url
    return ""


@dataclass(frozen=True, slots=True)
class ChangeRow:
    """One field of a change in words, in the active language: what it held before (or why
    that is not known) and what was sent."""

    field: str
    before: str
    sent: str
    before_known: bool = True


@dataclass(frozen=True, slots=True)
class ChangeTable:
    """A change in words: its rows, and where the "before" values come from ("from the campaign
    snapshot of 3 May, 10:12"; "not known: the campaign has no snapshot")."""

    rows: tuple[ChangeRow, ...]
    before_source: str


# action -> (entry -> its change in words, or None). The entry is typed loosely, as above.
ChangeDescriber = Callable[[Any], "ChangeTable | None"]
_CHANGES: dict[str, ChangeDescriber] = {}


def register_changes(action: str, describe: ChangeDescriber) -> None:
    _CHANGES[action] = describe


def change_table(entry: Any) -> ChangeTable | None:
    """The entry's change field by field, if the feature that wrote it can say so."""
    describe = _CHANGES.get(entry.action)
    return describe(entry) if describe is not None else None


@dataclass(frozen=True, slots=True)
class ItemLink:
    """Where a searched item's own row is, in what an entry is about (its row in a bulk job's
    results), and how it ended there, in words in the active language; `tone` is the badge's
    colour ("success", "info", "warning", "error" or "neutral")."""

    url: str
    value: str
    outcome: str
    tone: str = "neutral"


# (user, a page of entries, the searched text) -> {entry id: ItemLink}, for the entries whose
# subject holds the item and that the user may open. Called once per page of a search, never
# per entry: it must read what it needs for the whole page at once (one query).
ItemLinks = Callable[
    ["AbstractBaseUser | AnonymousUser", Sequence[Any], str], Mapping[int, ItemLink]
]
_ITEM_LINKS: list[ItemLinks] = []


def register_item_links(links: ItemLinks) -> None:
    _ITEM_LINKS.append(links)


def item_links(
    user: AbstractBaseUser | AnonymousUser, entries: Sequence[Any], text: str
) -> dict[int, ItemLink]:
    found: dict[int, ItemLink] = {}
    for links in _ITEM_LINKS:
        for entry_id, link in links(user, entries, text).items():
            found.setdefault(entry_id, link)
    return found
