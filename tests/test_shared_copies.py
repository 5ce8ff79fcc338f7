"""The policy pack carries copies of the shared ECR modules (a published pack installs only its own folder):
they must stay byte-identical to the package's, and import nothing a pack can't install."""

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ("limits.py", "ecr_semantics.py", "iam_policy.py", "resource_types.py")
"""Modules of `replication/` the pack uses, copied into `policies/ecr_guardrails/`."""


@pytest.mark.parametrize("module", SHARED)
def test_the_pack_copy_is_identical(module: str) -> None:
    ours, copy = ROOT / "replication" / module, ROOT / "policies" / "ecr_guardrails" / module
    assert copy.read_bytes() == ours.read_bytes(), f"run: make pack-copies (cp {ours.relative_to(ROOT)} {copy.parent.relative_to(ROOT)}/)"


@pytest.mark.parametrize("module", SHARED)
def test_shared_modules_import_only_the_standard_library_and_each_other(module: str) -> None:
    tree = ast.parse((ROOT / "replication" / module).read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level:
            assert f"{node.module}.py" in SHARED, f"{module} imports .{node.module}, which the pack has no copy of"
        elif isinstance(node, ast.ImportFrom):
            assert node.module.split(".")[0] in sys.stdlib_module_names | {"__future__"}, node.module
        elif isinstance(node, ast.Import):
            assert all(alias.name.split(".")[0] in sys.stdlib_module_names for alias in node.names)
