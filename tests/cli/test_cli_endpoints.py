"""Which region and which endpoint every request of a live command goes to, with no region in the environment and
no ``AWS_ENDPOINT_URL``: botocore resolves each endpoint and signs each request as it would for AWS, and
:class:`tests.cli.fakes.AwsOnTheWire` records and answers it at ``before-send`` (nothing leaves the machine).

The region rule (``docs/operations.md``): ``--region``, else the expected file's ``sourceRegion``, else botocore's
chain. The source account's STS is asked in that region; a destination account's in its registry's region. A role is
assumed at the regional STS endpoint of its own partition (IAM user guide, "Manage AWS STS in an AWS Region"; the
endpoints are botocore's: ``sts.<region>.amazonaws.com``, ``sts.cn-north-1.amazonaws.com.cn``,
``sts.us-gov-west-1.amazonaws.com``).
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from replication.cli.main import main
from tests.cli.conftest import DEST_A, DEST_B, SOURCE
from tests.cli.fakes import AwsOnTheWire, Sent

DIGEST = "sha256:" + "ab" * 32
PUSHED = datetime.datetime(2026, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc)


class Partition:
    """A partition as these tests use it: the source region, a destination region, where IAM answers."""

    def __init__(self, name: str, region: str, destination_region: str, suffix: str, iam: tuple[str, str]) -> None:
        self.name, self.region, self.destination_region, self.suffix = name, region, destination_region, suffix
        self.iam_host, self.iam_region = iam

    def sts(self, region: str) -> str:
        """The regional STS host of ``region`` in this partition."""
        return f"sts.{region}.{self.suffix}"

    def ecr(self, region: str) -> str:
        """The ECR API host of ``region`` in this partition."""
        return f"api.ecr.{region}.{self.suffix}"

    def role(self, account: str, name: str = "reader") -> str:
        return f"arn:{self.name}:iam::{account}:role/{name}"


PARTITIONS = [
    pytest.param(Partition("aws", "eu-central-1", "us-west-2", "amazonaws.com", ("iam.amazonaws.com", "us-east-1")),
                 id="aws"),
    pytest.param(Partition("aws-cn", "cn-north-1", "cn-northwest-1", "amazonaws.com.cn",
                           ("iam.cn-north-1.amazonaws.com.cn", "cn-north-1")), id="aws-cn"),
    pytest.param(Partition("aws-us-gov", "us-gov-west-1", "us-gov-east-1", "amazonaws.com",
                           ("iam.us-gov.amazonaws.com", "us-gov-west-1")), id="aws-us-gov"),
]


@pytest.fixture
def wire(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AwsOnTheWire:
    """No region, profile, config file or endpoint in the environment (as in a CI job); source credentials in the
    environment (their access key names the source account, see AwsOnTheWire)."""
    for name in ("AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE",
                 "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_STS", "AWS_ENDPOINT_URL_ECR", "AWS_ENDPOINT_URL_IAM",
                 "AWS_STS_REGIONAL_ENDPOINTS", "AWS_SESSION_TOKEN", "AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE",
                 "AWS_MAX_ATTEMPTS", "AWS_RETRY_MODE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))  # no ~/.aws/config either
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", f"AKIA{SOURCE}")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "source-secret")
    return AwsOnTheWire()


def rule(partition: Partition) -> dict[str, Any]:
    """prod/ replicated to DEST_A in the partition's destination region."""
    return {"destinations": [{"region": partition.destination_region, "registryId": DEST_A}],
            "repositoryFilters": [{"filter": "prod/", "filterType": "PREFIX_MATCH"}]}


def registry(partition: Partition) -> Any:
    """DescribeRegistry's answer: the source registry with the one rule."""
    return lambda sent, params: {"registryId": sent.access_key[4:16],
                                 "replicationConfiguration": {"rules": [rule(partition)]}}


def seen(wire: AwsOnTheWire) -> list[tuple[str, str, str, str]]:
    """What was sent, as (operation, host, signing region, account of the signing key), in sending order."""
    return [(s.operation, s.host, s.signing_region, s.access_key[4:16]) for s in wire.sent]


@pytest.mark.parametrize("partition", PARTITIONS)
def test_status_assumes_the_source_role_at_the_regional_sts_of_its_partition(
        wire: AwsOnTheWire, partition: Partition, capsys: pytest.CaptureFixture[str]) -> None:
    """Issue 20, items 1 and 2: --region reaches the STS client that assumes --role-arn (it failed with "You must
    specify a region"), and a China or GovCloud role goes to its own partition's regional STS, not
    sts.amazonaws.com. Every ECR call is signed with the role's credentials, in the region."""
    region = partition.region
    wire.answers["DescribeRegistry"] = registry(partition)
    wire.answers["DescribeImages"] = lambda sent, params: {"imageDetails": [{
        "registryId": SOURCE, "repositoryName": "prod/api", "imageDigest": DIGEST, "imageTags": ["v1"],
        "imagePushedAt": PUSHED}]}
    wire.answers["DescribeImageReplicationStatus"] = lambda sent, params: {
        "repositoryName": "prod/api", "imageId": {"imageDigest": DIGEST, "imageTag": "v1"},
        "replicationStatuses": [{"region": partition.destination_region, "registryId": DEST_A, "status": "COMPLETE"}]}
    code = main(["status", "--region", region, "--role-arn", partition.role(SOURCE, "ci"), "--repository", "prod/api",
                 "--tag", "v1", "--json"], session_factory=wire.session)
    assert code == 0, capsys.readouterr()
    assert seen(wire) == [
        ("AssumeRole", partition.sts(region), region, SOURCE),
        ("DescribeRegistry", partition.ecr(region), region, SOURCE),
        ("DescribeImages", partition.ecr(region), region, SOURCE),
        ("DescribeImageReplicationStatus", partition.ecr(region), region, SOURCE),
    ]
    assert [s.access_key for s in wire.sent[1:]] == [f"ASIA{SOURCE}"] * 3  # the role's, not the environment's
    assert json.loads(capsys.readouterr().out)["region"] == region


def expected_file(tmp_path: Path, partition: Partition) -> Path:
    """What check compares with, naming the source region (the command gets no --region)."""
    path = tmp_path / "expected.json"
    path.write_text(json.dumps({"sourceRegistryId": SOURCE, "sourceRegion": partition.region,
                                "replicationConfiguration": {"rules": [rule(partition)]}}))
    return path


def healthy_answers(wire: AwsOnTheWire, partition: Partition) -> None:
    """The source's rule, its service-linked role, and the destination's policy granting prod/ to the source."""
    wire.answers["DescribeRegistry"] = registry(partition)
    wire.answers["GetRole"] = lambda sent, params: {"Role": {
        "Path": "/aws-service-role/replication.ecr.amazonaws.com/", "RoleName": params["RoleName"],
        "RoleId": "AROAEXAMPLESERVICE", "CreateDate": PUSHED,
        "Arn": f"arn:{partition.name}:iam::{SOURCE}:role/aws-service-role/replication.ecr.amazonaws.com/"
               f"{params['RoleName']}"}}
    resource = f"arn:{partition.name}:ecr:{partition.destination_region}:{DEST_A}:repository/prod/*"
    wire.answers["GetRegistryPolicy"] = lambda sent, params: {"registryId": sent.access_key[4:16], "policyText": json.dumps(
        {"Version": "2012-10-17", "Statement": [{
            "Sid": "Replication", "Effect": "Allow", "Principal": {"AWS": f"arn:{partition.name}:iam::{SOURCE}:root"},
            "Action": ["ecr:CreateRepository", "ecr:ReplicateImage"], "Resource": resource}]})}


@pytest.mark.parametrize("partition", PARTITIONS)
def test_check_takes_the_region_from_the_expected_file_and_assumes_destination_roles_in_their_partition(
        wire: AwsOnTheWire, partition: Partition, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Issue 20, item 1: with the region only in --expected's sourceRegion, the destination's role is assumed (it
    was reported "not checked", advising the option already given) and its registry read with its credentials.
    The source is asked in the source region; the destination account's STS in its registry's region (a region
    that account uses), in the role's partition."""
    healthy_answers(wire, partition)
    destination = partition.destination_region
    code = main(["check", "--expected", str(expected_file(tmp_path, partition)), "--destination-role-arn",
                 f"{DEST_A}={partition.role(DEST_A)}"], session_factory=wire.session)
    assert code == 0, capsys.readouterr()
    sent = seen(wire)
    assert sent[:2] == [("GetCallerIdentity", partition.sts(partition.region), partition.region, SOURCE),
                        ("AssumeRole", partition.sts(destination), destination, SOURCE)]
    # The source's two reads and the destination's run side by side: their order is not fixed.
    assert sorted(sent[2:]) == sorted([
        ("DescribeRegistry", partition.ecr(partition.region), partition.region, SOURCE),
        ("GetRole", partition.iam_host, partition.iam_region, SOURCE),
        ("GetRegistryPolicy", partition.ecr(destination), destination, DEST_A),
    ])
    assert capsys.readouterr().out.splitlines()[-1].startswith("healthy:")


CANARY = "prod/ecr-replication-canary"
"""The repository verify pushes to for the rule's prefix prod/."""


def canary_answers(wire: AwsOnTheWire, partition: Partition) -> None:
    """ECR's side of a canary pushed and replicated: the repository exists in both registries, ECR has the blobs,
    takes the manifest, reports the copy COMPLETE in the destination, which holds it under the tag, and deletes it.
    Each answer is the caller's registry's (the account of the signing key, the signing region)."""
    pushed: dict[str, str] = {}

    def repository(sent: Sent, params: Mapping[str, Any]) -> dict[str, Any]:
        account, name = sent.access_key[4:16], params["repositoryNames"][0]
        return {"repositories": [{"registryId": account, "repositoryName": name, "repositoryArn":
                                  f"arn:{partition.name}:ecr:{sent.signing_region}:{account}:repository/{name}"}]}

    def put(sent: Sent, params: Mapping[str, Any]) -> dict[str, Any]:
        pushed.update(digest=params["imageDigest"], tag=params["imageTag"])
        return {"image": {"registryId": sent.access_key[4:16], "repositoryName": params["repositoryName"],
                          "imageManifest": params["imageManifest"],
                          "imageId": {"imageDigest": params["imageDigest"], "imageTag": params["imageTag"]}}}

    wire.answers["DescribeRegistry"] = registry(partition)
    wire.answers["DescribeRepositories"] = repository
    wire.answers["BatchCheckLayerAvailability"] = lambda sent, params: {"failures": [], "layers": [
        {"layerDigest": digest, "layerAvailability": "AVAILABLE"} for digest in params["layerDigests"]]}
    wire.answers["PutImage"] = put
    wire.answers["DescribeImageReplicationStatus"] = lambda sent, params: {
        "repositoryName": params["repositoryName"], "imageId": params["imageId"], "replicationStatuses": [
            {"region": partition.destination_region, "registryId": DEST_A, "status": "COMPLETE"}]}
    wire.answers["DescribeImages"] = lambda sent, params: {"imageDetails": [{
        "registryId": sent.access_key[4:16], "repositoryName": params["repositoryName"], "imageDigest": pushed["digest"],
        "imageTags": [pushed["tag"]], "imagePushedAt": PUSHED}]}
    wire.answers["BatchDeleteImage"] = lambda sent, params: {"imageIds": params["imageIds"], "failures": []}


@pytest.mark.parametrize("partition", PARTITIONS)
def test_verify_pushes_and_reads_every_registry_at_its_partition_s_endpoints(
        wire: AwsOnTheWire, partition: Partition, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The region comes from the plan alone; the canary is pushed, followed and deleted at the source region's ECR
    with the source's credentials, and looked for and deleted at the destination region's ECR with the credentials
    of the destination's role, assumed at that region's STS: every endpoint in the role's partition."""
    canary_answers(wire, partition)
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps({"sourceRegistryId": SOURCE, "sourceRegion": partition.region, "registries": []}))
    code = main(["verify", "--expected", str(plan), "--destination-role-arn", f"{DEST_A}={partition.role(DEST_A)}",
                 "--json"], session_factory=wire.session)
    assert code == 0, capsys.readouterr()
    source, destination = partition.region, partition.destination_region
    assert seen(wire) == [
        ("GetCallerIdentity", partition.sts(source), source, SOURCE),
        ("DescribeRegistry", partition.ecr(source), source, SOURCE),
        ("AssumeRole", partition.sts(destination), destination, SOURCE),
        ("DescribeRepositories", partition.ecr(destination), destination, DEST_A),  # was the canary there before?
        ("DescribeRepositories", partition.ecr(source), source, SOURCE),
        ("BatchCheckLayerAvailability", partition.ecr(source), source, SOURCE),
        ("PutImage", partition.ecr(source), source, SOURCE),
        ("DescribeImageReplicationStatus", partition.ecr(source), source, SOURCE),
        ("DescribeImages", partition.ecr(destination), destination, DEST_A),
        ("BatchDeleteImage", partition.ecr(destination), destination, DEST_A),
        ("BatchDeleteImage", partition.ecr(source), source, SOURCE),
    ]
    [canary] = json.loads(capsys.readouterr().out)["canaries"]
    assert [(d["registry"], d["result"]) for d in canary["destinations"]] == [(f"{DEST_A}/{destination}", "VERIFIED")]


@pytest.mark.parametrize("partition", PARTITIONS)
def test_import_reads_each_registry_at_its_partition_s_endpoints(
        wire: AwsOnTheWire, partition: Partition, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Issue 20, item 1 names import: --region reaches its STS, and the destination's registry is read at its own
    region's ECR with the credentials of the destination's role, assumed at that region's STS in the role's
    partition; the stack it writes holds the partition's regions."""
    healthy_answers(wire, partition)
    wire.answers["DescribeRepositoryCreationTemplates"] = lambda sent, params: {
        "registryId": sent.access_key[4:16], "repositoryCreationTemplates": []}
    wire.answers["GetRegistryScanningConfiguration"] = lambda sent, params: {
        "registryId": sent.access_key[4:16], "scanningConfiguration": {"scanType": "BASIC", "rules": []}}
    project = tmp_path / "project"
    project.mkdir()
    code = main(["import", "--stack", "adopted", "--cwd", str(project), "--region", partition.region,
                 "--destination-role-arn", f"{DEST_A}={partition.role(DEST_A)}", "--json"],
                session_factory=wire.session)
    assert code == 0, capsys.readouterr()
    source, destination = partition.region, partition.destination_region
    assert seen(wire)[:3] == [("GetCallerIdentity", partition.sts(source), source, SOURCE),
                              ("DescribeRegistry", partition.ecr(source), source, SOURCE),
                              ("AssumeRole", partition.sts(destination), destination, SOURCE)]
    assert sorted(seen(wire)[3:]) == sorted(
        (operation, partition.ecr(destination), destination, DEST_A)
        for operation in ("GetRegistryPolicy", "DescribeRepositoryCreationTemplates", "GetRegistryScanningConfiguration"))
    assert json.loads(capsys.readouterr().out)["written"] is True
    written = (project / "Pulumi.adopted.yaml").read_text()
    assert f"region: {partition.region}" in written and partition.destination_region in written


@pytest.mark.parametrize("partition", PARTITIONS)
def test_backfill_reads_the_source_at_its_partition_s_endpoints(
        wire: AwsOnTheWire, partition: Partition, capsys: pytest.CaptureFixture[str]) -> None:
    """backfill --dry-run with --region only: the source's STS and ECR in that region of its partition."""
    wire.answers["DescribeRegistry"] = registry(partition)
    wire.answers["DescribeRepositories"] = lambda sent, params: {"repositories": [{
        "registryId": SOURCE, "repositoryName": "prod/api",
        "repositoryArn": f"arn:{partition.name}:ecr:{sent.signing_region}:{SOURCE}:repository/prod/api"}]}
    wire.answers["ListImages"] = lambda sent, params: {"imageIds": [{"imageDigest": DIGEST, "imageTag": "v1"}]}
    code = main(["backfill", "--dry-run", "--region", partition.region, "--json"], session_factory=wire.session)
    assert code == 0, capsys.readouterr()
    region = partition.region
    assert seen(wire) == [("GetCallerIdentity", partition.sts(region), region, SOURCE),
                          ("DescribeRegistry", partition.ecr(region), region, SOURCE),
                          ("DescribeRepositories", partition.ecr(region), region, SOURCE),
                          ("ListImages", partition.ecr(region), region, SOURCE)]


def test_a_role_of_another_partition_is_refused_before_any_call(wire: AwsOnTheWire,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    """A China role with a commercial region: STS there can't issue its credentials, so nothing is sent and the
    line says which region would do."""
    role = f"arn:aws-cn:iam::{SOURCE}:role/ci"
    assert main(["status", "--region", "us-east-1", "--role-arn", role], session_factory=wire.session) == 2
    assert wire.sent == []
    assert capsys.readouterr().err == (
        f"ecr-replication status: error: --role-arn {role}: role {role} is in partition aws-cn, but region us-east-1 "
        "is in aws: STS of one partition can't assume a role of another; pass --region with a region of aws-cn\n")


def test_without_any_region_the_run_stops_before_any_call(wire: AwsOnTheWire,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["status", "--role-arn", f"arn:aws:iam::{SOURCE}:role/ci"], session_factory=wire.session) == 2
    assert wire.sent == []
    assert capsys.readouterr().err == ("ecr-replication status: error: no AWS region: pass --region or set AWS_REGION "
                                       "(or the profile's region)\n")


AWS = PARTITIONS[0].values[0]


def test_a_destination_role_that_cant_be_assumed_is_an_error(wire: AwsOnTheWire, tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    """Issue 20, item 3: a role given for a destination that STS refuses to assume is an error (2), as it is for the
    source, not "not checked" (3), which a CI gate tolerating pending replication would pass."""
    healthy_answers(wire, AWS)
    role = AWS.role(DEST_A)
    wire.failures[f"AssumeRole {role}"] = (403, "AccessDenied", f"User: arn:aws:iam::{SOURCE}:user/ci is not "
                                                                f"authorized to perform: sts:AssumeRole on resource: {role}")
    code = main(["check", "--expected", str(expected_file(tmp_path, AWS)), "--destination-role-arn", f"{DEST_A}={role}"],
                session_factory=wire.session)
    captured = capsys.readouterr()
    assert code == 2 and captured.out == ""
    assert captured.err == (
        f"ecr-replication check: error: account {DEST_A}: role {role} (given by --destination-role-arn "
        f"{DEST_A}={role}, assumed from the default credential chain) can't be used: access denied: account {DEST_A} "
        f"is not allowed to call sts:AssumeRole (User: arn:aws:iam::{SOURCE}:user/ci is not authorized to perform: "
        f"sts:AssumeRole on resource: {role})\n")
    assert [s.operation for s in wire.sent] == ["GetCallerIdentity", "AssumeRole"]  # no registry was read


def test_a_mistyped_destination_profile_is_an_error(wire: AwsOnTheWire, tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    """Issue 20, item 3: the typo of the issue exits 2, naming the option, like the same typo for the source."""
    healthy_answers(wire, AWS)
    code = main(["check", "--expected", str(expected_file(tmp_path, AWS)), "--destination-profile", f"{DEST_A}=prdo"],
                session_factory=wire.session)
    assert code == 2
    assert capsys.readouterr().err == (
        f"ecr-replication check: error: account {DEST_A}: profile prdo (given by --destination-profile {DEST_A}=prdo) "
        "can't be used: The config profile (prdo) could not be found\n")
    assert main(["check", "--expected", str(expected_file(tmp_path, AWS)), "--profile", "prdo"],
                session_factory=wire.session) == 2
    assert capsys.readouterr().err == (
        "ecr-replication check: error: source account: profile prdo (given by --profile prdo) can't be used: The "
        "config profile (prdo) could not be found\n")
    assert [s.operation for s in wire.sent] == ["GetCallerIdentity"]  # the source's, in the first run


def test_a_profile_without_credentials_is_an_error_naming_it(wire: AwsOnTheWire, tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    """A profile that exists but holds no credentials (botocore's chain for it finds none: no keys, no role, no
    process, instance metadata off) can't be used, for a destination as for the source; nothing is sent for it."""
    config = tmp_path / "config"
    config.write_text("[profile readonly]\nregion = eu-central-1\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    healthy_answers(wire, AWS)
    expected = str(expected_file(tmp_path, AWS))
    assert main(["check", "--expected", expected, "--destination-profile", f"{DEST_A}=readonly"],
                session_factory=wire.session) == 2
    assert capsys.readouterr().err == (
        f"ecr-replication check: error: account {DEST_A}: profile readonly (given by --destination-profile "
        f"{DEST_A}=readonly) can't be used: profile readonly has no credentials\n")
    assert main(["check", "--expected", expected, "--profile", "readonly"], session_factory=wire.session) == 2
    assert capsys.readouterr().err == (
        "ecr-replication check: error: source account: profile readonly (given by --profile readonly) can't be "
        "used: profile readonly has no credentials\n")
    assert [s.operation for s in wire.sent] == ["GetCallerIdentity"]  # the source's, in the first run


def test_a_source_role_that_cant_be_assumed_names_the_option(wire: AwsOnTheWire, tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    """The source's role refused by STS reads as a destination's does: the credentials, the option, STS's reason
    (it said "access denied: account (unknown) ...")."""
    role = AWS.role(SOURCE, "ci")
    wire.failures["AssumeRole"] = (403, "AccessDenied", f"User: arn:aws:iam::{SOURCE}:user/ci is not authorized to "
                                                        f"perform: sts:AssumeRole on resource: {role}")
    assert main(["status", "--region", AWS.region, "--role-arn", role], session_factory=wire.session) == 2
    assert capsys.readouterr().err == (
        f"ecr-replication status: error: source account: role {role} (given by --role-arn {role}, assumed from the "
        f"default credential chain) can't be used: access denied: the credentials are not allowed to call "
        f"sts:AssumeRole (User: arn:aws:iam::{SOURCE}:user/ci is not authorized to perform: sts:AssumeRole on "
        f"resource: {role})\n")


def test_sts_failing_for_the_source_is_an_error_with_a_retry_fix(wire: AwsOnTheWire, tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    """AWS failing the source's STS call ends the run (nothing works without the source) with whose credentials,
    which call, and that running again is the fix, not other credentials."""
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    wire.failures["GetCallerIdentity"] = (503, "ServiceUnavailable", "Service is unavailable")
    assert main(["check", "--expected", str(expected_file(tmp_path, AWS))], session_factory=wire.session) == 2
    assert capsys.readouterr().err == (
        "ecr-replication check: error: source account: the default credential chain could not be verified: "
        "sts:GetCallerIdentity failed: ServiceUnavailable: Service is unavailable; run ecr-replication check again: "
        "AWS failed the call, which is no permission problem (botocore already retried it; AWS_MAX_ATTEMPTS allows "
        "more tries)\n")


def test_an_account_nobody_gave_credentials_for_stays_not_checked(wire: AwsOnTheWire, tmp_path: Path,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    """Exit 3 remains for what was not given: DEST_B's role is unusable-looking but nobody asked for DEST_B."""
    healthy_answers(wire, AWS)
    assert main(["check", "--expected", str(expected_file(tmp_path, AWS)), "--destination-role-arn",
                 f"{DEST_B}={AWS.role(DEST_B)}"], session_factory=wire.session) == 3
    assert "not checked: its registry policy was not read: no credentials were given for account" in capsys.readouterr().out
    assert "AssumeRole" not in [s.operation for s in wire.sent]


def test_sts_failing_for_a_destination_is_not_checked_with_a_retry_fix(wire: AwsOnTheWire, tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch,
                                                                      capsys: pytest.CaptureFixture[str]) -> None:
    """A server error from STS is AWS failing, not the credentials: the destination is not checked (3), and the fix
    is to run again, not to change the credentials (one attempt here, so botocore doesn't wait to retry)."""
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    healthy_answers(wire, AWS)
    wire.failures["AssumeRole"] = (503, "ServiceUnavailable", "Service is unavailable")
    assert main(["check", "--expected", str(expected_file(tmp_path, AWS)), "--destination-role-arn",
                 f"{DEST_A}={AWS.role(DEST_A)}", "--json"], session_factory=wire.session) == 3
    [item] = json.loads(capsys.readouterr().out)["notChecked"]
    assert item["reason"].startswith(f"its registry policy was not read: role {AWS.role(DEST_A)} (assumed from the "
                                     "default credential chain) could not be verified: sts:AssumeRole failed")
    assert item["fix"].startswith("run ecr-replication check again: AWS failed the call")


PROXY_PAGE = ('<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>502 Bad Gateway</title></head>\n<body>'
              + "<p>The upstream server is unreachable.<br>Try again later.</p>\n" * 30 + "</body></html>\n")
"""What a proxy on the way answers for a 502: HTML, which is no well-formed XML (``<meta>``, ``<br>`` unclosed)."""


def test_a_page_instead_of_iam_s_xml_is_named_not_quoted(wire: AwsOnTheWire, tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    """STS and IAM answer in XML; a proxy's HTML page can't be parsed as XML, and botocore raises its parser's
    error (not a ``BotoCoreError``, not retried) quoting the page. The service-linked role is then not checked (3),
    for a reason naming the call and the account, the page named instead of quoted, and the fix is to run again
    (it was an ``internal error:`` quoting the whole page)."""
    healthy_answers(wire, AWS)
    wire.pages["GetRole"] = (502, PROXY_PAGE)
    code = main(["check", "--expected", str(expected_file(tmp_path, AWS)), "--destination-role-arn",
                 f"{DEST_A}={AWS.role(DEST_A)}", "--json"], session_factory=wire.session)
    captured = capsys.readouterr()
    assert code == 3, captured
    [item] = json.loads(captured.out)["notChecked"]
    assert item == {
        "where": f"account {SOURCE}",
        "reason": f"the service-linked role can't be read: iam:GetRole failed in account {SOURCE}: Unable to parse "
                  "response (mismatched tag: line 2, column 66), invalid XML received. Further retries may succeed: "
                  "(an HTML page)",
        "fix": "run ecr-replication check again: AWS failed the call, which is no permission problem (botocore "
               "already retried it; AWS_MAX_ATTEMPTS allows more tries)"}


def test_verify_stops_before_pushing_when_a_destination_role_cant_be_assumed(
        wire: AwsOnTheWire, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Issue 20, items 1 and 3 for verify: the region comes from the plan alone and reaches the destination's STS;
    a role that can't be assumed stops the run (2) before anything is created or pushed."""
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps({"sourceRegistryId": SOURCE, "sourceRegion": AWS.region, "registries": []}))
    wire.answers["DescribeRegistry"] = registry(AWS)
    wire.failures["AssumeRole"] = (403, "AccessDenied", "not authorized to perform: sts:AssumeRole")
    code = main(["verify", "--expected", str(plan), "--destination-role-arn", f"{DEST_A}={AWS.role(DEST_A)}"],
                session_factory=wire.session)
    assert code == 2 and "can't be used: access denied" in capsys.readouterr().err
    assert seen(wire) == [
        ("GetCallerIdentity", AWS.sts(AWS.region), AWS.region, SOURCE),
        ("DescribeRegistry", AWS.ecr(AWS.region), AWS.region, SOURCE),
        ("AssumeRole", AWS.sts(AWS.destination_region), AWS.destination_region, SOURCE),
    ]


def test_a_role_profile_is_assumed_in_the_commands_region(wire: AwsOnTheWire, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    """A profile with role_arn is assumed by botocore itself: its STS client gets the command's region too (the
    profile names none), at the China partition's regional endpoint."""
    china = PARTITIONS[1].values[0]
    config = tmp_path / "config"
    config.write_text(f"[profile ci]\nrole_arn = {china.role(SOURCE, 'ci')}\ncredential_source = Environment\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    wire.answers["DescribeRegistry"] = registry(china)
    wire.answers["DescribeImages"] = lambda sent, params: {"imageDetails": []}
    code = main(["status", "--region", china.region, "--profile", "ci", "--repository", "prod/api", "--tag", "v1"],
                session_factory=wire.session)
    assert code == 3, capsys.readouterr()  # no image tagged v1: nothing to check
    assert seen(wire)[:3] == [("AssumeRole", china.sts(china.region), china.region, SOURCE),
                              ("GetCallerIdentity", china.sts(china.region), china.region, SOURCE),
                              ("DescribeRegistry", china.ecr(china.region), china.region, SOURCE)]


def test_a_destination_role_of_another_partition_is_an_error_before_it_is_assumed(
        wire: AwsOnTheWire, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A commercial role given for a China destination can't be assumed there: exit 2, no AssumeRole sent."""
    china = PARTITIONS[1].values[0]
    healthy_answers(wire, china)
    role = AWS.role(DEST_A)
    assert main(["check", "--expected", str(expected_file(tmp_path, china)), "--destination-role-arn",
                 f"{DEST_A}={role}"], session_factory=wire.session) == 2
    assert capsys.readouterr().err == (
        f"ecr-replication check: error: account {DEST_A}: role {role} (given by --destination-role-arn "
        f"{DEST_A}={role}, assumed from the default credential chain) can't be used: role {role} is in partition aws, but "
        f"region {china.destination_region} is in aws-cn: STS of one partition can't assume a role of another; give "
        f"a role of partition aws-cn for account {DEST_A}\n")
    assert [s.operation for s in wire.sent] == ["GetCallerIdentity"]
