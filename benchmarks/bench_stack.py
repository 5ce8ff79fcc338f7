"""What `--stack` adds to a live command's start-up: `check` and `backfill --dry-run` with `--stack NAME` against the
same command with `--expected FILE` and the same credentials given as options, next to the plan's own cost.

A moto server on 127.0.0.1 holds a stack as `pulumi up` leaves it: a copy of the bundled project whose stack
`bench` names moto's accounts (source 123456789012 through the profile `ecr-source`, destination 222222222222 through
a role assumed from the profile `ecr-destination`), its plan's replication configuration, registry policy and the
service-linked role, and images in two repositories. Every figure is a fresh process, as a user runs the command;
the commands take turns in each round and the median of the rounds counts (bytecode cached, as in bench_plan.py):

- an interpreter alone (`python -c pass`);
- `ecr-replication plan --stack bench --no-policies`: the plan's own cost is its time beyond the interpreter's, the
  evaluation `--stack` makes (the policy pack is plan's alone);
- `check` with `--expected plan.json --profile ... --destination-profile ... --destination-role-arn ...`, and
  `backfill --dry-run` with `--profile ... --region ...` (backfill compares with nothing), each against the same
  command with `--stack bench` alone: the same AWS calls with the same credentials.

The floor (issue 21): what `--stack` adds, the difference of the two, is at most the plan's own cost, in wall
time and in CPU time (which moves less with the load of a shared machine). Run:
`python benchmarks/bench_stack.py [--rounds 15]`. A script, not a test.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import boto3

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench_plan import ROOT, cli, environment  # noqa: E402 (this folder, on sys.path as the script's own)
from local_aws import local_aws  # noqa: E402
from tests.cli.fakes import create_replication_role  # noqa: E402

from replication.cli.stack_plan import evaluated_stack  # noqa: E402

SOURCE, DESTINATION, REGION, WEST = "123456789012", "222222222222", "us-east-1", "us-west-2"
ROLE = f"arn:aws:iam::{DESTINATION}:role/ecr-replication-reader"
STACK = f"""config:
  pulumi:disable-default-providers: [aws]
  ecr-replication:source:
    accountId: "{SOURCE}"
    region: {REGION}
    profile: ecr-source
  ecr-replication:destinations:
    - accountId: "{DESTINATION}"
      regions: [{WEST}]
      profile: ecr-destination
      roleArn: {ROLE}
    - accountId: "{SOURCE}"
      regions: [eu-west-1]
  ecr-replication:repositoryPrefixes: [prod/]
"""
"""The stack `bench`: the bundled stack's shape, in moto's accounts."""

AWS_CONFIG = """[profile ecr-source]
aws_access_key_id = AKIAIOSFODNN7SOURCE1
aws_secret_access_key = bench
[profile ecr-destination]
aws_access_key_id = AKIAIOSFODNN7DESTIN1
aws_secret_access_key = bench
region = us-west-2
"""

FLOOR = 1.0
"""What --stack adds, at most, as a share of the plan's own cost."""


def timed(argv: list[str]) -> tuple[float, float]:
    """Wall and CPU (user and system) seconds of one fresh process. On a shared machine the CPU time moves less
    with the other processes' load than the wall time; moto, which answers in this process, counts in neither."""
    before, started = resource.getrusage(resource.RUSAGE_CHILDREN), time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT, env=environment())
    wall, after = time.perf_counter() - started, resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime


def project(folder: Path) -> Path:
    """A copy of the bundled project (its program, the project file) with the stack `bench`."""
    folder.mkdir()
    for name in ("Pulumi.yaml", "__main__.py"):
        shutil.copy(ROOT / name, folder / name)
    (folder / "Pulumi.bench.yaml").write_text(STACK)
    return folder


def deploy(plan: dict, session: boto3.Session) -> None:
    """What `pulumi up` leaves in moto, and two repositories with images for backfill to count."""
    ecr = session.client("ecr")
    ecr.put_replication_configuration(replicationConfiguration=plan["replicationConfiguration"])
    issued = session.client("sts").assume_role(RoleArn=ROLE, RoleSessionName="bench")["Credentials"]
    destination = boto3.Session(aws_access_key_id=issued["AccessKeyId"], aws_secret_access_key=issued["SecretAccessKey"],
                                aws_session_token=issued["SessionToken"], region_name=WEST)
    [policy] = plan["outputs"]["registryPolicies"].values()
    destination.client("ecr").put_registry_policy(policyText=policy)
    create_replication_role(session.client("iam"))
    for number, repository in enumerate(("prod/api", "prod/web"), start=1):
        ecr.create_repository(repositoryName=repository)
        digest = f"sha256:{number:064x}"
        manifest = {"schemaVersion": 2, "mediaType": "application/vnd.docker.distribution.manifest.v2+json", "layers": [],
                    "config": {"mediaType": "application/vnd.docker.container.image.v1+json", "size": 1, "digest": digest}}
        ecr.put_image(repositoryName=repository, imageManifest=json.dumps(manifest), imageDigest=digest, imageTag="v1")


def main() -> None:
    """Print the medians, what --stack adds per command, and that against the plan's own cost."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=15, help="rounds of fresh processes (default 15)")
    rounds = parser.parse_args().rounds
    with tempfile.TemporaryDirectory() as scratch, local_aws(REGION):
        folder = project(Path(scratch) / "project")
        plan = evaluated_stack(folder, "bench").document
        deploy(plan, boto3.Session(region_name=REGION))
        expected = Path(scratch) / "plan.json"
        expected.write_text(json.dumps(plan))
        config = Path(scratch) / "aws-config"
        config.write_text(AWS_CONFIG)
        os.environ["AWS_CONFIG_FILE"] = str(config)
        for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_DEFAULT_REGION"):
            os.environ.pop(name)
        options = ["--profile", "ecr-source", "--destination-profile", f"{DESTINATION}=ecr-destination",
                   "--destination-role-arn", f"{DESTINATION}={ROLE}"]
        stack = ["--stack", "bench", "--cwd", str(folder)]
        commands = {
            "interpreter": [sys.executable, "-c", "pass"],
            "plan": cli(["plan", *stack, "--no-policies"]),
            "check --expected": cli(["check", "--expected", str(expected), *options]),
            "check --stack": cli(["check", *stack]),
            "backfill, options": cli(["backfill", "--dry-run", "--profile", "ecr-source", "--region", REGION]),
            "backfill --stack": cli(["backfill", "--dry-run", *stack]),
        }
        for argv in commands.values():
            timed(argv)  # warm the file cache (and check that every command succeeds)
        times: dict[str, list[tuple[float, float]]] = {label: [] for label in commands}
        for _ in range(rounds):
            for label, argv in commands.items():
                times[label].append(timed(argv))
    print(f"--stack on the live commands, median of {rounds} rounds of fresh processes (moto on 127.0.0.1)")
    for kind, index in (("wall", 0), ("CPU", 1)):
        median = {label: statistics.median(run[index] for run in runs) for label, runs in times.items()}
        own = median["plan"] - median["interpreter"]
        print(f"  {kind} time: " + ", ".join(f"{label} {value * 1000:.0f} ms" for label, value in median.items()))
        print(f"    the plan's own cost (plan - interpreter): {own * 1000:.0f} ms")
        for command, without in (("check", "check --expected"), ("backfill", "backfill, options")):
            added = median[f"{command} --stack"] - median[without]
            verdict = "met" if added <= FLOOR * own else "NOT MET"
            print(f"    {command}: --stack adds {added * 1000:4.0f} ms = {added / own:4.2f}x the plan's own cost "
                  f"(floor <= {FLOOR:.2f}x: {verdict})")


if __name__ == "__main__":
    main()
