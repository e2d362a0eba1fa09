"""What the audit log learns from the parts that write to it, without importing them.

The audit log sits below the features it records: they import it to write entries, it never
imports them. What it needs to know of them, they register here when their app loads:

- the actions they write, with a label a person reads ("Record edited"), for the action filter;
- how a searched phone number or id is normalised, and which of their own rows mention it
  (a bulk job's items), so one search finds both the entries about it and the jobs it was in;
- the kinds of their own rows an entry may be about (a bulk job): what one is called, what an
  entry's page says of it (in words: a job's outcomes, size and duration) and where it can be
  opened, for those allowed to open it;
- how an entry's change reads in words, field by field, before and sent (a record edit);
- for a search of one item, where that item's own row is among an entry's subject (a bulk job's
  row for a searched number) and how it ended, in words.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
    from django.db.models import Expression, Q
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
    through the feature's own rows (e.g. entries whose subject is one of the jobs that held
    it), or None.
    """

    values: Callable[[str], Sequence[str]]
    related: Callable[[Sequence[str]], Q | None]


_ITEM_SEARCHES: list[ItemSearch] = []


def register_item_search(search: ItemSearch) -> None:
    _ITEM_SEARCHES.append(search)


def item_searches() -> list[ItemSearch]:
    return list(_ITEM_SEARCHES)


@dataclass(frozen=True, slots=True)
class SubjectView:
    """What an entry's page says of its subject, in the active language: a heading ("Bulk
    job"), its name ("Job 12"), where it can be opened (its page, "" when the user may not open
    it or it is gone) with the link's words ("Job 12: results per item"), what it is ("Remove
    phone numbers from a campaign, finished"), or "" when that is not known, and facts about
    it, each a label and a value in words (("Items", "31"), ("Outcomes", "23 removed, …")).

    `many_calls`: the subject is many calls to Thulium (a job), not one, so the entry's own
    HTTP status and duration say nothing of it and its page leaves them out: its facts say
    what happened (its items' outcomes, its own duration)."""

    heading: str
    name: str
    url: str = ""
    link_text: str = ""
    details: str = ""
    facts: tuple[tuple[str, str], ...] = ()
    many_calls: bool = False


@dataclass(frozen=True, slots=True)
class Subject:
    """A kind of row of a feature's own that entries may be about (a bulk job), registered
    under the name the entries store as their `subject_kind`; they store its id as their
    `subject_id`. The audit log keeps no foreign key to it: it sits below the features, and
    their tables are theirs (an entry still names a subject that is gone).

    `label`: what one is called ("bulk job"). `name`: what one is called with its id in
    running text, a template with `%(id)s` ("job %(id)s"), for the entry's target in words on
    the pages and in the export (None: the label and the id). `summary`: an expression on audit
    entries (a subquery by `OuterRef("subject_id")`) that reads what the entry's page shows of
    its subject in the entry's own query, or None. `describe(user, entry, summary)`: what the
    page says of it; `summary` is what that expression read (None when the row is gone). The
    entry is typed loosely: the models import this module, not the reverse.
    """

    label: Promise | str
    describe: Callable[[AbstractBaseUser | AnonymousUser, Any, Any], SubjectView]
    summary: Callable[[], Expression] | None = None
    name: Promise | str | None = None


_SUBJECTS: dict[str, Subject] = {}


def register_subject(kind: str, subject: Subject) -> None:
    _SUBJECTS[kind] = subject


def subjects() -> dict[str, Subject]:
    return dict(_SUBJECTS)


def subject_view(user: AbstractBaseUser | AnonymousUser, entry: Any) -> SubjectView | None:
    """What an entry's page says of its subject, None when it has none. A subject of a kind no
    feature registers (any more) is named by its kind and id."""
    if entry.subject_id is None:
        return None
    subject = _SUBJECTS.get(entry.subject_kind)
    if subject is None:
        return SubjectView(
            heading=str(_("Subject")), name=f"{entry.subject_kind} {entry.subject_id}"
        )
    return subject.describe(user, entry, getattr(entry, "subject_summary", None))


def subject_names() -> dict[str, str]:
    """Each kind of subject's name template (`Subject.name`, with `%(id)s`) in the active
    language, translated once: for a page or an export that names the subjects of many
    entries (`target_text`)."""
    return {
        kind: str(subject.name) if subject.name is not None else f"{subject.label} %(id)s"
        for kind, subject in _SUBJECTS.items()
    }


def target_text(
    target: str, subject_kind: str, subject_id: int | None, names: Mapping[str, str]
) -> str:
    """What an entry is about, in words in the active language: its subject by the name its
    feature gives it ("zadanie 3" for the stored "job 3"), or else the target as stored (a
    record identifier, a number, a customer id: not words of ours, nothing to translate); a
    subject no feature registers (any more), without a target, by its kind and id. `names` is
    `subject_names()`, read once for many entries."""
    if subject_id is None:
        return target
    name = names.get(subject_kind)
    if name is not None:
        return name % {"id": subject_id}
    return target or f"{subject_kind} {subject_id}"


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


@dataclass(frozen=True, slots=True)
class EntryAction:
    """Something a feature offers to do about what an entry records ("Restore this record" on
    a record's deletion): a button on the entry's page that POSTs to `url`, the feature's own
    view, with `help_text` under it saying what it will do. Offered only to those who may."""

    label: str
    url: str
    help_text: str = ""


# (user, entry) -> what the entry's page offers that user. The entry is typed loosely, as above.
EntryActions = Callable[["AbstractBaseUser | AnonymousUser", Any], Sequence[EntryAction]]
_ENTRY_ACTIONS: dict[str, list[EntryActions]] = {}


def register_entry_actions(action: str, actions: EntryActions) -> None:
    _ENTRY_ACTIONS.setdefault(action, []).append(actions)


def entry_actions(user: AbstractBaseUser | AnonymousUser, entry: Any) -> list[EntryAction]:
    """What the features offer to do about `entry`, for `user` (none for most actions)."""
    return [
        offered
        for actions in _ENTRY_ACTIONS.get(entry.action, ())
        for offered in actions(user, entry)
    ]
