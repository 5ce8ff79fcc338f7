"""``ecr-replication import`` against moto: a setup clicked together as the console guide does it becomes a stack
whose offline plan declares exactly the live rules and every live registry policy statement, which ``check``
finds healthy against the same live state; what the component can't declare stops the import with nothing
written.

moto answers DescribeRegistry, the registry policies (it accepts only the replication actions, as scope V1 does)
and GetRegistryScanningConfiguration; it has no repository creation templates, so
:class:`tests.cli.fakes.CreationTemplates`, which validates every response against botocore's ECR model (the real
client validates the request), answers DescribeRepositoryCreationTemplates as ECR does: every template of the
caller's registry, whatever it applies to (ECR API reference, "DescribeRepositoryCreationTemplates"; without
``prefixes`` it returns them all). It answers by registry, as import reads registries side by side.
"""

from __future__ import annotations

import contextlib
import json
import os
import shlex
import signal
import stat
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from botocore.stub import Stubber

from replication.cli.main import main
from replication.stack import safe_write
from replication.ecr_semantics import Registry as Destination
from replication.ecr_semantics import replicated_prefixes, rules_from_api
from replication.cli.permissions import policy_documents, stack_scope
from tests.cli.conftest import DEST_A, DEST_B, REGION, SOURCE, Cli, Registry
from tests.cli.recorded_calls import DESTINATION_CREDENTIALS, SOURCE_CREDENTIALS, calls_of_this_test
from tests.cli.test_cli_permissions import granted, refusals, unused_grants
from tests.cli.fakes import ClientHook, CreationTemplates
from tests.cli.test_cli_check import allow, destination_policy, policy, service_linked_role

WEST, EU = "us-west-2", "eu-west-1"
ROLE_A = f"arn:aws:iam::{DEST_A}:role/reader"
STACK = "adopted"
BOTH = ["ecr:CreateRepository", "ecr:ReplicateImage"]

CONSOLE_RULE = {
    "destinations": [{"region": WEST, "registryId": DEST_A}, {"region": EU, "registryId": SOURCE}],
    "repositoryFilters": [{"filter": p, "filterType": "PREFIX_MATCH"} for p in ("prod/", "shared/")],
}
"""One rule, as the console's "Create rule" makes it: a cross-account and a same-account (cross-region)
destination."""

CONSOLE_GRANT = allow(f"arn:aws:ecr:{WEST}:{DEST_A}:repository/*", BOTH, sid="ReplicationAccessCrossAccount")
"""The statement of the ECR user guide's cross-account replication example ("Private registry permissions")."""

OTHER_GRANT = allow(f"arn:aws:ecr:{WEST}:{DEST_A}:repository/team-c/*", ["ecr:ReplicateImage"],
                    principal=f"arn:aws:iam::{DEST_B}:root", sid="TeamCReplicatesHere")
"""A grant someone else needs: another account replicates its team-c/ repositories into the same registry."""


@pytest.fixture
def templates(hooks: list[ClientHook]) -> Iterator[CreationTemplates]:
    """DescribeRepositoryCreationTemplates' answers, by registry; by the end, every registry given templates (or
    none, or an error) was asked."""
    responder = CreationTemplates()
    hooks.append(responder.hook)
    yield responder
    assert set(responder.templates) | set(responder.failures) <= set(responder.asked), responder.asked


def no_templates(responder: CreationTemplates, *registries: Destination) -> None:
    """Each registry has no creation template."""
    for registry in registries:
        responder.set(registry.account_id, registry.region)


@pytest.fixture
def console_setup(registry: Registry) -> Registry:
    """Replication as the console guide sets it up: the rule in the source, the guide's grant plus someone else's
    in the destination's registry policy; and the service-linked role the first rule creates."""
    registry.ecr.put_replication_configuration(replicationConfiguration={"rules": [CONSOLE_RULE]})
    destination_policy(registry, policy(CONSOLE_GRANT, OTHER_GRANT))
    service_linked_role(registry)
    return registry


def run_import(cli: Cli, project: Path, *extra: str) -> int:
    """``import`` into ``project`` reading DEST_A through a role in DEST_A."""
    return cli.main(["import", "--stack", STACK, "--cwd", str(project), "--destination-role-arn", f"{DEST_A}={ROLE_A}",
                     *extra])


def imported(cli: Cli, project: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, dict[str, Any]]:
    """``import --json``: its exit code and report."""
    code = run_import(cli, project, "--json", *extra)
    return code, json.loads(capsys.readouterr().out)


def stack_file(project: Path) -> Path:
    return project / f"Pulumi.{STACK}.yaml"


def plan(project: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, str]:
    code = main(["plan", "--stack", STACK, "--cwd", str(project), *extra])
    return code, capsys.readouterr().out


def declared(plan_report: dict[str, Any], type_suffix: str) -> list[dict[str, Any]]:
    """The plan's resources of one type, registry by registry."""
    return [r for registry in plan_report["registries"] for r in registry["resources"] if r["type"].endswith(type_suffix)]


def test_console_setup_imports_plans_and_checks_healthy(
        cli: Cli, console_setup: Registry, templates: CreationTemplates, project: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    """The done-when of issue 13: import, then the offline plan declares exactly the live rules and every live
    statement, and `check` against that plan finds the same live state healthy."""
    no_templates(templates, Destination(SOURCE, EU), Destination(DEST_A, WEST))
    code, report = imported(cli, project, capsys)
    assert code == 0, report
    assert report["written"] is True and report["refused"] == [] and report["notRead"] == []
    assert [(r["what"], r["importId"], r["outcome"]) for r in report["resources"]] == [
        (f"replication configuration {SOURCE}/{REGION}", f"{SOURCE}@{REGION}", "adopted as is"),
        (f"registry policy {DEST_A}/{WEST}", f"{DEST_A}@{WEST}",
         "rewritten: adds statement(s) AllowEcrReplicationFromSourceAccount; keeps the 2 live statement(s)"),
    ]
    assert report["toAdd"] == [f"ecr-replication:source: profile or roleArn for account {SOURCE}",
                               f"ecr-replication:destinations[0]: profile or roleArn for account {DEST_A}"]

    code, plan_json = plan(project, capsys, "--json")
    assert code == 0
    planned = json.loads(plan_json)
    assert planned["replicationConfiguration"] == console_setup.ecr.describe_registry()["replicationConfiguration"]
    [registry_policy] = declared(planned, "RegistryPolicy")
    statements = json.loads(registry_policy["inputs"]["policy"])["Statement"]
    assert CONSOLE_GRANT in statements and OTHER_GRANT in statements
    assert {(r["name"], r["importId"]) for r in declared(planned, "Policy") + declared(planned, "Configuration")} == {
        ("images-replication", f"{SOURCE}@{REGION}"), (f"images-registry-policy-{DEST_A}-{WEST}", f"{DEST_A}@{WEST}")}

    expected = project / "plan.json"
    expected.write_text(plan_json)
    assert main(["check", "--expected", str(expected), "--destination-role-arn", f"{DEST_A}={ROLE_A}"]) == 0, \
        capsys.readouterr().out


def test_permissions_import_of_the_written_stack_grants_every_call_import_made(
        cli: Cli, console_setup: Registry, templates: CreationTemplates, project: Path,
        request: pytest.FixtureRequest, capsys: pytest.CaptureFixture[str]) -> None:
    """`permissions import --stack adopted` of the stack import wrote: the source credentials made import's calls
    on the source and on the destination in their own account (eu-west-1), DEST_A's role those on DEST_A, and
    each is granted in that document, none in the other."""
    no_templates(templates, Destination(SOURCE, EU), Destination(DEST_A, WEST))
    assert imported(cli, project, capsys)[0] == 0
    calls = calls_of_this_test(request)
    assert {(c.credentials, c.action, str(c.registry)) for c in calls if c.action.startswith("ecr:")} == {
        (SOURCE_CREDENTIALS, "ecr:DescribeRegistry", f"{SOURCE}/{REGION}"),
        (SOURCE_CREDENTIALS, "ecr:DescribeRepositoryCreationTemplates", f"{SOURCE}/{EU}"),
        (SOURCE_CREDENTIALS, "ecr:GetRegistryScanningConfiguration", f"{SOURCE}/{EU}"),
        (DESTINATION_CREDENTIALS, "ecr:GetRegistryPolicy", f"{DEST_A}/{WEST}"),
        (DESTINATION_CREDENTIALS, "ecr:DescribeRepositoryCreationTemplates", f"{DEST_A}/{WEST}"),
        (DESTINATION_CREDENTIALS, "ecr:GetRegistryScanningConfiguration", f"{DEST_A}/{WEST}")}
    documents = policy_documents("import", stack_scope(project, STACK, "import"))
    assert refusals(calls, documents) == [] and unused_grants(calls, documents) == []
    assert "ecr:GetRegistryPolicy" not in granted(documents["source"])


def test_the_stack_file_and_the_text_plan(cli: Cli, console_setup: Registry, templates: CreationTemplates, project: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    """What a reviewer reads: the stack file (sorted statement keys, quoted account ids, live order kept) and the
    text plan, where each adopted resource shows `=` and its import id."""
    no_templates(templates, Destination(SOURCE, EU), Destination(DEST_A, WEST))
    assert run_import(cli, project) == 0
    out = capsys.readouterr().out
    assert f"  registry policy {DEST_A}/{WEST}: rewritten: adds statement(s) AllowEcrReplicationFromSourceAccount; " \
           f"keeps the 2 live statement(s) (import id {DEST_A}@{WEST})" in out.splitlines()
    lines = stack_file(project).read_text().splitlines()
    assert lines[lines.index("config:"):] == [
        "config:",
        "  pulumi:disable-default-providers:",
        "    - aws",
        "  ecr-replication:source:",
        f'    accountId: "{SOURCE}"',
        f"    region: {REGION}",
        "  ecr-replication:destinations:",
        f'    - accountId: "{DEST_A}"',
        "      regions:",
        f"        - {WEST}",
        "      registryPolicyStatements:",
        "        - Action:",
        "            - ecr:CreateRepository",
        "            - ecr:ReplicateImage",
        "          Effect: Allow",
        "          Principal:",
        f"            AWS: arn:aws:iam::{SOURCE}:root",
        f"          Resource: arn:aws:ecr:{WEST}:{DEST_A}:repository/*",
        "          Sid: ReplicationAccessCrossAccount",
        "        - Action:",
        "            - ecr:ReplicateImage",
        "          Effect: Allow",
        "          Principal:",
        f"            AWS: arn:aws:iam::{DEST_B}:root",
        f"          Resource: arn:aws:ecr:{WEST}:{DEST_A}:repository/team-c/*",
        "          Sid: TeamCReplicatesHere",
        f'    - accountId: "{SOURCE}"',
        "      regions:",
        f"        - {EU}",
        "  ecr-replication:repositoryPrefixes:",
        "    - prod/",
        "    - shared/",
        "  ecr-replication:adopt: true",
    ]
    code, text_plan = plan(project, capsys, "--no-policies", "--color", "never")
    assert code == 0
    lines = text_plan.splitlines()
    at = lines.index(f"  = aws:ecr:RegistryPolicy  images-registry-policy-{DEST_A}-{WEST}")
    assert lines[at + 1] == f"      import id  {DEST_A}@{WEST}"



def test_same_replication_in_two_rules_is_laid_out_as_one(
        cli: Cli, console_setup: Registry, templates: CreationTemplates, stub_operations: Callable[..., Stubber], project: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    """One destination listed in two rules with different filters receives what one rule with both filters sends:
    import declares that, says the layout changes, and `check` agrees (a note, no finding). moto keeps one rule per
    configuration, so a Stubber answers DescribeRegistry with two, as ECR may hold them."""
    two_rules = {"rules": [{"destinations": [{"region": WEST, "registryId": DEST_A}], "repositoryFilters": [filter_]}
                           for filter_ in CONSOLE_RULE["repositoryFilters"]]}
    registry_stub = stub_operations("describe_registry")
    for _ in ("import", "check"):
        registry_stub.add_response("describe_registry", {"registryId": SOURCE, "replicationConfiguration": two_rules})
    no_templates(templates, Destination(DEST_A, WEST))
    code, report = imported(cli, project, capsys)
    assert code == 0, report
    assert report["resources"][0]["outcome"] == (
        "rewritten: the 2 live rule(s) laid out as the component's 1 (one per distinct prefix set), replicating the same")
    code, plan_json = plan(project, capsys, "--json", "--no-policies")
    rules = json.loads(plan_json)["replicationConfiguration"]["rules"]
    assert rules == [{"destinations": [{"region": WEST, "registryId": DEST_A}],
                      "repositoryFilters": CONSOLE_RULE["repositoryFilters"]}]
    assert replicated_prefixes(rules_from_api({"rules": rules})) == replicated_prefixes(rules_from_api(two_rules))
    expected = project / "plan.json"
    expected.write_text(plan_json)
    assert cli.main(["check", "--expected", str(expected), "--destination-role-arn", f"{DEST_A}={ROLE_A}", "--json"]) == 0
    assert "laid out differently" in json.loads(capsys.readouterr().out)["notes"][0]


LIFECYCLE = {"rules": [{"rulePriority": 1, "description": "Expire untagged images after 14 days",
                        "selection": {"tagStatus": "untagged", "countType": "sinceImagePushed", "countUnit": "days",
                                      "countNumber": 14},
                        "action": {"type": "expire"}}]}


def template(prefix: str, applied_for: list[str], **settings: Any) -> dict[str, Any]:
    """A creation template as DescribeRepositoryCreationTemplates returns it."""
    return {"prefix": prefix, "description": "made in the console", "appliedFor": applied_for,
            "imageTagMutability": "IMMUTABLE", "encryptionConfiguration": {"encryptionType": "AES256"},
            "lifecyclePolicy": json.dumps(LIFECYCLE, indent=2), **settings}


def test_templates_and_scan_on_push_become_repository_settings(
        cli: Cli, console_setup: Registry, templates: CreationTemplates, project: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    """The destination's REPLICATION templates for prod and shared (what the component declares for the filters
    prod/ and shared/) and its scan-on-push rule for them are one set of repository settings; a template for
    another feature (CREATE_ON_PUSH) is not the component's. Each is adopted with its documented import id."""
    console_setup.account_session(DEST_A, WEST).client("ecr").put_registry_scanning_configuration(
        scanType="BASIC", rules=[{"scanFrequency": "SCAN_ON_PUSH", "repositoryFilters": [
            {"filter": "prod/*", "filterType": "WILDCARD"}, {"filter": "shared/*", "filterType": "WILDCARD"}]}])
    no_templates(templates, Destination(SOURCE, EU))
    templates.set(DEST_A, WEST, template("prod", ["REPLICATION"]), template("shared", ["REPLICATION"]),
                  template("ROOT", ["CREATE_ON_PUSH"], imageTagMutability="MUTABLE"))
    code, report = imported(cli, project, capsys)
    assert code == 0, report
    outcomes = {r["what"]: (r["importId"], r["outcome"]) for r in report["resources"]}
    for prefix in ("prod", "shared"):
        assert outcomes[f"creation template {prefix} in {DEST_A}/{WEST}"] == (
            f"{prefix}@{WEST}",
            f"rewritten: description 'made in the console' -> 'Settings of repositories that replication creates "
            f"under {prefix}'")
    assert outcomes[f"scanning configuration {DEST_A}/{WEST}"] == (f"{DEST_A}@{WEST}", "adopted as is")
    config = yaml.safe_load(stack_file(project).read_text())["config"]
    destination = config["ecr-replication:destinations"][0]
    assert destination["repositorySettings"] == {
        "imageTagMutability": "IMMUTABLE", "encryptionType": "AES256",
        "lifecyclePolicy": json.dumps(LIFECYCLE, sort_keys=True, separators=(",", ":")), "scanOnPush": True}
    assert "repositorySettings" not in config["ecr-replication:destinations"][1]


def test_what_the_component_cannot_declare_is_refused_item_by_item(
        cli: Cli, registry: Registry, templates: CreationTemplates, stub_operations: Callable[..., Stubber], project: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    """deleteReplication, a template with its own role and tags, ENHANCED scanning and a wildcard principal: one
    line each, exit 1, and the stack file that was there is left as it was (even with --force)."""
    rule = {**CONSOLE_RULE, "deleteReplication": {"enabled": True}}
    stub_operations("describe_registry").add_response(
        "describe_registry", {"registryId": SOURCE, "replicationConfiguration": {"rules": [rule]}})
    everyone = {"Sid": "Everyone", "Effect": "Allow", "Principal": "*", "Action": "ecr:ReplicateImage",
                "Resource": f"arn:aws:ecr:{WEST}:{DEST_A}:repository/*"}
    destination_policy(registry, policy(CONSOLE_GRANT, everyone))
    registry.account_session(DEST_A, WEST).client("ecr").put_registry_scanning_configuration(
        scanType="ENHANCED", rules=[{"scanFrequency": "CONTINUOUS_SCAN",
                                     "repositoryFilters": [{"filter": "*", "filterType": "WILDCARD"}]}])
    role = f"arn:aws:iam::{SOURCE}:role/templates"
    templates.set(SOURCE, EU, template("prod", ["REPLICATION"], customRoleArn=role,
                                       resourceTags=[{"Key": "team", "Value": "a"}]))
    no_templates(templates, Destination(DEST_A, WEST))
    stack_file(project).write_text("config: {}\n")
    code, report = imported(cli, project, capsys, "--force")
    assert code == 1
    assert report["written"] is False
    assert report["refused"] == [
        f"registry {SOURCE}/{REGION}: rule 1 has deleteReplication enabled, which pulumi-aws 7.51.1 can't declare: "
        "the first `pulumi up` would turn it off",
        f"registry {DEST_A}/{WEST}: its scanning configuration (ENHANCED: CONTINUOUS_SCAN *) is not one the component "
        "can declare (BASIC, one SCAN_ON_PUSH rule for the replicated prefixes: prod/*, shared/*)",
        f"registry {DEST_A}/{WEST}: registry policy statement Everyone: an Allow for the '*' principal opens the "
        "registry to every AWS account; name the accounts, e.g. {\"AWS\": \"arn:aws:iam::<account>:root\"}",
        f"registry {SOURCE}/{EU}: creation template prod uses the role {role}, and the component creates a role of "
        "its own",
        f"registry {SOURCE}/{EU}: creation template prod sets resource tags, which need a role, and the component "
        "creates a role of its own",
    ]
    assert stack_file(project).read_text() == "config: {}\n"


def test_a_live_statement_the_stack_would_drop_is_refused(
        cli: Cli, console_setup: Registry, templates: CreationTemplates, project: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    """A statement with the component's own Sid but other content (another prefix) is not what the component
    writes: the offline comparison finds the stack would remove it, and nothing is written."""
    stale = allow(f"arn:aws:ecr:{WEST}:{DEST_A}:repository/legacy/*", BOTH, sid="AllowEcrReplicationFromSourceAccount")
    destination_policy(console_setup, policy(stale, OTHER_GRANT))
    no_templates(templates, Destination(SOURCE, EU), Destination(DEST_A, WEST))
    code, report = imported(cli, project, capsys)
    assert code == 1
    assert report["refused"] == [
        f"registry policy {DEST_A}/{WEST}: the stack would remove live statement(s) AllowEcrReplicationFromSourceAccount"]
    assert not stack_file(project).exists()


def test_the_component_s_statement_written_otherwise_is_adopted_as_is(
        cli: Cli, registry: Registry, templates: CreationTemplates, project: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    """The review's case: the component's statement live with `"Resource"` a string (and Action in another order, the
    principal a one-item list) is the statement the component writes to IAM (a string and a one-element list are
    the same, list order doesn't matter: IAM JSON policy reference, "Policy grammar") and to pulumi-aws's diff, so
    the first `up` doesn't write it again; import refused it ("would remove live statement(s) …")."""
    rule = {"destinations": [{"region": WEST, "registryId": DEST_A}],
            "repositoryFilters": [{"filter": "prod/", "filterType": "PREFIX_MATCH"}]}
    registry.ecr.put_replication_configuration(replicationConfiguration={"rules": [rule]})
    mine = {"Sid": "AllowEcrReplicationFromSourceAccount", "Effect": "Allow",
            "Principal": {"AWS": [f"arn:aws:iam::{SOURCE}:root"]}, "Action": BOTH[::-1],
            "Resource": f"arn:aws:ecr:{WEST}:{DEST_A}:repository/prod/*"}
    destination_policy(registry, policy(mine))
    service_linked_role(registry)
    no_templates(templates, Destination(DEST_A, WEST))
    code, report = imported(cli, project, capsys)
    assert (code, report["refused"]) == (0, [])
    assert {r["what"]: r["outcome"] for r in report["resources"]}[f"registry policy {DEST_A}/{WEST}"] == (
        "adopted as is (the live text writes statement(s) AllowEcrReplicationFromSourceAccount otherwise: the same "
        "policy to IAM and to pulumi-aws, which doesn't write it again)")


def test_a_statement_the_component_rejects_is_refused_naming_its_registry(
        cli: Cli, console_setup: Registry, templates: CreationTemplates, project: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    """A Deny that takes replication of prod/ away: the program's offline run rejects the config, and the line says
    which registry the statement was read from."""
    deny = {"Sid": "NoProd", "Effect": "Deny", "Principal": {"AWS": SOURCE}, "Action": "ecr:ReplicateImage",
            "Resource": f"arn:aws:ecr:{WEST}:{DEST_A}:repository/prod/*"}
    destination_policy(console_setup, policy(CONSOLE_GRANT, deny))
    no_templates(templates, Destination(SOURCE, EU), Destination(DEST_A, WEST))
    code, report = imported(cli, project, capsys)
    assert code == 1
    [line] = report["refused"]
    assert line.startswith(f"the component rejects what was read (read from registry {DEST_A}/{WEST}): "
                           "ecr-replication:destinations[0].registryPolicyStatements[1]: takes ecr:ReplicateImage")
    assert not stack_file(project).exists()


def test_a_destination_without_registry_policy_is_refused(
        cli: Cli, console_setup: Registry, templates: CreationTemplates, project: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    console_setup.account_session(DEST_A, WEST).client("ecr").delete_registry_policy()
    no_templates(templates, Destination(SOURCE, EU), Destination(DEST_A, WEST))
    code, report = imported(cli, project, capsys)
    assert code == 1
    assert report["refused"][0].startswith(f"registry {DEST_A}/{WEST} has no registry policy")


def test_an_unreachable_destination_stops_the_import(
        cli: Cli, console_setup: Registry, templates: CreationTemplates, project: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    """Without credentials of DEST_A's own account its registry is not read (never with the source's), nothing is
    written, exit 3, and the line names the option that would reach it."""
    no_templates(templates, Destination(SOURCE, EU))
    assert cli.main(["import", "--stack", STACK, "--cwd", str(project)]) == 3
    lines = capsys.readouterr().out.splitlines()
    assert f"registry {DEST_A}/{WEST}: not read: no credentials were given for account {DEST_A}" in lines
    assert f"  to read it: pass --destination-role-arn {DEST_A}=ROLE_ARN or --destination-profile {DEST_A}=PROFILE" in lines
    assert not stack_file(project).exists()


def test_an_existing_stack_file_needs_force(
        cli: Cli, console_setup: Registry, templates: CreationTemplates, project: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    """Checked before AWS is asked anything. --force replaces the program's namespace and keeps what `pulumi stack
    init` wrote beside it (the passphrase provider's salt: without it the stack's secrets can't be read) and the
    keys of other namespaces."""
    no_templates(templates, Destination(SOURCE, EU), Destination(DEST_A, WEST))
    assert run_import(cli, project) == 0
    first = yaml.safe_load(stack_file(project).read_text())
    initialized = "encryptionsalt: v1:c2FsdA==:v1:AAAA:BBBB\nconfig:\n  aws:region: us-east-1\n"
    stack_file(project).write_text(initialized)
    capsys.readouterr()
    assert run_import(cli, project) == 2
    assert capsys.readouterr().err == f"ecr-replication import: error: {stack_file(project)} exists: pass --force to " \
                                      "overwrite it\n"
    assert stack_file(project).read_text() == initialized
    no_templates(templates, Destination(SOURCE, EU), Destination(DEST_A, WEST))
    assert run_import(cli, project, "--force") == 0
    assert yaml.safe_load(stack_file(project).read_text()) == {
        **first, "encryptionsalt": "v1:c2FsdA==:v1:AAAA:BBBB", "config": {**first["config"], "aws:region": "us-east-1"}}


@contextlib.contextmanager
def disk_full_after(size: int) -> Iterator[None]:
    """Writes that would grow a file past ``size`` bytes fail with EFBIG, as on a full disk (``RLIMIT_FSIZE``, with
    ``SIGXFSZ`` ignored so that the write fails rather than the process)."""
    import resource

    previous = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    resource.setrlimit(resource.RLIMIT_FSIZE, (size, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        signal.signal(signal.SIGXFSZ, previous)


@pytest.mark.skipif(not hasattr(signal, "SIGXFSZ"), reason="needs RLIMIT_FSIZE (POSIX)")
def test_a_write_that_fails_midway_leaves_the_replaced_stack_file_whole(
        cli: Cli, console_setup: Registry, templates: Stubber, project: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    """--force writes the new stack file beside the old one and renames it over it: a write that fails part way (the
    disk fills after 200 bytes, once the copy of the old file is made) leaves the old file as it was, its copy, no
    partial file beside it, and one error line."""
    no_templates(templates, Destination(SOURCE, EU), Destination(DEST_A, WEST))
    old = "encryptionsalt: v1:c2FsdA==:v1:AAAA:BBBB\nconfig:\n  aws:region: us-east-1\n"
    stack_file(project).write_text(old)
    with disk_full_after(200):
        code = run_import(cli, project, "--force")
    assert code == 2
    backup = project / f"Pulumi.{STACK}.yaml.bak"
    assert capsys.readouterr().err.splitlines()[-1] == (
        f"ecr-replication import: error: {stack_file(project)} could not be written (File too large): it is as it "
        f"was, and a copy is in {backup}")
    assert stack_file(project).read_text() == old == backup.read_text()
    assert sorted(p.name for p in project.iterdir()) == ["Pulumi.adopted.yaml", "Pulumi.adopted.yaml.bak", "Pulumi.yaml",
                                                         "__main__.py"]


def test_a_written_stack_file_has_the_mode_a_new_file_gets_and_a_replaced_one_keeps_its_own(
        cli: Cli, console_setup: Registry, templates: Stubber, project: Path) -> None:
    """Writing through a temporary file changes no permission: a new stack file is made as any new file (0666 less
    the umask), a replaced one keeps its mode (here owner read/write only)."""
    umask = os.umask(0o022)
    try:
        no_templates(templates, Destination(SOURCE, EU), Destination(DEST_A, WEST))
        assert run_import(cli, project) == 0
        assert stat.S_IMODE(stack_file(project).stat().st_mode) == 0o644
        stack_file(project).chmod(0o600)
        no_templates(templates, Destination(SOURCE, EU), Destination(DEST_A, WEST))
        assert run_import(cli, project, "--force") == 0
        assert stat.S_IMODE(stack_file(project).stat().st_mode) == 0o600
    finally:
        os.umask(umask)


def test_a_folder_with_another_program_is_a_usage_error(aws_env: str, tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    """A __main__.py without Pulumi.yaml is someone's program: import neither overwrites it nor asks AWS."""
    (tmp_path / "__main__.py").write_text("print('mine')\n")
    assert main(["import", "--stack", STACK, "--cwd", str(tmp_path)]) == 2
    assert capsys.readouterr().err == (
        f"ecr-replication import: error: {tmp_path} has a __main__.py but no Pulumi.yaml: run import in the project's "
        "folder, or in one without a program (import creates the project)\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["__main__.py"]


CIPHERTEXT = "v1:c2VjcmV0LW5vbmNl:Zm9vYmFyY2lwaGVydGV4dA=="
EDITED = f"""\
encryptionsalt: v1:c2FsdA==:v1:AAAA:BBBB
config:
  pulumi:disable-default-providers: [aws, kubernetes]
  aws:region: us-east-1
  pulumi:tags: {{team: platform}}
  ecr_replication:repositoryPrefix: [legacy/]
  ecr-replication:source:
    accountId: {{secure: {CIPHERTEXT}}}
    region: {REGION}
    profile: ecr-source
  ecr-replication:destinations:
    - accountId: {{secure: {CIPHERTEXT}}}
      regions: [{WEST}]
      profile: whose
    - accountId: {{secure: {CIPHERTEXT}}}
      regions: [{WEST}]
      roleArn: arn:aws:iam::{DEST_A}:role/deployer
    - accountId: "{DEST_B}"
      regions: [{EU}]
      profile: retired
  # the team's note
  ecr-replication:adopt: true
"""
"""A stack file the user edited after a first import: account ids encrypted (``pulumi config set --secret
--path``), each account's credentials, other namespaces, a misspelt namespace, an entry nothing in which says its
account, an account no longer replicated to, a comment."""


def test_force_keeps_what_the_user_added_and_says_what_it_replaces(
        cli: Cli, console_setup: Registry, templates: CreationTemplates, project: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    """Issue 19 item 7: with accountId encrypted, the source's profile stays the source's (a stack has one source)
    and a roleArn goes to the account it names; what can't be placed is said; the file as it was is kept."""
    stack_file(project).write_text(EDITED)
    no_templates(templates, Destination(SOURCE, EU), Destination(DEST_A, WEST))
    code = run_import(cli, project, "--json", "--force")
    captured = capsys.readouterr()
    report = json.loads(captured.out)
    assert code == 0, report
    assert report["toAdd"] == []
    assert "give a profile or roleArn" not in stack_file(project).read_text()  # every account has its credentials
    written = yaml.safe_load(stack_file(project).read_text())
    assert written["encryptionsalt"] == "v1:c2FsdA==:v1:AAAA:BBBB"
    config = written["config"]
    assert list(config) == ["pulumi:disable-default-providers", "aws:region", "pulumi:tags", "ecr-replication:source",
                            "ecr-replication:destinations", "ecr-replication:repositoryPrefixes", "ecr-replication:adopt"]
    assert config["pulumi:disable-default-providers"] == ["aws", "kubernetes"]
    assert config["pulumi:tags"] == {"team": "platform"}
    assert config["ecr-replication:source"] == {"accountId": SOURCE, "region": REGION, "profile": "ecr-source"}
    assert config["ecr-replication:destinations"][0] == {
        "accountId": DEST_A, "regions": [WEST], "roleArn": f"arn:aws:iam::{DEST_A}:role/deployer",
        "registryPolicyStatements": config["ecr-replication:destinations"][0]["registryPolicyStatements"]}
    assert "profile" not in config["ecr-replication:destinations"][1]  # the source account's: its provider is source's
    backup = project / f"Pulumi.{STACK}.yaml.bak"
    assert backup.read_text() == EDITED and report["backup"] == str(backup)
    path = stack_file(project)
    assert captured.err.splitlines() == [
        f"keeping from {path}: encryptionsalt (the stack's own settings)",
        f"keeping from {path}: pulumi:disable-default-providers, aws:region, pulumi:tags (config the import doesn't "
        "write)",
        f"keeping the credentials of account {SOURCE}: profile, from ecr-replication:source (its accountId is "
        "encrypted: the stack's one source), now in ecr-replication:source",
        f"keeping the credentials of account {DEST_A}: roleArn, from ecr-replication:destinations[1] (its accountId is "
        "encrypted: the account its roleArn names), now in ecr-replication:destinations[0]",
        "not keeping ecr-replication:destinations[0]: profile: its accountId is encrypted and no plaintext roleArn "
        "names its account, so they can't be matched to an account",
        f"not keeping ecr-replication:destinations[2]: profile: account {DEST_B} is no longer replicated to",
        f"replacing in {path}: ecr_replication:repositoryPrefix, ecr-replication:source, ecr-replication:destinations, "
        "ecr-replication:adopt, with what was read from AWS",
        f"not keeping the comments of {path}",
        f"the replaced {path}, as it was, is in {backup}",
    ]
    assert CIPHERTEXT not in captured.err
    code, plan_json = plan(project, capsys, "--json", "--no-policies")
    assert code == 0
    providers = {p["name"]: p for p in json.loads(plan_json)["providers"]}
    assert f"arn:aws:iam::{DEST_A}:role/deployer" in json.dumps(providers[f"destination-{DEST_A}"])


def test_an_encrypted_role_is_kept_for_the_account_id_beside_it(
        cli: Cli, console_setup: Registry, templates: Stubber, project: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    """The ciphertext is kept as it is (the kept encryptionsalt still decrypts it), and never printed."""
    stack_file(project).write_text(f"encryptionsalt: v1:c2FsdA==:v1:AAAA:BBBB\nconfig:\n"
                                   f"  ecr-replication:destinations:\n"
                                   f"    - {{accountId: '{DEST_A}', regions: [{WEST}], roleArn: {{secure: {CIPHERTEXT}}}}}\n")
    no_templates(templates, Destination(SOURCE, EU), Destination(DEST_A, WEST))
    assert run_import(cli, project, "--force") == 0
    err = capsys.readouterr().err
    assert f"keeping the credentials of account {DEST_A}: roleArn (encrypted), from ecr-replication:destinations[0], " \
           "now in ecr-replication:destinations[0]" in err.splitlines()
    assert CIPHERTEXT not in err
    destination = yaml.safe_load(stack_file(project).read_text())["config"]["ecr-replication:destinations"][0]
    assert destination["roleArn"] == {"secure": CIPHERTEXT}
    code, plan_json = plan(project, capsys, "--json", "--no-policies")
    assert code == 0 and CIPHERTEXT not in plan_json
    assert "[secret]" in json.dumps({p["name"]: p for p in json.loads(plan_json)["providers"]}[f"destination-{DEST_A}"])


def test_each_force_keeps_its_own_copy(
        cli: Cli, console_setup: Registry, templates: Stubber, project: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    """A second --force never overwrites the first copy: each replaced file has one, with its permissions."""
    stack_file(project).write_text("config: {}\n# first\n")
    stack_file(project).chmod(0o600)
    for _ in range(2):
        no_templates(templates, Destination(SOURCE, EU), Destination(DEST_A, WEST))
        assert run_import(cli, project, "--force") == 0
    first, second = project / f"Pulumi.{STACK}.yaml.bak", project / f"Pulumi.{STACK}.yaml.bak.2"
    assert first.read_text() == "config: {}\n# first\n"
    assert second.read_text() == stack_file(project).read_text()  # the second run replaced the first's output
    assert oct(first.stat().st_mode & 0o777) == oct(stack_file(project).stat().st_mode & 0o777) == "0o600"
    assert capsys.readouterr().err.splitlines()[-1] == f"the replaced {stack_file(project)}, as it was, is in {second}"
    assert sorted(p.name for p in project.iterdir() if p.name.startswith(".")) == []  # no temporary file left


def test_a_failed_write_leaves_the_file_as_it_was(
        cli: Cli, console_setup: Registry, templates: Stubber, project: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """The new file is written beside the old one and renamed over it (os.replace) only once complete, after the
    copy exists: a failing rename (a full disk, a read-only folder) leaves the old file whole."""
    stack_file(project).write_text(EDITED)
    seen: list[bool] = []

    def failing_replace(source: str, target: str) -> None:
        seen.append((project / f"Pulumi.{STACK}.yaml.bak").exists())
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(safe_write.os, "replace", failing_replace)
    no_templates(templates, Destination(SOURCE, EU), Destination(DEST_A, WEST))
    assert run_import(cli, project, "--force") == 2
    assert seen == [True]
    assert stack_file(project).read_text() == EDITED
    assert capsys.readouterr().err.splitlines()[-1] == (
        f"ecr-replication import: error: {stack_file(project)} could not be written (No space left on device): it is "
        f"as it was, and a copy is in {project / f'Pulumi.{STACK}.yaml.bak'}")
    assert sorted(p.name for p in project.iterdir()) == ["Pulumi.adopted.yaml", "Pulumi.adopted.yaml.bak", "Pulumi.yaml",
                                                         "__main__.py"]


def test_a_kept_value_the_cli_cannot_load_stops_the_import(
        cli: Cli, console_setup: Registry, templates: Stubber, project: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    """Another namespace's `.inf` is kept as it is, and Pulumi's config can't hold it: one line, nothing written."""
    stack_file(project).write_text("config:\n  other:limit: .inf\n")
    no_templates(templates, Destination(SOURCE, EU), Destination(DEST_A, WEST))
    assert run_import(cli, project, "--force") == 2
    assert capsys.readouterr().err.splitlines()[-1] == (
        f"ecr-replication import: error: the stack file import would write can't be read: {stack_file(project)}: "
        "line 9: other:limit: .inf is an infinity to the Pulumi CLI (go-yaml v3), which its config can't hold (it keeps "
        "numbers as JSON): the CLI can't load this file; quote it if it is text")
    assert stack_file(project).read_text() == "config:\n  other:limit: .inf\n"
    assert not (project / f"Pulumi.{STACK}.yaml.bak").exists()


def test_import_writes_where_stack_config_dir_says_and_plan_reads_it_back(
        cli: Cli, registry: Registry, templates: Stubber, project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Issue 19 item 6: repositories named like numbers (ECR allows `0o17`, `1e3`, `012`) are written quoted, so
    the Pulumi CLI reads the same prefixes; the file goes to the project's stackConfigDir, where `plan` (and the
    CLI) read it, instead of a file the CLI never reads."""
    rule = {"destinations": [{"region": WEST, "registryId": DEST_A}],
            "repositoryFilters": [{"filter": p, "filterType": "PREFIX_MATCH"} for p in ("0o17", "1e3", "012")]}
    registry.ecr.put_replication_configuration(replicationConfiguration={"rules": [rule]})
    destination_policy(registry, policy(CONSOLE_GRANT))
    service_linked_role(registry)
    with (project / "Pulumi.yaml").open("a") as project_file:
        project_file.write("stackConfigDir: stacks\n")
    no_templates(templates, Destination(DEST_A, WEST))
    code, report = imported(cli, project, capsys)
    assert code == 0, report
    written = project / "stacks" / f"Pulumi.{STACK}.yaml"
    assert report["stackFile"] == str(written) and not stack_file(project).exists()
    lines = written.read_text().splitlines()
    assert lines[lines.index("  ecr-replication:repositoryPrefixes:") + 1:][:3] == [
        '    - "0o17"', '    - "1e3"', '    - "012"']
    code, plan_json = plan(project, capsys, "--json", "--no-policies")
    assert code == 0
    assert json.loads(plan_json)["replicationConfiguration"] == {"rules": [rule]}


def test_a_folder_without_a_project_gets_one_that_plans(
        cli: Cli, console_setup: Registry, templates: CreationTemplates, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    """A pip-installed user has no copy of the bundled program: import creates the project (named as the namespace
    it writes, python runtime, a __main__.py running the package's program) and says so."""
    folder = tmp_path / "adopted"
    no_templates(templates, Destination(SOURCE, EU), Destination(DEST_A, WEST))
    assert run_import(cli, folder) == 0
    out = capsys.readouterr().out
    assert f"Created {folder / 'Pulumi.yaml'} and {folder / '__main__.py'}: a project running the example program " \
           "of the installed package (replication.stack.program)." in out.splitlines()
    assert sorted(p.name for p in folder.iterdir()) == ["Pulumi.adopted.yaml", "Pulumi.yaml", "__main__.py"]
    assert yaml.safe_load((folder / "Pulumi.yaml").read_text()) == {
        "name": "ecr-replication", "runtime": "python",
        "description": "ECR replication with the EcrReplication example program (pulumi-ecr-replication)."}
    code, plan_json = plan(folder, capsys, "--json", "--no-policies")
    assert code == 0
    assert json.loads(plan_json)["replicationConfiguration"] == \
        console_setup.ecr.describe_registry()["replicationConfiguration"]


def test_a_qualified_stack_is_written_to_the_file_of_its_name(
        cli: Cli, console_setup: Registry, templates: CreationTemplates, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    """The review's case: `import --stack myorg/dev` made a folder `Pulumi.myorg/` and wrote `dev.yaml` in it,
    which the Pulumi CLI never reads; it reads `Pulumi.dev.yaml` (`ProjectStackPath` of the stack's own name)."""
    folder = tmp_path / "adopted"
    no_templates(templates, Destination(SOURCE, EU), Destination(DEST_A, WEST))
    assert cli.main(["import", "--stack", f"organization/ecr-replication/{STACK}", "--cwd", str(folder),
                     "--destination-role-arn", f"{DEST_A}={ROLE_A}"]) == 0
    assert sorted(p.name for p in folder.iterdir()) == ["Pulumi.adopted.yaml", "Pulumi.yaml", "__main__.py"]
    capsys.readouterr()
    code, plan_json = plan(folder, capsys, "--json", "--no-policies")
    assert code == 0
    assert json.loads(plan_json)["replicationConfiguration"] == \
        console_setup.ecr.describe_registry()["replicationConfiguration"]


@pytest.mark.parametrize(("stack", "problem"), [
    ("myorg/dev/x/y", "a stack is named [organization/][project/]name, and this has 4 parts"),
    ("../x", "'..' is not an organization name (3 to 40 letters, digits, - and _, starting and ending with a letter "
             "or digit)"),
    ("my stack", "a stack name may contain only letters, digits, -, _ and . (the Pulumi CLI's rule): ' ' at position "
                 "2 of 'my stack' is not one"),
    ("myorg/other/dev", "names project other, but the project import creates is project ecr-replication: the Pulumi "
                        "CLI refuses a stack of another project"),
])
def test_a_stack_the_pulumi_cli_refuses_creates_nothing(aws_env: str, tmp_path: Path, stack: str, problem: str,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "adopted"
    assert main(["import", "--stack", stack, "--cwd", str(folder)]) == 2
    assert capsys.readouterr().err == f"ecr-replication import: error: --stack {shlex.quote(stack)}: {problem}\n"
    assert not folder.exists()


def test_a_stack_of_another_project_is_refused_in_a_project(aws_env: str, project: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["import", "--stack", "myorg/other/dev", "--cwd", str(project)]) == 2
    assert capsys.readouterr().err == (
        f"ecr-replication import: error: --stack myorg/other/dev: names project other, but {project / 'Pulumi.yaml'} "
        "is project ecr-replication: the Pulumi CLI refuses a stack of another project\n")
    assert sorted(p.name for p in project.iterdir()) == ["Pulumi.yaml", "__main__.py"]


def as_json_project(project: Path) -> Path:
    """The project with its Pulumi.yaml as Pulumi.json (the JSON the Pulumi CLI reads)."""
    (project / "Pulumi.json").write_text(json.dumps(yaml.safe_load((project / "Pulumi.yaml").read_text()), indent=4))
    (project / "Pulumi.yaml").unlink()
    return project


def test_a_json_project_gets_a_json_stack_file_that_plans(
        cli: Cli, console_setup: Registry, templates: CreationTemplates, project: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    """The review's case: a Pulumi.json project wasn't found (import would have created a Pulumi.yaml beside it).
    The CLI reads Pulumi.<stack>.json (ProjectStackPath: the project file's extension) with encoding/json, and
    writes it indented by four spaces (encoding/marshal.go), as import does."""
    as_json_project(project)
    no_templates(templates, Destination(SOURCE, EU), Destination(DEST_A, WEST))
    assert run_import(cli, project) == 0
    written = project / f"Pulumi.{STACK}.json"
    assert sorted(p.name for p in project.iterdir()) == ["Pulumi.adopted.json", "Pulumi.json", "__main__.py"]
    assert f"Wrote {written}. The first `pulumi up` (Pulumi 3.174.0 or later):" in capsys.readouterr().out.splitlines()
    text = written.read_text()
    document = json.loads(text)
    assert text == json.dumps(document, indent=4) + "\n"
    assert document["config"]["ecr-replication:source"] == {"accountId": SOURCE, "region": REGION}
    assert document["config"]["ecr-replication:adopt"] is True
    code, plan_json = plan(project, capsys, "--json", "--no-policies")
    assert code == 0
    assert json.loads(plan_json)["replicationConfiguration"] == \
        console_setup.ecr.describe_registry()["replicationConfiguration"]


def test_force_on_a_json_stack_file_keeps_what_the_user_wrote(
        cli: Cli, console_setup: Registry, templates: CreationTemplates, project: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    as_json_project(project)
    written = project / f"Pulumi.{STACK}.json"
    mine = {"encryptionsalt": "v1:c2FsdA==:v1:AAAA:BBBB",
            "config": {"aws:region": "us-east-1", "other:big": 12345678901234567890, "other:half": 0.5,
                       "ecr-replication:source": {"accountId": SOURCE, "region": REGION, "profile": "ecr-source"}}}
    written.write_text(json.dumps(mine))
    no_templates(templates, Destination(SOURCE, EU), Destination(DEST_A, WEST))
    assert run_import(cli, project, "--force") == 0
    document = json.loads(written.read_text())
    assert document["encryptionsalt"] == mine["encryptionsalt"]
    assert {k: document["config"][k] for k in ("aws:region", "other:big", "other:half")} == {
        "aws:region": "us-east-1", "other:big": 12345678901234567890, "other:half": 0.5}  # as written
    assert document["config"]["ecr-replication:source"]["profile"] == "ecr-source"
    assert json.loads((project / f"Pulumi.{STACK}.json.bak").read_text()) == mine
    assert "not keeping the comments" not in capsys.readouterr().err


def test_a_yml_project_gets_a_yml_stack_file(
        cli: Cli, console_setup: Registry, templates: CreationTemplates, project: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    (project / "Pulumi.yaml").rename(project / "Pulumi.yml")
    no_templates(templates, Destination(SOURCE, EU), Destination(DEST_A, WEST))
    assert run_import(cli, project) == 0
    assert sorted(p.name for p in project.iterdir()) == ["Pulumi.adopted.yml", "Pulumi.yml", "__main__.py"]
    capsys.readouterr()
    code, plan_json = plan(project, capsys, "--json", "--no-policies")
    assert code == 0
    assert json.loads(plan_json)["replicationConfiguration"] == \
        console_setup.ecr.describe_registry()["replicationConfiguration"]


def test_a_refused_import_creates_no_project(
        cli: Cli, console_setup: Registry, templates: CreationTemplates, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    console_setup.account_session(DEST_A, WEST).client("ecr").delete_registry_policy()
    no_templates(templates, Destination(SOURCE, EU), Destination(DEST_A, WEST))
    assert run_import(cli, tmp_path / "adopted") == 1
    assert not (tmp_path / "adopted").exists()


def test_help_lists_the_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["import", "--help"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "Exit codes: 0 written; 1 refused" in text and "3 a registry could not be read" in text


READ_FAILURES = [
    # botocore's ECR model: DescribeRepositoryCreationTemplates fails with ServerException (500); AWS's common
    # errors (ECR API reference, "Common Errors"): ThrottlingException (400), AccessDeniedException (400).
    ("ServerException", 500, "ecr:DescribeRepositoryCreationTemplates failed in account {account}: ServerException: "
                             "try again", "run ecr-replication import again: AWS failed the call, which is no permission problem"),
    ("ThrottlingException", 400, "ecr:DescribeRepositoryCreationTemplates in account {account} is still throttled "
                                 "after retries (ThrottlingException)", "run ecr-replication import again: AWS failed the call"),
    ("AccessDeniedException", 400, "access denied: account {account} is not allowed to call "
                                   "ecr:DescribeRepositoryCreationTemplates", "allow ecr:DescribeRepositoryCreationTemplates "
                                                                              "to the default credential chain"),
]


@pytest.mark.parametrize(("code", "status", "reason", "fix"), READ_FAILURES)
def test_only_an_access_denial_is_blamed_on_permissions(
        cli: Cli, console_setup: Registry, templates: CreationTemplates, project: Path, capsys: pytest.CaptureFixture[str],
        code: str, status: int, reason: str, fix: str) -> None:
    """A registry whose templates can't be read is not read (exit 3, nothing written); what would read it is a
    permission only when AWS denied the call. The error stands for AWS's last answer, after botocore's retries."""
    templates.fail(SOURCE, EU, code, "try again", status)
    no_templates(templates, Destination(DEST_A, WEST))
    code_, report = imported(cli, project, capsys)
    assert code_ == 3
    [not_read] = report["notRead"]
    assert not_read["where"] == f"registry {SOURCE}/{EU}"
    assert not_read["reason"].startswith("not read: " + reason.format(account=SOURCE))
    assert not_read["fix"].startswith(fix)
    assert not stack_file(project).exists()


def test_destination_registries_are_read_side_by_side_and_listed_in_order(
        cli: Cli, registry: Registry, templates: CreationTemplates, hooks: list[ClientHook], project: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    """DEST_A's templates are asked for only once DEST_B's were answered (read one after the other, DEST_A's would
    wait in vain); both are denied, and the report lists DEST_A first, as the registries sort."""
    rule = {"destinations": [{"region": WEST, "registryId": DEST_A}, {"region": EU, "registryId": DEST_B}]}
    registry.ecr.put_replication_configuration(replicationConfiguration={"rules": [rule]})
    for account, region in ((DEST_A, WEST), (DEST_B, EU)):
        registry.account_session(account, region).client("ecr").put_registry_policy(policyText=policy(allow(
            f"arn:aws:ecr:{region}:{account}:repository/*", BOTH)))
        templates.fail(account, region, "AccessDeniedException", "no", 400)
    b_answered = threading.Event()

    def order(service: str, client: Any) -> Any:
        operation = "DescribeRepositoryCreationTemplates"
        if service == "ecr" and client.meta.region_name == WEST:
            client.meta.events.register(f"before-parameter-build.ecr.{operation}",
                                        lambda **_: None if b_answered.wait(timeout=10) else pytest.fail("one by one"))
        elif service == "ecr" and client.meta.region_name == EU:
            client.meta.events.register(f"after-call.ecr.{operation}", lambda **_: b_answered.set())
        return client

    hooks.append(order)
    code, report = imported(cli, project, capsys, "--destination-role-arn", f"{DEST_B}=arn:aws:iam::{DEST_B}:role/reader")
    assert code == 3 and b_answered.is_set()
    assert [n["where"] for n in report["notRead"]] == [f"registry {DEST_A}/{WEST}", f"registry {DEST_B}/{EU}"]
