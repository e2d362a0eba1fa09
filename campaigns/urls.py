from django.urls import path, register_converter

from campaigns import names, views
from campaigns.bulk import change_records, do_not_call, remove_numbers, restore_records
from campaigns.converters import CampaignIdConverter, NotCampaignIdConverter
from campaigns.records import delete, edit, export
from campaigns.records import list as records

app_name = "campaigns"

# The campaign id is checked here, once: a campaign's pages are reached only with a valid one.
register_converter(CampaignIdConverter, "campaign_id")
register_converter(NotCampaignIdConverter, "not_campaign_id")

urlpatterns = [
    path("", views.index, name="index"),
    path("do-not-call/", do_not_call.do_not_call, name="do_not_call"),
    path("<campaign_id:campaign_id>/", views.detail, name="detail"),
    path("<campaign_id:campaign_id>/snapshot/", views.snapshot, name="snapshot"),
    path("<campaign_id:campaign_id>/name/", names.campaign_name, name="campaign_name"),
    path("<campaign_id:campaign_id>/records/", records.records_list, name="records"),
    # No slash after it, so no identifier's page is taken: those end in one.
    path(
        "<campaign_id:campaign_id>/records/export.csv",
        export.records_export,
        name="records_export",
    ),
    # The record page; `edit/` below is the same page under its older address.
    path("<campaign_id:campaign_id>/records/<str:identifier>/", edit.record_edit, name="record"),
    path(
        "<campaign_id:campaign_id>/records/<str:identifier>/edit/",
        edit.record_edit,
        name="record_edit",
    ),
    path(
        "<campaign_id:campaign_id>/records/<str:identifier>/delete/",
        delete.record_delete,
        name="record_delete",
    ),
    path(
        "<campaign_id:campaign_id>/records/<str:identifier>/restore/",
        restore_records.restore_record,
        name="restore_record",
    ),
    path(
        "restore-removal/<int:job_id>/",
        restore_records.restore_removal,
        name="restore_removal",
    ),
    path(
        "<campaign_id:campaign_id>/remove-numbers/",
        remove_numbers.remove_numbers,
        name="remove_numbers",
    ),
    path(
        "<campaign_id:campaign_id>/remove-numbers/from-records/",
        records.remove_numbers_from_records,
        name="remove_numbers_from_records",
    ),
    path(
        "<campaign_id:campaign_id>/change-records/",
        change_records.change_records,
        name="change_records",
    ),
    path(
        "<campaign_id:campaign_id>/change-records/<int:job_id>/put-back/",
        change_records.change_records_put_back,
        name="change_records_put_back",
    ),
    # An address whose campaign id is not one gets a 404 that says so, rather than a bare one.
    path("<not_campaign_id:campaign_id>/", views.not_a_campaign, name="not_a_campaign"),
    path("<not_campaign_id:campaign_id>/<path:rest>", views.not_a_campaign, name="not_a_campaign"),
]
