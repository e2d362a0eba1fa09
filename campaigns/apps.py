from django.apps import AppConfig


class CampaignsConfig(AppConfig):
    name = "campaigns"

    def ready(self) -> None:
        # Registers this app's kind of bulk deletion with the engine.
        from campaigns import bulk  # noqa: F401
