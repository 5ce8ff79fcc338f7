"""Every live command on a faulty network: server errors, throttling and dropped connections between the CLI and AWS.

Each command's scenario (``tests/cli/fault_scenarios.py``) runs once without faults, and that run is checked to give
the verdict the setup calls for; then a few seeded runs go through :class:`tests.cli.faults.FaultyAws`, on a flaky
network (even seeds: a quarter of the calls faulted, nearly all retried to success) or in a storm (odd seeds: 60%,
so calls fail for good), and each must end with the same verdict or a weaker honest one (not checked, not verified,
an AWS error), never another verdict, a traceback or a half-written stack file. ``benchmarks/bench_faults.py`` runs the
same scenarios many more times and prints the figures. A failing run's seed reproduces it:
``fault_scenarios.run(SCENARIOS[command], moto, folder, seed)``.

The proxy's own behaviour is pinned first: each fault reaches botocore as AWS's would, and the draw depends on the
request, not on the order requests arrive in.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
import botocore.exceptions
import pytest
from botocore.config import Config

from tests.cli.conftest import DEST_A, DEST_B, REGION, SOURCE
from tests.cli.fault_scenarios import SCENARIOS, Outcome, run
from tests.cli.faults import (DROPPED_AFTER, DROPPED_BEFORE, FAULT_KINDS, SERVER_ERROR, THROTTLED, FaultRates,
                              FaultyAws, retries_without_long_waits)

WEST, EU = "us-west-2", "eu-west-1"

MIN_RUNS = {"status": 4, "status-wait": 3, "check": 3, "verify": 3, "backfill": 4, "import": 3}
MAX_RUNS = 12
"""Faulted runs per command in ``make test``: at least ``MIN_RUNS``, and more (seeds 0, 1, 2...) until the command
has met every kind of fault and a faulted run has reached the faultless verdict, at most ``MAX_RUNS``: about a minute
in all on a shared 2-core machine (``check``, ``verify`` and ``import`` cost most per run).
``benchmarks/bench_faults.py`` runs many more."""


def faultless_verdict_status(document: dict[str, Any]) -> None:
    """One image FAILED in one destination, one IN_PROGRESS, the others COMPLETE."""
    cells = {(i["repositoryName"], i["imageTags"][0], d["registryId"]): (d["status"], d["failureCode"])
             for i in document["images"] for d in i["destinations"]}
    assert document["result"] == "FAILED"
    assert cells[("prod/web", "v3", DEST_B)] == ("FAILED", "REPLICATION_PERMISSION_DENIED")
    assert cells[("prod/api", "v3", DEST_B)] == ("NOT_STARTED", None)
    assert cells[("prod/api", "v3", DEST_A)] == ("IN_PROGRESS", None)
    assert sum(state == ("COMPLETE", None) for state in cells.values()) == 5


def faultless_verdict_status_wait(document: dict[str, Any]) -> None:
    """Every image COMPLETE in both destinations once --wait has seen replication through."""
    assert document["result"] == "COMPLETE"
    assert [(i["repositoryName"], i["imageTags"][0]) for i in document["images"]] == [
        ("prod/api", "v2"), ("prod/api", "v1"), ("prod/web", "v2"), ("prod/web", "v1")]
    assert {d["status"] for i in document["images"] for d in i["destinations"]} == {"COMPLETE"}


def faultless_verdict_check(document: dict[str, Any]) -> None:
    """Every registry read; DEST_B's policy lacks CreateRepository, DEST_A's is right."""
    assert document["notChecked"] == [] and document["healthy"] is False
    assert {f["where"] for f in document["findings"]} == {f"registry {DEST_B}/{WEST}"}
    assert all("ecr:CreateRepository" in f["problem"] for f in document["findings"])


def faultless_verdict_verify(document: dict[str, Any]) -> None:
    """DEST_A verified with every declared setting as the plan says; DEST_B FAILED."""
    [canary] = document["canaries"]
    found = {d["registry"]: d for d in canary["destinations"]}
    assert found[f"{DEST_A}/{WEST}"]["result"] == "VERIFIED"
    assert {s["state"] for s in found[f"{DEST_A}/{WEST}"]["settings"]} == {"ok"}
    assert (found[f"{DEST_B}/{EU}"]["result"], found[f"{DEST_B}/{EU}"]["failureCode"]) == (
        "FAILED", "REPLICATION_PERMISSION_DENIED")


def faultless_verdict_backfill(document: dict[str, Any]) -> None:
    """Three backfills, DEST_B's with one failed image."""
    assert sorted((b["destination"]["registryId"], b["destination"]["region"], b["result"])
                  for b in document["backfills"]) == [
        (DEST_A, EU, "COMPLETE"), (DEST_A, WEST, "COMPLETE"), (DEST_B, WEST, "FAILED (1 of 2 images)")]


def faultless_verdict_import(document: dict[str, Any]) -> None:
    """Written, adopting the replication configuration, DEST_A's policy, templates and scanning configuration."""
    assert document["written"] is True and document["notRead"] == [] and document["refused"] == []
    assert {r["importId"] for r in document["resources"]} == {
        f"{SOURCE}@{REGION}", f"{DEST_A}@{WEST}", f"prod@{WEST}", f"shared@{WEST}"}


FAULTLESS: dict[str, Callable[[dict[str, Any]], None]] = {
    "status": faultless_verdict_status, "status-wait": faultless_verdict_status_wait,
    "check": faultless_verdict_check, "verify": faultless_verdict_verify,
    "backfill": faultless_verdict_backfill, "import": faultless_verdict_import}
"""What each scenario's faultless run must say: the verdict faulted runs are judged against."""

EXIT = {"status": 1, "status-wait": 0, "check": 1, "verify": 1, "backfill": 1, "import": 0}
"""The exit code of each faultless run."""


@pytest.mark.parametrize("command", list(SCENARIOS))
def test_every_run_ends_with_the_faultless_verdict_or_an_honest_weaker_one(
        command: str, aws_env: str, tmp_path: Path) -> None:
    scenario = SCENARIOS[command]
    (tmp_path / "faultless").mkdir()
    baseline = run(scenario, aws_env, tmp_path / "faultless", None)
    assert (baseline.code, sum(baseline.injected.values())) == (EXIT[command], 0), baseline
    FAULTLESS[command](baseline.document)
    outcomes: list[Outcome] = []
    injected: Counter[str] = Counter()
    reached = 0
    """Faulted runs that reached the faultless verdict all the same (their calls retried to success)."""
    for seed in range(MAX_RUNS):
        if seed >= MIN_RUNS[command] and set(injected) == set(FAULT_KINDS) and reached:
            break
        (tmp_path / str(seed)).mkdir()
        outcome = run(scenario, aws_env, tmp_path / str(seed), seed)
        assert not scenario.judge(baseline, outcome), f"{scenario.judge(baseline, outcome)}\n{outcome}"
        outcomes.append(outcome)
        injected.update(outcome.injected)
        reached += bool(outcome.injected) and scenario.same_verdict(baseline, outcome)
    assert set(injected) == set(FAULT_KINDS), f"not every kind of fault was injected: {dict(injected)}"
    assert reached, "no faulted run reached the faultless verdict"


# The proxy itself.


def ecr_through(proxy: FaultyAws) -> Any:
    """An ECR client of the source account through ``proxy``, one attempt per call (the fault shows as is)."""
    return boto3.client("ecr", region_name=REGION, endpoint_url=proxy.endpoint,
                        config=Config(retries={"mode": "standard", "total_max_attempts": 1}))


def only(kind: str) -> FaultRates:
    """Every request meets ``kind``."""
    return FaultRates(**{kind.replace("-", "_"): 1.0})


@pytest.mark.parametrize("kind, error", [
    (SERVER_ERROR, "ServerException"), (THROTTLED, "Throttl"), (DROPPED_BEFORE, None), (DROPPED_AFTER, None)])
def test_each_fault_reaches_botocore_as_aws_would(aws_env: str, kind: str, error: str | None) -> None:
    """An error answer is the service's error (a 500 ServerException; throttling as ThrottlingException or a 429
    ThrottleException); a drop is a closed connection, and only a drop after the request was passed on has acted:
    here, created the repository."""
    with FaultyAws(aws_env, seed=7, rates=only(kind)) as proxy:
        with pytest.raises(botocore.exceptions.ClientError if error else botocore.exceptions.ConnectionClosedError) as raised:
            ecr_through(proxy).create_repository(repositoryName="prod/api")
    if error:
        assert error in raised.value.response["Error"]["Code"]
        status = raised.value.response["ResponseMetadata"]["HTTPStatusCode"]
        assert status in ((500,) if kind == SERVER_ERROR else (400, 429))
    created = [r["repositoryName"] for r in boto3.client("ecr", region_name=REGION).describe_repositories()["repositories"]]
    assert created == (["prod/api"] if kind == DROPPED_AFTER else [])
    assert proxy.injected == {kind: 1} and proxy.requests == 1


def test_botocore_retries_every_kind_of_fault(aws_env: str) -> None:
    """Standard retries (3 attempts) make another attempt after each fault: every faulted request is followed by
    another one unless it was a call's third, and calls succeed after a fault."""
    for kind in FAULT_KINDS:
        exhausted = 0
        with FaultyAws(aws_env, seed=3, rates=FaultRates(**{kind.replace("-", "_"): 0.4})) as proxy, \
                retries_without_long_waits():
            ecr = boto3.client("ecr", region_name=REGION, endpoint_url=proxy.endpoint,
                               config=Config(retries={"mode": "standard"}))
            for name in [f"prod/r{n}" for n in range(12)]:
                try:
                    ecr.describe_repositories(repositoryNames=[name])
                except ecr.exceptions.RepositoryNotFoundException:
                    pass
                except (botocore.exceptions.ClientError, botocore.exceptions.ConnectionClosedError):
                    exhausted += 1
        assert proxy.injected[kind] > exhausted * 3, kind
        assert proxy.requests == 12 + proxy.injected[kind] - exhausted, kind


def test_the_faults_depend_on_the_seed_and_the_request_not_the_order(aws_env: str) -> None:
    """The same requests in another order meet the same faults (a thread pool's order varies); another seed, others."""
    def faulted(seed: int, names: list[str]) -> set[str]:
        hit = set()
        with FaultyAws(aws_env, seed=seed, rates=FaultRates(server_error=0.5)) as proxy:
            ecr = ecr_through(proxy)
            for name in names:
                try:
                    ecr.describe_repositories(repositoryNames=[name])
                except ecr.exceptions.RepositoryNotFoundException:
                    pass
                except botocore.exceptions.ClientError:
                    hit.add(name)
        return hit

    names = [f"prod/r{n}" for n in range(16)]
    first = faulted(11, names)
    assert 0 < len(first) < len(names)
    assert faulted(11, names[::-1]) == first
    assert faulted(12, names) != first


def test_the_doubles_answer_from_behind_the_proxy_for_the_callers_registry(aws_env: str) -> None:
    """A double answers an operation moto lacks with the account of the caller's credentials (learnt from the
    AssumeRole that issued them) and the region it called."""
    from tests.cli.fakes import CreationTemplates

    templates = CreationTemplates({(DEST_A, WEST): [{"prefix": "prod", "appliedFor": ["REPLICATION"]}]})
    with FaultyAws(aws_env, stand_ins={templates.OPERATION: lambda caller, params: templates.answer(
            (caller.account_id or "", caller.region), params)}, accounts={"testing": SOURCE}) as proxy:
        issued = boto3.client("sts", region_name=REGION, endpoint_url=proxy.endpoint).assume_role(
            RoleArn=f"arn:aws:iam::{DEST_A}:role/reader", RoleSessionName="tests")["Credentials"]
        destination = boto3.client("ecr", region_name=WEST, endpoint_url=proxy.endpoint,
                                   aws_access_key_id=issued["AccessKeyId"],
                                   aws_secret_access_key=issued["SecretAccessKey"],
                                   aws_session_token=issued["SessionToken"])
        source = boto3.client("ecr", region_name=WEST, endpoint_url=proxy.endpoint)
        assert [t["prefix"] for t in destination.describe_repository_creation_templates()[
            "repositoryCreationTemplates"]] == ["prod"]
        assert source.describe_repository_creation_templates()["registryId"] == SOURCE
        assert source.describe_repository_creation_templates()["repositoryCreationTemplates"] == []
