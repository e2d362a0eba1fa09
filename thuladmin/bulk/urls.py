from django.urls import path

from thuladmin.bulk import views

app_name = "bulk"

urlpatterns = [
    path("", views.index, name="index"),
    path("<int:job_id>/", views.detail, name="detail"),
    path("<int:job_id>/start/", views.start, name="start"),
    path("<int:job_id>/discard/", views.discard, name="discard"),
    path("<int:job_id>/cancel/", views.cancel, name="cancel"),
    path("<int:job_id>/retry/", views.retry, name="retry"),
    path("<int:job_id>/retry-later/", views.retry_later, name="retry_later"),
    path("<int:job_id>/export.csv", views.export, name="export"),
]
