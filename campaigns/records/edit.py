"""Editing one record from its page: the form's own actions, then one PUT to Thulium.

The view reads as the steps of an edit, its address checked first (`record_address_checked`):
the page's reads, then either the form shown again (a field row added or removed, the status
changed) or the edit sent. Sending is where the exits are: a form that does not hold, a record
that changed since the form was opened (`campaigns.records.seen`: the copy is refreshed and
compared first, the best Thulium's API allows), nothing changed, a form sent twice, Thulium's
refusal, and the accepted change; each is one function below.

A GET from the page's own polling (htmx, target `record-current`) gets the current values'
region alone: the page waits that way for the campaign's first read or for a refresh.
"""

from __future__ import annotations

import re
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from campaigns.copies import campaign_copy_touch
from campaigns.forms import (
    FIELDS_PREFIX,
    SEEN_FIELDS,
    RecordEditForm,
    record_edit_form_redisplay,
)
from campaigns.records.address import record_address_checked
from campaigns.records.page import (
    REFRESH_OLDER_THAN,
    TEMPLATE,
    RecordPage,
    record_form_prefill,
    record_page_read,
    record_page_render,
    record_sent_keep,
    record_sent_pop,
    vary_on_htmx,
)
from campaigns.records.seen import SeenCheck, record_seen_check
from campaigns.services import record_form_token_claim, record_form_token_release, record_update
from thuladmin.accounts import roles
from thuladmin.accounts.roles import permission_required
from thuladmin.partials import wants_partial
from thuladmin.thulium import errors
from thuladmin.thulium.messages import record_failure

_REMOVE_ROW_ACTION = re.compile(r"remove_field-(\d{1,3})")


@require_http_methods(["GET", "POST"])
@permission_required(roles.can_work_on_campaigns)
@record_address_checked(template_name=TEMPLATE, url_name="campaigns:record_edit")
def record_edit(request: HttpRequest, campaign_id: str, identifier: str) -> HttpResponse:
    """Edit one record: a form checked against Thulium's rules, then one PUT.

    POST `action` says what the supervisor asked for: `send` (the default, also what Enter
    does), `add_field` / `remove_field-<n>` (a field row), or `status` (the status changed, so
    the required markers and the suggested dictionary status follow it). Everything but `send`
    only re-renders the form with the posted values; htmx requests get the editor fragment.
    A one-time token in the form keeps a double submission from reaching Thulium twice.
    """
    copy = campaign_copy_touch(
        campaign_id=campaign_id, user=request.user, refresh_older_than=REFRESH_OLDER_THAN
    )
    page = record_page_read(campaign_id=campaign_id, identifier=identifier, copy=copy)
    if (
        request.method == "GET"
        and wants_partial(request)
        and request.htmx.target == "record-current"
    ):
        return _current_values(request, page)
    if request.method == "GET":
        sent = record_sent_pop(request, campaign_id=campaign_id, identifier=identifier)
        return record_page_render(request, page, page.blank_form(), sent=sent)
    action = request.POST.get("action") or "send"
    if action != "send":
        return record_page_render(request, page, _form_redisplayed(request, page, action))
    return _send(request, page)


def _current_values(request: HttpRequest, page: RecordPage) -> HttpResponse:
    """The current values' region, for the page's polling. When it waited for the record
    (`?wait=record`) and the record is now read, a form still untouched (the poll sends its
    fields) is replaced by one prefilled with the record's values, out of band; a form the
    supervisor began is left alone (it then carries no seen values, so nothing is compared
    before it is sent)."""
    bring_form = (
        request.GET.get("wait") == "record"
        and page.waiting != "record"
        and page.lookup.record is not None
        and not _form_begun(request.GET)
    )
    context = {**page.context(), "bring_form": bring_form}
    if bring_form:
        context["form"] = page.blank_form()
    return vary_on_htmx(TemplateResponse(request, f"{TEMPLATE}#current_values", context))


def _form_begun(data) -> bool:
    """Whether the polled form's fields (sent along with the poll) hold anything typed."""
    return any(
        value.strip()
        for name, value in data.items()
        if name in ("status_id", "dictionary_status_id", "agent_login", "next_call_date")
        or (name.startswith(f"{FIELDS_PREFIX}-") and name.endswith(("-key", "-value")))
    )


def _form_redisplayed(request: HttpRequest, page: RecordPage, action: str) -> RecordEditForm:
    """The posted form again, after the row or status `action` asked for; nothing is sent."""
    remove = _REMOVE_ROW_ACTION.fullmatch(action)
    return record_edit_form_redisplay(
        request.POST,
        statuses=page.statuses,
        add_row=action == "add_field",
        remove_row=int(remove[1]) if remove else None,
        status_changed=action == "status",
        named_statuses=page.named_statuses,
    )


def _send(request: HttpRequest, page: RecordPage) -> HttpResponse:
    """The form checked, then (only what changed, once a token) sent to Thulium."""
    form = RecordEditForm(request.POST, statuses=page.statuses, named_statuses=page.named_statuses)
    if not form.is_valid():
        return record_page_render(request, page, form)
    check = record_seen_check(
        campaign_id=page.campaign_id,
        identifier=page.identifier,
        seen={name: form.cleaned_data[name] for name in SEEN_FIELDS},
        statuses=page.statuses,
    )
    if check.checked:
        page = page.with_record_reread()  # the refreshed values, which the edit compares with
    if check.changes:
        return _changed_meanwhile(request, page, check)
    changes = _changed_only(form.changes(), page.current)
    if not changes:
        form.add_error(
            None,
            _("Nothing changed: the form shows the record's current values. Change one first."),
        )
        return record_page_render(request, page, form)
    token = str(form.cleaned_data["token"])
    if not record_form_token_claim(user=request.user, token=token):
        return _already_sent(request, page)
    try:
        body = record_update(
            user=request.user,
            campaign_id=page.campaign_id,
            identifier=page.identifier,
            changes=changes,
        )
    except errors.ThuliumError as error:
        # Nothing was changed (or Thulium could not say): the same form may be sent again.
        record_form_token_release(user=request.user, token=token)
        failure = record_failure(error, campaign_id=page.campaign_id, identifier=page.identifier)
        return record_page_render(request, page, form, failure=failure)
    return _accepted(request, page, body, check=check)


def _changed_meanwhile(request: HttpRequest, page: RecordPage, check: SeenCheck) -> HttpResponse:
    """The record changed since the form was opened: nothing is sent. The page says what
    changed (before → now) and shows the form again, now based on the new values: a field the
    supervisor had left at its old value takes the new one, what they changed stays, and the
    form carries the new values as seen, so "Send anyway" sends it over them knowingly."""
    posted = request.POST
    before = record_form_prefill(
        status_id=posted.get("seen_status_id", ""),
        agent_login=posted.get("seen_agent_login", ""),
        next_call_date=posted.get("seen_next_call_date", ""),
    )
    replace = {
        name: page.current.get(name, "")
        for name in ("status_id", "agent_login", "next_call_date")
        if posted.get(name, "") == before.get(name, "")
    }
    form = record_edit_form_redisplay(
        posted, statuses=page.statuses, replace={**replace, **page.seen()}
    )
    return record_page_render(request, page, form, changed_meanwhile=check.changes)


def _changed_only(changes: dict[str, Any], current: dict[str, str]) -> dict[str, Any]:
    """The form's body without the values the record already has (they were only prefilled)."""
    known = {
        "status_id": current.get("status_id"),
        "agent_login": current.get("agent_login"),
        "next_call_date": (current.get("next_call_date") or "").replace("T", " "),
    }
    return {name: value for name, value in changes.items() if known.get(name) != value}


def _already_sent(request: HttpRequest, page: RecordPage) -> HttpResponse:
    """A form whose token was spent (a double click, a resent POST): nothing is sent again."""
    already_sent = _("This form was already sent, so it was not sent again.")
    if not request.htmx:
        messages.warning(request, already_sent)
        return _record_redirect(page)
    return record_page_render(request, page, page.blank_form(), already_sent=already_sent)


def _accepted(
    request: HttpRequest, page: RecordPage, body: dict[str, Any], *, check: SeenCheck
) -> HttpResponse:
    """Thulium took the change: said, with what was sent, on a fresh form (and, when the
    check before sending could not be made, that too)."""
    done = _("Thulium accepted the change to record “%(identifier)s”.") % {
        "identifier": page.identifier
    }
    unchecked = (
        _(
            "Whether the record had changed since you opened it could not be checked, so it "
            "was sent without that check: %(reason)s"
        )
        % {"reason": check.error}
        if check.error
        else ""
    )
    if not request.htmx:
        messages.success(request, done)
        if unchecked:
            messages.warning(request, unchecked)
        record_sent_keep(
            request, campaign_id=page.campaign_id, identifier=page.identifier, body=body
        )
        return _record_redirect(page)
    page = page.with_record_reread()
    return record_page_render(
        request, page, page.blank_form(), sent=body, done=done, unchecked=unchecked
    )


def _record_redirect(page: RecordPage) -> HttpResponse:
    return redirect(
        "campaigns:record_edit", campaign_id=page.campaign_id, identifier=page.identifier
    )
