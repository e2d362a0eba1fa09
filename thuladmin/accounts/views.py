from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponseRedirect
from django.shortcuts import redirect
from django.views.decorators.http import require_GET

from thuladmin.accounts import roles


@require_GET
def home(request: HttpRequest) -> HttpResponseRedirect:
    """Where `/` and a fresh login lead: the first page this user's role may open."""
    if roles.can_work_on_campaigns(request.user):
        return redirect("campaigns:index")
    if roles.can_read_audit_log(request.user):
        return redirect("audit:index")
    raise PermissionDenied
