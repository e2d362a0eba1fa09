from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CampaignsConfig(AppConfig):
    name = "campaigns"

    def ready(self) -> None:
        # The audit log names the actions this app writes (its bulk kinds register themselves).
        from campaigns.bulk.restore_records import restore_entry_actions
        from campaigns.records.changes import record_update_in_words
        from campaigns.services import RECORD_DELETE_ACTION, RECORD_UPDATE_ACTION
        from thuladmin.audit.registry import (
            register_action,
            register_changes,
            register_entry_actions,
        )

        register_action(RECORD_UPDATE_ACTION, _("Record edited"))
        register_action(RECORD_DELETE_ACTION, _("Record deleted"))
        # A record edit's entry reads field by field: before | sent.
        register_changes(RECORD_UPDATE_ACTION, record_update_in_words)
        # A record deletion's entry offers to restore the record.
        register_entry_actions(RECORD_DELETE_ACTION, restore_entry_actions)
