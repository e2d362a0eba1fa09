"""A campaign's dictionary statuses in words: Thulium lists none, but each campaign status may
be built on one, so the statuses that carry it name it ("Contact needed / Call back"). Its id is
what Thulium takes, and goes in a title only, for those who hover."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from thuladmin.thulium.types import CampaignStatus


def dictionary_statuses_of(statuses: Sequence[CampaignStatus]) -> dict[int, str]:
    """The dictionary statuses a campaign's statuses carry, by id, each named by the statuses
    built on it ("Contact needed / Call back"), or by their kinds when they have no name."""
    names: dict[int, list[str]] = {}
    for status in statuses:
        if status.dictionary_status_id is None:
            continue
        said = names.setdefault(status.dictionary_status_id, [])
        name = status.name.strip() or status.system_status_name
        if name not in said:
            said.append(name)
    return {dictionary_id: " / ".join(said) for dictionary_id, said in names.items()}


def dictionary_status_title(dictionary_status_id: object) -> str:
    return _("Dictionary status id %(id)s") % {"id": dictionary_status_id}


def dictionary_status_in_words(
    dictionary_status_id: object, name: str | None = None
) -> SafeString | str:
    """A dictionary status named (`name`, else "a dictionary status this campaign's statuses do
    not name"), its id in the title only. "" without an id."""
    if dictionary_status_id is None or dictionary_status_id == "":
        return ""
    words = (name or "").strip() or _("a dictionary status the campaign's statuses do not name")
    return format_html(
        '<span class="status" title="{}">{}</span>',
        dictionary_status_title(dictionary_status_id),
        words,
    )


def dictionary_status_name(
    dictionary_status_id: object, statuses: Sequence[CampaignStatus] | Mapping[str, CampaignStatus]
) -> str:
    """The name the statuses give a dictionary status; "" when none carries it."""
    listed = statuses.values() if isinstance(statuses, Mapping) else statuses
    try:
        wanted = int(str(dictionary_status_id))
    except (TypeError, ValueError):
        return ""
    return dictionary_statuses_of(list(listed)).get(wanted, "")
