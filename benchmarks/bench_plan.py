"""Start-up of `ecr-replication` next to its floor, the phases of `plan`, and what a library would cost.

Every figure is a fresh Python process (imports are part of what a user waits for); the commands take turns in
each round, so a burst of load on the shared machine hits them alike, and the median of the rounds counts.
Bytecode is cached as on a user's machine (pip compiles an installed wheel; an editable checkout caches on first
import): a `PYTHONDONTWRITEBYTECODE` in the environment would recompile this package's modules on every run
but not the floor's, compiled when pulumi was installed, so the scripts drop it.

- the floor: `python -c "import pulumi, pulumi_aws"`;
- `ecr-replication plan --stack dev` on the bundled stack: at most 1.8x the floor (issue 15), the bundled pack
  running in-process; for scale, the same with the pack in its own process as before (the stock SDK path);
- `ecr-replication --help`;
- with `--candidate MODULE` (repeatable), what importing MODULE would add to `--help` and to `plan`: the time
  to import it in a process that has just run the command (so only what the command doesn't load already
  counts), against the command's median; a library replacing hand-written code must keep both within 1.10x
  (issue 12, point 11). A candidate that isn't installed is reported as such.

Then the phases of `plan` (imports, evaluating the program under mocks, the guardrails, rendering) and peak
memory. Run: `python benchmarks/bench_plan.py [--candidate rich.console ...]`.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ROUNDS = 15
"""Rounds of the start-up figures; the median counts."""
PHASE_RUNS = 5
"""Fresh processes timing the phases of `plan`."""
PLAN_FLOOR, LIBRARY_FLOOR = 1.8, 1.10
"""`plan` against the import floor (issue 15); a command with a library against without it (issue 12)."""

CLI = "import sys; from replication.cli.main import main; sys.exit(main(sys.argv[1:]))"
"""The console script's work."""
PLAN = ["plan", "--stack", "dev"]
CANDIDATE_RUNS = 5
"""Fresh processes timing a candidate's import; the median counts."""

CANDIDATE_SCRIPT = r"""
import contextlib, io, sys, time
from replication.cli.main import main
with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):
    main(sys.argv[2:])
started = time.perf_counter()
__import__(sys.argv[1])
print(time.perf_counter() - started)
"""
"""Runs the command, then prints how long importing the candidate (argv[1]) takes on top of it."""

PHASES_SCRIPT = r"""
import json, resource, sys, time
from pathlib import Path
from replication.cli.startup import command, paused_gc
started = time.perf_counter()
with command(), paused_gc():  # as plan runs
    import pulumi, pulumi_aws
    from replication.preview.runner import run_program_file
    from replication.preview.analyzer import open_pack, stack_resources
    from replication.preview.report import build_report, render_text
    from replication.preview.stack_files import load_stack
    imported = time.perf_counter()
    files = load_stack(Path(sys.argv[1]), "dev")
    run = run_program_file(files.program, files.project, files.stack, files.config, files.secret_keys)
    evaluated = time.perf_counter()
    with open_pack(Path(sys.argv[1]) / "policies") as pack:
        diagnostics = pack.preview(stack_resources(run.resources))
    judged = time.perf_counter()
    render_text(build_report(files.project, files.stack, run, diagnostics))
    rendered = time.perf_counter()
print(json.dumps({
    "import": imported - started, "evaluate": evaluated - imported, "policies": judged - evaluated,
    "render": rendered - judged, "resources": len(run.resources),
    "peak_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
}))
"""


def environment(extra: dict[str, str] | None = None) -> dict[str, str]:
    """This process's environment with bytecode caching allowed, plus `extra`."""
    return {**{k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}, **(extra or {})}


def seconds(argv: list[str], env: dict[str, str] | None = None) -> float:
    """Wall time of one fresh process."""
    started = time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT,
                   env=environment(env))
    return time.perf_counter() - started


def cli(args: list[str]) -> list[str]:
    """The command line running the CLI with `args`."""
    return [sys.executable, "-c", CLI, *args]


def import_cost(candidate: str, args: list[str]) -> float:
    """Median seconds importing `candidate` adds to a process that has run the CLI with `args`."""
    costs = [float(subprocess.run([sys.executable, "-c", CANDIDATE_SCRIPT, candidate, *args], check=True,
                                  capture_output=True, text=True, cwd=ROOT, env=environment()).stdout.split()[-1])
             for _ in range(CANDIDATE_RUNS)]
    return statistics.median(costs)


def medians(commands: dict[str, tuple[list[str], dict[str, str] | None]]) -> dict[str, float]:
    """Median seconds of each command over `ROUNDS` rounds in which the commands take turns."""
    for argv, env in commands.values():
        seconds(argv, env)  # warm the file cache
    times: dict[str, list[float]] = {label: [] for label in commands}
    for _ in range(ROUNDS):
        for label, (argv, env) in commands.items():
            times[label].append(seconds(argv, env))
    return {label: statistics.median(runs) for label, runs in times.items()}


def verdict(ratio: float, floor: float) -> str:
    """A ratio next to its floor."""
    return f"{ratio:5.2f}x (floor <= {floor:.2f}x: {'met' if ratio <= floor else 'NOT MET'})"


def start_up(candidates: list[str]) -> None:
    """The start-up figures, and each installed candidate's cost."""
    commands: dict[str, tuple[list[str], dict[str, str] | None]] = {
        "floor": ([sys.executable, "-c", "import pulumi, pulumi_aws"], None),
        "plan": (cli(PLAN), None),
        "plan, pack in its own process": (cli(PLAN), {"ECR_GUARDRAILS_STOCK_SDK": "1"}),
        "--help": (cli(["--help"]), None),
    }
    times = medians(commands)
    floor = times["floor"]
    print(f"ecr-replication start-up, median of {ROUNDS} rounds of fresh processes")
    print(f"  floor: import pulumi, pulumi_aws        {floor * 1000:6.0f} ms")
    print(f"  plan --stack dev                        {times['plan'] * 1000:6.0f} ms  "
          f"{verdict(times['plan'] / floor, PLAN_FLOOR)}")
    print(f"  plan, the pack in its own process       {times['plan, pack in its own process'] * 1000:6.0f} ms  "
          f"{times['plan, pack in its own process'] / floor:5.2f}x the floor (for scale: the path before)")
    print(f"  --help                                  {times['--help'] * 1000:6.0f} ms  "
          f"{times['--help'] / floor:5.2f}x the floor")
    for candidate in candidates:
        if importlib.util.find_spec(candidate.split(".")[0]) is None:
            print(f"  candidate {candidate}: not installed")
            continue
        for command, args in (("--help", ["--help"]), ("plan", PLAN)):
            cost = import_cost(candidate, args)
            print(f"  {command} importing {candidate:<14} +{cost * 1000:5.0f} ms  "
                  f"{verdict((times[command] + cost) / times[command], LIBRARY_FLOOR)}")


def phases() -> None:
    """Where the time of `plan` goes, in-process pack included."""
    runs = []
    for _ in range(PHASE_RUNS):
        output = subprocess.run([sys.executable, "-c", PHASES_SCRIPT, str(ROOT)], check=True, capture_output=True,
                                text=True, cwd=ROOT, env=environment()).stdout
        runs.append(json.loads(output.strip().splitlines()[-1]))
    names = ("import", "evaluate", "policies", "render")
    median = {name: statistics.median(run[name] for run in runs) for name in names}
    total = sum(median.values())
    print(f"phases of plan, dev stack ({int(runs[0]['resources'])} registrations), median of {PHASE_RUNS} processes")
    for name in names:
        print(f"  {name:<20} {median[name] * 1000:8.0f} ms  {median[name] / total:6.1%}")
    print(f"  peak RSS             {max(run['peak_kib'] for run in runs) / 1024:8.0f} MiB")


def main() -> None:
    """Print the start-up figures, then the phases."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--candidate", action="append", default=[], metavar="MODULE",
                        help="a library module to price (e.g. rich.console, tabulate, tqdm, jsonschema)")
    options = parser.parse_args()
    start_up(options.candidate)
    phases()


if __name__ == "__main__":
    main()
