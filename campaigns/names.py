"""A campaign's name in the dashboard: the form on the campaign page, the service that sets,
changes and clears it (audited), the demo names taken from the sandbox, and how a name change
reads in the audit log.

Thulium's API gives campaigns no names, so admins give them one here, and every page names a
campaign "00001 · Odnowienia umów — listopad" (`thuladmin.campaign_labels`, which this app
feeds from `CampaignsConfig.ready`). Only admins name campaigns: a name is what every
supervisor reads a campaign by, so it is set by those who run the dashboard; supervisors and
auditors read it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import forms
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from campaigns.models import CAMPAIGN_NAME_MAX_LENGTH, CampaignName
from thuladmin.accounts import roles
from thuladmin.accounts.roles import permission_required
from thuladmin.audit.models import AuditEntry
from thuladmin.audit.registry import ChangeRow, ChangeTable
from thuladmin.audit.services import audit_entry_create
from thuladmin.campaign_labels import campaign_name as campaign_name_get
from thuladmin.campaign_labels import campaign_names_forget
from thuladmin.partials import wants_partial
from thuladmin.thulium.client import validate_campaign_id

CAMPAIGN_NAME_ACTION = "campaign.name"


def name_normalised(text: str) -> str:
    """A name as kept: trimmed, each run of spaces (a tab, a pasted line break) one space."""
    return " ".join(str(text).split())


# --- the service -------------------------------------------------------------------------------


class CampaignNameTooLong(ValueError):
    pass


@transaction.atomic
def campaign_name_set(
    *, actor: AbstractBaseUser | AnonymousUser | None, campaign_id: str, name: str
) -> CampaignName | None:
    """Give `campaign_id` the name `name` (normalised, see `name_normalised`), or clear its
    name when `name` is blank, and audit the change with the name before and after. The
    campaign's row after the change (None once cleared).

    A name set to what it already is changes nothing and writes no entry: the log records
    changes, and a second click on "Save" is not one. The row is locked while it changes, so two
    admins saving at once each see, and audit, what the other left."""
    validate_campaign_id(campaign_id)
    name = name_normalised(name)
    if len(name) > CAMPAIGN_NAME_MAX_LENGTH:
        raise CampaignNameTooLong(name)
    current = CampaignName.objects.select_for_update().filter(campaign_id=campaign_id).first()
    before = current.name if current is not None else ""
    if name == before:
        return current
    user = actor if actor is not None and actor.is_authenticated else None
    if not name:
        current.delete()  # type: ignore[union-attr]  # `before` is a name: there is a row
        current = None
    elif current is None:
        current = CampaignName.objects.create(campaign_id=campaign_id, name=name, updated_by=user)
    else:
        current.name, current.updated_by, current.updated_at = name, user, timezone.now()
        current.save(update_fields=["name", "updated_by", "updated_at"])
    audit_entry_create(
        actor=actor,
        action=CAMPAIGN_NAME_ACTION,
        outcome=AuditEntry.Outcome.SUCCESS,
        campaign_id=campaign_id,
        before={"name": before},
        request={"name": name},
    )
    # This request's pages show the new name (the next requests read it anyway).
    transaction.on_commit(campaign_names_forget)
    campaign_names_forget()
    return current


def campaign_names_seed(*, names: Mapping[str, str]) -> list[str]:
    """Name the campaigns in `names` ({campaign id: name}) that have no name yet: the demo's
    names, from the sandbox. A name an admin gave is never replaced. Not audited, like the
    demo's accounts: it sets up the demo, nobody changed anything. The ids named, sorted."""
    named = set(CampaignName.objects.values_list("campaign_id", flat=True))
    new = []
    for campaign_id, name in sorted(names.items()):
        name = name_normalised(name)[:CAMPAIGN_NAME_MAX_LENGTH].strip()
        if campaign_id in named or not name:
            continue
        new.append(CampaignName(campaign_id=campaign_id, name=name))
    # ignore_conflicts: a name an admin saves meanwhile stays theirs.
    CampaignName.objects.bulk_create(new, ignore_conflicts=True)
    campaign_names_forget()
    return [row.campaign_id for row in new]


# --- the audit log: a name change in words -----------------------------------------------------


def campaign_name_in_words(entry: Any) -> ChangeTable | None:
    """A name change's entry, field by field (one field): the name before and after, "no
    name" for none. Registered for CAMPAIGN_NAME_ACTION in `CampaignsConfig.ready`."""
    before = (entry.before or {}).get("name")
    after = (entry.request or {}).get("name")
    if before is None and after is None:
        return None
    no_name = _("(no name)")
    return ChangeTable(
        rows=(ChangeRow(field=_("Name"), before=before or no_name, sent=after or no_name),),
        before_source=_("The name the dashboard gave the campaign before the change."),
    )


# --- the form and the view on the campaign page ------------------------------------------------


class CampaignNameForm(forms.Form):
    """The campaign page's "name this campaign" form (admins only). Saving a blank name is
    refused with a word next to the field; clearing is its own button (`clear`)."""

    name = forms.CharField(
        label=gettext_lazy("Name"),
        required=False,
        help_text=gettext_lazy(
            "How the dashboard names this campaign, next to its id, on every page and in the "
            "exports (Thulium does not give campaigns' names)."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )

    @property
    def clearing(self) -> bool:
        return self.is_bound and "clear" in self.data

    def clean_name(self) -> str:
        """The name as it will be kept (`name_normalised`), its length checked as kept; ""
        when the admin clears it."""
        if self.clearing:
            return ""
        name = name_normalised(self.cleaned_data.get("name") or "")
        if not name:
            raise forms.ValidationError(
                _("Type a name, or clear the campaign's name with “Clear the name”."),
                code="required",
            )
        if len(name) > CAMPAIGN_NAME_MAX_LENGTH:
            raise forms.ValidationError(
                _("A name is at most %(limit)d characters; this one has %(count)d.")
                % {"limit": CAMPAIGN_NAME_MAX_LENGTH, "count": len(name)},
                code="max_length",
            )
        return name


# Where a plain (non-htmx) refused POST leaves the form's words for the campaign page it
# redirects to (as `views.snapshot` does), which shows them once, next to the field.
NAME_REFUSED_SESSION_KEY = "thuladmin:campaign-name-refused"


def campaign_name_context(
    request: HttpRequest, campaign_id: str, form: CampaignNameForm | None = None
) -> dict[str, Any]:
    """What the campaign page's name region shows: the name, and for admins the form (the
    refused one a plain POST left in the session, when there is one)."""
    may_name = roles.can_name_campaigns(request.user)
    if form is None and may_name and not wants_partial(request):
        refused = request.session.get(NAME_REFUSED_SESSION_KEY)
        if isinstance(refused, dict) and refused.get("campaign_id") == campaign_id:
            del request.session[NAME_REFUSED_SESSION_KEY]
            form = CampaignNameForm({"name": str(refused.get("name", ""))})
            form.is_valid()
    if form is None and may_name:
        # The name the page's heading shows, read with it (one query for the page's labels).
        form = CampaignNameForm(initial={"name": campaign_name_get(campaign_id)})
    return {
        "campaign_id": campaign_id,
        "may_name_campaign": may_name,
        "name_form": form,
    }


@require_POST
@permission_required(roles.can_name_campaigns)
def campaign_name(request: HttpRequest, campaign_id: str) -> HttpResponse:
    """Set, change or clear the campaign's name (POST from the campaign page's name form).

    A plain POST redirects to the campaign page (a refused name is shown there, next to the
    field, once); htmx gets the page's name region, the heading with the new name and the form
    with its words."""
    form = CampaignNameForm(request.POST)
    if form.is_valid():
        campaign_name_set(
            actor=request.user, campaign_id=campaign_id, name=form.cleaned_data["name"]
        )
        form = None
    elif not wants_partial(request):
        request.session[NAME_REFUSED_SESSION_KEY] = {
            "campaign_id": campaign_id,
            "name": str(request.POST.get("name", ""))[:1000],
        }
    if not wants_partial(request):
        return redirect(reverse("campaigns:detail", args=[campaign_id]) + "#campaign-name")
    return TemplateResponse(
        request,
        "campaigns/detail.html#campaign_name",
        {**campaign_name_context(request, campaign_id, form), "name_saved": form is None},
    )
