import pytest
from django.core.management import call_command

from thuladmin.accounts import roles
from thuladmin.accounts.roles import Role


@pytest.mark.django_db
def test_supervisor_works_on_campaigns_but_cannot_delete_customers(supervisor):
    assert roles.can_work_on_campaigns(supervisor)
    assert roles.can_read_audit_log(supervisor)
    assert not roles.can_delete_customers(supervisor)


@pytest.mark.django_db
def test_admin_can_do_everything(admin_member):
    assert roles.can_work_on_campaigns(admin_member)
    assert roles.can_delete_customers(admin_member)
    assert roles.can_read_audit_log(admin_member)


@pytest.mark.django_db
def test_auditor_only_reads_the_audit_log(auditor):
    assert roles.can_read_audit_log(auditor)
    assert not roles.can_work_on_campaigns(auditor)
    assert not roles.can_delete_customers(auditor)


@pytest.mark.django_db
def test_user_in_no_group_may_do_nothing(outsider):
    assert not roles.can_work_on_campaigns(outsider)
    assert not roles.can_read_audit_log(outsider)


@pytest.mark.django_db
def test_inactive_user_loses_every_role(supervisor):
    supervisor.is_active = False
    assert not roles.can_work_on_campaigns(supervisor)


@pytest.mark.django_db
def test_setup_roles_creates_the_groups_idempotently(django_user_model):
    from django.contrib.auth.models import Group

    call_command("setup_roles")
    call_command("setup_roles")
    assert set(Group.objects.values_list("name", flat=True)) == {role.value for role in Role}


@pytest.mark.django_db
def test_demo_setup_creates_accounts_that_can_log_in(client, settings, capsys):
    settings.DEMO_PASSWORD = "demo-pass-123"
    call_command("demo_setup", "--port", "8123")
    printed = capsys.readouterr().out
    assert "http://127.0.0.1:8123/" in printed
    assert "supervisor / demo-pass-123" in printed
    # Through the login page: django-axes wants the request, which `client.login` omits.
    credentials = {"username": "supervisor", "password": "demo-pass-123"}
    assert client.post("/accounts/login/", credentials)["Location"] == "/"

    call_command("demo_setup")  # again: still one account, password still valid
    client.logout()
    assert client.post("/accounts/login/", credentials)["Location"] == "/"


@pytest.mark.django_db
def test_demo_setup_refuses_without_a_password(settings):
    from django.core.management.base import CommandError

    settings.DEMO_PASSWORD = ""
    with pytest.raises(CommandError, match="DEMO_PASSWORD"):
        call_command("demo_setup")
