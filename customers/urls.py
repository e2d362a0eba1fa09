from django.urls import path

from customers import bulk

app_name = "customers"

urlpatterns = [
    path("", bulk.delete_customers, name="index"),
]
