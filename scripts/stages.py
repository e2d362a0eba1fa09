"""Time the stages of `make test` and report them with the number of tests each one ran.

    python scripts/stages.py run NAME -- COMMAND [ARGS...]   time one stage
    python scripts/stages.py report                           the table, and the floor check

`run` starts COMMAND, waits for it and records its wall time under var/stages/ (one line per
stage); it exits with COMMAND's status, so a failing stage still stops `make`. A test stage
writes a JUnit XML file, var/stages/NAME.xml (the Makefile passes `--junitxml`), from which
`report` reads what ran: passed, skipped, failed and errors.

`report` prints one line per stage (wall time, tests) and the total, then checks each test
stage against `.ci/minimum-tests`: a stage that ran fewer tests than its floor fails the report,
so no test can disappear from CI unnoticed (a collection error, a wrong marker, a lost module).
Raise a floor when tests are added; never lower it without saying why in the commit.

Standard library only: it runs before and around the project's own virtual environment.
"""

from __future__ import annotations

import subprocess
import sys
import time
import xml.etree.ElementTree as ElementTree
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STAGES = ROOT / "var" / "stages"
FLOORS = ROOT / ".ci" / "minimum-tests"


def run(name: str, command: list[str]) -> int:
    STAGES.mkdir(parents=True, exist_ok=True)
    (STAGES / f"{name}.xml").unlink(missing_ok=True)
    print(f"== stage {name}: {' '.join(command)}", flush=True)
    started = time.monotonic()
    status = subprocess.call(command)  # noqa: S603 (the Makefile's own commands)
    seconds = time.monotonic() - started
    (STAGES / f"{name}.seconds").write_text(f"{seconds:.1f}\n")
    print(f"== stage {name}: {_minutes(seconds)}, exit status {status}", flush=True)
    return status


def _minutes(seconds: float) -> str:
    return f"{int(seconds // 60)}m{seconds % 60:04.1f}s"


def _tests(junit: Path) -> dict[str, int]:
    counts = {"tests": 0, "skipped": 0, "failures": 0, "errors": 0}
    root = ElementTree.parse(junit).getroot()  # noqa: S314 (written by our own pytest run)
    for suite in root.iter("testsuite"):
        for name in counts:
            counts[name] += int(suite.get(name, 0))
    counts["passed"] = counts["tests"] - counts["skipped"] - counts["failures"] - counts["errors"]
    return counts


def _floors() -> dict[str, int]:
    floors = {}
    for line in FLOORS.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            stage, minimum = line.split()
            floors[stage] = int(minimum)
    return floors


def report() -> int:
    floors = _floors()
    problems = []
    total = 0.0
    print("\n== stages of `make test` (wall time; tests: passed / skipped / failed)")
    for timing in sorted(STAGES.glob("*.seconds"), key=lambda path: path.stat().st_mtime):
        name = timing.stem
        seconds = float(timing.read_text())
        total += seconds
        line = f"{name:<16} {_minutes(seconds):>10}"
        junit = STAGES / f"{name}.xml"
        if junit.exists():
            counts = _tests(junit)
            ran = counts["passed"] + counts["skipped"]
            line += (
                f"   {counts['passed']} passed / {counts['skipped']} skipped / "
                f"{counts['failures'] + counts['errors']} failed"
            )
            if name in floors and ran < floors[name]:
                problems.append(
                    f"{name} ran {ran} tests, fewer than its floor of {floors[name]} "
                    f"in {FLOORS.relative_to(ROOT)}: a test went missing"
                )
        print(line)
    print(f"{'total':<16} {_minutes(total):>10}")
    for name in floors:
        if not (STAGES / f"{name}.xml").exists():
            problems.append(f"{name} has a floor in {FLOORS.relative_to(ROOT)} but did not run")
    for problem in problems:
        print(f"error: {problem}", file=sys.stderr)
    return 1 if problems else 0


def main(argv: list[str]) -> int:
    if len(argv) >= 4 and argv[0] == "run" and argv[2] == "--":
        return run(argv[1], argv[3:])
    if argv == ["report"]:
        return report()
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
