import re

from thuladmin.sandbox.models import Campaign, Record, SystemStatus

DATE = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}")


def test_stats_lists_active_campaigns_with_completion(api, seeded):
    response = api("get", "outbounds/stats")

    assert response.status_code == 200
    data = response.json()
    assert [row["id"] for row in data] == ["00001", "00002"]  # 00003 is inactive
    first = data[0]
    assert first["records_count"] == Record.objects.filter(campaign_id="00001").count()
    done = (
        Record.objects.filter(campaign_id="00001")
        .exclude(status__system_status__in=["TO_CALL", "CALL", "CALL_PROGRESSIVE"])
        .count()
    )
    assert first["completion_percent"] == round(100 * done / first["records_count"], 2)
    assert 0 < first["completion_percent"] < 100


def test_stats_of_empty_campaign_is_zero(api, seeded):
    Campaign.objects.create(campaign_id="00009", name="Pusta", active=True)

    data = {row["id"]: row for row in api("get", "outbounds/stats").json()}

    assert data["00009"] == {"id": "00009", "records_count": 0, "completion_percent": 0.0}


def test_statuses_cover_every_system_status(api, seeded):
    response = api("get", "outbounds/00001/statuses")

    assert response.status_code == 200
    data = response.json()
    assert {row["system_status"] for row in data} == set(SystemStatus.values)
    for row in data:
        assert set(row) == {"system_status", "status_id", "dictionary_status_id", "name"}
        assert isinstance(row["status_id"], str)
        assert row["dictionary_status_id"] is None or isinstance(row["dictionary_status_id"], int)
    assert any(row["dictionary_status_id"] is None for row in data)
    assert any(row["dictionary_status_id"] is not None for row in data)


def test_statuses_of_unknown_campaign_is_404(api, seeded):
    response = api("get", "outbounds/99999/statuses")

    assert response.status_code == 404
    assert response.json()["errors"][0]["message"] == "Campaign not found."


def test_agents(api, seeded):
    response = api("get", "outbounds/00001/agents")

    assert response.status_code == 200
    data = response.json()
    assert {
        "login": "j.kowalski",
        "number": "3101",
        "active": True,
        "active_in_outbound": True,
        "agent_id": 7,
    } in data
    assert any(not row["active"] for row in data)


def test_agents_of_unknown_campaign_is_404(api, seeded):
    assert api("get", "outbounds/99999/agents").status_code == 404


def test_records_page_shape(api, seeded):
    response = api("get", "outbounds/00001/records?limit=10&offset=0")

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == Record.objects.filter(campaign_id="00001").count()
    assert len(body["result"]) == 10
    row = body["result"][0]
    assert set(row) == {
        "record_id",
        "phone_number",
        "system_status",
        "status",
        "status_id",
        "call_date",
        "create_date",
        "next_call_date",
        "agent_name",
        "agent_login",
        "last_note",
        "identifier",
        "order",
    }
    assert row["identifier"] == "1234567890"
    assert row["system_status"] == "TO_CALL"
    assert DATE.fullmatch(row["create_date"])
    assert row["call_date"] == ""
    assert row["next_call_date"] == ""


def test_records_paging_walks_all_records(api, seeded):
    count = Record.objects.filter(campaign_id="00001").count()
    seen = []
    offset = 0
    while True:
        body = api("get", f"outbounds/00001/records?limit=100&offset={offset}").json()
        if not body["result"]:
            break
        seen.extend(row["record_id"] for row in body["result"])
        offset += 100

    assert len(seen) == len(set(seen)) == count


def test_records_default_limit_is_100(api, seeded):
    assert len(api("get", "outbounds/00001/records").json()["result"]) == 100


def test_records_dates_and_agent_name_filled_for_my_record(api, seeded):
    record = Record.objects.filter(campaign_id="00001", status__status_id="5").first()
    assert record is not None
    offset = Record.objects.filter(campaign_id="00001", record_id__lt=record.record_id).count()

    row = api("get", f"outbounds/00001/records?limit=1&offset={offset}").json()["result"][0]

    assert row["record_id"] == record.record_id
    assert row["system_status"] == "MY_RECORD"
    assert row["status_id"] == "5"
    assert DATE.fullmatch(row["next_call_date"])
    assert row["agent_login"]
    assert row["agent_name"]


def test_records_bad_paging_is_400(api, seeded):
    for query in ["limit=0", "limit=101", "limit=abc", "offset=-1", "offset=x", "limit="]:
        response = api("get", f"outbounds/00001/records?{query}")
        assert response.status_code == 400, query
        assert response.json()["errors"][0]["code"]


def test_records_of_unknown_campaign_is_404(api, seeded):
    assert api("get", "outbounds/99999/records").status_code == 404


def test_customer(api, seeded):
    response = api("get", "customers/13")

    assert response.status_code == 200
    data = response.json()
    assert set(data) == {
        "customer_id",
        "name",
        "surname",
        "phone_number",
        "phone_numbers",
        "email",
        "company_id",
        "company_name",
        "identifier",
    }
    assert data["customer_id"] == 13
    assert data["name"]
    assert data["phone_number"] in data["phone_numbers"]


def test_unknown_or_non_integer_customer_is_404(api, seeded):
    for customer_id in ["999999", "abc", "-1", "1.5"]:
        response = api("get", f"customers/{customer_id}")
        assert response.status_code == 404
        assert response.json()["errors"][0]["message"] == "Customer not found."
