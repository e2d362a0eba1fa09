"""Benchmark of a bulk deletion under injected faults, against the same job with none.

Runs a 10,000-number job through the real engine (the runner a `db_worker` uses) twice: against
a fault-free sandbox, then against a sandbox that answers a share of requests with 5xx, 429
(with Retry-After) or a slow answer after applying the change (a read timeout when
`--slow-rate` is set). The sandbox reads its fault settings from its environment at start, so
each configuration gets its own gunicorn server; each run is a child process. It prints, side by
side: wall time and its ratio to the fault-free run, requests sent, client retries (counted from
the client's own log lines), chunk re-sends by the engine, items per outcome, and a check of
every item's outcome against the sandbox's records.

    .venv/bin/python bench/faults.py --error-rate 0.2 --rate-limit-rate 0.1
    .venv/bin/python bench/faults.py --error-rate 0.2 --rate-limit-rate 0.1 --slow-rate 0.05
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench .venv/bin/python bench/faults.py

Then a crash: the same job run by a real `db_worker` against a sandbox 300 ms away, killed with
SIGKILL while requests are on the wire and other chunks are claimed but still waiting for a
request slot; a new worker starts a second later (as `make run`'s supervisor starts it), with the
default heartbeat, staleness and sweep settings. The sandbox notes every request as it arrives,
so the benchmark knows which numbers Thulium saw before the crash. It prints
`items_uncertain_never_sent <n>` (items ending uncertain that Thulium never saw before the
crash; 0 is the goal) and `takeover_seconds <x>` (from the kill until another runner holds the
dead one's chunks; the goal is at most 20).

Then `items_without_exactly_one_outcome <n>` (over every run; 0 is the goal) and, last,
`items_sent <n>`: the numbers the job sent (its size). Every run must finish, send every number
and reach the sandbox, or the benchmark stops, non-zero, saying which run measured nothing.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import sandbox_server
from sandbox_server import require

ROOT = sandbox_server.ROOT
sys.path.insert(0, str(ROOT))
CAMPAIGN = "88888"
EXISTING_SHARE = 0.9  # the rest of the numbers never existed


def _numbers(count: int) -> list[str]:
    # Valid Polish mobile numbers (phonenumbers holds 4xxxxxxxx back as suspicious, unsent).
    return [f"5{index:08d}" for index in range(count)]


def _environment(port: int, args: argparse.Namespace, database_url: str, faults: dict) -> dict:
    return sandbox_server.environment(
        port,
        SANDBOX_LATENCY_MS=str(args.latency_ms),
        SANDBOX_RETRY_AFTER_SECONDS=str(args.retry_after),
        SANDBOX_SLOW_MS=str(args.slow_ms),
        THULIUM_READ_TIMEOUT=str(args.read_timeout),
        DATABASE_URL=database_url,
        BULK_REQUESTS_PER_SECOND="0",
        BULK_URL_BUDGET_BYTES=str(args.url_budget_bytes),
        LOG_FORMAT="plain",
        **{name: str(value) for name, value in faults.items()},
    )


class AttemptCounter(logging.Handler):
    """Counts the client's log lines: one per attempt, `attempt=0` for a first try."""

    def __init__(self) -> None:
        super().__init__(level=logging.INFO)
        self.attempts = 0
        self.retries = 0
        self.outcomes: Counter[str] = Counter()

    def emit(self, record: logging.LogRecord) -> None:
        if not record.getMessage().startswith("thulium "):
            return
        # "thulium %s %s attempt=%d outcome=%s duration_ms=..." — the args, in that order.
        _method, _path, attempt, outcome, *_ = record.args
        self.attempts += 1
        self.retries += attempt > 0
        self.outcomes[str(outcome)] += 1


def _seed(count: int) -> set[str]:
    from thuladmin.sandbox.models import Campaign, Record

    Campaign.objects.filter(campaign_id=CAMPAIGN).delete()
    campaign = Campaign.objects.create(campaign_id=CAMPAIGN, name="Faults", active=True)
    existing = _numbers(count)[: int(count * EXISTING_SHARE)]
    Record.objects.bulk_create(
        (Record(campaign=campaign, identifier=f"F{n}", phone_number=n) for n in existing),
        batch_size=5000,
    )
    return set(existing)


def _items_sent(job) -> int:
    """Items of `job` that went to the sandbox: in a chunk, neither refused nor held back."""
    from thuladmin.bulk.models import Outcome

    return (
        job.items.to_send()
        .exclude(outcome__in=[Outcome.INVALID, Outcome.SUSPICIOUS, Outcome.PENDING])
        .count()
    )


def _one_job(count: int) -> dict:
    """Create and run one job in this process: the child of `main` for each configuration."""
    import django

    django.setup()
    from django.contrib.auth import get_user_model

    from campaigns.bulk.remove_numbers import PHONE_NUMBERS, PhoneNumberOutcome
    from thuladmin.bulk.completion import bulk_job_progress
    from thuladmin.bulk.models import BulkChunk, BulkJob, Outcome
    from thuladmin.bulk.runner import JobRunner
    from thuladmin.bulk.services import bulk_job_draft_create
    from thuladmin.sandbox.models import Record

    counter = AttemptCounter()
    client_logger = logging.getLogger("thuladmin.thulium.client")
    client_logger.addHandler(counter)
    client_logger.setLevel(logging.INFO)
    client_logger.propagate = False  # counted, not printed

    existed = _seed(count)
    user, _ = get_user_model().objects.get_or_create(username="bench-faults")
    numbers = _numbers(count)
    parsed = PHONE_NUMBERS.parse("\n".join(numbers), options={})
    job = bulk_job_draft_create(
        user=user, kind_name=PHONE_NUMBERS.name, parsed=parsed, campaign_id=CAMPAIGN
    )
    BulkJob.objects.filter(pk=job.pk).update(state=BulkJob.State.QUEUED)
    started = time.perf_counter()
    JobRunner(job.pk).run()
    wall = time.perf_counter() - started

    job.refresh_from_db()
    final = Counter()
    outcome_of: dict[str, str] = {}
    for value, outcome in job.items.values_list("value", "outcome"):
        if outcome != Outcome.PENDING:
            final[value] += 1
            outcome_of[value] = outcome
    without_one = sum(1 for number in numbers if final[number] != 1)
    remaining = set(
        Record.objects.filter(campaign_id=CAMPAIGN).values_list("phone_number", flat=True)
    )
    contradicting = sum(
        1
        for number, outcome in outcome_of.items()
        if (outcome in (PhoneNumberOutcome.REMOVED, Outcome.UNCERTAIN) and number in remaining)
        or (outcome == PhoneNumberOutcome.REMOVED and number not in existed)
        or (outcome == PhoneNumberOutcome.NOT_EXIST and number in existed)
        or (outcome == Outcome.ERROR and number in existed and number not in remaining)
    )
    progress = bulk_job_progress(job)
    chunks = BulkChunk.objects.filter(job=job)
    return {
        "wall_seconds": wall,
        "requests_planned": chunks.count(),
        "attempts": counter.attempts,
        "client_retries": counter.retries,
        "chunk_resends": sum(
            attempts - 1 for attempts in chunks.values_list("attempts", flat=True)
        ),
        "answers": dict(counter.outcomes),
        "outcomes": dict(progress.counts),
        "tallies_match_items": progress.done == sum(final.values()),
        "without_one_outcome": without_one,
        "contradicting_sandbox": contradicting,
        "job_state": job.state,
        "job_over": job.is_over,
        "items_sent": _items_sent(job),
    }


def _wait_for(condition, timeout: float, interval: float = 0.02) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return False


def _start_worker(log_path) -> subprocess.Popen:
    with log_path.open("ab") as output:
        return subprocess.Popen(
            [sys.executable, "manage.py", "db_worker", "--no-reload"],
            cwd=ROOT,
            env=os.environ,
            stdout=output,
            stderr=subprocess.STDOUT,
        )


def _numbers_seen(request_log, before: float) -> set[str]:
    """The numbers of every batch request the sandbox received before `before` (epoch)."""
    return {
        number
        for request in sandbox_server.read_request_log(request_log)
        if request.start < before
        for number in request.numbers
    }


def _crash_job(count: int) -> dict:
    """Start a job on a real worker, kill it mid-flight, restart it; the child of `_crash`."""
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model

    from campaigns.bulk.remove_numbers import PHONE_NUMBERS
    from thuladmin.bulk.models import BulkChunk, BulkJob, Outcome
    from thuladmin.bulk.services import bulk_job_draft_create, bulk_job_start

    existed = _seed(count)
    user, _ = get_user_model().objects.get_or_create(username="bench-faults")
    numbers = _numbers(count)
    job = bulk_job_draft_create(
        user=user,
        kind_name=PHONE_NUMBERS.name,
        parsed=PHONE_NUMBERS.parse("\n".join(numbers), options={}),
        campaign_id=CAMPAIGN,
    )
    bulk_job_start(job=job, user=user)
    log = ROOT / "var" / "bench-crash-workers.log"
    request_log = Path(os.environ["SANDBOX_REQUEST_LOG"])
    chunks = BulkChunk.objects.filter(job=job, state=BulkChunk.State.SENDING)
    parallel = settings.BULK_PARALLEL_REQUESTS
    worker = _start_worker(log)
    on_the_wire = _wait_for(
        lambda: (
            chunks.filter(request_started_at__isnull=False).count() == parallel
            and chunks.filter(request_started_at__isnull=True).exists()
        ),
        timeout=120,
    )
    worker.send_signal(signal.SIGKILL)
    worker.wait()
    killed_at = time.monotonic()
    if not on_the_wire:
        sys.exit(f"the worker never had every request slot busy:\n{log.read_text()[-2000:]}")
    started = set(chunks.filter(request_started_at__isnull=False).values_list("pk", flat=True))
    waiting = set(chunks.filter(request_started_at__isnull=True).values_list("pk", flat=True))
    dead_runners = set(chunks.values_list("claimed_by", flat=True))
    time.sleep(1)  # make run's supervisor starts a dead worker again after a second
    restarted_at = time.time()
    worker = _start_worker(log)
    try:
        _wait_for(
            lambda: (
                BulkChunk.objects.filter(pk__in=started | waiting)
                .exclude(claimed_by__in=dead_runners)
                .exists()
            ),
            timeout=120,
            interval=0.1,
        )
        takeover = time.monotonic() - killed_at
        if not _wait_for(lambda: BulkJob.objects.get(pk=job.pk).is_over, 300, interval=0.2):
            sys.exit(f"the job did not finish after the restart:\n{log.read_text()[-2000:]}")
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait()
    job.refresh_from_db()
    seen_before_crash = _numbers_seen(request_log, before=restarted_at)
    final: Counter[str] = Counter()
    uncertain_never_sent = 0
    outcomes: Counter[str] = Counter()
    for value, outcome in job.items.values_list("value", "outcome"):
        outcomes[outcome] += 1
        if outcome != Outcome.PENDING:
            final[value] += 1
        if outcome == Outcome.UNCERTAIN and value not in seen_before_crash:
            uncertain_never_sent += 1
    return {
        "takeover_seconds": takeover,
        "chunks_on_the_wire": len(started),
        "chunks_claimed_not_started": len(waiting),
        "items_claimed_not_started": job.items.filter(chunk__in=waiting).count(),
        "uncertain_never_sent": uncertain_never_sent,
        "outcomes": dict(outcomes),
        "without_one_outcome": sum(1 for number in numbers if final[number] != 1),
        "existed": len(existed),
        "job_over": job.is_over,
        "items_sent": _items_sent(job),
        "numbers_seen": len(_numbers_seen(request_log, before=time.time())),
    }


def _crash(args: argparse.Namespace, database_url: str) -> dict:
    port = sandbox_server.free_port()
    request_log = "bench-crash-requests.log"
    (ROOT / "var" / request_log).unlink(missing_ok=True)
    env = _environment(port, args, database_url, {})
    env.update(
        SANDBOX_LATENCY_MS=str(args.crash_latency_ms),
        SANDBOX_REQUEST_LOG=str(ROOT / "var" / request_log),
        # A crash test of the defaults: the runner's own heartbeat, staleness and sweep.
        THULIUM_READ_TIMEOUT="30",
    )
    with (ROOT / "var" / "bench-faults-server.log").open("ab") as output:
        server = sandbox_server.start(
            env, port, workers=2, output=output, app="recording_wsgi:application"
        )
    try:
        return sandbox_server.run_child(__file__, env, "--crash-child", "--size", str(args.size))
    finally:
        server.terminate()
        server.wait()


def _run(args: argparse.Namespace, database_url: str, faults: dict) -> dict:
    port = sandbox_server.free_port()
    env = _environment(port, args, database_url, faults)
    # The server's log (a line per injected 5xx/429) goes to a file.
    with (ROOT / "var" / "bench-faults-server.log").open("ab") as output:
        server = sandbox_server.start(env, port, workers=2, output=output)
    try:
        return sandbox_server.run_child(__file__, env, "--child", "--size", str(args.size))
    finally:
        server.terminate()
        server.wait()


def _require_sent(name: str, run: dict, size: int) -> dict:
    """`run`, once sure that its job finished, sent every one of the `size` numbers and reached
    the sandbox; otherwise stop, saying which run measured nothing."""
    outcomes = ", ".join(f"{key} {value}" for key, value in sorted(run["outcomes"].items()))
    require(run["job_over"], f"the {name} run's job did not finish (outcomes: {outcomes})")
    require(
        run["items_sent"] == size,
        f"the {name} run sent {run['items_sent']} of {size} numbers (outcomes: {outcomes})",
    )
    reached = run["numbers_seen"] if "numbers_seen" in run else run["attempts"]
    require(reached, f"the sandbox received no request in the {name} run")
    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=10_000)
    parser.add_argument("--error-rate", type=float, default=0.2, help="share answered 5xx")
    parser.add_argument("--rate-limit-rate", type=float, default=0.1, help="share answered 429")
    parser.add_argument("--slow-rate", type=float, default=0.0, help="share answered late")
    parser.add_argument("--slow-ms", type=int, default=3000, help="how late a slow answer is")
    parser.add_argument("--read-timeout", type=float, default=2.0, help="client read timeout, s")
    parser.add_argument("--retry-after", type=int, default=1, help="429's Retry-After, s")
    parser.add_argument("--latency-ms", type=int, default=50)
    parser.add_argument(
        "--url-budget-bytes",
        type=int,
        default=7000,
        help="bytes of a request's URL (fewer numbers a request: a small job still fills every "
        "request slot in the crash run)",
    )
    parser.add_argument(
        "--crash-latency-ms", type=int, default=300, help="latency during the crash run"
    )
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--crash-child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child:
        print(json.dumps(_one_job(args.size)))
        return
    if args.crash_child:
        print(json.dumps(_crash_job(args.size)))
        return

    (ROOT / "var").mkdir(exist_ok=True)
    database_url = os.environ.get(
        "DATABASE_URL", f"sqlite:///{ROOT / 'var' / 'bench-faults.sqlite3'}"
    )
    env = _environment(0, args, database_url, {})
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], env=env, cwd=ROOT, check=True)
    faulty = {
        "SANDBOX_ERROR_RATE": args.error_rate,
        "SANDBOX_RATE_LIMIT_RATE": args.rate_limit_rate,
        "SANDBOX_SLOW_RATE": args.slow_rate,
    }
    clean = _require_sent("fault-free", _run(args, database_url, {}), args.size)
    noisy = _require_sent("faulty", _run(args, database_url, faulty), args.size)
    crash = _require_sent("crash", _crash(args, database_url), args.size)

    print(
        f"database {database_url.split(':')[0]}, {args.size} numbers "
        f"({int(EXISTING_SHARE * 100)}% exist), latency {args.latency_ms} ms; faults: "
        f"5xx {args.error_rate:.0%}, 429 {args.rate_limit_rate:.0%} "
        f"(Retry-After {args.retry_after} s), slow {args.slow_rate:.0%} "
        f"({args.slow_ms} ms vs read timeout {args.read_timeout:g} s)"
    )
    print(
        f"{'run':<11} {'wall s':>7} {'x clean':>7} {'requests':>8} {'attempts':>8} "
        f"{'retries':>7} {'re-sends':>8} {'answers':<38} outcomes"
    )
    for name, run in (("fault-free", clean), ("faulty", noisy)):
        answers = ", ".join(f"{key} {value}" for key, value in sorted(run["answers"].items()))
        outcomes = ", ".join(f"{key} {value}" for key, value in sorted(run["outcomes"].items()))
        print(
            f"{name:<11} {run['wall_seconds']:>7.2f} "
            f"{run['wall_seconds'] / clean['wall_seconds']:>7.2f} {run['requests_planned']:>8} "
            f"{run['attempts']:>8} {run['client_retries']:>7} {run['chunk_resends']:>8} "
            f"{answers:<38} {outcomes}"
        )
    print(
        "requests = chunks planned; attempts = HTTP requests sent; retries = the client's own "
        "(after 5xx, 429, resets); re-sends = a chunk sent again by the engine after the client "
        "gave up"
    )
    for name, run in (("fault-free", clean), ("faulty", noisy)):
        print(
            f"{name}: job {run['job_state']}, outcomes contradicting the sandbox "
            f"{run['contradicting_sandbox']}, tallies match items {run['tallies_match_items']}"
        )
    crash_outcomes = ", ".join(f"{key} {value}" for key, value in sorted(crash["outcomes"].items()))
    print(
        f"crash: SIGKILL with {crash['chunks_on_the_wire']} requests on the wire and "
        f"{crash['chunks_claimed_not_started']} chunks ({crash['items_claimed_not_started']} "
        f"items) claimed but not started, latency {args.crash_latency_ms} ms; "
        f"outcomes {crash_outcomes}"
    )
    print(f"items_uncertain_never_sent {crash['uncertain_never_sent']}")
    print(f"takeover_seconds {crash['takeover_seconds']:.1f}")
    without_one = (
        clean["without_one_outcome"] + noisy["without_one_outcome"] + crash["without_one_outcome"]
    )
    print(f"items_without_exactly_one_outcome {without_one}")
    print(f"items_sent {clean['items_sent']}")


if __name__ == "__main__":
    main()
