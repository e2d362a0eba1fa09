"""The audit entry's own helpers: the outcome in words, cheaply, in the active language."""

from __future__ import annotations

import pytest
from django.utils import translation

from thuladmin.audit.models import AuditEntry, outcome_label, outcome_labels


@pytest.mark.parametrize("outcome", list(AuditEntry.Outcome))
def test_the_outcome_display_is_the_choice_label(outcome):
    assert AuditEntry(outcome=outcome).get_outcome_display() == str(outcome.label)
    assert outcome_label(outcome) == str(outcome.label)


def test_an_outcome_no_longer_a_choice_keeps_its_code():
    assert AuditEntry(outcome="vanished").get_outcome_display() == "vanished"
    assert outcome_label("vanished") == "vanished"


def test_the_outcome_display_follows_the_active_language():
    entry = AuditEntry(outcome=AuditEntry.Outcome.PARTIAL)

    with translation.override("pl"):
        assert entry.get_outcome_display() == "Częściowo wykonane"
        assert outcome_labels()[AuditEntry.Outcome.SUCCESS] == "Sukces"
    with translation.override("en"):
        assert entry.get_outcome_display() == "Partly done"


def test_outcome_labels_names_every_outcome_once_as_text():
    labels = outcome_labels()

    assert labels == {outcome.value: str(outcome.label) for outcome in AuditEntry.Outcome}
    assert all(type(label) is str for label in labels.values())
