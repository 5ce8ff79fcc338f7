"""``ecr-replication check`` with pull-through spokes: each spoke registry's rules compared with what ``plan --json``
declares, ECR's own validation of each rule, and the upstream's grant to each spoke account, evaluated by the shared
evaluator; every registry read with its own account's credentials.

The stack (planned for real, once): source SOURCE/us-east-1 replicates ``prod/`` to DEST_A/us-west-2; spokes
DEST_B/ap-south-1 (caching from DEST_A/us-west-2), DEST_B/ap-southeast-1 (from the source) and SOURCE/eu-west-1 (from
the source, in its own account: no role, no grant).

moto has no pull-through cache rules, and refuses registry policies with actions other than the replication ones (as
the older V1 registry policy scope did): :class:`tests.cli.fakes.PullThroughCache` answers
``DescribePullThroughCacheRules`` and ``ValidatePullThroughCacheRule`` as ECR does, and
:class:`tests.cli.fakes.RegistryPolicies` the policies that hold a pull-through grant, each answer validated
against botocore's ECR model.
"""

from __future__ import annotations

import contextlib
import io
import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from replication.cli.main import main
from replication.ecr_semantics import Registry as At
from tests.cli.conftest import DEST_A, DEST_B, REGION, SOURCE, Cli, Registry
from replication.cli.permissions import policy_documents, stack_scope
from tests.cli.fakes import PullThroughCache, RegistryPolicies, pull_through_rule
from tests.cli.recorded_calls import DESTINATION_CREDENTIALS, SOURCE_CREDENTIALS, calls_of_this_test
from tests.cli.test_cli_permissions import refusals, unused_grants
from tests.cli.test_cli_check import policy, service_linked_role

ROOT = Path(__file__).resolve().parents[2]
WEST, SOUTH, SOUTHEAST, EU = "us-west-2", "ap-south-1", "ap-southeast-1", "eu-west-1"
UPSTREAM_A, SOURCE_REGISTRY = At(DEST_A, WEST), At(SOURCE, REGION)
ROLE_B = f"arn:aws:iam::{DEST_B}:role/images-pull-through-role-{DEST_B}-1a2b3c4"
"""The role the stack creates in DEST_B (pulumi-aws adds a random suffix to its name)."""
GRANT_ACTIONS = ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchImportUpstreamImage",
                 "ecr:GetImageCopyStatus"]
"""What an upstream grants a spoke account (ECR user guide, "Setting up permissions for cross-account ECR to ECR
PTC", "Creating a resource policy in the upstream Amazon ECR registry")."""
READERS = ["--destination-role-arn", f"{DEST_A}=arn:aws:iam::{DEST_A}:role/reader",
           "--destination-role-arn", f"{DEST_B}=arn:aws:iam::{DEST_B}:role/reader"]

STACK_CONFIG = {
    "pulumi:disable-default-providers": ["aws"],
    "ecr-replication:source": {"accountId": SOURCE, "region": REGION},
    "ecr-replication:destinations": [{"accountId": DEST_A, "regions": [WEST]}],
    "ecr-replication:pullThroughDestinations": [
        {"accountId": DEST_B, "regions": [SOUTH], "upstream": str(UPSTREAM_A)},
        {"accountId": DEST_B, "regions": [SOUTHEAST]},
        {"accountId": SOURCE, "regions": [EU]},
    ],
    "ecr-replication:repositoryPrefixes": ["prod/"],
}


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the bundled program with :data:`STACK_CONFIG` as its stack ``spokes``."""
    folder = tmp_path_factory.mktemp("spokes")
    for name in ("Pulumi.yaml", "__main__.py"):
        shutil.copy(ROOT / name, folder / name)
    (folder / "Pulumi.spokes.yaml").write_text(yaml.safe_dump({"config": STACK_CONFIG}))
    return folder


@pytest.fixture(scope="module")
def plan(project: Path) -> dict[str, Any]:
    """``ecr-replication plan --stack spokes --json`` of the project."""
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        assert main(["plan", "--stack", "spokes", "--cwd", str(project), "--json", "--no-policies"]) == 0
    return json.loads(printed.getvalue())


@pytest.fixture
def expected(plan: dict[str, Any], tmp_path: Path) -> Path:
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan))
    return path


def declared_policy(plan: dict[str, Any], registry: At) -> str:
    return plan["outputs"]["registryPolicies"][registry.host]


@pytest.fixture
def deployed(registry: Registry, plan: dict[str, Any], spokes: PullThroughCache,
             policies: RegistryPolicies) -> Iterator[None]:
    """Live state as `pulumi up` of the stack leaves it: replication, the service-linked role, the registry
    policies the stack declares (DEST_A's and the source's, each with its grant to DEST_B) and each spoke's rule."""
    registry.replicate([(WEST, DEST_A)], ["prod/"])
    service_linked_role(registry)
    policies.set(DEST_A, WEST, declared_policy(plan, UPSTREAM_A))
    policies.set(SOURCE, REGION, declared_policy(plan, SOURCE_REGISTRY))
    spokes.set(DEST_B, SOUTH, pull_through_rule(DEST_B, "prod", UPSTREAM_A, ROLE_B, "prod"))
    spokes.set(DEST_B, SOUTHEAST, pull_through_rule(DEST_B, "prod", SOURCE_REGISTRY, ROLE_B, "prod"))
    spokes.set(SOURCE, EU, pull_through_rule(SOURCE, "prod", SOURCE_REGISTRY, None, "prod"))
    yield


def check(cli: Cli, expected: Path, *extra: str) -> int:
    return cli.main(["check", "--expected", str(expected), *READERS, "--json", *extra])


def report(capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    return json.loads(capsys.readouterr().out)


def test_the_plan_declares_each_spoke_rule_as_describe_shows_it(plan: dict[str, Any]) -> None:
    """What check compares with: each rule in DescribePullThroughCacheRules' names, a role only across accounts."""
    rules = {(s["accountId"], s["region"]): s["rules"] for s in plan["pullThroughSpokes"]}
    assert rules[(SOURCE, EU)] == [{"ecrRepositoryPrefix": "prod", "upstreamRegistryUrl": SOURCE_REGISTRY.host,
                                    "upstreamRepositoryPrefix": "prod", "customRoleArn": None}]
    [south] = rules[(DEST_B, SOUTH)]
    assert (south["upstreamRegistryUrl"], south["customRoleArn"].split(":")[4]) == (UPSTREAM_A.host, DEST_B)


def test_spokes_as_declared_are_healthy_and_each_rule_is_validated_in_its_account(
        cli: Cli, deployed: None, expected: Path, spokes: PullThroughCache,
        capsys: pytest.CaptureFixture[str]) -> None:
    assert check(cli, expected) == 0, capsys.readouterr().out
    assert report(capsys) == {"healthy": True, "findings": [], "notChecked": [], "notes": []}
    assert sorted(spokes.validated) == sorted([(DEST_B, SOUTH, "prod"), (DEST_B, SOUTHEAST, "prod"), (SOURCE, EU, "prod")])


def test_the_stack_documents_grant_every_call_check_makes_in_each_account(
        cli: Cli, deployed: None, expected: Path, project: Path, request: pytest.FixtureRequest,
        capsys: pytest.CaptureFixture[str]) -> None:
    """`permissions check --stack spokes`: the source credentials read the spoke in their account and the source's
    policy (an upstream), DEST_B's role its spokes; each call check makes is granted where it is made."""
    assert check(cli, expected) == 0, capsys.readouterr().out
    calls = calls_of_this_test(request)
    made = {(c.credentials, c.action, str(c.registry)) for c in calls if c.action.startswith("ecr:")}
    assert {(SOURCE_CREDENTIALS, "ecr:DescribePullThroughCacheRules", f"{SOURCE}/{EU}"),
            (SOURCE_CREDENTIALS, "ecr:GetRegistryPolicy", str(SOURCE_REGISTRY)),
            (DESTINATION_CREDENTIALS, "ecr:ValidatePullThroughCacheRule", f"{DEST_B}/{SOUTH}"),
            (DESTINATION_CREDENTIALS, "ecr:GetRegistryPolicy", str(UPSTREAM_A))} <= made
    documents = policy_documents("check", stack_scope(project, "spokes", "check"))
    assert refusals(calls, documents) == [] and unused_grants(calls, documents) == []
    assert {"ecr:DescribePullThroughCacheRules", "ecr:ValidatePullThroughCacheRule", "ecr:GetRegistryPolicy"} <= (
        set(documents["source"]["Statement"][0]["Action"]))


def test_a_spoke_whose_upstream_grant_is_missing_is_a_finding(
        cli: Cli, deployed: None, expected: Path, plan: dict[str, Any], policies: RegistryPolicies,
        capsys: pytest.CaptureFixture[str]) -> None:
    """DEST_A's policy still lets the source replicate, but no longer grants DEST_B: one finding per action ECR's
    pull-through cache needs there, each naming the spoke and the statement that restores it."""
    replication_only = json.loads(declared_policy(plan, UPSTREAM_A))["Statement"][:1]
    policies.set(DEST_A, WEST, policy(*replication_only))
    assert check(cli, expected) == 1
    findings = report(capsys)["findings"]
    prod = UPSTREAM_A.repository_arn("prod/*")
    assert [(f["where"], f["problem"]) for f in findings] == [
        (f"registry {UPSTREAM_A}", f"the registry policy does not let account {DEST_B} do {action} on {prod}: not "
                                   "granted: no statement allows it") for action in sorted(GRANT_ACTIONS)]
    assert findings[0]["fix"] == (
        f"add to the registry policy of {UPSTREAM_A} a statement allowing principal arn:aws:iam::{DEST_B}:root "
        f"ecr:BatchGetImage on {prod} (the EcrReplication component writes it as statement "
        "AllowPullThroughCacheToSpokeAccounts where it manages this registry's policy)")


def test_a_deny_of_the_spoke_account_and_a_source_without_policy_are_findings(
        cli: Cli, deployed: None, expected: Path, plan: dict[str, Any], policies: RegistryPolicies,
        capsys: pytest.CaptureFixture[str]) -> None:
    """A Deny for "*" takes the grant away (explicit deny wins); the source without any policy grants nothing."""
    deny = {"Sid": "NoPulls", "Effect": "Deny", "Principal": "*", "Action": "ecr:BatchGetImage",
            "Resource": UPSTREAM_A.repository_arn("prod/*")}
    policies.set(DEST_A, WEST, policy(*json.loads(declared_policy(plan, UPSTREAM_A))["Statement"], deny))
    policies.set(SOURCE, REGION, None)
    assert check(cli, expected) == 1
    findings = [(f["where"], f["problem"], f["fix"]) for f in report(capsys)["findings"]]
    prod = UPSTREAM_A.repository_arn("prod/*")
    assert findings[0] == (f"registry {SOURCE_REGISTRY}",
                           f"has no registry policy, so the pull-through cache of spoke {DEST_B}/{SOUTHEAST} is denied",
                           f"add to the registry policy of {SOURCE_REGISTRY} a statement allowing principal "
                           f"arn:aws:iam::{DEST_B}:root {' and '.join(sorted(GRANT_ACTIONS))} on "
                           f"{SOURCE_REGISTRY.repository_arn('prod/*')} (the EcrReplication component writes it as "
                           "statement AllowPullThroughCacheToSpokeAccounts where it manages this registry's policy)")
    assert findings[1:] == [(
        f"registry {UPSTREAM_A}",
        f"the registry policy denies account {DEST_B} ecr:BatchGetImage on {prod}: explicitly denied by statement "
        "NoPulls",
        f"narrow statement NoPulls in the registry policy of {UPSTREAM_A} so that it doesn't deny ecr:BatchGetImage "
        f"on {prod} to arn:aws:iam::{DEST_B}:root (an explicit Deny wins over every Allow)")]


def test_missing_and_different_rules_are_findings_and_other_rules_a_note(
        cli: Cli, deployed: None, expected: Path, spokes: PullThroughCache,
        capsys: pytest.CaptureFixture[str]) -> None:
    docker = {"ecrRepositoryPrefix": "docker-hub", "upstreamRegistryUrl": "registry-1.docker.io",
              "upstreamRegistry": "docker-hub", "registryId": DEST_B,
              "credentialArn": f"arn:aws:secretsmanager:{SOUTH}:{DEST_B}:secret:ecr-pullthroughcache/docker-abc123"}
    spokes.set(DEST_B, SOUTH, docker)
    spokes.set(DEST_B, SOUTHEAST, pull_through_rule(DEST_B, "prod", SOURCE_REGISTRY))
    spokes.set(SOURCE, EU, pull_through_rule(SOURCE, "prod", SOURCE_REGISTRY, f"arn:aws:iam::{DEST_A}:role/x", "prod"))
    assert check(cli, expected) == 1
    document = report(capsys)
    assert [(f["where"], f["problem"]) for f in document["findings"]] == [  # in the plan's order of registries
        (f"registry {SOURCE}/{EU}", f"pull-through cache rule prod names role arn:aws:iam::{DEST_A}:role/x, and the "
                                    "stack declares none (ECR's service-linked role, for an upstream in the same "
                                    "account)"),
        (f"registry {DEST_B}/{SOUTH}", f"has no pull-through cache rule prod (caching {UPSTREAM_A.host}, prefix prod)"),
        (f"registry {DEST_B}/{SOUTHEAST}", "pull-through cache rule prod has upstream prefix ROOT, not prod; names no "
                                           "role (customRoleArn), and ECR's service-linked role can't pull from another "
                                           "account's registry: the stack declares the role the ECR user guide "
                                           "documents"),
    ]
    assert document["notes"] == [f"registry {DEST_B}/{SOUTH} has pull-through cache rule(s) the stack doesn't declare, "
                                 "left as they are: docker-hub (registry-1.docker.io)"]
    assert spokes.validated == []  # only a rule as declared is validated


@pytest.mark.parametrize("role", [f"arn:aws:iam::{DEST_A}:role/r", f"arn:aws:iam::{DEST_B}:user/r"],
                         ids=["a role of another account", "a user of the spoke's account"])
def test_a_role_in_another_account_is_a_finding(cli: Cli, deployed: None, expected: Path, spokes: PullThroughCache,
                                                role: str, capsys: pytest.CaptureFixture[str]) -> None:
    """customRoleArn read as a role ARN (ecr_semantics.account_of_role, as everywhere a role's account is read): an
    ARN in the spoke's account that is not a role's is not a role there either."""
    spokes.set(DEST_B, SOUTH, pull_through_rule(DEST_B, "prod", UPSTREAM_A, role, "prod"))
    assert check(cli, expected) == 1
    [finding] = report(capsys)["findings"]
    assert finding["problem"] == (f"pull-through cache rule prod names role {role}, which is not a role in account "
                                  f"{DEST_B}: the role must be in the registry's own account (botocore, "
                                  "CreatePullThroughCacheRule.customRoleArn)")


def test_a_spoke_account_nobody_gave_credentials_for_is_not_checked(
        cli: Cli, deployed: None, expected: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Without DEST_B's credentials its spoke registries are not read (the source credentials never read them), so
    the run is not healthy (exit 3); the upstreams' grants to DEST_B are still evaluated, with their own accounts'
    credentials."""
    assert cli.main(["check", "--expected", str(expected), READERS[0], READERS[1], "--json"]) == 3
    document = report(capsys)
    assert document["healthy"] is False and document["findings"] == []
    hint = f"pass --destination-role-arn {DEST_B}=ROLE_ARN or --destination-profile {DEST_B}=PROFILE"
    assert document["notChecked"] == [
        {"where": f"registry {DEST_B}/{region}",
         "reason": f"its pull-through cache rules were not read: no credentials were given for account {DEST_B}",
         "fix": hint} for region in (SOUTH, SOUTHEAST)]


def test_without_the_spoke_credentials_a_missing_grant_is_still_a_finding(
        cli: Cli, deployed: None, expected: Path, policies: RegistryPolicies,
        capsys: pytest.CaptureFixture[str]) -> None:
    policies.set(SOURCE, REGION, None)
    assert cli.main(["check", "--expected", str(expected), READERS[0], READERS[1], "--json"]) == 1
    document = report(capsys)
    assert [f["problem"] for f in document["findings"]] == [
        f"has no registry policy, so the pull-through cache of spoke {DEST_B}/{SOUTHEAST} is denied"]
    assert len(document["notChecked"]) == 2


def test_a_rule_ecr_cannot_validate_is_a_finding(cli: Cli, deployed: None, expected: Path, spokes: PullThroughCache,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    """ECR's own test of the rule (it assumes the role and reaches the upstream) fails: check reports ECR's reason."""
    spokes.invalidate(DEST_B, SOUTH, "prod", "Unable to assume the custom role")
    assert check(cli, expected) == 1
    [finding] = report(capsys)["findings"]
    assert finding["where"] == f"registry {DEST_B}/{SOUTH}"
    assert finding["problem"] == "ECR could not validate pull-through cache rule prod: Unable to assume the custom role"
    assert finding["fix"].startswith("its role (customRoleArn) must trust pullthroughcache.ecr.amazonaws.com")


@pytest.mark.parametrize(("operation", "code", "status", "exit_code", "said"), [
    ("ValidatePullThroughCacheRule", "ValidationException", 400, 0,
     {"notes": [f"registry {SOURCE}/{EU}: ECR did not validate pull-through cache rule prod (ValidationException: "
                "not supported); the rule and its upstream's grant were checked all the same"]}),
    ("ValidatePullThroughCacheRule", "AccessDeniedException", 400, 3,
     {"notChecked": [{"where": f"registry {SOURCE}/{EU}",
                      "reason": f"pull-through cache rule prod was not validated: access denied: account {SOURCE} is "
                                "not allowed to call ecr:ValidatePullThroughCacheRule (not supported)",
                      "fix": "allow ecr:ValidatePullThroughCacheRule to the default credential chain"}]}),
    ("DescribePullThroughCacheRules", "AccessDeniedException", 400, 3,
     {"notChecked": [{"where": f"registry {SOURCE}/{EU}",
                      "reason": f"its pull-through cache rules can't be read: access denied: account {SOURCE} is not "
                                "allowed to call ecr:DescribePullThroughCacheRules (not supported)",
                      "fix": "allow ecr:DescribePullThroughCacheRules to the default credential chain"}]}),
], ids=["validation refused", "validation denied", "rules denied"])
def test_what_ecr_refuses_to_answer(cli: Cli, deployed: None, expected: Path, spokes: PullThroughCache,
                                    operation: str, code: str, status: int, exit_code: int, said: dict[str, Any],
                                    capsys: pytest.CaptureFixture[str]) -> None:
    """A refused validation is a note (the rule and the grant were read); a denied call is not checked."""
    spokes.fail(SOURCE, EU, operation, code, "not supported", status)
    assert check(cli, expected) == exit_code
    document = report(capsys)
    assert document["findings"] == []
    assert {key: document[key] for key in said} == said


def test_a_stack_output_without_spoke_rules_is_not_checked(cli: Cli, deployed: None, plan: dict[str, Any],
                                                           tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`pulumi stack output --json` names the spoke registries but not their rules: no verdict about them."""
    outputs = {key: plan["outputs"][key] for key in ("replicationConfiguration", "registryPolicies",
                                                     "pullThroughRegistries")}
    path = tmp_path / "outputs.json"
    path.write_text(json.dumps({**outputs, "sourceRegion": REGION}))
    assert check(cli, path) == 3
    document = report(capsys)
    assert [n["where"] for n in document["notChecked"]] == [f"registry {host}" for host in
                                                            plan["outputs"]["pullThroughRegistries"]]
    assert document["notChecked"][0]["fix"] == "pass the output of `ecr-replication plan --json` as --expected"


def test_text_report_of_a_missing_grant(cli: Cli, deployed: None, expected: Path, policies: RegistryPolicies,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    policies.set(SOURCE, REGION, None)
    assert cli.main(["check", "--expected", str(expected), *READERS]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == (f"registry {SOURCE_REGISTRY}: has no registry policy, so the pull-through cache of spoke "
                        f"{DEST_B}/{SOUTHEAST} is denied")
    assert lines[-1] == "1 finding(s), 0 item(s) not checked"


@pytest.mark.parametrize(("change", "error"), [
    ({"accountId": "[secret]"}, "pullThroughSpokes[0].accountId: '[secret]' is not an account id (a secret, or an "
                                "account the offline plan could not tell), so the registry to read can't be named"),
    ({"region": "ap-suoth-1"}, "pullThroughSpokes[0].region: 'ap-suoth-1': "),
    ({"rules": []}, "pullThroughSpokes[0] lists no rules: make the file with this version's "
                    "`ecr-replication plan --json`"),
])
def test_a_spoke_the_file_cannot_name_is_one_line(aws_env: str, plan: dict[str, Any], tmp_path: Path,
                                                  change: dict[str, Any], error: str,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    document = {**plan, "pullThroughSpokes": [{**plan["pullThroughSpokes"][0], **change}]}
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(document))
    assert main(["check", "--expected", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"ecr-replication check: error: {path}: {error}") and err.count("\n") == 1
