"""Splitting a job's items into API requests whose URL stays under a byte budget.

Batch endpoints take their items in the query string, and servers refuse long URLs (the limit is
undocumented; 8 KiB is common), so each request carries as many items as fit the budget.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator


def chunk_by_url_budget(
    values: Iterable[str],
    *,
    base_length: int,
    item_length: Callable[[str], int],
    budget: int,
) -> Iterator[list[str]]:
    """Yield lists of values whose URL (`base_length` plus each item and its `&` separator)
    is at most `budget` bytes long.

    `base_length` is the URL with no items, including the `?`; `item_length(value)` is the bytes
    one item adds (its `name[]=quoted-value`). A single item that cannot fit even alone raises
    ValueError: it could never be sent, and silently dropping it would lose it.
    """
    chunk: list[str] = []
    length = base_length
    for value in values:
        added = item_length(value) + (1 if chunk else 0)
        if chunk and length + added > budget:
            yield chunk
            chunk, length = [], base_length
            added = item_length(value)
        if length + added > budget:
            raise ValueError(f"{value[:40]!r} alone makes the URL longer than {budget} bytes.")
        chunk.append(value)
        length += added
    if chunk:
        yield chunk
