"""Benchmark of several nodes: web and worker processes on PostgreSQL and Redis, a worker killed
mid-job, the limits measured from the sandbox's side.

Starts on this machine what "Several nodes" in docs/operations.md describes: two web servers
(gunicorn) and three `manage.py db_worker`s sharing one PostgreSQL database (created for the run,
`thuladmin_bench_nodes` on 127.0.0.1:5432 or `--postgres`, and dropped after) and one Redis
database (13 on 127.0.0.1:6379, or `--redis-db` on `--redis`; flushed before and after), with the
sandbox served by a gunicorn of its own (with its own SQLite file, as a real Thulium is another
machine) and reached over HTTP (`SANDBOX_IN_PROCESS=false` everywhere), 50 ms away, logging
every request's start and end (bench/recording_wsgi.py). `BULK_REQUESTS_PER_SECOND=10`,
`BULK_MAX_CONCURRENT_REQUESTS=4`; every other setting (the rate's margin, the heartbeat,
staleness and sweep) keeps its default.

A 10,000-number removal is drafted, then started through the first web process (the preview's
form, typed confirmation and all) and its page followed on both while it runs. Once `--kill-at`
of its requests are answered, and its runner holds every request slot (within 10 s), the worker
running it is killed with SIGKILL and not started again: the other two must take it over. Each
worker reaches the sandbox at an address of its own (127.0.0.2, .3 and .4, all loopback), so the
sandbox's log tells which worker sent what.

    .venv/bin/python bench/nodes.py [--size 10000]

It prints, from the sandbox's side (the targets in brackets):

- `max_requests_in_any_second`: the most requests that arrived within any one second, a
  sliding window [<= 10];
- `max_in_flight`: the most requests being answered at once [<= 4];
- `numbers_sent_twice`: numbers the sandbox received more than once, other than those the
  engine sends again on purpose: a request on the wire when its worker was killed may have been
  applied, so its chunk is sent again and its items end *uncertain* (counted apart, as
  `numbers_resent_after_kill`) [0];
- `workers_that_sent`: workers whose requests reached the sandbox (the killed one and the one
  that took its job over: one runner runs a job, see docs/operations.md) [2];
- `sending_resumed_seconds_after_kill`: from the kill to the first request that arrived after it
  [<= 20];
- `items_sent`: the job's numbers that went out [the size].

It stops non-zero, saying what was missing, if the job did not run, was not started through the
web, no worker was killed mid-job, or the job did not finish with exactly one outcome per item.
Where PostgreSQL or Redis is not reachable it prints `skipped: ...` and exits 0.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from html.parser import HTMLParser

import sandbox_server
from sandbox_server import require

ROOT = sandbox_server.ROOT
sys.path.insert(0, str(ROOT))
DATABASE = "thuladmin_bench_nodes"
CAMPAIGN = "77777"
EXISTING_SHARE = 0.9  # the rest of the numbers never existed
WEB_PROCESSES = 2
WORKERS = 3
LOG_DIR = ROOT / "var"


def _numbers(count: int) -> list[str]:
    # Valid Polish mobile numbers (phonenumbers holds 4xxxxxxxx back as suspicious, unsent).
    return [f"5{index:08d}" for index in range(count)]


def _worker_address(index: int) -> str:
    return f"127.0.0.{index + 2}"


# --- services -----------------------------------------------------------------------------------


def _unreachable(args: argparse.Namespace) -> str:
    """Why PostgreSQL or Redis cannot be used here, or "" when both answer."""
    import psycopg
    import redis

    try:
        psycopg.connect(f"{args.postgres}/postgres", connect_timeout=2).close()
    except psycopg.Error as error:
        return f"PostgreSQL is not reachable at {args.postgres} ({' '.join(str(error).split())})"
    try:
        redis.Redis.from_url(_redis_url(args), socket_connect_timeout=2).ping()
    except redis.RedisError as error:
        return f"Redis is not reachable at {args.redis} ({error})"
    return ""


def _redis_url(args: argparse.Namespace) -> str:
    return f"{args.redis}/{args.redis_db}"


def _database(args: argparse.Namespace, action: str) -> None:
    """Create the bench's database afresh, or drop it (any connection left is closed)."""
    import psycopg

    with psycopg.connect(f"{args.postgres}/postgres", autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
        if action == "create":
            connection.execute(f"CREATE DATABASE {DATABASE}")


def _flush_redis(args: argparse.Namespace) -> None:
    import redis

    redis.Redis.from_url(_redis_url(args)).flushdb()


# --- environments -------------------------------------------------------------------------------


def _sandbox_environment(port: int, args: argparse.Namespace) -> dict[str, str]:
    addresses = ",".join(["127.0.0.1", *(_worker_address(i) for i in range(WORKERS))])
    return sandbox_server.environment(
        port,
        DATABASE_URL=f"sqlite:///{LOG_DIR / 'bench-nodes-sandbox.sqlite3'}",
        CACHE_URL="locmemcache://sandbox",
        ALLOWED_HOSTS=addresses,
        SANDBOX_LATENCY_MS=str(args.latency_ms),
        SANDBOX_REQUEST_LOG=str(LOG_DIR / "bench-nodes-requests.log"),
    )


def _node_environment(port: int, args: argparse.Namespace, address: str) -> dict[str, str]:
    """A web or worker process's environment: the shared database and Redis, the sandbox over
    HTTP at `address`, the limits under test."""
    env = sandbox_server.environment(
        port,
        DATABASE_URL=f"{args.postgres}/{DATABASE}",
        CACHE_URL=_redis_url(args),
        SECURE_COOKIES="false",  # the web processes are reached over plain HTTP here
        # The pages' static files as they are, without a `collectstatic` run for the bench.
        STATICFILES_BACKEND="django.contrib.staticfiles.storage.StaticFilesStorage",
        BULK_REQUESTS_PER_SECOND=str(args.rate),
        BULK_MAX_CONCURRENT_REQUESTS=str(args.concurrency),
        LOG_FORMAT="plain",
    )
    env["SANDBOX_URL"] = f"http://{address}:{port}/sandbox/api/"
    return env


def _manage(env: dict[str, str], *arguments: str) -> None:
    subprocess.run(
        [sys.executable, "manage.py", *arguments], env=env, cwd=ROOT, check=True, timeout=600
    )


# --- the sandbox's records ----------------------------------------------------------------------


def _seed_sandbox(count: int) -> None:
    """Give the sandbox the campaign and its records; run in a child with the sandbox's
    environment (its own database)."""
    import django

    django.setup()
    from thuladmin.sandbox.models import Campaign, Record

    Campaign.objects.filter(campaign_id=CAMPAIGN).delete()
    campaign = Campaign.objects.create(campaign_id=CAMPAIGN, name="Several nodes", active=True)
    existing = _numbers(count)[: int(count * EXISTING_SHARE)]
    Record.objects.bulk_create(
        (Record(campaign=campaign, identifier=f"N{n}", phone_number=n) for n in existing),
        batch_size=5000,
    )


# --- the web ------------------------------------------------------------------------------------


class _StartForm(HTMLParser):
    """The fields of the preview's form that starts the job (its action ends in `/start/`)."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: dict[str, str] | None = None
        self._inside = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "form" and (attributes.get("action") or "").endswith("/start/"):
            self._inside = True
            self.fields = {}
        elif (
            tag == "input"
            and self._inside
            and attributes.get("name")
            and attributes.get("type") not in ("checkbox", "submit")
        ):
            self.fields[attributes["name"]] = attributes.get("value") or ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._inside = False


def _start_through_the_web(web: str, session, job_id: int) -> int:
    """Start the draft as a supervisor would: its page, the typed confirmation, submit. Returns
    the status of the page the start redirected to."""
    page = session.get(f"{web}/jobs/{job_id}/", timeout=30)
    require(page.status_code == 200, f"the job's page answered {page.status_code}")
    form = _StartForm()
    form.feed(page.text)
    require(form.fields is not None, "the job's page shows no form to start it")
    fields = dict(form.fields)
    if "confirmation" in fields:
        fields["confirmation"] = CAMPAIGN  # "type the campaign id to confirm"
    started = session.post(
        f"{web}/jobs/{job_id}/start/", data=fields, timeout=30, allow_redirects=True
    )
    return started.status_code


def _follow(webs: list[str], session, job_id: int, stop: threading.Event) -> Counter:
    """Load the job's page from each web process in turn until `stop`; count the answers."""
    answers: Counter[tuple[str, int]] = Counter()
    index = 0
    while not stop.is_set():
        web = webs[index % len(webs)]
        index += 1
        try:
            status = session.get(f"{web}/jobs/{job_id}/", timeout=10).status_code
        except Exception:  # a refused connection is an answer too, and counted as one
            status = 0
        answers[(web, status)] += 1
        stop.wait(0.5)
    return answers


# --- measuring ----------------------------------------------------------------------------------


def _most_within_a_second(starts: list[float]) -> int:
    """The most of `starts` (sorted) within any one-second window [t, t + 1)."""
    most = first = 0
    for last, start in enumerate(starts):
        while start - starts[first] >= 1.0:
            first += 1
        most = max(most, last - first + 1)
    return most


def _most_at_once(requests: list) -> int:
    ends = [request.end if request.end is not None else float("inf") for request in requests]
    # At equal times an end (-1) sorts before a start (+1).
    events = sorted([(request.start, 1) for request in requests] + [(end, -1) for end in ends])
    now = most = 0
    for _, step in events:
        now += step
        most = max(most, now)
    return most


def _measure(requests: list, killed_address: str, killed_at: float) -> dict:
    batches = [request for request in requests if request.numbers]
    # Every request from the killed worker's address was sent before the kill (one it wrote just
    # before may reach the sandbox just after). Such a request may have been applied: its chunk
    # is sent again, marked uncertain, and those numbers' second sending is by design.
    killed = [request for request in requests if request.host.startswith(killed_address + ":")]
    on_the_wire_at_kill = {number for request in killed for number in request.numbers}
    times_sent = Counter(number for request in batches for number in request.numbers)
    twice = {number for number, times in times_sent.items() if times > 1}
    after_kill = [
        request.start for request in requests if request.start > killed_at and request not in killed
    ]
    return {
        "max_requests_in_any_second": _most_within_a_second([r.start for r in requests]),
        "max_in_flight": _most_at_once(requests),
        "numbers_sent_twice": len(twice - on_the_wire_at_kill),
        "numbers_resent_after_kill": len(twice & on_the_wire_at_kill),
        "workers_that_sent": len({request.host.rpartition(":")[0] for request in batches}),
        "sending_resumed_seconds_after_kill": (
            min(after_kill) - killed_at if after_kill else float("nan")
        ),
        "numbers_received": len(times_sent),
        "requests": len(requests),
        "unanswered": sum(1 for request in requests if request.end is None),
    }


# --- the run ------------------------------------------------------------------------------------


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_for(condition, timeout: float, interval: float = 0.02) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return False


def _run(args: argparse.Namespace, processes: list[subprocess.Popen]) -> dict:
    LOG_DIR.mkdir(exist_ok=True)
    request_log = LOG_DIR / "bench-nodes-requests.log"
    request_log.unlink(missing_ok=True)
    (LOG_DIR / "bench-nodes-sandbox.sqlite3").unlink(missing_ok=True)
    sandbox_port = sandbox_server.free_port()
    sandbox_env = _sandbox_environment(sandbox_port, args)
    _manage(sandbox_env, "migrate", "-v0")
    sandbox_server.run_child(__file__, sandbox_env, "--seed-sandbox", "--size", str(args.size))

    # The dashboard's side: migrate, then this process reads and writes the same database.
    web_env = _node_environment(sandbox_port, args, "127.0.0.1")
    _manage(web_env, "migrate", "-v0")
    os.environ.update(web_env)
    import django

    django.setup()
    import requests
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.test import Client

    from campaigns.bulk.remove_numbers import PHONE_NUMBERS
    from thuladmin.accounts.roles import Role
    from thuladmin.bulk.completion import bulk_job_progress
    from thuladmin.bulk.models import BulkChunk, BulkJob, BulkRunner, Outcome
    from thuladmin.bulk.services import bulk_job_draft_create
    from thuladmin.thulium.throttle import thulium_limits

    with (LOG_DIR / "bench-nodes-sandbox.log").open("ab") as output:
        processes.append(
            sandbox_server.start(
                sandbox_env,
                sandbox_port,
                workers=2,
                output=output,
                app="recording_wsgi:application",
                addresses=["127.0.0.1", *(_worker_address(i) for i in range(WORKERS))],
            )
        )
    webs = []
    for index in range(WEB_PROCESSES):
        port = sandbox_server.free_port()
        with (LOG_DIR / f"bench-nodes-web-{index}.log").open("ab") as output:
            processes.append(sandbox_server.start(web_env, port, workers=1, output=output))
        webs.append(f"http://127.0.0.1:{port}")
    workers = []
    for index in range(WORKERS):
        env = _node_environment(sandbox_port, args, _worker_address(index))
        with (LOG_DIR / f"bench-nodes-worker-{index}.log").open("ab") as output:
            workers.append(
                subprocess.Popen(
                    [sys.executable, "manage.py", "db_worker", "--no-reload"],
                    cwd=ROOT,
                    env=env,
                    stdout=output,
                    stderr=subprocess.STDOUT,
                )
            )
    processes.extend(workers)

    user, _ = get_user_model().objects.get_or_create(username="bench-nodes")
    user.groups.add(Group.objects.get_or_create(name=Role.SUPERVISORS.value)[0])
    numbers = _numbers(args.size)
    job = bulk_job_draft_create(
        user=user,
        kind_name=PHONE_NUMBERS.name,
        parsed=PHONE_NUMBERS.parse("\n".join(numbers), options={}),
        campaign_id=CAMPAIGN,
    )
    chunk_count = BulkChunk.objects.filter(job=job).count()
    require(chunk_count > 1, f"the job has {chunk_count} requests to send: nothing to kill mid-job")
    client = Client()
    client.force_login(user)
    session = requests.Session()
    session.cookies.set(
        settings.SESSION_COOKIE_NAME, client.cookies[settings.SESSION_COOKIE_NAME].value
    )

    started_at = time.time()
    status = _start_through_the_web(webs[0], session, job.pk)
    job.refresh_from_db()
    require(
        status == 200 and job.state != BulkJob.State.DRAFT,
        f"starting the job through the web answered {status}; the job is {job.state}",
    )
    stop_following = threading.Event()
    followed: dict[str, Counter] = {}
    follower = threading.Thread(
        target=lambda: followed.update(answers=_follow(webs, session, job.pk, stop_following)),
        daemon=True,
    )
    follower.start()

    # Kill the worker that runs the job once `--kill-at` of its requests are answered.
    done = BulkChunk.objects.filter(job=job, state=BulkChunk.State.DONE)
    reached = _wait_for(lambda: done.count() >= args.kill_at * chunk_count, timeout=300)
    require(reached, f"the job did not run: {done.count()} of {chunk_count} requests answered")
    runner = BulkRunner.objects.filter(job=job).order_by("-heartbeat_at").first()
    require(runner is not None, "no runner works on the job")
    pid = int(runner.id.split(":")[1])
    killed = next((index for index, w in enumerate(workers) if w.pid == pid), None)
    require(killed is not None, f"the job's runner {runner.id} is not one of the bench's workers")
    # The worst moment: while the runner holds every request slot (its threads hold one while
    # they wait for the rate), so that no other worker could send until they are freed.
    slots = thulium_limits().concurrency
    _wait_for(lambda: slots.holders().count(runner.id) == args.concurrency, timeout=10)
    slots_held = slots.holders().count(runner.id)
    done_at_kill = done.count()
    workers[killed].send_signal(signal.SIGKILL)
    killed_at = time.time()
    workers[killed].wait()
    require(
        done_at_kill < chunk_count,
        "the job was over before its worker was killed: use a larger --size",
    )

    over = _wait_for(lambda: BulkJob.objects.get(pk=job.pk).is_over, timeout=300, interval=0.2)
    finished_at = time.time()
    stop_following.set()
    follower.join(timeout=30)
    claimed_again = BulkChunk.objects.filter(job=job, attempts__gt=1)
    job.refresh_from_db()
    require(over, f"the job did not finish after the kill: it is {job.state}")
    for process in processes:
        _stop(process)  # every answer is logged before the log is read

    final: Counter[str] = Counter()
    for value, outcome in job.items.values_list("value", "outcome"):
        if outcome != Outcome.PENDING:
            final[value] += 1
    progress = bulk_job_progress(job)
    items_sent = (
        job.items.to_send()
        .exclude(outcome__in=[Outcome.INVALID, Outcome.SUSPICIOUS, Outcome.PENDING])
        .count()
    )
    answers = followed.get("answers", Counter())
    return {
        **_measure(
            sandbox_server.read_request_log(request_log), _worker_address(killed), killed_at
        ),
        "chunks": chunk_count,
        "chunks_done_at_kill": done_at_kill,
        "slots_held_at_kill": slots_held,
        "chunks_claimed_again": claimed_again.count(),
        "job_state": job.state,
        "job_seconds": finished_at - started_at,
        "outcomes": dict(progress.counts),
        "without_one_outcome": sum(1 for number in numbers if final[number] != 1),
        "items_sent": items_sent,
        "pages": {web: {s: n for (w, s), n in answers.items() if w == web} for web in webs},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=10_000, help="numbers in the job")
    parser.add_argument("--latency-ms", type=int, default=50)
    parser.add_argument("--rate", type=int, default=10, help="BULK_REQUESTS_PER_SECOND")
    parser.add_argument("--concurrency", type=int, default=4, help="BULK_MAX_CONCURRENT_REQUESTS")
    parser.add_argument(
        "--kill-at", type=float, default=0.4, help="share of requests answered at the kill"
    )
    parser.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379")
    parser.add_argument(
        "--redis-db", type=int, default=13, help="a Redis database of its own: flushed"
    )
    parser.add_argument("--seed-sandbox", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.seed_sandbox:
        _seed_sandbox(args.size)
        print("{}")
        return

    if reason := _unreachable(args):
        print(f"skipped: {reason}")
        return
    _database(args, "create")
    _flush_redis(args)
    processes: list[subprocess.Popen] = []
    try:
        run = _run(args, processes)
    finally:
        for process in processes:
            _stop(process)
        if "django.db" in sys.modules:
            from django.db import connections

            connections.close_all()
        _database(args, "drop")
        _flush_redis(args)

    outcomes = ", ".join(f"{key} {value}" for key, value in sorted(run["outcomes"].items()))
    require(run["job_state"] == "finished", f"the job ended {run['job_state']} ({outcomes})")
    require(
        run["without_one_outcome"] == 0,
        f"{run['without_one_outcome']} items did not end with exactly one outcome ({outcomes})",
    )
    require(
        run["items_sent"] == args.size,
        f"the job sent {run['items_sent']} of {args.size} numbers ({outcomes})",
    )
    require(run["numbers_received"], "the sandbox received no number")
    for web, answers in run["pages"].items():
        require(answers.get(200), f"the job's page was never loaded from {web}")
        failed = {status: count for status, count in answers.items() if status != 200}
        require(not failed, f"the job's page failed from {web}: {failed} (0: no answer)")

    print(
        f"{args.size} numbers ({int(EXISTING_SHARE * 100)}% exist) in {run['chunks']} requests, "
        f"latency {args.latency_ms} ms; {WEB_PROCESSES} web processes, {WORKERS} workers, "
        f"PostgreSQL and Redis; BULK_REQUESTS_PER_SECOND={args.rate}, "
        f"BULK_MAX_CONCURRENT_REQUESTS={args.concurrency}"
    )
    print(
        f"killed the job's worker (SIGKILL) holding {run['slots_held_at_kill']} of "
        f"{args.concurrency} request slots, with {run['chunks_done_at_kill']} of {run['chunks']} "
        f"requests answered; {run['chunks_claimed_again']} requests claimed again; job "
        f"{run['job_state']} {run['job_seconds']:.1f} s after its start; outcomes {outcomes}"
    )
    pages = "; ".join(
        f"{web}: " + ", ".join(f"{status} x{count}" for status, count in sorted(answers.items()))
        for web, answers in run["pages"].items()
    )
    print(f"the job's page, loaded in turn from each web process while it ran: {pages}")
    print(
        f"the sandbox received {run['requests']} requests ({run['unanswered']} unanswered), "
        f"{run['numbers_received']} distinct numbers"
    )
    print(f"max_requests_in_any_second {run['max_requests_in_any_second']}")
    print(f"max_in_flight {run['max_in_flight']}")
    print(f"numbers_sent_twice {run['numbers_sent_twice']}")
    print(f"numbers_resent_after_kill {run['numbers_resent_after_kill']}")
    print(f"workers_that_sent {run['workers_that_sent']}")
    print(f"sending_resumed_seconds_after_kill {run['sending_resumed_seconds_after_kill']:.1f}")
    print(f"items_without_exactly_one_outcome {run['without_one_outcome']}")
    print(f"items_sent {run['items_sent']}")


if __name__ == "__main__":
    main()
