from django.http import HttpRequest

from thuladmin.accounts import roles


def navigation(request: HttpRequest) -> dict[str, bool]:
    """What the menu offers this user; the views enforce the same rules on their own."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "nav_campaigns": roles.can_work_on_campaigns(user),
        "nav_customers": roles.can_delete_customers(user),
        "nav_audit": roles.can_read_audit_log(user),
    }
