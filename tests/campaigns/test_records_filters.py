"""The records list's filter form (campaigns/records/filters.py)."""

from __future__ import annotations

from campaigns.records.filters import RecordsFilterForm
from thuladmin.thulium.types import CampaignStatus


def test_a_status_choice_names_its_kind_once_when_its_name_says_it_already():
    statuses = [
        CampaignStatus(
            status_id="1", name="To call", system_status="TO_CALL", dictionary_status_id=None
        ),
        CampaignStatus(
            status_id="3", name="Call back", system_status="CALL", dictionary_status_id=2
        ),
    ]

    form = RecordsFilterForm(statuses=statuses)

    assert form.fields["status"].choices == [("1", "To call"), ("3", "Call back · Call")]
