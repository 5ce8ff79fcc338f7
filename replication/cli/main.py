"""Entry point of the ``ecr-replication`` console script.

Each command lives in its own module exposing ``register(subparsers)``, which adds an argparse parser whose
``func`` default is a callable ``(argparse.Namespace) -> int`` returning the exit code.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Callable, Sequence
from importlib import metadata
from typing import Any

from replication.cli.errors import CliError, internal_error
from replication.cli.output import redacted_streams
from replication.cli.startup import command, paused_gc
from replication.errors import ReplicationConfigError

COMMAND_MODULES: tuple[str, ...] = ("plan", "status", "check", "verify", "backfill", "import_stack", "permissions")
"""Modules (under ``replication.cli``) that each register one sub-command, in help order."""

COMMAND_NAMES = {"import_stack": "import"}
"""The command a module registers where it isn't the module's name (``import`` is a Python keyword)."""


def command_name(module: str) -> str:
    """The sub-command the module ``module`` registers."""
    return COMMAND_NAMES.get(module, module)

EXIT_USAGE, EXIT_BROKEN_PIPE, EXIT_INTERRUPTED = 2, 141, 130
"""Exit codes every command shares: a usage, configuration or AWS error; stdout closed early (as if killed by
SIGPIPE, like other tools in a pipeline); Ctrl-C."""


def _version() -> str:
    try:
        return metadata.version("pulumi-ecr-replication")
    except metadata.PackageNotFoundError:
        return "unknown (not installed)"


def build_parser(commands: Sequence[str] = COMMAND_MODULES,
                 session_factory: Callable[..., Any] | None = None) -> argparse.ArgumentParser:
    """Build the top-level parser with the given sub-commands (default: all of them).

    ``session_factory`` makes the boto3 sessions of the live commands (default ``boto3.Session``).
    """
    parser = argparse.ArgumentParser(
        prog="ecr-replication",
        description="Plan, check and operate Amazon ECR replication set up by the EcrReplication component.",
        epilog="Exit codes: 0 success; 1 findings or failures; 2 usage, configuration or AWS errors; 3 incomplete "
               "(pending, not checked or not verified); 130 interrupted; 141 output closed early. Each command's "
               "--help says which it uses.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    parser.set_defaults(session_factory=session_factory)
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in commands:
        importlib.import_module(f"replication.cli.{module}").register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None, session_factory: Callable[..., Any] | None = None) -> int:
    """Run the CLI and return its exit code; errors become one line on stderr, never a traceback.

    Everything printed, by any command, passes through :func:`redacted_streams`: credentials never reach the
    terminal or a CI log.
    """
    with redacted_streams(), command():  # command(): startup.py
        return _run(list(sys.argv[1:] if argv is None else argv), session_factory)


def _run(argv: list[str], session_factory: Callable[..., Any] | None) -> int:
    # Import only the command being run (each pulls in Pulumi or boto3); help without one lists them all.
    chosen = [module for module in COMMAND_MODULES if argv[:1] == [command_name(module)]]
    try:
        with paused_gc():  # the command's imports (startup.py)
            args = build_parser(chosen or COMMAND_MODULES, session_factory).parse_args(argv)
    except SystemExit as stopped:  # --help, --version, or a usage error argparse printed
        return int(stopped.code or 0)
    try:
        code = int(args.func(args))
        sys.stdout.flush()
        return code
    except (CliError, ReplicationConfigError) as error:
        print(f"ecr-replication {args.command}: error: {error}", file=sys.stderr)
        return getattr(error, "exit_code", EXIT_USAGE)
    except BrokenPipeError:
        # The reader went away (`status | head`): stop quietly, and keep Python from reporting the pipe at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_BROKEN_PIPE
    except KeyboardInterrupt:
        print(f"ecr-replication {args.command}: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as error:  # noqa: BLE001 the last resort: still one line, never a traceback
        print(f"ecr-replication {args.command}: {internal_error(error)}", file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
