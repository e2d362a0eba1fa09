"""What differs between kinds of bulk job, and the registry the engine looks kinds up in.

The engine (models, runner, services, the job pages) knows nothing about phone numbers,
campaigns or customers. Each kind lives in the app it belongs to, in that app's `bulk` module
(found by `BulkConfig.ready`), and owns everything that differs: who may run it, its paste page
and form, its confirmation rule, its wording and templates, its outcomes, how items are grouped
into requests and sent, and how the audit log's search normalises a typed item.

Adding a kind: subclass `BulkKind` in `<app>/bulk.py` (or a module it imports), call
`register()`, route its paste view, and write its template (see `template_name`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from django.conf import settings
from django.utils.formats import number_format
from django.utils.translation import gettext, ngettext_lazy
from django.utils.translation import gettext_lazy as _

from thuladmin.bulk.chunking import chunk_by_url_budget
from thuladmin.bulk.details import NO_DETAIL, Detail, register_detail
from thuladmin.bulk.models import Outcome
from thuladmin.thulium import errors
from thuladmin.thulium.client import query_item

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
    from django.db.models import Choices
    from django.utils.functional import Promise

    from thuladmin.bulk.models import BulkJob
    from thuladmin.bulk.parsing import ParseResult
    from thuladmin.thulium.client import ThuliumClient

    User = AbstractBaseUser | AnonymousUser

ENGINE_OUTCOME_TONES = {
    Outcome.PENDING: "info",
    Outcome.UNCERTAIN: "warning",
    Outcome.ERROR: "error",
    Outcome.INVALID: "error",
    Outcome.SUSPICIOUS: "warning",
}


def counted(singular: str, plural: str) -> Promise:
    """A count of items with one outcome, in words ("3 in a call"): a lazy plural chosen by
    `number` and written with `count` (the number with the language's thousands separator)."""
    return ngettext_lazy(singular, plural, "number")


ENGINE_OUTCOME_COUNTS = {
    Outcome.ERROR: counted("%(count)s failed", "%(count)s failed"),
    Outcome.UNCERTAIN: counted("%(count)s uncertain", "%(count)s uncertain"),
    Outcome.CANCELLED: counted("%(count)s cancelled", "%(count)s cancelled"),
    Outcome.PENDING: counted("%(count)s waiting", "%(count)s waiting"),
    Outcome.INVALID: counted("%(count)s invalid", "%(count)s invalid"),
    Outcome.SUSPICIOUS: counted("%(count)s suspicious", "%(count)s suspicious"),
}

# Thousands separators people type or copy into a count: "1 234", "1,234", "1.234", "1'234".
COUNT_GROUPING = str.maketrans("", "", " \u00a0\u202f,.'\u2019_")


@dataclass(frozen=True, slots=True)
class ItemResult:
    """What Thulium's answer says happened to one item. `outcome` is one of the kind's
    `outcomes`; `detail` (a code with its parameters, and Thulium's own message) is worded
    beside it in the reader's language (`thuladmin.bulk.details`); `record_ids` and
    `removed_count` say which records went, for kinds that remove records."""

    outcome: str
    detail: Detail = NO_DETAIL
    record_ids: tuple[str, ...] = ()
    removed_count: int | None = None


@dataclass(frozen=True, slots=True)
class FollowUpAction:
    """Something a kind offers to do with a job that is over, besides retrying it: "Put the
    previous values back" on a change, "Restore these records" on a removal. A button on the
    job's results page that POSTs to `url`, the kind's own view, which makes a draft follow-up
    job (previewed and confirmed like any other) and redirects to it. `help_text` says what it
    will do, in words, under the button."""

    label: str
    url: str
    help_text: str = ""


@dataclass(frozen=True, slots=True)
class Confirmation:
    """What a supervisor must type before a job starts, so that no large or irreversible job
    starts from a stray click: the label of the field, the text expected, and what to say when
    something else was typed. A `numeric` confirmation (a count) ignores thousands separators."""

    label: str
    expected: str
    mismatch_message: str
    numeric: bool = False

    def matches(self, typed: str) -> bool:
        typed = typed.strip()
        if self.numeric:
            typed = typed.translate(COUNT_GROUPING)
        return typed == self.expected


class BulkKind:
    """One kind of bulk job. Subclasses fill in the class attributes and the methods that
    raise NotImplementedError; the others have defaults most kinds keep."""

    name: ClassVar[str]
    item_label: ClassVar[Promise]
    item_label_plural: ClassVar[Promise]
    # What the job does, as the audit log's action labels and the jobs list name it.
    title: ClassVar[Promise]
    # Under the job page's search box: what can be typed to find an item, and how.
    search_hint: ClassVar[Promise] = _("An item as it was pasted or as it was sent.")
    search_example: ClassVar[str] = ""
    # The results' column of each item's value as sent: "As sent" beside a pasted line; a kind
    # whose items are records names what the value is (a restore's, the record's phone number).
    value_label: ClassVar[Promise] = _("As sent")
    # The outcomes this kind's items can end with, in the order the results page lists them:
    # members of a TextChoices (the engine's `Outcome` or the kind's own), for their labels.
    outcomes: ClassVar[tuple[Choices, ...]]
    # How each of the kind's own outcomes looks: "success", "info", "warning" or "error" (the
    # badge's colour); the engine's outcomes have theirs, the rest are neutral.
    outcome_tones: ClassVar[Mapping[str, str]] = {}
    # Outcomes worth sending again in a follow-up job ("retry").
    retryable_outcomes: ClassVar[tuple[str, ...]] = (Outcome.ERROR, Outcome.UNCERTAIN)
    # Outcomes worth sending again a little later rather than now (e.g. a number in a call):
    # the job page offers to schedule a follow-up job of just those.
    retry_later_outcomes: ClassVar[tuple[str, ...]] = ()
    # Outcomes a supervisor should look at once the job is over (the jobs list's "needs
    # attention"): None means the retryable ones, plus errors and uncertain items.
    attention_outcomes: ClassVar[tuple[str, ...] | None] = None
    # How many items ended one of the kind's own outcomes, in words (see `counted`), for the
    # retry buttons and the jobs list; the engine's outcomes have theirs.
    outcome_counts_words: ClassVar[Mapping[str, Promise]] = {}
    # The kind's own detail codes (see `thuladmin.bulk.details`), each starting with the kind's
    # name and a dot: code -> a lazily translated sentence with named parameters, or several
    # (joined by a space; a plural one is an `ngettext_lazy(..., "parameter")`). Registered
    # with the kind.
    detail_codes: ClassVar[Mapping[str, Promise | tuple[Promise, ...]]] = {}
    # A template with the kind's partials (see templates/bulk/job.html, preview.html and
    # results.html for where each is used): breadcrumbs, heading, summary, confirm_button,
    # preview_header, preview_row, result_header, result_row, job_what.
    template_name: ClassVar[str]
    # Whether that template has a `results_summary` partial, shown on a started job's page above
    # its results (what the job sends, and the jobs it is linked to).
    has_results_summary: ClassVar[bool] = False
    # Whether sending an item twice does no harm (setting a status), so an attempt that got no
    # answer is simply made again and no item is ever "uncertain". Deleting is not safe: a
    # second attempt answers "did not exist" for what the first one removed.
    resend_is_safe: ClassVar[bool] = False
    # Errors after which no other request of the job can succeed either (wrong credentials, no
    # such campaign): the job stops sending and the items left end with the error.
    fatal_errors: ClassVar[tuple[type[errors.ThuliumError], ...]] = (
        errors.AuthenticationFailed,
        errors.NotFound,
    )
    # Whether the preview looks each item up in Thulium (`preview_item`) to show what it is.
    looks_up_items: ClassVar[bool] = False
    # Whether `send` builds its request from the items' previews (a restore sends each record
    # as the draft captured it): the runner then reads them with the chunk's items, in the same
    # query and before it waits for a request slot, and passes them as `previews`. A query in
    # `send` would hold the slot while the database answers.
    sends_previews: ClassVar[bool] = False

    # --- who, where, how to confirm ------------------------------------------------------------

    def may_run(self, user: User) -> bool:
        """Whether `user` may paste, start, cancel, retry and read jobs of this kind."""
        raise NotImplementedError

    def paste_url(self, job: BulkJob) -> str:
        """Where a list of this kind is pasted: where "discard" and "start over" lead."""
        raise NotImplementedError

    def confirmation(self, job: BulkJob) -> Confirmation | None:
        """What must be typed to start `job`, or None when a click is enough."""
        return None

    def page_context(self, job: BulkJob) -> dict:
        """What the kind's partials need beyond the job (e.g. an option in words)."""
        return {}

    def shows_source_lines(self, job: BulkJob) -> bool:
        """Whether `job`'s pages show each item's line and text as pasted ("Line", "As
        pasted"): what a supervisor recognises of a list they typed. A job whose items came from
        records (rows chosen on the records list, every record matching its filters, the
        records a removal took away) has no lines: the kind says False, and its `preview_row`
        and `result_row` partials show each item as the record it is."""
        return True

    def items_on_page(self, job: BulkJob, items: Sequence) -> None:
        """Add to the items on screen (a page of the preview or of the results) what the kind's
        partials show beside them and cannot read from the item alone (whether a record still
        exists, say), in a few queries whatever the page's size. Nothing by default."""

    def follow_up_actions(self, job: BulkJob, user: User) -> list[FollowUpAction]:
        """What the kind offers to do with `job` once it is over, to `user` (who may change
        it); shown beside the retry buttons. None by default."""
        return []

    def audit_before(self, job: BulkJob) -> dict:
        """What the items held before the job changes them, for the `before` of the job's
        start entry in the audit log (written when the job is confirmed, before anything is
        sent). Nothing by default: most kinds remove or set one thing whose earlier state is
        not known."""
        return {}

    # --- items ---------------------------------------------------------------------------------

    def parse(self, text: str, *, options: Mapping) -> ParseResult:
        raise NotImplementedError

    def search_values(self, text: str) -> list[str]:
        """The forms in which `text`, typed into the audit log's search, may have been stored as
        an item of this kind ([] if it cannot be one). The kind's own normaliser, so "600 100
        200" finds the item "600100200"."""
        return []

    def outcome_label(self, outcome: str) -> str:
        """An outcome in words, in the active language; an unknown code as it is."""
        for choice in (*self.outcomes, *Outcome):
            if choice == outcome:
                return str(choice.label)
        return outcome

    def outcome_count_in_words(self, outcome: str, count: int) -> str:
        """How many items ended `outcome`, in words ("3 in a call"), in the active language."""
        words = self.outcome_counts_words.get(outcome) or ENGINE_OUTCOME_COUNTS.get(outcome)
        formatted = number_format(count, force_grouping=True)
        if words is None:
            return gettext("%(outcome)s: %(count)s") % {
                "outcome": self.outcome_label(outcome),
                "count": formatted,
            }
        return words % {"number": count, "count": formatted}

    def outcomes_in_words(self, counts: Mapping[str, int], outcomes: Iterable[str]) -> str:
        """The counts of `outcomes` that occur, in words, in the order the kind lists its
        outcomes: "3 in a call, 20 uncertain"."""
        wanted = list(outcomes)
        ordered = [o for o in self.outcomes if o in wanted] + [
            o for o in wanted if o not in self.outcomes
        ]
        return ", ".join(
            self.outcome_count_in_words(outcome, counts[outcome])
            for outcome in ordered
            if counts.get(outcome)
        )

    def needs_attention(self) -> tuple[str, ...]:
        """The outcomes that make a job that is over need a supervisor's attention."""
        if self.attention_outcomes is not None:
            return self.attention_outcomes
        engine = (Outcome.ERROR, Outcome.UNCERTAIN)
        return (*self.retryable_outcomes, *(o for o in engine if o not in self.retryable_outcomes))

    def outcome_tone(self, outcome: str) -> str:
        return self.outcome_tones.get(outcome) or ENGINE_OUTCOME_TONES.get(outcome, "neutral")

    def chunks(self, client: ThuliumClient, job: BulkJob, values: Iterable[str]) -> Iterator[list]:
        """The items grouped into requests, one list per request, in order."""
        raise NotImplementedError

    def preview_item(self, client: ThuliumClient, value: str) -> dict:
        """What Thulium knows about one item, as JSON for `BulkItem.preview`, so the preview can
        show who or what is about to be changed. Thulium errors propagate (NotFound included:
        the caller decides how to record it)."""
        raise NotImplementedError

    def send(
        self,
        client: ThuliumClient,
        job: BulkJob,
        values: Sequence[str],
        *,
        uncertain: bool,
        previews: Mapping[str, Any] | None = None,
    ) -> dict[str, ItemResult]:
        """Send one request and map Thulium's answer to one result per value it mentions.

        `uncertain` means an earlier attempt of this request may have been applied, so "did not
        exist" may really mean "removed by that attempt" and must be reported as UNCERTAIN
        (always False for kinds whose `resend_is_safe`). `previews` is each value's preview, for
        kinds that `sends_previews` (None otherwise). Thulium errors propagate: the engine
        decides whether to try again.
        """
        raise NotImplementedError

    def recorded(
        self,
        job: BulkJob,
        results: Mapping[str, ItemResult],
        *,
        previews: Mapping[str, Any] | None = None,
    ) -> None:
        """What the kind does with one request's results once they are known (the campaign's
        copy gets what was changed), called in the transaction that writes them down, inside a
        savepoint: a database error here is logged and costs no outcome. `previews` as for
        `send`, when the results are Thulium's answer. Nothing by default."""

    def __str__(self) -> str:
        return self.name


class UrlBatchedKind(BulkKind):
    """A kind whose endpoint takes many items in its query string (`name[]=a&name[]=b`): each
    request carries as many as fit `BULK_URL_BUDGET_BYTES`."""

    # The repeated query parameter, e.g. "phone_number" for `phone_number[]`.
    query_name: ClassVar[str]

    def base_url_length(self, client: ThuliumClient, job: BulkJob) -> int:
        """Bytes of the request URL apart from its items and their `&`s."""
        raise NotImplementedError

    def chunks(self, client: ThuliumClient, job: BulkJob, values: Iterable[str]) -> Iterator[list]:
        return chunk_by_url_budget(
            values,
            base_length=self.base_url_length(client, job),
            item_length=_query_item_length(self.query_name),
            budget=settings.BULK_URL_BUDGET_BYTES,
        )


def _query_item_length(query_name: str) -> Callable[[str], int]:
    """Bytes one value adds to a batch URL (`query_item`), without quoting every value of a
    large job: letters and digits are never quoted, and phone numbers and ids are nearly always
    only those."""
    prefix = len(query_item(query_name, "").encode())

    def length(value: str) -> int:
        if value.isascii() and value.isalnum():
            return prefix + len(value)
        return len(query_item(query_name, value).encode())

    return length


class OneByOneKind(BulkKind):
    """A kind whose endpoint takes one item a request: the runner keeps several in flight."""

    def chunks(self, client: ThuliumClient, job: BulkJob, values: Iterable[str]) -> Iterator[list]:
        return ([value] for value in values)


def type_the_count(job: BulkJob, *, label: str, mismatch_message: str) -> Confirmation:
    return Confirmation(
        label=label, expected=str(job.item_count), mismatch_message=mismatch_message, numeric=True
    )


def type_the_campaign_id(job: BulkJob) -> Confirmation:
    """What a large job in one campaign asks for: its campaign id, typed, so that a list pasted
    into the wrong campaign is caught before anything is sent."""
    return Confirmation(
        label=gettext("This is a large job: type the campaign id, %(campaign_id)s, to confirm")
        % {"campaign_id": job.campaign_id},
        expected=job.campaign_id,
        mismatch_message=gettext("That is not the campaign id: type %(campaign_id)s to start.")
        % {"campaign_id": job.campaign_id},
    )


def above_typed_confirmation_threshold(job: BulkJob) -> bool:
    return job.item_count >= settings.BULK_TYPED_CONFIRMATION_THRESHOLD


# --- the registry ------------------------------------------------------------------------------

_KINDS: dict[str, BulkKind] = {}


def register(kind: BulkKind) -> BulkKind:
    """Make `kind` known to the engine, its pages and the audit log. Called once, when the
    kind's module is imported."""
    if kind.name in _KINDS and type(_KINDS[kind.name]) is not type(kind):
        raise ValueError(f"Two bulk kinds are named {kind.name!r}.")
    for code, sentences in kind.detail_codes.items():
        if not code.startswith(f"{kind.name}."):
            raise ValueError(f"The detail code {code!r} of kind {kind.name!r} must start with it.")
        register_detail(code, *(sentences if isinstance(sentences, tuple) else (sentences,)))
    _KINDS[kind.name] = kind
    return kind


def kind_for(name: str) -> BulkKind:
    return _KINDS[name]


def registered_kinds() -> list[BulkKind]:
    return list(_KINDS.values())


def kinds_user_may_run(user: User) -> list[BulkKind]:
    return [kind for kind in _KINDS.values() if kind.may_run(user)]


def action_name(kind: BulkKind | str, event: str) -> str:
    """The audit log's action for one event of a job ("start", "finish", "cancel")."""
    return f"bulk.{kind}.{event}"


JOB_EVENTS = {
    "start": _("%(title)s: started"),
    "finish": _("%(title)s: finished"),
    "cancel": _("%(title)s: cancelled"),
}
