"""Item details: stored as codes with parameters, worded in the reader's language when read;
Thulium's own messages kept as they came and labelled as Thulium's."""

from __future__ import annotations

import csv
import io

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import translation

from thuladmin.bulk.details import (
    NOT_MENTIONED,
    Detail,
    detail_text,
    error_detail,
    register_detail,
)
from thuladmin.bulk.kinds import BulkKind, register
from thuladmin.bulk.models import BulkItem, Outcome
from thuladmin.thulium import errors

from .test_views import FakeThulium, _fast_engine, _html, _numbers, _run, _started  # noqa: F401


@pytest.fixture(autouse=True)
def _language_restored():
    """The test client's requests leave their language active in this thread: not for the
    tests after these."""
    yield
    translation.deactivate()


def _read_in(client, language: str) -> None:
    client.cookies["django_language"] = language


# --- the registry ------------------------------------------------------------------------------


def test_a_code_is_worded_in_the_active_language_at_render_time():
    detail = Detail("phone_numbers.in_call_others_removed", {"count": 2, "removed": 1})
    with translation.override("en"):
        assert detail.text() == "2 records in a call, not removed. 1 other record removed."
    with translation.override("pl"):
        assert detail.text() == "2 rekordy w trakcie rozmowy, nieusunięte. 1 inny rekord usunięty."


def test_an_earlier_attempt_that_may_have_applied_adds_its_sentence():
    detail = Detail(NOT_MENTIONED).maybe_applied()
    with translation.override("en"):
        assert detail.text() == (
            "Thulium's answer did not mention this item. "
            "It may have been applied: check before sending again."
        )


def test_no_code_shows_the_old_sentence_and_an_unknown_code_never_breaks_the_page():
    assert detail_text("", {}, legacy="Given up, in the old words.") == (
        "Given up, in the old words."
    )
    assert detail_text("newer.code", {"count": 3}) == 'newer.code {"count": 3}'
    # A sentence whose parameter is missing: the code, not an exception.
    assert detail_text("do_not_call.updated_in", {}) == "do_not_call.updated_in"


def test_a_code_means_one_thing():
    from django.utils.translation import gettext_lazy

    register_detail("tests.same", gettext_lazy("Same."))
    register_detail("tests.same", gettext_lazy("Same."))
    with pytest.raises(ValueError, match="Two details"):
        register_detail("tests.same", gettext_lazy("Different."))


def test_a_kind_registers_its_codes_under_its_own_name():
    from django.utils.translation import gettext_lazy

    class Stray(BulkKind):
        name = "stray"
        detail_codes = {"phone_numbers.mine": gettext_lazy("Not yours.")}

    with pytest.raises(ValueError, match="must start with it"):
        register(Stray())


@pytest.mark.parametrize(
    ("error", "code", "params", "thulium_message"),
    [
        (
            errors.AuthenticationFailed("Bad password.", status=401),
            "thulium.credentials",
            {},
            "Bad password.",
        ),
        (
            errors.NotFound("No such thing.", status=404),
            "thulium.not_found",
            {"status": 404},
            "No such thing.",
        ),
        (
            errors.RateLimited("Slow down.", status=429),
            "thulium.rate_limited",
            {"status": 429},
            "Slow down.",
        ),
        (
            errors.Unavailable("down", status=503),
            "thulium.server_error",
            {"status": 503},
            "down",
        ),
        (errors.Timeout("Thulium did not answer within 30 s."), "thulium.timeout", {}, ""),
        (
            errors.Rejected("Record is in a call.", status=409),
            "thulium.in_a_call",
            {},
            "Record is in a call.",
        ),
    ],
)
def test_thulium_errors_become_codes_with_thuliums_words_apart(
    error, code, params, thulium_message
):
    detail = error_detail(error)
    assert (detail.code, dict(detail.params)) == (code, params)
    # Only what Thulium itself answered is its message: a timeout's sentence is the client's.
    assert detail.thulium_message == thulium_message


def test_a_missing_campaign_is_named():
    detail = error_detail(errors.NotFound("Campaign not found", status=404), campaign_id="00007")
    with translation.override("pl"):
        assert detail.text() == "Kampania 00007 nie istnieje w Thulium."
    assert detail.thulium_message == "Campaign not found"


# --- the job page, read in another language ----------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_details_written_in_english_are_read_in_polish(supervisor_client, supervisor):
    numbers = _numbers(6)
    with translation.override("en"):
        job = _started(supervisor, "\n".join(numbers))
        job = _run(job, FakeThulium(existing=numbers[:3], in_call=numbers[3:5]))
    assert job.items.filter(outcome="CALL_IN_PROGRESS").first().detail == ""

    _read_in(supervisor_client, "pl")
    html = _html(supervisor_client.get(f"/jobs/{job.pk}/?outcome=CALL_IN_PROGRESS"))

    assert "1 rekord w trakcie rozmowy, nieusunięty." in html
    assert "record in a call" not in html
    # A detail with nothing to say leaves its cell empty (hidden on a phone).
    removed = _html(supervisor_client.get(f"/jobs/{job.pk}/?outcome=REMOVED"))
    assert 'class="detail"></td>' in removed


@pytest.mark.django_db(transaction=True)
def test_details_written_in_polish_are_read_in_english(supervisor_client, supervisor):
    numbers = _numbers(4)
    with translation.override("pl"):
        job = _started(supervisor, "\n".join(numbers))
        job = _run(job, FakeThulium(existing=[], in_call=numbers[:2]))

    _read_in(supervisor_client, "en")
    html = _html(supervisor_client.get(f"/jobs/{job.pk}/?outcome=CALL_IN_PROGRESS"))

    assert "1 record in a call, not removed." in html
    assert "rozmowy" not in html


def _item_with(job, **fields) -> BulkItem:
    item = job.items.order_by("position").first()
    BulkItem.objects.filter(pk=item.pk).update(**fields)
    return item


@pytest.mark.django_db(transaction=True)
def test_thuliums_message_is_shown_as_it_came_labelled_as_thuliums(supervisor_client, supervisor):
    numbers = _numbers(2)
    job = _run(_started(supervisor, "\n".join(numbers)), FakeThulium(existing=numbers))
    _item_with(
        job,
        outcome=Outcome.ERROR,
        detail_code="thulium.rate_limited",
        detail_params={"status": 429},
        thulium_message="Limit <100> requests per hour reached.",
    )

    _read_in(supervisor_client, "pl")
    html = _html(supervisor_client.get(f"/jobs/{job.pk}/"))

    assert "Thulium ograniczył liczbę żądań (HTTP 429)" in html
    # Labelled in the reader's language, the message itself untouched (and escaped), marked
    # as not ours to translate.
    assert (
        '<span class="thulium-said">Thulium odpowiedział: <span translate="no">'
        "Limit &lt;100&gt; requests per hour reached.</span></span>"
    ) in html


@pytest.mark.django_db(transaction=True)
def test_do_not_call_names_its_campaigns_in_the_readers_language(supervisor_client, supervisor):
    from campaigns.bulk.do_not_call import DO_NOT_CALL
    from thuladmin.bulk.services import bulk_job_draft_create

    job = bulk_job_draft_create(
        user=supervisor,
        kind_name=DO_NOT_CALL.name,
        parsed=DO_NOT_CALL.parse("600100200\n600100201", options={}),
        options={"dictionary_status_id": "13", "number_format": "national"},
    )
    first, second = job.items.order_by("position")
    BulkItem.objects.filter(pk=first.pk).update(
        outcome="UPDATED",
        detail_code="do_not_call.updated_in",
        detail_params={"campaigns": "00001, 00002"},
    )
    # Written before detail codes: the campaigns alone, worded by the page as before.
    BulkItem.objects.filter(pk=second.pk).update(outcome="UPDATED", detail="00003")
    job.state = job.State.FINISHED
    job.save(update_fields=["state"])

    _read_in(supervisor_client, "pl")
    html = _html(supervisor_client.get(f"/jobs/{job.pk}/"))

    assert "w 00001, 00002" in html
    assert "w 00003" in html


# --- the export --------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_export_has_the_code_the_detail_in_the_readers_language_and_thuliums_words(
    supervisor_client, supervisor
):
    numbers = _numbers(3)
    with translation.override("en"):
        job = _run(
            _started(supervisor, "\n".join(numbers)),
            FakeThulium(existing=numbers[:1], in_call=numbers[1:2]),
        )
    _item_with(
        job,
        outcome=Outcome.ERROR,
        detail_code="thulium.server_error",
        detail_params={"status": 500},
        thulium_message='=HYPERLINK("http://x")',
    )

    _read_in(supervisor_client, "pl")
    response = supervisor_client.get(f"/jobs/{job.pk}/export.csv")

    body = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body), delimiter=";"))
    assert rows[0][4:] == [
        "kod wyniku",
        "wynik",
        *rows[0][6:8],
        "kod szczegółów",
        "szczegóły",
        "komunikat Thulium",
    ]
    assert rows[1][4:6] == ["ERROR", "błąd"]
    assert rows[1][8:] == [
        "thulium.server_error",
        "Thulium odpowiedział błędem serwera (HTTP 500).",
        # Thulium's words as they came, but never a formula in a spreadsheet.
        '\'=HYPERLINK("http://x")',
    ]
    assert rows[2][8:] == [
        "phone_numbers.in_call",
        "1 rekord w trakcie rozmowy, nieusunięty.",
        "",
    ]


# --- rows written before detail codes ----------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_migration_keeps_old_rows_shown_as_they_were_written(supervisor_client, supervisor):
    executor = MigrationExecutor(connection)
    before = [("bulk", "0007_job_outcome_counts")]
    after = [("bulk", "0008_item_detail_codes")]
    executor.migrate(before)
    try:
        old = executor.loader.project_state(before).apps
        job = old.get_model("bulk", "BulkJob").objects.create(
            kind="phone_numbers",
            campaign_id="00001",
            state="finished",
            created_by_id=supervisor.pk,
            item_count=1,
        )
        old.get_model("bulk", "BulkItem").objects.create(
            job=job,
            position=0,
            line=1,
            raw="600100200",
            value="600100200",
            outcome="ERROR",
            detail="Limit of 100 requests per hour reached.",
        )
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(after)

    item = BulkItem.objects.get(job_id=job.pk)
    assert (item.detail_code, item.detail_params, item.thulium_message) == ("", {}, "")
    assert item.detail_text == "Limit of 100 requests per hour reached."
    html = _html(supervisor_client.get(f"/jobs/{job.pk}/"))
    assert "Limit of 100 requests per hour reached." in html


@pytest.mark.django_db
def test_reasons_for_refused_and_doubtful_tokens_are_read_in_the_readers_language(
    supervisor_client, supervisor
):
    from .test_views import _draft

    with translation.override("en"):
        job = _draft(supervisor, "600100200\nabc\n60010020")
    refused = job.items.get(raw="abc")
    assert (refused.detail_code, refused.detail) == (
        "phones.letters_or_symbols",
        "contains letters or symbols",
    )

    _read_in(supervisor_client, "pl")
    html = _html(supervisor_client.get(f"/jobs/{job.pk}/"))

    assert "zawiera litery lub symbole" in html
    assert "8 cyfr: za mało na numer w kraju" in html
    assert "contains letters or symbols" not in html
