from django.urls import path

from campaigns import views

app_name = "campaigns"

urlpatterns = [
    path("", views.index, name="index"),
    # Any segment reaches the view, which explains a malformed id instead of a bare 404.
    path("<str:campaign_id>/", views.detail, name="detail"),
]
