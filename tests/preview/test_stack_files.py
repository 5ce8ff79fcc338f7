"""The offline stack loader reads what the Pulumi CLI would hand the program, or says why it can't.

Stack files: the CLI reads them with go-yaml v3 (pulumi/pulumi ``sdk/go/common/encoding/marshal.go``), whose plain
scalar resolution (go-yaml ``resolve.go``, tested rule by rule in test_go_yaml.py) differs from PyYAML's YAML 1.1:
``0o17`` is 15 and ``1e3`` is 1000 to go-yaml and text to PyYAML, ``012345678901`` a float to go-yaml (octal fails
on the 8 and 9, then ``yamlStyleFloat`` matches) but text to PyYAML, ``022222222222`` octal to both, ``yes`` text to
go-yaml but a boolean to PyYAML. Pulumi's config (``sdk/go/common/resource/config/object.go``) then gives the
program a string as it is and anything else as JSON text, a timestamp as ``Time.String()``.
A missing stack file: the CLI's ``workspace.LoadProjectStack`` returns an empty config when it doesn't exist.
The stack file's place: ``workspace/paths.go`` ``ProjectStackPath`` (``stackConfigDir``, joined to the project
folder with ``filepath.Join``).
"""

from __future__ import annotations

import json
import os
import re
import textwrap
from pathlib import Path

import pytest

from replication.cli.main import main
from replication.preview.stack_files import StackFileError, load_stack, stack_file_path
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


def program(folder: Path) -> Path:
    """``folder`` with the example project's program (Pulumi.yaml, __main__.py) and no stack file."""
    for name in ("Pulumi.yaml", "__main__.py"):
        (folder / name).write_text((ROOT / name).read_text())
    return folder


def project(folder: Path, account: str = '"222222222222"', scan: str = "true", extra: str = "") -> Path:
    program(folder)
    (folder / "Pulumi.test.yaml").write_text(STACK.format(account=account, scan=scan) + extra)
    return folder


def load_error(folder: Path) -> str:
    with pytest.raises(StackFileError) as raised:
        load_stack(folder, "test")
    return str(raised.value)


def read_as_number(key: str, written: str, read: str) -> str:
    """The error naming config ``key`` (as a property path) whose plain scalar ``written`` the Pulumi CLI reads as
    the number ``read``, after the file and line."""
    return (f"{key}: {written} is read by the Pulumi CLI (go-yaml v3) as the number {read}, not as written: quote it "
            f'("{written}") if it is text, such as an account id, or write {read} if it is that number')


@pytest.mark.parametrize(("written", "read"), [
    ("022222222222", "2454267026"),  # octal to go-yaml and to PyYAML
    ("012345678901", "12345678901"),  # text to PyYAML, which alone would plan cleanly; `pulumi up` gets the number
])
def test_an_unquoted_account_id_with_a_leading_zero_shows_what_was_written_and_what_is_read(
        tmp_path: Path, written: str, read: str) -> None:
    project(tmp_path, account=written)
    assert load_error(tmp_path) == (f"{tmp_path / 'Pulumi.test.yaml'}: line 7: "
                                    + read_as_number("ecr-replication:destinations[0].accountId", written, read))


@pytest.mark.parametrize(("written", "read"), [
    ("0o17", "15"), ("1e3", "1000"), ("0x1F", "31"), ("017", "15"), ("1_000", "1000"), ("+12", "12"),
    ("1.0", "1"), ("-0", "0"),
])
def test_a_number_the_program_would_not_get_as_written_is_an_error(tmp_path: Path, written: str, read: str) -> None:
    """The issue's cases: `repositoryPrefixes: [0o17, 1e3]` planned as the prefixes "0o17" and "1e3" while
    `pulumi up` got 15 and 1000."""
    project(tmp_path, extra=f"  ecr-replication:repositoryPrefixes:\n    - team/\n    - {written}\n")
    assert load_error(tmp_path) == (f"{tmp_path / 'Pulumi.test.yaml'}: line 13: "
                                    + read_as_number("ecr-replication:repositoryPrefixes[1]", written, read))


@pytest.mark.parametrize(("written", "kind"), [
    ("yes", "a boolean"), ("Off", "a boolean"), ("1:30", "a number"), ("190:20:30", "a number"),
    ("2001-12-14 21:59:43.10 -5", "a timestamp"),
])
def test_text_only_to_go_yaml_is_an_error(tmp_path: Path, written: str, kind: str) -> None:
    """go-yaml reads these as text (no YAML 1.1 booleans, "base 60 floats are a bad idea", no layout for that
    timestamp); YAML 1.1 readers don't: the file means two things."""
    project(tmp_path, extra=f"  ecr-replication:repositoryPrefixes: [{written}]\n")
    fix = "quote it if it is text"
    if kind == "a boolean":
        fix = f"it reads only true and false as booleans: write true or false, or {fix}"
    assert load_error(tmp_path).endswith(
        f"line 11: ecr-replication:repositoryPrefixes[0]: {written} is {kind} to YAML 1.1 but the text '{written}' to "
        f"the Pulumi CLI (go-yaml v3): {fix}")


def test_a_timestamp_is_an_error_naming_what_the_program_would_get(tmp_path: Path) -> None:
    project(tmp_path, scan="true\n    tags: {expires: 2030-01-01}")
    assert load_error(tmp_path).endswith(
        "line 11: ecr-replication:repositorySettings.tags.expires: 2030-01-01 is a timestamp to the Pulumi CLI "
        "(go-yaml v3), which passes the program '2030-01-01 00:00:00 +0000 UTC', not what was written: quote it "
        '("2030-01-01")')


def test_a_map_key_is_read_the_same_way(tmp_path: Path) -> None:
    project(tmp_path, scan="true\n    tags: {0x10: sixteen}")
    assert load_error(tmp_path) == (f"{tmp_path / 'Pulumi.test.yaml'}: line 11: "
                                    + read_as_number('ecr-replication:repositorySettings.tags["16"]', "0x10", "16"))


@pytest.mark.parametrize(("written", "read"), [('"012345678901"', "012345678901"), ("'022222222222'", "022222222222"),
                                              ("!!str 012345678901", "012345678901")])
def test_a_quoted_or_tagged_id_is_read_as_written(tmp_path: Path, written: str, read: str) -> None:
    files = load_stack(project(tmp_path, account=written), "test")
    assert json.loads(files.config["ecr-replication:destinations"])[0]["accountId"] == read


def test_a_yaml_1_1_boolean_is_a_string_to_the_pulumi_cli(tmp_path: Path) -> None:
    project(tmp_path, scan="yes")
    assert load_error(tmp_path).endswith(
        "line 10: ecr-replication:repositorySettings.scanOnPush: yes is a boolean to YAML 1.1 but the text 'yes' to the "
        "Pulumi CLI (go-yaml v3): it reads only true and false as booleans: write true or false, or quote it if it "
        "is text")


def test_the_true_false_and_null_forms_both_read_alike_are_fine(tmp_path: Path) -> None:
    project(tmp_path, scan="TRUE", extra="  ecr-replication:adopt: False\n  ecr-replication:repositoryPrefixes: ~\n")
    files = load_stack(tmp_path, "test")
    assert json.loads(files.config["ecr-replication:repositorySettings"]) == {"scanOnPush": True}
    assert (files.config["ecr-replication:adopt"], files.config["ecr-replication:repositoryPrefixes"]) == ("false", "null")


def test_other_namespaces_are_read_as_the_pulumi_cli_reads_them(tmp_path: Path) -> None:
    """Not the program's to judge, but what `pulumi up` hands it: go-yaml's values, as Pulumi's config text."""
    files = load_stack(project(tmp_path, extra=(
        "  other:mode: 0644\n  other:enabled: on\n  other:octal: 0o17\n  other:float: 1e3\n  other:time: 1:30\n"
        "  other:date: 2001-12-14\n  other:big: 1e21\n  other:nested: {a: [0x1F, 1.5, 2001-12-14T21:59:43Z, yes], 1: ~}\n")),
        "test")
    assert {k[len("other:"):]: v for k, v in files.config.items() if k.startswith("other:")} == {
        "mode": "420", "enabled": "on", "octal": "15", "float": "1000", "time": "1:30",
        "date": "2001-12-14 00:00:00 +0000 UTC", "big": "1e+21",
        "nested": '{"1":null,"a":[31,1.5,"2001-12-14 21:59:43 +0000 UTC","yes"]}'}


@pytest.mark.parametrize("written", [".inf", "-.Inf", ".nan", "[1, .NaN]"])
def test_a_value_pulumi_s_config_cannot_hold_is_an_error_in_any_namespace(tmp_path: Path, written: str) -> None:
    """Pulumi keeps config values as JSON text (config/object.go MarshalString), which has no NaN nor infinity:
    the CLI can't load the file."""
    project(tmp_path, extra=f"  other:limit: {written}\n")
    message = load_error(tmp_path)
    assert message.startswith(f"{tmp_path / 'Pulumi.test.yaml'}: line 11: other:limit")
    assert "which its config can't hold (it keeps numbers as JSON): the CLI can't load this file" in message


def test_a_key_given_twice_is_an_error(tmp_path: Path) -> None:
    """go-yaml v3 refuses it (decode.go ``mapping``, uniqueKeys); PyYAML would keep the last one silently."""
    project(tmp_path, extra="  ecr-replication:adopt: true\n  ecr-replication:adopt: false\n")
    assert load_error(tmp_path) == (f"{tmp_path / 'Pulumi.test.yaml'}: line 12: mapping key \"ecr-replication:adopt\" "
                                    "already defined at line 11: the Pulumi CLI refuses a key given twice")


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
    program(tmp_path)
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
    program(tmp_path)
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


def in_config_dir(folder: Path, line: str, stack_dir: str) -> Path:
    """The test project with its stack file moved to ``stack_dir`` (relative to ``folder``) and ``line`` added to
    Pulumi.yaml."""
    project(folder)
    with (folder / "Pulumi.yaml").open("a") as project_file:
        project_file.write(line + "\n")
    target = Path(os.path.normpath(folder / stack_dir)) / "Pulumi.test.yaml"
    target.parent.mkdir(parents=True, exist_ok=True)
    (folder / "Pulumi.test.yaml").rename(target)
    return target


def test_plan_reads_the_stack_file_in_stack_config_dir(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The issue: with stackConfigDir, plan reported an empty stack; the CLI reads <dir>/Pulumi.<stack>.yaml."""
    in_config_dir(tmp_path, "stackConfigDir: stacks", "stacks")
    assert main(["plan", "--stack", "test", "--cwd", str(tmp_path), "--json", "--no-policies"]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out)["replicationConfiguration"]["rules"] == [
        {"destinations": [{"region": "us-west-2", "registryId": "222222222222"}]}]
    assert captured.err == ""


@pytest.mark.parametrize(("line", "stack_dir"), [
    ("stackConfigDir: config/stacks/", "config/stacks"),
    ("stackConfigDir: /stacks", "stacks"),  # Go's filepath.Join keeps it inside the project folder
    ("stackConfigDir: ../shared", "../shared"),
    ("stackConfigDir: ./a/../stacks", "stacks"),
    ("config: stacks", "stacks"),  # the older spelling (RewriteConfigPathIntoStackConfigDir)
])
def test_stack_config_dir_is_relative_to_the_project_folder(tmp_path: Path, line: str, stack_dir: str) -> None:
    folder = tmp_path / "project"
    folder.mkdir()
    target = in_config_dir(folder, line, stack_dir)
    files = load_stack(folder, "test")
    assert files.path == files.stack_file == target
    assert stack_file_path(folder, "other") == target.with_name("Pulumi.other.yaml")
    assert json.loads(files.config["ecr-replication:destinations"])[0]["accountId"] == "222222222222"


@pytest.mark.parametrize(("line", "problem"), [
    ("config: stacks\nstackConfigDir: stacks",
     "config and stackConfigDir both name the stack files' folder; the Pulumi CLI refuses that: use only stackConfigDir"),
    ("stackConfigDir: [stacks]", "stackConfigDir must be a folder name (got ['stacks'])"),
])
def test_a_stack_config_dir_the_cli_refuses_is_an_error(tmp_path: Path, line: str, problem: str) -> None:
    project(tmp_path)
    with (tmp_path / "Pulumi.yaml").open("a") as project_file:
        project_file.write(line + "\n")
    assert load_error(tmp_path) == f"{tmp_path / 'Pulumi.yaml'}: {problem}"


def test_a_missing_stack_file_names_where_it_was_looked_for(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    in_config_dir(tmp_path, "stackConfigDir: stacks", "stacks")
    assert main(["plan", "--stack", "prod", "--cwd", str(tmp_path), "--no-policies"]) == 2
    assert capsys.readouterr().err.splitlines()[0] == (
        f"note: {tmp_path} has no stacks/Pulumi.prod.yaml: the stack's config is empty, as for the Pulumi CLI (the "
        "project's defaults apply)")


def test_project_level_values_become_text_as_pulumi_makes_them(tmp_path: Path) -> None:
    """pkg/workspace/config.go: a non-null default wins over value; strings, ints and booleans become %v text, the
    rest JSON (a timestamp as its RFC 3339 JSON string)."""
    project(tmp_path)
    with (tmp_path / "Pulumi.yaml").open("a") as project_file:
        project_file.write("config:\n  other:n: {value: 0o17}\n  other:when: {value: 2001-12-14}\n"
                           "  other:both: {default: a, value: b}\n  other:unset: {default: ~, value: b}\n"
                           "  other:list: [0x10, 1e3]\n")
    config = load_stack(tmp_path, "test").config
    assert {k: v for k, v in config.items() if k.startswith("other:")} == {
        "other:n": "15", "other:when": '"2001-12-14T00:00:00Z"', "other:both": "a", "other:unset": "b",
        "other:list": "[16,1000]"}


def test_a_project_level_timestamp_says_what_pulumi_yaml_gives_the_program(tmp_path: Path) -> None:
    """createConfigValue: a time.Time isn't a primitive, so it reaches the program as JSON (its RFC 3339 string)."""
    project(tmp_path)
    with (tmp_path / "Pulumi.yaml").open("a") as project_file:
        project_file.write("config:\n  adopt:\n    default: 2030-01-01\n")
    assert load_error(tmp_path).endswith(
        "line 10: ecr-replication:adopt: 2030-01-01 is a timestamp to the Pulumi CLI (go-yaml v3), which passes the "
        "program '\"2030-01-01T00:00:00Z\"', not what was written: quote it (\"2030-01-01\")")


DOCUMENTED_FOLDER = "/home/me/infra"
"""Where docs/configuration.md's sample stack file lives."""


def test_the_documented_errors_are_the_lines_plan_prints(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """docs/configuration.md shows a stack file and the lines `plan` prints for it, each value quoted in turn; the
    lines name the file by the path plan read (the review: the docs showed `Pulumi.dev.yaml: line 7:`, plan prints
    the full path)."""
    text = (ROOT / "docs" / "configuration.md").read_text()
    after = text[text.index(f"This `{DOCUMENTED_FOLDER}/Pulumi.dev.yaml`:"):]
    stack_yaml, rest = after.split("```yaml\n", 1)[1].split("```\n", 1)
    documented = rest.split("```\n", 1)[1].split("```", 1)[0].splitlines()
    assert len(documented) == 3
    program(tmp_path)
    stack_file = tmp_path / "Pulumi.dev.yaml"
    stack_file.write_text(stack_yaml)
    for line in documented:
        assert main(["plan", "--stack", "dev", "--cwd", str(tmp_path), "--no-policies"]) == 2
        printed = capsys.readouterr().err.splitlines()
        assert printed == [line.replace(DOCUMENTED_FOLDER, str(tmp_path))]
        found = re.search(r": line (\d+): \S+: (\S+) ", line)
        assert found is not None
        number, written = int(found[1]), found[2]
        lines = stack_file.read_text().splitlines()
        lines[number - 1] = lines[number - 1].replace(written, f'"{written}"')
        stack_file.write_text("\n".join(lines) + "\n")


@pytest.mark.parametrize(("name", "problem"), [
    ("my ecr", "a project name may contain only letters, digits, -, _ and . (the Pulumi CLI's rule): ' ' at position 2 "
               "of 'my ecr' is not one"),
    ("x" * 101, "a project name is at most 100 characters (this one has 101)"),
])
def test_a_project_name_the_cli_refuses_is_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str,
                                                    problem: str) -> None:
    """The Pulumi CLI validates ``Pulumi.yaml``'s ``name`` when it loads a project (``workspace/project.go``
    ``Project.Validate`` calls ``tokens.ValidateProjectName``): plan refuses it too, naming the key and the value,
    before the program runs."""
    project(tmp_path)
    text = (tmp_path / "Pulumi.yaml").read_text()
    (tmp_path / "Pulumi.yaml").write_text(re.sub(r"(?m)^name: .*$", f"name: {name}", text, count=1))
    assert main(["plan", "--stack", "test", "--cwd", str(tmp_path), "--no-policies"]) == 2
    assert capsys.readouterr().err.strip() == f"ecr-replication plan: error: {tmp_path / 'Pulumi.yaml'}: name: {problem}"
