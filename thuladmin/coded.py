"""Text worded now that also says how to word it again later, in another language.

A pasted token's reason ("too short", "another country's number: Germany (+49)") is shown at
once to whoever pasted it, and stored with the item for whoever reads the job later, in their
language. `CodedText` is both: a `str` worded in the active language, so every caller that only
shows it keeps working, carrying the code and parameters a later reader's page words it from
(`thuladmin.bulk.details`). Low in the project (no imports of its own) so that the phone parser,
used by the audit log's search too, can produce it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class CodedText(str):
    """`template % params` in the active language, with `code` and `params` kept."""

    code: str
    params: dict[str, Any]

    def __new__(
        cls, code: str, template: Any, params: Mapping[str, Any] | None = None
    ) -> CodedText:
        params = dict(params or {})
        instance = super().__new__(cls, str(template % params) if params else str(template))
        instance.code = code
        instance.params = params
        return instance


def code_and_params(text: str) -> tuple[str, dict[str, Any]]:
    """The code and parameters of `text`, or ("", {}) for plain text (kept as it is)."""
    if isinstance(text, CodedText):
        return text.code, dict(text.params)
    return "", {}
