"""Figures for the live commands on a faulty network: the scenarios of ``tests/cli/test_cli_faults.py``, many more runs.

Each command's scenario (``tests/cli/fault_scenarios.py``) runs once without faults for its verdict, then ``--runs``
times through :class:`tests.cli.faults.FaultyAws`, seeds ``--first-seed`` onwards (a run's seed reproduces it; even
seeds on a flaky network, odd ones in a storm). Prints per command and network: runs, requests, faults injected by
kind, outcomes by exit code, how many runs still reached the faultless verdict; then the AWS errors that ended runs,
and every run judged wrong (another verdict, a traceback, an internal error, a half-written file, a permission advised
for a fault, a canary left unmentioned), which should be none. A script, not a test.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from local_aws import local_aws  # noqa: E402 (this folder, on sys.path as the script's own)

from tests.cli.fault_scenarios import FLAKY, SCENARIOS, STORM, Outcome, rates_for, run  # noqa: E402
from tests.cli.faults import FAULT_KINDS, FaultRates  # noqa: E402

NETWORKS = {"flaky": FLAKY, "storm": STORM}


def error_kind(outcome: Outcome) -> str:
    """The AWS error that ended a run, without the run's own names and numbers."""
    line = outcome.error_line.split(": error: ", 1)[-1]
    line = re.sub(r"\b\d{12}\b", "ACCOUNT", line)
    line = re.sub(r"'[^']*'|\"[^\"]*\"", "…", line)
    return line[:120]


def shares(rates: FaultRates) -> str:
    """The rates in words."""
    return ", ".join(f"{kind} {rate:.0%}" for kind, rate in zip(FAULT_KINDS, vars(rates).values()))


def main() -> None:
    """Run every scenario and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=40, help="faulted runs per command, half of them storms (default 40)")
    parser.add_argument("--first-seed", type=int, default=1000, help="seed of the first run (default 1000)")
    parser.add_argument("commands", nargs="*", default=list(SCENARIOS), help="commands to run (default: all)")
    given = parser.parse_args()
    for name, rates in NETWORKS.items():
        print(f"{name}: {shares(rates)} of requests")
    print("botocore standard retries (3 attempts), backoff x0.01")
    wrong: list[str] = []
    with local_aws("us-east-1") as moto:
        os.environ.update(AWS_CONFIG_FILE="/nonexistent", AWS_SHARED_CREDENTIALS_FILE="/nonexistent")
        for command in given.commands:
            scenario = SCENARIOS[command]
            started = time.perf_counter()
            with tempfile.TemporaryDirectory() as folder:
                baseline = run(scenario, moto, Path(folder), None)
            tally = {name: {"runs": 0, "requests": 0, "faults": Counter(), "codes": Counter(), "same": 0}
                     for name in NETWORKS}
            errors: Counter[str] = Counter()
            for seed in range(given.first_seed, given.first_seed + given.runs):
                with tempfile.TemporaryDirectory() as folder:
                    outcome = run(scenario, moto, Path(folder), seed)
                counts = tally["flaky" if rates_for(seed) is FLAKY else "storm"]
                counts["runs"] += 1
                counts["requests"] += outcome.requests
                counts["faults"].update(outcome.injected)
                counts["codes"][outcome.code] += 1
                counts["same"] += scenario.same_verdict(baseline, outcome)
                if outcome.code == 2:
                    errors[error_kind(outcome)] += 1
                wrong += [f"{command} seed {seed}: {problem}" for problem in scenario.judge(baseline, outcome)]
            print(f"\n{command}: faultless exit {baseline.code} ({baseline.requests} requests); {given.runs} runs in "
                  f"{time.perf_counter() - started:.0f} s")
            for name, counts in tally.items():
                faults = counts["faults"]
                print(f"  {name}: {counts['runs']} runs, {counts['requests']} requests, {sum(faults.values())} faults ("
                      + ", ".join(f"{kind} {faults[kind]}" for kind in FAULT_KINDS) + "); exit "
                      + ", ".join(f"{code}: {n}" for code, n in sorted(counts["codes"].items()))
                      + f"; faultless verdict reached {counts['same']}")
            for kind, n in errors.most_common():
                print(f"  exit 2 x{n}: {kind}")
    print(f"\nruns judged wrong: {len(wrong)}")
    for line in wrong:
        print(f"  {line}")


if __name__ == "__main__":
    main()
