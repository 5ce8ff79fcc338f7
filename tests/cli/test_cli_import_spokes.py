"""``ecr-replication import --spoke``: pull-through spokes set up by hand (the ECR user guide's cross-account ECR to ECR
pull through cache) become ``pullThroughDestinations`` that adopt the live rules, or are refused with one line; a
rule whose upstream isn't an ECR registry is not the stack's and is left alone.

The live setup: the source replicates ``prod/`` to DEST_A/us-west-2; DEST_B/ap-south-1 caches ``prod`` from there
through a role made by hand, and also caches Docker Hub; SOURCE/eu-west-1 caches ``prod`` from the source (same
account: ECR's service-linked role). moto has no pull-through cache rules and refuses a registry policy with the
pull-through actions (as the older V1 registry policy scope did): :class:`tests.cli.fakes.PullThroughCache` and
:class:`tests.cli.fakes.RegistryPolicies` answer those calls as ECR does, validated against botocore's model;
:class:`tests.cli.fakes.CreationTemplates` the creation templates, which moto lacks too.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import botocore
import pytest
import yaml

from replication.cli.main import main
from replication.ecr_semantics import Registry as At
from replication.cli.permissions import policy_documents, stack_scope
from tests.cli.conftest import DEST_A, DEST_B, REGION, SOURCE, Cli, Registry
from tests.cli.recorded_calls import DESTINATION_CREDENTIALS, SOURCE_CREDENTIALS, calls_of_this_test
from tests.cli.test_cli_permissions import refusals, unused_grants
from tests.cli.fakes import ClientHook, CreationTemplates, PullThroughCache, RegistryPolicies, pull_through_rule
from tests.cli.test_cli_check import allow, policy, service_linked_role
from tests.cli.test_cli_import import STACK, stack_file, template

WEST, SOUTH, SOUTHEAST, EU = "us-west-2", "ap-south-1", "ap-southeast-1", "eu-west-1"
UPSTREAM_A, SOURCE_REGISTRY = At(DEST_A, WEST), At(SOURCE, REGION)
HAND_MADE_ROLE = f"arn:aws:iam::{DEST_B}:role/ecr-pull-through"
READERS = ["--destination-role-arn", f"{DEST_A}=arn:aws:iam::{DEST_A}:role/reader",
           "--destination-role-arn", f"{DEST_B}=arn:aws:iam::{DEST_B}:role/reader"]
REPLICATION_GRANT = allow(f"arn:aws:ecr:{WEST}:{DEST_A}:repository/*", ["ecr:CreateRepository", "ecr:ReplicateImage"],
                          sid="ReplicationAccessCrossAccount")
"""The ECR user guide's cross-account replication statement ("Private registry permissions")."""
GRANT_ACTIONS = ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchImportUpstreamImage",
                 "ecr:GetImageCopyStatus"]


def pull_through_grant(upstream: At, sid: str = "PullThroughCache") -> dict[str, Any]:
    """The upstream's statement the ECR user guide gives ("Setting up permissions for cross-account ECR to ECR PTC",
    "Creating a resource policy in the upstream Amazon ECR registry"), for DEST_B, on every repository."""
    return allow(upstream.repository_arn("*"), GRANT_ACTIONS, principal=f"arn:aws:iam::{DEST_B}:root", sid=sid)


DOCKER_HUB = {"ecrRepositoryPrefix": "docker-hub", "upstreamRegistryUrl": "registry-1.docker.io",
              "upstreamRegistry": "docker-hub", "registryId": DEST_B,
              "credentialArn": f"arn:aws:secretsmanager:{SOUTH}:{DEST_B}:secret:ecr-pullthroughcache/docker-abc123"}


@pytest.fixture
def templates(hooks: list[ClientHook]) -> Iterator[CreationTemplates]:
    responder = CreationTemplates()
    hooks.append(responder.hook)
    yield responder


@pytest.fixture
def by_hand(registry: Registry, spokes: PullThroughCache, policies: RegistryPolicies,
            templates: CreationTemplates) -> Registry:
    """The live setup of the module docs; no registry has creation templates."""
    registry.replicate([(WEST, DEST_A)], ["prod/"])
    service_linked_role(registry)
    policies.set(DEST_A, WEST, policy(REPLICATION_GRANT, pull_through_grant(UPSTREAM_A)))
    spokes.set(DEST_B, SOUTH, pull_through_rule(DEST_B, "prod", UPSTREAM_A, HAND_MADE_ROLE, "prod"), DOCKER_HUB)
    spokes.set(SOURCE, EU, pull_through_rule(SOURCE, "prod", SOURCE_REGISTRY, None, "prod"))
    return registry


def run_import(cli: Cli, project: Path, capsys: pytest.CaptureFixture[str], *spoke_registries: str,
               readers: list[str] = READERS) -> tuple[int, dict[str, Any]]:
    argv = ["import", "--stack", STACK, "--cwd", str(project), "--json", *readers]
    for spoke in spoke_registries:
        argv += ["--spoke", spoke]
    code = cli.main(argv)
    return code, json.loads(capsys.readouterr().out)


def config(project: Path) -> dict[str, Any]:
    return yaml.safe_load(stack_file(project).read_text())["config"]


def test_hand_made_spokes_are_adopted_planned_and_checked_healthy(
        cli: Cli, by_hand: Registry, project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Each spoke becomes a pullThroughDestinations entry with its upstream; its rule is adopted with pulumi-aws's
    import id (`<prefix>@<region>`): as is in the source's account, rewritten across accounts to name the role the
    stack creates; the upstream's policy keeps every live statement and gains the component's two. The plan of the
    written stack, checked against the same live state, is healthy."""
    code, report = run_import(cli, project, capsys, f"{DEST_B}/{SOUTH}", f"{SOURCE}/{EU}")
    assert code == 0, report
    assert report["read"][-2:] == [
        f"registry {DEST_B}/{SOUTH}: 2 pull-through cache rule(s) (prod from {UPSTREAM_A.host}, docker-hub from "
        "registry-1.docker.io), 0 creation template(s) for PULL_THROUGH_CACHE, scanning BASIC with 0 rule(s)",
        f"registry {SOURCE}/{EU}: 1 pull-through cache rule(s) (prod from {SOURCE_REGISTRY.host}), 0 creation "
        "template(s) for PULL_THROUGH_CACHE, scanning BASIC with 0 rule(s)"]
    assert config(project)["ecr-replication:pullThroughDestinations"] == [
        {"accountId": DEST_B, "regions": [SOUTH], "upstream": str(UPSTREAM_A)},
        {"accountId": SOURCE, "regions": [EU], "upstream": str(SOURCE_REGISTRY)}]
    outcomes = {r["what"]: (r["importId"], r["outcome"]) for r in report["resources"]}
    role = f"arn:aws:iam::{DEST_B}:role/images-pull-through-role-{DEST_B}-<random suffix>"
    assert outcomes[f"pull-through cache rule prod in {DEST_B}/{SOUTH}"] == (
        f"prod@{SOUTH}", f"rewritten: names the role the stack creates in account {DEST_B} ({role}) instead of "
                         f"{HAND_MADE_ROLE}; {HAND_MADE_ROLE} stays as it is, no longer named by this rule")
    assert outcomes[f"pull-through cache rule prod in {SOURCE}/{EU}"] == (f"prod@{EU}", "adopted as is")
    assert outcomes[f"registry policy {UPSTREAM_A}"] == (
        f"{DEST_A}@{WEST}", "rewritten: adds statement(s) AllowEcrReplicationFromSourceAccount, "
                            "AllowPullThroughCacheToSpokeAccounts; keeps the 2 live statement(s)")
    assert report["notes"] == [f"registry {DEST_B}/{SOUTH}: pull-through cache rule docker-hub caches from "
                               "registry-1.docker.io, not from an ECR registry: not this stack's, left as it is"]
    assert f"ecr-replication:pullThroughDestinations[0]: profile or roleArn for account {DEST_B}" in report["toAdd"]

    printed = project / "plan.json"
    assert main(["plan", "--stack", STACK, "--cwd", str(project), "--json", "--no-policies"]) == 0
    printed.write_text(capsys.readouterr().out)
    assert cli.main(["check", "--expected", str(printed), *READERS, "--json"]) == 0, capsys.readouterr().out


def test_permissions_import_of_the_written_stack_grants_every_call_import_spoke_made(
        cli: Cli, by_hand: Registry, project: Path, request: pytest.FixtureRequest,
        capsys: pytest.CaptureFixture[str]) -> None:
    """`permissions import --stack` of the stack import --spoke wrote: DEST_B's role read its spoke and DEST_A's
    role the upstream's policy (its grant to DEST_B), the source credentials the spoke in their own account; each
    call is granted in the document of the credentials that made it."""
    code, report = run_import(cli, project, capsys, f"{DEST_B}/{SOUTH}", f"{SOURCE}/{EU}")
    assert code == 0, report
    calls = calls_of_this_test(request)
    made = {(c.credentials, c.action, str(c.registry)) for c in calls}
    assert {(SOURCE_CREDENTIALS, "ecr:DescribePullThroughCacheRules", f"{SOURCE}/{EU}"),
            (DESTINATION_CREDENTIALS, "ecr:DescribePullThroughCacheRules", f"{DEST_B}/{SOUTH}"),
            (DESTINATION_CREDENTIALS, "ecr:GetRegistryPolicy", str(UPSTREAM_A))} <= made
    documents = policy_documents("import", stack_scope(project, STACK, "import"))
    assert refusals(calls, documents) == [] and unused_grants(calls, documents) == []


def test_a_spokes_pull_through_templates_become_its_own_settings(
        cli: Cli, by_hand: Registry, templates: CreationTemplates, project: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    """The spoke's template for its rule's prefix, applied for PULL_THROUGH_CACHE, is its repositorySettings (the
    destination has none, so nothing is shared at the top level, where a spoke would take it too); the template is
    adopted (`<prefix>@<region>`)."""
    templates.set(DEST_B, SOUTH, template("prod", ["PULL_THROUGH_CACHE"], imageTagMutability="MUTABLE"))
    code, report = run_import(cli, project, capsys, f"{DEST_B}/{SOUTH}")
    assert code == 0, report
    [spoke] = config(project)["ecr-replication:pullThroughDestinations"]
    assert spoke["repositorySettings"]["imageTagMutability"] == "MUTABLE"
    assert "ecr-replication:repositorySettings" not in config(project)
    outcomes = {r["what"]: (r["importId"], r["outcome"]) for r in report["resources"]}
    assert outcomes[f"creation template prod in {DEST_B}/{SOUTH}"] == (
        f"prod@{SOUTH}", "rewritten: description 'made in the console' -> 'Settings of repositories that "
                         "pull-through cache creates under prod'")


@pytest.mark.parametrize(("arrange", "spoke", "refusal"), [
    (lambda spokes: spokes.set(DEST_B, SOUTH, pull_through_rule(DEST_B, "prod", At("999999999999", WEST), "r", "prod")),
     f"{DEST_B}/{SOUTH}",
     f"registry {DEST_B}/{SOUTH}: pull-through cache rule(s) prod cache from 999999999999/{WEST}, which is neither the "
     f"source nor a replication destination of {SOURCE}/{REGION}: a spoke of this stack caches only from a registry "
     "its replication fills"),
    (lambda spokes: spokes.set(DEST_B, SOUTH, pull_through_rule(DEST_B, "prod", UPSTREAM_A, HAND_MADE_ROLE, "prod/api")),
     f"{DEST_B}/{SOUTH}",
     f"registry {DEST_B}/{SOUTH}: pull-through cache rule prod (caching {UPSTREAM_A}, upstream prefix prod/api) is not "
     f"one the component lays out for {UPSTREAM_A}'s prefixes (it declares prod: one rule per replicated prefix, the "
     "same prefix on both sides)"),
    (lambda spokes: spokes.set(SOURCE, EU, pull_through_rule(SOURCE, "prod", SOURCE_REGISTRY, f"arn:aws:iam::{SOURCE}:role/r",
                                                             "prod")),
     f"{SOURCE}/{EU}",
     f"registry {SOURCE}/{EU}: pull-through cache rule prod names role arn:aws:iam::{SOURCE}:role/r, and the component "
     "declares a rule in its upstream's account without one (ECR's service-linked role); the first `pulumi up` can't "
     "take the role off (UpdatePullThroughCacheRule takes a role or a secret: pulumi/pulumi-aws#5714)"),
    (lambda spokes: spokes.set(DEST_B, SOUTH, DOCKER_HUB), f"{DEST_B}/{SOUTH}",
     f"registry {DEST_B}/{SOUTH} has no pull-through cache rule that caches from {SOURCE}/{REGION} or one of its "
     f"replication destinations: there is nothing to adopt (leave --spoke {DEST_B}/{SOUTH} out)"),
    (lambda spokes: None, f"{DEST_A}/{WEST}",
     f"registry {DEST_A}/{WEST} (--spoke) is a replication destination of this setup: a registry is either a "
     "replication destination, a pull-through spoke, or the source"),
    (lambda spokes: None, f"{SOURCE}/{REGION}",
     f"registry {SOURCE}/{REGION} (--spoke) is the source of this setup: a registry is either a replication "
     "destination, a pull-through spoke, or the source"),
], ids=["an upstream outside the setup", "another upstream prefix", "a role in one account", "no ECR rule",
        "a destination", "the source"])
def test_a_spoke_the_component_cannot_declare_is_refused_in_one_line(
        cli: Cli, by_hand: Registry, spokes: PullThroughCache, project: Path, arrange: Any, spoke: str, refusal: str,
        capsys: pytest.CaptureFixture[str]) -> None:
    arrange(spokes)
    code, report = run_import(cli, project, capsys, spoke)
    assert code == 1
    assert report["refused"] == [refusal] and report["written"] is False
    assert not stack_file(project).exists()


def test_a_spoke_missing_a_rule_for_a_prefix_its_upstream_receives_is_refused(
        cli: Cli, by_hand: Registry, spokes: PullThroughCache, project: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    by_hand.replicate([(WEST, DEST_A)], ["prod/", "shared/"])
    code, report = run_import(cli, project, capsys, f"{DEST_B}/{SOUTH}")
    assert code == 1
    assert report["refused"] == [
        f"registry {DEST_B}/{SOUTH} caches prod from {UPSTREAM_A} but not shared: the component caches every prefix its "
        "upstream receives; create the missing rule(s), then import again"]


@pytest.mark.parametrize(("source_policy", "code", "said"), [
    (policy(pull_through_grant(SOURCE_REGISTRY, sid="AllowPullThroughCacheToSpokeAccounts")), 1,
     {"refused": [f"registry policy {SOURCE}/{REGION}: the stack would remove live statement(s) "
                  "AllowPullThroughCacheToSpokeAccounts"]}),
    (policy(pull_through_grant(SOURCE_REGISTRY), allow(SOURCE_REGISTRY.repository_arn("*"), ["ecr:BatchGetImage"],
                                                       principal="*", sid="Anyone")), 0,
     {"notes": [f"registry {SOURCE}/{REGION}: its registry policy has statement(s) PullThroughCache, Anyone the "
                "component doesn't declare there, so the stack leaves the policy as it is "
                f"(manageSourceRegistryPolicy: false); it must keep granting account(s) {DEST_B} "
                "(`ecr-replication check` says whether it does)"],
      "read": [f"registry {SOURCE}/{REGION}: replication configuration with 1 rule(s), a registry policy"]}),
    (None, 1,
     {"refused": [f"registry {SOURCE}/{REGION} has no registry policy, so the spokes of account(s) {DEST_B} can't "
                  "cache from it today; adopting imports the policy the component declares there, which must exist: "
                  "grant them there (`ecr-replication check` prints the statement) and import again"],
      "read": [f"registry {SOURCE}/{REGION}: replication configuration with 1 rule(s), no registry policy"]}),
], ids=["only the component's statement, wider", "a statement the component refuses", "no policy"])
def test_a_spoke_in_another_account_caching_from_the_source(
        cli: Cli, by_hand: Registry, spokes: PullThroughCache, policies: RegistryPolicies, project: Path,
        source_policy: str | None, code: int, said: dict[str, list[str]], capsys: pytest.CaptureFixture[str]) -> None:
    """The source's policy holds the spoke's grant. It is read with the source credentials; adopted when it holds
    only the component's statement (here wider than the stack's, which the review refuses to narrow), left to its
    owner when it holds a statement the component can't declare (an Allow for everyone), refused when there is none
    to import."""
    spokes.set(DEST_B, SOUTHEAST, pull_through_rule(DEST_B, "prod", SOURCE_REGISTRY, HAND_MADE_ROLE, "prod"))
    policies.set(SOURCE, REGION, source_policy)
    exit_code, report = run_import(cli, project, capsys, f"{DEST_B}/{SOUTHEAST}")
    assert exit_code == code, report
    assert {key: report[key][:len(said[key])] for key in said} == said
    if code == 0:
        assert config(project)["ecr-replication:manageSourceRegistryPolicy"] is False


def test_other_statements_of_the_source_policy_are_kept_by_the_stack_that_adopts_it(
        cli: Cli, by_hand: Registry, spokes: PullThroughCache, policies: RegistryPolicies, project: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    """A hub registry's policy that grants a spoke account and a workload account: both statements become
    sourceRegistryPolicyStatements, so the policy the stack declares keeps them beside the component's own grant
    (pulumi up would otherwise replace the whole policy: the registry has one)."""
    readers = allow(SOURCE_REGISTRY.repository_arn("*"), ["ecr:BatchGetImage"], principal="arn:aws:iam::555555555555:root",
                    sid="Readers")
    spokes.set(DEST_B, SOUTHEAST, pull_through_rule(DEST_B, "prod", SOURCE_REGISTRY, HAND_MADE_ROLE, "prod"))
    policies.set(SOURCE, REGION, policy(pull_through_grant(SOURCE_REGISTRY), readers))
    code, report = run_import(cli, project, capsys, f"{DEST_B}/{SOUTHEAST}")
    assert code == 0, report
    written = config(project)
    assert "ecr-replication:manageSourceRegistryPolicy" not in written
    assert written["ecr-replication:sourceRegistryPolicyStatements"] == [pull_through_grant(SOURCE_REGISTRY), readers]
    outcomes = {r["what"]: r["outcome"] for r in report["resources"]}
    assert outcomes[f"registry policy {SOURCE}/{REGION}"].startswith(
        "rewritten: adds statement(s) AllowPullThroughCacheToSpokeAccounts; keeps the 2 live statement(s)")


def test_a_source_policy_holding_only_the_components_grant_is_said_to_hold_nothing_else(
        cli: Cli, by_hand: Registry, spokes: PullThroughCache, policies: RegistryPolicies, project: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    """The stack states what it read: no other statement (sourceRegistryPolicyStatements: []), so its plan doesn't
    warn that the policy would replace grants it knows are not there."""
    statement = {"Sid": "AllowPullThroughCacheToSpokeAccounts", "Effect": "Allow",
                 "Principal": {"AWS": f"arn:aws:iam::{DEST_B}:root"}, "Action": GRANT_ACTIONS,
                 "Resource": [SOURCE_REGISTRY.repository_arn("prod/*")]}
    spokes.set(DEST_B, SOUTHEAST, pull_through_rule(DEST_B, "prod", SOURCE_REGISTRY, HAND_MADE_ROLE, "prod"))
    policies.set(SOURCE, REGION, policy(statement))
    assert run_import(cli, project, capsys, f"{DEST_B}/{SOUTHEAST}")[0] == 0
    assert config(project)["ecr-replication:sourceRegistryPolicyStatements"] == []


def test_the_source_policy_holding_exactly_the_components_grant_is_adopted_as_is(
        cli: Cli, by_hand: Registry, spokes: PullThroughCache, policies: RegistryPolicies, project: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    statement = {"Sid": "AllowPullThroughCacheToSpokeAccounts", "Effect": "Allow",
                 "Principal": {"AWS": f"arn:aws:iam::{DEST_B}:root"}, "Action": GRANT_ACTIONS,
                 "Resource": [SOURCE_REGISTRY.repository_arn("prod/*")]}
    spokes.set(DEST_B, SOUTHEAST, pull_through_rule(DEST_B, "prod", SOURCE_REGISTRY, HAND_MADE_ROLE, "prod"))
    policies.set(SOURCE, REGION, policy(statement))
    code, report = run_import(cli, project, capsys, f"{DEST_B}/{SOUTHEAST}")
    assert code == 0, report
    outcomes = {r["what"]: (r["importId"], r["outcome"]) for r in report["resources"]}
    assert outcomes[f"registry policy {SOURCE}/{REGION}"] == (f"{SOURCE}@{REGION}", "adopted as is")


def test_a_setup_the_stack_deployed_keeps_its_policy_as_is(
        cli: Cli, by_hand: Registry, policies: RegistryPolicies, project: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    """DEST_A's policy as the component writes it (its replication statement and its grant to DEST_B): both are the
    component's own statements, not copied as extra statements, and the policy is adopted as is."""
    replication = {"Sid": "AllowEcrReplicationFromSourceAccount", "Effect": "Allow",
                   "Principal": {"AWS": f"arn:aws:iam::{SOURCE}:root"},
                   "Action": ["ecr:CreateRepository", "ecr:ReplicateImage"], "Resource": [UPSTREAM_A.repository_arn("prod/*")]}
    grant = {"Sid": "AllowPullThroughCacheToSpokeAccounts", "Effect": "Allow",
             "Principal": {"AWS": f"arn:aws:iam::{DEST_B}:root"}, "Action": GRANT_ACTIONS,
             "Resource": [UPSTREAM_A.repository_arn("prod/*")]}
    policies.set(DEST_A, WEST, policy(replication, grant))
    code, report = run_import(cli, project, capsys, f"{DEST_B}/{SOUTH}")
    assert code == 0, report
    assert "registryPolicyStatements" not in config(project)["ecr-replication:destinations"][0]
    outcomes = {r["what"]: (r["importId"], r["outcome"]) for r in report["resources"]}
    assert outcomes[f"registry policy {UPSTREAM_A}"] == (f"{DEST_A}@{WEST}", "adopted as is")


def test_a_spoke_account_without_credentials_stops_the_import(cli: Cli, by_hand: Registry, project: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    code, report = run_import(cli, project, capsys, f"{DEST_B}/{SOUTH}", readers=READERS[:2])
    assert code == 3
    assert report["notRead"] == [{
        "where": f"registry {DEST_B}/{SOUTH}",
        "reason": f"not read: no credentials were given for account {DEST_B}",
        "fix": f"pass --destination-role-arn {DEST_B}=ROLE_ARN or --destination-profile {DEST_B}=PROFILE"}]
    assert not stack_file(project).exists()


@pytest.mark.parametrize(("value", "error"), [
    ("444444444444", "expected ACCOUNT/REGION with a 12-digit account id, got '444444444444'"),
    ("444444444444/ap-suoth-1", f"'444444444444/ap-suoth-1': botocore {botocore.__version__} knows no ECR region of "
                                "this name; did you mean 'ap-south-1'? if the region is newer than the installed "
                                "botocore, upgrade it (pip install --upgrade boto3 botocore)"),
])
def test_a_malformed_spoke_is_a_usage_error(aws_env: str, tmp_path: Path, value: str, error: str,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["import", "--stack", STACK, "--cwd", str(tmp_path), "--spoke", value]) == 2
    last = capsys.readouterr().err.splitlines()[-1]  # argparse's usage, then its one error line
    assert last == f"ecr-replication import: error: argument --spoke: {error}"
