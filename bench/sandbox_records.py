"""Benchmark of the sandbox's records list (GET outbounds/:id/records) at 100,000 records.

Seeds the sandbox with 125,000 records (campaign 00001 gets 100,000 of them), then requests,
through the Django test client with the sandbox's credentials, the first page, pages deep into
the campaign, each filter alone and a combination, each --runs times; it prints the first
request's time (which reads the matching ids; later ones reuse them while the campaign does not
change, see thuladmin/sandbox/records_index.py), the median and p95 in ms and the SQL queries
per request. Then it times a batch deletion of 250 numbers (rolled
back), which pays for every index on the records table.

    .venv/bin/python bench/sandbox_records.py                 # SQLite in var/bench-records.sqlite3
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench .venv/bin/python bench/sandbox_records.py

Seeding happens once (a re-run with the same database only measures); --reseed starts over.
--explain prints the database's plan of each request's queries. The last line reads
`p95_ms <x>`: the worst p95 of the records requests.
"""

from __future__ import annotations

import argparse
import base64
import io
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sandbox_server import require  # noqa: E402  (bench/, next to this script)

RECORDS = 125_000
CAMPAIGN = "00001"
BATCH_NUMBERS = 250  # what fits in one 8 KiB URL


def _environment(database_url: str) -> dict[str, str]:
    return {
        "DJANGO_SETTINGS_MODULE": "thuladmin.settings",
        "ENV_FILE": "",
        "DEBUG": "false",
        "SECRET_KEY": "bench-only-secret-key",
        "SANDBOX_ENABLED": "true",
        "THULIUM_URL": "",
        "THULIUM_USER": "sandbox",
        "THULIUM_PASSWORD": "sandbox",
        "SANDBOX_DATABASE_URL": "",
        "DATABASE_URL": database_url,
        "LOG_LEVEL": "WARNING",
        "STATICFILES_BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage",
        "ALLOWED_HOSTS": "testserver",
    }


def _requests() -> list[tuple[str, list[tuple[str, str]]]]:
    from django.utils import timezone

    today = timezone.localdate()
    week_ago = (today - timezone.timedelta(days=7)).isoformat()
    month_ago = (today - timezone.timedelta(days=30)).isoformat()
    return [
        ("first page", []),
        ("page at offset 50,000", [("offset", "50000")]),
        ("last page (offset 99,900)", [("offset", "99900")]),
        ("system_status NO_CALL", [("system_status[]", "NO_CALL")]),
        (
            "system_status TO_CALL+CALL, offset 20,000",
            [("system_status[]", "TO_CALL"), ("system_status[]", "CALL"), ("offset", "20000")],
        ),
        ("status_id 3, offset 5,000", [("status_id[]", "3"), ("offset", "5000")]),
        ("status_id 13 (no records)", [("status_id[]", "13")]),
        ("create_date, one week", [("create_date_from", week_ago), ("create_date_to", week_ago)]),
        ("create_date from a month ago", [("create_date_from", month_ago)]),
        ("call_date from a week ago", [("call_date_from", week_ago)]),
        (
            "NO_CALL + call_date week + page 2",
            [("system_status[]", "NO_CALL"), ("call_date_from", week_ago), ("offset", "100")],
        ),
    ]


def _measure(runs: int, explain: bool) -> list[float]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_AUTHORIZATION="Basic " + base64.b64encode(b"sandbox:sandbox").decode())
    worst = []
    listed = 0
    print(
        f"{'':2}{'request':<44} {'first':>8} {'median':>8} {'p95':>8} {'queries':>8} {'count':>8}"
    )
    for label, params in _requests():
        url = f"/sandbox/api/outbounds/{CAMPAIGN}/records?{urlencode(params)}"
        timings = []
        for _ in range(runs):
            started = time.perf_counter()
            response = client.get(url)
            timings.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, response.content[:300]
        with CaptureQueriesContext(connection) as queries:
            body = client.get(url).json()
        listed += len(body["result"])
        first = timings[0]
        timings.sort()
        p95 = timings[max(0, int(len(timings) * 0.95) - 1)]
        worst.append(p95)
        print(
            f"  {label:<44} {first:8.1f} {statistics.median(timings):8.1f} {p95:8.1f} "
            f"{len(queries.captured_queries):8d} {body['count']:8d}"
        )
        if explain:
            for query in queries.captured_queries:
                if "sandbox_record" in query["sql"]:
                    with connection.cursor() as cursor:
                        cursor.execute("EXPLAIN " + query["sql"])
                        plan = "\n".join("      " + " ".join(map(str, row)) for row in cursor)
                    print(f"    {query['sql'][:160]}\n{plan}")
    require(listed, "no records request returned a record")
    return worst


def _batch_delete(runs: int) -> None:
    """A batch deletion of 250 numbers, rolled back each time: it pays for every index."""
    from django.db import transaction
    from django.test import Client

    from thuladmin.sandbox.models import Record

    client = Client(HTTP_AUTHORIZATION="Basic " + base64.b64encode(b"sandbox:sandbox").decode())
    free = Record.objects.filter(campaign_id=CAMPAIGN, in_call=False)
    first = min(10_000, free.count() // 10)  # 10,000 at full size; fewer with --records
    numbers = list(
        free.order_by("record_id").values_list("phone_number", flat=True)[
            first : first + 20 * BATCH_NUMBERS : 20
        ]
    )
    require(numbers, f"campaign {CAMPAIGN} has no record to delete")
    query = urlencode([("phone_number[]", number) for number in numbers])
    timings = []
    for _ in range(runs):
        with transaction.atomic():
            started = time.perf_counter()
            response = client.delete(f"/sandbox/api/batch/outbounds/{CAMPAIGN}/records?{query}")
            timings.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200
            transaction.set_rollback(True)
    timings.sort()
    print(
        f"  batch deletion of {len(numbers)} numbers (rolled back): "
        f"median {statistics.median(timings):.1f} ms, max {timings[-1]:.1f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument(
        "--records", type=int, default=RECORDS, help="records seeded (80%% in the campaign)"
    )
    parser.add_argument("--reseed", action="store_true", help="Seed the sandbox again.")
    parser.add_argument("--explain", action="store_true", help="Print each query's plan.")
    args = parser.parse_args()

    (ROOT / "var").mkdir(exist_ok=True)
    database_url = os.environ.get(
        "DATABASE_URL", f"sqlite:///{ROOT / 'var' / 'bench-records.sqlite3'}"
    )
    os.environ.update(_environment(database_url))
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, check=True)

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from thuladmin.sandbox.models import Record

    if not args.reseed and Record.objects.filter(campaign_id=CAMPAIGN).count() >= (
        args.records * 0.79
    ):
        print(f"database {connection.vendor}: already seeded, measuring only")
    else:
        print(f"database {connection.vendor}: seeding {args.records:,} records …", flush=True)
        out = io.StringIO()
        call_command("sandbox_seed", "--reset", "--records", str(args.records), stdout=out)
        print("  " + out.getvalue().strip())
        # What autovacuum does soon after a bulk insert: statistics, and (PostgreSQL) the
        # visibility map that lets counts and page ids come from the indexes alone. The
        # REINDEX drops what `--reset` left behind, as if seeded into a fresh database.
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("REINDEX TABLE sandbox_record")
                cursor.execute("VACUUM ANALYZE sandbox_record")
            else:
                cursor.execute("ANALYZE")
    print(f"  campaign {CAMPAIGN}: {Record.objects.filter(campaign_id=CAMPAIGN).count():,} records")
    worst = _measure(args.runs, args.explain)
    _batch_delete(max(3, args.runs // 4))
    print(f"p95_ms {max(worst):.1f}")


if __name__ == "__main__":
    main()
