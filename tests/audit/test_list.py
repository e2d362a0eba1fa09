"""The audit log list: filters, the item search, keyset pages, htmx and the number of queries."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from campaigns.models import CampaignName
from thuladmin.audit import views
from thuladmin.audit.forms import Cursor
from thuladmin.audit.models import AuditEntry, item_search_values
from thuladmin.bulk import audit_hooks
from thuladmin.bulk.models import AUDIT_SUBJECT, BulkItem, BulkJob

pytestmark = pytest.mark.django_db

INDEX = reverse("audit:index")


def listed(response) -> list[int]:
    assert response.status_code == 200
    return [entry.pk for entry in response.context["entries"]]


# --- what the page shows --------------------------------------------------------------------


def test_newest_first_with_who_what_and_the_answer(auditor_client, make_entry):
    now = timezone.now()
    old = make_entry(target="600100200", created_at=now - timedelta(hours=2))
    new = make_entry(
        action="record.update",
        campaign_id="00001",
        target="R-1",
        outcome=AuditEntry.Outcome.FAILURE,
        http_status=400,
        api_message="Wrong format of phone number.",
        created_at=now - timedelta(hours=1),
    )

    response = auditor_client.get(INDEX)

    assert listed(response) == [new.pk, old.pk]
    html = response.content.decode()
    assert reverse("audit:detail", args=[new.pk]) in html
    assert "Wrong format of phone number." in html
    assert 'class="audit-outcome audit-outcome-failure"' in html
    assert "<h1>Audit log</h1>" in html


def test_each_row_shows_its_time_in_the_call_centre_zone_and_links_to_the_entry(
    auditor_client, make_entry, settings, supervisor
):
    settings.TIME_ZONE = "Europe/Warsaw"
    supervisor.first_name, supervisor.last_name = "Ada", "Nowak"
    supervisor.save()
    entry = make_entry(
        created_at=datetime(2026, 7, 1, 10, 5, 9, 123456, tzinfo=UTC),
        api_message="x" * 200,
        http_status=404,
    )

    html = auditor_client.get(INDEX).content.decode()

    assert f'<a href="{reverse("audit:detail", args=[entry.pk])}" title=' in html
    assert '<time datetime="2026-07-01T12:05:09.123456+02:00">2026-07-01 12:05:09</time>' in html
    assert 'title="Ada Nowak">supervisor</span>' in html
    assert "x" * 89 + "…" in html
    assert "x" * 90 not in html
    assert 'title="HTTP status">404</small>' in html


def test_a_row_names_a_deleted_account_and_the_system(auditor_client, make_entry, outsider):
    make_entry(actor=outsider)
    outsider.delete()
    make_entry(actor=None, created_at=timezone.now() - timedelta(hours=1))

    html = auditor_client.get(INDEX).content.decode()

    assert "(account deleted)" in html
    assert '<span class="muted">system</span>' in html


def test_rows_are_in_the_active_language(auditor_client, make_entry):
    make_entry(outcome=AuditEntry.Outcome.PARTIAL)

    html = auditor_client.get(INDEX, headers={"accept-language": "pl"}).content.decode()

    assert "Częściowo wykonane" in html


def test_a_row_names_its_job_in_the_reader_s_language(auditor_client, make_entry, supervisor):
    job = BulkJob.objects.create(kind="phone_numbers", created_by=supervisor, item_count=1)
    make_entry(
        action="bulk.phone_numbers.start",
        target=f"job {job.pk}",
        subject_kind=AUDIT_SUBJECT,
        subject_id=job.pk,
    )

    polish = auditor_client.get(INDEX, headers={"accept-language": "pl"}).content.decode()
    english = auditor_client.get(INDEX).content.decode()

    assert f"<code>zadanie {job.pk}</code>" in polish
    assert f"job {job.pk}" not in polish
    assert f"<code>job {job.pk}</code>" in english


def test_the_navigation_links_to_the_audit_log(auditor_client):
    html = auditor_client.get(INDEX).content.decode()

    assert f'href="{INDEX}" aria-current="page"' in html


def test_messages_from_the_api_are_escaped(auditor_client, make_entry):
    make_entry(api_message="<img src=x onerror=alert(1)>")

    html = auditor_client.get(INDEX).content.decode()

    assert "<img src=x" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html


def test_an_empty_log_says_so(auditor_client):
    html = auditor_client.get(INDEX).content.decode()

    assert "Nothing has been changed through thuladmin yet." in html
    assert "Export as CSV" not in html


def test_no_match_offers_to_clear_the_filters(auditor_client, make_entry):
    make_entry()

    html = auditor_client.get(INDEX, {"user": "nobody"}).content.decode()

    assert "No entries match these filters." in html


# --- each filter ----------------------------------------------------------------------------


def test_filter_by_user(auditor_client, make_entry, admin_member):
    mine = make_entry()
    make_entry(actor=admin_member)

    assert listed(auditor_client.get(INDEX, {"user": "supervisor"})) == [mine.pk]


def test_filter_by_user_finds_entries_of_deleted_accounts(auditor_client, make_entry, outsider):
    entry = make_entry(actor=outsider)
    outsider.delete()

    response = auditor_client.get(INDEX, {"user": "outsider"})

    assert listed(response) == [entry.pk]
    assert "account deleted" in response.content.decode()


def test_filter_by_action(auditor_client, make_entry):
    update = make_entry(action="record.update")
    make_entry(action="record.delete")

    assert listed(auditor_client.get(INDEX, {"action": "record.update"})) == [update.pk]


def test_filter_by_action_is_a_pick_list_of_actions_in_words(auditor_client):
    html = auditor_client.get(INDEX).content.decode()

    select = html.split('<select name="action"', 1)[1].split("</select>", 1)[0]
    assert '<option value="" selected>Any action</option>' in select
    assert '<option value="record.update">Record edited</option>' in select
    assert (
        '<option value="bulk.phone_numbers.start">Remove phone numbers from a campaign: started'
        in select
    )
    assert "audit-actions" not in html  # no free-text datalist any more


def test_the_action_pick_list_speaks_polish(auditor_client):
    auditor_client.cookies["django_language"] = "pl"

    html = auditor_client.get(INDEX, {"action": "record.update"}).content.decode()

    select = html.split('<select name="action"', 1)[1].split("</select>", 1)[0]
    assert '<option value="record.update" selected>Edycja rekordu</option>' in select
    assert "Record edited" not in select


def test_an_action_code_not_in_the_list_is_refused_next_to_the_field(auditor_client):
    response = auditor_client.get(INDEX, {"action": "record.explode"})

    assert response.context["form"].errors["action"] == ["Pick an action from the list."]


def test_filter_by_campaign(auditor_client, make_entry):
    first = make_entry(campaign_id="00001")
    make_entry(campaign_id="00002")

    assert listed(auditor_client.get(INDEX, {"campaign": "00001"})) == [first.pk]


def test_filter_by_outcome(auditor_client, make_entry):
    make_entry(outcome=AuditEntry.Outcome.SUCCESS)
    refused = make_entry(outcome=AuditEntry.Outcome.REFUSED)

    assert listed(auditor_client.get(INDEX, {"outcome": "refused"})) == [refused.pk]


def test_filter_by_dates_uses_the_call_centre_time_zone(auditor_client, make_entry, settings):
    settings.TIME_ZONE = "Europe/Warsaw"
    # 23:30 UTC on 1 March is 00:30 on 2 March in Warsaw.
    late = make_entry(created_at=datetime(2026, 3, 1, 23, 30, tzinfo=UTC))
    earlier = make_entry(created_at=datetime(2026, 3, 1, 12, 0, tzinfo=UTC))
    later = make_entry(created_at=datetime(2026, 3, 5, 12, 0, tzinfo=UTC))

    assert listed(auditor_client.get(INDEX, {"date_from": "2026-03-02"})) == [later.pk, late.pk]
    assert listed(auditor_client.get(INDEX, {"date_to": "2026-03-01"})) == [earlier.pk]
    only_the_second = {"date_from": "2026-03-02", "date_to": "2026-03-02"}
    assert listed(auditor_client.get(INDEX, only_the_second)) == [late.pk]


def test_filters_combine(auditor_client, make_entry, admin_member):
    wanted = make_entry(campaign_id="00001", outcome=AuditEntry.Outcome.FAILURE)
    make_entry(campaign_id="00001", outcome=AuditEntry.Outcome.SUCCESS)
    make_entry(campaign_id="00002", outcome=AuditEntry.Outcome.FAILURE)
    make_entry(actor=admin_member, campaign_id="00001", outcome=AuditEntry.Outcome.FAILURE)

    query = {"campaign": "00001", "outcome": "failure", "user": "supervisor"}
    assert listed(auditor_client.get(INDEX, query)) == [wanted.pk]


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ({"campaign": "0001"}, "campaign", "Enter exactly five letters or digits"),
        ({"outcome": "great"}, "outcome", "Select a valid choice"),
        ({"date_from": "yesterday"}, "date_from", "Enter a valid date"),
        ({"date_from": "2026-03-02", "date_to": "2026-03-01"}, "date_to", "before the start"),
        ({"action": "DROP TABLE"}, "action", "Pick an action from the list."),
    ],
)
def test_invalid_filters_are_explained_next_to_the_field(
    auditor_client, make_entry, query, field, message
):
    make_entry()

    response = auditor_client.get(INDEX, query)

    assert response.status_code == 200
    assert listed(response) == []
    html = response.content.decode()
    error = html.split(f'id="id_{field}_error"', 1)[1].split("</small>", 1)[0]
    assert message in error
    assert "hidden" not in error.split(">", 1)[0]
    assert "correct the ones marked above" in html


# --- the item search --------------------------------------------------------------------------


def test_search_finds_the_exact_target(auditor_client, make_entry):
    entry = make_entry(target="600100200")
    make_entry(target="600100201")
    make_entry(target="1600100200")

    assert listed(auditor_client.get(INDEX, {"q": "600100200"})) == [entry.pk]


def test_search_normalises_a_phone_number_like_bulk_parsing(auditor_client, make_entry):
    entry = make_entry(target="600100200")

    for typed in ("600 100 200", "600-100-200", "+48 600 100 200", " 600100200 "):
        assert listed(auditor_client.get(INDEX, {"q": typed})) == [entry.pk], typed


def test_search_finds_a_record_identifier_as_typed(auditor_client, make_entry):
    entry = make_entry(action="record.update", target="ABC-12/x")

    assert listed(auditor_client.get(INDEX, {"q": "ABC-12/x"})) == [entry.pk]


def _job_with_items(user, *values: str, kind: str = "phone_numbers") -> BulkJob:
    job = BulkJob.objects.create(
        kind=kind, campaign_id="00001", created_by=user, item_count=len(values)
    )
    BulkItem.objects.bulk_create(
        BulkItem(job=job, position=position, raw=value, value=value)
        for position, value in enumerate(values)
    )
    return job


def test_search_finds_bulk_jobs_through_their_items(auditor_client, make_entry, supervisor):
    job = _job_with_items(supervisor, "500200300", "600100200", "700100200")
    other_job = _job_with_items(supervisor, "500200301")
    start = make_entry(
        action="bulk.phone_numbers.start",
        target=f"job {job.pk}",
        subject_kind=AUDIT_SUBJECT,
        subject_id=job.pk,
    )
    finish = make_entry(
        action="bulk.phone_numbers.finish",
        target=f"job {job.pk}",
        subject_kind=AUDIT_SUBJECT,
        subject_id=job.pk,
    )
    make_entry(
        action="bulk.phone_numbers.start",
        target=f"job {other_job.pk}",
        subject_kind=AUDIT_SUBJECT,
        subject_id=other_job.pk,
    )
    direct = make_entry(action="record.delete", target="600100200")

    response = auditor_client.get(INDEX, {"q": "600 100 200"})

    assert listed(response) == [direct.pk, finish.pk, start.pk]


def test_search_finds_customer_ids_without_leading_zeros(auditor_client, make_entry, supervisor):
    job = _job_with_items(supervisor, "123", "456", kind="customers")
    entry = make_entry(
        action="bulk.customers.start",
        target=f"job {job.pk}",
        subject_kind=AUDIT_SUBJECT,
        subject_id=job.pk,
    )

    assert listed(auditor_client.get(INDEX, {"q": "#000123"})) == [entry.pk]


def test_search_with_other_filters(auditor_client, make_entry, supervisor):
    job = _job_with_items(supervisor, "600100200")
    in_job = make_entry(
        action="bulk.phone_numbers.start",
        campaign_id="00001",
        target=f"job {job.pk}",
        subject_kind=AUDIT_SUBJECT,
        subject_id=job.pk,
    )
    make_entry(target="600100200", campaign_id="00002")
    failed = make_entry(target="600100200", campaign_id="00001", outcome=AuditEntry.Outcome.FAILURE)

    assert listed(auditor_client.get(INDEX, {"q": "600100200", "campaign": "00001"})) == [
        failed.pk,
        in_job.pk,
    ]
    assert listed(
        auditor_client.get(INDEX, {"q": "600100200", "campaign": "00001", "outcome": "success"})
    ) == [in_job.pk]


def test_search_in_many_jobs_falls_back_to_a_subquery(
    auditor_client, make_entry, supervisor, monkeypatch
):
    monkeypatch.setattr(audit_hooks, "MAX_SEARCH_JOB_IDS", 1)
    jobs = [_job_with_items(supervisor, "600100200") for _ in range(3)]
    entries = [
        make_entry(target=f"job {job.pk}", subject_kind=AUDIT_SUBJECT, subject_id=job.pk)
        for job in jobs
    ]

    assert listed(auditor_client.get(INDEX, {"q": "600100200"})) == [
        entry.pk for entry in reversed(entries)
    ]


def _item_links(html: str) -> list[tuple[str, str, str]]:
    """(href, value, outcome) of each searched item's link on the list."""
    return re.findall(
        r'<a class="audit-item-link" href="([^"]+)"[^>]*><code>([^<]*)</code> '
        r'<span class="badge tone-\w+">([^<]*)</span></a>',
        html,
    )


def test_a_phone_search_links_to_the_number_s_row_in_each_job(
    auditor_client, make_entry, supervisor
):
    job = _job_with_items(supervisor, "500200300", "600100200")
    item = BulkItem.objects.get(job=job, value="600100200")
    BulkItem.objects.filter(pk=item.pk).update(outcome="REMOVED")
    make_entry(
        action="bulk.phone_numbers.finish",
        target=f"job {job.pk}",
        subject_kind=AUDIT_SUBJECT,
        subject_id=job.pk,
    )
    make_entry(action="record.delete", target="600100200")

    html = auditor_client.get(INDEX, {"q": "+48 600 100 200"}).content.decode()

    assert _item_links(html) == [
        (f"/jobs/{job.pk}/?q=600100200#item-{item.pk}", "600100200", "removed")
    ]


def test_the_item_s_outcome_is_in_the_reader_s_language(auditor_client, make_entry, supervisor):
    job = _job_with_items(supervisor, "600100200")
    BulkItem.objects.filter(job=job).update(outcome="NOT_EXIST")
    make_entry(
        action="bulk.phone_numbers.finish",
        target=f"job {job.pk}",
        subject_kind=AUDIT_SUBJECT,
        subject_id=job.pk,
    )
    auditor_client.cookies["django_language"] = "pl"

    html = auditor_client.get(INDEX, {"q": "600100200"}).content.decode()

    [(_href, _value, outcome)] = _item_links(html)
    assert outcome == "bez rekordu w kampanii"


def test_no_item_link_without_a_search_or_for_a_job_the_user_may_not_read(
    client, make_entry, supervisor, auditor
):
    job = _job_with_items(supervisor, "123", kind="customers")  # admins only
    make_entry(
        action="bulk.customers.start",
        target=f"job {job.pk}",
        subject_kind=AUDIT_SUBJECT,
        subject_id=job.pk,
    )
    client.force_login(supervisor)

    assert _item_links(client.get(INDEX, {"q": "123"}).content.decode()) == []
    client.force_login(auditor)  # auditors read every job
    assert len(_item_links(client.get(INDEX, {"q": "123"}).content.decode())) == 1
    assert _item_links(client.get(INDEX).content.decode()) == []


def test_search_values():
    assert item_search_values("600 100 200") == ["600 100 200", "600100200"]
    assert item_search_values("+48600100200") == ["+48600100200", "600100200"]
    assert item_search_values("0042") == ["0042", "42"]
    assert item_search_values("R-17") == ["R-17"]
    assert item_search_values("  ") == []


# --- keyset pages -----------------------------------------------------------------------------


def test_older_entries_are_reached_page_by_page_without_gaps(
    auditor_client, make_entry, monkeypatch
):
    monkeypatch.setattr(views, "PAGE_SIZE", 3)
    now = timezone.now().replace(microsecond=0)
    # Two pairs share a timestamp: the id keeps the order total across page boundaries.
    times = [now, now, now - timedelta(seconds=1), now - timedelta(seconds=1)]
    times += [now - timedelta(minutes=minutes) for minutes in range(1, 5)]
    entries = [make_entry(created_at=at) for at in times]
    expected = [entry.pk for entry in sorted(entries, key=lambda e: (e.created_at, e.pk))][::-1]

    seen = []
    url = INDEX
    pages = 0
    while url:
        response = auditor_client.get(url)
        seen += listed(response)
        url = response.context["older_url"]
        pages += 1

    assert seen == expected
    assert pages == 3


def test_older_pages_keep_the_filters_and_link_back_to_the_newest(
    auditor_client, make_entry, monkeypatch
):
    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    for _ in range(3):
        make_entry(campaign_id="00001")
    make_entry(campaign_id="00002")

    first = auditor_client.get(INDEX, {"campaign": "00001"})
    older_url = first.context["older_url"]
    assert "campaign=00001" in older_url
    assert "before=" in older_url
    assert first.context["newest_url"] == ""

    second = auditor_client.get(older_url)
    assert len(listed(second)) == 1
    assert second.context["older_url"] == ""
    assert second.context["newest_url"] == f"{INDEX}?campaign=00001"


def test_the_cursor_reads_back_what_it_writes(make_entry):
    entry = make_entry()
    cursor = Cursor.parse(str(Cursor.after_entry(entry)))

    assert (cursor.created_at, cursor.entry_id) == (entry.created_at, entry.pk)
    assert str(Cursor.after_entry(entry)).endswith(f"Z,{entry.pk}")


@pytest.mark.parametrize("before", ["nonsense", "2026-01-01T00:00:00,1", "2026-01-01T00:00Z,x"])
def test_a_damaged_cursor_is_explained(auditor_client, make_entry, before):
    make_entry()

    response = auditor_client.get(INDEX, {"before": before})

    assert response.status_code == 200
    assert listed(response) == []
    assert "This link to older entries is damaged" in response.content.decode()


# --- htmx ---------------------------------------------------------------------------------------


def test_htmx_request_gets_only_the_table(auditor_client, make_entry):
    entry = make_entry(campaign_id="00001")

    response = auditor_client.get(
        INDEX, {"q": "", "campaign": "00001", "user": ""}, headers={"HX-Request": "true"}
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<section id="audit-results"')
    assert "<html" not in html
    assert "<form" not in html
    assert reverse("audit:detail", args=[entry.pk]) in html
    # The address bar gets the filters without the empty fields the form sent.
    assert response["HX-Push-Url"] == f"{INDEX}?campaign=00001"
    assert "HX-Request" in response["Vary"]


def test_htmx_request_updates_the_errors_next_to_the_fields(auditor_client):
    response = auditor_client.get(INDEX, {"campaign": "1"}, headers={"HX-Request": "true"})

    html = response.content.decode()
    assert '<small class="field-error" id="id_campaign_error" hx-swap-oob="true">' in html
    assert '<small class="field-error" id="id_user_error" hidden hx-swap-oob="true">' in html


def test_the_filter_form_works_without_javascript(auditor_client):
    html = auditor_client.get(INDEX).content.decode()
    form = html.split('<form method="get" action="/audit/"', 1)[1].split(">", 1)[0]

    assert 'hx-get="/audit/"' in form
    assert 'hx-target="#audit-results"' in form
    assert 'hx-push-url="true"' in form
    assert "keyup changed delay:400ms from:input[type=search]" in form
    assert 'type="search" name="q"' in html
    assert 'name="before"' not in html  # a new filter starts again from the newest


# --- queries ------------------------------------------------------------------------------------


def _fill(make_entry, users, count):
    for index in range(count):
        make_entry(actor=users[index % len(users)], target=f"6001002{index:02d}")


def test_list_page_queries_do_not_grow_with_the_entries(
    auditor_client, make_entry, supervisor, admin_member, django_assert_num_queries
):
    _fill(make_entry, [supervisor], 2)
    # session, user, the user's groups, one page of entries with their actors, the usernames,
    # the campaigns' names (the campaign filter's suggestions).
    with django_assert_num_queries(6):
        auditor_client.get(INDEX)

    _fill(make_entry, [supervisor, admin_member, None], 70)
    with django_assert_num_queries(6):
        response = auditor_client.get(INDEX)
    assert len(response.context["entries"]) == views.PAGE_SIZE
    assert response.context["older_url"]

    with django_assert_num_queries(6):
        auditor_client.get(response.context["older_url"])
    # The htmx partial has no suggestions (usernames, campaigns), and these entries name no
    # campaign: no names to read.
    with django_assert_num_queries(4):
        auditor_client.get(INDEX, headers={"HX-Request": "true"})
    with django_assert_num_queries(7):  # the search looks up bulk jobs first
        auditor_client.get(INDEX, {"q": "600100200", "campaign": "00001"})


def test_list_page_never_counts_the_whole_log(
    auditor_client, make_entry, django_assert_max_num_queries
):
    make_entry()
    with django_assert_max_num_queries(6) as captured:
        auditor_client.get(INDEX, {"outcome": "success"})

    assert not any("COUNT(" in query["sql"].upper() for query in captured.captured_queries)
    assert not any("OFFSET" in query["sql"].upper() for query in captured.captured_queries)


def test_search_finds_the_changes_of_records_that_hold_the_number(auditor_client, make_entry):
    """A record's entries are named by its identifier, and found by its number too."""
    edit = make_entry(action="record.update", target="R-17", phone="516 659 233")
    deletion = make_entry(action="record.delete", target="R-18", phone="+48516659233")
    make_entry(action="record.update", target="R-19", phone="516659234")
    old = make_entry(action="record.update", target="516659233")  # written before `phone`

    for typed in ("516 659 233", "+48 516-659-233", "516659233"):
        found = listed(auditor_client.get(INDEX, {"q": typed}))
        assert found == [old.pk, deletion.pk, edit.pk], typed


def test_a_row_shows_the_record_s_phone_beside_its_identifier(auditor_client, make_entry):
    make_entry(action="record.update", target="R-17", phone="516 659 233")

    html = auditor_client.get(INDEX).content.decode()

    assert '<code>R-17</code> <small class="audit-phone muted"' in html
    assert ">516659233</small>" in html


def test_a_row_names_its_campaign_beside_its_id(auditor_client, make_entry):
    CampaignName.objects.create(campaign_id="00001", name="Odnowienia umów — listopad")
    make_entry(campaign_id="00001")
    make_entry(campaign_id="00002")

    html = auditor_client.get(INDEX).content.decode()

    assert '<span class="audit-campaign">00001 · Odnowienia umów — listopad</span>' in html
    assert '<span class="audit-campaign">00002</span>' in html


def test_the_campaign_filter_offers_the_named_campaigns(auditor_client):
    CampaignName.objects.create(campaign_id="00002", name="Ankieta")
    CampaignName.objects.create(campaign_id="00001", name="Odnowienia")

    html = auditor_client.get(INDEX).content.decode()

    assert 'list="audit-campaigns"' in html
    assert re.findall(r'<option value="(\w+)" label="([^"]+)">', html) == [
        ("00001", "00001 · Odnowienia"),
        ("00002", "00002 · Ankieta"),
    ]
