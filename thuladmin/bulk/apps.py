from django.apps import AppConfig


class BulkConfig(AppConfig):
    name = "thuladmin.bulk"
    label = "bulk"
