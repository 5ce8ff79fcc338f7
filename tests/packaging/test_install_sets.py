"""What `make plan` and `make test` install: the plan only the package and what it needs at run time, the tests
the test extra on top.

Read from the Makefile's own recipes (`make --dry-run` in a fresh virtualenv's name, so every step shows) and
from the installed distributions' metadata (the requirements pip resolves for `pip install -e .`, with their
environment markers evaluated as pip does).
"""

from __future__ import annotations

import re
import shlex
import subprocess
import tomllib
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())


def normalized(name: str) -> str:
    """A distribution name as PEP 503 compares them."""
    return re.sub(r"[-_.]+", "-", name).lower()


def installs(target: str, tmp_path: Path) -> list[list[str]]:
    """The `pip install` arguments `make TARGET` runs for a virtualenv that doesn't exist yet."""
    dry = subprocess.run(["make", "--dry-run", "--always-make", target, f"VENV={tmp_path / 'venv'}"], cwd=ROOT,
                         capture_output=True, text=True, check=True).stdout
    commands = [shlex.split(line) for line in dry.splitlines() if " -m pip install " in line]
    return [[arg for arg in command[command.index("install") + 1:] if not arg.startswith("-")] for command in commands]


def runtime_closure(distribution: str, extras: tuple[str, ...] = ()) -> set[str]:
    """Every distribution `pip install DISTRIBUTION[EXTRAS]` brings in, by the installed metadata's requirements
    (markers evaluated for this interpreter and the extras asked for)."""
    seen: set[str] = set()
    pending = [(distribution, extras)]
    while pending:
        name, wanted = pending.pop()
        for text in metadata.distribution(name).requires or []:
            requirement = Requirement(text)
            marker = requirement.marker
            if marker is not None and not any(marker.evaluate({"extra": extra}) for extra in (*wanted, "")):
                continue
            if normalized(requirement.name) not in seen:
                seen.add(normalized(requirement.name))
                pending.append((requirement.name, tuple(requirement.extras)))
    return seen


def test_make_plan_installs_the_package_without_its_test_extra(tmp_path: Path) -> None:
    assert installs("plan", tmp_path) == [["pip"], ["."]]  # pip upgraded, then the package alone


def test_make_test_adds_the_test_extra(tmp_path: Path) -> None:
    assert installs("test", tmp_path) == [["pip"], ["."], [".[test]"]]


def test_what_the_package_needs_at_run_time_holds_no_test_dependency() -> None:
    """The test extra's tools (pytest, moto and its web stack, hypothesis, ruff...) stay out of `pip install -e .`;
    setuptools, which the test extra lists to build the wheel offline, is also a run-time requirement of
    pulumi-policy (so a plan's virtualenv has it either way)."""
    distribution = PYPROJECT["project"]["name"]
    runtime = runtime_closure(distribution)
    test_extra = {normalized(Requirement(text).name) for text in PYPROJECT["project"]["optional-dependencies"]["test"]}
    assert runtime & test_extra == {"setuptools"}
    assert "setuptools" in runtime_closure("pulumi-policy")
    with_tests = runtime_closure(distribution, ("test",))
    assert {"moto", "flask", "werkzeug", "hypothesis", "pytest", "ruff"} <= with_tests - runtime
