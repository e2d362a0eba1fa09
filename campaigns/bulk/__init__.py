"""The campaigns app's kinds of bulk job, found by the bulk engine when it starts
(`BulkConfig.ready`): each module registers one."""

from campaigns.bulk import change_records, do_not_call, remove_numbers, restore_records

__all__ = ["change_records", "do_not_call", "remove_numbers", "restore_records"]
