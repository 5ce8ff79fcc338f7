"""Wall time and peak memory of `ecr-replication plan` on the bundled dev stack, split into phases.

Each run happens in a fresh Python process (imports are part of what a user waits for): importing the modules,
evaluating the program under mocks, running the policy pack (its own process: start, protocol, stop), and
rendering. Prints the median of several runs and each phase's share, so we know what to cut, and the wall time of
the real command, which overlaps the pack's start with the program's evaluation.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUNS = 5

PHASES_SCRIPT = r"""
import json, resource, sys, time
from pathlib import Path
started = time.perf_counter()
import pulumi, pulumi_aws
from replication.preview.runner import run_program_file
from replication.preview.analyzer import PolicyPackServer, stack_resources
from replication.preview.report import build_report, render_text
from replication.preview.stack_files import load_stack
imported = time.perf_counter()
files = load_stack(Path(sys.argv[1]), "dev")
run = run_program_file(files.program, files.project, files.stack, files.config, files.secret_keys)
evaluated = time.perf_counter()
with PolicyPackServer(Path(sys.argv[1]) / "policies") as pack:
    diagnostics = pack.preview(stack_resources(run.resources))
judged = time.perf_counter()
render_text(build_report(files.project, files.stack, run, diagnostics))
rendered = time.perf_counter()
print(json.dumps({
    "import": imported - started, "evaluate": evaluated - imported, "policies": judged - evaluated,
    "render": rendered - judged, "resources": len(run.resources),
    "peak_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
    "pack_peak_kib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
}))
"""


def one_run() -> dict[str, float]:
    output = subprocess.run(
        [sys.executable, "-c", PHASES_SCRIPT, str(ROOT)], check=True, capture_output=True, text=True, cwd=ROOT
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def command_seconds() -> float:
    """Wall time of the real command, which starts the pack while the program is evaluated."""
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "replication.cli.main", "plan", "--stack", "dev"], check=True, capture_output=True, cwd=ROOT
    )
    return time.perf_counter() - started


def main() -> None:
    runs = [one_run() for _ in range(RUNS)]
    command = statistics.median(command_seconds() for _ in range(RUNS))
    phases = ("import", "evaluate", "policies", "render")
    medians = {phase: statistics.median(run[phase] for run in runs) for phase in phases}
    total = sum(medians.values())
    print(f"ecr-replication plan, dev stack ({int(runs[0]['resources'])} registrations), median of {RUNS} fresh processes")
    print(f"  wall time            {total * 1000:8.0f} ms")
    for phase in phases:
        print(f"  {phase:<20} {medians[phase] * 1000:8.0f} ms  {medians[phase] / total:6.1%}")
    print(f"  the command itself   {command * 1000:8.0f} ms  (pack started alongside evaluation: {command / total:.2f}x the sum)")
    print(f"  peak RSS, plan       {max(r['peak_kib'] for r in runs) / 1024:8.0f} MiB")
    print(f"  peak RSS, pack       {max(r['pack_peak_kib'] for r in runs) / 1024:8.0f} MiB")


if __name__ == "__main__":
    main()
