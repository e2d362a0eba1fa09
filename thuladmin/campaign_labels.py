"""A campaign as people read it: "00001 · Odnowienia umów — listopad", its id and the name an
admin gave it in the dashboard (the id alone when it has none).

Thulium's API gives campaigns no names, so the names are the dashboard's own, kept by the
campaigns app (`campaigns.models.CampaignName`). But the core names campaigns too (the bulk job
pages, the audit log and its export) and must not import the app. So the lookup lives here,
below both, as a small registry: the campaigns app registers how to read every name at once
(`register_campaign_names`, from its `ready`), and whoever shows a campaign asks this module
(`campaign_label`, or the template filter of the same name: `{% load campaign_labels %}`
then `{{ campaign_id|campaign_label }}`). Without the app (or before it is ready) a campaign
is its id.

Why every name at once, and kept for the request: a page names many campaigns (a list of jobs,
a page of audit entries, an export of the whole log), and there are few campaigns (tens), so
one small query reads all their names the first time a page asks for one, and every other
label of that request costs nothing. The names are read again for the next request (a name
changed by another process shows at once), and after a change in this one
(`campaign_names_forget`). Outside a request (a worker, a management command, a test calling a
function) nothing is kept: each lookup reads the names again.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from asgiref.local import Local
from django import template
from django.core.signals import request_finished, request_started

# Between a campaign's id and its name, on pages and in exports.
SEPARATOR = " · "

# Reads every campaign's name, {campaign id: name}: one query.
NamesLookup = Callable[[], Mapping[str, str]]
_LOOKUP: list[NamesLookup] = []

# The current request's names, once read (`names`), and whether there is a request at all
# (`in_request`): per thread (or per asyncio task), as each request is.
_memo = Local()


def register_campaign_names(lookup: NamesLookup) -> None:
    """How to read every campaign's name (the campaigns app's, at `ready`). The last one
    registered counts: registering again (a test, a reloaded app) replaces it."""
    _LOOKUP[:] = [lookup]
    campaign_names_forget()


def campaign_names() -> Mapping[str, str]:
    """Every named campaign's name, {campaign id: name}: read once a request (see above)."""
    names = getattr(_memo, "names", None)
    if names is not None:
        return names
    names = dict(_LOOKUP[0]()) if _LOOKUP else {}
    if getattr(_memo, "in_request", False):
        _memo.names = names
    return names


def campaign_name(campaign_id: str) -> str:
    """The name an admin gave the campaign, "" when it has none."""
    if not campaign_id:
        return ""
    return campaign_names().get(str(campaign_id), "")


def campaign_label(campaign_id: str, names: Mapping[str, str] | None = None) -> str:
    """The label: "00001 · Odnowienia umów — listopad"; "00001" for a campaign with no name,
    "" for no campaign. `names` is `campaign_names()`, for a loop that labels many."""
    if not campaign_id:
        return ""
    campaign_id = str(campaign_id)
    name = (names if names is not None else campaign_names()).get(campaign_id, "")
    return f"{campaign_id}{SEPARATOR}{name}" if name else campaign_id


def campaign_names_forget() -> None:
    """Drop the names kept for this request: one was just changed, the page shows the new."""
    _memo.names = None


def _request_started(**kwargs: object) -> None:
    _memo.names = None
    _memo.in_request = True


def _request_finished(**kwargs: object) -> None:
    _memo.names = None
    _memo.in_request = False


request_started.connect(_request_started, dispatch_uid="thuladmin.campaign_labels.started")
request_finished.connect(_request_finished, dispatch_uid="thuladmin.campaign_labels.finished")


# --- the template library (TEMPLATES' `libraries`: `{% load campaign_labels %}`) ---------------

register = template.Library()


@register.filter(name="campaign_label")
def campaign_label_filter(campaign_id: object) -> str:
    """`{{ job.campaign_id|campaign_label }}`: "00001 · Odnowienia umów — listopad"."""
    return campaign_label(str(campaign_id) if campaign_id else "")


@register.filter(name="campaign_name")
def campaign_name_filter(campaign_id: object) -> str:
    """`{{ campaign_id|campaign_name }}`: the name alone, "" when it has none (a form's value)."""
    return campaign_name(str(campaign_id) if campaign_id else "")


@register.filter(name="campaign_labels")
def campaign_labels_filter(campaign_ids: object) -> str:
    """`{{ "00001, 00002"|campaign_labels }}`: each of a list of ids (or a text of them,
    comma-separated, as a job's detail stores them) labelled, joined by commas."""
    if isinstance(campaign_ids, str):
        campaign_ids = [part.strip() for part in campaign_ids.split(",")]
    names = campaign_names()
    return ", ".join(
        campaign_label(str(campaign_id), names)
        for campaign_id in campaign_ids or ()  # type: ignore[union-attr]
        if campaign_id
    )
