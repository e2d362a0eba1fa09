from urllib.parse import urlencode

from django.db import connection
from django.test.utils import CaptureQueriesContext

from thuladmin.sandbox import endpoint
from thuladmin.sandbox.models import Customer, Record

BATCH = "batch/outbounds/00001/records"


def phones(*numbers: str, **extra: str) -> str:
    return urlencode([("phone_number[]", n) for n in numbers] + list(extra.items()))


def test_duplicated_number_removes_every_record(api, seeded):
    ids = set(
        Record.objects.filter(campaign_id="00001", phone_number="600100200").values_list(
            "record_id", flat=True
        )
    )
    assert len(ids) == 2

    response = api("delete", f"{BATCH}?{phones('600100200')}")

    assert response.status_code == 200
    body = response.json()
    assert list(body) == ["600100200"]
    assert {entry["record_id"] for entry in body["600100200"]} == ids
    for entry in body["600100200"]:
        assert entry == {"http_status": 200, "record_id": entry["record_id"], "status": "REMOVED"}
    assert not Record.objects.filter(phone_number="600100200").exists()


def test_record_in_call_is_reported_and_kept(api, seeded):
    response = api("delete", f"{BATCH}?{phones('600100201')}")

    kept = Record.objects.get(phone_number="600100201")
    assert response.json() == {
        "600100201": [
            {"http_status": 409, "record_id": kept.record_id, "status": "CALL_IN_PROGRESS"}
        ]
    }


def test_unknown_number_is_not_exist(api, seeded):
    response = api("delete", f"{BATCH}?{phones('441', '600100200')}")

    body = response.json()
    assert list(body) == ["441", "600100200"]
    assert body["441"] == [{"http_status": 404, "status": "NOT_EXIST"}]
    assert len(body["600100200"]) == 2


def test_mixed_record_in_call_and_removable_on_one_number(api, seeded):
    Record.objects.filter(identifier="1234567801").update(in_call=True)

    body = api("delete", f"{BATCH}?{phones('600100200')}").json()

    assert sorted(entry["status"] for entry in body["600100200"]) == ["CALL_IN_PROGRESS", "REMOVED"]
    assert list(
        Record.objects.filter(phone_number="600100200").values_list("identifier", flat=True)
    ) == ["1234567801"]


def test_repeated_number_is_answered_once(api, seeded):
    body = api("delete", f"{BATCH}?{phones('600100200', '600100200')}").json()

    assert list(body) == ["600100200"]
    assert len(body["600100200"]) == 2


def test_second_attempt_answers_not_exist(api, seeded):
    api("delete", f"{BATCH}?{phones('600100210')}")

    body = api("delete", f"{BATCH}?{phones('600100210')}").json()

    assert body == {"600100210": [{"http_status": 404, "status": "NOT_EXIST"}]}


def test_additional_numbers_only_when_asked(api, seeded):
    body = api("delete", f"{BATCH}?{phones('600100221')}").json()
    assert body["600100221"] == [{"http_status": 404, "status": "NOT_EXIST"}]

    query = phones("600100221", search_in_additional_numbers="true")
    body = api("delete", f"{BATCH}?{query}").json()

    assert body["600100221"][0]["status"] == "REMOVED"
    assert not Record.objects.filter(identifier="1234567803").exists()


def test_record_matched_by_main_and_additional_number_is_removed_once(api, seeded):
    query = phones("600100220", "600100221", search_in_additional_numbers="true")

    body = api("delete", f"{BATCH}?{query}").json()

    assert body["600100220"][0]["status"] == "REMOVED"
    assert body["600100221"] == [{"http_status": 404, "status": "NOT_EXIST"}]


def test_trailing_slash_and_literal_brackets_are_accepted(api, seeded):
    response = api("delete", f"{BATCH}/?phone_number[]=600100210&phone_number[]=441")

    assert response.status_code == 200
    assert set(response.json()) == {"600100210", "441"}


def test_other_campaigns_are_untouched(api, seeded):
    # 600100300 is in all three campaigns; the other is only in 00002.
    only_in_00002 = (
        Record.objects.filter(campaign_id="00002")
        .exclude(phone_number__in=Record.objects.filter(campaign_id="00001").values("phone_number"))
        .first()
        .phone_number
    )

    body = api("delete", f"{BATCH}?{phones('600100300', only_in_00002)}").json()

    assert [entry["status"] for entry in body["600100300"]] == ["REMOVED"]
    assert body[only_in_00002] == [{"http_status": 404, "status": "NOT_EXIST"}]
    assert Record.objects.filter(campaign_id="00002", phone_number=only_in_00002).exists()
    assert set(
        Record.objects.filter(phone_number="600100300").values_list("campaign_id", flat=True)
    ) == {"00002", "00003"}


def test_missing_phone_number_is_400(api, seeded):
    for query in ["", "?phone_number=600100200", "?search_in_additional_numbers=true"]:
        response = api("delete", BATCH + query)
        assert response.status_code == 400
        assert response.json()["errors"][0]["message"] == "Parameter phone_number[] is required."


def test_unknown_campaign_is_404(api, seeded):
    assert api("delete", f"batch/outbounds/99999/records?{phones('1')}").status_code == 404


def test_wrong_method_is_405(api, seeded):
    assert api("get", f"{BATCH}?{phones('600100200')}").status_code == 405
    assert Record.objects.filter(phone_number="600100200").count() == 2


def test_500_numbers_take_a_constant_number_of_queries(api, seeded, monkeypatch):
    # 500 numbers do not fit in 8 KiB; lift the limit to check the work itself scales.
    monkeypatch.setattr(endpoint, "MAX_QUERY_STRING_BYTES", 100_000)
    numbers = list(
        Record.objects.filter(campaign_id="00001", in_call=False)
        .order_by()
        .values_list("phone_number", flat=True)
        .distinct()[:200]
    ) + [f"7000000{i:02d}" for i in range(300)]
    query = phones(*numbers, search_in_additional_numbers="true")

    with CaptureQueriesContext(connection) as queries:
        body = api("delete", f"{BATCH}?{query}").json()

    assert len(body) == 500
    assert len(queries) <= 8  # campaign, matches, delete, transaction bookkeeping
    assert not Record.objects.filter(
        campaign_id="00001", phone_number__in=numbers[:200], in_call=False
    ).exists()


def test_about_300_numbers_fit_in_one_request(api, seeded):
    query = "&".join(f"phone_number[]=7{i:08d}" for i in range(320))
    assert len(query) <= 8192

    assert api("delete", f"{BATCH}?{query}").status_code == 200


def test_query_string_over_8_kib_is_414_and_nothing_is_deleted(api, seeded):
    numbers = ["600100200"] + [f"7{i:08d}" for i in range(400)]
    query = phones(*numbers)
    assert len(query) > 8192

    response = api("delete", f"{BATCH}?{query}")

    assert response.status_code == 414
    assert response.json()["errors"][0]["message"] == "Request URI too long."
    assert Record.objects.filter(phone_number="600100200").count() == 2


def test_batch_customers(api, seeded):
    response = api(
        "delete", "batch/customers?customer_id[]=13&customer_id[]=999999&customer_id[]=x"
    )

    assert response.status_code == 200
    assert response.json() == {
        "13": {"http_status": 204},
        "999999": {"http_status": 404, "message": "Customer not found."},
        "x": {"http_status": 400, "message": "Invalid customer id."},
    }
    assert not Customer.objects.filter(pk=13).exists()
    assert Customer.objects.filter(pk=14).exists()


def test_batch_customers_twice_answers_404(api, seeded):
    api("delete", "batch/customers?customer_id[]=14")

    body = api("delete", "batch/customers?customer_id[]=14").json()

    assert body == {"14": {"http_status": 404, "message": "Customer not found."}}


def test_batch_customers_same_id_spelled_twice(api, seeded):
    body = api("delete", "batch/customers?customer_id[]=13&customer_id[]=013").json()

    assert body == {
        "13": {"http_status": 204},
        "013": {"http_status": 404, "message": "Customer not found."},
    }


def test_batch_customers_in_polish(api, seeded):
    body = api("delete", "batch/customers?customer_id[]=999999&customer_id[]=-1", lang="pl").json()

    assert body["999999"]["message"] == "Nie znaleziono klienta."
    assert body["-1"] == {"http_status": 400, "message": "Nieprawidłowy identyfikator klienta."}


def test_batch_customers_missing_param_is_400(api, seeded):
    response = api("delete", "batch/customers")

    assert response.status_code == 400
    assert response.json()["errors"][0]["message"] == "Parameter customer_id[] is required."
