"""Every page a Polish supervisor, admin and auditor reach is in Polish, with no raw code.

One world is built once for the module (it is the expensive part): the sandbox seeded with demo
data, and jobs of every kind made and run as a supervisor and an admin make and run them, through
the pages' own forms, with Thulium answered by the sandbox. Each page is then fetched once, in
Polish, by the role that reaches it, and each test reads one page for leaks (`tests/leaks.py`):
English from the message catalogue, or a raw Thulium code outside a details fold. A failure names
the page and every leaked phrase.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass

import pytest
import responses
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.core.management import call_command
from django.template.loader import render_to_string
from django.test import Client, override_settings
from django.utils import timezone, translation
from django_tasks_db.management.commands.db_worker import Worker as DatabaseWorker

from campaigns.bulk.change_records import CHANGE_RECORDS
from campaigns.bulk.do_not_call import DO_NOT_CALL
from campaigns.bulk.remove_numbers import PHONE_NUMBERS
from campaigns.bulk.restore_records import RESTORE_RECORDS, restore_parsed
from customers.bulk import CUSTOMERS
from thuladmin.accounts.roles import Role
from thuladmin.audit.models import AuditEntry
from thuladmin.bulk import details
from thuladmin.bulk.kinds import kind_for
from thuladmin.bulk.models import BulkChunk, BulkItem, BulkJob, Outcome
from thuladmin.bulk.services import bulk_job_cancel, bulk_job_draft_create
from thuladmin.sandbox.models import Record
from thuladmin.thulium import reset_client

from .leaks import leaks, text_leaks
from .security.test_fuzz_get import FAKE_THULIUM, _forward_to_sandbox

# The pages are fetched once, by the module's `world`; each test only reads one. One group for
# pytest-xdist (`--dist loadgroup`): the tests run together in one process, which builds the
# world once, rather than each process building it for a share of them.
pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("polish-pages")]

CAMPAIGN = "00001"
POLISH = {"HTTP_ACCEPT_LANGUAGE": "pl"}
# Values for every parameter a detail code's sentence may take.
DETAIL_PARAMS = {
    "count": 2,
    "campaigns": "00001, 00002",
    "campaign_id": "00001",
    "record_id": "77",
    "phone_number": "600100200",
    "country": "DE",
    "region": "DE",
    "code": "49",
    "status": 500,
    "length": 10,
    "limit": 64,
    "identifier": "1234567890",
    "seconds": 30,
    "each": 2,
    "job": 3,
    "message": "Rekord jest zablokowany",
    "name": "Nie dzwonić",
    "numbers": 2,
    "reason": "za krótki",
    "records": 3,
    "removed": 1,
    "status_id": "4",
    "statuses": "Nie dzwonić",
}


# Thulium's faults, as the sandbox makes them, and the pages read while it has them.
FAULTS = {
    "Thulium failing": {"SANDBOX_ERROR_RATE": 1.0},
    "Thulium limiting": {"SANDBOX_RATE_LIMIT_RATE": 1.0},
}
FAULTY_PAGES = {
    "campaign": "/campaigns/00001/?refresh=1",
    "campaigns": "/campaigns/",
    "records": "/campaigns/00001/records/?page=3",
    "record": "/campaigns/00001/records/{my_record}/",
    "do not call": "/campaigns/do-not-call/",
    "change records": "/campaigns/00001/change-records/",
}

# The jobs whose CSV export is read (each ends with every outcome of its kind).
JOBS_EXPORTED = (
    "phone_outcomes",
    "dnc_outcomes",
    "change_outcomes",
    "restore_outcomes",
    "customers_outcomes",
)

# The CSV exports' columns that hold data or codes, not words (their header is checked, not
# their cells): what was pasted or sent, ids, times, Thulium's own words, the JSON.
CSV_DATA_COLUMNS = {
    "pozycja",
    "wiersz",
    "jak wklejono",
    "jak wysłano",
    "kod wyniku",
    "liczba usuniętych",
    "ID rekordów",
    "kod szczegółów",
    "komunikat Thulium",
    "ID",
    "czas (Europe/Warsaw)",
    "nazwa użytkownika",
    "kod akcji",
    "kampania",
    "numer telefonu",
    "kod HTTP",
    "czas trwania (ms)",
}

# An entry of each of these is opened on the audit log.
AUDITED_ACTIONS = (
    "record.update",
    "record.delete",
    "bulk.phone_numbers.start",
    "bulk.phone_numbers.finish",
    "bulk.do_not_call.finish",
    "bulk.change_records.finish",
    "bulk.restore_records.finish",
    "bulk.customers.finish",
    "bulk.phone_numbers.cancel",
)


def htmx(target: str) -> dict[str, str]:
    return {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": target}


@dataclass(frozen=True)
class Page:
    name: str
    # Filled in from the world's objects: {record}, {removed_record}, {phone_job}, ...
    path: str
    role: str = "supervisor"
    headers: tuple[tuple[str, str], ...] = ()
    status: int = 200


def _fragment(target: str) -> tuple[tuple[str, str], ...]:
    return tuple(htmx(target).items())


PAGES = [
    Page("login", "/accounts/login/", role="anonymous"),
    Page("login, wrong password", "", role="anonymous"),
    Page("home", "/", status=302),
    Page("campaigns", "/campaigns/"),
    Page("campaigns, picked", "/campaigns/?campaign_id=1"),
    Page("campaign", "/campaigns/00001/"),
    Page(
        "campaign, statuses fragment",
        "/campaigns/00001/?refresh=1",
        headers=_fragment("campaign-statuses"),
    ),
    Page("campaign, search", "/campaigns/00001/?q={phone}"),
    Page(
        "campaign, search fragment", "/campaigns/00001/?q=600", headers=_fragment("search-results")
    ),
    Page("campaign, unknown identifier", "/campaigns/00001/?identifier=%20"),
    Page("snapshot", "/campaigns/00001/snapshot/", status=302),
    Page("records", "/campaigns/00001/records/"),
    Page(
        "records, filtered",
        "/campaigns/00001/records/?system_status=NO_CALL&created_from=2020-01-01&called_to=2099-01-01",
    ),
    Page("records, by status", "/campaigns/00001/records/?status=4"),
    Page("records, bad filters", "/campaigns/00001/records/?created_from=x&page=abc"),
    Page("records fragment", "/campaigns/00001/records/?page=2", headers=_fragment("records")),
    Page("record", "/campaigns/00001/records/{record}/"),
    Page("record, my record", "/campaigns/00001/records/{my_record}/"),
    Page("record edit", "/campaigns/00001/records/{record}/edit/"),
    Page("record, edited", ""),
    Page("record, edited fragment", ""),
    Page("record, refused", ""),
    Page(
        "record, current fragment",
        "/campaigns/00001/records/{record}/",
        headers=_fragment("record-current"),
    ),
    Page("record delete", "/campaigns/00001/records/{record}/delete/"),
    Page("record, removed", "/campaigns/00001/records/{removed_record}/"),
    Page("record, unknown", "/campaigns/00001/records/NO-SUCH-RECORD/"),
    Page("remove numbers", "/campaigns/00001/remove-numbers/"),
    Page("remove numbers, refused", ""),
    Page("change records", "/campaigns/00001/change-records/"),
    Page("do not call", "/campaigns/do-not-call/"),
    Page("not a campaign", "/campaigns/0x1/", status=404),
    Page("unknown campaign", "/campaigns/99999/"),
    Page("campaign, its read failed", ""),
    Page("unknown campaign's records", "/campaigns/99999/records/"),
    Page("customers", "/customers/", role="admin"),
    Page("jobs", "/jobs/"),
    Page("jobs, needing attention", "/jobs/?show=attention"),
    Page("jobs fragment", "/jobs/?page=1", headers=_fragment("jobs-list")),
    Page("removal preview", "/jobs/{phone_draft}/"),
    Page("removal preview, wrong confirmation", ""),
    Page("removal preview, chosen rows", "/jobs/{rows_draft}/"),
    Page("removal retry preview", "/jobs/{retry_draft}/"),
    Page("change form, chosen rows", ""),
    Page("change form, refused", ""),
    Page("change put-back preview", "/jobs/{put_back_draft}/"),
    Page("do not call, refused", ""),
    Page("customers, refused", "", role="admin"),
    Page(
        "removal preview fragment",
        "/jobs/{phone_draft}/?page=1",
        headers=_fragment("preview-items"),
    ),
    Page("removal results", "/jobs/{phone_job}/"),
    Page("removal, every outcome", "/jobs/{phone_outcomes}/"),
    Page(
        "removal, every outcome fragment",
        "/jobs/{phone_outcomes}/?page=1",
        headers=_fragment("job-results"),
    ),
    Page("removal, filtered by outcome", "/jobs/{phone_outcomes}/?outcome=NOT_EXIST"),
    Page("removal, retry later refused", ""),
    Page("removal, scheduled retry", "/jobs/{scheduled}/"),
    Page("removal, queued", "/jobs/{queued}/"),
    Page("removal, running", "/jobs/{running}/"),
    Page("removal, running fragment", "/jobs/{running}/", headers=_fragment("job-results")),
    Page("removal, cancelled", "/jobs/{cancelled}/"),
    Page("record, in a call, delete refused", ""),
    Page("record restore", ""),
    Page("do not call preview", "/jobs/{dnc_draft}/"),
    Page("do not call results", "/jobs/{dnc_job}/"),
    Page("do not call, every outcome", "/jobs/{dnc_outcomes}/"),
    Page("change preview", "/jobs/{change_draft}/"),
    Page("change results", "/jobs/{change_job}/"),
    Page("change, every outcome", "/jobs/{change_outcomes}/"),
    Page("restore preview", "/jobs/{restore_draft}/"),
    Page("restore results", "/jobs/{restore_job}/"),
    Page("restore, every outcome", "/jobs/{restore_outcomes}/"),
    Page("customers preview", "/jobs/{customers_draft}/", role="admin"),
    Page("customers results", "/jobs/{customers_job}/", role="admin"),
    Page("customers, every outcome", "/jobs/{customers_outcomes}/", role="admin"),
    Page("audit log", "/audit/", role="auditor"),
    Page("audit log, phone search", "/audit/?q={phone}", role="auditor"),
    Page("audit log, filtered", "/audit/?outcome=failure", role="auditor"),
    Page("audit log, one action", "/audit/?action=record.update", role="auditor"),
    Page("audit log, one campaign", "/audit/?campaign=00001", role="auditor"),
    Page("audit log, bad filters", "/audit/?date_from=x&outcome=nope", role="auditor"),
    Page("audit log fragment", "/audit/", role="auditor", headers=_fragment("audit-results")),
    *(
        Page(f"audit entry: {action}", f"/audit/{{entry_{n}}}/", role="auditor")
        for n, action in enumerate(AUDITED_ACTIONS)
    ),
    *(Page(f"{name}, {fault}", "") for fault in FAULTS for name in FAULTY_PAGES),
    Page("404", "/jobs/999999/", status=404),
    Page("403", "/campaigns/", role="outsider", status=403),
    Page("403, auditor on customers", "/customers/", role="auditor", status=403),
    Page("403, no CSRF token", "", status=403),
    Page("400, a host not served", "", status=400),
    Page("413, too much sent", "", status=413),
    Page("429, too many failed logins", "", role="anonymous", status=429),
    Page("500", "", status=500),
]


# --- the world -------------------------------------------------------------------------------


def _user(username: str, role: Role | None):
    user = get_user_model().objects.create_user(username=username, password="pw-" + username)
    if role is not None:
        user.groups.add(Group.objects.get_or_create(name=role.value)[0])
    return user


def _client(user=None) -> Client:
    client = Client(**POLISH)
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "pl"
    if user is not None:
        client.force_login(user)
    return client


def _run_tasks() -> None:
    """Run the queued tasks that are due (a confirmed job, a campaign's read), as a worker
    would (in the default language: a worker has no reader), until none is left; a copy's next
    refresh, due later, waits."""
    with translation.override(django_settings.LANGUAGE_CODE):
        _worker().run()


def _worker() -> DatabaseWorker:
    return DatabaseWorker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="polish-pages",
        excluded_queue_names=[],
    )


def _token(response) -> str:
    """The one-time token of the page's form."""
    found = re.search(r'name="token" value="([^"]+)"', response.content.decode())
    return found.group(1) if found else ""


def _job_id(response) -> int:
    assert response.status_code == 302, response.content.decode()[:2000]
    return int(re.fullmatch(r"/jobs/(\d+)/", response["Location"]).group(1))


def _start(client: Client, job_id: int) -> None:
    """Confirm a draft as its page does (typing what a large one asks for): it runs at once."""
    job = BulkJob.objects.get(pk=job_id)
    confirmation = kind_for(job.kind).confirmation(job)
    data = {"confirmation": confirmation.expected} if confirmation else {}
    response = client.post(f"/jobs/{job_id}/start/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    _run_tasks()
    job.refresh_from_db()
    assert job.state == BulkJob.State.FINISHED, job.state


def _every_outcome(user, kind, parsed, **draft) -> int:
    """A finished job of `kind` whose items end with each of its outcomes and the engine's,
    with each detail code of the kind and the engine (its parameters filled in)."""
    job = bulk_job_draft_create(user=user, kind_name=kind.name, parsed=parsed, **draft)
    outcomes = [str(o) for o in kind.outcomes] + [str(o) for o in Outcome]
    codes = [
        code
        for code in sorted(details._DETAILS)
        if code.startswith((f"{kind.name}.", "bulk.", "thulium.", "phones."))
    ]
    now = timezone.now()
    items = list(BulkItem.objects.filter(job=job).order_by("pk"))
    for n, item in enumerate(items):
        item.outcome = outcomes[n % len(outcomes)]
        item.detail_code = codes[n % len(codes)]
        item.detail_params = {**DETAIL_PARAMS, details.MAYBE_APPLIED: n % 7 == 0}
        # Thulium's own words, which may be English: shown as they came, marked as data.
        item.thulium_message = "The record is locked by another user." if n % 5 == 0 else ""
        item.finished_at = now
    BulkItem.objects.bulk_update(
        items, ["outcome", "detail_code", "detail_params", "thulium_message", "finished_at"]
    )
    for chunk in BulkChunk.objects.filter(job=job):
        counts: dict[str, int] = {}
        for item in items:
            if item.chunk_id == chunk.pk:
                counts[item.outcome] = counts.get(item.outcome, 0) + 1
        BulkChunk.objects.filter(pk=chunk.pk).update(
            state=BulkChunk.State.DONE, outcome_counts=counts
        )
    BulkJob.objects.filter(pk=job.pk).update(
        state=BulkJob.State.FINISHED, confirmed_at=now, started_at=now, finished_at=now
    )
    return job.pk


def _build(world: dict) -> dict[str, object]:
    call_command("sandbox_seed", "--records", "200", "--customers", "30", stdout=io.StringIO())
    supervisor = _user("ewa.supervisor", Role.SUPERVISORS)
    admin = _user("adam.admin", Role.ADMINS)
    auditor = _user("aga.auditor", Role.AUDITORS)
    outsider = _user("olek.outsider", None)
    clients = {
        "anonymous": _client(),
        "supervisor": _client(supervisor),
        "admin": _client(admin),
        "auditor": _client(auditor),
        "outsider": _client(outsider),
    }
    sup = clients["supervisor"]
    records = list(
        Record.objects.filter(campaign__campaign_id=CAMPAIGN)
        .select_related("status")
        .order_by("pk")
    )
    record = records[0]
    my_record = next(r for r in records if r.status.system_status == "MY_RECORD")
    objects: dict[str, object] = {
        "record": record.identifier,
        "my_record": my_record.identifier,
        "phone": record.phone_number,
    }
    # The campaign page first: it starts the campaign's copy (read at once, tasks run inline).
    assert sup.get(f"/campaigns/{CAMPAIGN}/").status_code == 200
    _run_tasks()

    # A record edited through its page.
    edit = sup.get(f"/campaigns/{CAMPAIGN}/records/{record.identifier}/")
    edit_data = {
        "status_id": "3",
        # "From the chosen status" after a status change: its dictionary status is sent too,
        # so the audit entry's change table names one.
        "dictionary_status_id": "",
        "dictionary_prefill": "2",
        "agent_login": "",
        "next_call_date": "",
        "fields-TOTAL_FORMS": "1",
        "fields-INITIAL_FORMS": "0",
        "fields-0-key": "note",
        "fields-0-value": "Oddzwonić jutro",
        "action": "send",
    }
    record_url = f"/campaigns/{CAMPAIGN}/records/{record.identifier}/"
    edited = sup.post(record_url, {**edit_data, "token": _token(edit)})
    assert edited.status_code == 302, edited.status_code
    world["record, edited"] = sup.get(edited["Location"]).content.decode()
    # The same, as htmx sends it: the editor region with what was sent.
    edit = sup.get(record_url)
    edited = sup.post(
        record_url,
        {
            **edit_data,
            "status_id": "5",
            "agent_login": "a.nowak",
            "next_call_date": "2099-01-02 10:00",
            "token": _token(edit),
        },
        **htmx("record-editor"),
    )
    world["record, edited fragment"] = edited.content.decode()
    # A form with mistakes, sent.
    edit = sup.get(record_url)
    world["record, refused"] = sup.post(
        record_url,
        {**edit_data, "status_id": "5", "next_call_date": "tomorrow", "token": _token(edit)},
    ).content.decode()

    # A record deleted through its page.
    deleted = records[1]
    delete_page = sup.get(f"/campaigns/{CAMPAIGN}/records/{deleted.identifier}/delete/")
    sup.post(
        f"/campaigns/{CAMPAIGN}/records/{deleted.identifier}/delete/",
        {"token": _token(delete_page)},
    )

    # Removals: a paste with refused and doubtful tokens, previewed; another one run.
    numbers = [r.phone_number for r in records[2:8]]
    refused = sup.post(f"/campaigns/{CAMPAIGN}/remove-numbers/", {"text": "abc\n12"})
    world["remove numbers, refused"] = refused.content.decode()
    objects["phone_draft"] = _job_id(
        sup.post(
            f"/campaigns/{CAMPAIGN}/remove-numbers/",
            {"text": "\n".join([*numbers, "abc", "+49 30 1234567", "60010", "999888777"])},
        )
    )
    wrong = sup.post(f"/jobs/{objects['phone_draft']}/start/", {"confirmation": "00002"})
    assert BulkJob.objects.get(pk=objects["phone_draft"]).state == BulkJob.State.DRAFT
    world["removal preview, wrong confirmation"] = wrong.content.decode()
    rows = records[60:64]
    rows_form = {
        "number": [r.phone_number for r in rows],
        "row_identifier": [r.identifier for r in rows],
        "row_number": [r.phone_number for r in rows],
        "scope": "selected",
    }
    objects["rows_draft"] = _job_id(
        sup.post(f"/campaigns/{CAMPAIGN}/remove-numbers/from-records/", rows_form)
    )
    world["change form, chosen rows"] = sup.post(
        f"/campaigns/{CAMPAIGN}/change-records/", {**rows_form, "from_list": "1"}
    ).content.decode()
    removal = _job_id(
        sup.post(
            f"/campaigns/{CAMPAIGN}/remove-numbers/", {"text": "\n".join([*numbers, "500400300"])}
        )
    )
    _start(sup, removal)
    objects["phone_job"] = removal
    objects["removed_record"] = records[2].identifier
    objects["phone_outcomes"] = _every_outcome(
        supervisor,
        PHONE_NUMBERS,
        PHONE_NUMBERS.parse("\n".join(f"6001002{n:02d}" for n in range(40)), options={}),
        campaign_id=CAMPAIGN,
    )

    retried = sup.post(f"/jobs/{objects['phone_outcomes']}/retry/")
    objects["retry_draft"] = _job_id(retried)
    retry_later = f"/jobs/{objects['phone_outcomes']}/retry-later/"
    world["removal, retry later refused"] = sup.post(retry_later, {"minutes": "0"}).content.decode()
    objects["scheduled"] = _job_id(sup.post(retry_later, {"minutes": "15"}))
    objects["queued"] = _job_id(
        sup.post(f"/campaigns/{CAMPAIGN}/remove-numbers/", {"text": records[64].phone_number})
    )
    BulkJob.objects.filter(pk=objects["queued"]).update(
        state=BulkJob.State.QUEUED, confirmed_at=timezone.now()
    )
    objects["running"] = _job_id(
        sup.post(
            f"/campaigns/{CAMPAIGN}/remove-numbers/",
            {"text": "\n".join(r.phone_number for r in records[65:69])},
        )
    )
    BulkJob.objects.filter(pk=objects["running"]).update(
        state=BulkJob.State.RUNNING, confirmed_at=timezone.now(), started_at=timezone.now()
    )
    first = BulkItem.objects.filter(job_id=objects["running"]).order_by("pk").first()
    BulkItem.objects.filter(pk=first.pk).update(outcome="REMOVED", finished_at=timezone.now())

    # A restore of the removal, run; another removal's restore, previewed.
    restore = _job_id(sup.post(f"/campaigns/restore-removal/{removal}/"))
    _start(sup, restore)
    objects["restore_job"] = restore
    second_removal = _job_id(
        sup.post(
            f"/campaigns/{CAMPAIGN}/remove-numbers/",
            {"text": "\n".join(r.phone_number for r in records[12:16])},
        )
    )
    _start(sup, second_removal)
    objects["restore_draft"] = _job_id(sup.post(f"/campaigns/restore-removal/{second_removal}/"))
    objects["restore_outcomes"] = _every_outcome(
        supervisor,
        RESTORE_RECORDS,
        _restore_parsed(records[70:110]),
        campaign_id=CAMPAIGN,
    )

    # Do not call: the status named so, preselected by the form.
    dnc_page = sup.get("/campaigns/do-not-call/")
    status = dnc_page.context["form"].fields["dictionary_status"].initial
    assert status, "the demo's Polish status named so is preselected"
    objects["dnc_draft"] = _job_id(
        sup.post(
            "/campaigns/do-not-call/",
            {"dictionary_status": status, "text": records[9].phone_number},
        )
    )
    dnc = _job_id(
        sup.post(
            "/campaigns/do-not-call/",
            {"dictionary_status": status, "text": f"{records[10].phone_number}\n500400301"},
        )
    )
    _start(sup, dnc)
    world["do not call, refused"] = sup.post(
        "/campaigns/do-not-call/", {"dictionary_status": "", "text": "abc"}
    ).content.decode()
    objects["dnc_job"] = dnc
    objects["dnc_outcomes"] = _every_outcome(
        supervisor,
        DO_NOT_CALL,
        DO_NOT_CALL.parse("\n".join(f"6001003{n:02d}" for n in range(40)), options={}),
        options={"dictionary_status_id": status, "dictionary_status_name": "Nie dzwonić"},
    )

    # Changes to records: a pasted list, a status and a field.
    change_data = {
        "status_id": "4",
        "dictionary_status_id": "",
        "dictionary_prefill": "",
        "agent_login": "",
        "next_call_date": "",
        "fields-TOTAL_FORMS": "3",
        "fields-INITIAL_FORMS": "0",
        "fields-0-key": "note",
        "fields-0-value": "Nie zainteresowany",
        "fields-1-key": "",
        "fields-1-value": "",
        "fields-2-key": "",
        "fields-2-value": "",
    }
    objects["change_draft"] = _job_id(
        sup.post(
            f"/campaigns/{CAMPAIGN}/change-records/",
            {**change_data, "text": f"{records[20].identifier}\n{records[21].identifier}\nNOPE"},
        )
    )
    change = _job_id(
        sup.post(
            f"/campaigns/{CAMPAIGN}/change-records/",
            {**change_data, "text": f"{records[22].identifier}\nNO-SUCH-ONE"},
        )
    )
    _start(sup, change)
    objects["change_job"] = change
    objects["put_back_draft"] = _job_id(
        sup.post(f"/campaigns/{CAMPAIGN}/change-records/{change}/put-back/")
    )
    world["change form, refused"] = sup.post(
        f"/campaigns/{CAMPAIGN}/change-records/",
        {**change_data, "status_id": "5", "text": "a b\n" + "x" * 300},
    ).content.decode()
    change_job = BulkJob.objects.get(pk=change)
    objects["change_outcomes"] = _every_outcome(
        supervisor,
        CHANGE_RECORDS,
        CHANGE_RECORDS.parse(
            "\n".join(r.identifier for r in records[23:63]), options={"campaign_id": CAMPAIGN}
        ),
        campaign_id=CAMPAIGN,
        options=change_job.options,
    )

    # Customers, as an admin.
    adm = clients["admin"]
    objects["customers_draft"] = _job_id(adm.post("/customers/", {"text": "13\n14\nabc\n0"}))
    customers = _job_id(adm.post("/customers/", {"text": "15\n16\n999999"}))
    _start(adm, customers)
    world["customers, refused"] = adm.post("/customers/", {"text": "abc -1 0"}).content.decode()
    objects["customers_job"] = customers
    objects["customers_outcomes"] = _every_outcome(
        admin, CUSTOMERS, CUSTOMERS.parse("\n".join(str(n) for n in range(20, 60)), options={})
    )

    # A cancelled job, for its audit entry.
    cancelled = _job_id(
        sup.post(f"/campaigns/{CAMPAIGN}/remove-numbers/", {"text": records[40].phone_number})
    )
    BulkJob.objects.filter(pk=cancelled).update(
        state=BulkJob.State.QUEUED, confirmed_at=timezone.now()
    )
    bulk_job_cancel(job=BulkJob.objects.get(pk=cancelled), user=supervisor)
    objects["cancelled"] = cancelled

    # A campaign whose read failed (Thulium failing while a worker read it).
    assert sup.get("/campaigns/00002/").status_code == 200
    with override_settings(SANDBOX_ERROR_RATE=1.0):
        _run_tasks()
        cache.clear()
        world["campaign, its read failed"] = sup.get("/campaigns/00002/").content.decode()

    # Thulium failing, then limiting the rate: what the pages say of it.
    for fault, rates in FAULTS.items():
        with override_settings(**rates):
            cache.clear()
            for name, path in FAULTY_PAGES.items():
                world[f"{name}, {fault}"] = sup.get(path.format_map(objects)).content.decode()
    cache.clear()

    # Deleting a record in a call: Thulium refuses, the page says why.
    in_call = records[120]
    Record.objects.filter(pk=in_call.pk).update(in_call=True)
    delete_url = f"/campaigns/{CAMPAIGN}/records/{in_call.identifier}/delete/"
    world["record, in a call, delete refused"] = sup.post(
        delete_url, {"token": _token(sup.get(delete_url))}, **htmx("record-delete")
    ).content.decode()
    # "Restore this record", on the page of a record deleted through its page: its preview, or
    # the record's page saying why it cannot be.
    world["record restore"] = sup.post(
        f"/campaigns/{CAMPAIGN}/records/{deleted.identifier}/restore/", follow=True
    ).content.decode()
    world["login, wrong password"] = (
        _client()
        .post("/accounts/login/", {"username": "ewa.supervisor", "password": "wrong"})
        .content.decode()
    )

    # The error pages Django and the middleware render themselves.
    world["400, a host not served"] = _client().get("/", HTTP_HOST="evil.example").content.decode()
    with override_settings(REQUEST_BODY_MAX_BYTES=100):
        world["413, too much sent"] = sup.post(
            f"/campaigns/{CAMPAIGN}/remove-numbers/", {"text": "600100200\n" * 50}
        ).content.decode()
    stranger = _client()
    for _attempt in range(django_settings.AXES_FAILURE_LIMIT + 1):
        locked = stranger.post("/accounts/login/", {"username": "aga.auditor", "password": "no"})
    assert locked.status_code == 429
    world["429, too many failed logins"] = locked.content.decode()
    with translation.override("pl"):
        world["500"] = render_to_string("500.html")

    # A form sent without its CSRF token (an expired page, say).
    strict = Client(enforce_csrf_checks=True, **POLISH)
    strict.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "pl"
    strict.force_login(supervisor)
    refused_post = strict.post("/campaigns/do-not-call/", {"text": "600100200"})
    assert refused_post.status_code == 403
    world["403, no CSRF token"] = refused_post.content.decode()

    for n, action in enumerate(AUDITED_ACTIONS):
        entry = AuditEntry.objects.filter(action=action).order_by("-pk").first()
        assert entry is not None, f"no {action} entry"
        objects[f"entry_{n}"] = entry.pk
    return {"clients": clients, "objects": objects}


def _body(response) -> str:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return content.decode("utf-8-sig")


def _restore_parsed(records):
    return restore_parsed(
        [
            {"record_id": str(r.pk), "phone_number": r.phone_number, "identifier": r.identifier}
            for r in records
        ]
    )


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """Every page of PAGES, fetched once in Polish: name -> (status, html). And the exports."""
    sandbox = override_settings(
        THULIUM_URL=FAKE_THULIUM,
        THULIUM_USER="sandbox",
        THULIUM_PASSWORD="sandbox",
        THULIUM_MAX_RETRIES=0,
        SANDBOX_LATENCY_MS=0,
        SANDBOX_ERROR_RATE=0,
        SANDBOX_RATE_LIMIT_RATE=0,
        SANDBOX_SLOW_RATE=0,
        SANDBOX_LOGIN_FAILURE_LIMIT=0,
        BULK_REQUESTS_PER_SECOND=0,
        BULK_CHUNK_BACKOFF_SECONDS=0,
        # Every job of three items or more asks for its count or campaign id to be typed.
        BULK_TYPED_CONFIRMATION_THRESHOLD=3,
    )
    with django_db_blocker.unblock(), sandbox:
        reset_client()
        try:
            with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
                for method in ("GET", "POST", "PUT", "DELETE"):
                    mock.add_callback(
                        method,
                        re.compile(re.escape(FAKE_THULIUM) + ".*"),
                        callback=_forward_to_sandbox,
                    )
                pages: dict[str, tuple[int, str]] = {}
                built = _build(pages)
                clients, objects = built["clients"], built["objects"]
                for page in PAGES:
                    if page.name in pages:
                        pages[page.name] = (page.status, pages[page.name])
                        continue
                    path = page.path.format_map(objects) if "{" in page.path else page.path
                    assert path, f"{page.name}: made by the set-up, which did not make it"
                    response = clients[page.role].get(path, **dict(page.headers))
                    pages[page.name] = (response.status_code, response.content.decode())
                exports = {
                    f"job export: {kind}": clients[
                        "admin" if kind == "customers_outcomes" else "supervisor"
                    ].get(f"/jobs/{objects[kind]}/export.csv")
                    for kind in JOBS_EXPORTED
                }
                exports["audit export"] = clients["auditor"].get("/audit/export.csv")
                exports["records export"] = clients["supervisor"].get(
                    "/campaigns/00001/records/export.csv"
                )
                pages["exports"] = {
                    name: (response.status_code, response["Content-Disposition"], _body(response))
                    for name, response in exports.items()
                }
                # The same pages in English, to show the check sees English when it is there.
                english = Client(HTTP_ACCEPT_LANGUAGE="en")
                english.force_login(get_user_model().objects.get(username="ewa.supervisor"))
                pages["english"] = {
                    path: english.get(path.format_map(objects)).content.decode()
                    for path in ("/campaigns/00001/", "/jobs/{phone_outcomes}/")
                }
                yield pages
        finally:
            reset_client()
            call_command("flush", interactive=False, verbosity=0)


@pytest.mark.parametrize("spec", PAGES, ids=[spec.name for spec in PAGES])
def test_a_polish_page_shows_no_english_and_no_raw_code(world, spec):
    status, html = world[spec.name]
    assert status == spec.status, f"{spec.name}: HTTP {status}"
    found = leaks(html)
    assert not found, f"{spec.name} shows a Polish reader:\n" + "\n".join(found)


EXPORTS = [
    *(f"job export: {kind}" for kind in JOBS_EXPORTED),
    "audit export",
    "records export",
]


@pytest.mark.parametrize("name", EXPORTS)
def test_a_polish_export_has_polish_headers_outcomes_and_file_name(world, name):
    """Headers, outcomes and actions in words (codes in their own columns), and the file's
    name, in Polish."""
    status, disposition, body = world["exports"][name]
    assert status == 200
    rows = list(csv.reader(io.StringIO(body), delimiter=";"))
    header, data = rows[0], rows[1:]
    assert data, f"{name} is empty"
    found = [f"file name: {leak}" for leak in text_leaks(disposition.replace("-", " "))]
    found += [f"header {title!r}: {leak}" for title in header for leak in text_leaks(title)]
    worded = [
        n
        for n, title in enumerate(header)
        if title not in CSV_DATA_COLUMNS and not title.startswith("dane (JSON)")
    ]
    for row in data:
        found += [
            f"{header[n]!r} of row {row[0]}: {leak}"
            for n in worded
            if n < len(row)
            for leak in text_leaks(row[n])
        ]
    assert not found, f"{name} shows a Polish reader:\n" + "\n".join(sorted(set(found)))


@pytest.mark.parametrize("path", ["/campaigns/00001/", "/jobs/{phone_outcomes}/"])
def test_the_check_sees_english_on_an_english_page(world, path):
    """The same pages in English leak: the check is not blind."""
    assert any(leak.startswith("English") for leak in leaks(world["english"][path]))


@pytest.mark.parametrize(
    ("html", "found"),
    [
        ("<p>Status TO_CALL</p>", ["TO_CALL"]),
        (
            "<td>REMOVED</td><td>phones.short_for_region</td>",
            ["REMOVED", "phones.short_for_region"],
        ),
        (
            "<p>PUT outbounds/00001/records_by_identifier/7</p>",
            ["outbounds/00001/records_by_identifier/7"],
        ),
        ('<pre>{"status_id": 3}</pre>', ['{"status_id":']),
        ("<p>Usunięto: 3 removed</p>", ["removed"]),
        ("<p>Zadanie <b>Remove phone</b> numbers from campaign 3</p>", ["from"]),
        ("<p>Szukaj the record</p>", ["the"]),
        # A fold may hold codes, not English; <pre> and <code> may hold English (data laid out
        # as it came), not codes; data, scripts and values are not the reader's words at all.
        ("<details><summary>Kody Thulium</summary><code>TO_CALL</code> REMOVED</details>", []),
        ("<details><summary>Kody</summary><p>Show the raw data</p></details>", ["the"]),
        ('<details><summary>Kody</summary><pre>{"message": "the record"}</pre></details>', []),
        ("<p><code>the message</code></p>", []),
        ("<p><code>TO_CALL</code></p>", ["TO_CALL"]),
        ('<p>Status <span translate="no">The record is locked</span></p>', []),
        ('<p data-verbatim>REMOVED</p><input value="REMOVED" name="the">', []),
        # A tooltip, a screen reader's label and a placeholder are read.
        ('<abbr title="the record">?</abbr>', ["the"]),
        ('<button aria-label="Remove">-</button>', ["Remove"]),
        ("<script>let removed = 'the'</script><style>.the{}</style>", []),
        ("<textarea>the numbers from campaign</textarea>", []),
        ("<details><summary>Status TO_CALL</summary>x</details>", ["TO_CALL"]),
    ],
)
def test_what_the_check_reads(html, found):
    """Each leak expected is found (with others, maybe); where none is, none is."""
    seen = " ".join(leaks(html))
    assert all(repr(text) in seen for text in found), seen
    assert bool(seen) == bool(found), seen


def test_every_page_of_the_urlconf_is_read_in_polish():
    """A page added to the URLconf is added to PAGES too (or deliberately left out)."""
    from django.urls import get_resolver

    def routes(resolver, prefix=""):
        for pattern in resolver.url_patterns:
            route = prefix + str(pattern.pattern)
            if hasattr(pattern, "url_patterns"):
                yield from routes(pattern, route)
            else:
                yield route

    # POST-only views (their answers are redirects, or pages listed under their own names),
    # machine-read answers and CSV exports (read by test_a_polish_export_...), and Django's
    # admin, which is for the site's administrators.
    not_read = {
        "accounts/logout/",
        "i18n/setlang/",
        "healthz",
        "jobs/<int:job_id>/start/",
        "jobs/<int:job_id>/discard/",
        "jobs/<int:job_id>/cancel/",
        "jobs/<int:job_id>/retry/",
        "jobs/<int:job_id>/retry-later/",
        "jobs/<int:job_id>/export.csv",
        "audit/export.csv",
        "campaigns/<campaign_id:campaign_id>/records/export.csv",
        "campaigns/<campaign_id:campaign_id>/name/",
        "campaigns/<campaign_id:campaign_id>/remove-numbers/from-records/",
        "campaigns/<campaign_id:campaign_id>/records/<str:identifier>/restore/",
        "campaigns/restore-removal/<int:job_id>/",
        "campaigns/<campaign_id:campaign_id>/change-records/<int:job_id>/put-back/",
        "campaigns/<not_campaign_id:campaign_id>/<path:rest>",
    }
    read = [re.sub(r"\{\w+\}", "x", page.path.split("?")[0]) for page in PAGES]
    for route in routes(get_resolver()):
        if route in not_read or route.startswith(("admin/", "sandbox/api/")):
            continue
        shape = "/" + re.sub(r"<[^>]+>", "[^/]+", route.replace(".", r"\."))
        assert any(re.fullmatch(shape, path) for path in read), f"/{route} is not read in Polish"
