"""What differs between bulk deletions: the endpoint, how items are parsed, the wording.

The engine knows nothing about phone numbers or customers; `campaigns.bulk` and `customers.bulk`
each register one `BulkKind`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from thuladmin.bulk.models import Outcome

if TYPE_CHECKING:
    from django.utils.functional import Promise

    from thuladmin.bulk.models import BulkJob
    from thuladmin.bulk.parsing import ParseResult
    from thuladmin.thulium.client import ThuliumClient


@dataclass(frozen=True, slots=True)
class ItemResult:
    outcome: Outcome
    detail: str = ""
    record_ids: tuple[str, ...] = ()
    removed_count: int | None = None


class BulkKind:
    """One kind of bulk deletion. Subclasses fill in the class attributes and three methods."""

    name: ClassVar[str]
    # The repeated query parameter, e.g. "phone_number" for `phone_number[]`.
    query_name: ClassVar[str]
    item_label: ClassVar[Promise]
    item_label_plural: ClassVar[Promise]
    # The outcomes this kind's items can end with, in the order the results page lists them.
    outcomes: ClassVar[tuple[Outcome, ...]]
    # Whether the supervisor must type the count (or campaign id) to confirm, whatever the size.
    always_type_to_confirm: ClassVar[bool] = False

    def parse(self, text: str, *, options: Mapping) -> ParseResult:
        raise NotImplementedError

    def base_url_length(self, client: ThuliumClient, job: BulkJob) -> int:
        """Bytes of the request URL apart from its items and their `&`s: chunks are sized
        against it."""
        raise NotImplementedError

    # Whether the preview looks each item up in Thulium (`preview_item`) to show what it is.
    looks_up_items: ClassVar[bool] = False

    def preview_item(self, client: ThuliumClient, value: str) -> dict:
        """What Thulium knows about one item, as JSON for `BulkItem.preview`, so the preview can
        show who or what is about to be deleted. Thulium errors propagate (NotFound included:
        the caller decides how to record it)."""
        raise NotImplementedError

    def send(
        self, client: ThuliumClient, job: BulkJob, values: Sequence[str], *, uncertain: bool
    ) -> dict[str, ItemResult]:
        """Send one chunk and map Thulium's answer to one result per value it mentions.

        `uncertain` means an earlier attempt of this chunk may have been applied, so "did not
        exist" may really mean "removed by that attempt" and must be reported as UNCERTAIN.
        Thulium errors propagate: the engine decides whether to try again.
        """
        raise NotImplementedError


_KINDS: dict[str, BulkKind] = {}


def register(kind: BulkKind) -> BulkKind:
    _KINDS[kind.name] = kind
    return kind


def kind_for(name: str) -> BulkKind:
    return _KINDS[name]
