"""The live commands with ``--stack NAME``: the expected configuration from the stack's program evaluated offline,
each account read with the credentials the stack's config gives it (its providers' ``profile`` and ``roleArn``),
against moto.

The stack is the example program in a project of its own: source 123456789012 (moto's default account) in
us-east-1 reached through the AWS profile ``ecr-source``; destination 222222222222 in us-west-2 reached by assuming
a role in that account from the profile ``ecr-destination``; a same-account destination in eu-west-1. The AWS config
file holds both profiles (static keys: moto's default account); the environment has no credentials and no region,
so a command that read any account with other credentials, or the source in another region, would fail.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from replication.cli import backfill, status, verify
from replication.cli.main import main
from replication.cli.output import redacted_streams
from replication.cli.stack_plan import evaluated_stack
from replication.stack.program import PROGRAM_FILE, project_file
from tests.cli.conftest import DEST_A, REGION, SOURCE, Cli, Registry
from tests.cli.fakes import ClientHook, Delivery, FakeReplication, ReplicationStatuses
from tests.cli.fakes import status as entry
from tests.cli.test_cli_check import destination_policy, service_linked_role
from tests.cli.test_cli_verify import Clock

WEST, EU = "us-west-2", "eu-west-1"
DESTINATION_ROLE = f"arn:aws:iam::{DEST_A}:role/ecr-replication-reader"
SECURE = {"secure": "v1:0wkb3DfHg7fiHH+d:Rl0pJmZ3TQ3qf4gh8plKk2Y1oA=="}
"""An encrypted value as ``pulumi config set --secret`` writes it (the offline reading can't decrypt it)."""


def stack_file(source: dict[str, Any] | None = None, destination: dict[str, Any] | None = None) -> str:
    """``Pulumi.dev.yaml``: the credentials of the source and the cross-account destination entry as given."""
    config = {
        "ecr-replication:source": {"accountId": SOURCE, "region": REGION,
                                   **({"profile": "ecr-source"} if source is None else source)},
        "ecr-replication:destinations": [
            {"accountId": DEST_A, "regions": [WEST],
             **({"profile": "ecr-destination", "roleArn": DESTINATION_ROLE} if destination is None else destination)},
            {"accountId": SOURCE, "regions": [EU]},
        ],
        "ecr-replication:repositoryPrefixes": ["prod/"],
    }
    return json.dumps({"config": config}, indent=2)  # JSON is YAML


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The example program's project with the stack ``dev``; the current folder, as for ``pulumi``."""
    folder = tmp_path / "project"
    folder.mkdir()
    (folder / "Pulumi.yaml").write_text(project_file("ecr-replication"))
    (folder / "__main__.py").write_text(PROGRAM_FILE)
    (folder / "Pulumi.dev.yaml").write_text(stack_file())
    monkeypatch.chdir(folder)
    return folder


@pytest.fixture
def plan(project: Path) -> dict[str, Any]:
    """What ``ecr-replication plan --stack dev --json`` declares."""
    return evaluated_stack(project, "dev").document


def deploy(registry: Registry, plan: dict[str, Any]) -> None:
    """What ``pulumi up`` leaves: the plan's replication configuration in the source registry, its registry policy in
    the cross-account destination, and the service-linked role ECR creates with the first configuration."""
    registry.ecr.put_replication_configuration(replicationConfiguration=plan["replicationConfiguration"])
    [(host, policy)] = plan["outputs"]["registryPolicies"].items()
    assert host == f"{DEST_A}.dkr.ecr.{WEST}.amazonaws.com"
    destination_policy(registry, policy)
    service_linked_role(registry)


@pytest.fixture
def deployed(registry: Registry, plan: dict[str, Any]) -> Registry:
    """The stack deployed as planned (set up with the test's own credentials, before :func:`stack_credentials`)."""
    deploy(registry, plan)
    return registry


@pytest.fixture
def stack_credentials(deployed: Registry, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The stack's profiles in an AWS config file, and no credentials or region in the environment (the source's
    region comes from the stack; the destination profile names one for the STS client that assumes its role)."""
    config = tmp_path / "aws-config"
    config.write_text("[profile ecr-source]\naws_access_key_id = AKIAIOSFODNN7SOURCE1\n"
                      "aws_secret_access_key = source-secret\n"
                      "[profile ecr-destination]\naws_access_key_id = AKIAIOSFODNN7DESTIN1\n"
                      "aws_secret_access_key = destination-secret\nregion = us-west-2\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_DEFAULT_REGION", "AWS_REGION"):
        monkeypatch.delenv(name, raising=False)
    return config


def report(capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    return json.loads(capsys.readouterr().out)


def test_check_stack_needs_no_other_option(stack_credentials: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`check --stack dev` alone: the plan evaluated offline, the source read through `ecr-source` in us-east-1, the
    destination registry through the role assumed from `ecr-destination`; everything read, healthy."""
    assert main(["check", "--stack", "dev"]) == 0
    assert capsys.readouterr().out.splitlines()[-1].startswith("healthy:")


def test_check_stack_reads_the_stack_file_where_stack_config_dir_says(
        stack_credentials: Path, project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The project keeps its stack files in `stackConfigDir: stacks`: check --stack dev reads stacks/Pulumi.dev.yaml
    (healthy against the deployed stack), not a Pulumi.dev.yaml beside Pulumi.yaml, which the Pulumi CLI would not
    read either (here one replicating shared/ instead, which would be drift)."""
    (project / "Pulumi.yaml").write_text(project_file("ecr-replication") + "stackConfigDir: stacks\n")
    (project / "stacks").mkdir()
    (project / "Pulumi.dev.yaml").rename(project / "stacks" / "Pulumi.dev.yaml")
    (project / "Pulumi.dev.yaml").write_text(stack_file().replace('"prod/"', '"shared/"'))
    assert main(["check", "--stack", "dev", "--json"]) == 0, capsys.readouterr().out
    assert report(capsys)["healthy"] is True


def test_check_stack_finds_a_deleted_destination_policy(stack_credentials: Path, deployed: Registry,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    deployed.account_session(DEST_A, WEST).client("ecr").delete_registry_policy()
    assert main(["check", "--stack", "dev", "--json"]) == 1
    document = report(capsys)
    assert [(f["where"], f["problem"]) for f in document["findings"]] == [
        (f"registry {DEST_A}/{WEST}", f"has no registry policy, so replication from {SOURCE} is denied")]
    assert document["notChecked"] == []


def test_check_stack_compares_with_the_stack_s_plan(stack_credentials: Path, project: Path, deployed: Registry,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    """The stack now declares another prefix than the live rules replicate: the finding comes from the plan the
    stack's files give today, not from anything deployed."""
    text = (project / "Pulumi.dev.yaml").read_text().replace('"prod/"', '"shared/"')
    (project / "Pulumi.dev.yaml").write_text(text)
    assert main(["check", "--stack", "dev", "--json"]) == 1
    [drift, *_] = report(capsys)["findings"]
    assert drift["where"] == f"registry {SOURCE}/{REGION}"
    assert drift["problem"].startswith("replicates other than expected")


def test_an_encrypted_destination_role_is_not_checked_never_read_otherwise(
        stack_credentials: Path, project: Path, deployed: Registry, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """The ambient credentials here reach the destination account itself (and its policy is right), yet the
    encrypted roleArn's account is not checked: exit 3, naming the config key and the option to pass."""
    issued = deployed.session.client("sts").assume_role(
        RoleArn=f"arn:aws:iam::{DEST_A}:role/admin", RoleSessionName="ambient")["Credentials"]
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", issued["AccessKeyId"])
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", issued["SecretAccessKey"])
    monkeypatch.setenv("AWS_SESSION_TOKEN", issued["SessionToken"])
    (project / "Pulumi.dev.yaml").write_text(stack_file(destination={"roleArn": SECURE}))
    assert main(["check", "--stack", "dev", "--json"]) == 3
    assert report(capsys)["notChecked"] == [{
        "where": f"registry {DEST_A}/{WEST}",
        "reason": "its registry policy was not read: ecr-replication:destinations[0].roleArn is encrypted in the "
                  "stack's config, which can't be decrypted offline",
        "fix": f"pass --destination-role-arn {DEST_A}=ROLE_ARN or --destination-profile {DEST_A}=PROFILE",
    }]


def test_an_option_replaces_an_encrypted_destination_role(stack_credentials: Path, project: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    (project / "Pulumi.dev.yaml").write_text(stack_file(destination={"profile": SECURE, "roleArn": DESTINATION_ROLE}))
    assert main(["check", "--stack", "dev", "--destination-profile", f"{DEST_A}=ecr-destination",
                 "--destination-role-arn", f"{DEST_A}={DESTINATION_ROLE}"]) == 0


def test_an_encrypted_source_profile_stops_the_run_as_not_checked(stack_credentials: Path, project: Path,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    (project / "Pulumi.dev.yaml").write_text(stack_file(source={"profile": SECURE}))
    assert main(["check", "--stack", "dev"]) == 3
    assert capsys.readouterr().err == (
        f"ecr-replication check: error: account {SOURCE} (source) not checked: ecr-replication:source.profile is "
        "encrypted in the stack's config, which can't be decrypted offline; pass --profile PROFILE or --role-arn "
        "ROLE_ARN\n")
    assert main(["check", "--stack", "dev", "--profile", "ecr-source"]) == 0


def test_a_source_profile_the_stack_names_but_aws_config_lacks_names_the_config_key(
        stack_credentials: Path, project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The source's credentials that can't be used read like a destination's: whose they are and which config key
    gave them (it was "sts: The config profile ... could not be found")."""
    (project / "Pulumi.dev.yaml").write_text(stack_file(source={"profile": "ecr-sourse"}))
    assert main(["check", "--stack", "dev"]) == 2
    assert capsys.readouterr().err == (
        "ecr-replication check: error: source account: profile ecr-sourse (given by ecr-replication:source.profile) "
        "can't be used: The config profile (ecr-sourse) could not be found\n")


SOURCE_ROLE = f"arn:aws:iam::{SOURCE}:role/ecr-replication-reader"
CHAIN = "assumed from the default credential chain"
ENVIRONMENT = "or set AWS_PROFILE / AWS_ACCESS_KEY_ID"


@pytest.mark.parametrize(("source", "destination", "options", "error"), [
    (None, {"roleArn": DESTINATION_ROLE}, ["--profile", "ecr-source"],
     f"account {DEST_A}: role {DESTINATION_ROLE} (given by ecr-replication:destinations[0].roleArn, {CHAIN}) can't be "
     f"used: the default credential chain has no credentials to assume it from: give ecr-replication:destinations[0] "
     f"a profile, pass --destination-profile {DEST_A}=PROFILE, {ENVIRONMENT}"),
    (None, {}, [],
     f"account {DEST_A}: the default credential chain (ecr-replication:destinations[0] names no profile or roleArn) "
     f"can't be used: it has no credentials: give ecr-replication:destinations[0] a profile or roleArn, pass "
     f"--destination-profile {DEST_A}=PROFILE or --destination-role-arn {DEST_A}=ROLE_ARN, {ENVIRONMENT}"),
    (None, None, ["--destination-role-arn", f"{DEST_A}={DESTINATION_ROLE}"],
     f"account {DEST_A}: role {DESTINATION_ROLE} (given by --destination-role-arn {DEST_A}={DESTINATION_ROLE}, {CHAIN}) "
     f"can't be used: the default credential chain has no credentials to assume it from: pass --destination-profile "
     f"{DEST_A}=PROFILE or --profile, {ENVIRONMENT}"),
    ({"roleArn": SOURCE_ROLE}, None, [],
     f"source account: role {SOURCE_ROLE} (given by ecr-replication:source.roleArn, {CHAIN}) can't be used: the "
     f"default credential chain has no credentials to assume it from: give ecr-replication:source a profile, pass "
     f"--profile, {ENVIRONMENT}"),
    (None, None, ["--role-arn", SOURCE_ROLE],
     f"source account: role {SOURCE_ROLE} (given by --role-arn {SOURCE_ROLE}, {CHAIN}) can't be used: the default "
     f"credential chain has no credentials to assume it from: pass --profile, {ENVIRONMENT}"),
], ids=["a stack's destination role", "a stack's entry naming neither", "a destination role option",
        "a stack's source role", "a source role option"])
def test_credentials_missing_to_start_from_say_what_gives_them(
        stack_credentials: Path, project: Path, source: dict[str, Any] | None, destination: dict[str, Any] | None,
        options: list[str], error: str, capsys: pytest.CaptureFixture[str]) -> None:
    """No credentials in the environment, and the default credential chain is what a role is assumed from (or what
    an entry naming neither reads with): the error names whose credentials are missing and what gives them, the
    stack's entry, the option for that account, or the environment (with --profile given for the source, passing
    --profile doesn't help a destination's role from the stack: it said "pass --profile or --role-arn")."""
    (project / "Pulumi.dev.yaml").write_text(stack_file(source=source, destination=destination))
    assert main(["check", "--stack", "dev", *options]) == 2
    assert capsys.readouterr().err == f"ecr-replication check: error: {error}\n"


def test_an_option_for_an_account_replaces_the_stack_s_credentials(stack_credentials: Path, deployed: Registry,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    """`--destination-profile` names other credentials for the destination: they are used, not the stack's (here
    they reach the source account: credentials given that can't be used are an error, naming the option)."""
    assert main(["check", "--stack", "dev", "--destination-profile", f"{DEST_A}=ecr-source", "--json"]) == 2
    assert capsys.readouterr().err == (
        f"ecr-replication check: error: account {DEST_A}: profile ecr-source (given by --destination-profile "
        f"{DEST_A}=ecr-source) can't be used: it reaches account {SOURCE}, not {DEST_A}\n")


def test_an_entry_without_credentials_is_read_with_the_ambient_ones(stack_credentials: Path, project: Path,
                                                                      deployed: Registry,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """As its provider would deploy: the destination entry names no profile or role, so the ambient credentials
    (here a session in the destination account) read it, verified by STS to be in that account."""
    issued = deployed.session.client("sts").assume_role(
        RoleArn=f"arn:aws:iam::{DEST_A}:role/admin", RoleSessionName="ambient")["Credentials"]
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", issued["AccessKeyId"])
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", issued["SecretAccessKey"])
    monkeypatch.setenv("AWS_SESSION_TOKEN", issued["SessionToken"])
    (project / "Pulumi.dev.yaml").write_text(stack_file(destination={}))
    assert main(["check", "--stack", "dev"]) == 0


def test_credentials_of_another_account_than_the_stack_s_source_stop_the_run(
        stack_credentials: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["status", "--stack", "dev", "--profile", "ecr-destination", "--role-arn", DESTINATION_ROLE]) == 2
    assert capsys.readouterr().err == (
        f"ecr-replication status: error: the source credentials are for account {DEST_A}, but stack dev expects "
        f"source registry {SOURCE}\n")


@pytest.mark.parametrize("argv", [
    ["check", "--stack", "dev", "--expected", "plan.json"],
    ["verify", "--expected", "plan.json", "--stack", "dev"],
])
def test_stack_and_expected_together_are_a_usage_error(argv: list[str], project: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 2
    assert "not allowed with argument" in capsys.readouterr().err


TWO_SOURCES = f'''
import pulumi_aws as aws
from replication import EcrReplication

for region in ("{REGION}", "{EU}"):
    source = aws.Provider(f"source-{{region}}", region=region, allowed_account_ids=["{SOURCE}"])
    destination = aws.Provider(f"destination-{{region}}", region="{WEST}", allowed_account_ids=["{DEST_A}"])
    EcrReplication(f"images-{{region}}", {{"source_provider": source, "destinations": [{{"provider": destination}}]}})
'''
"""A program with two replication configurations (two source registries)."""


@pytest.mark.parametrize(("command", "instead"), [
    (["verify"], "pass --expected FILE with one"),
    (["status"], "run the command without --stack, with --region and credentials of the source registry to read"),
    (["backfill"], "run the command without --stack, with --region and credentials of the source registry to read"),
    (["permissions", "verify"], "run permissions without --stack for policies that name no registry"),
])
def test_every_command_with_a_stack_option_reads_it_alike(command: list[str], instead: str, project: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    """--cwd without --stack, and a stack of several source registries, are the same line for the live commands and
    permissions (one implementation); the way out is the command's own (status and backfill take no --expected)."""
    assert main([*command, "--cwd", "elsewhere"]) == 2
    assert capsys.readouterr().err == (
        f"ecr-replication {command[0]}: error: --cwd DIR is the project of --stack NAME: pass --stack too\n")
    (project / "__main__.py").write_text(TWO_SOURCES)
    assert main([*command, "--stack", "dev"]) == 2
    assert capsys.readouterr().err == (
        f"ecr-replication {command[0]}: error: stack dev declares 2 replication configurations ({SOURCE}/{EU}, "
        f"{SOURCE}/{REGION}); the live commands read one source registry: {instead}\n")


def test_a_stack_error_is_one_line(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The stack is evaluated before any AWS call: its config errors are plan's, one line naming the key."""
    (project / "Pulumi.dev.yaml").write_text(stack_file(destination={"roleArn": "arn:aws:iam::999999999999:role/x"}))
    assert main(["check", "--stack", "dev"]) == 2
    assert capsys.readouterr().err == (
        "ecr-replication check: error: ecr-replication:destinations[0].roleArn: must be a role ARN in the account of "
        "accountId (got 'arn:aws:iam::999999999999:role/x')\n")


@pytest.fixture
def statuses(hooks: list[ClientHook]) -> ReplicationStatuses:
    responder = ReplicationStatuses()
    hooks.append(responder.hook)
    return responder


def test_status_stack_needs_no_other_option(deployed: Registry, statuses: ReplicationStatuses,
                                            stack_credentials: Path, cli: Cli,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    """The source registry read through the stack's profile in the stack's region (none in the environment)."""
    digest = deployed.push("prod/api", "v1")
    statuses.set("prod/api", digest, entry(WEST, DEST_A, "COMPLETE"), entry(EU, SOURCE, "COMPLETE"))
    assert status.run(cli.parse(["status", "--stack", "dev", "--json"])) == status.EXIT_COMPLETE
    document = report(capsys)
    assert (document["registryId"], document["region"], document["result"]) == (SOURCE, REGION, "COMPLETE")


def test_backfill_stack_needs_no_other_option(deployed: Registry, stack_credentials: Path, cli: Cli,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    deployed.push("prod/api", "v1")
    deployed.push("prod/web", "v1")
    assert backfill.run(cli.parse(["backfill", "--stack", "dev", "--dry-run", "--json"])) == backfill.EXIT_DONE
    assert report(capsys)["destinations"] == [
        {"registryId": SOURCE, "region": EU, "repositories": 2, "images": 2},
        {"registryId": DEST_A, "region": WEST, "repositories": 2, "images": 2},
    ]


def test_verify_stack_needs_no_other_option(deployed: Registry, hooks: list[ClientHook], stack_credentials: Path,
                                            cli: Cli, capsys: pytest.CaptureFixture[str]) -> None:
    """verify pushes the canary through the stack's source profile and finds it in the destination account with the
    role the stack names (FakeReplication plays ECR's copy, as in test_cli_verify); the plan's declared settings
    (none here: no creation template) come from the stack."""
    statuses = ReplicationStatuses()
    replication = FakeReplication(statuses, deployed.account_session)
    hooks.extend([statuses.hook, replication.hook])
    replication.deliver(DEST_A, WEST)
    replication.deliver(SOURCE, EU)
    clock = Clock(replication)
    with redacted_streams():
        code = verify.run(cli.parse(["verify", "--stack", "dev", "--json"]), clock=clock, sleep=clock.sleep)
    document = report(capsys)
    assert code == verify.EXIT_VERIFIED, document
    [canary] = document["canaries"]
    assert {d["registry"]: d["result"] for d in canary["destinations"]} == {
        f"{DEST_A}/{WEST}": "VERIFIED", f"{SOURCE}/{EU}": "VERIFIED"}


def test_verify_stack_suggests_check_of_the_same_stack(deployed: Registry, hooks: list[ClientHook],
                                                       stack_credentials: Path, project: Path, cli: Cli,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    """A replication that fails is looked into with `check` of the same stack and project, which reads every account
    with the stack's credentials: no plan file, no role options (it suggested `check --expected plan.json
    --destination-role-arn ACCOUNT=ROLE_ARN`)."""
    statuses = ReplicationStatuses()
    replication = FakeReplication(statuses, deployed.account_session)
    hooks.extend([statuses.hook, replication.hook])
    replication.deliver(DEST_A, WEST, Delivery(failure_code="REPLICATION_PERMISSION_DENIED"))
    replication.deliver(SOURCE, EU)
    clock = Clock(replication)
    with redacted_streams():
        code = verify.run(cli.parse(["verify", "--stack", "dev", "--cwd", str(project), "--json"]), clock=clock,
                          sleep=clock.sleep)
    assert code == verify.EXIT_FAILED
    [canary] = report(capsys)["canaries"]
    failed = {d["registry"]: d for d in canary["destinations"]}[f"{DEST_A}/{WEST}"]
    assert failed["fix"] == (
        f"run `ecr-replication check --stack dev --cwd {project}` (a registry policy without ecr:CreateRepository or "
        "ecr:ReplicateImage is the usual cause; the source account's CloudTrail shows the denied call)")


CUSTOM_PROGRAM = f'''
import pulumi_aws as aws
from replication import EcrReplication

source = aws.Provider("source", region="{REGION}", allowed_account_ids=["{SOURCE}"])
destination = aws.Provider("destination", region="{WEST}", allowed_account_ids=["{DEST_A}"])
EcrReplication("images", {{"source_provider": source, "repository_prefixes": ["prod/"],
                           "destinations": [{{"provider": destination, "regions": ["{WEST}"]}},
                                            {{"provider": source, "regions": ["{EU}"]}}]}})
'''
"""A program of the user's own: its providers' credentials are in the program, not in config keys the CLI reads."""


def test_another_program_s_stack_gives_the_plan_and_no_credentials(project: Path, deployed: Registry,
                                                                     capsys: pytest.CaptureFixture[str]) -> None:
    """The plan comes from the program; each account then needs its option (the source: the ambient credentials,
    here moto's default account), and a note says so."""
    (project / "__main__.py").write_text(CUSTOM_PROGRAM)
    (project / "Pulumi.dev.yaml").write_text("config: {}\n")
    assert main(["check", "--stack", "dev", "--json"]) == 3
    captured = capsys.readouterr()
    assert json.loads(captured.out)["notChecked"] == [{
        "where": f"registry {DEST_A}/{WEST}",
        "reason": f"its registry policy was not read: no credentials were given for account {DEST_A}",
        "fix": f"pass --destination-role-arn {DEST_A}=ROLE_ARN or --destination-profile {DEST_A}=PROFILE",
    }]
    assert captured.err == (
        "note: stack dev's config has no ecr-replication:source (the example program's keys, docs/configuration.md): "
        "each account is read with the options given for it, the source else with the ambient credentials\n")
    assert main(["check", "--stack", "dev", "--destination-role-arn", f"{DEST_A}={DESTINATION_ROLE}"]) == 0
