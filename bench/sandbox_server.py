"""The sandbox served by gunicorn in its own process, as the benchmarks talk to it.

A real Thulium is another machine; a benchmark gets the nearest thing: the sandbox behind
gunicorn, reached over HTTP, with the latency and faults that its environment asks for.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any
from urllib.parse import parse_qs

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def environment(port: int, **settings: str) -> dict[str, str]:
    """The environment of the server and of every child: the sandbox on `port`, DEBUG off."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "thuladmin.settings",
        "ENV_FILE": "",
        "DEBUG": "false",
        "SECRET_KEY": "bench-only-secret-key",
        "SANDBOX_ENABLED": "true",
        "THULIUM_URL": "",
        "THULIUM_USER": "sandbox",
        "THULIUM_PASSWORD": "bench-only-sandbox-password",
        "SANDBOX_URL": f"http://127.0.0.1:{port}/sandbox/api/",
        # Over HTTP to the gunicorn serving it, as a real Thulium is reached: what is measured.
        "SANDBOX_IN_PROCESS": "false",
        "LOG_LEVEL": "WARNING",
        **settings,
    }


def start(
    env: dict[str, str],
    port: int,
    *,
    workers: int,
    threads: int = 8,
    output: IO[bytes] | None = None,
    app: str = "thuladmin.wsgi",
    addresses: Sequence[str] = ("127.0.0.1",),
) -> subprocess.Popen:
    """Start gunicorn on `port` of each of `addresses` and return once it accepts connections.

    `--limit-request-line 8190`: batch URLs are up to the client's 7,000-byte budget, longer
    than gunicorn's default limit. `app` may name a module of bench/ (e.g. the recording one).
    """
    binds = [argument for address in addresses for argument in ("--bind", f"{address}:{port}")]
    server = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("gunicorn")),
            app,
            "--pythonpath",
            f"{ROOT},{ROOT / 'bench'}",
            *binds,
            "--workers",
            str(workers),
            "--threads",
            str(threads),
            "--limit-request-line",
            "8190",
            "--log-level",
            "warning",
        ],
        env=env,
        cwd=ROOT,
        stdout=output,
        stderr=subprocess.STDOUT if output is not None else None,
    )
    for _ in range(100):
        try:
            socket.create_connection((addresses[0], port), timeout=0.2).close()
            return server
        except OSError:
            time.sleep(0.1)
    server.terminate()
    sys.exit("the sandbox server did not start")


def cpu_seconds(server_pid: int) -> float | None:
    """CPU time (user + system) the server's processes have used so far, from /proc (None
    where there is no /proc): what the simulator cost the machine the benchmark shares."""
    try:
        pids = [server_pid]
        children = Path(f"/proc/{server_pid}/task/{server_pid}/children").read_text()
        pids += [int(pid) for pid in children.split()]
        ticks = 0
        for pid in pids:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            ticks += int(fields[11]) + int(fields[12])
    except (OSError, ValueError, IndexError):
        return None
    return ticks / os.sysconf("SC_CLK_TCK")


def require(condition: object, message: str) -> None:
    """Stop the benchmark, non-zero, saying what was missing, unless `condition` holds: a bench
    that did not do the work it measures must not print figures as if it had."""
    if not condition:
        sys.exit(f"{Path(sys.argv[0]).name}: measured nothing useful: {message}")


def run_child(script: str, env: dict[str, str], *arguments: str) -> Any:
    """Run `script` again in a process of its own (`--child` or another mode in `arguments`)
    and return what its last line of output holds, as JSON; stop with its error if it failed."""
    finished = subprocess.run(
        [sys.executable, script, *arguments],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    if finished.returncode:
        sys.exit(f"{' '.join(arguments)} failed:\n{finished.stderr}")
    return json.loads(finished.stdout.strip().splitlines()[-1])


@dataclass(frozen=True)
class LoggedRequest:
    """One request as the sandbox saw it (see recording_wsgi.py): when it arrived and when its
    answer was sent (None if never: the log was read while it was being answered), the address
    it was sent to, its path and query."""

    start: float
    end: float | None
    host: str
    path: str
    query: str

    @property
    def numbers(self) -> list[str]:
        """The phone numbers it carried (a batch removal's `phone_number[]`)."""
        return parse_qs(self.query).get("phone_number[]", [])


def read_request_log(path: Path) -> list[LoggedRequest]:
    """Every request in a log written by recording_wsgi.py, in the order they arrived."""
    if not path.exists():
        return []
    started: dict[str, tuple[float, str, str, str]] = {}
    ended: dict[str, float] = {}
    for line in path.read_text(encoding="latin-1").splitlines():
        stamp, event, request_id, *rest = line.split(" ", 5)
        if event == "start":
            host, request_path, *query = rest
            started[request_id] = (float(stamp), host, request_path, query[0] if query else "")
        else:
            ended[request_id] = float(stamp)
    return sorted(
        (
            LoggedRequest(start, ended.get(request_id), host, request_path, query)
            for request_id, (start, host, request_path, query) in started.items()
        ),
        key=lambda request: request.start,
    )
