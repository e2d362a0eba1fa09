"""Benchmark of bulk jobs against the sandbox, with injected latency.

Runs jobs of 10,000 and 100,000 numbers removed from a campaign, 10,000 numbers of "do not
call, in any campaign" and 1,000 and 10,000 records changed ("change these records": one PUT a
record, each given a status), one request a number or record, through the real engine (the runner a
`db_worker` uses) against the sandbox served by gunicorn in another process, and prints side by
side: wall time, the ideal time (requests needed x latency / parallelism), their ratio, a naive
sequential one-request-per-number loop (timed on a sample and extrapolated), the floor (the same
requests from a bare thread pool, i.e. what the sandbox itself costs on this machine), and peak
memory (Python heap during the run, and the process's maximum RSS including parsing the paste).

    .venv/bin/python bench/bulk.py                      # SQLite in var/bench.sqlite3
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench .venv/bin/python bench/bulk.py

The sandbox stands in for a remote Thulium, so it gets a database of its own
(var/bench-sandbox.sqlite3): sharing the engine's SQLite file would make its deletions wait for
the engine's writes, which no real Thulium does. Both SQLite files start empty on every run.
Wall times and floors are the median of `--repeat` runs (default 3); this machine's timings
wander by a few per cent from run to run.

It also times the preview of a pasted list of 100,000 numbers as a supervisor gets it: the
paste form posted (parsing, the draft written), then the preview page, through Django's test
client. Each write transaction of the draft is timed (the longest is how long it held the write
lock at a stretch), and on SQLite another process keeps writing a row meanwhile, as a login or a
worker's heartbeat would (`bench/lock_probe.py`), timing its waits. It prints
`preview_seconds_100k <x>` and `draft_longest_transaction_seconds <x>`.

Restoring removed records (`restore_records`, one POST a record) runs at 1,000 and 10,000
records (`--restore-sizes`) into a campaign that lacks them, each record with an identifier, a
status and an agent as a removal's capture holds them. Changing records (`change_records`, one
PUT a record) runs at 1,000 and 10,000 records (`--change-sizes`).

The last lines read `do_not_call_ratio_to_ideal <x>`, `ratio_to_ideal <x>`,
`change_ratio_to_floor <x>`, `change_ratio_to_ideal <x>` (the change kind's within 1.10x of its
floor is the target) and `restore_ratio_to_ideal <x>` for the 10,000-item jobs (or the largest
run). Each kind asked for must be measured, or the run fails (`require`); `--sizes`,
`--do-not-call-sizes`, `--restore-sizes` and `--change-sizes` may each be given no size to skip
that kind, and `--preview-size 0` skips the preview: `--sizes --do-not-call-sizes
--change-sizes --restore-sizes 1000 --preview-size 0` measures the restore alone.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
import tracemalloc

import sandbox_server
from sandbox_server import require

ROOT = sandbox_server.ROOT
sys.path.insert(0, str(ROOT))
CAMPAIGN = "99999"
NAIVE_SAMPLE = 100
DO_NOT_CALL_STATUS = 99
PHONE_NUMBERS_KIND = "phone_numbers"
DO_NOT_CALL_KIND = "do_not_call"
RESTORE_KIND = "restore_records"
CHANGE_RECORDS_KIND = "change_records"
# What a change job sets on every record: the benchmark campaign's one status.
CHANGES = {"status_id": "99"}
# What every item of a job of each kind ends with here (every number is in the campaign, or
# for a restore, none is).
EXPECTED_OUTCOME = {
    PHONE_NUMBERS_KIND: "REMOVED",
    DO_NOT_CALL_KIND: "UPDATED",
    RESTORE_KIND: "RESTORED",
    CHANGE_RECORDS_KIND: "UPDATED",
}


def _environment(
    port: int, latency_ms: int, database_url: str, sandbox_database_url: str
) -> dict[str, str]:
    return sandbox_server.environment(
        port,
        SANDBOX_LATENCY_MS=str(latency_ms),
        DATABASE_URL=database_url,
        SANDBOX_DATABASE_URL=sandbox_database_url,
        BULK_REQUESTS_PER_SECOND="0",
    )


def _numbers(count: int) -> list[str]:
    return [f"5{index:08d}" for index in range(count)]


def _seed_campaign(count: int, *, records: bool = True) -> None:
    """Campaign 99999 holding one record per benchmark number, so every deletion is real work,
    with a "do not call" status for the other kind to set; without `records` (a restore adds
    them back), with a status and an agent for the restored records."""
    from thuladmin.sandbox.models import Campaign, Record, Status

    Campaign.objects.filter(campaign_id=CAMPAIGN).delete()
    campaign = Campaign.objects.create(campaign_id=CAMPAIGN, name="Benchmark", active=True)
    Status.objects.create(
        campaign=campaign,
        status_id="99",
        system_status="NO_CALL",
        name="Do not call",
        dictionary_status_id=DO_NOT_CALL_STATUS,
    )
    Status.objects.create(campaign=campaign, status_id="98", system_status="CALL", name="Call back")
    if not records:
        return
    Record.objects.bulk_create(
        (
            Record(campaign=campaign, identifier=f"B{number}", phone_number=number)
            for number in _numbers(count)
        ),
        batch_size=5000,
    )


def _restored_records(count: int) -> list[dict]:
    """What a removal's capture holds of each benchmark record, for a restore to add back."""
    return [
        {
            "record_id": str(index),
            "identifier": f"B{number}",
            "phone_number": number,
            "status_id": "98",
            "status_name": "Call back",
            "system_status": "CALL",
        }
        for index, number in enumerate(_numbers(count))
    ]


def _one_job(count: int, *, kind_name: str, measure_memory: bool) -> dict:
    """Create and run one job in this process; the child of `main` for each measurement."""
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model

    from thuladmin.bulk.completion import bulk_job_progress
    from thuladmin.bulk.kinds import kind_for
    from thuladmin.bulk.models import BulkJob
    from thuladmin.bulk.parsing import ParsedItem, ParseResult
    from thuladmin.bulk.runner import JobRunner
    from thuladmin.bulk.services import bulk_job_draft_create

    _seed_campaign(count, records=kind_name != RESTORE_KIND)
    kind = kind_for(kind_name)
    user, _ = get_user_model().objects.get_or_create(username="bench")
    started = time.perf_counter()
    if kind_name == RESTORE_KIND:
        from campaigns.bulk.restore_records import restore_parsed

        parsed = restore_parsed(_restored_records(count))
    elif kind_name == CHANGE_RECORDS_KIND:
        # The records as the records list chooses them: identifiers, their values before known.
        parsed = ParseResult(
            items=[
                ParsedItem(
                    value=f"B{number}",
                    raw=f"B{number}",
                    line=line,
                    preview={"phone_number": number, "before": {"status_id": "1"}},
                )
                for line, number in enumerate(_numbers(count), start=1)
            ]
        )
    else:
        parsed = kind.parse("\n".join(_numbers(count)), options={})
    if kind_name == DO_NOT_CALL_KIND:
        where = {"options": {"dictionary_status_id": DO_NOT_CALL_STATUS}}
    elif kind_name == CHANGE_RECORDS_KIND:
        where = {"campaign_id": CAMPAIGN, "options": {"changes": CHANGES, "statuses": []}}
    else:
        where = {"campaign_id": CAMPAIGN}
    job = bulk_job_draft_create(user=user, kind_name=kind.name, parsed=parsed, **where)
    del parsed
    BulkJob.objects.filter(pk=job.pk).update(state=BulkJob.State.QUEUED)
    created = time.perf_counter() - started
    if measure_memory:
        tracemalloc.start()
    cpu_before = time.process_time()
    started = time.perf_counter()
    JobRunner(job.pk).run()
    wall = time.perf_counter() - started
    cpu = time.process_time() - cpu_before
    heap_peak = tracemalloc.get_traced_memory()[1] if measure_memory else None
    job.refresh_from_db()
    progress = bulk_job_progress(job)
    return {
        "kind": kind_name,
        "count": count,
        "requests": job.chunks.count(),
        "create_seconds": created,
        "wall_seconds": wall,
        "runner_cpu_seconds": cpu,
        "outcomes": progress.counts,
        "parallel": settings.BULK_PARALLEL_REQUESTS,
        "heap_peak_bytes": heap_peak,
        "max_rss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
    }


def _naive(sample: int) -> float:
    """Seconds for `sample` numbers sent one request each, one after another."""
    import django

    django.setup()
    from thuladmin.thulium import get_client

    _seed_campaign(sample)
    client = get_client()
    started = time.perf_counter()
    for number in _numbers(sample):
        client.records_delete_by_phone(CAMPAIGN, [number])
    return time.perf_counter() - started


def _floor(count: int, kind_name: str) -> float:
    """Seconds for the same requests fired by a bare thread pool: no job, no database writes.

    This is the fastest the sandbox on this machine can answer them; the engine's own overhead
    is its wall time above this floor.
    """
    import django

    django.setup()
    from concurrent.futures import ThreadPoolExecutor

    from django.conf import settings

    from thuladmin.bulk.chunking import chunk_by_url_budget
    from thuladmin.thulium import get_client
    from thuladmin.thulium.client import query_item

    _seed_campaign(count, records=kind_name != RESTORE_KIND)
    client = get_client()
    if kind_name == RESTORE_KIND:
        from campaigns.bulk.restore_records import restore_body

        started = time.perf_counter()
        with ThreadPoolExecutor(settings.BULK_PARALLEL_REQUESTS) as pool:
            list(
                pool.map(
                    lambda record: client.record_create(CAMPAIGN, **restore_body(record)),
                    _restored_records(count),
                )
            )
        return time.perf_counter() - started
    if kind_name == DO_NOT_CALL_KIND:
        started = time.perf_counter()
        with ThreadPoolExecutor(settings.BULK_PARALLEL_REQUESTS) as pool:
            list(
                pool.map(
                    lambda number: client.phone_status_set(number, DO_NOT_CALL_STATUS),
                    _numbers(count),
                )
            )
        return time.perf_counter() - started
    if kind_name == CHANGE_RECORDS_KIND:
        started = time.perf_counter()
        with ThreadPoolExecutor(settings.BULK_PARALLEL_REQUESTS) as pool:
            list(
                pool.map(
                    lambda number: client.record_update(CAMPAIGN, f"B{number}", changes=CHANGES),
                    _numbers(count),
                )
            )
        return time.perf_counter() - started
    base = len(client.phone_deletion_url(CAMPAIGN, ["0"])) - len(query_item("phone_number", "0"))
    chunks = list(
        chunk_by_url_budget(
            _numbers(count),
            base_length=base,
            item_length=lambda value: len(query_item("phone_number", value)),
            budget=settings.BULK_URL_BUDGET_BYTES,
        )
    )
    started = time.perf_counter()
    with ThreadPoolExecutor(settings.BULK_PARALLEL_REQUESTS) as pool:
        list(pool.map(lambda chunk: client.records_delete_by_phone(CAMPAIGN, chunk), chunks))
    return time.perf_counter() - started


def _preview(count: int) -> dict:
    """Seconds from posting `count` pasted numbers to the preview page; the longest write
    transaction of the draft; and on SQLite, the longest wait of a writer in another process."""
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.db import connection
    from django.test import Client

    from thuladmin.accounts.roles import Role
    from thuladmin.bulk import services

    user, _ = get_user_model().objects.get_or_create(username="bench-preview")
    user.groups.add(Group.objects.get_or_create(name=Role.SUPERVISORS.value)[0])
    client = Client()
    client.force_login(user)
    text = "\n".join(_numbers(count))

    # Each transaction the draft writes is timed: the longest is the longest the write lock
    # was held at a stretch (on SQLite the whole database's).
    transactions: list[float] = []
    atomic = services.transaction.atomic

    class TimedAtomic:
        def __init__(self, *args, **kwargs) -> None:
            self.inner = atomic(*args, **kwargs)

        def __enter__(self):
            self.started = time.perf_counter()
            return self.inner.__enter__()

        def __exit__(self, *exc):
            closed = self.inner.__exit__(*exc)
            transactions.append(time.perf_counter() - self.started)
            return closed

    services.transaction.atomic = TimedAtomic
    probe = None
    if connection.vendor == "sqlite":
        database_path = str(connection.settings_dict["NAME"])
        probe = subprocess.Popen(
            [sys.executable, str(ROOT / "bench" / "lock_probe.py"), database_path],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        probe.stdout.readline()
        time.sleep(0.1)
    started = time.perf_counter()
    response = client.post(f"/campaigns/{CAMPAIGN}/remove-numbers/", {"text": text})
    posted = time.perf_counter() - started
    assert response.status_code == 302, response.status_code
    page = client.get(response["Location"])
    seconds = time.perf_counter() - started
    assert page.status_code == 200, page.status_code
    assert b"500000000" in page.content  # the first number, on the first page
    other_writer = None
    if probe is not None:
        time.sleep(0.1)
        output, _ = probe.communicate("")
        other_writer = json.loads(output.strip().splitlines()[-1])
    return {
        "preview_seconds": seconds,
        "post_seconds": posted,
        "draft_transactions": len(transactions),
        "longest_transaction_seconds": max(transactions),
        "other_writer": other_writer,
    }


def _require_done(runs: list[dict], kind_name: str, size: int) -> None:
    """Stop unless every job of `runs` sent requests and gave each of its `size` items the
    outcome this benchmark expects."""
    expected = EXPECTED_OUTCOME[kind_name]
    for run in runs:
        require(
            run["requests"] and run["outcomes"].get(expected, 0) == size,
            f"a {size}-number {kind_name} job sent {run['requests']} requests and ended "
            f"{run['outcomes']}, not {expected} {size}",
        )


def _child(args: argparse.Namespace, env: dict[str, str], *extra: str) -> dict | float:
    return sandbox_server.run_child(__file__, env, "--child", *extra)


def _print_preview(size: int, preview: dict) -> None:
    other = preview["other_writer"]
    print(
        f"preview of {size:,} pasted numbers: posted (parsed, draft written in "
        f"{preview['draft_transactions']} transactions) in {preview['post_seconds']:.2f} s, "
        f"preview page shown after {preview['preview_seconds']:.2f} s"
        + (
            f"; another process's writes ({other['writes']}) waited at most "
            f"{other['max_wait_seconds']:.2f} s"
            if other
            else ""
        )
    )
    print(f"preview_seconds_100k {preview['preview_seconds']:.2f}")
    print(f"draft_longest_transaction_seconds {preview['longest_transaction_seconds']:.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes",
        type=int,
        nargs="*",
        default=[10_000, 100_000],
        help="numbers of removal jobs (batched requests); none to skip",
    )
    parser.add_argument(
        "--do-not-call-sizes",
        type=int,
        nargs="*",
        default=[10_000],
        help="numbers of 'do not call' jobs (one request a number); none to skip",
    )
    parser.add_argument(
        "--restore-sizes",
        type=int,
        nargs="*",
        default=[1_000, 10_000],
        help="records of restore jobs (one request a record); none to skip",
    )
    parser.add_argument(
        "--change-sizes",
        type=int,
        nargs="*",
        default=[1_000, 10_000],
        help="records of 'change these records' jobs (one request a record); none to skip",
    )
    parser.add_argument("--latency-ms", type=int, default=50)
    parser.add_argument(
        "--preview-size",
        type=int,
        default=100_000,
        help="numbers pasted for the preview; 0 to skip it",
    )
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per size (median)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--job", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--kind", default=PHONE_NUMBERS_KIND, help=argparse.SUPPRESS)
    parser.add_argument("--memory", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--naive", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--floor", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--preview", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    require(
        args.sizes or args.do_not_call_sizes or args.restore_sizes or args.change_sizes,
        "no job size given: nothing would be measured",
    )

    if args.child:
        if args.naive:
            result = _naive(args.naive)
        elif args.floor:
            result = _floor(args.floor, args.kind)
        elif args.preview:
            result = _preview(args.preview)
        else:
            result = _one_job(args.job, kind_name=args.kind, measure_memory=args.memory)
        print(json.dumps(result))
        return

    var = ROOT / "var"
    var.mkdir(exist_ok=True)
    for leftover in [*var.glob("bench.sqlite3*"), *var.glob("bench-sandbox.sqlite3*")]:
        leftover.unlink()
    database_url = os.environ.get("DATABASE_URL", f"sqlite:///{var / 'bench.sqlite3'}")
    port = sandbox_server.free_port()
    # Its connections stay open between requests (`conn_max_age`), as a server's would.
    sandbox_database_url = f"sqlite:///{var / 'bench-sandbox.sqlite3'}?conn_max_age=600"
    env = _environment(port, args.latency_ms, database_url, sandbox_database_url)
    python = sys.executable
    for database in ("default", "sandbox"):
        subprocess.run(
            [python, "manage.py", "migrate", "-v0", "--database", database],
            env=env,
            cwd=ROOT,
            check=True,
        )
    # One worker: a single process keeps its threads' database connections and imports warm.
    server = sandbox_server.start(env, port, workers=1)
    try:
        naive_per_number = _child(args, env, "--naive", str(NAIVE_SAMPLE)) / NAIVE_SAMPLE
        rows = []
        plan = [(PHONE_NUMBERS_KIND, size) for size in args.sizes]
        plan += [(DO_NOT_CALL_KIND, size) for size in args.do_not_call_sizes]
        plan += [(RESTORE_KIND, size) for size in args.restore_sizes]
        plan += [(CHANGE_RECORDS_KIND, size) for size in args.change_sizes]
        for kind_name, size in plan:
            kind = ("--kind", kind_name)
            runs = [_child(args, env, "--job", str(size), *kind) for _ in range(args.repeat)]
            timed = sorted(runs, key=lambda run: run["wall_seconds"])[len(runs) // 2]
            memory = _child(args, env, "--job", str(size), "--memory", *kind)
            _require_done([*runs, memory], kind_name, size)
            floor = statistics.median(
                _child(args, env, "--floor", str(size), *kind) for _ in range(args.repeat)
            )
            ideal = timed["requests"] * args.latency_ms / 1000 / timed["parallel"]
            rows.append((size, timed, memory, ideal, floor))
        # Pages render with the plain static files storage: no collectstatic in a benchmark.
        preview_env = {
            **env,
            "STATICFILES_BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage",
            "SECURE_COOKIES": "false",
        }
        previews = sorted(
            (
                _child(args, preview_env, "--preview", str(args.preview_size))
                for _ in range(args.repeat if args.preview_size else 0)
            ),
            key=lambda run: run["preview_seconds"],
        )
        preview = previews[len(previews) // 2] if previews else None
    finally:
        server.terminate()
        server.wait()
    # Every kind asked for was measured, or the run fails here, loudly, rather than printing
    # fewer last lines than a reader (or `make bench-smoke`) expects.
    for kind_name, sizes in (
        (PHONE_NUMBERS_KIND, args.sizes),
        (DO_NOT_CALL_KIND, args.do_not_call_sizes),
        (RESTORE_KIND, args.restore_sizes),
        (CHANGE_RECORDS_KIND, args.change_sizes),
    ):
        measured = [row for row in rows if row[1]["kind"] == kind_name]
        require(
            len(measured) == len(sizes)
            and all(row[1]["wall_seconds"] > 0 and row[3] > 0 and row[4] > 0 for row in measured),
            f"{kind_name}: {len(measured)} of {len(sizes)} sizes measured",
        )

    print(
        f"database {database_url.split(':')[0]}, latency {args.latency_ms} ms, "
        f"parallel {rows[0][1]['parallel']}, median of {args.repeat} runs, "
        f"naive loop timed on {NAIVE_SAMPLE} numbers"
    )
    header = (
        f"{'kind':>13} {'numbers':>8} {'requests':>8} {'create s':>9} {'wall s':>8} {'ideal s':>8} "
        f"{'ratio':>6} {'floor s':>8} {'/floor':>6} {'cpu s':>6} {'naive s':>9} {'speed-up':>8} "
        f"{'heap peak MB':>12} {'max RSS MB':>10}"
    )
    print(header)
    for size, timed, memory, ideal, floor in rows:
        naive = naive_per_number * size
        print(
            f"{timed['kind']:>13} {size:>8} {timed['requests']:>8} {timed['create_seconds']:>9.2f} "
            f"{timed['wall_seconds']:>8.2f} {ideal:>8.2f} {timed['wall_seconds'] / ideal:>6.2f} "
            f"{floor:>8.2f} {timed['wall_seconds'] / floor:>6.2f} "
            f"{timed['runner_cpu_seconds']:>6.2f} "
            f"{naive:>9.1f} {naive / timed['wall_seconds']:>7.0f}x "
            f"{memory['heap_peak_bytes'] / 2**20:>12.1f} {memory['max_rss_bytes'] / 2**20:>10.1f}"
        )
        print(f"{'':>13} outcomes: {timed['outcomes']}")
    print(
        "ideal = requests x latency / parallel; floor = the same requests from a bare thread pool "
        "(the sandbox's own cost on this machine); cpu = the runner process's CPU time"
    )
    if preview is not None:
        _print_preview(args.preview_size, preview)
    for kind_name, label in (
        (DO_NOT_CALL_KIND, "do_not_call_"),
        (PHONE_NUMBERS_KIND, ""),
        (CHANGE_RECORDS_KIND, "change_"),
    ):
        of_kind = [row for row in rows if row[1]["kind"] == kind_name]
        if of_kind:
            row = next((row for row in of_kind if row[0] == 10_000), of_kind[-1])
            if kind_name == CHANGE_RECORDS_KIND:
                print(f"{label}ratio_to_floor {row[1]['wall_seconds'] / row[4]:.2f}")
            print(f"{label}ratio_to_ideal {row[1]['wall_seconds'] / row[3]:.2f}")
    restores = [row for row in rows if row[1]["kind"] == RESTORE_KIND]
    for size, timed, _memory, ideal, floor in restores:
        print(
            f"restore of {size:,} records: {timed['wall_seconds'] / ideal:.2f} x ideal, "
            f"{timed['wall_seconds'] / floor:.2f} x the floor"
        )
    if restores:
        row = next((row for row in restores if row[0] == 10_000), restores[-1])
        print(f"restore_ratio_to_ideal {row[1]['wall_seconds'] / row[3]:.2f}")


if __name__ == "__main__":
    main()
