"""The issue's stack: 25 replication destinations and pull-through spokes in further accounts and regions, written by
the stack writer and planned offline by `ecr-replication plan` with the guardrails: it plans clean."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

import pytest

from replication.stack.writer import stack_file_text
from tests.component.helpers import DESTINATION_REGIONS
from replication.cli.main import main
from tests.preview.test_plan_command import ROOT
from tests.preview.test_stack_files import program

DESTINATION_ACCOUNTS = [f"2000000000{i:02}" for i in range(5)]
SPOKE_ACCOUNTS = [f"4000000000{i:02}" for i in range(3)]
DESTINATION_REGIONS_USED = DESTINATION_REGIONS[:5]
SPOKE_REGIONS = DESTINATION_REGIONS[5:9]


def kms_keys(account: str, regions: list[str]) -> dict[str, str]:
    """A KMS key of ``account`` in each region."""
    return {region: f"arn:aws:kms:{region}:{account}:key/1234abcd" for region in regions}


def hardened(account: str, regions: list[str]) -> dict[str, object]:
    """What the guardrails ask of replicated repositories (KMS keys, immutable tags, scan on push)."""
    return {"encryptionType": "KMS", "kmsKeys": kms_keys(account, regions)}


def big_stack() -> dict[str, object]:
    destinations = [{"accountId": account, "regions": DESTINATION_REGIONS_USED,
                     "roleArn": f"arn:aws:iam::{account}:role/deployer",
                     "repositorySettings": hardened(account, DESTINATION_REGIONS_USED)}
                    for account in DESTINATION_ACCOUNTS]
    spokes = [{"accountId": account, "regions": SPOKE_REGIONS,
               "upstream": None if i == 0 else f"{DESTINATION_ACCOUNTS[i]}/{DESTINATION_REGIONS_USED[i]}",
               "repositorySettings": {"imageTagMutability": "IMMUTABLE_WITH_EXCLUSION",
                                      "imageTagMutabilityExclusionFilters": ["latest"],
                                      **hardened(account, SPOKE_REGIONS)}}
              for i, account in enumerate(SPOKE_ACCOUNTS)]
    return {
        "source": {"accountId": "111111111111", "region": "us-east-1"},
        "destinations": destinations,
        "pullThroughDestinations": [{k: v for k, v in spoke.items() if v is not None} for spoke in spokes],
        # The first spoke caches from the source across accounts, so the stack declares the source registry's
        # policy: [] says it holds nothing but the spokes' grant (else the plan warns that it replaces the live one).
        "sourceRegistryPolicyStatements": [],
        "repositoryPrefixes": ["prod/", "shared/"],
        "repositorySettings": {"imageTagMutability": "IMMUTABLE", "scanOnPush": True, "keepLastImages": 100},
    }


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """``ecr-replication plan --json`` of the stack, written by the stack writer into a copy of the project."""
    folder = tmp_path_factory.mktemp("fan-out")
    program(folder)
    (folder / "Pulumi.fanout.yaml").write_text(stack_file_text(big_stack()))
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["plan", "--json", "--cwd", str(folder), "--stack", "fanout"])
    assert code == 0, err.getvalue()
    return json.loads(out.getvalue())


def test_the_writer_lays_spokes_out_in_schema_order_with_quoted_account_ids() -> None:
    text = stack_file_text(big_stack())
    assert ('  ecr-replication:pullThroughDestinations:\n    - accountId: "400000000000"\n      regions:\n'
            '        - ap-northeast-3\n') in text
    assert '      upstream: 200000000001/ap-east-1\n      repositorySettings:\n' in text
    assert '  ecr-replication:sourceRegistryPolicyStatements: []\n  ecr-replication:repositoryPrefixes:\n' in text


def test_25_destinations_and_spokes_plan_clean(report: dict[str, object]) -> None:
    assert report["diagnostics"] == [] and report["warnings"] == []
    (configuration,) = report["replicationConfigurations"]  # type: ignore[misc]
    destinations = {(d["registryId"], d["region"]) for rule in configuration["replicationConfiguration"]["rules"]
                    for d in rule["destinations"]}
    assert len(destinations) == 25
    spokes = report["pullThroughSpokes"]
    assert {(s["accountId"], s["region"]) for s in spokes} == {(a, r) for a in SPOKE_ACCOUNTS for r in SPOKE_REGIONS}  # type: ignore[union-attr]
    assert not destinations & {(s["accountId"], s["region"]) for s in spokes}  # type: ignore[union-attr]
    assert {s["upstream"] for s in spokes} == {"111111111111/us-east-1"} | {  # type: ignore[union-attr]
        f"{DESTINATION_ACCOUNTS[i]}/{DESTINATION_REGIONS_USED[i]}" for i in (1, 2)}
    assert report["summary"]["pullThroughSpokes"] == 12  # type: ignore[index]


def test_plan_stack_warnings_name_config_keys(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``plan --stack``'s warnings are in the stack file's words, like its errors: the dev stack without its spoke's
    own tag mutability, so the top-level IMMUTABLE reaches the spoke."""
    program(tmp_path)
    override = ("      repositorySettings:\n        imageTagMutability: IMMUTABLE_WITH_EXCLUSION\n"
                "        imageTagMutabilityExclusionFilters:\n          - latest\n")
    dev = (ROOT / "Pulumi.dev.yaml").read_text()
    assert override in dev
    (tmp_path / "Pulumi.test.yaml").write_text(dev.replace(override, ""))
    code = main(["plan", "--color", "never", "--no-policies", "--cwd", str(tmp_path), "--stack", "test"])
    out = capsys.readouterr().out
    assert code == 0
    warnings = out.split("\nWarnings\n")[1].split("\n\n")[0]
    assert " ".join(warnings.split()) == (
        "! ecr-replication:pullThroughDestinations[0]: imageTagMutability IMMUTABLE (from "
        "repositorySettings.imageTagMutability) reaches the spoke's cached repositories, where ECR can't refresh a "
        "cached tag that moves upstream (only tags in the exclusion filters stay mutable); set "
        "pullThroughDestinations[0].repositorySettings.imageTagMutability to MUTABLE, or to IMMUTABLE_WITH_EXCLUSION "
        "with the tags that move upstream in "
        "pullThroughDestinations[0].repositorySettings.imageTagMutabilityExclusionFilters")
