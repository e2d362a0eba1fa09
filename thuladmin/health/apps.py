from django.apps import AppConfig


class HealthConfig(AppConfig):
    name = "thuladmin.health"
    label = "health"
