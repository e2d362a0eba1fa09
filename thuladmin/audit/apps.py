from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "thuladmin.audit"
    label = "audit"
