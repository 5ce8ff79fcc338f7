"""Cost of the EcrReplication component versus the same resources declared by hand, under Pulumi mocks.

The largest legal configuration: 25 destination registries (5 accounts x 5 regions), 10 rules (pulumi-aws's limit,
``limits.MAX_RULES``; 2 or 3 registries each), 100 prefixes per rule. Both programs run in this one process, alternately, several times; the medians are compared.
Target: the component costs at most 1.3x the hand-written declarations.
"""

from __future__ import annotations

import json
import statistics
import time
import tracemalloc
from collections.abc import Callable

import pulumi
import pulumi_aws as aws

from replication import EcrReplication, EcrReplicationArgs, ReplicationDestinationArgs, limits
from replication.preview.runner import run_offline

SOURCE = "100000000000"
ACCOUNTS = [f"2000000000{i:02}" for i in range(5)]
REGIONS = ["us-west-2", "eu-west-1", "eu-central-1", "ap-south-1", "sa-east-1"]
RUNS = 15


def prefixes(rule: int) -> list[str]:
    return [f"team{rule}/svc{i:03}" for i in range(100)]


def rule_of(account_index: int, region_index: int) -> int:
    """The 25 registries share the 10 prefix sets in turn: one rule per prefix set."""
    return (account_index * len(REGIONS) + region_index) % limits.MAX_RULES


def providers() -> tuple[aws.Provider, list[aws.Provider]]:
    source = aws.Provider("source", region="us-east-1", allowed_account_ids=[SOURCE])
    return source, [aws.Provider(f"dest-{a}", region=REGIONS[0], allowed_account_ids=[a]) for a in ACCOUNTS]


def with_component() -> None:
    source, destinations = providers()
    EcrReplication(
        "images",
        EcrReplicationArgs(
            source_provider=source,
            source_account_id=SOURCE,
            source_region="us-east-1",
            destinations=[
                ReplicationDestinationArgs(
                    provider=destinations[a],
                    account_id=account,
                    regions=[region],
                    repository_prefixes=prefixes(rule_of(a, r)),
                )
                for a, account in enumerate(ACCOUNTS)
                for r, region in enumerate(REGIONS)
            ],
        ),
    )


def by_hand() -> None:
    source, destinations = providers()
    policies = []
    rules: dict[int, list[dict[str, str]]] = {}
    for a, account in enumerate(ACCOUNTS):
        for r, region in enumerate(REGIONS):
            rule = rule_of(a, r)
            rules.setdefault(rule, []).append({"region": region, "registry_id": account})
            document = {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Sid": "Replication",
                        "Effect": "Allow",
                        "Principal": {"AWS": f"arn:aws:iam::{SOURCE}:root"},
                        "Action": ["ecr:CreateRepository", "ecr:ReplicateImage"],
                        "Resource": [f"arn:aws:ecr:{region}:{account}:repository/{p}*" for p in prefixes(rule)],
                    }
                ],
            }
            policies.append(
                aws.ecr.RegistryPolicy(
                    f"policy-{account}-{region}",
                    policy=json.dumps(document),
                    region=region,
                    opts=pulumi.ResourceOptions(provider=destinations[a]),
                )
            )
    aws.ecr.ReplicationConfiguration(
        "replication",
        region="us-east-1",
        replication_configuration={
            "rules": [
                {
                    "destinations": destinations_,
                    "repository_filters": [{"filter": p, "filter_type": "PREFIX_MATCH"} for p in prefixes(rule)],
                }
                for rule, destinations_ in sorted(rules.items())
            ]
        },
        opts=pulumi.ResourceOptions(provider=source, depends_on=policies),
    )


def wall_time(program: Callable[[], None]) -> tuple[float, int]:
    """Wall seconds and resources registered for one run."""
    started = time.perf_counter()
    run = run_offline(program)
    return time.perf_counter() - started, len(run.resources)


def peak_memory(program: Callable[[], None]) -> int:
    """Peak bytes allocated by Python during one run (traced separately: tracing slows the run)."""
    tracemalloc.start()
    run_offline(program)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak


def main() -> None:
    programs = {"component": with_component, "by hand": by_hand}
    wall_time(by_hand)  # warm imports and caches for both
    times: dict[str, list[float]] = {label: [] for label in programs}
    counts: dict[str, int] = {}
    for _ in range(RUNS):
        for label, program in programs.items():
            seconds, counts[label] = wall_time(program)
            times[label].append(seconds)
    peaks = {label: peak_memory(program) for label, program in programs.items()}
    for label in times:
        print(
            f"{label:>10}: median {statistics.median(times[label]) * 1000:7.1f} ms over {RUNS} runs, "
            f"peak {peaks[label] / 2**20:5.1f} MiB traced, {counts[label]} resources"
        )
    ratio = statistics.median(times["component"]) / statistics.median(times["by hand"])
    memory_ratio = peaks["component"] / peaks["by hand"]
    print(f"time ratio component/by hand: {ratio:.2f}x (target <= 1.30x); peak memory ratio: {memory_ratio:.2f}x")


if __name__ == "__main__":
    main()
