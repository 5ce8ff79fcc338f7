"""What `ecr-replication plan` prints: the same bytes for the same inputs, and what a reviewer approves."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.preview.test_plan_command import ROOT, plan

KMS_US = "arn:aws:kms:us-west-2:222222222222:key/11111111-2222-3333-4444-555555555555"
KMS_EU = "arn:aws:kms:eu-west-1:222222222222:key/11111111-2222-3333-4444-666666666666"

REVIEWED_STACK = f"""
    config:
      pulumi:disable-default-providers: [aws]
      ecr-replication:source: {{accountId: "111111111111", region: us-east-1}}
      ecr-replication:destinations:
        - accountId: "222222222222"
          regions: [us-west-2, eu-west-1]
          roleArn: arn:aws:iam::222222222222:role/deployer
      ecr-replication:repositoryPrefixes: [prod/]
      ecr-replication:repositorySettings:
        imageTagMutability: IMMUTABLE_WITH_EXCLUSION
        imageTagMutabilityExclusionFilters: [latest, dev-*]
        encryptionType: KMS
        kmsKeys: {{us-west-2: "{KMS_US}", eu-west-1: "{KMS_EU}"}}
        expireUntaggedAfterDays: 14
        keepLastImages: 200
    """


def reviewed_project(folder: Path, stack_yaml: str = REVIEWED_STACK) -> Path:
    """The example program with its own ``Pulumi.review.yaml``."""
    for name in ("Pulumi.yaml", "__main__.py"):
        (folder / name).write_text((ROOT / name).read_text())
    (folder / "Pulumi.review.yaml").write_text(textwrap.dedent(stack_yaml))
    return folder


def plan_in_a_new_process(hash_seed: str, *argv: str) -> bytes:
    """``ecr-replication plan`` as its own process, with ``PYTHONHASHSEED`` set (the pack's process inherits it)."""
    command = [sys.executable, "-c", "from replication.cli.main import main; raise SystemExit(main())", "plan", *argv]
    environment = {**os.environ, "PYTHONHASHSEED": hash_seed}
    done = subprocess.run(command, cwd=ROOT, env=environment, capture_output=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr.decode()
    return done.stdout


@pytest.mark.parametrize("output", [["--color", "never"], ["--json"]], ids=["text", "json"])
def test_identical_runs_print_identical_bytes(output: list[str]) -> None:
    """Plans can be diffed in CI: runs of the same stack differ in nothing (issue 12, 6). Before findings were
    sorted, the pack's order depended on the hash seed: the JSON of seeds 1 and 2 differed, the text of 1 and 4."""
    first, *others = [plan_in_a_new_process(seed, "--stack", "dev", *output) for seed in ("1", "2", "4")]
    assert all(other == first for other in others)


def registry_section(out: str, heading: str) -> str:
    """The part of a text plan under one ``account/region`` heading."""
    return out.split(f"\n{heading}\n", 1)[1].split("\n\n", 1)[0]


def test_the_text_plan_shows_what_a_reviewer_approves(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """KMS key per region, exclusion filters, each lifecycle rule, indented documents (issue 12, 7)."""
    code, out, err = plan(capsys, "--cwd", str(reviewed_project(tmp_path)), "--stack", "review", "--color", "never")
    assert code == 0, err
    eu = registry_section(out, "222222222222/eu-west-1")
    us = registry_section(out, "222222222222/us-west-2")
    assert f"encryption         KMS, key {KMS_EU}" in eu and KMS_US not in eu
    assert f"encryption         KMS, key {KMS_US}" in us and KMS_EU not in us
    assert "exclusion filters  latest, dev-* (WILDCARD)" in eu
    template = eu.split("images-template-prod-222222222222-eu-west-1", 1)[1].split("\n  + ", 1)[0]
    lifecycle = template.split("lifecycle rules", 1)[1].splitlines()[:4]
    assert [line.strip() for line in lifecycle] == [
        "1. expire untagged images pushed more than 14 days ago",
        '"Expire untagged images 14 days after push"',
        "2. expire any image beyond the newest 200",
        '"Keep the last 200 images"',
    ]
    policy = [line.strip() for line in eu.split("images-registry-policy-222222222222-eu-west-1", 1)[1].splitlines()]
    assert '"AWS": "arn:aws:iam::111111111111:root"' in policy
    assert '"arn:aws:ecr:eu-west-1:222222222222:repository/prod/*"' in policy


@pytest.mark.parametrize("stack", ["dev", "review"])
def test_no_line_of_a_text_plan_is_a_wall(tmp_path: Path, capsys: pytest.CaptureFixture[str], stack: str) -> None:
    folder = ROOT if stack == "dev" else reviewed_project(tmp_path)
    code, out, _ = plan(capsys, "--cwd", str(folder), "--stack", stack, "--color", "never")
    assert code == 0
    longest = max(out.splitlines(), key=len)
    assert len(longest) <= 120, longest


def test_columns_are_aligned(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = plan(capsys, "--cwd", str(ROOT), "--stack", "dev", "--color", "never")
    assert code == 0
    lines = out.splitlines()
    header = lines.index("Providers") + 1
    assert lines[header].split() == ["NAME", "ACCOUNT", "REGION", "CREDENTIALS"]
    rows = lines[header : header + 3]
    for column in ("ACCOUNT", "REGION", "CREDENTIALS"):
        start = rows[0].index(column)
        assert all(row[start - 2 : start] == "  " and row[start] != " " for row in rows[1:]), column
    # Each template's rows share one value column (a spoke's, with its exclusion filters, has a wider label).
    blocks = "\n".join(lines).split("  + aws:ecr:RepositoryCreationTemplate")[1:]
    columns = [{len(line) - len(line[6:].split("  ", 1)[1].lstrip()) for line in block.splitlines()[1:]
                if line.startswith("      ") and line.split()[0] in ("prefix", "applied", "tag", "exclusion",
                                                                    "encryption")} for block in blocks]
    assert len(columns) == 10 and all(len(column) == 1 for column in columns), columns
    assert {min(column) for column in columns} == {23, 25}
    findings = [line for line in lines if line.startswith("  advisory")]
    assert len(findings) == 10 and len({line.index("ecr-") for line in findings}) == 1


def test_nested_secrets_stay_secret_in_the_plan(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``pulumi config set --secret --path`` values: ``[secret]`` in the plan, ciphertext nowhere (issue 12, 3)."""
    ciphertext = "v1:bm9uY2U=:Y2lwaGVydGV4dA=="
    stack = REVIEWED_STACK.replace(
        "roleArn: arn:aws:iam::222222222222:role/deployer", f"roleArn: {{secure: '{ciphertext}'}}"
    ).replace('region: us-east-1}', f"region: us-east-1, profile: {{secure: '{ciphertext}'}}}}")
    folder = reviewed_project(tmp_path, stack)
    for output in (["--color", "never"], ["--json"]):
        code, out, err = plan(capsys, "--cwd", str(folder), "--stack", "review", "--no-policies", *output)
        assert code == 0, err
        assert ciphertext not in out
        assert "[secret]" in out
        assert "222222222222/us-west-2" in out or '"accountId": "222222222222"' in out
    code, out, err = plan(capsys, "--cwd", str(folder), "--stack", "review", "--no-policies", "--color", "never")
    providers = out.split("Providers\n", 1)[1].split("\n\n", 1)[0].splitlines()[1:]
    assert [row.split() for row in providers] == [
        ["destination-222222222222", "222222222222", "us-west-2", "assumes", "[secret]"],
        ["source", "111111111111", "us-east-1", "profile", "[secret]"],
    ]


def test_an_encrypted_account_id_is_one_line_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ciphertext = "v1:bm9uY2U=:Y2lwaGVydGV4dA=="
    folder = reviewed_project(tmp_path, REVIEWED_STACK.replace('accountId: "222222222222"', f"accountId: {{secure: '{ciphertext}'}}"))
    code, out, err = plan(capsys, "--cwd", str(folder), "--stack", "review", "--no-policies")
    assert (code, out) == (2, "")
    assert err.startswith(
        "ecr-replication plan: error: ecr-replication:destinations[0].accountId: is encrypted, and the offline plan"
    )
    assert len(err.splitlines()) == 1 and ciphertext not in err
