"""Which policy pack `ecr-replication plan` runs, and how: the pack this package carries in this process, any
other pack in its own process as the Pulumi CLI runs it, with the same findings; policy config mistakes are
one line."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from policies.ecr_guardrails.sdk_fast_path import STOCK_PATH_VARIABLE
from replication.cli import stack_plan
from replication.cli.main import main
from replication.preview.analyzer import PolicyPackServer

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def pack_processes(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """The folders of the packs `plan` starts in their own process, in order."""
    started: list[Path] = []
    original = PolicyPackServer.start

    def start(server: PolicyPackServer) -> None:
        started.append(server.pack_dir)
        original(server)

    monkeypatch.setattr(PolicyPackServer, "start", start)
    return started


def findings(capsys: pytest.CaptureFixture[str], *argv: str) -> list[dict[str, Any]]:
    """The guardrails' findings in the JSON plan of the bundled dev stack (sorted: their order across runs is
    issue 12's point 6, not this file's business)."""
    assert main(["plan", "--cwd", str(ROOT), "--json", *argv]) == 0
    diagnostics = json.loads(capsys.readouterr().out)["diagnostics"]
    assert diagnostics, "the dev stack's templates lack KMS: the guardrails always say so"
    return sorted(diagnostics, key=lambda diagnostic: json.dumps(diagnostic, sort_keys=True))


def test_the_bundled_pack_runs_in_this_process(pack_processes: list[Path], capsys: pytest.CaptureFixture[str]) -> None:
    assert {d["policy"] for d in findings(capsys)} == {"ecr-replicated-repositories-hardened"}
    assert pack_processes == []


def test_another_pack_runs_in_its_own_process_with_the_same_findings(
    pack_processes: list[Path], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    other = shutil.copytree(ROOT / "policies", tmp_path / "team-pack")
    in_process = findings(capsys)
    assert findings(capsys, "--policy-pack", str(other)) == in_process
    assert pack_processes == [other]


def test_a_project_s_own_policies_folder_runs_in_its_own_process(
    pack_processes: list[Path], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    for name in ("Pulumi.yaml", "Pulumi.dev.yaml", "__main__.py"):
        shutil.copy(ROOT / name, tmp_path / name)
    own = shutil.copytree(ROOT / "policies", tmp_path / "policies")
    assert main(["plan", "--cwd", str(tmp_path), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["diagnostics"]
    assert pack_processes == [own]


def test_the_stock_sdk_path_runs_the_pack_in_its_own_process(
    pack_processes: list[Path], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    in_process = findings(capsys)
    monkeypatch.setenv(STOCK_PATH_VARIABLE, "1")
    assert findings(capsys) == in_process
    assert pack_processes == [ROOT / "policies"]


@pytest.mark.parametrize("config, message", [
    ({"ecr-replication-destination-limit": {"maxDestinatons": 20}},
     "ecr-replication-destination-limit: unknown setting 'maxDestinatons' (did you mean 'maxDestinations'?)"),
    ({"all": {"aes256Counts": True}}, "all: only enforcementLevel applies to every policy"),
])
def test_a_policy_config_mistake_is_one_line_before_the_program_runs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, config: dict[str, Any],
    message: str
) -> None:
    path = tmp_path / "policy-config.json"
    path.write_text(json.dumps(config))
    monkeypatch.setattr(stack_plan, "evaluate", lambda files: pytest.fail("the program ran despite the config mistake"))
    assert main(["plan", "--cwd", str(ROOT), "--policy-config", str(path)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith(f"ecr-replication plan: error: {path}: ")
    assert message in captured.err and captured.err.count("\n") == 1
