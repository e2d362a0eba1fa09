from datetime import UTC, datetime

from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ChangeList
from django.http import HttpRequest

from thuladmin.audit.models import AuditEntry


class DateHierarchyChangeList(ChangeList):
    """Django's change list, with a date-hierarchy year at or past the calendar's ends
    (`?created_at__year=99999999`, 9999 with a month, 1) refused as bad filters (the admin then
    says so) instead of raising OverflowError or ValueError from Django's own date arithmetic
    or from the database's conversion to UTC."""

    def get_filters(self, request: HttpRequest):
        try:
            filters = super().get_filters(request)
            # The bounds it made must also be instants the database can store (in UTC).
            for values in filters[2].values():
                for value in values:
                    if isinstance(value, datetime):
                        value.astimezone(UTC)
        except (OverflowError, ValueError) as error:
            raise IncorrectLookupParameters(error) from error
        return filters


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Read-only: the audit log is append-only, and the admin must not be a way around that."""

    list_display = ["created_at", "actor_username", "action", "campaign_id", "target", "outcome"]
    list_filter = ["action", "outcome"]
    search_fields = ["target", "actor_username", "campaign_id"]
    date_hierarchy = "created_at"
    list_select_related = ["actor"]

    def get_changelist(self, request: HttpRequest, **kwargs) -> type[ChangeList]:
        return DateHierarchyChangeList

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: AuditEntry | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: AuditEntry | None = None) -> bool:
        return False
