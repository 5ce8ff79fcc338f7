"""``--stack`` as the Pulumi CLI reads it: ``[organization/][project/]name``, the file named after the name alone.

pulumi/pulumi: ``pkg/backend/httpstate/backend.go`` ``parseStackName`` and ``pkg/backend/diy/store.go``
``ParseReference`` split a reference into at most three parts; ``sdk/go/common/tokens/stack_name.go``
``ParseStackName`` allows 1 to 100 letters, digits, ``-``, ``_`` and ``.``; ``pkg/cmd/pulumi/stack/io.go`` reads
``DetectProjectStackPath(stack.Ref().Name().Q())``, the name without organization or project; ``pkg/backend``
``CurrentProjectContradictsWorkspace`` refuses a stack of another project than ``Pulumi.yaml``'s.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from replication.cli.main import main
from replication.preview.stack_files import StackArgumentError, load_stack, stack_file_path
from replication.preview.stack_name import StackNameError, parse_stack_name
from tests.preview.test_stack_files import project


@pytest.mark.parametrize(("given", "organization", "project_name", "name"), [
    ("dev", None, None, "dev"),
    ("myorg/dev", "myorg", None, "dev"),
    ("organization/ecr-replication/dev", "organization", "ecr-replication", "dev"),
    ("my-org_1/p.x/Prod_2.a-b", "my-org_1", "p.x", "Prod_2.a-b"),
    ("x" * 100, None, None, "x" * 100),
])
def test_a_stack_reference_in_its_parts(given: str, organization: str | None, project_name: str | None,
                                        name: str) -> None:
    stack = parse_stack_name(given)
    assert (stack.organization, stack.project, stack.name) == (organization, project_name, name)
    assert stack.file_name(".yaml") == f"Pulumi.{name}.yaml"


@pytest.mark.parametrize(("given", "message"), [
    ("../x", "--stack ../x: '..' is not an organization name (3 to 40 letters, digits, - and _, starting and ending "
             "with a letter or digit)"),
    ("my stack", "--stack 'my stack': a stack name may contain only letters, digits, -, _ and . (the Pulumi CLI's "
                 "rule): ' ' at position 2 of 'my stack' is not one"),
    ("dev/", "--stack dev/: the stack name is empty"),
    ("", "--stack '': the stack name is empty"),
    ("a/b/c/d", "--stack a/b/c/d: a stack is named [organization/][project/]name, and this has 4 parts"),
    ("myorg/pro ject/dev", "--stack 'myorg/pro ject/dev': a project name may contain only letters, digits, -, _ and . "
                           "(the Pulumi CLI's rule): ' ' at position 3 of 'pro ject' is not one"),
    ("x" * 101, f"--stack {'x' * 101}: a stack name is at most 100 characters (this one has 101)"),
    ("dev$", "--stack 'dev$': a stack name may contain only letters, digits, -, _ and . (the Pulumi CLI's rule): '$' "
             "at position 3 of 'dev$' is not one"),
])
def test_what_the_pulumi_cli_refuses_is_an_error_naming_stack_and_the_value(given: str, message: str) -> None:
    with pytest.raises(StackNameError) as raised:
        parse_stack_name(given)
    assert str(raised.value) == message


def test_a_qualified_stack_reads_the_file_named_after_its_name(tmp_path: Path) -> None:
    """The review's case: `myorg/ecr-replication/dev` read `Pulumi.myorg/ecr-replication/dev.yaml`."""
    project(tmp_path)
    for given in ("test", "myorg/test", "organization/ecr-replication/test"):
        files = load_stack(tmp_path, given)
        assert files.stack_file == tmp_path / "Pulumi.test.yaml"
        assert files.stack == "test"  # the name the program runs as (pulumi.get_stack())
        assert json.loads(files.config["ecr-replication:destinations"])[0]["accountId"] == "222222222222"
    assert stack_file_path(tmp_path, "myorg/ecr-replication/prod") == tmp_path / "Pulumi.prod.yaml"


def test_a_stack_of_another_project_is_an_error(tmp_path: Path) -> None:
    project(tmp_path)
    with pytest.raises(StackArgumentError) as raised:
        load_stack(tmp_path, "myorg/other/test")
    assert str(raised.value) == (f"--stack myorg/other/test: names project other, but {tmp_path / 'Pulumi.yaml'} is "
                                 "project ecr-replication: the Pulumi CLI refuses a stack of another project")


def test_plan_with_a_qualified_stack_plans_its_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project(tmp_path)
    assert main(["plan", "--stack", "myorg/ecr-replication/test", "--cwd", str(tmp_path), "--json",
                 "--no-policies"]) == 0
    captured = capsys.readouterr()
    report = json.loads(captured.out)
    assert report["stack"] == "test"
    assert report["replicationConfiguration"]["rules"] == [
        {"destinations": [{"region": "us-west-2", "registryId": "222222222222"}]}]
    assert captured.err == ""


@pytest.mark.parametrize("command", ["plan", "check", "status", "verify", "backfill", "permissions"])
def test_every_command_taking_stack_refuses_a_bad_name_before_reading_anything(
        command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """--cwd names no folder at all: the stack name is what is reported, so it was checked first."""
    arguments = [command, *(["check"] if command == "permissions" else []), "--stack", "../x",
                 "--cwd", str(tmp_path / "nowhere")]
    assert main(arguments) == 2
    captured = capsys.readouterr()
    assert captured.err == (f"ecr-replication {command}: error: --stack ../x: '..' is not an organization name (3 to "
                            "40 letters, digits, - and _, starting and ending with a letter or digit)\n")
    assert captured.out == ""
    assert list(tmp_path.iterdir()) == []
