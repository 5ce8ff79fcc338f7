"""Every `ecr-replication` and `make` command the README and the docs show is one the tools accept.

Concrete command lines are parsed with the real parser; synopsis lines (with `[...]`) must name only options the
command has; `make` targets must exist. (What the commands do is tested where each command is.)
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from replication.cli.main import COMMAND_MODULES, build_parser, command_name

ROOT = Path(__file__).resolve().parents[1]
DOCUMENTS = ["README.md", "policies/README.md", *sorted(f"docs/{page.name}" for page in (ROOT / "docs").glob("*.md"))]
COMMANDS = {command_name(module) for module in COMMAND_MODULES}


def _code_lines(text: str) -> list[str]:
    """Shell lines of fenced code blocks (continuations joined), and inline code spans marked as mentions with a
    leading ``[`` (a span in prose names a command and its options, it need not be a whole command line)."""
    lines: list[str] = []
    for block in re.findall(r"```[a-z]*\n(.*?)```", text, re.S):
        lines += [line.strip() for line in re.sub(r"\\\n\s*", " ", block).splitlines()]
    prose = re.sub(r"```[a-z]*\n.*?```", "", text, flags=re.S)
    lines += [" ".join(span.split()) + " [mention]" for span in re.findall(r"`([^`]+)`", prose)]
    return lines


def _documented(prefix: str) -> list[tuple[str, str]]:
    found = []
    for document in DOCUMENTS:
        for line in _code_lines((ROOT / document).read_text()):
            if line.startswith(prefix) and ": error:" not in line:
                found.append((document, line.split(" #")[0].strip()))
    return sorted(set(found))


CLI_LINES = [(d, line) for d, line in _documented("ecr-replication ") if line.split()[1] in COMMANDS | {"--version"}]
MAKE_LINES = _documented("make ")


def test_the_documents_show_every_command() -> None:
    shown = {line.split()[1] for _, line in CLI_LINES}
    assert COMMANDS <= shown, f"not shown in any document: {sorted(COMMANDS - shown)}"


@pytest.mark.parametrize(("document", "line"), CLI_LINES)
def test_documented_command_line_is_accepted(document: str, line: str, capsys: pytest.CaptureFixture[str]) -> None:
    line = re.sub(r"<\((ecr-replication .*?)\)", "FILE", line)  # a process substitution stands for a file
    shell = re.sub(r"\$\{?(\w+)\}?", r"placeholder-\1", re.split(r" [>|] ", line)[0])
    words = shlex.split(shell)[1:]
    modules = [module for module in COMMAND_MODULES if command_name(module) == words[0]] or list(COMMAND_MODULES)
    parser = build_parser(modules)
    if words[0].startswith("-"):  # a top-level option: --version
        words = [word for word in words if word != "[mention]"]
        line = " ".join(words)
    if "[" not in line:
        try:
            parser.parse_args(words)
        except SystemExit as stopped:  # --version and --help end here
            assert stopped.code == 0, f"{document}: `{line}` is refused: {capsys.readouterr().err}"
        return
    with pytest.raises(SystemExit):  # a synopsis: only the options it names are checked
        parser.parse_args([words[0], "--help"])
    known = set(re.findall(r"--[a-z][a-z-]*", capsys.readouterr().out))
    named = set(re.findall(r"--[a-z][a-z-]*", line))
    assert named <= known, f"{document}: {sorted(named - known)} are not options of `{words[0]}`"


@pytest.mark.parametrize(("document", "line"), MAKE_LINES)
def test_documented_make_target_exists(document: str, line: str) -> None:
    targets = set(re.findall(r"^([a-z][a-z-]*):", (ROOT / "Makefile").read_text(), re.M))
    assert line.split()[1] in targets, f"{document}: no make target {line.split()[1]!r}"
