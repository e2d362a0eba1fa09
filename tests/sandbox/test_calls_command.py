import io

import pytest
from django.core.management import CommandError, call_command

from thuladmin.sandbox import calls
from thuladmin.sandbox.models import Record


@pytest.fixture(autouse=True)
def _repeatable(monkeypatch):
    calls.rng.seed(99)
    monkeypatch.setattr(calls, "ADDED_RECORD_SHARE", 0.0)


def run(*args: str) -> list[str]:
    out = io.StringIO()
    call_command("sandbox_calls", *args, stdout=out)
    return out.getvalue().splitlines()


def test_count_calls_made_now_and_printed(seeded):
    lines = run("--count", "12")

    assert len(lines) == 13
    assert lines[-1] == "12 of 12 calls made, 0 records added."
    assert all(" called by " in line for line in lines[:-1])
    record_ids = {int(line.split()[2].rstrip(":")) for line in lines[:-1]}
    assert Record.objects.filter(pk__in=record_ids, call_date__isnull=False).count() == len(
        record_ids
    )


def test_one_campaign(seeded):
    lines = run("--count", "5", "--campaign", "00002")

    assert all(line.startswith("00002 record ") for line in lines[:-1])
    assert lines[-1] == "5 of 5 calls made, 0 records added."


def test_one_record(seeded):
    record = Record.objects.get(campaign_id="00001", identifier="1234567890")

    lines = run("--record", str(record.pk))

    assert lines[0].startswith(f"00001 record {record.pk}: called by ")
    assert lines[-1] == "1 of 1 calls made, 0 records added."


def test_added_records_are_printed(seeded, monkeypatch):
    monkeypatch.setattr(calls, "ADDED_RECORD_SHARE", 1.0)

    lines = run("--count", "2", "--campaign", "00001")

    kinds = [line.split(": ")[1].split(",")[0].split(" by ")[0] for line in lines[:-1]]
    assert kinds == ["called", "added", "called", "added"]
    assert lines[-1] == "2 of 2 calls made, 2 records added."


def test_fewer_calls_when_no_record_waits(seeded):
    Record.objects.filter(campaign_id="00002").delete()

    assert run("--count", "3", "--campaign", "00002") == [
        "0 of 3 calls made (no more records waiting, or no agent to call), 0 records added."
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--campaign", "00042"], "No campaign 00042 in the sandbox."),
        (["--record", "999999"], "No record 999999 in the sandbox."),
        (["--record", "1", "--campaign", "00002"], "Record 1 is in campaign 00001."),
        (["--count", "-1"], "--count must be 0 or more."),
    ],
)
def test_refusals(seeded, args, message):
    with pytest.raises(CommandError, match=message):
        run(*args)


def test_a_record_in_a_call_is_refused(seeded):
    record = Record.objects.get(campaign_id="00001", identifier="1234567891")

    with pytest.raises(CommandError, match="is in a call"):
        run("--record", str(record.pk))
