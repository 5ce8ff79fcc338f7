"""A stack's program evaluated offline, as ``ecr-replication plan`` does it: the one way every command that
takes a stack (``plan``, and the live commands' expected configuration) reads its files and runs its program.

The program runs in the Pulumi SDK's mock mode with the stack's config; every failure becomes one readable
``CliError`` line (a ``ReplicationConfigError`` passes through, naming its config key).
"""

from __future__ import annotations

import logging
import os
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from replication.cli.errors import CliError
from replication.cli.output import note
from replication.cli.startup import paused_gc

if TYPE_CHECKING:  # imported where used: it loads the Pulumi SDK
    from replication.stack.config import StackConfig


def stack_files(project: Path, stack: str, quiet: bool = False) -> Any:
    """The project's and the stack's files (``preview.stack_files.StackFiles``); a missing stack file is an empty
    stack config, as for the Pulumi CLI, and a note on stderr says so (not when ``quiet``)."""
    from replication.preview.stack_files import StackFileError, load_stack

    try:
        files = load_stack(project, stack)
    except StackFileError as error:
        raise CliError(str(error)) from None
    if files.stack_file is None and not quiet:
        note(f"note: {project} has no {os.path.relpath(files.path, project)}: the stack's config is empty, as for the "
             "Pulumi CLI (the project's defaults apply)")
    return files


def evaluate(files: Any) -> Any:
    """Run the program offline (``preview.runner.OfflineRun``), turning every failure into one readable line."""
    import pulumi

    from replication.errors import ReplicationConfigError
    from replication.preview.runner import OfflineLookupError, run_program_file

    logging.getLogger("asyncio").setLevel(logging.CRITICAL)  # a failed output is reported once, by the caller
    try:
        return run_program_file(files.program, files.project, files.stack, files.config, files.secret_keys)
    except ReplicationConfigError:
        raise
    except OfflineLookupError as error:
        raise CliError(str(error)) from None
    except pulumi.RunError as error:
        raise CliError(str(error).splitlines()[0]) from None
    except Exception as error:  # noqa: BLE001 the user's program may raise anything: report it in one line
        raise CliError(_program_error(error, files.program)) from None


@dataclass(frozen=True)
class EvaluatedStack:
    """A stack as a live command's ``--stack`` reads it: its plan, and the example program's account entries."""

    document: dict[str, Any]
    """The stack's plan as ``ecr-replication plan --stack STACK --cwd PROJECT --json`` prints it, without the
    policy pack: what the live commands compare live state with (``--expected FILE`` reads the same document)."""
    config: StackConfig | None
    """The ``<project>:`` namespace read as the example program reads it (each account's ``profile`` and
    ``roleArn``); ``None`` when the stack's config has no ``<project>:source``, the example program's first key
    (another program, whose credentials the CLI can't know)."""


def evaluated_stack(project: Path, stack: str, files: Any = None) -> EvaluatedStack:
    """The stack's plan and its config, from one reading of its files (``files``, when the caller has read them with
    :func:`stack_files`)."""
    with paused_gc():  # start-up: the SDK's imports and the program's run (startup.py)
        files = files or stack_files(project, stack)
        document = _plan_document(files)
        if f"{files.project}:source" not in files.config:
            return EvaluatedStack(document, None)
        from replication.stack.config import read_config_values

        return EvaluatedStack(document, read_config_values(files.project, files.config, files.secret_keys))


def _plan_document(files: Any) -> dict[str, Any]:
    from replication.preview.report import build_report

    return build_report(files.project, files.stack, evaluate(files), None)


def _program_error(error: BaseException, program: Path) -> str:
    """One line for an error the program raised: where in the program, and what."""
    frames = [f for f in traceback.extract_tb(error.__traceback__) if Path(f.filename).resolve() == program]
    where = f"{program.name}:{frames[-1].lineno}" if frames else program.name
    return f"{where}: {type(error).__name__}: {error}"
