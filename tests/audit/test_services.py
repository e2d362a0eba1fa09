import pytest

from thuladmin.audit.models import AuditEntry
from thuladmin.audit.services import audit_entry_create, audit_entry_for_error
from thuladmin.thulium import errors


@pytest.mark.django_db
def test_entry_records_who_what_and_the_answer(supervisor):
    entry = audit_entry_create(
        actor=supervisor,
        action="record.update",
        outcome=AuditEntry.Outcome.SUCCESS,
        campaign_id="00001",
        target="1234567890",
        request={"status_id": "3"},
        http_status=200,
        duration_ms=12,
    )
    entry.refresh_from_db()
    assert entry.actor == supervisor
    assert entry.actor_username == "supervisor"
    assert entry.request == {"status_id": "3"}
    assert entry.created_at is not None


@pytest.mark.django_db
def test_secrets_are_redacted_wherever_they_hide(supervisor):
    entry = audit_entry_create(
        actor=supervisor,
        action="x",
        outcome=AuditEntry.Outcome.SUCCESS,
        request={"password": "hunter2", "nested": [{"Authorization": "Basic abc"}]},
    )
    assert "hunter2" not in str(entry.request)
    assert "Basic abc" not in str(entry.request)


@pytest.mark.django_db
def test_entry_survives_the_user_being_deleted(supervisor):
    entry = audit_entry_create(actor=supervisor, action="x", outcome=AuditEntry.Outcome.SUCCESS)
    supervisor.delete()
    entry.refresh_from_db()
    assert entry.actor is None
    assert entry.actor_username == "supervisor"


@pytest.mark.django_db
def test_errors_are_recorded_with_status_and_the_api_message(supervisor):
    error = errors.Rejected("Wrong format of phone number.", status=400, request_id="abc")
    entry = audit_entry_for_error(actor=supervisor, action="record.delete", error=error)
    assert entry.outcome == AuditEntry.Outcome.FAILURE
    assert entry.http_status == 400
    assert entry.api_message == "Wrong format of phone number."
    assert entry.response["request_id"] == "abc"


@pytest.mark.django_db
def test_refusal_before_sending_is_recorded_as_refused(supervisor):
    error = errors.InvalidArgument("A campaign id is five letters or digits")
    entry = audit_entry_for_error(actor=supervisor, action="record.delete", error=error)
    assert entry.outcome == AuditEntry.Outcome.REFUSED
    assert entry.http_status is None


@pytest.mark.django_db
def test_admin_shows_entries_read_only(admin_client):
    entry = audit_entry_create(actor=None, action="x", outcome=AuditEntry.Outcome.SUCCESS)
    assert admin_client.get("/admin/audit/auditentry/").status_code == 200
    assert admin_client.get("/admin/audit/auditentry/add/").status_code == 403
    page = admin_client.get(f"/admin/audit/auditentry/{entry.pk}/change/")
    assert page.status_code == 200
    assert b'name="_save"' not in page.content
    assert admin_client.post(f"/admin/audit/auditentry/{entry.pk}/delete/").status_code == 403
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


@pytest.mark.django_db
def test_admin_offers_no_way_to_change_or_delete(admin_client):
    entry = audit_entry_create(
        actor=None, action="x", outcome=AuditEntry.Outcome.SUCCESS, api_message="original"
    )

    changelist = admin_client.get("/admin/audit/auditentry/")
    assert b"delete_selected" not in changelist.content
    bulk_delete = admin_client.post(
        "/admin/audit/auditentry/",
        {"action": "delete_selected", "_selected_action": [entry.pk], "post": "yes"},
    )
    change = admin_client.post(
        f"/admin/audit/auditentry/{entry.pk}/change/",
        {"action": "y", "outcome": "failure", "api_message": "changed"},
    )

    assert change.status_code == 403
    assert bulk_delete.status_code in (200, 302)
    entry.refresh_from_db()
    assert entry.api_message == "original"
    assert entry.outcome == AuditEntry.Outcome.SUCCESS


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("given", "stored"),
    [("516 659 233", "516659233"), ("+48 516-659-233", "516659233"), ("", ""), ("n/a", "")],
)
def test_an_entry_keeps_its_record_s_phone_as_a_search_looks_it_up(supervisor, given, stored):
    entry = audit_entry_create(
        actor=supervisor,
        action="record.update",
        outcome=AuditEntry.Outcome.SUCCESS,
        target="R-17",
        phone=given,
    )

    assert entry.phone == stored
