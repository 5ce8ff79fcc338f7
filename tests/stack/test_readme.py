"""The README and the reference pages in docs/ say what the code does: the component example runs, the config table
is the schema's, every reference page is one link away from the README."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator

from replication.preview.runner import run_offline
from replication.repository_settings import SETTING_NAMES
from replication.stack.schema import SETTING_KEYS, STACK_KEYS, Key, config_path_of, markdown_table
from tests.stack.test_example_stack import ROOT

README = (ROOT / "README.md").read_text()
CONFIGURATION = (ROOT / "docs" / "configuration.md").read_text()
DEPLOYING = (ROOT / "docs" / "deploying.md").read_text()


def section(title: str, text: str = README) -> str:
    """The text of the section ``## title`` of ``text``, up to the next ``## ``."""
    return text.split(f"\n## {title}\n", 1)[1].split("\n## ", 1)[0]


def test_the_config_table_lists_exactly_the_keys_the_schema_accepts() -> None:
    assert markdown_table() in CONFIGURATION, (
        "docs/configuration.md's table differs from the schema: paste `python -m replication.stack.schema` into it"
    )


def test_repository_settings_keys_are_the_settings_the_component_accepts() -> None:
    camel = {re.sub(r"_([a-z])", lambda m: m.group(1).upper(), name) for name in SETTING_NAMES}
    assert {key.name for key in SETTING_KEYS} == camel


def arg_paths(keys: tuple[Key, ...], arg_prefix: str, config_prefix: list[str | int]) -> Iterator[tuple[str, list]]:
    """(argument path, config path) of every argument the schema says a key becomes (list items at index 3)."""
    for key in keys:
        here = [*config_prefix, key.name]
        yield from ((arg_prefix + whole, here) for whole in key.whole_args)
        if key.arg == "":
            yield from arg_paths(key.fields, arg_prefix, here)
        elif key.arg is not None:
            arg = arg_prefix + key.arg
            yield arg, here
            yield from arg_paths(key.fields, f"{arg}.", here)
            if key.items is not None:
                yield from ((f"{arg}[3].{whole}", [*here, 3]) for whole in key.items.whole_args)
                yield from arg_paths(key.items.fields, f"{arg}[3].", [*here, 3])


def test_every_component_argument_is_told_as_the_key_it_came_from() -> None:
    pairs = dict(arg_paths(STACK_KEYS, "", []))
    assert pairs["source_account_id"] == ["source", "accountId"]
    assert pairs["source_provider"] == ["source"]
    assert pairs["destinations[3].provider"] == ["destinations", 3]
    assert pairs["destinations[3].repository_settings.kms_keys"] == ["destinations", 3, "repositorySettings", "kmsKeys"]
    for arg_path, config_path in pairs.items():
        assert config_path_of(arg_path) == config_path, arg_path


def test_the_component_snippet_runs() -> None:
    snippet = section("Using the component").split("```python\n", 1)[1].split("```", 1)[0]
    run = run_offline(lambda: exec(compile(snippet, "README.md", "exec"), {}))
    assert run.exports["destinationRegistries"] == [
        "222222222222.dkr.ecr.us-west-2.amazonaws.com",
        "222222222222.dkr.ecr.eu-west-1.amazonaws.com",
    ]


def test_the_deploy_commands_set_account_ids_as_strings() -> None:
    """With ``--path`` the CLI stores an unquoted number, which loses leading zeros (``pulumi config set --help``)."""
    lines = (README + DEPLOYING + CONFIGURATION).splitlines()
    commands = [line for line in lines if line.strip().startswith("pulumi config set")]
    assert commands
    for command in commands:
        if "accountId" in command:
            assert "--path --type string" in command, command


def test_the_readme_names_no_tag_that_does_not_exist() -> None:
    tags = set(subprocess.run(["git", "tag"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split())
    named = set(re.findall(r"@(v\d+\.\d+\.\d+)\b", section("Using the component")))
    assert named <= tags, f"README names tags that don't exist: {sorted(named - tags)}"


def test_the_readme_is_a_landing_page_one_link_from_every_reference_page() -> None:
    """A new user reads the README once: it stays a few screens long, and links every page of docs/."""
    assert len(README.splitlines()) <= 120, "the README grew past a few screens: move reference text into docs/"
    linked = set(re.findall(r"\]\((docs/[a-z-]+\.md)\)", README))
    pages = {f"docs/{page.name}" for page in (ROOT / "docs").glob("*.md")}
    assert pages <= linked, f"reference pages the README doesn't link: {sorted(pages - linked)}"


def test_relative_links_between_the_documents_resolve() -> None:
    for document in [ROOT / "README.md", ROOT / "policies" / "README.md", *(ROOT / "docs").glob("*.md")]:
        for target in re.findall(r"\]\(([^)#:]+)(?:#[^)]*)?\)", document.read_text()):
            assert (document.parent / target).exists(), f"{document.relative_to(ROOT)} links {target}, which is not there"


def test_the_roles_deploying_credentials_pass_are_the_roles_the_component_names() -> None:
    """docs/deploying.md grants iam:PassRole on role ARN patterns: the role every pull-through cache rule and creation
    template of the dev stack names must match the pattern given for it (account, component name, role kind; the
    offline run spells pulumi-aws's random suffix ``<random suffix>``)."""
    from tests.stack.test_example_stack import run_dev

    patterns = dict((kind, rf"arn:aws:iam::(\d{{12}}):role/images-{kind}-\1-.+") for _, kind in re.findall(
        r"`arn:aws:iam::<([a-z ]+)>:role/<name>-([a-z-]+)-<\1>-\*`", DEPLOYING))
    run = run_dev()
    named = {(r.type, str(r.inputs["customRoleArn"])) for r in run.resources if r.inputs.get("customRoleArn")}
    kinds = {"aws:ecr/pullThroughCacheRule:PullThroughCacheRule": "pull-through-role",
             "aws:ecr/repositoryCreationTemplate:RepositoryCreationTemplate": "template-role"}
    assert set(patterns) == set(kinds.values()) and {kinds[t] for t, _ in named} == set(patterns)
    for resource_type, arn in named:
        assert re.fullmatch(patterns[kinds[resource_type]], arn), (resource_type, arn)
