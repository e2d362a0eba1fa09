from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CampaignsConfig(AppConfig):
    name = "campaigns"

    def ready(self) -> None:
        # The audit log names the actions this app writes (its bulk kinds register themselves).
        from campaigns.bulk.restore_records import restore_entry_actions
        from campaigns.models import CampaignName
        from campaigns.names import CAMPAIGN_NAME_ACTION, campaign_name_in_words
        from campaigns.records.changes import record_update_in_words
        from campaigns.services import RECORD_DELETE_ACTION, RECORD_UPDATE_ACTION
        from thuladmin.audit.registry import (
            register_action,
            register_changes,
            register_entry_actions,
        )
        from thuladmin.campaign_labels import register_campaign_names

        register_action(RECORD_UPDATE_ACTION, _("Record edited"))
        register_action(RECORD_DELETE_ACTION, _("Record deleted"))
        # A record edit's entry reads field by field: before | sent.
        register_changes(RECORD_UPDATE_ACTION, record_update_in_words)
        # A record deletion's entry offers to restore the record.
        register_entry_actions(RECORD_DELETE_ACTION, restore_entry_actions)
        # Every page names a campaign by its id and the name an admin gave it; the core reads
        # the names through this lookup (it never imports the app).
        register_campaign_names(CampaignName.objects.as_dict)
        register_action(CAMPAIGN_NAME_ACTION, _("Campaign named"))
        register_changes(CAMPAIGN_NAME_ACTION, campaign_name_in_words)
