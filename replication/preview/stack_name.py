"""A stack as ``--stack`` names it, read by the Pulumi CLI's rules: ``[organization/][project/]name``.

Every command that takes ``--stack`` (``plan``, ``import``, ``permissions``, and ``check``, ``status``,
``verify`` and ``backfill`` through their expected configuration) reads the value here, before any file is read
or written:

* The parts (pulumi/pulumi ``pkg/backend/httpstate/backend.go`` ``parseStackName`` and
  ``pkg/backend/diy/store.go`` ``ParseReference``): ``name``, ``organization/name`` or
  ``organization/project/name``; more than three is no stack reference.
* The name (``sdk/go/common/tokens/stack_name.go`` ``ParseStackName``): 1 to 100 characters, each a letter, digit,
  ``-``, ``_`` or ``.``. So it never holds a ``/``: ``../x`` or ``a b`` name no stack.
* The organization: Pulumi Cloud's owner rule (``httpstate/backend.go`` ``stackOwnerRegexp``: 3 to 40 letters,
  digits, ``-`` and ``_``, starting and ending with a letter or digit); the DIY backend's one organization,
  ``organization``, fits it.
* The project (``tokens/project.go`` ``ValidateProjectName``): 1 to 100 letters, digits, ``-``, ``_`` and ``.``;
  it must be the project's own name: the CLI refuses a stack of another project ("provided project name %q
  doesn't match Pulumi.yaml", ``pkg/backend/backend.go`` ``CurrentProjectContradictsWorkspace``).

The stack's file is named after the name alone: the CLI passes ``stack.Ref().Name()`` to
``workspace.DetectProjectStackPath`` (``pkg/cmd/pulumi/stack/io.go`` ``LoadProjectStack``), whose
``ProjectStackPath`` (``sdk/go/common/workspace/paths.go``) makes ``Pulumi.<name><the project file's extension>``;
so ``myorg/ecr-replication/dev`` reads ``Pulumi.dev.yaml``. The name is also what the program gets as its stack.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from pathlib import Path

NAME_LIMIT = 100
"""The longest stack name (``tokens.ParseStackName``) and project name (``tokens.ValidateProjectName``)."""

_NAME_CHARACTERS = re.compile(r"[A-Za-z0-9_.-]*")
"""``tokens/stack_name.go`` ``stackNameRegex`` (and ``tokens/names.go`` ``NameRegexpPattern`` for projects)."""

_ORGANIZATION = re.compile(r"[a-zA-Z0-9][a-zA-Z0-9-_]{1,38}[a-zA-Z0-9]")
"""``pkg/backend/httpstate/backend.go`` ``stackOwnerRegexp``."""


class StackNameError(ValueError):
    """``--stack`` names no stack the Pulumi CLI would take; the message names ``--stack`` and the value."""

    def __init__(self, given: str, problem: str) -> None:
        super().__init__(f"--stack {shlex.quote(given)}: {problem}")


def _characters_problem(part: str, what: str) -> str | None:
    """Why ``part`` is no stack or project name (``what``), or ``None``."""
    if not part:
        return f"the {what} is empty"
    if len(part) > NAME_LIMIT:
        return f"a {what} is at most {NAME_LIMIT} characters (this one has {len(part)})"
    match = _NAME_CHARACTERS.match(part)
    end = match.end() if match else 0
    if end != len(part):
        return (f"a {what} may contain only letters, digits, -, _ and . (the Pulumi CLI's rule): {part[end]!r} at "
                f"position {end} of {part!r} is not one")
    return None


def project_name_problem(project: str) -> str | None:
    """Why ``project`` is no project name the Pulumi CLI takes (``tokens/project.go`` ``ValidateProjectName``, which
    it applies to ``Pulumi.yaml``'s ``name`` and to a project-qualified ``--stack``), or ``None``."""
    return _characters_problem(project, "project name")


@dataclass(frozen=True)
class StackName:
    """A stack as ``--stack`` gave it, in its parts."""

    given: str
    """The value as given: how messages name the stack."""
    organization: str | None
    project: str | None
    name: str
    """The stack's own name: its file's name, and the stack the program runs as."""

    def file_name(self, extension: str) -> str:
        """``Pulumi.<name><extension>``: the stack's file in a project whose file has ``extension`` (``.yaml``)."""
        return f"Pulumi.{self.name}{extension}"

    def check_project(self, project: str, project_file: Path | str) -> None:
        """:class:`StackNameError` when the name is qualified with another project than ``project`` (the name in
        ``project_file``)."""
        if self.project is not None and self.project != project:
            raise StackNameError(self.given, f"names project {self.project}, but {project_file} is project {project}: "
                                             "the Pulumi CLI refuses a stack of another project")


def parse_stack_name(given: str) -> StackName:
    """``given`` read as ``[organization/][project/]name`` by the rules in the module docs; :class:`StackNameError`
    naming what is wrong."""
    parts = given.split("/")
    if len(parts) > 3:
        raise StackNameError(given, f"a stack is named [organization/][project/]name, and this has {len(parts)} parts")
    name = parts[-1]
    organization = parts[0] if len(parts) > 1 else None
    project = parts[1] if len(parts) == 3 else None
    problem = _characters_problem(name, "stack name")
    if problem is None and organization is not None and not _ORGANIZATION.fullmatch(organization):
        problem = (f"{organization!r} is not an organization name (3 to 40 letters, digits, - and _, starting and ending "
                   "with a letter or digit)")
    if problem is None and project is not None:
        problem = project_name_problem(project)
    if problem is not None:
        raise StackNameError(given, problem)
    return StackName(given, organization, project, name)
