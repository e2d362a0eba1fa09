"""`manage.py sandbox_seed`: fill the sandbox with realistic, repeatable demo data.

Deterministic (a fixed random seed; only dates move with "now"), idempotent (nothing happens
when campaign 00001 exists, unless `--reset`), and fast (bulk inserts with explicit ids, so the
fixed fixtures below always have the same record and customer ids, even after a reset).

Fixtures other tests and demos rely on, all in campaign 00001 (see `FIXTURE_RECORDS`):
number 600100200 on two records, 600100201 on one record in a call, identifier 1234567890 (not in
a call), 1234567891 (in a call), and 600100220 with additional number 600100221; customers 13
and 14 exist.

Across campaigns (see `CROSS_CAMPAIGN_RECORDS` and `DICTIONARY_STATUS_CAMPAIGNS`): 600100300 is in
all three campaigns, 600100301 in 00001 and 00002, 600100302 in 00002 and 00003, and about 3 % of
the generated numbers of 00002 and 00003 come from an earlier campaign. Dictionary status 13 "Do
not call" is a NO_CALL status in every campaign; other dictionary statuses exist only in some
campaigns, so setting a status by phone number reaches some campaigns and not others.
"""

from __future__ import annotations

import random
import time
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.core.management.color import no_style
from django.db import connections, router, transaction
from django.utils import timezone

from thuladmin.sandbox.models import Agent, Campaign, Customer, Record, Status, SystemStatus
from thuladmin.sandbox.routers import SANDBOX_DATABASE

SEED = 20251101
BATCH_SIZE = 1000
# A called record was called within this many minutes of being added (and before now).
CALLED_WITHIN_MINUTES = 60 * 24 * 3

# campaign_id, name, active, share of the generated records
CAMPAIGNS = [
    ("00001", "Odnowienia umów — listopad", True, 0.80),
    ("00002", "Ankieta satysfakcji klientów", True, 0.15),
    ("00003", "Windykacja miękka — archiwum", False, 0.05),
]

# status_id, system_status, name, dictionary_status_id, weight in the generated records
STATUSES = [
    ("1", SystemStatus.TO_CALL, "Do dzwonienia", None, 55),
    ("2", SystemStatus.IN_PROGRESS, "Obrabiane", None, 3),
    ("3", SystemStatus.CALL, "Kontakt potrzebny", 2, 8),
    ("4", SystemStatus.NO_CALL, "Nie dzwonić — brak zainteresowania", None, 6),
    ("5", SystemStatus.MY_RECORD, "Mój rekord", 5, 4),
    ("6", SystemStatus.ABANDONED_AFTER_N_TRIES, "Odrzucony po 5 próbach", None, 5),
    ("7", SystemStatus.CALL_NO_SOONER_THAN, "Kontakt nie wcześniej niż", 7, 5),
    ("8", SystemStatus.CALL_PROGRESSIVE, "Dzwonić w trybie progressive", None, 4),
    ("9", SystemStatus.NO_CALL, "Umowa przedłużona", 9, 4),
    ("10", SystemStatus.NO_CALL, "Błędny numer", 10, 2),
    ("11", SystemStatus.CALL, "Oddzwonić — prośba klienta", 11, 2),
    ("12", SystemStatus.CALL_NO_SOONER_THAN, "Oddzwonić po urlopie", None, 2),
    # Weight 0: no generated record starts in it (and the generated data stays as it was); records
    # get it from a supervisor's "do not call, in any campaign".
    ("13", SystemStatus.NO_CALL, "Nie dzwonić — sprzeciw klienta", 13, 0),
]
DO_NOT_CALL_DICTIONARY_STATUS_ID = 13

# Dictionary statuses are shared by the whole Thulium system, but each campaign maps only some of
# them to a status of its own. Dictionary status id -> campaigns whose status carries it (the
# others have the same status without a dictionary status); ids not listed are in every campaign.
DICTIONARY_STATUS_CAMPAIGNS = {
    5: {"00001", "00002"},
    7: {"00001"},
    9: {"00001", "00003"},
    11: {"00001", "00002"},
}

# login, name, number, active, active_in_outbound, agent_id, campaigns
AGENTS = [
    ("j.kowalski", "Jan Kowalski", "3101", True, True, 7, {"00001", "00002", "00003"}),
    ("a.nowak", "Anna Nowak", "3102", True, True, 8, {"00001", "00002"}),
    ("m.wisniewska", "Maria Wiśniewska", "3103", True, True, 9, {"00001"}),
    ("p.wojcik", "Piotr Wójcik", "3104", True, True, 10, {"00001", "00003"}),
    ("k.kaminska", "Katarzyna Kamińska", "3105", True, False, 11, {"00001", "00002"}),
    ("t.lewandowski", "Tomasz Lewandowski", "3106", False, False, 12, {"00001"}),
    ("e.zielinska", "Ewa Zielińska", "3107", True, True, 13, {"00001", "00002"}),
    ("m.szymanski", "Marek Szymański", "3108", False, True, 14, {"00001", "00003"}),
]

# identifier, phone_number, in_call, additional_numbers — always in campaign 00001, status "1".
FIXTURE_RECORDS = [
    ("1234567890", "600100210", False, []),
    ("1234567891", "600100211", True, []),
    ("1234567800", "600100200", False, []),
    ("1234567801", "600100200", False, []),
    ("1234567802", "600100201", True, []),
    ("1234567803", "600100220", False, ["600100221"]),
]
FIXTURE_CUSTOMER_IDS = (13, 14)

# campaign_id, identifier, phone_number, status_id — numbers present in several campaigns.
CROSS_CAMPAIGN_RECORDS = [
    ("00001", "1234567804", "600100300", "1"),
    ("00002", "2234567800", "600100300", "1"),
    ("00003", "3234567800", "600100300", "8"),
    ("00001", "1234567805", "600100301", "3"),
    ("00002", "2234567801", "600100301", "1"),
    ("00002", "2234567802", "600100302", "1"),
    ("00003", "3234567802", "600100302", "1"),
]
# Share of generated records, after the first campaign, whose number an earlier campaign has.
CROSS_CAMPAIGN_SHARE = 0.03

MOBILE_PREFIXES = ["50", "51", "53", "60", "66", "69", "72", "78", "79", "88"]
MALE_NAMES = ["Jan", "Piotr", "Tomasz", "Paweł", "Michał", "Krzysztof", "Andrzej", "Marcin"]
MALE_NAMES += ["Łukasz", "Grzegorz", "Adam", "Jakub", "Mateusz", "Wojciech", "Kamil", "Rafał"]
FEMALE_NAMES = ["Anna", "Maria", "Katarzyna", "Małgorzata", "Agnieszka", "Barbara", "Ewa"]
FEMALE_NAMES += ["Magdalena", "Joanna", "Aleksandra", "Zofia", "Monika", "Natalia", "Żaneta"]
# (male form, female form)
SURNAMES = [
    ("Kowalski", "Kowalska"),
    ("Nowak", "Nowak"),
    ("Wiśniewski", "Wiśniewska"),
    ("Wójcik", "Wójcik"),
    ("Kamiński", "Kamińska"),
    ("Lewandowski", "Lewandowska"),
    ("Zieliński", "Zielińska"),
    ("Szymański", "Szymańska"),
    ("Woźniak", "Woźniak"),
    ("Dąbrowski", "Dąbrowska"),
    ("Kozłowski", "Kozłowska"),
    ("Jankowski", "Jankowska"),
    ("Mazur", "Mazur"),
    ("Krawczyk", "Krawczyk"),
    ("Piotrowski", "Piotrowska"),
    ("Grabowski", "Grabowska"),
    ("Pawłowski", "Pawłowska"),
    ("Michalski", "Michalska"),
    ("Król", "Król"),
    ("Wieczorek", "Wieczorek"),
]
CITIES = ["Warszawa", "Kraków", "Łódź", "Wrocław", "Poznań", "Gdańsk", "Szczecin", "Lublin"]
CITIES += ["Bydgoszcz", "Białystok", "Katowice", "Gdynia", "Częstochowa", "Radom", "Toruń"]
NOTES = [
    "Prosi o kontakt po 17:00.",
    "Nie odbiera.",
    "Zainteresowany ofertą, wysłać e-mail.",
    "Umowa przedłużona na 24 miesiące.",
    "Klient rozważa ofertę konkurencji.",
    "Poczta głosowa.",
    "Błędny numer — inna osoba.",
    "Oddzwonić po urlopie.",
]
COMPANIES = [
    "Piekarnia Złoty Kłos sp. z o.o.",
    "Transbud S.A.",
    "Auto-Serwis Kowalczyk",
    "Zakład Energetyczny Północ",
    "Hurtownia Malwa",
    "Biuro Rachunkowe Bilans",
    "Drukarnia Pod Wierzbą",
    "Apteka Słoneczna",
    "Mleczarnia Łąka sp. j.",
    "Kancelaria Nowicki i Wspólnicy",
    "Salon Meblowy Dąb",
    "Przychodnia Zdrowie",
]
EMAIL_DOMAINS = ["gmail.com", "wp.pl", "onet.pl", "o2.pl", "interia.pl", "op.pl"]
_ASCII = str.maketrans("ąćęłńóśźżĄĆĘŁŃÓŚŹŻ", "acelnoszzACELNOSZZ")


class Command(BaseCommand):
    help = "Fill the Thulium sandbox with demo campaigns, statuses, agents, records and customers."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--records", type=int, default=10000, help="How many records (default 10000)."
        )
        parser.add_argument(
            "--customers", type=int, default=1000, help="How many customers (default 1000)."
        )
        parser.add_argument(
            "--reset", action="store_true", help="Delete all sandbox data first, then seed."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        if SANDBOX_DATABASE in settings.DATABASES:
            # The sandbox has a database of its own (SANDBOX_DATABASE_URL), which a plain
            # `migrate` leaves alone.
            call_command("migrate", database=SANDBOX_DATABASE, verbosity=0)
        records = max(0, options["records"])
        customers = max(max(FIXTURE_CUSTOMER_IDS), options["customers"])
        with transaction.atomic(using=router.db_for_write(Record)):
            if options["reset"]:
                _wipe()
            elif Campaign.objects.filter(campaign_id="00001").exists():
                self.stdout.write(
                    "Sandbox already seeded (campaign 00001 exists); use --reset to start over."
                )
                return
            counts = Seeder(random.Random(SEED), timezone.now()).run(records, customers)
            _reset_sequences()
        self.stdout.write(
            f"Sandbox seeded: {counts['campaigns']} campaigns, {counts['statuses']} statuses, "
            f"{counts['agents']} agents, {counts['records']} records, "
            f"{counts['customers']} customers in {time.monotonic() - started:.1f} s."
        )


def _wipe() -> None:
    # Children first, so each delete is a plain DELETE without cascade collection.
    for model in (Record, Agent, Status, Campaign, Customer):
        model.objects.all().delete()


def _reset_sequences() -> None:
    """Explicit ids leave PostgreSQL's sequences behind; move them past the seeded rows."""
    connection = connections[router.db_for_write(Record)]
    statements = connection.ops.sequence_reset_sql(no_style(), [Record, Customer, Status, Agent])
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


class Seeder:
    """Builds the rows with one `random.Random`, so the same options give the same data."""

    def __init__(self, rng: random.Random, now: datetime) -> None:
        self.rng = rng
        self.now = timezone.localtime(now).replace(second=0, microsecond=0)
        self.used_numbers: set[str] = set()
        self.used_identifiers: set[str] = set()
        for identifier, phone, _in_call, additional in FIXTURE_RECORDS:
            self.used_identifiers.add(identifier)
            self.used_numbers.update([phone, *additional])
        for _campaign_id, identifier, phone, _status_id in CROSS_CAMPAIGN_RECORDS:
            self.used_identifiers.add(identifier)
            self.used_numbers.add(phone)
        # Numbers of the campaigns generated so far, for numbers shared across campaigns.
        self.earlier_numbers: list[str] = []

    def run(self, record_count: int, customer_count: int) -> dict[str, int]:
        campaigns = [
            Campaign(campaign_id=cid, name=name, active=active)
            for cid, name, active, _share in CAMPAIGNS
        ]
        Campaign.objects.bulk_create(campaigns)
        Status.objects.bulk_create(
            Status(
                campaign=campaign,
                status_id=status_id,
                system_status=system_status,
                name=name,
                dictionary_status_id=(
                    dictionary_status_id
                    if campaign.campaign_id
                    in DICTIONARY_STATUS_CAMPAIGNS.get(dictionary_status_id, {campaign.campaign_id})
                    else None
                ),
            )
            for campaign in campaigns
            for status_id, system_status, name, dictionary_status_id, _weight in STATUSES
        )
        Agent.objects.bulk_create(
            Agent(
                campaign=campaign,
                login=login,
                name=name,
                number=number,
                active=active,
                active_in_outbound=in_outbound,
                agent_id=agent_id,
            )
            for campaign in campaigns
            for login, name, number, active, in_outbound, agent_id, where in AGENTS
            if campaign.campaign_id in where
        )
        # Re-read rather than trust bulk_create to have set primary keys on every backend.
        statuses = {
            (status.campaign_id, status.status_id): status for status in Status.objects.all()
        }
        rows = self._fixture_records(campaigns[0], statuses)
        rows.extend(self._cross_campaign_records(campaigns, statuses, first_id=len(rows) + 1))
        remaining = max(0, record_count - len(rows))
        for index, (campaign, (_cid, _name, _active, share)) in enumerate(
            zip(campaigns, CAMPAIGNS, strict=True)
        ):
            count = (
                round(remaining * share)
                if index < len(campaigns) - 1
                else remaining - sum(round(remaining * c[3]) for c in CAMPAIGNS[:-1])
            )
            rows.extend(self._records(campaign, statuses, max(0, count), first_id=len(rows) + 1))
        Record.objects.bulk_create(rows, batch_size=BATCH_SIZE)
        Customer.objects.bulk_create(self._customers(customer_count), batch_size=BATCH_SIZE)
        return {
            "campaigns": len(campaigns),
            "statuses": len(statuses),
            "agents": Agent.objects.count(),
            "records": len(rows),
            "customers": customer_count,
        }

    def _fixture_records(
        self, campaign: Campaign, statuses: dict[tuple[str, str], Status]
    ) -> list[Record]:
        to_call = statuses[(campaign.campaign_id, "1")]
        return [
            Record(
                record_id=index,
                campaign=campaign,
                identifier=identifier,
                phone_number=phone,
                additional_numbers=list(additional),
                status=to_call,
                in_call=in_call,
                create_date=self.now - timedelta(days=3),
                record_fields={"imie": "Jan", "nazwisko": "Testowy", "miasto": "Warszawa"},
                order=index,
            )
            for index, (identifier, phone, in_call, additional) in enumerate(FIXTURE_RECORDS, 1)
        ]

    def _cross_campaign_records(
        self,
        campaigns: list[Campaign],
        statuses: dict[tuple[str, str], Status],
        first_id: int,
    ) -> list[Record]:
        by_id = {campaign.campaign_id: campaign for campaign in campaigns}
        return [
            Record(
                record_id=first_id + index,
                campaign=by_id[campaign_id],
                identifier=identifier,
                phone_number=phone,
                status=statuses[(campaign_id, status_id)],
                create_date=self.now - timedelta(days=2),
                record_fields={"imie": "Anna", "nazwisko": "Wspólna", "miasto": "Kraków"},
                order=first_id + index,
            )
            for index, (campaign_id, identifier, phone, status_id) in enumerate(
                CROSS_CAMPAIGN_RECORDS
            )
        ]

    def _new_number(self) -> str:
        while True:
            number = (
                self.rng.choice(MOBILE_PREFIXES)
                + str(self.rng.randrange(10))
                + f"{self.rng.randrange(1_000_000):06d}"
            )
            if number not in self.used_numbers:
                self.used_numbers.add(number)
                return number

    def _new_identifier(self) -> str:
        while True:
            identifier = str(self.rng.randrange(1_000_000_000, 10_000_000_000))
            if identifier not in self.used_identifiers:
                self.used_identifiers.add(identifier)
                return identifier

    def _person(self) -> tuple[str, str]:
        surname_male, surname_female = self.rng.choice(SURNAMES)
        if self.rng.random() < 0.5:
            return self.rng.choice(MALE_NAMES), surname_male
        return self.rng.choice(FEMALE_NAMES), surname_female

    def _call_date(self, create_date: datetime, minutes: int) -> datetime:
        """`minutes` after the record was added, or as far between then and now: never in the
        future, where `call_date_from=<today>` would find it on every read of the day."""
        called = create_date + timedelta(minutes=minutes)
        if called <= self.now:
            return called
        return create_date + (self.now - create_date) * (minutes / CALLED_WITHIN_MINUTES)

    def _future_date(self) -> datetime:
        day = self.now + timedelta(days=self.rng.randint(1, 14))
        return day.replace(hour=self.rng.randint(8, 19), minute=self.rng.choice((0, 15, 30, 45)))

    def _records(
        self,
        campaign: Campaign,
        statuses: dict[tuple[str, str], Status],
        count: int,
        first_id: int,
    ) -> list[Record]:
        rng = self.rng
        campaign_statuses = [statuses[(campaign.campaign_id, row[0])] for row in STATUSES]
        weights = [row[4] for row in STATUSES]
        agents = [row[0] for row in AGENTS if campaign.campaign_id in row[6] and row[3]]
        seen: list[str] = []
        uses: dict[str, int] = {}
        rows = []
        for offset in range(count):
            number = None
            if self.earlier_numbers and rng.random() < CROSS_CAMPAIGN_SHARE:
                candidate = rng.choice(self.earlier_numbers)
                if candidate not in uses:
                    number = candidate
                    seen.append(number)
            # About 2 % of the numbers end up on two or three records.
            if number is None and seen and rng.random() < 0.02:
                candidate = rng.choice(seen[-500:])
                if uses[candidate] < 3:
                    number = candidate
            if number is None:
                number = self._new_number()
                seen.append(number)
            uses[number] = uses.get(number, 0) + 1

            status = rng.choices(campaign_statuses, weights)[0]
            system_status = status.system_status
            create_date = self.now - timedelta(minutes=rng.randint(60, 60 * 24 * 60))
            called = system_status != SystemStatus.TO_CALL
            first_name, surname = self._person()
            needs_date = system_status in {
                SystemStatus.MY_RECORD,
                SystemStatus.CALL_NO_SOONER_THAN,
            }
            rows.append(
                Record(
                    record_id=first_id + offset,
                    campaign=campaign,
                    identifier=self._new_identifier(),
                    phone_number=number,
                    additional_numbers=(
                        [self._new_number() for _ in range(rng.randint(1, 2))]
                        if rng.random() < 0.05
                        else []
                    ),
                    status=status,
                    agent_login=(
                        rng.choice(agents)
                        if agents
                        and (system_status == SystemStatus.MY_RECORD or rng.random() < 0.1)
                        else ""
                    ),
                    next_call_date=self._future_date() if needs_date else None,
                    record_fields={
                        "imie": first_name,
                        "nazwisko": surname,
                        "miasto": rng.choice(CITIES),
                        "numer_umowy": f"UM/2025/{rng.randrange(100_000):05d}",
                    },
                    in_call=rng.random() < 0.01,
                    create_date=create_date,
                    call_date=(
                        self._call_date(create_date, rng.randint(5, CALLED_WITHIN_MINUTES))
                        if called
                        else None
                    ),
                    last_note=rng.choice(NOTES) if called and rng.random() < 0.6 else "",
                    order=offset + 1,
                )
            )
        self.earlier_numbers.extend(seen)
        return rows

    def _customers(self, count: int) -> list[Customer]:
        rng = self.rng
        rows = []
        for customer_id in range(1, count + 1):
            name, surname = self._person()
            phone = self._new_number()
            company_index = rng.randrange(len(COMPANIES)) if rng.random() < 0.35 else None
            login = f"{name}.{surname}".lower().translate(_ASCII)
            if rng.random() < 0.3:
                login += str(rng.randint(1, 99))
            rows.append(
                Customer(
                    customer_id=customer_id,
                    name=name,
                    surname=surname,
                    phone_number=phone,
                    phone_numbers=[phone, self._new_number()] if rng.random() < 0.2 else [phone],
                    email=f"{login}@{rng.choice(EMAIL_DOMAINS)}" if rng.random() < 0.85 else "",
                    company_id=None if company_index is None else company_index + 1,
                    company_name="" if company_index is None else COMPANIES[company_index],
                    identifier=f"KL/{customer_id:06d}",
                )
            )
        return rows
