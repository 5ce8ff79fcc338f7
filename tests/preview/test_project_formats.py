"""``Pulumi.yml`` and ``Pulumi.json`` projects, found and read as the Pulumi CLI finds and reads them.

pulumi/pulumi ``sdk/go/common/workspace/paths.go``: ``findProjectInDir`` tries ``Pulumi`` + each of
``encoding.Exts`` (``.json``, ``.yaml``, ``.yml``, in that order) and takes the first that is a file;
``ProjectStackPath`` names the stack file ``Pulumi.<stack>`` + ``filepath.Ext(projPath)``. ``encoding/init.go``
reads ``.yml`` with the YAML marshaler (go-yaml v3) and ``.json`` with ``encoding/json``, which decodes every
number into a float64 (``workspace/loaders.go`` ``LoadProjectStackBytes`` unmarshals into ``any``, marshals and
unmarshals again; ``resource/config/object.go`` then gives the program a number as its JSON text).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from replication.cli.main import main
from replication.preview.stack_files import StackFileError, load_stack
from tests.preview.test_stack_files import STACK
from tests.stack.test_example_stack import ROOT

JSON_PROJECT = {"name": "ecr-replication", "runtime": "python"}
JSON_STACK = {"config": {
    "pulumi:disable-default-providers": ["aws"],
    "ecr-replication:source": {"accountId": "111111111111", "region": "us-east-1"},
    "ecr-replication:destinations": [{"accountId": "222222222222", "regions": ["us-west-2"]}],
    "ecr-replication:repositorySettings": {"scanOnPush": True},
}}


def json_project(folder: Path, stack: dict[str, object] | str = JSON_STACK) -> Path:
    """The example program as a ``Pulumi.json`` project, with ``stack`` as its ``Pulumi.test.json``."""
    (folder / "__main__.py").write_text((ROOT / "__main__.py").read_text())
    (folder / "Pulumi.json").write_text(json.dumps(JSON_PROJECT, indent=4))
    (folder / "Pulumi.test.json").write_text(stack if isinstance(stack, str) else json.dumps(stack, indent=4))
    return folder


def yml_project(folder: Path) -> Path:
    (folder / "__main__.py").write_text((ROOT / "__main__.py").read_text())
    (folder / "Pulumi.yml").write_text((ROOT / "Pulumi.yaml").read_text())
    (folder / "Pulumi.test.yml").write_text(STACK.format(account='"222222222222"', scan="true"))
    return folder


def destinations(folder: Path) -> list[dict[str, object]]:
    return json.loads(load_stack(folder, "test").config["ecr-replication:destinations"])


def test_a_yml_project_reads_its_yml_stack_file(tmp_path: Path) -> None:
    yml_project(tmp_path)
    (tmp_path / "Pulumi.test.yaml").write_text("config: {ecr-replication:adopt: true}\n")  # the CLI never reads it
    files = load_stack(tmp_path, "test")
    assert files.stack_file == tmp_path / "Pulumi.test.yml"
    assert "ecr-replication:adopt" not in files.config
    assert destinations(tmp_path) == [{"accountId": "222222222222", "regions": ["us-west-2"]}]


def test_a_yml_stack_file_is_read_by_go_yaml_s_rules_too(tmp_path: Path) -> None:
    yml_project(tmp_path)
    (tmp_path / "Pulumi.test.yml").write_text(STACK.format(account="022222222222", scan="true"))
    with pytest.raises(StackFileError) as raised:
        load_stack(tmp_path, "test")
    assert str(raised.value).startswith(
        f"{tmp_path / 'Pulumi.test.yml'}: line 7: ecr-replication:destinations[0].accountId: 022222222222 is read by "
        "the Pulumi CLI (go-yaml v3) as the number 2454267026")


def test_a_json_project_plans_its_json_stack_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    json_project(tmp_path)
    assert main(["plan", "--stack", "test", "--cwd", str(tmp_path), "--json", "--no-policies"]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out)["replicationConfiguration"]["rules"] == [
        {"destinations": [{"region": "us-west-2", "registryId": "222222222222"}]}]
    assert captured.err == ""


def test_json_numbers_reach_the_program_as_the_pulumi_cli_passes_them(tmp_path: Path) -> None:
    """A float64 each: `1.0` is 1, `1e3` 1000, a whole number past 2**53 loses its last digits; a 12-digit account
    id given as a number is its 12 digits (accepted, as from YAML)."""
    stack = json.loads(json.dumps(JSON_STACK))
    stack["config"]["ecr-replication:destinations"][0]["accountId"] = 222222222222
    json_project(tmp_path, json.dumps(stack)[:-2] + ', "other:n": [1.0, 1e3, 12345678901234567890, 0.1, 1e21]}}')
    files = load_stack(tmp_path, "test")
    assert files.config["other:n"] == "[1,1000,12345678901234567000,0.1,1e+21]"
    assert json.loads(files.config["ecr-replication:destinations"])[0]["accountId"] == 222222222222


def test_json_project_level_config_is_read_as_the_cli_reads_it(tmp_path: Path) -> None:
    json_project(tmp_path)
    (tmp_path / "Pulumi.json").write_text(json.dumps({**JSON_PROJECT, "config": {
        "other:n": {"default": 5}, "other:f": 2.50, "other:s": {"value": "0o17"}}}))
    config = load_stack(tmp_path, "test").config
    assert {k: v for k, v in config.items() if k.startswith("other:")} == {
        "other:n": "5", "other:f": "2.5", "other:s": "0o17"}


def test_the_json_project_file_comes_first(tmp_path: Path) -> None:
    """Several project files: the CLI takes Pulumi.json (encoding.Exts' first), and its stack file is .json."""
    json_project(tmp_path)
    (tmp_path / "Pulumi.yaml").write_text("name: yaml-project\nruntime: python\n")
    (tmp_path / "Pulumi.test.yaml").write_text("config: {}\n")
    files = load_stack(tmp_path, "test")
    assert (files.project, files.stack_file) == ("ecr-replication", tmp_path / "Pulumi.test.json")


@pytest.mark.parametrize(("text", "problem"), [
    ('{"config": {"ecr-replication:adopt": tru}}', "line 1: is not valid JSON: Expecting value"),
    ('{"config": {"other:n": NaN}}', "NaN is not JSON, and the Pulumi CLI refuses it"),
    ('{"config": {"other:n": 1e400}}',
     "the number 1e400 is out of range for the Pulumi CLI (a JSON number is a float64 to it)"),
    ('["config"]', "must be a JSON object"),
])
def test_a_json_stack_file_the_cli_cannot_read_is_an_error(tmp_path: Path, text: str, problem: str) -> None:
    json_project(tmp_path, text)
    with pytest.raises(StackFileError) as raised:
        load_stack(tmp_path, "test")
    assert str(raised.value) == f"{tmp_path / 'Pulumi.test.json'}: {problem}"


def test_an_empty_json_stack_is_an_empty_config(tmp_path: Path) -> None:
    json_project(tmp_path, "null")
    assert load_stack(tmp_path, "test").config == {}
