from django.urls import path

from campaigns import views
from campaigns.bulk import do_not_call, remove_numbers
from campaigns.records import edit
from campaigns.records import list as records_list

app_name = "campaigns"

urlpatterns = [
    path("", views.index, name="index"),
    # Before the campaign's own pages: "do-not-call" is no campaign id.
    path("do-not-call/", do_not_call.do_not_call, name="do_not_call"),
    # Any segment reaches the view, which explains a malformed id instead of a bare 404.
    path("<str:campaign_id>/", views.detail, name="detail"),
    path("<str:campaign_id>/records/", records_list.records_list, name="records"),
    path("<str:campaign_id>/snapshot/", records_list.snapshot, name="snapshot"),
    path(
        "<str:campaign_id>/remove-numbers/from-records/",
        records_list.records_remove,
        name="records_remove",
    ),
    # The record page; `edit/` below is the same page under its older address.
    path("<str:campaign_id>/records/<str:identifier>/", edit.record_edit, name="record"),
    path(
        "<str:campaign_id>/records/<str:identifier>/edit/",
        edit.record_edit,
        name="record_edit",
    ),
    path(
        "<str:campaign_id>/records/<str:identifier>/delete/",
        edit.record_delete,
        name="record_delete",
    ),
    path(
        "<str:campaign_id>/remove-numbers/",
        remove_numbers.remove_numbers,
        name="remove_numbers",
    ),
]
