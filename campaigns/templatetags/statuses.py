"""A status in the supervisor's words: `{% status_words record.status_name record.system_status %}`.

Records carry their campaign status's name and Thulium's system status code. Pages show the
name, then the kind of status in words (Thulium's own name for it, translated) when the name
does not already say it; the code itself appears only inside a details fold, for those who
need it."""

from django import template
from django.utils.html import format_html

from thuladmin.thulium.types import system_status_name as name_of

register = template.Library()


@register.filter
def system_status_name(value: str | None) -> str:
    return name_of(value)


def status_text(name: str | None, system_status: str | None) -> str:
    """The same words as plain text, for a file ("Contact later · Call no sooner than"): the
    name and the kind of status, or whichever of them there is when they say the same."""
    kind = name_of(system_status)
    if not name:
        return kind
    if name.strip().casefold() == kind.casefold():
        return name
    return f"{name} · {kind}"


@register.simple_tag
def status_words(name: str | None, system_status: str | None) -> str:
    kind = name_of(system_status)
    if not name:
        return format_html('<small class="system-status">{}</small>', kind)
    if name.strip().casefold() == kind.casefold():
        return format_html("{}", name)
    return format_html('{} <small class="system-status">{}</small>', name, kind)
