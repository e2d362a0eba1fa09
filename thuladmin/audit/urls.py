from django.urls import path

from thuladmin.audit import views

app_name = "audit"

urlpatterns = [
    path("", views.index, name="index"),
    path("export.csv", views.export, name="export"),
    path("<int:entry_id>/", views.detail, name="detail"),
]
