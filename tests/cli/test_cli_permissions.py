"""``ecr-replication permissions``: valid least-privilege IAM documents, scoped to a stack's registries and
replicated prefixes, that grant exactly what the commands call.

What the commands call is held against the record of every AWS call the CLI tests make (``tests/cli/
recorded_calls.py``: each command run in any test of this folder records its calls, with whose credentials and on
which registry, whoever answers them). The two tests marked ``after_cli_tests`` run after every other test and
read that record:

* every recorded call is granted by ``permissions COMMAND``'s document for the credentials that made it (source or
  destination), on the resources the request names (:func:`requested_resources`);
* every action a document grants was called by some test with those credentials. This needs the whole folder's
  record, so a run of only part of it (a ``-k``, a node id, some files) skips it.

The record is the ground truth, not the table: when a command starts calling something new, the first test fails
and names the command, the credentials, the action and the test that made the call.
"""

from __future__ import annotations

import json
import re
import shutil
from datetime import datetime
from collections.abc import Callable, Iterable, Mapping
from functools import cache
from pathlib import Path
from typing import Any

import botocore.session
import pytest
import yaml
from botocore.stub import Stubber

from replication.cli import backfill, permissions
from replication.cli.command_calls import CALLS, LIVE_COMMANDS, NO_PERMISSION_NEEDED, Resource
from replication.cli.main import main
from replication.cli.permissions import Scope, fitted_documents, policy_documents, stack_scope
from replication.ecr_semantics import Registry as At
from replication.ecr_semantics import Rule
from replication.iam_policy import Resources, pattern_covers
from replication.limits import MAX_ROLE_INLINE_POLICY_CHARS
from tests.cli.conftest import DEST_A, DEST_B, REGION, SOURCE, Cli, Registry
from tests.cli.fakes import ClientHook, Delivery, FakeReplication, ReplicationStatuses, status
from tests.cli.recorded_calls import (ASSUMING_CREDENTIALS, DESELECTED, DESTINATION_CREDENTIALS, RECORDED_CALLS,
                                      SOURCE_CREDENTIALS, RecordedCall, calls_of_this_test)
from tests.cli.test_cli_verify import Clock
from tests.cli.test_cli_verify import run as run_verify

ROOT = Path(__file__).resolve().parents[2]
WEST, EU = "us-west-2", "eu-west-1"
ACTION = re.compile(r"^[a-z0-9-]+:[A-Z][A-Za-z0-9]+$")
"""An IAM action as ``service:Operation``, with no wildcard."""


def printed(capsys: pytest.CaptureFixture[str], *argv: str) -> dict[str, Any]:
    """``ecr-replication permissions ARGV --json``, parsed."""
    assert main(["permissions", *argv, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def stack_project(folder: Path, stack: str, config: Mapping[str, Any]) -> Path:
    """A copy of the bundled program with ``config`` as its ``Pulumi.<stack>.yaml``."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("Pulumi.yaml", "__main__.py"):
        shutil.copy(ROOT / name, folder / name)
    (folder / f"Pulumi.{stack}.yaml").write_text(yaml.safe_dump({"config": dict(config)}))
    return folder


def replication_config(source: tuple[str, str], destinations: Iterable[tuple[str, str]],
                       prefixes: list[str], **extra: Any) -> dict[str, Any]:
    """The example program's config: ``source`` and each destination as (account, region)."""
    by_account: dict[str, list[str]] = {}
    for account, region in destinations:
        by_account.setdefault(account, []).append(region)
    return {
        "pulumi:disable-default-providers": ["aws"],
        "ecr-replication:source": {"accountId": source[0], "region": source[1]},
        "ecr-replication:destinations": [{"accountId": a, "regions": r} for a, r in by_account.items()],
        "ecr-replication:repositoryPrefixes": prefixes,
        **{f"ecr-replication:{key}": value for key, value in extra.items()},
    }


def allows(document: Mapping[str, Any] | None, action: str, resource: str) -> bool:
    """Whether an identity policy (Allow statements only, as ``permissions`` prints) lets its holder do ``action``
    on ``resource`` (an ARN, or ``*`` for an action with no resource type), matching resources as IAM does."""
    return document is not None and any(
        statement["Effect"] == "Allow" and action.lower() in (a.lower() for a in statement["Action"])
        and any(pattern_covers(pattern, Resources.exactly(resource)) for pattern in statement["Resource"])
        for statement in document["Statement"])


def granted(document: Mapping[str, Any] | None) -> set[str]:
    """Every action a document grants."""
    return {action for statement in (document or {}).get("Statement", []) for action in statement["Action"]}


@cache
def _input_members(action: str) -> frozenset[str]:
    service, operation = action.split(":")
    model = botocore.session.get_session().get_service_model(service).operation_model(operation)
    return frozenset(model.input_shape.members) if model.input_shape else frozenset()


def requested_resources(call: RecordedCall) -> list[str]:
    """What a recorded call acts on, as IAM authorizes it: the repositories its request names (``repositoryName``,
    ``repositoryNames``, ``resourceArn``) in the registry of its credentials' account and its region; every
    repository of that registry (``repository/*``) for an operation that can name repositories but names none
    (``DescribeRepositories`` listing a registry); ``iam:GetRole``'s role as a service-linked role (the one role
    the commands read); ``*`` for an operation whose request can't name a repository (botocore's model says which),
    as the Service Authorization Reference gives those ECR actions no resource type."""
    params, registry = call.params, call.registry
    assert registry is not None, f"{call.test}: {call.command} called {call.action} before verifying its credentials"
    if call.action == "iam:GetRole":
        return [f"arn:{registry.partition}:iam::{registry.account_id}:role/aws-service-role/"
                f"replication.ecr.amazonaws.com/{params['RoleName']}"]
    names = [params["repositoryName"]] if "repositoryName" in params else list(params.get("repositoryNames", ()))
    if names:
        return [registry.repository_arn(name) for name in names]
    if "resourceArn" in params:
        return [params["resourceArn"]]
    if _input_members(call.action) & {"repositoryName", "repositoryNames"}:
        return [registry.repository_arn("*")]
    return ["*"]


Documents = Mapping[str, Mapping[str, Any] | None]
"""``permissions --json``'s answer: the document of each set of credentials (``source``, ``destination``)."""


def refusals(calls: Iterable[RecordedCall], documents: Documents | Callable[[RecordedCall], Documents]) -> list[str]:
    """One line per (command, credentials, action, resource) that ``documents`` (or the documents of each call's run)
    do not grant, naming the first test that made the call and how many did."""
    documents_of = documents if callable(documents) else lambda _: documents
    found: dict[tuple[str, str, str, str], list[str]] = {}  # (the run, credentials, action, resource): tests
    for call in calls:
        if call.credentials == ASSUMING_CREDENTIALS:  # verifying credentials, or assuming a role from them
            assert call.action in {*NO_PERMISSION_NEEDED, "sts:AssumeRole"}, (
                f"{call.test}: `{call.command}` called {call.action} with credentials it had not verified")
            continue
        if call.action in NO_PERMISSION_NEEDED:
            continue
        for resource in requested_resources(call):
            if not allows(documents_of(call)[call.credentials], call.action, resource):
                generic = re.sub(r"arn:[^:]+:(ecr|iam):[^:]*:\d{12}:", r"arn:*:\1:*:*:", resource)
                run = " ".join([call.command, *(f"--repository {name}" for name in call.repositories)])
                found.setdefault((run, call.credentials, call.action, generic), []).append(call.test)
    return [f"`{run}` calls {action} on {resource} with {credentials} credentials ({tests[0]}"
            f"{f' and {len(tests) - 1} more call(s)' if len(tests) > 1 else ''}), but `ecr-replication permissions "
            f"{run}` does not grant it there: add or fix its row in replication/cli/command_calls.py"
            for (run, credentials, action, resource), tests in sorted(found.items())]


def unused_grants(calls: Iterable[RecordedCall], documents: Documents) -> list[str]:
    """One line per resource of a statement that no call made with those credentials, of an action of the
    statement, named: a registry, prefix or repository the documents give credentials that never act there (a
    resource in the wrong document, or one the command never touches)."""
    made = [call for call in calls if call.credentials in documents]
    return [f"the {credentials} document's statement {statement['Sid']} grants {', '.join(statement['Action'])} on "
            f"{pattern}, but no call with the {credentials} credentials acted there"
            for credentials, document in documents.items() for statement in (document or {}).get("Statement", [])
            for pattern in statement["Resource"]
            if not any(call.credentials == credentials and call.action in statement["Action"]
                       and any(pattern_covers(pattern, Resources.exactly(r)) for r in requested_resources(call))
                       for call in made)]


# The documents themselves.

@pytest.mark.parametrize("stack", [None, "dev"])
@pytest.mark.parametrize("command", LIVE_COMMANDS)
def test_documents_are_valid_least_privilege_iam_policies(command: str, stack: str | None,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    """Version 2012-10-17, Allow statements with unique Sids, real ``service:Operation`` actions (botocore's model
    has each operation) and no wildcard action; ``"*"`` only for the actions the table gives no resource type."""
    extra = ["--stack", stack, "--cwd", str(ROOT)] if stack else []
    documents = printed(capsys, command, *extra)
    assert set(documents) == {"source", "destination"}
    unscoped = {call.action for call in CALLS if call.resource is Resource.REGISTRY}
    for document in filter(None, documents.values()):
        assert document["Version"] == "2012-10-17"
        sids = [statement["Sid"] for statement in document["Statement"]]
        assert len(sids) == len(set(sids)) and all(re.fullmatch(r"[A-Za-z0-9]+", sid) for sid in sids)
        for statement in document["Statement"]:
            assert statement["Effect"] == "Allow" and statement["Action"] and statement["Resource"]
            for action in statement["Action"]:
                assert ACTION.match(action), action
                service, operation = action.split(":")
                assert operation in botocore.session.get_session().get_service_model(service).operation_names
            if "*" in statement["Resource"]:
                assert statement["Resource"] == ["*"] and set(statement["Action"]) <= unscoped


def test_without_a_stack_resources_keep_their_type_in_any_account() -> None:
    documents = policy_documents("verify", Scope())
    assert documents["destination"] == {"Version": "2012-10-17", "Statement": [{
        "Sid": "DestinationCanaryRepositories", "Effect": "Allow",
        "Action": ["ecr:BatchDeleteImage", "ecr:BatchGetRepositoryScanningConfiguration", "ecr:DescribeImages",
                   "ecr:DescribeRepositories", "ecr:GetLifecyclePolicy", "ecr:GetRepositoryPolicy",
                   "ecr:ListTagsForResource"],
        "Resource": ["arn:*:ecr:*:*:repository/*ecr-replication-canary"]}]}
    # The source credentials also read destinations in the source account: those actions are in its document too.
    assert granted(documents["destination"]) < granted(documents["source"])
    role = "arn:*:iam::*:role/aws-service-role/replication.ecr.amazonaws.com/AWSServiceRoleForECRReplication"
    assert policy_documents("check", Scope())["source"]["Statement"][1]["Resource"] == [role]
    assert policy_documents("status", Scope())["destination"] is None


def test_the_dev_stack_scopes_every_resource_to_its_registries_and_prefixes() -> None:
    """Source 111111111111/us-east-1 replicates prod/ and shared/ (one rule) to 222222222222 in us-west-2 and
    eu-west-1 and to its own account in us-west-2: the source credentials read that one too, the role of
    222222222222 the others. verify's canary is the exact repository it names for the rule, after its first prefix
    (`prod/*ecr-replication-canary` would also match prod/team-ecr-replication-canary)."""
    documents = policy_documents("verify", stack_scope(ROOT, "dev", "verify"))
    source = {s["Sid"]: s["Resource"] for s in documents["source"]["Statement"]}
    assert source == {
        "RegistryLevel": ["*"],
        "SourceCanaryRepositories": ["arn:aws:ecr:us-east-1:111111111111:repository/prod/ecr-replication-canary"],
        "SameAccountDestinationsCanaryRepositories": [
            "arn:aws:ecr:us-west-2:111111111111:repository/prod/ecr-replication-canary"],
    }
    [destination] = documents["destination"]["Statement"]
    assert destination["Resource"] == [f"arn:aws:ecr:{region}:222222222222:repository/prod/ecr-replication-canary"
                                       for region in ("eu-west-1", "us-west-2")]
    for other in ("dev/ecr-replication-canary", "prod/team-ecr-replication-canary", "shared/ecr-replication-canary"):
        assert not allows(documents["destination"], "ecr:DescribeImages",
                          f"arn:aws:ecr:us-west-2:222222222222:repository/{other}")
    check = policy_documents("check", stack_scope(ROOT, "dev", "check"))
    assert check["source"]["Statement"][1]["Resource"] == [
        "arn:aws:iam::111111111111:role/aws-service-role/replication.ecr.amazonaws.com/AWSServiceRoleForECRReplication"]
    status = policy_documents("status", stack_scope(ROOT, "dev", "status"))["source"]["Statement"]
    assert [(s["Sid"], s["Resource"]) for s in status] == [
        ("RegistryLevel", ["*"]),
        ("SourceRepositoryList", ["arn:aws:ecr:us-east-1:111111111111:repository/*"]),
        ("SourceReplicatedRepositories", ["arn:aws:ecr:us-east-1:111111111111:repository/prod/*",
                                          "arn:aws:ecr:us-east-1:111111111111:repository/shared/*"])]


def test_canaries_are_the_repositories_verify_names_for_each_rule_in_each_registry() -> None:
    """verify's naming (canaries.choose_canaries) per registry: a rule's first prefix + ecr-replication-canary, the
    bare name for a rule without filters, each going wherever any rule replicates it (the filterless rule takes
    them all); with --repository shared/api also that repository, in the source and where it replicates to."""
    a, b, c = At(DEST_A, WEST), At(DEST_B, EU), At(SOURCE, WEST)
    rules = (Rule((a,), ("prod/", "shared/")), Rule((b,), ()), Rule((c,), ("team-",)))
    scope = Scope(At(SOURCE, REGION), rules, "x", repositories=("shared/api",))
    canaries = {registry: scope.canary_repositories(registry) for registry in (scope.source, a, b, c)}
    assert canaries == {
        scope.source: ["ecr-replication-canary", "prod/ecr-replication-canary", "shared/api",
                       "team-ecr-replication-canary"],
        a: ["prod/ecr-replication-canary", "shared/api"],
        b: ["ecr-replication-canary", "prod/ecr-replication-canary", "shared/api", "team-ecr-replication-canary"],
        c: ["team-ecr-replication-canary"],
    }
    destination = policy_documents("verify", scope)["destination"]
    assert destination["Statement"][0]["Resource"] == sorted(
        registry.repository_arn(name) for registry in (a, b) for name in canaries[registry])
    assert Scope(repositories=("shared/api",)).canary_repositories(None) == ["*ecr-replication-canary", "shared/api"]


def test_permissions_verify_repository(capsys: pytest.CaptureFixture[str]) -> None:
    """--repository (repeatable) adds each repository verify --repository pushes to and reads, in every registry of
    the stack it replicates to; without a stack, anywhere. Only verify takes it, and only a name verify would take."""
    documents = printed(capsys, "verify", "--stack", "dev", "--cwd", str(ROOT), "--repository", "prod/api",
                        "--repository", "shared/web")
    [destination] = documents["destination"]["Statement"]
    assert destination["Resource"] == [f"arn:aws:ecr:{region}:222222222222:repository/{name}" for region in
                                       ("eu-west-1", "us-west-2") for name in ("prod/api", "prod/ecr-replication-canary",
                                                                              "shared/web")]
    source = {s["Sid"]: s["Resource"] for s in documents["source"]["Statement"]}
    assert source["SourceCanaryRepositories"] == [
        f"arn:aws:ecr:us-east-1:111111111111:repository/{name}"
        for name in ("prod/api", "prod/ecr-replication-canary", "shared/web")]
    assert main(["permissions", "verify", "--stack", "dev", "--cwd", str(ROOT), "--repository", "prod/api"]) == 0
    assert capsys.readouterr().out.startswith(
        "IAM policies for `ecr-replication verify` (also with --repository prod/api) in stack dev")
    assert main(["permissions", "verify", "--stack", "dev", "--cwd", str(ROOT)]) == 0
    assert ("\n  any other repository `verify --repository NAME` pushes its canary to and reads it in, in the source "
            "and each destination: print the documents with --repository NAME (repeatable) for those runs\n"
            ) in capsys.readouterr().out
    assert printed(capsys, "verify", "--repository", "prod/api")["destination"]["Statement"][0]["Resource"] == [
        "arn:*:ecr:*:*:repository/*ecr-replication-canary", "arn:*:ecr:*:*:repository/prod/api"]
    for argv, error in [
        (["check", "--repository", "prod/api"], "--repository is verify's option: `ecr-replication permissions verify "
                                                "--repository NAME` grants what `verify --repository NAME` needs; "
                                                "`check` takes none"),
        (["verify", "--repository", "prod/API"], "--repository: 'prod/API' is not a valid ECR repository name (2-256 "
                                                 "characters of a-z, 0-9 and '._-' separated by '/'); pass --repository "
                                                 "with a repository the rule replicates"),
        (["verify", "--stack", "dev", "--cwd", str(ROOT), "--repository", "dev/api"],
         "repository 'dev/api' is not matched by any replication rule of registry 111111111111/us-east-1"),
    ]:
        assert main(["permissions", *argv]) == 2
        assert capsys.readouterr().err == f"ecr-replication permissions: error: {error}\n"


def test_a_stack_whose_canary_names_ecr_refuses_needs_repository(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A 244-character prefix: its canary name is longer than ECR's 256, so verify runs only with --repository (it
    refuses to run without, and says so): permissions verify says the same, and with --repository grants that run
    alone. The other commands don't name canaries, and are not refused."""
    prefix = "team-" + "-".join(["abcdefghi"] * 24)
    project = stack_project(tmp_path, "long", replication_config((SOURCE, REGION), [(DEST_A, WEST)], [prefix]))
    assert main(["permissions", "verify", "--stack", "long", "--cwd", str(project)]) == 2
    assert capsys.readouterr().err == (
        f"ecr-replication permissions: error: the canary repository for a rule's first prefix: "
        f"'{prefix}ecr-replication-canary' is not a valid ECR repository name (2-256 characters of a-z, 0-9 and '._-' "
        "separated by '/'); pass --repository with a repository the rule replicates\n")
    documents = printed(capsys, "verify", "--stack", "long", "--cwd", str(project), "--repository", prefix + "x")
    assert documents["destination"]["Statement"][0]["Resource"] == [At(DEST_A, WEST).repository_arn(prefix + "x")]
    assert printed(capsys, "status", "--stack", "long", "--cwd", str(project))["destination"] is None


@pytest.mark.parametrize(("source", "destination", "partition"), [
    ("cn-north-1", "cn-northwest-1", "aws-cn"), ("us-gov-west-1", "us-gov-east-1", "aws-us-gov")])
def test_arns_are_in_the_stack_partition(tmp_path: Path, source: str, destination: str, partition: str) -> None:
    project = stack_project(tmp_path, "part", replication_config((SOURCE, source), [(DEST_A, destination)], ["prod/"]))
    check = policy_documents("check", stack_scope(project, "part", "check"))
    assert check["source"]["Statement"][1]["Resource"] == [
        f"arn:{partition}:iam::{SOURCE}:role/aws-service-role/replication.ecr.amazonaws.com/"
        "AWSServiceRoleForECRReplication"]
    verify = policy_documents("verify", stack_scope(project, "part", "verify"))
    assert verify["destination"]["Statement"][0]["Resource"] == [
        f"arn:{partition}:ecr:{destination}:{DEST_A}:repository/prod/ecr-replication-canary"]


def test_a_stack_with_only_same_account_destinations_needs_no_destination_role(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = stack_project(tmp_path, "one", replication_config((SOURCE, REGION), [(SOURCE, WEST)], ["prod/"]))
    assert main(["permissions", "import", "--stack", "one", "--cwd", str(project)]) == 0
    out = capsys.readouterr().out
    assert "destination: none: every destination registry of stack one is in the source account" in out
    assert re.search(r"\n  ecr:GetRegistryScanningConfiguration +the registry of destinations in the source account +"
                     r"reads the registry scanning configuration to adopt\n", out)


def test_text_says_for_which_credentials_and_why(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["permissions", "check", "--stack", "dev", "--cwd", str(ROOT)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("IAM policies for `ecr-replication check` in stack dev (source registry "
                          "111111111111/us-east-1)\n\nsource: for the credentials `check` reads account 111111111111")
    assert ("\nsource: for the credentials `check` reads account 111111111111 with what ecr-replication:source names "
            "in stack dev (profile and roleArn, else the ambient credentials), unless --profile or --role-arn name "
            "others\n") in out
    assert ("\ndestination: for the credentials `check` reads destination account 222222222222 and spoke account "
            "444444444444 with what ecr-replication:destinations[0] and ecr-replication:pullThroughDestinations[0] "
            "name in stack dev (profile and roleArn, else the ambient credentials), unless --destination-role-arn or "
            "--destination-profile name others\n") in out
    assert re.search(r"\n  ecr:GetRegistryPolicy +the registry +reads the registry policy that must let the source "
                     r"account", out)
    assert re.search(r"\n  ecr:DescribePullThroughCacheRules +the registry of spokes +reads the spoke's pull-through "
                     r"cache rules\n", out)
    assert "  sts:GetCallerIdentity: every command calls it" in out and "  sts:AssumeRole on each role" in out
    assert main(["permissions", "backfill"]) == 0
    assert "destination: none: `backfill` reads no other account" in capsys.readouterr().out
    assert main(["permissions", "check"]) == 0
    out = capsys.readouterr().out
    assert "\nsource: for the credentials `check` reads the source account with (--profile, --role-arn)\n" in out
    assert ("\ndestination: for the credentials `check` reads each other destination or spoke account with "
            "(--destination-role-arn, --destination-profile)\n") in out


def _tabled_and_granted(text: str) -> dict[str, tuple[set[str], set[str]]]:
    """Per credentials (``source``, ``destination``) in ``permissions`` text: the actions its table lists, and those
    its document grants."""
    sections: dict[str, tuple[set[str], set[str]]] = {}
    for side, body in re.findall(r"^(source|destination): for the credentials .*?\n(.*?\n})", text, re.S | re.M):
        table, document = body.split("\n{", 1)
        sections[side] = ({row.split()[0] for row in table.splitlines()[1:]}, granted(json.loads("{" + document)))
    return sections


@pytest.mark.parametrize("command", LIVE_COMMANDS)
@pytest.mark.parametrize("stack", ["dev", "plain", "local"])
def test_each_table_lists_the_actions_its_document_grants(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                          command: str, stack: str) -> None:
    """The rows above a document say why it grants each action: no row for an action the document leaves out (a
    stack without spokes reads none), none missing. ``plain``: a destination in another account and no spokes;
    ``local``: every destination in the source account."""
    folder = ROOT
    if stack != "dev":
        destination = DEST_A if stack == "plain" else SOURCE
        folder = stack_project(tmp_path, stack, replication_config((SOURCE, REGION), [(destination, WEST)], ["prod/"]))
    arguments = ["--stack", stack, "--cwd", str(folder)]
    documents = printed(capsys, command, *arguments)
    assert main(["permissions", command, *arguments]) == 0
    sections = _tabled_and_granted(capsys.readouterr().out)
    assert set(sections) == {side for side, document in documents.items() if document is not None}
    for side, (tabled, documented) in sections.items():
        assert tabled == documented == granted(documents[side]), side


def test_a_program_of_ones_own_gets_its_credentials_from_the_options(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A stack whose config has no example program's keys: the live commands read it with the options only, and the
    text says so."""
    project = stack_project(tmp_path, "own", {})
    (project / "__main__.py").write_text(CUSTOM_PROGRAM.format(source_accounts=', allowed_account_ids=["123456789012"]',
                                                               destination_account='"222222222222"'))
    assert main(["permissions", "check", "--stack", "own", "--cwd", str(project)]) == 0
    out = capsys.readouterr().out
    assert "\nsource: for the credentials `check` reads account 123456789012 with (--profile, --role-arn)\n" in out
    assert ("\ndestination: for the credentials `check` reads destination account 222222222222 with "
            "(--destination-role-arn, --destination-profile)\n") in out


def test_import_of_a_stack_it_has_not_written_yet_needs_no_stack(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`import --stack new` writes the stack's config; `permissions import --stack new` before it is one line saying
    to leave --stack out (import's actions are all registry-level), as is a stack file without the source entry."""
    project = stack_project(tmp_path, "other", {})
    error = ("ecr-replication permissions: error: stack new has no ecr-replication:source yet (import writes it): run "
             "`ecr-replication permissions import` without --stack; import's actions are all registry-level "
             "(\"Resource\": \"*\"), so its documents name no registry anyway\n")
    assert main(["permissions", "import", "--stack", "new", "--cwd", str(project)]) == 2
    assert capsys.readouterr().err == error
    (project / "Pulumi.new.yaml").write_text("config:\n  aws:region: us-east-1\n")
    assert main(["permissions", "import", "--stack", "new", "--cwd", str(project)]) == 2
    assert capsys.readouterr().err == error
    assert {call.resource for call in CALLS if call.command == "import"} == {Resource.REGISTRY}
    assert main(["permissions", "import"]) == 0


def test_the_docs_show_what_the_command_prints(capsys: pytest.CaptureFixture[str]) -> None:
    """docs/operations.md shows the dev stack's documents for `check` as the command prints them."""
    shown = re.search(r"```sh\n(ecr-replication permissions check --stack dev --json)\n```\n\n```json\n(.*?)```",
                      (ROOT / "docs" / "operations.md").read_text(), re.S)
    assert shown is not None, "docs/operations.md no longer shows `ecr-replication permissions check --stack dev --json`"
    assert main([*shown[1].split()[1:], "--cwd", str(ROOT)]) == 0
    assert capsys.readouterr().out == shown[2], "paste the command's output into docs/operations.md"


def test_documents_too_large_for_iam_are_widened_registry_by_registry() -> None:
    """200 prefixes (two rules of 100, ECR's most filters per rule) to DEST_A: status's ARNs for them in the source
    registry don't fit a role's 10,240 characters, so the source is named by every repository. The destination has
    as many prefixes and sorts first, but status names none of its repositories: widening it would change nothing,
    so it is neither widened nor noted."""
    prefixes = [f"team-{n:03d}/" for n in range(200)]
    rules = (Rule((At(DEST_A, WEST),), tuple(prefixes[:100])), Rule((At(DEST_A, WEST),), tuple(prefixes[100:])))
    scope = Scope(At(DEST_B, REGION), rules, "big")
    assert permissions.iam_size(policy_documents("status", scope)["source"]) > MAX_ROLE_INLINE_POLICY_CHARS
    documents, notes = fitted_documents("status", scope)
    assert all(permissions.iam_size(d) <= MAX_ROLE_INLINE_POLICY_CHARS for d in documents.values())
    assert notes == [f"registry {DEST_B}/{REGION}: every repository instead of each replicated prefix, so that the "
                     "documents fit IAM's 10,240 characters"]
    assert documents["source"]["Statement"][-1]["Resource"] == [f"arn:aws:ecr:{REGION}:{DEST_B}:repository/*"]


def test_bad_input_is_one_line_and_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["permissions", "check", "--cwd", str(tmp_path)]) == 2
    assert capsys.readouterr().err == ("ecr-replication permissions: error: --cwd DIR is the project of --stack NAME: "
                                       "pass --stack too\n")
    assert main(["permissions", "plan"]) == 2
    assert "argument COMMAND: invalid choice: 'plan'" in capsys.readouterr().err
    assert main(["permissions", "check", "--stack", "dev", "--cwd", str(tmp_path)]) == 2
    assert capsys.readouterr().err.startswith("ecr-replication permissions: error: ")


CUSTOM_PROGRAM = """
import pulumi
import pulumi_aws as aws
from replication import EcrReplication

source = aws.Provider("source", region="us-east-1"{source_accounts})
destination = aws.Provider("destination", region="us-west-2", allowed_account_ids=["222222222222"])
EcrReplication("images", {{"source_provider": source, "source_account_id": "123456789012",
                          "destinations": [{{"provider": destination, "account_id": {destination_account}}}]}})
"""
"""A program of one's own: the source provider names its account or not, the destination account is given as
written (none of it: a program declaring no replication)."""


@pytest.mark.parametrize(("source_accounts", "destination_account", "error"), [
    (', allowed_account_ids=["123456789012"]', 'pulumi.Output.secret("222222222222")',
     "stack own: its replication configuration names a secret (an account id given as a secret), which the offline "
     "plan can't show, so the policies can't name its registries; run permissions without --stack for policies that "
     "name none"),
    ("", '"222222222222"',
     "stack own: the source registry's account is not known offline (provider source): give its provider "
     "allowedAccountIds, or run permissions without --stack"),
    (None, None, "stack own declares 0 replication configurations; the live commands read one source registry: run "
                 "permissions without --stack for policies that name no registry"),
])
def test_a_stack_whose_registries_the_plan_cannot_name_is_refused(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], source_accounts: str | None,
        destination_account: str | None, error: str) -> None:
    project = stack_project(tmp_path, "own", {})
    program = "import pulumi\n" if source_accounts is None else CUSTOM_PROGRAM.format(
        source_accounts=source_accounts, destination_account=destination_account)
    (project / "__main__.py").write_text(program)
    assert main(["permissions", "check", "--stack", "own", "--cwd", str(project)]) == 2
    assert capsys.readouterr().err == f"ecr-replication permissions: error: {error}\n"


# The documents against the calls a command makes on a live setup that matches a stack.

STACK_SETUP = replication_config((SOURCE, REGION), [(DEST_A, WEST), (SOURCE, EU)], ["prod/"],
                                 repositorySettings={"imageTagMutability": "IMMUTABLE", "scanOnPush": True})
"""prod/ replicated from the source to DEST_A/us-west-2 and to the source's own account in eu-west-1."""


AS_DECLARED = {"imageTagMutability": "IMMUTABLE", "imageScanningConfiguration": {"scanOnPush": True}}
"""A repository as the creation template :data:`STACK_SETUP` declares makes it."""


@pytest.fixture
def stack_setup(tmp_path: Path, registry: Registry) -> tuple[Path, Scope]:
    """The live rule :data:`STACK_SETUP` declares, and the stack."""
    registry.replicate([(WEST, DEST_A), (EU, SOURCE)], ["prod/"])
    project = stack_project(tmp_path / "project", "live", STACK_SETUP)
    return project, stack_scope(project, "live", "verify")


def delivering_to_the_stack(registry: Registry, hooks: list[ClientHook]) -> FakeReplication:
    """ECR's replication for the ``live`` stack (tests/cli/fakes.FakeReplication): the canary arrives in both of its
    destinations, DEST_A's us-west-2 and the source account's eu-west-1, with the repository as declared."""
    statuses = ReplicationStatuses()
    replication = FakeReplication(statuses, registry.account_session)
    hooks.extend([statuses.hook, replication.hook])
    replication.deliver(DEST_A, WEST, Delivery(repository=AS_DECLARED))
    replication.deliver(SOURCE, EU, Delivery(repository=AS_DECLARED))
    return replication


def test_the_stack_documents_grant_every_call_verify_makes_with_the_stack_plan(
        cli: Cli, stack_setup: tuple[Path, Scope], registry: Registry, hooks: list[ClientHook],
        request: pytest.FixtureRequest, capsys: pytest.CaptureFixture[str]) -> None:
    """verify with the stack's plan reads the canary's settings in both destinations, DEST_A's with its own role and
    eu-west-1's with the source credentials: the documents grant each call on the resources it names, and
    nothing outside the stack's registries and prefixes."""
    project, scope = stack_setup
    replication = delivering_to_the_stack(registry, hooks)
    plan = project / "plan.json"
    assert main(["plan", "--stack", "live", "--cwd", str(project), "--no-policies", "--json"]) == 0
    plan.write_text(capsys.readouterr().out)
    assert run_verify(cli, Clock(replication), "--expected", str(plan), "--destination-role-arn",
                      f"{DEST_A}=arn:aws:iam::{DEST_A}:role/verify", "--json") == 0, capsys.readouterr().out
    calls = calls_of_this_test(request)
    settings_reads = {(c.credentials, str(c.registry)) for c in calls if c.action == "ecr:ListTagsForResource"}
    assert settings_reads == {(DESTINATION_CREDENTIALS, f"{DEST_A}/{WEST}"), (SOURCE_CREDENTIALS, f"{SOURCE}/{EU}")}
    documents = policy_documents("verify", scope)
    assert refusals(calls, documents) == [] and unused_grants(calls, documents) == []
    outside = At(DEST_B, WEST).repository_arn("prod/ecr-replication-canary")
    assert not allows(documents["destination"], "ecr:DescribeImages", outside)


def test_verify_repository_needs_permissions_verify_repository(
        cli: Cli, stack_setup: tuple[Path, Scope], registry: Registry, hooks: list[ClientHook],
        request: pytest.FixtureRequest, capsys: pytest.CaptureFixture[str]) -> None:
    """`verify --repository prod/api` pushes to prod/api and reads it in both destinations: `permissions verify
    --stack live` does not grant that, `permissions verify --stack live --repository prod/api` grants each call
    where it is made, and nothing in a registry or repository the run didn't touch but the canary's."""
    project, _ = stack_setup
    replication = delivering_to_the_stack(registry, hooks)
    assert run_verify(cli, Clock(replication), "--stack", "live", "--cwd", str(project), "--repository", "prod/api",
                      "--destination-role-arn", f"{DEST_A}=arn:aws:iam::{DEST_A}:role/verify", "--json") == 0, (
        capsys.readouterr().out)
    calls = calls_of_this_test(request)
    assert {c.repositories for c in calls} == {("prod/api",)}
    assert {(c.credentials, str(c.registry)) for c in calls if c.action == "ecr:DescribeImages"} == {
        (DESTINATION_CREDENTIALS, f"{DEST_A}/{WEST}"), (SOURCE_CREDENTIALS, f"{SOURCE}/{EU}")}
    assert refusals(calls, policy_documents("verify", stack_scope(project, "live", "verify"))) != []
    documents = policy_documents("verify", stack_scope(project, "live", "verify", ("prod/api",)))
    assert refusals(calls, documents) == []
    assert [line for line in unused_grants(calls, documents) if "ecr-replication-canary" not in line] == []


def test_the_stack_documents_grant_every_call_status_makes(
        cli: Cli, stack_setup: tuple[Path, Scope], registry: Registry, hooks: list[ClientHook],
        request: pytest.FixtureRequest) -> None:
    _, scope = stack_setup
    statuses = ReplicationStatuses()
    hooks.append(statuses.hook)
    digest = registry.push("prod/api", "v1")
    registry.push("dev/tool", "v1")
    statuses.set("prod/api", digest, status(WEST, DEST_A, "COMPLETE"), status(EU, SOURCE, "COMPLETE"))
    assert cli.main(["status", "--json"]) == 0
    documents = policy_documents("status", scope)
    calls = calls_of_this_test(request)
    assert refusals(calls, documents) == [] and unused_grants(calls, documents) == []
    assert not allows(documents["source"], "ecr:DescribeImages", At(SOURCE, REGION).repository_arn("dev/tool"))


def test_the_stack_documents_grant_every_call_backfill_makes(
        cli: Cli, stack_setup: tuple[Path, Scope], registry: Registry, backfill_stub: Stubber,
        request: pytest.FixtureRequest, capsys: pytest.CaptureFixture[str]) -> None:
    """backfill --dry-run lists the source's repositories and counts the replicated ones' images; backfill starts,
    follows and reads one backfill per destination: every call is the source credentials', on the source registry
    and its prod/ repositories; dev/tool, which no rule replicates, is not granted."""
    _, scope = stack_setup
    registry.push("prod/api", "v1")
    registry.push("dev/tool", "v1")
    assert backfill.run(cli.parse(["backfill", "--dry-run", "--json"]), sleep=pytest.fail) == backfill.EXIT_DONE
    capsys.readouterr()
    targets = {EU: (SOURCE, "00000000-0000-0000-0000-00000000000e"), WEST: (DEST_A, "00000000-0000-0000-0000-00000000000w")}
    backfill_stub.add_response("list_replication_backfills", {"backfills": []}, {})
    for region, (account, backfill_id) in targets.items():
        backfill_stub.add_response("start_replication_backfill", {
            "replicationBackfillId": backfill_id, "registryId": SOURCE, "status": "PREPARING",
            "destination": {"region": region, "registryId": account}, "startedAt": datetime(2026, 1, 1)},
            {"destination": {"region": region, "registryId": account}})
    backfill_stub.add_response("list_replication_backfills", {"backfills": [
        {"replicationBackfillId": backfill_id, "destination": {"region": region, "registryId": account},
         "status": "COMPLETE", "startedAt": datetime(2026, 1, 1),
         "progress": {"totalReplicationCount": 1, "completedReplicationCount": 1, "failedReplicationCount": 0,
                      "failureCodes": []}} for region, (account, backfill_id) in targets.items()]}, {})
    for _, backfill_id in targets.values():
        backfill_stub.add_response("describe_replication_backfill_results", {
            "replicationBackfillId": backfill_id, "status": "COMPLETE",
            "results": [{"repositoryName": "prod/api", "imageId": {"imageTag": "v1"}, "status": "COMPLETE"}]},
            {"replicationBackfillId": backfill_id})
    assert backfill.run(cli.parse(["backfill", "--json"]), sleep=lambda _: None) == backfill.EXIT_DONE
    calls = calls_of_this_test(request)
    assert {c.credentials for c in calls if c.action.startswith("ecr:")} == {SOURCE_CREDENTIALS}
    documents = policy_documents("backfill", scope)
    assert documents["destination"] is None
    assert refusals(calls, documents) == [] and unused_grants(calls, documents) == []
    assert not allows(documents["source"], "ecr:ListImages", At(SOURCE, REGION).repository_arn("dev/tool"))


# The documents against every call the CLI tests made.

@pytest.mark.after_cli_tests
def test_every_call_the_cli_tests_make_is_granted(request: pytest.FixtureRequest) -> None:
    """Each call any test of this folder saw a command make is granted by the command's printed document for the
    credentials that made it, on the resources the request names (the documents without a stack: any account and
    region, resource types kept)."""
    calls = request.config.stash[RECORDED_CALLS].calls
    if not calls:
        pytest.skip("no command ran in this session: run tests/cli as a whole")
    problems = refusals(calls, unscoped_documents)
    assert not problems, "\n".join(problems)


@cache
def _unscoped(command: str, repositories: tuple[str, ...]) -> Documents:
    return policy_documents(command, Scope(repositories=repositories))


def unscoped_documents(call: RecordedCall) -> Documents:
    """The documents ``permissions`` prints without a stack for the run that made ``call`` (``verify``: with the
    run's ``--repository``)."""
    return _unscoped(call.command, call.repositories)


def _whole_folder_ran(request: pytest.FixtureRequest) -> bool:
    """Whether every test of this folder was collected and none deselected or picked out by node id."""
    folder = Path(__file__).parent
    files = {item.path for item in request.session.items if item.path.parent == folder}
    picked = any("::" in arg for arg in request.config.invocation_params.args)
    return files == set(folder.glob("test_*.py")) and not request.config.stash.get(DESELECTED, False) and not picked


@pytest.mark.after_cli_tests
def test_every_granted_action_was_called_by_some_test(request: pytest.FixtureRequest) -> None:
    """No document grants an action that no test saw its command call with those credentials."""
    if not _whole_folder_ran(request):
        pytest.skip("only part of tests/cli ran, so its record can't say what no test calls")
    seen = {(c.command, c.credentials, c.action) for c in request.config.stash[RECORDED_CALLS].calls}
    problems = []
    for command in LIVE_COMMANDS:
        for credentials, document in policy_documents(command, Scope()).items():
            for action in sorted(granted(document)):
                if (command, credentials, action) not in seen:
                    problems.append(f"`ecr-replication permissions {command}` grants {action} to the {credentials} "
                                    f"credentials, but no test in tests/cli saw `{command}` call it with them: "
                                    "remove its row from replication/cli/command_calls.py, or add the test that "
                                    "makes the call")
    assert not problems, "\n".join(problems)

