import io

from django.core.management import call_command
from django.db.models import F
from django.utils import timezone

from thuladmin.sandbox.models import Agent, Campaign, Customer, Record, Status, SystemStatus


def seed(*args: str) -> str:
    out = io.StringIO()
    call_command("sandbox_seed", *args, stdout=out)
    return out.getvalue()


def test_seed_creates_campaigns_statuses_agents_records_customers(db):
    output = seed("--records", "500", "--customers", "40")

    assert output.startswith("Sandbox seeded: 3 campaigns")
    assert output.count("\n") == 1
    assert list(Campaign.objects.values_list("campaign_id", "active")) == [
        ("00001", True),
        ("00002", True),
        ("00003", False),
    ]
    for campaign in Campaign.objects.all():
        systems = set(campaign.statuses.values_list("system_status", flat=True))
        assert systems == set(SystemStatus.values)
        assert campaign.agents.exists()
    assert Record.objects.count() == 500
    assert Record.objects.filter(campaign_id="00001").count() > 350
    assert Customer.objects.count() == 40
    assert Agent.objects.filter(active=False).exists()


def test_seed_fixtures(db):
    seed("--records", "300", "--customers", "20")

    first = Record.objects.filter(campaign_id="00001")
    assert first.filter(phone_number="600100200", in_call=False).count() == 2
    assert list(first.filter(phone_number="600100201").values_list("in_call", flat=True)) == [True]
    assert first.get(identifier="1234567890").in_call is False
    assert first.get(identifier="1234567891").in_call is True
    assert Customer.objects.filter(pk__in=[13, 14]).count() == 2


def test_seed_data_looks_real(db):
    seed("--records", "2000", "--customers", "100")

    numbers = list(Record.objects.values_list("phone_number", flat=True))
    assert all(len(n) == 9 and n.isdigit() for n in numbers)
    assert len(set(numbers)) < len(numbers)  # some duplicates
    assert Record.objects.filter(in_call=True).count() >= 5
    assert Record.objects.exclude(additional_numbers=[]).exists()
    assert all(len(i) == 10 for i in Record.objects.values_list("identifier", flat=True))
    for record in Record.objects.filter(status__system_status="MY_RECORD"):
        assert record.agent_login
        assert record.next_call_date
    assert "imie" in Record.objects.first().record_fields
    assert Customer.objects.exclude(company_name="").exists()
    assert Status.objects.filter(dictionary_status_id__isnull=True).exists()


def test_seeded_calls_are_in_the_past(db):
    """Only the day's real (or simulated) calls are found by `call_date_from=<today>`."""
    started = timezone.now()
    seed("--records", "2000", "--customers", "20")

    called = Record.objects.filter(call_date__isnull=False)
    assert called.count() > 500
    assert not called.filter(call_date__gt=started).exists()
    assert not called.filter(call_date__lt=F("create_date")).exists()


def test_seed_is_deterministic(db):
    seed("--records", "300", "--customers", "20")
    first = list(Record.objects.values_list("record_id", "identifier", "phone_number", "in_call"))
    first_customers = list(Customer.objects.values_list("customer_id", "name", "email"))

    seed("--reset", "--records", "300", "--customers", "20")

    assert (
        list(Record.objects.values_list("record_id", "identifier", "phone_number", "in_call"))
        == first
    )
    assert list(Customer.objects.values_list("customer_id", "name", "email")) == first_customers


def test_seed_is_idempotent(db):
    seed("--records", "300", "--customers", "20")
    Record.objects.filter(identifier="1234567890").delete()

    output = seed("--records", "300")

    assert "already seeded" in output
    assert Record.objects.count() == 299


def test_reset_wipes_and_reseeds(db):
    seed("--records", "300", "--customers", "20")
    Record.objects.filter(identifier="1234567890").delete()
    Customer.objects.create(name="Extra")

    seed("--reset", "--records", "300", "--customers", "20")

    assert Record.objects.count() == 300
    assert Record.objects.filter(identifier="1234567890").exists()
    assert Customer.objects.count() == 20


def test_new_rows_after_seed_get_fresh_ids(db):
    seed("--records", "300", "--customers", "20")

    campaign = Campaign.objects.get(pk="00001")
    added = Record.objects.create(campaign=campaign, identifier="x", phone_number="1")
    customer = Customer.objects.create(name="Nowy")

    assert added.record_id > 300
    assert customer.customer_id > 20


def test_seed_shares_dictionary_statuses_and_numbers_across_campaigns(db):
    seed("--records", "2000", "--customers", "20")

    do_not_call = Status.objects.filter(dictionary_status_id=13)
    assert sorted(do_not_call.values_list("campaign_id", "system_status")) == [
        ("00001", "NO_CALL"),
        ("00002", "NO_CALL"),
        ("00003", "NO_CALL"),
    ]
    # Other dictionary statuses are in some campaigns only.
    assert set(
        Status.objects.filter(dictionary_status_id=7).values_list("campaign_id", flat=True)
    ) == {"00001"}
    assert set(
        Status.objects.filter(dictionary_status_id=11).values_list("campaign_id", flat=True)
    ) == {"00001", "00002"}
    assert set(
        Record.objects.filter(phone_number="600100300").values_list("campaign_id", flat=True)
    ) == {"00001", "00002", "00003"}
    # Generated numbers are shared too, not only the fixtures.
    pairs = set(Record.objects.values_list("phone_number", "campaign_id"))
    campaigns_per_number: dict[str, int] = {}
    for number, _campaign_id in pairs:
        campaigns_per_number[number] = campaigns_per_number.get(number, 0) + 1
    shared = {number for number, count in campaigns_per_number.items() if count > 1}
    assert len(shared - {"600100300", "600100301", "600100302"}) >= 5
