"""``ecr-replication check`` against moto: configuration drift, the service-linked role, and destination registry
policies read only with credentials verified to be in the destination's account."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from botocore.stub import Stubber

from replication.cli.check import registry_policy_findings
from replication.cli.main import build_parser, main
from replication.ecr_semantics import Registry as Destination
from tests.cli.conftest import DEST_A, DEST_B, REGION, SOURCE, Cli, Registry
from tests.cli.fakes import ClientHook, aws_error, create_replication_role

WEST = "us-west-2"
ROLE_A = f"arn:aws:iam::{DEST_A}:role/reader"
PROD = f"arn:aws:ecr:{WEST}:{DEST_A}:repository/prod/"
EXPECTED = {"rules": [{"destinations": [{"region": WEST, "registryId": DEST_A}, {"region": "eu-west-1", "registryId": SOURCE}],
                       "repositoryFilters": [{"filter": "prod/", "filterType": "PREFIX_MATCH"}]}]}
BOTH = ["ecr:ReplicateImage", "ecr:CreateRepository"]


def policy(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def allow(resource: str, actions: list[str], principal: str = f"arn:aws:iam::{SOURCE}:root", sid: str = "replication",
          **extra: Any) -> dict[str, Any]:
    return {"Sid": sid, "Effect": "Allow", "Principal": {"AWS": principal}, "Action": actions, "Resource": resource, **extra}


def write(path: Path, document: dict[str, Any]) -> Path:
    path.write_text(json.dumps(document))
    return path


@pytest.fixture
def expected_file(tmp_path: Path) -> Path:
    """What `pulumi stack output --json` would hold."""
    return write(tmp_path / "expected.json",
                 {"replicationConfiguration": EXPECTED, "sourceRegistryId": SOURCE, "sourceRegion": REGION})


def service_linked_role(registry: Registry) -> None:
    create_replication_role(registry.session.client("iam"))


def destination_policy(registry: Registry, text: str, account: str = DEST_A) -> None:
    registry.account_session(account, WEST).client("ecr").put_registry_policy(policyText=text)


@pytest.fixture
def healthy(registry: Registry) -> Registry:
    """Live configuration as expected, the destination policy granting prod/, the service-linked role present."""
    registry.ecr.put_replication_configuration(replicationConfiguration=EXPECTED)
    destination_policy(registry, policy(allow(f"{PROD}*", BOTH)))
    service_linked_role(registry)
    return registry


def check(expected: Path, *extra: str) -> int:
    """Run check with the destination read through a role in its own account."""
    return main(["check", "--expected", str(expected), "--destination-role-arn", f"{DEST_A}={ROLE_A}", *extra])


def report(capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    return json.loads(capsys.readouterr().out)


def test_healthy(healthy: Registry, expected_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Every registry read with its own account's credentials, nothing wrong: healthy, exit 0."""
    assert check(expected_file) == 0
    assert capsys.readouterr().out.splitlines()[-1].startswith("healthy:")


def test_without_destination_credentials_the_destination_is_not_checked(
        healthy: Registry, expected_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The source credentials never read a destination: its registry is not checked and the run can't pass, even
    though the *source* account's registry in that region has a policy that would look right."""
    destination_policy(healthy, policy(allow(f"arn:aws:ecr:{WEST}:{SOURCE}:repository/*", BOTH)), account=SOURCE)
    healthy.account_session(DEST_A, WEST).client("ecr").delete_registry_policy()
    assert main(["check", "--expected", str(expected_file), "--json"]) == 3
    document = report(capsys)
    assert document["healthy"] is False and document["findings"] == []
    assert document["notChecked"] == [{
        "where": f"registry {DEST_A}/{WEST}",
        "reason": f"its registry policy was not read: no credentials were given for account {DEST_A}",
        "fix": f"pass --destination-role-arn {DEST_A}=ROLE_ARN or --destination-profile {DEST_A}=PROFILE",
    }]


def test_with_its_credentials_a_destination_without_policy_is_a_finding(
        healthy: Registry, expected_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    healthy.account_session(DEST_A, WEST).client("ecr").delete_registry_policy()
    assert check(expected_file, "--json") == 1
    assert [f["problem"] for f in report(capsys)["findings"]] == [
        f"has no registry policy, so replication from {SOURCE} is denied"]


def test_credentials_reaching_the_wrong_account_are_an_error(healthy: Registry, expected_file: Path,
                                                              tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    """A profile given for DEST_A that reaches DEST_B (a role profile, assumed by botocore itself; DEST_B's registry
    has a permissive policy) is never used to judge DEST_A: STS says which account it is, and credentials that
    can't be used for the account they were given for are an error (2), not "not checked" (3), which a CI gate
    tolerating pending replication would pass."""
    destination_policy(healthy, policy(allow(f"arn:aws:ecr:{WEST}:{DEST_B}:repository/*", BOTH)), account=DEST_B)
    config = tmp_path / "config"
    config.write_text(f"[profile other]\nrole_arn = arn:aws:iam::{DEST_B}:role/reader\ncredential_source = Environment\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    assert main(["check", "--expected", str(expected_file), "--destination-profile", f"{DEST_A}=other",
                 "--json"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == (f"ecr-replication check: error: account {DEST_A}: profile other (given by "
                            f"--destination-profile {DEST_A}=other) can't be used: it reaches account {DEST_B}, "
                            f"not {DEST_A}\n")


def test_a_role_arn_of_another_account_is_refused_up_front(healthy: Registry, expected_file: Path,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    """A role's ARN names its account, so a role ARN of DEST_B given for DEST_A can only reach DEST_B."""
    wrong = f"arn:aws:iam::{DEST_B}:role/reader"
    assert main(["check", "--expected", str(expected_file), "--destination-role-arn", f"{DEST_A}={wrong}"]) == 2
    assert capsys.readouterr().err == (
        f"ecr-replication check: error: --destination-role-arn '{DEST_A}={wrong}': the role must be a role ARN in "
        f"account {DEST_A}, so it can read that account's registries (it names {DEST_B})\n")


def test_text_report_says_what_was_not_checked(healthy: Registry, expected_file: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--expected", str(expected_file)]) == 3
    assert capsys.readouterr().out.splitlines() == [
        f"registry {DEST_A}/{WEST}: not checked: its registry policy was not read: no credentials were given for "
        f"account {DEST_A}",
        f"  to check it: pass --destination-role-arn {DEST_A}=ROLE_ARN or --destination-profile {DEST_A}=PROFILE",
        "0 finding(s), 1 item(s) not checked",
    ]


def test_drift_missing_policy_and_role(registry: Registry, expected_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Rules replicating other prefixes, a missing service-linked role and a missing policy: three findings."""
    registry.replicate([(WEST, DEST_A)], ["prod"])
    assert check(expected_file, "--json") == 1
    findings = report(capsys)["findings"]
    assert [f["where"] for f in findings] == [f"registry {SOURCE}/{REGION}", f"account {SOURCE}", f"registry {DEST_A}/{WEST}"]
    assert findings[0]["problem"] == (
        f"replicates other than expected: {SOURCE}/eu-west-1 does not receive 'prod/'; "
        f"{DEST_A}/{WEST} also receives 'prod'")  # 'prod' covers 'prod/' and more: prod-api, prod2/...
    assert "AWSServiceRoleForECRReplication does not exist" in findings[1]["problem"]
    assert "create-service-linked-role" in findings[1]["fix"]
    assert findings[2]["problem"] == f"has no registry policy, so replication from {SOURCE} is denied"
    assert f"arn:aws:iam::{SOURCE}:root" in findings[2]["fix"]


def test_same_replication_in_another_layout_is_a_note(healthy: Registry, tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    """One rule with two destinations replicates what two one-destination rules with the same filter do."""
    split = {"rules": [{"destinations": [d], "repositoryFilters": EXPECTED["rules"][0]["repositoryFilters"]}
                       for d in EXPECTED["rules"][0]["destinations"]]}
    assert check(write(tmp_path / "split.json", {"replicationConfiguration": split}), "--json") == 0
    assert report(capsys)["notes"] == [
        f"registry {SOURCE}/{REGION} replicates as expected with 1 rule(s) laid out differently from the "
        "component's 2; the next `pulumi up` rewrites them to its layout"]


def test_delete_replication_on_a_live_rule_is_a_finding(healthy: Registry, expected_file: Path, cli: Cli,
                                                        stub_operations: Callable[..., Stubber],
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    """The component can't declare deleteReplication (pulumi-aws 7.51.1 has no argument for it), so a live rule
    with it enabled is turned off by the next `pulumi up`. moto drops the field: a Stubber answers
    DescribeRegistry with the shape botocore's model gives it."""
    live = {"rules": [{**EXPECTED["rules"][0], "deleteReplication": {"enabled": True}}]}
    stub_operations("describe_registry").add_response(
        "describe_registry", {"registryId": SOURCE, "replicationConfiguration": live})
    assert cli.main(["check", "--expected", str(expected_file), "--destination-role-arn", f"{DEST_A}={ROLE_A}",
                     "--json"]) == 1
    [finding] = report(capsys)["findings"]
    assert finding["problem"].startswith("rule 1 has deleteReplication enabled")


def test_a_live_rule_the_component_cant_declare_is_a_finding_with_what_to_do(
        healthy: Registry, expected_file: Path, cli: Cli, stub_operations: Callable[..., Stubber],
        capsys: pytest.CaptureFixture[str]) -> None:
    """A filter other than PREFIX_MATCH (botocore's ECR model knows no other: only an API newer than this package's
    could write one, so a Stubber answers with it) is read, and the stack can't have written it: a finding whose fix
    says what to do, not a permission to add (it advised "allow ecr:DescribeRegistry", which was granted)."""
    live = {"rules": [{**EXPECTED["rules"][0], "repositoryFilters": [{"filter": "prod/*", "filterType": "WILDCARD"}]}]}
    stub_operations("describe_registry").add_response(
        "describe_registry", {"registryId": SOURCE, "replicationConfiguration": live})
    assert cli.main(["check", "--expected", str(expected_file), "--destination-role-arn", f"{DEST_A}={ROLE_A}",
                     "--json"]) == 1
    document = report(capsys)
    assert document["notChecked"] == []
    assert document["findings"] == [{
        "where": f"registry {SOURCE}/{REGION}",
        "problem": "rule 1 has a 'WILDCARD' filter 'prod/*'; only PREFIX_MATCH is modelled, which the component "
                   "can't declare, so the stack did not write this configuration",
        "fix": "the component declares PREFIX_MATCH filters only, the one filterType pulumi-aws and botocore's ECR "
               "model know: `pulumi up --refresh` on the stack that owns the EcrReplication component puts the "
               "stack's rules back; to keep this rule, manage this registry's replication outside the component"}]


@pytest.mark.parametrize(
    ("statements", "problems"),
    [
        ([allow(f"{PROD}*", ["ecr:ReplicateImage"])],
         [f"does not let {SOURCE} do ecr:CreateRepository on {PROD}*: not granted: no statement allows it"]),
        ([allow(f"arn:aws:ecr:{WEST}:{DEST_A}:repository/dev/*", BOTH)],
         [f"does not let {SOURCE} do ecr:CreateRepository on {PROD}*: not granted: no statement allows it",
          f"does not let {SOURCE} do ecr:ReplicateImage on {PROD}*: not granted: no statement allows it"]),
        ([allow(f"arn:aws:ecr:{WEST}:{DEST_A}:repository/*", BOTH)], []),
        ([allow(f"arn:aws:ecr:{WEST}:{DEST_A}:repository/*", BOTH, principal=SOURCE)], []),
        ([allow(f"arn:aws:ecr:{WEST}:{DEST_A}:repository/*", BOTH),
          {"Sid": "NoSecrets", "Effect": "Deny", "Principal": "*", "Action": "ecr:ReplicateImage",
           "Resource": f"{PROD}secret*"}],
         [f"denies {SOURCE} ecr:ReplicateImage on {PROD}*: explicitly denied by statement NoSecrets"]),
        ([allow(f"{PROD}*", BOTH, Condition={"StringEquals": {"aws:SourceAccount": SOURCE}})],
         [f"does not provably let {SOURCE} do ecr:CreateRepository on {PROD}*: depends on the Condition of "
          "statement replication, which is not evaluated here, so the grant is not provable",
          f"does not provably let {SOURCE} do ecr:ReplicateImage on {PROD}*: depends on the Condition of statement "
          "replication, which is not evaluated here, so the grant is not provable"]),
    ],
    ids=["CreateRepository missing", "another prefix", "every repository", "bare account id", "a deny inside",
         "a condition"],
)
def test_live_registry_policy_evaluated_as_iam_does(healthy: Registry, expected_file: Path, statements: list[dict[str, Any]],
                                                    problems: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    destination_policy(healthy, policy(*statements))
    assert check(expected_file, "--json") == (1 if problems else 0)
    assert [f["problem"] for f in report(capsys)["findings"]] == [f"the registry policy {problem}" for problem in problems]


REPLICATION_ROLE = (f"arn:aws:iam::{SOURCE}:role/aws-service-role/replication.ecr.amazonaws.com/"
                    "AWSServiceRoleForECRReplication")
"""The role ECR replicates cross-account as (ECR user guide, "Amazon ECR service-linked role for replication")."""


def deny(principal: Any, sid: str = "NoRole", **extra: Any) -> dict[str, Any]:
    return {"Sid": sid, "Effect": "Deny", "Principal": {"AWS": principal}, "Action": "ecr:ReplicateImage",
            "Resource": f"{PROD}*", **extra}


def test_a_deny_naming_the_replication_role_is_a_finding(healthy: Registry, expected_file: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    """The source account's root is granted, but ECR replicates as the service-linked role, and the explicit Deny
    naming that role wins: replication fails, so check must not call it healthy."""
    destination_policy(healthy, policy(allow(f"{PROD}*", BOTH), deny(REPLICATION_ROLE)))
    assert check(expected_file, "--json") == 1
    [finding] = report(capsys)["findings"]
    assert finding == {
        "where": f"registry {DEST_A}/{WEST}",
        "problem": f"the registry policy denies {SOURCE} ecr:ReplicateImage on {PROD}*: explicitly denied by "
                   "statement NoRole",
        "fix": f"narrow statement NoRole in the registry policy of {DEST_A}/{WEST} so that it denies "
               f"ecr:ReplicateImage on {PROD}* neither to arn:aws:iam::{SOURCE}:root nor to {REPLICATION_ROLE}, the "
               "role ECR replicates as (an explicit Deny wins over every Allow)"}


def test_a_deny_naming_another_role_of_the_source_account_leaves_replication_healthy(
        healthy: Registry, expected_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    destination_policy(healthy, policy(allow(f"{PROD}*", BOTH), deny(f"arn:aws:iam::{SOURCE}:role/deployer")))
    assert check(expected_file) == 0
    assert capsys.readouterr().out.splitlines()[-1].startswith("healthy:")


def test_an_allow_with_not_principal_is_refused_like_the_component_does(healthy: Registry, expected_file: Path,
                                                                        capsys: pytest.CaptureFixture[str]) -> None:
    """IAM supports NotPrincipal only with Deny: such an Allow grants nothing check can rely on (here the only
    statement), and it is reported in the words the component, the pack and import use."""
    everyone_else = {"Sid": "AllButOne", "Effect": "Allow", "NotPrincipal": {"AWS": "arn:aws:iam::999999999999:root"},
                     "Action": BOTH, "Resource": f"{PROD}*"}
    destination_policy(healthy, policy(everyone_else))
    assert check(expected_file, "--json") == 1
    problems = [f["problem"] for f in report(capsys)["findings"]]
    assert problems == [
        f"the registry policy does not let {SOURCE} do ecr:CreateRepository on {PROD}*: not granted: no statement "
        "allows it",
        f"the registry policy does not let {SOURCE} do ecr:ReplicateImage on {PROD}*: not granted: no statement "
        "allows it",
        "registry policy statement AllButOne: an Allow with NotPrincipal grants every principal except those it "
        "names (IAM supports NotPrincipal only with Deny); name the principals in Principal"]


def test_one_missing_action_is_one_finding_whose_fix_names_what_is_missing(healthy: Registry, tmp_path: Path,
                                                                           capsys: pytest.CaptureFixture[str]) -> None:
    """The stack's policy grants ReplicateImage twice (its replication statement on prod/*, an extra statement on
    prod/api*, which prod/* covers); the live policy grants only CreateRepository. That is one missing action, on
    prod/*, and the fix adds exactly that."""
    extra = allow(f"{PROD}api*", ["ecr:ReplicateImage"], sid="Api")
    expected = write(tmp_path / "plan.json", {"replicationConfiguration": EXPECTED, "registryPolicies": {
        f"{DEST_A}.dkr.ecr.{WEST}.amazonaws.com": policy(allow(f"{PROD}*", BOTH), extra)}})
    destination_policy(healthy, policy(allow(f"{PROD}*", ["ecr:CreateRepository"])))
    assert check(expected, "--json") == 1
    assert report(capsys)["findings"] == [{
        "where": f"registry {DEST_A}/{WEST}",
        "problem": f"the registry policy does not let {SOURCE} do ecr:ReplicateImage on {PROD}*: not granted: no "
                   "statement allows it",
        "fix": f"add to the registry policy of {DEST_A}/{WEST} a statement allowing principal "
               f"arn:aws:iam::{SOURCE}:root ecr:ReplicateImage on {PROD}* (the EcrReplication component writes it)"}]


def test_an_action_missing_on_two_prefixes_is_one_finding_naming_both() -> None:
    """prod/ and shared/ replicate to DEST_A; the policy grants ReplicateImage on both and CreateRepository on
    neither: one finding for the one missing action, naming both repository patterns, and one fix adding that
    action on both (not a finding, or a fix, per prefix). With nothing granted, one finding per action."""
    shared = f"arn:aws:ecr:{WEST}:{DEST_A}:repository/shared/"
    destination, prefixes = Destination(DEST_A, WEST), frozenset({"prod/", "shared/"})
    [finding] = registry_policy_findings(policy(allow([f"{PROD}*", f"{shared}*"], ["ecr:ReplicateImage"])), SOURCE,
                                         destination, prefixes)
    assert (finding.problem, finding.fix) == (
        f"the registry policy does not let {SOURCE} do ecr:CreateRepository on {PROD}*, {shared}*: not granted: no "
        "statement allows it",
        f"add to the registry policy of {DEST_A}/{WEST} a statement allowing principal arn:aws:iam::{SOURCE}:root "
        f"ecr:CreateRepository on {PROD}*, {shared}* (the EcrReplication component writes it)")
    nothing = registry_policy_findings(policy(allow(f"arn:aws:ecr:{WEST}:{DEST_A}:repository/dev/*", BOTH)), SOURCE,
                                       destination, prefixes)
    assert [f.problem for f in nothing] == [
        f"the registry policy does not let {SOURCE} do {action} on {PROD}*, {shared}*: not granted: no statement "
        "allows it" for action in ("ecr:CreateRepository", "ecr:ReplicateImage")]


def test_least_privilege_policy_from_the_expected_registry_policies(healthy: Registry, tmp_path: Path,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    """With the stack's registry policies in the expected file, the live policy must grant what they grant: here
    ReplicateImage on exactly the pre-created repositories (allow_repository_creation=False), no CreateRepository."""
    exact = allow(f"{PROD}api", ["ecr:ReplicateImage"], sid="AllowEcrReplicationFromSourceAccount")
    expected = write(tmp_path / "plan.json", {"replicationConfiguration": EXPECTED, "outputs": {
        "registryPolicies": {f"{DEST_A}.dkr.ecr.{WEST}.amazonaws.com": policy(exact)}}})
    destination_policy(healthy, policy(exact))
    assert check(expected, "--json") == 0
    assert report(capsys)["healthy"] is True
    destination_policy(healthy, policy(allow(f"{PROD}web", ["ecr:ReplicateImage"])))
    assert check(expected, "--json") == 1
    assert [f["problem"] for f in report(capsys)["findings"]] == [
        f"the registry policy does not let {SOURCE} do ecr:ReplicateImage on {PROD}api: not granted: no statement "
        "allows it"]


def test_an_unreadable_registry_policy_is_not_checked(healthy: Registry, expected_file: Path, cli: Cli,
                                                      stub_operations: Callable[..., Stubber],
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    """AccessDenied on GetRegistryPolicy (the role may not read it) is no verdict about the policy."""
    stub_operations("get_registry_policy").add_client_error(
        "get_registry_policy", "AccessDeniedException", "not authorized to perform: ecr:GetRegistryPolicy")
    assert cli.main(["check", "--expected", str(expected_file), "--destination-role-arn", f"{DEST_A}={ROLE_A}",
                     "--json"]) == 3
    [item] = report(capsys)["notChecked"]
    assert item["reason"] == (f"its registry policy can't be read: access denied: account {DEST_A} is not allowed to "
                              "call ecr:GetRegistryPolicy (not authorized to perform: ecr:GetRegistryPolicy)")


def answering(service: str, operation: str, status: int, code: str, message: str) -> ClientHook:
    """A hook answering ``operation`` on every ``service`` client with an AWS error (after botocore's retries)."""
    def hook(name: str, client: Any) -> Any:
        if name == service:
            client.meta.events.register(f"before-call.{service}.{operation}",
                                        lambda **_: aws_error(code, message, status))
        return client
    return hook


SOURCE_READS = [
    ("ecr", "DescribeRegistry", f"registry {SOURCE}/{REGION}", "its replication configuration can't be read"),
    ("iam", "GetRole", f"account {SOURCE}", "the service-linked role can't be read"),
]


@pytest.mark.parametrize(("service", "operation", "where", "unread"), SOURCE_READS, ids=["DescribeRegistry", "GetRole"])
def test_a_source_read_aws_fails_is_not_checked_and_no_permission_is_advised(
        healthy: Registry, expected_file: Path, cli: Cli, hooks: list[ClientHook], service: str, operation: str,
        where: str, unread: str, capsys: pytest.CaptureFixture[str]) -> None:
    """A server error outlasting botocore's retries (ECR's ServerException, IAM's ServiceFailure: HTTP 500, botocore's
    models) is no missing permission: the item is not checked, and the fix is to run check again."""
    code = {"ecr": "ServerException", "iam": "ServiceFailure"}[service]
    hooks.append(answering(service, operation, 500, code, "Internal error"))
    assert cli.main(["check", "--expected", str(expected_file), "--destination-role-arn", f"{DEST_A}={ROLE_A}",
                     "--json"]) == 3
    [item] = report(capsys)["notChecked"]
    assert (item["where"], item["reason"]) == (
        where, f"{unread}: {service}:{operation} failed in account {SOURCE}: {code}: Internal error")
    assert item["fix"].startswith("run ecr-replication check again: AWS failed the call, which is no permission problem")


@pytest.mark.parametrize(("service", "operation", "where", "unread"), SOURCE_READS, ids=["DescribeRegistry", "GetRole"])
def test_a_source_read_denied_is_not_checked_and_names_the_permission_and_the_credentials(
        healthy: Registry, expected_file: Path, cli: Cli, hooks: list[ClientHook], service: str, operation: str,
        where: str, unread: str, capsys: pytest.CaptureFixture[str]) -> None:
    hooks.append(answering(service, operation, 403 if service == "iam" else 400,
                           "AccessDenied" if service == "iam" else "AccessDeniedException", "not authorized"))
    assert cli.main(["check", "--expected", str(expected_file), "--destination-role-arn", f"{DEST_A}={ROLE_A}",
                     "--json"]) == 3
    [item] = report(capsys)["notChecked"]
    assert (item["where"], item["fix"]) == (where, f"allow {service}:{operation} to the default credential chain")
    assert item["reason"].startswith(f"{unread}: access denied: account {SOURCE} is not allowed to call "
                                     f"{service}:{operation}")


def test_china_partition_policy_of_the_component_grants_replication() -> None:
    """The component's own aws-cn registry policy is judged with aws-cn principals and ARNs."""
    from replication import EcrReplication, EcrReplicationArgs, ReplicationDestinationArgs
    from replication.preview.runner import run_offline
    from tests.conftest import account_provider

    def program() -> None:
        source = account_provider("source", SOURCE, "cn-north-1")
        destination = account_provider("destination", DEST_A, "cn-northwest-1")
        EcrReplication("images", EcrReplicationArgs(
            source_provider=source, source_account_id=SOURCE, source_region="cn-north-1",
            destinations=[ReplicationDestinationArgs(provider=destination, account_id=DEST_A, regions=["cn-northwest-1"])],
            repository_prefixes=["prod/"]))

    [registry_policy] = [r for r in run_offline(program).resources if r.type == "aws:ecr/registryPolicy:RegistryPolicy"]
    text = registry_policy.inputs["policy"]
    assert "arn:aws-cn:iam::" in text
    assert registry_policy_findings(text, SOURCE, Destination(DEST_A, "cn-northwest-1"), frozenset({"prod/"})) == []


def test_wrong_source_account(healthy: Registry, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Credentials of another account than sourceRegistryId stop the check with one line."""
    path = write(tmp_path / "other.json", {"replicationConfiguration": EXPECTED, "sourceRegistryId": DEST_A})
    assert main(["check", "--expected", str(path)]) == 2
    assert capsys.readouterr().err == (
        f"ecr-replication check: error: the source credentials are for account {SOURCE}, but {path} expects "
        f"source registry {DEST_A}\n")


@pytest.mark.parametrize(
    ("content", "message"),
    [("{not json", "cannot read expected configuration"), ('{"outputs": {}}', "has no top-level replicationConfiguration"),
     ('{"replicationConfiguration": {"rules": [{"destinations": [{"region": "x"}]}]}}', "is not AWS's shape")],
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


def test_help_lists_the_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        build_parser(["check"]).parse_args(["check", "--help"])
    text = capsys.readouterr().out
    flat = " ".join(text.split())
    assert "Exit codes: 0 healthy" in flat and "3 no finding, but something was not checked" in flat
    assert max(len(line) for line in text.splitlines()) <= 80
    assert "``" not in text


def test_a_region_other_than_the_expected_source_region_is_refused(healthy: Registry, expected_file: Path,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    """Judging the registry of another region than the stack's would report a wrong 'no replication' finding."""
    assert check(expected_file, "--region", "us-west-2") == 2
    assert capsys.readouterr().err == (f"ecr-replication check: error: --region us-west-2, but {expected_file} expects "
                                       f"the source registry in {REGION}; leave --region out\n")


def test_destination_accounts_are_read_side_by_side_and_reported_in_order(
        registry: Registry, tmp_path: Path, cli: Cli, hooks: list[ClientHook],
        capsys: pytest.CaptureFixture[str]) -> None:
    """DEST_A's registry policy read waits until DEST_B's has been answered, so the reads overlap (one after the
    other, DEST_A's would wait in vain) and end in reverse order; the report still lists DEST_A first."""
    EU = "eu-west-1"
    rules = {"rules": [{"destinations": [{"region": WEST, "registryId": DEST_A}, {"region": EU, "registryId": DEST_B}],
                        "repositoryFilters": [{"filter": "prod/", "filterType": "PREFIX_MATCH"}]}]}
    registry.ecr.put_replication_configuration(replicationConfiguration=rules)
    service_linked_role(registry)
    b_answered = threading.Event()

    def order(service: str, client: Any) -> Any:
        if service == "ecr" and client.meta.region_name == WEST:
            client.meta.events.register("before-call.ecr.GetRegistryPolicy",
                                        lambda **_: None if b_answered.wait(timeout=10) else pytest.fail("not side by side"))
        elif service == "ecr" and client.meta.region_name == EU:
            client.meta.events.register("after-call.ecr.GetRegistryPolicy", lambda **_: b_answered.set())
            client.meta.events.register("after-call-error.ecr.GetRegistryPolicy", lambda **_: b_answered.set())
        return client

    hooks.append(order)
    expected = write(tmp_path / "two.json", {"replicationConfiguration": rules, "sourceRegion": REGION})
    assert cli.main(["check", "--expected", str(expected), "--json", "--destination-role-arn", f"{DEST_A}={ROLE_A}",
                     "--destination-role-arn", f"{DEST_B}=arn:aws:iam::{DEST_B}:role/reader"]) == 1
    assert b_answered.is_set()
    assert [(f["where"], f["problem"]) for f in report(capsys)["findings"]] == [
        (f"registry {DEST_A}/{WEST}", f"has no registry policy, so replication from {SOURCE} is denied"),
        (f"registry {DEST_B}/{EU}", f"has no registry policy, so replication from {SOURCE} is denied")]
