"""Benchmark ``check`` and ``import`` at 1 and at 25 destination accounts: 25 accounts should cost about what one
does (issue 20).

A moto server on 127.0.0.1 holds a source registry replicating ``prod/`` to N destination accounts (us-west-2),
each with a registry policy granting the source, and the source's service-linked role. Every API call the CLI
makes waits a fixed 50 ms before it is sent, like a real round trip. moto has no repository creation templates:
``import`` gets an empty template list from :class:`tests.cli.fakes.CreationTemplates` after the same wait.

Each run is the CLI in a fresh Python process (``check --expected`` / ``import --stack``, each destination read
through ``--destination-role-arn``): the command's wall time from inside that process (not the interpreter's
start-up), and its peak memory (``VmHWM``, the resident set's high-water mark). Prints every run, then the ratios
at 25 against 1 next to their targets (check <= 2.5x, import <= 3x, memory <= 1.5x). A script, not a test.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import boto3

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from local_aws import local_aws  # noqa: E402 (this folder, on sys.path as the script's own)
from tests.cli.fakes import create_replication_role  # noqa: E402

REGION, DESTINATION_REGION, SOURCE = "us-east-1", "us-west-2", "123456789012"
PREFIX = "prod/"
TARGETS = {"check": 2.5, "import": 3.0, "memory": 1.5}
"""Issue 20's ceilings for the ratio of 25 destination accounts to 1."""


def accounts(count: int) -> list[str]:
    """The destination accounts of a run with ``count`` of them."""
    return [f"{210000000000 + n}" for n in range(count)]


def seed(count: int) -> None:
    """The service-linked role, and a registry policy granting the source in each of ``count`` destination
    accounts (kept between runs)."""
    iam = boto3.client("iam", region_name=REGION)
    try:
        create_replication_role(iam)
    except iam.exceptions.EntityAlreadyExistsException:
        pass
    sts = boto3.client("sts", region_name=REGION)
    for account in accounts(count):
        issued = sts.assume_role(RoleArn=f"arn:aws:iam::{account}:role/admin", RoleSessionName="bench")["Credentials"]
        boto3.client("ecr", region_name=DESTINATION_REGION, aws_access_key_id=issued["AccessKeyId"],
                     aws_secret_access_key=issued["SecretAccessKey"], aws_session_token=issued["SessionToken"],
                     ).put_registry_policy(policyText=json.dumps({"Version": "2012-10-17", "Statement": [{
                         "Sid": "Replication", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{SOURCE}:root"},
                         "Action": ["ecr:CreateRepository", "ecr:ReplicateImage"],
                         "Resource": f"arn:aws:ecr:{DESTINATION_REGION}:{account}:repository/{PREFIX}*"}]}))


def replicate(count: int) -> None:
    """The source's one rule: ``prod/`` to ``count`` destination accounts."""
    boto3.client("ecr", region_name=REGION).put_replication_configuration(replicationConfiguration={"rules": [{
        "destinations": [{"region": DESTINATION_REGION, "registryId": a} for a in accounts(count)],
        "repositoryFilters": [{"filter": PREFIX, "filterType": "PREFIX_MATCH"}]}]})


def expected_file(folder: Path, count: int) -> Path:
    """What ``check --expected`` compares with: the same rule, the source registry and region."""
    path = folder / f"expected-{count}.json"
    path.write_text(json.dumps({"sourceRegistryId": SOURCE, "sourceRegion": REGION, "replicationConfiguration": {
        "rules": [{"destinations": [{"region": DESTINATION_REGION, "registryId": a} for a in accounts(count)],
                   "repositoryFilters": [{"filter": PREFIX, "filterType": "PREFIX_MATCH"}]}]}}))
    return path


def command_line(command: str, count: int, folder: Path) -> list[str]:
    """The CLI's arguments for one run."""
    roles = [option for a in accounts(count) for option in ("--destination-role-arn", f"{a}=arn:aws:iam::{a}:role/reader")]
    if command == "check":
        return ["check", "--expected", str(expected_file(folder, count)), "--json", *roles]
    project = folder / f"project-{count}"
    return ["import", "--stack", "bench", "--cwd", str(project), "--force", "--json", *roles]


def child(latency: float, argv: list[str]) -> None:
    """In the measured process: run the CLI with ``latency`` on every call; print seconds, peak MiB, exit code."""
    import contextlib
    import io

    from replication.cli.main import main
    from tests.cli.fakes import CreationTemplates, HookedSession, Latency

    hooks = [Latency(latency).hook, CreationTemplates(latency=latency).hook]
    started = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()) as out, contextlib.redirect_stderr(io.StringIO()) as err:
        code = main(argv, session_factory=lambda **kwargs: HookedSession(hooks, **kwargs))
    elapsed = time.perf_counter() - started
    peak = next(int(line.split()[1]) for line in Path("/proc/self/status").read_text().splitlines()
                if line.startswith("VmHWM:"))
    print(json.dumps({"seconds": elapsed, "peakMiB": peak / 1024, "code": code,
                      "stderr": err.getvalue()[-400:], "stdout": out.getvalue()[-400:]}))


def measure(command: str, count: int, latency: float, folder: Path) -> dict[str, Any]:
    """One run of ``command`` against ``count`` destination accounts, in its own process."""
    script = Path(__file__).resolve()
    argv = command_line(command, count, folder)
    done = subprocess.run([sys.executable, str(script), "--child", str(latency), "--", *argv],
                          capture_output=True, text=True, check=True, env=os.environ.copy())
    figures = json.loads(done.stdout.splitlines()[-1])
    if figures["code"] != 0:
        raise SystemExit(f"{command} with {count} account(s) exited {figures['code']}: {figures['stderr']} "
                         f"{figures['stdout']}")
    return figures


def main() -> None:
    """Start moto, run both commands at each account count, print the figures and the ratios."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--latency", type=float, default=0.05, help="seconds added to every API call")
    parser.add_argument("--rounds", type=int, default=3, help="runs per figure, interleaved (the fastest counts)")
    parser.add_argument("--child", type=float, help=argparse.SUPPRESS)
    parser.add_argument("argv", nargs="*", help=argparse.SUPPRESS)
    given = parser.parse_args()
    if given.child is not None:
        child(given.child, given.argv)
        return
    counts = (1, 25)
    with local_aws(REGION), tempfile.TemporaryDirectory(prefix="bench-accounts-") as scratch:
        folder = Path(scratch)
        seed(max(counts))
        print(f"check and import against 1 and {counts[-1]} destination accounts, {given.latency * 1000:.0f} ms on "
              f"every API call, each run the CLI in its own process; {given.rounds} round(s), interleaved, the "
              "fastest counts")
        runs: dict[tuple[str, int], list[dict[str, Any]]] = {}
        for _ in range(given.rounds):
            for count in counts:
                replicate(count)
                for command in ("check", "import"):
                    runs.setdefault((command, count), []).append(measure(command, count, given.latency, folder))
        results = {key: {"seconds": min(r["seconds"] for r in found), "peakMiB": max(r["peakMiB"] for r in found)}
                   for key, found in runs.items()}
        for (command, count), figures in results.items():
            print(f"{command:>7} {count:>3} account(s): {figures['seconds']:6.2f} s, peak {figures['peakMiB']:6.0f} MiB")
        for command in ("check", "import"):
            time_ratio = results[(command, counts[-1])]["seconds"] / results[(command, counts[0])]["seconds"]
            memory_ratio = results[(command, counts[-1])]["peakMiB"] / results[(command, counts[0])]["peakMiB"]
            print(f"{command}: {counts[-1]} accounts / 1: time {time_ratio:.2f}x (target <= {TARGETS[command]}x: "
                  f"{'met' if time_ratio <= TARGETS[command] else 'NOT MET'}), peak memory {memory_ratio:.2f}x "
                  f"(target <= {TARGETS['memory']}x: {'met' if memory_ratio <= TARGETS['memory'] else 'NOT MET'})")

if __name__ == "__main__":
    main()
