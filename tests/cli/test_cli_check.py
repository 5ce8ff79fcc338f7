"""``ecr-replication check`` against moto: configuration drift, destination registry policies, the service-linked role."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from replication.cli.grants import missing_grants
from replication.cli.main import main
from replication.cli.live import Destination
from tests.cli.conftest import DEST_A, REGION, SOURCE, Registry

WEST = "us-west-2"
EXPECTED = {"rules": [{"destinations": [{"region": WEST, "registryId": DEST_A}, {"region": "eu-west-1", "registryId": SOURCE}],
                       "repositoryFilters": [{"filter": "prod/", "filterType": "PREFIX_MATCH"}]}]}


def grant(resource: str, actions: list[str], principal: str = f"arn:aws:iam::{SOURCE}:root") -> str:
    """A registry policy with one Allow statement."""
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Sid": "replication", "Effect": "Allow", "Principal": {"AWS": principal}, "Action": actions, "Resource": resource}]})


@pytest.fixture
def expected_file(tmp_path: Path) -> Path:
    """What `pulumi stack output --json` would hold."""
    path = tmp_path / "expected.json"
    path.write_text(json.dumps({"replicationConfiguration": EXPECTED, "sourceRegistryId": SOURCE, "sourceRegion": REGION}))
    return path


@pytest.fixture
def healthy(registry: Registry) -> Registry:
    """Live configuration as expected, the destination policy granting prod/, the service-linked role present."""
    registry.ecr.put_replication_configuration(replicationConfiguration=EXPECTED)
    registry.account_session(DEST_A, WEST).client("ecr").put_registry_policy(
        policyText=grant(f"arn:aws:ecr:{WEST}:{DEST_A}:repository/prod/*", ["ecr:ReplicateImage", "ecr:CreateRepository"]))
    registry.session.client("iam").create_role(
        RoleName="AWSServiceRoleForECRReplication", Path="/aws-service-role/replication.ecr.amazonaws.com/",
        AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                             "Principal": {"Service": "replication.ecr.amazonaws.com"}}]}))
    return registry


def check(expected: Path, *extra: str) -> int:
    """Run check with the destination read through an assumed role in its account."""
    return main(["check", "--expected", str(expected), "--destination-role-arn", f"{DEST_A}=arn:aws:iam::{DEST_A}:role/reader", *extra])


def test_healthy(healthy: Registry, expected_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Matching rules, a sufficient destination policy and the role present: healthy, exit 0."""
    assert check(expected_file) == 0
    assert capsys.readouterr().out.startswith("healthy:")


def test_drift_missing_policy_and_role(registry: Registry, expected_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Drifted rules, a missing service-linked role and a missing policy are three findings with fixes."""
    registry.replicate([(WEST, DEST_A)], ["prod"])
    assert check(expected_file, "--json") == 1
    findings = json.loads(capsys.readouterr().out)["findings"]
    assert [f["where"] for f in findings] == [f"registry {SOURCE} ({REGION})", f"account {SOURCE}", f"registry {DEST_A} ({WEST})"]
    assert "missing ['prod/' -> eu-west-1:123456789012, us-west-2:222222222222]" in findings[0]["problem"]
    assert "unexpected ['prod' -> us-west-2:222222222222]" in findings[0]["problem"]
    assert "AWSServiceRoleForECRReplication does not exist" in findings[1]["problem"]
    assert "create-service-linked-role" in findings[1]["fix"]
    assert findings[2]["problem"] == f"has no registry policy, so replication from {SOURCE} is denied"
    assert f"arn:aws:iam::{SOURCE}:root" in findings[2]["fix"]


@pytest.mark.parametrize(
    ("resource", "actions", "missing"),
    [
        (f"arn:aws:ecr:{WEST}:{DEST_A}:repository/prod/*", ["ecr:ReplicateImage"], ["ecr:CreateRepository"]),
        (f"arn:aws:ecr:{WEST}:{DEST_A}:repository/dev/*", ["ecr:ReplicateImage", "ecr:CreateRepository"],
         ["ecr:ReplicateImage", "ecr:CreateRepository"]),
        (f"arn:aws:ecr:{WEST}:{DEST_A}:repository/*", ["ecr:ReplicateImage", "ecr:CreateRepository"], []),
    ],
)
def test_policy_grants(healthy: Registry, expected_file: Path, resource: str, actions: list[str], missing: list[str],
                       capsys: pytest.CaptureFixture[str]) -> None:
    """A policy missing an action or covering another prefix is reported per action; repository/* suffices."""
    healthy.account_session(DEST_A, WEST).client("ecr").put_registry_policy(policyText=grant(resource, actions))
    assert check(expected_file, "--json") == (1 if missing else 0)
    problems = [f["problem"] for f in json.loads(capsys.readouterr().out)["findings"]]
    assert problems == [
        f"the registry policy does not grant {SOURCE} {action} on arn:aws:ecr:{WEST}:{DEST_A}:repository/prod/*"
        for action in missing
    ]


def test_bare_account_principal_counts(healthy: Registry, expected_file: Path) -> None:
    """A bare account id as principal grants like the account's root ARN."""
    healthy.account_session(DEST_A, WEST).client("ecr").put_registry_policy(
        policyText=grant(f"arn:aws:ecr:{WEST}:{DEST_A}:repository/*", ["ecr:ReplicateImage", "ecr:CreateRepository"], SOURCE))
    assert check(expected_file) == 0


def test_source_credentials_read_the_wrong_registry(healthy: Registry, expected_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Without destination credentials the source account's own (empty) registry in that region is read."""
    assert main(["check", "--expected", str(expected_file)]) == 1
    assert "has no registry policy" in capsys.readouterr().out


def test_wrong_source_account(healthy: Registry, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Credentials of another account than sourceRegistryId stop the check with one line."""
    path = tmp_path / "other.json"
    path.write_text(json.dumps({"replicationConfiguration": EXPECTED, "sourceRegistryId": DEST_A}))
    assert main(["check", "--expected", str(path)]) == 2
    assert capsys.readouterr().err == (
        f"ecr-replication check: error: the source credentials are for account {SOURCE}, but {path} expects source registry {DEST_A}\n")


@pytest.mark.parametrize(
    ("content", "message"),
    [("{not json", "cannot read expected configuration"), ('{"outputs": {}}', "has no top-level replicationConfiguration")],
)
def test_bad_expected_file(aws_env: str, tmp_path: Path, content: str, message: str, capsys: pytest.CaptureFixture[str]) -> None:
    """An unreadable or shapeless --expected file is one line."""
    path = tmp_path / "bad.json"
    path.write_text(content)
    assert main(["check", "--expected", str(path)]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


def test_bad_destination_option(healthy: Registry, expected_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A malformed ACCOUNT=VALUE option is one line."""
    assert main(["check", "--expected", str(expected_file), "--destination-profile", "prod=x"]) == 2
    assert "expected ACCOUNT=VALUE with a 12-digit account id, got 'prod=x'" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("resource", "action", "prefix", "granted"),
    [
        ("arn:aws:ecr:us-west-2:222222222222:repository/prod/*", "ecr:*", "prod/", True),
        ("arn:aws:ecr:us-west-2:222222222222:repository/prod/*", "ecr:*", "prod", False),  # prod-api is not under prod/
        ("arn:aws:ecr:*:222222222222:repository/*", "ecr:Replicate*", "", False),  # CreateRepository missing
        ("*", "*", "", True),
        ("arn:aws:ecr:us-west-2:222222222222:repository/prod", "ecr:*", "prod", False),  # no trailing wildcard
    ],
)
def test_grant_coverage(resource: str, action: str, prefix: str, granted: bool) -> None:
    """Wildcards in actions and resources are understood; a prefix needs a resource pattern ending in '*'."""
    policy = json.loads(grant(resource, [action]))
    assert (missing_grants(policy, SOURCE, Destination(WEST, DEST_A), [prefix]) == []) is granted
