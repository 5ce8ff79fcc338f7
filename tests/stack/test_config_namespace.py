"""Keys the program would never read: a misspelt namespace, a copied example whose project was renamed, and a
``repositoryPrefixes`` left with no value. Each used to plan cleanly while replicating every repository (the
program reads only ``pulumi.Config()``'s namespace, the project's name, and an absent or null
``repositoryPrefixes`` means every repository)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from replication import ReplicationConfigError
from replication.cli.main import main
from replication.preview.runner import OfflineRun, run_program_file
from replication.preview.stack_files import load_stack
from tests.stack.test_example_stack import ROOT

REPLICATION_CONFIGURATION = "aws:ecr/replicationConfiguration:ReplicationConfiguration"

STACK = """\
config:
  pulumi:disable-default-providers: [aws]
  {namespace}:source: {{accountId: "111111111111", region: us-east-1}}
  {namespace}:destinations:
    - accountId: "222222222222"
      regions: [us-west-2]
"""


def project(folder: Path, extra: str = "", name: str = "ecr-replication", namespace: str | None = None) -> Path:
    """The example program in ``folder`` as project ``name``, its stack ``test`` in ``namespace`` (default: the
    project's) plus the ``extra`` config lines."""
    (folder / "Pulumi.yaml").write_text((ROOT / "Pulumi.yaml").read_text().replace("name: ecr-replication", f"name: {name}"))
    (folder / "__main__.py").write_text((ROOT / "__main__.py").read_text())
    text = STACK.format(namespace=namespace or name) + textwrap.indent(textwrap.dedent(extra), "  ")
    (folder / "Pulumi.test.yaml").write_text(text)
    return folder


def run(folder: Path) -> OfflineRun:
    files = load_stack(folder, "test")
    return run_program_file(files.program, files.project, files.stack, files.config, files.secret_keys)


def error(folder: Path) -> str:
    with pytest.raises(ReplicationConfigError) as raised:
        run(folder)
    return str(raised.value)


def filters(folder: Path) -> list[str]:
    (configuration,) = run(folder).of_type(REPLICATION_CONFIGURATION)
    return [f["filter"] for rule in configuration.inputs["replicationConfiguration"]["rules"]
            for f in rule.get("repositoryFilters") or []]


@pytest.mark.parametrize("namespace", ["ecr-replicaton", "ecr_replication", "ECR-Replication", "ecr-replication-"])
def test_a_misspelt_namespace_is_an_error_naming_the_key(tmp_path: Path, namespace: str) -> None:
    project(tmp_path, f"{namespace}:repositoryPrefixes: [prod/]\n")
    assert error(tmp_path) == (
        f"{namespace}:repositoryPrefixes: not read: the program reads only the ecr-replication: namespace (the "
        "project name in Pulumi.yaml); did you mean ecr-replication:repositoryPrefixes?")


def test_a_misspelt_namespace_and_key_suggests_both(tmp_path: Path) -> None:
    project(tmp_path, "ecr_replication:repositoryPrefix: [prod/]\n")
    assert error(tmp_path).endswith("did you mean ecr-replication:repositoryPrefixes?")


def test_keys_left_under_the_example_s_namespace_in_a_renamed_project(tmp_path: Path) -> None:
    """A copied example whose Pulumi.yaml now says `name: my-ecr`, one key not moved to `my-ecr:`."""
    project(tmp_path, "ecr-replication:repositoryPrefixes: [prod/]\n", name="my-ecr")
    assert error(tmp_path) == (
        "ecr-replication:repositoryPrefixes: not read: this project is named my-ecr (Pulumi.yaml), and the program "
        "reads only the keys of its namespace; did you mean my-ecr:repositoryPrefixes?")


def test_a_renamed_project_reads_its_own_namespace(tmp_path: Path) -> None:
    project(tmp_path, "my-ecr:repositoryPrefixes: [prod/]\n", name="my-ecr")
    assert filters(tmp_path) == ["prod/"]


def test_other_namespaces_are_left_alone(tmp_path: Path) -> None:
    """The engine's, the providers' and other libraries' keys are theirs, however short the distance."""
    project(tmp_path, """\
        ecr-replication:repositoryPrefixes: [prod/]
        aws:region: us-east-1
        awsx:vpc: none
        ecr:registry: "111111111111"
        pulumi:tags: {team: platform}
        kubernetes:context: prod
        """)
    assert filters(tmp_path) == ["prod/"]


def test_the_plan_command_stops_with_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project(tmp_path, "ecr-replicaton:repositoryPrefixes: [prod/]\n")
    assert main(["plan", "--stack", "test", "--cwd", str(tmp_path), "--no-policies"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == (
        "ecr-replication plan: error: ecr-replicaton:repositoryPrefixes: not read: the program reads only the "
        "ecr-replication: namespace (the project name in Pulumi.yaml); did you mean "
        "ecr-replication:repositoryPrefixes?\n")


COMMENTED_OUT = """\
    ecr-replication:repositoryPrefixes:
      # - prod/
      # - shared/
    """


def test_repository_prefixes_with_every_item_commented_out_is_an_error(tmp_path: Path) -> None:
    project(tmp_path, COMMENTED_OUT)
    assert error(tmp_path) == (
        "ecr-replication:repositoryPrefixes: has no value (were its items commented out?): list the prefixes to "
        "replicate, or write [] to replicate every repository")


def test_an_empty_list_still_replicates_every_repository(tmp_path: Path) -> None:
    project(tmp_path, "ecr-replication:repositoryPrefixes: []\n")
    assert filters(tmp_path) == []


def test_a_destination_s_prefixes_with_no_value_is_an_error(tmp_path: Path) -> None:
    folder = project(tmp_path, "ecr-replication:repositoryPrefixes: [prod/]\n")
    stack = folder / "Pulumi.test.yaml"
    stack.write_text(stack.read_text().replace("regions: [us-west-2]", "regions: [us-west-2]\n      repositoryPrefixes:"))
    assert error(tmp_path).startswith(
        "ecr-replication:destinations[0].repositoryPrefixes: has no value (were its items commented out?)")
