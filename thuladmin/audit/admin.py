from django.contrib import admin
from django.http import HttpRequest

from thuladmin.audit.models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Read-only: the audit log is append-only, and the admin must not be a way around that."""

    list_display = ["created_at", "actor_username", "action", "campaign_id", "target", "outcome"]
    list_filter = ["action", "outcome"]
    search_fields = ["target", "actor_username", "campaign_id"]
    date_hierarchy = "created_at"
    list_select_related = ["actor"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: AuditEntry | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: AuditEntry | None = None) -> bool:
        return False
