"""The registry of kinds: every registered kind is complete, and the engine names none."""

from __future__ import annotations

import pytest
from django.template.loader import get_template

from thuladmin.audit.registry import known_actions
from thuladmin.bulk.kinds import Confirmation, kind_for, registered_kinds
from thuladmin.bulk.models import BulkJob, Outcome

KIND_PARTIALS = (
    "breadcrumbs",
    "heading",
    "items_label",
    "summary",
    "confirm_button",
    "preview_heading",
    "preview_header",
    "preview_row",
    "result_header",
    "result_row",
    "job_what",
)


def test_the_kinds_register_themselves():
    assert {kind.name for kind in registered_kinds()} == {
        "change_records",
        "phone_numbers",
        "customers",
        "do_not_call",
        "restore_records",
    }


@pytest.mark.parametrize("kind", registered_kinds(), ids=str)
def test_each_kind_has_every_partial_the_job_pages_include(kind):
    for partial in KIND_PARTIALS:
        assert get_template(f"{kind.template_name}#{partial}")
    if kind.looks_up_items:
        assert get_template(f"{kind.template_name}#preview_notices")


@pytest.mark.parametrize("kind", registered_kinds(), ids=str)
def test_each_kind_names_its_outcomes_and_retries_only_those(kind):
    codes = {outcome.value for outcome in kind.outcomes}
    assert {Outcome.ERROR, Outcome.CANCELLED, Outcome.INVALID} <= codes
    assert set(kind.retryable_outcomes) <= codes
    for outcome in kind.outcomes:
        assert kind.outcome_label(outcome) == str(outcome.label)
    assert kind.outcome_label(Outcome.PENDING) == "waiting"
    assert kind.outcome_label("SOMETHING_NEW") == "SOMETHING_NEW"


def test_a_kind_that_may_resend_never_reports_uncertain():
    for kind in registered_kinds():
        if kind.resend_is_safe:
            assert Outcome.UNCERTAIN not in kind.outcomes


def test_the_audit_log_learns_each_kinds_actions():
    actions = dict(known_actions())
    for kind in registered_kinds():
        for event in ("start", "finish", "cancel"):
            assert f"bulk.{kind.name}.{event}" in actions
    assert actions["bulk.do_not_call.start"] == "Do not call, in any campaign: started"
    assert actions["record.update"] == "Record edited"


def test_a_count_confirmation_ignores_thousands_separators():
    confirmation = Confirmation(label="", expected="12345", mismatch_message="", numeric=True)
    assert confirmation.matches(" 12 345 ")
    assert confirmation.matches("12,345")
    assert not confirmation.matches("1234")
    exact = Confirmation(label="", expected="00001", mismatch_message="")
    assert exact.matches("00001 ")
    assert not exact.matches("0 0001")


@pytest.mark.django_db
def test_a_draft_keeps_what_is_known_of_each_item_and_a_kind_may_offer_follow_ups(supervisor):
    """Items made with a preview (a record's values from the campaign copy) keep it, for the
    kinds that send from it; a kind's follow-up actions default to none."""
    from campaigns.bulk.remove_numbers import PHONE_NUMBERS
    from thuladmin.bulk.parsing import ParsedItem, ParseResult
    from thuladmin.bulk.services import bulk_job_draft_create

    parsed = ParseResult(
        items=[ParsedItem(value="600100200", raw="600 100 200", line=1, preview={"id": "ID1"})]
    )
    job = bulk_job_draft_create(
        user=supervisor, kind_name=PHONE_NUMBERS.name, parsed=parsed, campaign_id="00001"
    )

    assert job.items.get().preview == {"id": "ID1"}
    assert PHONE_NUMBERS.follow_up_actions(job, supervisor) == []


@pytest.mark.parametrize(
    ("kind_name", "options", "shows"),
    [
        ("customers", {}, True),
        ("do_not_call", {}, True),
        ("phone_numbers", {"from_records": False}, True),
        ("phone_numbers", {"from_records": True}, False),
        ("change_records", {"source": "pasted"}, True),
        ("change_records", {"source": "selected"}, False),
        ("change_records", {"source": "all"}, False),
        ("change_records", {"source": "put_back"}, False),
        ("restore_records", {"restores_job": 1}, False),
    ],
)
def test_only_pasted_items_show_their_line_and_text_as_pasted(kind_name, options, shows):
    """The job pages' "Line" and "As pasted" columns are what a supervisor recognises of a list
    they typed; items drafted from records are shown as the records they are."""
    kind = kind_for(kind_name)
    assert kind.shows_source_lines(BulkJob(kind=kind_name, options=options)) is shows
