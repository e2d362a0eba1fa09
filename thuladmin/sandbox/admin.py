"""Admin for the sandbox data, so a demo can change Thulium's side by hand.

The point is mostly `Record.in_call`: put a record "in a call" and watch the dashboard report
CALL_IN_PROGRESS (or a 409) instead of deleting it.
"""

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from thuladmin.sandbox.models import Agent, Campaign, Customer, Record, Status


class StatusInline(admin.TabularInline):
    model = Status
    extra = 0


class AgentInline(admin.TabularInline):
    model = Agent
    extra = 0


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = ["campaign_id", "name", "active"]
    list_editable = ["active"]
    search_fields = ["campaign_id", "name"]
    inlines = [StatusInline, AgentInline]


@admin.register(Status)
class StatusAdmin(admin.ModelAdmin):
    list_display = ["campaign", "status_id", "name", "system_status", "dictionary_status_id"]
    list_filter = ["campaign", "system_status"]
    search_fields = ["name", "status_id"]


@admin.register(Agent)
class AgentAdmin(admin.ModelAdmin):
    list_display = ["campaign", "login", "name", "number", "active", "active_in_outbound"]
    list_filter = ["campaign", "active", "active_in_outbound"]
    search_fields = ["login", "name", "number"]


@admin.action(description="Put the selected records in a call")
def start_call(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet) -> None:
    queryset.update(in_call=True)


@admin.action(description="End the call of the selected records")
def end_call(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet) -> None:
    queryset.update(in_call=False)


@admin.register(Record)
class RecordAdmin(admin.ModelAdmin):
    list_display = [
        "record_id",
        "campaign",
        "identifier",
        "phone_number",
        "status",
        "agent_login",
        "next_call_date",
        "in_call",
    ]
    list_editable = ["in_call"]
    list_filter = ["campaign", "in_call", "status__system_status"]
    list_select_related = ["campaign", "status"]
    search_fields = ["=identifier", "=phone_number"]
    actions = [start_call, end_call]
    show_full_result_count = False


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ["customer_id", "name", "surname", "phone_number", "email", "company_name"]
    search_fields = ["=customer_id", "surname", "email", "=phone_number"]
