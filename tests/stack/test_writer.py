"""What the stack file writer (``import``'s) writes reads back, as the Pulumi CLI reads it, as the values it was
given: every string a plain scalar wouldn't keep is quoted (go-yaml v3's resolution, ``replication.preview.go_yaml``,
and YAML 1.1's), so a prefix, Sid or condition value like ``0o17`` or ``1e3`` stays that text.

The reading side is the offline loader (``load_stack``): go-yaml v3's resolution on PyYAML's parser. Where PyYAML's
and go-yaml's YAML *syntax* differ the property can't see it; the writer keeps to the simplest forms (block style,
plain, single or double quotes).
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from replication.preview.stack_files import load_stack
from replication.stack.writer import stack_file_text
from tests.preview.test_go_yaml import READINGS
from tests.stack.test_example_stack import ROOT

SHAPES = [written for written, _ in READINGS] + [
    "0o17/", "1e3/", "true", "null", "2001-12-14", "2001-12-14T21:59:43Z", "1:30", "yes", "No", "012", "0x1F",
    "- item", "a: b", "#hash", "@at", "`tick", "'single'", '"double"', "{flow}", "[list]", "a #b", " lead", "trail ",
    "line\nbreak", "tab\tinside", "*alias", "&anchor", "!tag", "%percent", "?", ":", "|", ">",
    "next\x85line", '"\x85', "line\u2028separator", "\r",
]
"""Texts a plain scalar changes, or YAML syntax needs quoted."""

text = st.one_of(
    st.sampled_from(SHAPES),
    st.text(alphabet="0123456789+-._:eExXoObB~ntrufalsyNT /", max_size=10),
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12),
)
"""Strings biased to the shapes resolvers disagree on, and any text at all."""


@pytest.fixture(scope="module")
def project() -> Iterator[Path]:
    """A copy of the bundled program's project files (the loader needs Pulumi.yaml and the program)."""
    with tempfile.TemporaryDirectory() as folder:
        for name in ("Pulumi.yaml", "__main__.py"):
            (Path(folder) / name).write_text((ROOT / name).read_text())
        yield Path(folder)


def read_back(project: Path, values: dict[str, Any], other: dict[str, Any] | None = None) -> dict[str, Any]:
    """``values`` written by the writer, then read as the program receives them (JSON text parsed)."""
    files = load_stack(project, "written", stack_text=stack_file_text(values, other_config=other))
    return {key: json.loads(text) if key.startswith("ecr-replication:") else text for key, text in files.config.items()}


def config(prefixes: list[str], sid: str, condition: str, tag_key: str, tag_value: str, account: str,
           count: int, adopt: bool) -> dict[str, Any]:
    """Config values putting each string where import writes strings: prefixes, a statement's Sid and condition
    value, a tag key and value, an account id."""
    statement = {"Sid": sid, "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{account}:root"},
                 "Action": ["ecr:ReplicateImage"], "Resource": "*",
                 "Condition": {"StringEquals": {"aws:PrincipalTag/team": condition}}}
    return {"source": {"accountId": account, "region": "us-east-1"},
            "destinations": [{"accountId": "222222222222", "regions": ["us-west-2"],
                              "registryPolicyStatements": [statement]}],
            "repositoryPrefixes": prefixes,
            "repositorySettings": {"tags": {tag_key: tag_value}, "keepLastImages": count},
            "adopt": adopt}


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(prefixes=st.lists(text, min_size=1, max_size=3), sid=text, condition=text, tag_key=text, tag_value=text,
       account=st.from_regex(r"[0-9]{12}", fullmatch=True), count=st.integers(-(2**63), 2**63 - 1),
       adopt=st.booleans())
def test_what_the_writer_writes_reads_back_as_the_same_values(
        project: Path, prefixes: list[str], sid: str, condition: str, tag_key: str, tag_value: str, account: str,
        count: int, adopt: bool) -> None:
    values = config(prefixes, sid, condition, tag_key, tag_value, account, count, adopt)
    read = read_back(project, values)
    assert {key[len("ecr-replication:"):]: value for key, value in read.items()
            if key.startswith("ecr-replication:")} == values


@pytest.mark.parametrize("shape", ["0o17", "1e3", "012", "true", "null", "0x1F", "+12", "1_000", "yes", "1:30",
                                   "2001-12-14"])
def test_a_prefix_sid_or_condition_value_of_another_type_s_shape_is_quoted(project: Path, shape: str) -> None:
    """The issue's cases, as import writes them: before, `- 0o17` was written plain and `pulumi up` got 15."""
    values = config([shape], shape, shape, "team", shape, "111111111111", 1, True)
    text = stack_file_text(values)
    assert f'    - "{shape}"' in text.splitlines()  # the prefix
    assert f'          Sid: "{shape}"' in text.splitlines()
    assert f'              aws:PrincipalTag/team: "{shape}"' in text.splitlines()
    assert read_back(project, values)["ecr-replication:repositoryPrefixes"] == [shape]


def test_a_line_break_only_yaml_1_1_knows_is_escaped(project: Path) -> None:
    """U+0085 is a line break to YAML 1.1 (PyYAML's emitter folds it inside single quotes) and not to YAML 1.2:
    only a double-quoted escape reads back the same to both (found by the property above)."""
    values = config(["next\x85line"], "s", "c", "team", '"\x85', "111111111111", 1, True)
    assert '"next\\Nline"' in stack_file_text(values)
    read = read_back(project, values)
    assert read["ecr-replication:repositoryPrefixes"] == ["next\x85line"]
    assert read["ecr-replication:repositorySettings"]["tags"] == {"team": '"\x85'}


def test_values_kept_from_other_namespaces_keep_their_meaning(project: Path) -> None:
    """What `import --force` keeps of another namespace is read as the CLI reads it and written so that it reads
    back the same: numbers stay numbers, text stays text, a timestamp stays one."""
    from replication.preview.go_yaml import load

    kept = load("a: 0o17\nb: '0o17'\nc: 1e3\nd: 2001-12-14\ne: 2001-1-2T3:4:5Z\nf: [yes, 1:30]\n")
    read = read_back(project, config(["p/"], "s", "c", "k", "v", "111111111111", 1, True),
                     {f"other:{key}": value for key, value in kept.items()})
    assert {key: value for key, value in read.items() if key.startswith("other:")} == {
        "other:a": "15", "other:b": "0o17", "other:c": "1000", "other:d": "2001-12-14 00:00:00 +0000 UTC",
        "other:e": "2001-01-02 03:04:05 +0000 UTC", "other:f": '["yes","1:30"]'}
