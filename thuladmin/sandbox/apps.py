from django.apps import AppConfig


class SandboxConfig(AppConfig):
    name = "thuladmin.sandbox"
    label = "sandbox"
