"""Keep a command running: start it again whenever it dies. `make run` runs its worker with it.

    python scripts/supervise.py [--delay SECONDS] -- COMMAND [ARGS...]

The command is started again after `--delay` seconds (1) whenever it ends with a failure or is
killed by a signal (SIGKILL, out of memory); a command that keeps dying within a few seconds of
its start waits longer each time (doubling, at most 30 s). Each start is told how many restarts
came before it in the environment variable WORKER_RESTARTS, which `db_worker` reports in its
heartbeat (and so `/healthz`). A command that exits with status 0 stopped on purpose and is not
started again. SIGINT or SIGTERM to the supervisor is passed on to the command as SIGTERM, and
the supervisor exits once it has ended.

Standard library only: it must work before Django is configured. In production, systemd's
`Restart=always` (or the platform's process manager) does this job.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time

MAX_DELAY_SECONDS = 30.0
# A command that ran this long before dying is restarted after the base delay again.
STEADY_SECONDS = 10.0


def _say(message: str) -> None:
    print(f"supervise: {message}", file=sys.stderr, flush=True)


def supervise(command: list[str], *, delay: float) -> int:
    stopping = False
    child: subprocess.Popen | None = None

    def stop(signum: int, _frame) -> None:
        nonlocal stopping
        stopping = True
        if child is not None and child.poll() is None:
            child.send_signal(signal.SIGTERM)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    restarts = 0
    quick_deaths = 0
    while True:
        started = time.monotonic()
        # The command is the supervisor's own argument list (from the Makefile), not input.
        child = subprocess.Popen(  # noqa: S603
            command, env={**os.environ, "WORKER_RESTARTS": str(restarts)}
        )
        if stopping:  # asked to stop while the command was being started
            child.send_signal(signal.SIGTERM)
        status = child.wait()
        if stopping:
            return 0
        if status == 0:
            _say("the command stopped on purpose (status 0); not starting it again")
            return 0
        how = f"signal {-status}" if status < 0 else f"status {status}"
        quick_deaths = quick_deaths + 1 if time.monotonic() - started < STEADY_SECONDS else 0
        wait = min(MAX_DELAY_SECONDS, delay * 2 ** max(0, quick_deaths - 1))
        restarts += 1
        _say(f"the command died ({how}); starting it again in {wait:g} s (restart {restarts})")
        deadline = time.monotonic() + wait
        while not stopping and time.monotonic() < deadline:
            time.sleep(0.1)
        if stopping:
            return 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--delay", type=float, default=1.0, help="seconds before a restart")
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("give the command to run after --")
    sys.exit(supervise(command, delay=args.delay))


if __name__ == "__main__":
    main()
