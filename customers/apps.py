from django.apps import AppConfig


class CustomersConfig(AppConfig):
    name = "customers"

    def ready(self) -> None:
        # Registers this app's kind of bulk deletion with the engine.
        from customers import bulk  # noqa: F401
