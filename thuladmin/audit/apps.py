from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "thuladmin.audit"
    label = "audit"

    def ready(self) -> None:
        from thuladmin.audit.registry import register_action

        register_action("audit.prune", _("Old entries pruned"))
