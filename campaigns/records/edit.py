"""One record's pages: edit it, delete it."""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from django_htmx.http import HttpResponseClientRedirect

from campaigns.forms import (
    RecordEditForm,
    is_campaign_id,
    record_edit_form_blank,
    record_edit_form_redisplay,
    record_identifier_clean,
)
from campaigns.models import SnapshotRecord
from campaigns.services import (
    campaign_agents_get,
    campaign_statuses_get,
    record_field_names_used,
    record_form_token_claim,
    record_form_token_release,
    record_update,
)
from campaigns.services import record_delete as record_delete_send
from campaigns.snapshots import snapshot_record_lookup
from thuladmin.accounts import roles
from thuladmin.accounts.roles import permission_required
from thuladmin.thulium import errors
from thuladmin.thulium.client import NEXT_CALL_DATE_FORMAT
from thuladmin.thulium.messages import (
    is_record_in_a_call,
    record_failure,
    thulium_error_message,
)

# Where a plain (non-htmx) successful edit leaves what it sent, for the page it redirects to.
SENT_SESSION_KEY = "thuladmin:record-sent"
_REMOVE_ROW_ACTION = re.compile(r"remove_field-(\d{1,3})")


def _record_address_error(campaign_id: str, identifier: str) -> str:
    """Why this campaign id or identifier from the URL can never be sent ('' when both can)."""
    if not is_campaign_id(campaign_id):
        return _(
            "“%(campaign_id)s” is not a campaign id: a campaign id is five letters or digits, "
            "such as 00001."
        ) % {"campaign_id": campaign_id[:40]}
    try:
        record_identifier_clean(identifier)
    except ValidationError as error:
        return _("“%(identifier)s” is not a record identifier: %(reason)s") % {
            "identifier": identifier[:60],
            "reason": " ".join(error.messages),
        }
    return ""


def _record_address_refused(
    request: HttpRequest, template_name: str, campaign_id: str, identifier: str, error: str
) -> TemplateResponse:
    return TemplateResponse(
        request,
        template_name,
        {"campaign_id": campaign_id, "identifier": identifier, "address_error": error},
        status=404,
    )


def _with_vary(response: HttpResponse) -> HttpResponse:
    # One URL, two bodies (page or fragment): the browser's cache must keep them apart.
    patch_vary_headers(response, ("HX-Request",))
    return response


def _render_record_edit(
    request: HttpRequest, context: dict[str, Any], form: RecordEditForm
) -> HttpResponse:
    template_name = "campaigns/records/page.html"
    if request.htmx:
        template_name += "#editor"
    sent = context.get("sent")
    context.update(
        form=form,
        sent_json=json.dumps(sent, ensure_ascii=False, indent=2) if sent is not None else "",
    )
    return _with_vary(TemplateResponse(request, template_name, context))


def _sent_pop(request: HttpRequest, campaign_id: str, identifier: str) -> dict[str, Any] | None:
    """What the last plain POST sent for this record, once (the page after its redirect)."""
    sent = request.session.get(SENT_SESSION_KEY)
    if not isinstance(sent, dict):
        return None
    if sent.get("campaign_id") != campaign_id or sent.get("identifier") != identifier:
        return None
    del request.session[SENT_SESSION_KEY]
    body = sent.get("body")
    return body if isinstance(body, dict) else None


def _current_values(record: SnapshotRecord | None) -> dict[str, str]:
    """The record's values as the edit form's initial ones. A next call date already past is
    left out: sent again, it would be refused as in the past."""
    if record is None:
        return {}
    values = {"status_id": record.status_id, "agent_login": record.agent_login}
    next_call = record.next_call_date[:16]
    try:
        naive = datetime.strptime(next_call, NEXT_CALL_DATE_FORMAT)
    except ValueError:
        naive = None
    if naive is not None and naive.replace(tzinfo=timezone.get_current_timezone()) > timezone.now():
        values["next_call_date"] = naive.strftime("%Y-%m-%dT%H:%M")
    return {name: value for name, value in values.items() if value}


def _changed_only(changes: dict[str, Any], current: dict[str, str]) -> dict[str, Any]:
    """The form's body without the values the record already has (they were only prefilled)."""
    known = {
        "status_id": current.get("status_id"),
        "agent_login": current.get("agent_login"),
        "next_call_date": (current.get("next_call_date") or "").replace("T", " "),
    }
    return {name: value for name, value in changes.items() if known.get(name) != value}


@require_http_methods(["GET", "POST"])
@permission_required(roles.can_work_on_campaigns)
def record_edit(request: HttpRequest, campaign_id: str, identifier: str) -> HttpResponse:
    """Edit one record: a form checked against Thulium's rules, then one PUT.

    POST `action` says what the supervisor asked for: `send` (the default, also what Enter
    does), `add_field` / `remove_field-<n>` (a field row), or `status` (the status changed, so
    the required markers and the suggested dictionary status follow it). Everything but `send`
    only re-renders the form with the posted values; htmx requests get the editor fragment.
    A one-time token in the form keeps a double submission from reaching Thulium twice.
    """
    template_name = "campaigns/records/page.html"
    address_error = _record_address_error(campaign_id, identifier)
    if address_error:
        return _record_address_refused(
            request, template_name, campaign_id, identifier, address_error
        )
    clean_identifier = record_identifier_clean(identifier)
    if clean_identifier != identifier and request.method == "GET":
        return redirect(
            "campaigns:record_edit", campaign_id=campaign_id, identifier=clean_identifier
        )
    identifier = clean_identifier

    statuses = None
    statuses_error = ""
    try:
        statuses = campaign_statuses_get(campaign_id=campaign_id)
    except errors.ThuliumError as error:
        statuses_error = thulium_error_message(error, campaign_id=campaign_id)
    agents = []
    agents_error = ""
    try:
        agents = campaign_agents_get(campaign_id=campaign_id)
    except errors.ThuliumError as error:
        agents_error = thulium_error_message(error, campaign_id=campaign_id)

    lookup = snapshot_record_lookup(campaign_id=campaign_id, identifier=identifier)
    current = _current_values(lookup.record)
    context: dict[str, Any] = {
        "campaign_id": campaign_id,
        "identifier": identifier,
        "statuses_error": statuses_error,
        "agents": agents,
        "agents_error": agents_error,
        "lookup": lookup,
        "field_names": record_field_names_used(campaign_id=campaign_id),
    }
    if request.method == "GET":
        context["sent"] = _sent_pop(request, campaign_id, identifier)
        return _render_record_edit(
            request, context, record_edit_form_blank(statuses=statuses, current=current)
        )

    action = request.POST.get("action") or "send"
    if action != "send":
        remove = _REMOVE_ROW_ACTION.fullmatch(action)
        form = record_edit_form_redisplay(
            request.POST,
            statuses=statuses,
            add_row=action == "add_field",
            remove_row=int(remove[1]) if remove else None,
            status_changed=action == "status",
        )
        return _render_record_edit(request, context, form)

    form = RecordEditForm(request.POST, statuses=statuses)
    if not form.is_valid():
        return _render_record_edit(request, context, form)

    changes = _changed_only(form.changes(), current)
    if not changes:
        form.add_error(
            None,
            _("Nothing changed: the form shows the record's current values. Change one first."),
        )
        return _render_record_edit(request, context, form)

    token = str(form.cleaned_data["token"])
    if not record_form_token_claim(user=request.user, token=token):
        already_sent = _("This form was already sent, so it was not sent again.")
        if not request.htmx:
            messages.warning(request, already_sent)
            return redirect("campaigns:record_edit", campaign_id=campaign_id, identifier=identifier)
        context["already_sent"] = already_sent
        return _render_record_edit(
            request, context, record_edit_form_blank(statuses=statuses, current=current)
        )

    try:
        body = record_update(
            user=request.user,
            campaign_id=campaign_id,
            identifier=identifier,
            changes=changes,
        )
    except errors.ThuliumError as error:
        # Nothing was changed (or Thulium could not say): the same form may be sent again.
        record_form_token_release(user=request.user, token=token)
        context["failure"] = record_failure(error, campaign_id=campaign_id, identifier=identifier)
        return _render_record_edit(request, context, form)

    done = _("Thulium accepted the change to record “%(identifier)s”.") % {"identifier": identifier}
    if not request.htmx:
        messages.success(request, done)
        request.session[SENT_SESSION_KEY] = {
            "campaign_id": campaign_id,
            "identifier": identifier,
            "body": body,
        }
        return redirect("campaigns:record_edit", campaign_id=campaign_id, identifier=identifier)
    lookup = snapshot_record_lookup(campaign_id=campaign_id, identifier=identifier)
    context.update(sent=body, done=done, lookup=lookup)
    return _render_record_edit(
        request,
        context,
        record_edit_form_blank(statuses=statuses, current=_current_values(lookup.record)),
    )


@require_http_methods(["GET", "POST"])
@permission_required(roles.can_work_on_campaigns)
def record_delete(request: HttpRequest, campaign_id: str, identifier: str) -> HttpResponse:
    """Delete one record: GET asks for confirmation, POST deletes.

    Success goes back to the campaign page with a message (htmx is told to go there too).
    A failure (the record is in a call, not found, ...) is explained on the confirmation page,
    which an htmx request gets as a fragment.
    """
    template_name = "campaigns/records/delete.html"
    address_error = _record_address_error(campaign_id, identifier)
    if address_error:
        return _record_address_refused(
            request, template_name, campaign_id, identifier, address_error
        )
    clean_identifier = record_identifier_clean(identifier)
    if clean_identifier != identifier and request.method == "GET":
        return redirect(
            "campaigns:record_delete", campaign_id=campaign_id, identifier=clean_identifier
        )
    identifier = clean_identifier
    context: dict[str, Any] = {
        "campaign_id": campaign_id,
        "identifier": identifier,
        "lookup": snapshot_record_lookup(campaign_id=campaign_id, identifier=identifier),
    }

    if request.method == "POST":
        try:
            record_delete_send(user=request.user, campaign_id=campaign_id, identifier=identifier)
        except errors.ThuliumError as error:
            context.update(
                failure=record_failure(
                    error, campaign_id=campaign_id, identifier=identifier, deleting=True
                ),
                in_call=is_record_in_a_call(error),
                not_found=isinstance(error, errors.NotFound),
            )
        else:
            messages.success(
                request,
                _("Record “%(identifier)s” was deleted from campaign %(campaign_id)s.")
                % {"identifier": identifier, "campaign_id": campaign_id},
            )
            detail_url = reverse("campaigns:detail", args=[campaign_id])
            if request.htmx:
                return HttpResponseClientRedirect(detail_url)
            return redirect(detail_url)

    if request.htmx:
        template_name += "#confirm"
    return _with_vary(TemplateResponse(request, template_name, context))
