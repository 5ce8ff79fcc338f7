"""What every command shares: help that lists exit codes, --version, and a quiet end when stdout closes."""

from __future__ import annotations

import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest

from replication.cli.main import COMMAND_MODULES, build_parser, command_name

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("command", COMMAND_MODULES)
def test_every_command_help_lists_its_exit_codes_in_plain_text(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        build_parser([command]).parse_args([command_name(command), "--help"])
    text = capsys.readouterr().out
    assert "Exit codes: 0 " in text
    assert "``" not in text and ":func:" not in text


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        build_parser().parse_args(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out == f"ecr-replication {metadata.version('pulumi-ecr-replication')}\n"


def test_a_closed_pipe_ends_quietly() -> None:
    """`ecr-replication plan | head -0`: the reader is gone before the plan is printed; no traceback, no
    "Exception ignored" at exit, and the exit code of a process ended by SIGPIPE."""
    process = subprocess.Popen([sys.executable, "-m", "replication.cli.main", "plan", "--no-policies", "--cwd", str(ROOT)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT)
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()
    stderr = process.stderr.read().decode()
    assert process.wait(timeout=120) == 141, stderr
    assert stderr == ""
