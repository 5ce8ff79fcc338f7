"""``safe_write``: a stack file replaced in one step, and a symbolic link to a stack file kept a link.

A user may keep ``Pulumi.prod.yaml`` in another repository and link it into the project; a plain write
(``open(2)`` follows the link) changes the linked file, so ``write_atomically`` must too, not put a regular file
where the link was.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from replication.stack.safe_write import back_up, write_atomically


def test_a_linked_stack_file_is_written_through_the_link(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    project = tmp_path / "project"
    shared.mkdir()
    project.mkdir()
    target = shared / "Pulumi.prod.yaml"
    target.write_text("config: {}\n")
    target.chmod(0o600)
    link = project / "Pulumi.prod.yaml"
    link.symlink_to(os.path.relpath(target, project))

    write_atomically(link, "config:\n  a:b: c\n")

    assert link.is_symlink() and os.readlink(link) == os.path.relpath(target, project)
    assert target.read_text() == "config:\n  a:b: c\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert sorted(p.name for p in shared.iterdir()) == ["Pulumi.prod.yaml"]  # no temporary file left
    assert sorted(p.name for p in project.iterdir()) == ["Pulumi.prod.yaml"]


def test_a_chain_of_links_writes_the_last_file(tmp_path: Path) -> None:
    target = tmp_path / "real.yaml"
    target.write_text("old\n")
    middle = tmp_path / "middle.yaml"
    middle.symlink_to(target)
    link = tmp_path / "Pulumi.dev.yaml"
    link.symlink_to(middle)
    write_atomically(link, "new\n")
    assert link.is_symlink() and middle.is_symlink()
    assert target.read_text() == "new\n"


def test_a_link_to_a_file_not_made_yet_creates_it(tmp_path: Path) -> None:
    """As a plain write through a dangling link does (``open(2)`` with ``O_CREAT`` creates the target)."""
    link = tmp_path / "Pulumi.dev.yaml"
    link.symlink_to(tmp_path / "elsewhere.yaml")
    write_atomically(link, "config: {}\n")
    assert link.is_symlink()
    assert (tmp_path / "elsewhere.yaml").read_text() == "config: {}\n"


def test_the_copy_of_a_linked_file_is_a_file_beside_the_link(tmp_path: Path) -> None:
    target = tmp_path / "real.yaml"
    target.write_text("as it was\n")
    link = tmp_path / "Pulumi.dev.yaml"
    link.symlink_to(target)
    copy = back_up(link)
    assert copy == tmp_path / "Pulumi.dev.yaml.bak"
    assert not copy.is_symlink() and copy.read_text() == "as it was\n"


def test_a_plain_file_is_replaced_with_its_mode(tmp_path: Path) -> None:
    path = tmp_path / "Pulumi.dev.yaml"
    path.write_text("old\n")
    path.chmod(0o640)
    write_atomically(path, "new\n")
    assert not path.is_symlink() and path.read_text() == "new\n"
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
