"""The sandbox's copy of a Thulium system: campaigns, their statuses, agents and records, customers.

State lives in the database (not in memory) so the web process that serves the sandbox API and the
background workers that call it see the same data, and a demo user can change it in the admin
(e.g. put a record "in a call") while a bulk job runs.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class SystemStatus(models.TextChoices):
    """Thulium's fixed system statuses; every campaign status maps to exactly one of them."""

    TO_CALL = "TO_CALL", "Do dzwonienia"
    IN_PROGRESS = "IN_PROGRESS", "Obrabiane"
    CALL = "CALL", "Dzwonić"
    MY_RECORD = "MY_RECORD", "Mój rekord"
    NO_CALL = "NO_CALL", "Nie dzwonić"
    ABANDONED_AFTER_N_TRIES = "ABANDONED_AFTER_N_TRIES", "Odrzucony po n próbach"
    CALL_NO_SOONER_THAN = "CALL_NO_SOONER_THAN", "Kontakt nie wcześniej niż"
    CALL_PROGRESSIVE = "CALL_PROGRESSIVE", "Dzwonić w trybie progressive"


# Records in these system statuses still wait for a call; the rest count towards completion.
OPEN_SYSTEM_STATUSES = (SystemStatus.TO_CALL, SystemStatus.CALL, SystemStatus.CALL_PROGRESSIVE)


class Campaign(models.Model):
    campaign_id = models.CharField(max_length=5, primary_key=True)
    name = models.CharField(max_length=200)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["campaign_id"]

    def __str__(self) -> str:
        return f"{self.campaign_id} {self.name}"


class Status(models.Model):
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="statuses")
    # A string, as Thulium sends it; clients must not assume it is numeric.
    status_id = models.CharField(max_length=20)
    system_status = models.CharField(max_length=32, choices=SystemStatus.choices)
    name = models.CharField(max_length=200)
    dictionary_status_id = models.IntegerField(null=True, blank=True)

    class Meta:
        ordering = ["campaign", "id"]
        verbose_name_plural = "statuses"
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "status_id"], name="sandbox_status_unique_per_campaign"
            )
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id}/{self.status_id} {self.name} ({self.system_status})"


class Agent(models.Model):
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="agents")
    login = models.CharField(max_length=100)
    # Not part of the agents endpoint; it feeds `agent_name` in the records listing.
    name = models.CharField(max_length=200, blank=True)
    number = models.CharField(max_length=20, blank=True)
    active = models.BooleanField(default=True)
    active_in_outbound = models.BooleanField(default=True)
    agent_id = models.PositiveIntegerField()

    class Meta:
        ordering = ["campaign", "agent_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "login"], name="sandbox_agent_unique_per_campaign"
            )
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id}/{self.login}"


class Record(models.Model):
    record_id = models.BigAutoField(primary_key=True)
    # Not indexed on their own: both composite indexes below start with the campaign, and
    # every lookup by number is within a campaign. Fewer indexes make batch deletions cheaper.
    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="records", db_index=False
    )
    identifier = models.CharField(max_length=64)
    # Nine-digit Polish national number, exactly as Thulium stores it (no +48).
    phone_number = models.CharField(max_length=32)
    additional_numbers = models.JSONField(default=list, blank=True)
    status = models.ForeignKey(
        Status, on_delete=models.SET_NULL, null=True, blank=True, related_name="records"
    )
    agent_login = models.CharField(max_length=100, blank=True)
    dictionary_status_id = models.IntegerField(null=True, blank=True)
    next_call_date = models.DateTimeField(null=True, blank=True)
    record_fields = models.JSONField(default=dict, blank=True)
    # True while an agent is on the phone with this record: Thulium refuses to delete it then.
    in_call = models.BooleanField(default=False)
    create_date = models.DateTimeField(default=timezone.now)
    call_date = models.DateTimeField(null=True, blank=True)
    last_note = models.TextField(blank=True)
    order = models.IntegerField(default=0)

    class Meta:
        ordering = ["campaign", "record_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "identifier"], name="sandbox_record_identifier_per_campaign"
            )
        ]
        indexes = [
            models.Index(fields=["campaign", "phone_number"], name="sandbox_rec_campaign_phone"),
            # The records list (GET outbounds/:id/records) at 100,000 records a campaign: the
            # campaign's ids in the order records were added, read from this index alone and
            # kept between requests (records_index.py; see bench/sandbox_records.py).
            models.Index(fields=["campaign", "record_id"], name="sandbox_rec_campaign_order"),
            # Status filters (status_id[], system_status[]) read their ids from here.
            models.Index(
                fields=["campaign", "status", "record_id"], name="sandbox_rec_campaign_status"
            ),
            # Date filters read a range of days rather than the whole campaign.
            models.Index(fields=["campaign", "create_date"], name="sandbox_rec_campaign_created"),
            models.Index(fields=["campaign", "call_date"], name="sandbox_rec_campaign_called"),
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id}/{self.identifier} {self.phone_number}"


class Customer(models.Model):
    customer_id = models.BigAutoField(primary_key=True)
    name = models.CharField(max_length=100, blank=True)
    surname = models.CharField(max_length=100, blank=True)
    phone_number = models.CharField(max_length=32, blank=True)
    phone_numbers = models.JSONField(default=list, blank=True)
    email = models.EmailField(blank=True)
    company_id = models.IntegerField(null=True, blank=True)
    company_name = models.CharField(max_length=200, blank=True)
    identifier = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["customer_id"]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.name} {self.surname}".strip()


class CallsClock(models.Model):
    """When the simulated agents' calls were last brought up to date (`thuladmin.sandbox.calls`).

    One row. It lives in the database, not in a process, so that every process serving the
    sandbox sees one clock: each claims a tick by moving `last_tick` on with a conditional
    UPDATE, and only the process whose UPDATE matched makes that tick's calls.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_tick = models.DateTimeField()

    def __str__(self) -> str:
        return f"calls simulated up to {self.last_tick:%Y-%m-%d %H:%M:%S}"
