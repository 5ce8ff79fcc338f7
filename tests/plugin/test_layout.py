"""The plugin folder and the examples are laid out so `pulumi package add` finds and installs the package."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
import yaml

from tests.plugin.conftest import PLUGIN_DIR, ROOT

EXAMPLES = sorted((ROOT / "examples").glob("*/Pulumi.yaml"))


def test_plugin_folder_is_a_python_plugin_apart_from_the_root_program() -> None:
    manifest = yaml.safe_load((PLUGIN_DIR / "PulumiPlugin.yaml").read_text())
    assert manifest["runtime"]["name"] == "python"
    assert (PLUGIN_DIR / "__main__.py").is_file()
    assert not (PLUGIN_DIR / "Pulumi.yaml").exists()
    assert not (ROOT / "PulumiPlugin.yaml").exists()


def test_plugin_requirements_install_this_repository() -> None:
    """Not a copy of the code: the only requirement is the repository root, resolved from the plugin folder
    (where the Python language host runs pip), at whatever tag `pulumi package add` checked out."""
    lines = [line for line in (PLUGIN_DIR / "requirements.txt").read_text().splitlines() if line and line[0] != "#"]
    assert lines == [".."]
    pyproject = tomllib.loads((PLUGIN_DIR / lines[0] / "pyproject.toml").read_text())
    assert pyproject["project"]["name"] == "pulumi-ecr-replication"


@pytest.mark.parametrize("project_file", EXAMPLES, ids=[p.parent.name for p in EXAMPLES])
def test_examples_add_the_package_from_the_plugin_folder(project_file: Path) -> None:
    packages = yaml.safe_load(project_file.read_text())["packages"]
    assert (project_file.parent / packages["ecr-replication"]).resolve() == PLUGIN_DIR


def test_both_examples_exist() -> None:
    assert [p.parent.name for p in EXAMPLES] == ["typescript", "yaml"]
