"""A status in the supervisor's words: `{% status_words record.status_name record.system_status %}`.

Records carry their campaign status's name and Thulium's system status code. Pages show the
name, then the kind of status in words (Thulium's own name for it, translated) when the name
does not already say it; the code itself appears only inside a details fold, for those who
need it. Where a status is named by its id as well (a change's before → after, a record edit's
audit entry), the id goes in the title, for those who hover (`status_in_words`), never in the
words themselves: "Mine (status 5)" made a supervisor read Thulium's numbering."""

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

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


def status_in_words(name: object, system_status: object, status_id: object) -> SafeString | str:
    """A status known by its id, in words: its name, and its kind in words when the name does
    not say it and the kind is known; the id in the title only. "" without an id; "unnamed
    status" when neither its name nor its kind is known (the id, in the title, is all there is).
    """
    if not status_id:
        return ""
    name = str(name or "").strip()
    kind = name_of(str(system_status)) if system_status else ""
    title = _("Status id %(status_id)s") % {"status_id": status_id}
    if not name and not kind:
        return format_html('<span class="status" title="{}">{}</span>', title, _("unnamed status"))
    if not name or (kind and name.casefold() == kind.casefold()):
        return format_html('<span class="status" title="{}">{}</span>', title, name or kind)
    if not kind:
        return format_html('<span class="status" title="{}">{}</span>', title, name)
    return format_html(
        '<span class="status" title="{}">{} <small class="system-status">{}</small></span>',
        title,
        name,
        kind,
    )
