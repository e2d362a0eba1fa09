from django.apps import AppConfig
from django.core import checks
from django.utils.module_loading import autodiscover_modules


class BulkConfig(AppConfig):
    name = "thuladmin.bulk"
    label = "bulk"

    def ready(self) -> None:
        # Each installed app's `bulk` module registers its kinds (see thuladmin.bulk.kinds);
        # then the audit log learns their actions and searches.
        autodiscover_modules("bulk")
        from thuladmin.bulk.audit_hooks import register_with_the_audit_log

        register_with_the_audit_log()
        # `manage.py db_worker` must be this app's (see thuladmin.bulk.checks).
        from thuladmin.bulk.checks import db_worker_is_the_engines

        checks.register(db_worker_is_the_engines)
