"""Every GET parameter of every page, fuzzed: a page or a form error, never a server error.

`PAGES` lists each URL pattern that answers GET with the query-string parameters its view reads
(and a couple it does not, which must be ignored). Hypothesis writes the values: any text,
numbers too large for any database column, dates and times at the ends of the calendar, page
cursors, repeated keys, control characters, very long values; and sends them as each role
(anonymous, no role, supervisor, admin, auditor, Django superuser), with and without htmx's
headers. The test client raises whatever a view raises, so an exception fails the test with its
traceback; a streamed export is read to its end, where a late error would surface. Any status
below 500 passes: a page, a form error, a redirect, a 403 or a 404.

Thulium is the sandbox, reached through `responses` and Django's test client (no server), with
seeded data, so the campaign and record pages render with real answers.
"""

from __future__ import annotations

import io
import re
import string
from dataclasses import dataclass
from datetime import UTC
from urllib.parse import urlsplit

import pytest
import responses
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from campaigns.bulk.remove_numbers import PHONE_NUMBERS, PhoneNumberOutcome
from customers.bulk import CUSTOMERS
from thuladmin.accounts.roles import Role
from thuladmin.audit.forms import FILTER_FIELDS
from thuladmin.audit.models import AuditEntry
from thuladmin.audit.services import audit_entry_create
from thuladmin.bulk.models import AUDIT_SUBJECT, BulkChunk, BulkJob
from thuladmin.bulk.services import bulk_job_draft_create
from thuladmin.sandbox.models import Record
from thuladmin.thulium import reset_client

# Committed data: the campaign page counts records per status in threads, with their own
# connections, which see the seeded sandbox only once it is committed.
pytestmark = pytest.mark.django_db(transaction=True)

FAKE_THULIUM = "https://thulium.fuzz/sandbox/api/"
SANDBOX_AUTH = {"HTTP_AUTHORIZATION": "Basic c2FuZGJveDpzYW5kYm94"}  # sandbox:sandbox
ROLES = ("anonymous", "outsider", "supervisor", "admin", "auditor", "superuser")
# Pages that read parameters get more examples than those that only must ignore them.
EXAMPLES_WITH_PARAMETERS = 100
EXAMPLES_WITHOUT = 25


@dataclass(frozen=True)
class Page:
    name: str
    # The path, with {draft}, {job}, {entry}, {record} filled in from the objects set up below.
    path: str
    # The GET parameters its view reads.
    params: tuple[str, ...] = ()
    extra_headers: tuple[tuple[str, str], ...] = ()
    # Who gets past the page's permission check, to be drawn more often than the others.
    role: str = "supervisor"
    # Whether `test_each_parameter_with_each_interesting_value` sweeps it (not Django's admin
    # record list: a hundred editable rows a page make each request slow).
    sweep: bool = True


PAGES = [
    Page("home", "/"),
    Page("login", "/accounts/login/", ("next",)),
    Page("language", "/i18n/setlang/", ("next", "language")),
    Page("healthz", "/healthz"),
    Page("campaigns", "/campaigns/", ("campaign_id",)),
    Page("campaign", "/campaigns/00001/", ("identifier", "refresh", "q")),
    Page(
        "records",
        "/campaigns/00001/records/",
        (
            "status",
            "system_status",
            "created_from",
            "created_to",
            "called_from",
            "called_to",
            "page",
        ),
    ),
    Page(
        "records export",
        "/campaigns/00001/records/export.csv",
        (
            "status",
            "system_status",
            "created_from",
            "created_to",
            "called_from",
            "called_to",
            "page",
            "size",
        ),
    ),
    Page("snapshot", "/campaigns/00001/snapshot/"),
    Page("record", "/campaigns/00001/records/{record}/"),
    Page("do not call", "/campaigns/do-not-call/"),
    Page("record edit", "/campaigns/00001/records/{record}/edit/"),
    Page("record delete", "/campaigns/00001/records/{record}/delete/"),
    Page("remove numbers", "/campaigns/00001/remove-numbers/"),
    Page("change records", "/campaigns/00001/change-records/"),
    Page("customers", "/customers/", role="admin"),
    Page("jobs", "/jobs/", ("page", "show")),
    Page("draft", "/jobs/{draft}/", ("page", "outcome")),
    Page("customers draft", "/jobs/{customers_draft}/", ("page", "outcome"), role="admin"),
    Page("finished job", "/jobs/{job}/", ("page", "outcome")),
    Page("job export", "/jobs/{job}/export.csv"),
    Page("audit log", "/audit/", (*FILTER_FIELDS, "before"), role="auditor"),
    Page("audit export", "/audit/export.csv", (*FILTER_FIELDS, "before"), role="auditor"),
    Page("audit entry", "/audit/{entry}/", role="auditor"),
    Page("admin", "/admin/", role="superuser"),
    Page(
        "admin audit entries",
        "/admin/audit/auditentry/",
        ("q", "p", "o", "all", "action", "outcome", "created_at__year", "created_at__month"),
        role="superuser",
    ),
    Page(
        "admin records",
        "/admin/sandbox/record/",
        ("q", "p", "o", "campaign__id__exact"),
        role="superuser",
        sweep=False,
    ),
    Page("admin users", "/admin/auth/user/", ("q", "p", "o", "is_staff__exact"), role="superuser"),
    Page("sandbox stats", "/sandbox/api/outbounds/stats", extra_headers=(("auth", "1"),)),
    Page(
        "sandbox records",
        "/sandbox/api/outbounds/00001/records",
        ("limit", "offset"),
        extra_headers=(("auth", "1"),),
    ),
    Page("sandbox statuses", "/sandbox/api/outbounds/00001/statuses", (), (("auth", "1"),)),
    Page("sandbox customer", "/sandbox/api/customers/13", (), (("auth", "1"),)),
]

SWEPT = [page for page in PAGES if page.params and page.sweep]

# Values worth trying whatever the parameter: the ends of ranges and of the calendar, numbers
# no column holds, cursors, markup, path tricks, control characters.
INTERESTING = [
    "",
    " ",
    "0",
    "1",
    "2",
    "-1",
    "1.5",
    "1e309",
    "nan",
    "inf",
    "99999999999999999999999",
    "9223372036854775807",
    "9223372036854775808",
    "-9223372036854775809",
    "0001-01-01",
    "9999-12-31",
    "2026-02-30",
    "2026-13-01",
    "0001-01-01T00:00:00+14:00,5",
    "9999-12-31T23:59:59.999999-14:00,1",
    "2026-01-01T00:00:00Z,99999999999999999999",
    "2026-01-01T00:00:00Z,0",
    ",",
    ",,,",
    "\x00",
    "a\x00b",
    "\r\n",
    "../../etc/passwd",
    "//evil.example/",
    "https://evil.example/",
    "<script>alert(1)</script>",
    "'; DROP TABLE bulk_bulkjob; --",
    "\u202e",
    "٣٣",
    "00001",
    "REMOVED",
    "PENDING",
    "INVALID",
    "record.delete",
    "success",
    "pl",
    "en",
    "x" * 5000,
    "1" * 400,
]

VALUE = st.one_of(
    # Listed three times: one_of picks its branches evenly, and these find the most.
    st.sampled_from(INTERESTING),
    st.sampled_from(INTERESTING),
    st.sampled_from(INTERESTING),
    st.text(max_size=40),
    st.text(alphabet=string.digits + "-+.,:TZ ", max_size=40),
    st.integers().map(str),
    st.dates().map(str),
    st.datetimes(timezones=st.timezones()).map(lambda moment: moment.isoformat()),
    st.tuples(
        st.datetimes(timezones=st.just(UTC)), st.integers(min_value=-(2**70), max_value=2**70)
    ).map(lambda pair: f"{pair[0].isoformat()},{pair[1]}"),
)
UNKNOWN_NAME = st.text(alphabet=string.ascii_letters + "_[]", min_size=1, max_size=12)


@st.composite
def query(draw, names: tuple[str, ...]) -> dict[str, list[str]]:
    chosen = draw(st.lists(st.sampled_from(names), unique=True, max_size=3)) if names else []
    chosen += draw(st.lists(UNKNOWN_NAME, max_size=1))
    return {name: draw(st.lists(VALUE, min_size=1, max_size=2)) for name in chosen}


HTMX_HEADERS = st.sampled_from(
    [
        {},
        {"HTTP_HX_REQUEST": "true"},
        {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "job-results"},
        {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "preview-items"},
        {"HTTP_HX_REQUEST": "true", "HTTP_HX_HISTORY_RESTORE_REQUEST": "true"},
    ]
)


# --- the world the pages show --------------------------------------------------------------


def _forward_to_sandbox(request):
    """`responses` callback: answer a Thulium request from the sandbox's own views."""
    url = urlsplit(request.url)
    response = Client().generic(
        request.method,
        url.path + (f"?{url.query}" if url.query else ""),
        data=request.body or "",
        content_type=request.headers.get("Content-Type", ""),
        HTTP_AUTHORIZATION=request.headers.get("Authorization", ""),
        HTTP_ACCEPT_LANGUAGE=request.headers.get("Accept-Language", ""),
    )
    return response.status_code, {"Content-Type": response["Content-Type"]}, response.content


@pytest.fixture
def thulium_is_the_sandbox(settings):
    settings.THULIUM_URL = FAKE_THULIUM
    settings.THULIUM_USER = settings.THULIUM_PASSWORD = "sandbox"
    settings.THULIUM_MAX_RETRIES = 0
    settings.SANDBOX_LATENCY_MS = 0
    settings.SANDBOX_ERROR_RATE = settings.SANDBOX_RATE_LIMIT_RATE = settings.SANDBOX_SLOW_RATE = 0
    settings.SANDBOX_LOGIN_FAILURE_LIMIT = 0
    # No pacing: a campaign page asks for a count per status, which the default 10 requests a
    # second would spread over more than a second of every example.
    settings.BULK_REQUESTS_PER_SECOND = 0
    reset_client()
    call_command("sandbox_seed", "--records", "200", "--customers", "30", stdout=io.StringIO())
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        for method in ("GET", "POST", "PUT", "DELETE"):
            mock.add_callback(
                method, re.compile(re.escape(FAKE_THULIUM) + ".*"), callback=_forward_to_sandbox
            )
        yield
    reset_client()


@pytest.fixture
def clients(django_user_model, supervisor, admin_member, auditor, outsider) -> dict[str, Client]:
    superuser = django_user_model.objects.create_superuser(username="root", password="pw-root")
    superuser.groups.add(Group.objects.get_or_create(name=Role.ADMINS.value)[0])
    users = {
        "outsider": outsider,
        "supervisor": supervisor,
        "admin": admin_member,
        "auditor": auditor,
        "superuser": superuser,
    }
    logged_in = {"anonymous": Client()}
    for role, user in users.items():
        logged_in[role] = Client()
        logged_in[role].force_login(user)
    return logged_in


@pytest.fixture
def objects(supervisor, admin_member) -> dict[str, object]:
    """A draft of each kind, a finished job with outcomes, an audit entry, a record."""
    draft = bulk_job_draft_create(
        user=supervisor,
        kind_name=PHONE_NUMBERS.name,
        parsed=PHONE_NUMBERS.parse("600100200\nabc\n600100201", options={}),
        campaign_id="00001",
    )
    customers_draft = bulk_job_draft_create(
        user=admin_member, kind_name=CUSTOMERS.name, parsed=CUSTOMERS.parse("13 14", options={})
    )
    job = bulk_job_draft_create(
        user=supervisor,
        kind_name=PHONE_NUMBERS.name,
        parsed=PHONE_NUMBERS.parse("\n".join(f"6001002{n:02d}" for n in range(30)), options={}),
        campaign_id="00001",
    )
    now = timezone.now()
    BulkJob.objects.filter(pk=job.pk).update(
        state=BulkJob.State.FINISHED, confirmed_at=now, started_at=now, finished_at=now
    )
    for chunk in BulkChunk.objects.filter(job=job):
        chunk.items.update(outcome=PhoneNumberOutcome.REMOVED, finished_at=now)
        BulkChunk.objects.filter(pk=chunk.pk).update(
            state=BulkChunk.State.DONE,
            outcome_counts={PhoneNumberOutcome.REMOVED: chunk.item_count},
        )
    entry = audit_entry_create(
        actor=supervisor,
        action="record.delete",
        outcome=AuditEntry.Outcome.SUCCESS,
        campaign_id="00001",
        target="600100200",
        subject_kind=AUDIT_SUBJECT,
        subject_id=job.pk,
    )
    record = Record.objects.filter(campaign__campaign_id="00001").first()
    return {
        "draft": draft.pk,
        "customers_draft": customers_draft.pk,
        "job": job.pk,
        "entry": entry.pk,
        "record": record.identifier,
    }


# --- the test --------------------------------------------------------------------------------


def _get(client: Client, path: str, params: dict[str, list[str]], headers: dict[str, str]):
    response = client.get(path, params, **headers)
    if response.streaming:
        b"".join(response.streaming_content)  # an error in the stream surfaces here
    return response


@pytest.mark.slow
@pytest.mark.parametrize("page", PAGES, ids=[page.name for page in PAGES])
def test_no_get_parameter_makes_a_page_fail(page, thulium_is_the_sandbox, clients, objects):
    path = page.path.format(**objects)
    auth = SANDBOX_AUTH if page.extra_headers else {}

    @settings(
        max_examples=EXAMPLES_WITH_PARAMETERS if page.params else EXAMPLES_WITHOUT,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(
        role=st.sampled_from((*ROLES, page.role, page.role, page.role)),
        params=query(page.params),
        htmx=HTMX_HEADERS,
    )
    def fuzz(role, params, htmx):
        response = _get(clients[role], path, params, {**htmx, **auth})
        assert response.status_code < 500, (role, params, response.status_code)

    fuzz()


@pytest.mark.slow
@pytest.mark.parametrize("page", SWEPT, ids=[page.name for page in SWEPT])
def test_each_parameter_with_each_interesting_value(page, thulium_is_the_sandbox, clients, objects):
    """The sweep hypothesis may take a while to stumble on: every parameter alone with every
    value of INTERESTING, as the role that gets past the page's permission check."""
    path = page.path.format(**objects)
    auth = SANDBOX_AUTH if page.extra_headers else {}
    for name in page.params:
        for value in INTERESTING:
            response = _get(clients[page.role], path, {name: [value]}, auth)
            assert response.status_code < 500, (name, value, response.status_code)


def test_every_get_page_is_fuzzed():
    """A page added to the URLconf is added here too (or deliberately left out)."""
    from django.urls import get_resolver

    def patterns(resolver, prefix=""):
        for pattern in resolver.url_patterns:
            route = prefix + str(pattern.pattern)
            if hasattr(pattern, "url_patterns"):
                if not route.startswith("admin/"):
                    yield from patterns(pattern, route)
            else:
                yield route

    fuzzed = {re.sub(r"\{\w+\}", "<>", page.path) for page in PAGES}
    # POST-only views, and the sandbox routes that take no GET parameters or no GET at all.
    not_pages = {
        "accounts/logout/",
        "jobs/<int:job_id>/start/",
        "jobs/<int:job_id>/discard/",
        "jobs/<int:job_id>/cancel/",
        "jobs/<int:job_id>/retry/",
        "jobs/<int:job_id>/retry-later/",
        "campaigns/<campaign_id:campaign_id>/remove-numbers/from-records/",
        "campaigns/<campaign_id:campaign_id>/records/<str:identifier>/restore/",
        "campaigns/restore-removal/<int:job_id>/",
        "campaigns/<campaign_id:campaign_id>/name/",
        "campaigns/<campaign_id:campaign_id>/change-records/<int:job_id>/put-back/",
        # Any path below a malformed campaign id: the page that explains it reads no parameter.
        "campaigns/<not_campaign_id:campaign_id>/<path:rest>",
    }
    for route in patterns(get_resolver()):
        if route in not_pages or route.startswith("sandbox/api/"):
            continue
        shape = "/" + re.sub(r"<[^>]+>", "<>", route)
        shape = shape.replace("<>", "00001", 1) if shape.startswith("/campaigns/<>") else shape
        assert any(
            re.fullmatch(re.escape(shape).replace("<>", "[^/]+"), candidate)
            or re.fullmatch(re.escape(candidate).replace("<>", "[^/]+"), shape)
            for candidate in fuzzed
        ), f"/{route} is not fuzzed"


def test_the_fuzzed_pages_render_for_their_role(thulium_is_the_sandbox, clients, objects):
    """The world is set up right: each page answers its own role with a page, not an error
    page, so the fuzzing above exercises the views and not only their refusals."""
    expectations = {
        "/campaigns/00001/": "supervisor",
        f"/campaigns/00001/records/{objects['record']}/edit/": "supervisor",
        f"/jobs/{objects['job']}/": "supervisor",
        f"/jobs/{objects['draft']}/": "supervisor",
        f"/jobs/{objects['customers_draft']}/": "admin",
        "/audit/": "auditor",
        f"/audit/{objects['entry']}/": "auditor",
        "/admin/audit/auditentry/": "superuser",
    }
    for path, role in expectations.items():
        assert clients[role].get(path).status_code == 200, path
