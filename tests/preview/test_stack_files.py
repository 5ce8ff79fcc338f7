"""The offline stack loader reads what the Pulumi CLI would hand the program, or says why it can't.

Stack files: the CLI reads them with go-yaml v3 (pulumi/pulumi ``sdk/go/common/encoding/marshal.go``), whose plain
scalar resolution (go-yaml ``resolve.go``) differs from PyYAML's YAML 1.1: ``012345678901`` is a float to go-yaml
(octal fails on the 8 and 9, then ``yamlStyleFloat`` matches) but a string to PyYAML; ``022222222222`` is octal to
both; ``yes`` is a string to go-yaml (only the true/false forms are in its table) but a boolean to PyYAML.
A missing stack file: the CLI's ``workspace.LoadProjectStack`` returns an empty config when it doesn't exist.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from replication.cli.main import main
from replication.preview.stack_files import StackFileError, load_stack
from tests.stack.test_example_stack import ROOT

STACK = """\
config:
  pulumi:disable-default-providers: [aws]
  ecr-replication:source:
    accountId: "111111111111"
    region: us-east-1
  ecr-replication:destinations:
    - accountId: {account}
      regions: [us-west-2]
  ecr-replication:repositorySettings:
    scanOnPush: {scan}
"""


def project(folder: Path, account: str = '"222222222222"', scan: str = "true", extra: str = "") -> Path:
    for name in ("Pulumi.yaml", "__main__.py"):
        (folder / name).write_text((ROOT / name).read_text())
    (folder / "Pulumi.test.yaml").write_text(STACK.format(account=account, scan=scan) + extra)
    return folder


def load_error(folder: Path) -> str:
    with pytest.raises(StackFileError) as raised:
        load_stack(folder, "test")
    return str(raised.value)


def test_an_unquoted_account_id_with_a_leading_zero_shows_what_was_written_and_what_is_read(tmp_path: Path) -> None:
    project(tmp_path, account="022222222222")
    assert load_error(tmp_path) == (
        f"{tmp_path / 'Pulumi.test.yaml'}: line 7: ecr-replication:destinations[0].accountId: 022222222222 is an "
        "unquoted number with a leading 0, which the Pulumi CLI reads as the octal number 2454267026, not as "
        'written: quote it ("022222222222") if it is text, such as an account id, or drop the leading 0 if it is a '
        "number")


def test_one_pyyaml_reads_as_text_is_a_number_to_the_pulumi_cli(tmp_path: Path) -> None:
    """PyYAML alone would read "012345678901" and plan cleanly; `pulumi up` would get 12345678901."""
    project(tmp_path, account="012345678901")
    message = load_error(tmp_path)
    assert "ecr-replication:destinations[0].accountId: 012345678901 is an unquoted number with a leading 0, which " \
           "the Pulumi CLI reads as the number 12345678901" in message
    assert 'quote it ("012345678901")' in message


@pytest.mark.parametrize(("written", "read"), [('"012345678901"', "012345678901"), ("'022222222222'", "022222222222"),
                                              ("!!str 012345678901", "012345678901")])
def test_a_quoted_or_tagged_id_is_read_as_written(tmp_path: Path, written: str, read: str) -> None:
    files = load_stack(project(tmp_path, account=written), "test")
    assert json.loads(files.config["ecr-replication:destinations"])[0]["accountId"] == read


def test_a_yaml_1_1_boolean_is_a_string_to_the_pulumi_cli(tmp_path: Path) -> None:
    project(tmp_path, scan="yes")
    assert load_error(tmp_path).endswith(
        "line 10: ecr-replication:repositorySettings.scanOnPush: yes is a boolean to YAML 1.1 but the string 'yes' to "
        "the Pulumi CLI (go-yaml v3 reads only true and false as booleans): write true or false, or quote it if it "
        "is text")


def test_other_namespaces_are_not_the_program_s_to_judge(tmp_path: Path) -> None:
    files = load_stack(project(tmp_path, extra="  other:mode: 0644\n  other:enabled: on\n"), "test")
    assert files.config["other:mode"] == "420"


def test_project_level_defaults_are_checked_the_same_way(tmp_path: Path) -> None:
    project(tmp_path)
    with (tmp_path / "Pulumi.yaml").open("a") as project_file:
        project_file.write("config:\n  adopt:\n    value: off\n")
    assert load_error(tmp_path).startswith(f"{tmp_path / 'Pulumi.yaml'}: line 10: ecr-replication:adopt: off is a "
                                           "boolean to YAML 1.1")


DEFAULTS = """\
config:
  pulumi:disable-default-providers:
    value: [aws]
  source:
    value: {accountId: "111111111111", region: us-east-1}
  destinations:
    value:
      - accountId: "222222222222"
        regions: [us-west-2]
"""


def test_a_stack_without_a_stack_file_plans_with_the_project_s_defaults(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for name in ("Pulumi.yaml", "__main__.py"):
        (tmp_path / name).write_text((ROOT / name).read_text())
    with (tmp_path / "Pulumi.yaml").open("a") as project_file:
        project_file.write(DEFAULTS)
    assert main(["plan", "--stack", "prod", "--cwd", str(tmp_path), "--json", "--no-policies"]) == 0
    captured = capsys.readouterr()
    rules = json.loads(captured.out)["replicationConfiguration"]["rules"]
    assert rules == [{"destinations": [{"region": "us-west-2", "registryId": "222222222222"}]}]
    assert captured.err == (f"note: {tmp_path} has no Pulumi.prod.yaml: the stack's config is empty, as for the "
                            "Pulumi CLI (the project's defaults apply)\n")


def test_a_stack_without_config_at_all_says_what_is_required(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for name in ("Pulumi.yaml", "__main__.py"):
        (tmp_path / name).write_text((ROOT / name).read_text())
    assert main(["plan", "--stack", "prod", "--cwd", str(tmp_path), "--no-policies"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.splitlines()[-1] == (
        "ecr-replication plan: error: ecr-replication:source: is required: set it in Pulumi.<stack>.yaml")


def test_the_loader_says_which_stack_file_it_read(tmp_path: Path) -> None:
    project(tmp_path)
    assert load_stack(tmp_path, "test").stack_file == tmp_path / "Pulumi.test.yaml"
    assert load_stack(tmp_path, "other").stack_file is None
    assert load_stack(tmp_path, "other", stack_text=textwrap.dedent("config: {}\n")).stack_file is not None
