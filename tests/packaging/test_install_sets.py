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
import sys
import tomllib
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())


def normalized(name: str) -> str:
    """A distribution name as PEP 503 compares them."""
    return re.sub(r"[-_.]+", "-", name).lower()


def recipe(target: str, tmp_path: Path) -> list[list[str]]:
    """The commands `make TARGET` runs for a virtualenv that doesn't exist yet, as argument lists."""
    dry = subprocess.run(["make", "--dry-run", "--always-make", target, f"VENV={tmp_path / 'venv'}"], cwd=ROOT,
                         capture_output=True, text=True, check=True).stdout
    return [shlex.split(line) for line in dry.replace("\\\n", " ").splitlines()]


def installs(target: str, tmp_path: Path) -> list[list[str]]:
    """The `pip install` arguments `make TARGET` runs for a virtualenv that doesn't exist yet."""
    commands = [command for command in recipe(target, tmp_path) if command[1:4] == ["-m", "pip", "install"]]
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


PLAN_IMPORTS = """
import contextlib, io, sys, sysconfig
from replication.cli.main import main
with contextlib.redirect_stdout(io.StringIO()):
    main(["plan", "--stack", "dev"])
purelib = sysconfig.get_paths()["purelib"]
print("\\n".join(sorted({m.__file__ for m in list(sys.modules.values())
                         if type(m).__name__ != "_LazyModule"  # pulumi-aws's services, listed but never loaded
                         and (getattr(m, "__file__", None) or "").startswith(purelib)})))
"""
"""Prints the file of every installed module `plan --stack dev` loads."""


def test_make_setup_byte_compiles_every_installed_module_plan_imports(tmp_path: Path) -> None:
    """The install compiles nothing and compileall skips pulumi-aws's other services: a plan must import nothing
    from them (else its first runs compile it, every run where PYTHONDONTWRITEBYTECODE is set)."""
    [compileall] = [command for command in recipe("setup", tmp_path) if command[1:3] == ["-m", "compileall"]]
    skipped = re.compile(compileall[compileall.index("-x") + 1])
    imported = subprocess.run([sys.executable, "-c", PLAN_IMPORTS], cwd=ROOT, capture_output=True, text=True,
                              check=True).stdout.split()
    assert any("/pulumi_aws/ecr/" in path for path in imported) and any("/pulumi_aws/iam/" in path for path in imported)
    assert [path for path in imported if skipped.search(path)] == []
