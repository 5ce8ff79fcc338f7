"""Entry point of the ``ecr-replication`` console script.

Each command lives in its own module exposing ``register(subparsers)``, which adds an argparse parser whose
``func`` default is a callable ``(argparse.Namespace) -> int`` returning the exit code.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from replication.cli.errors import CliError
from replication.errors import ReplicationConfigError

COMMAND_MODULES: tuple[str, ...] = ("plan", "status", "check", "backfill")
"""Modules (under ``replication.cli``) that each register one sub-command, in help order."""


def build_parser(commands: Sequence[str] = COMMAND_MODULES) -> argparse.ArgumentParser:
    """Build the top-level parser with the given sub-commands (default: all of them)."""
    parser = argparse.ArgumentParser(
        prog="ecr-replication",
        description="Plan, check and operate Amazon ECR replication set up by the EcrReplication component.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in commands:
        importlib.import_module(f"replication.cli.{module}").register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI and return its exit code; errors become one line on stderr, never a traceback."""
    argv = list(sys.argv[1:] if argv is None else argv)
    # Import only the command being run (each pulls in Pulumi or boto3); help without one lists them all.
    chosen = [command for command in COMMAND_MODULES if argv[:1] == [command]]
    parser = build_parser(chosen or COMMAND_MODULES)
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except (CliError, ReplicationConfigError) as error:
        print(f"ecr-replication {args.command}: error: {error}", file=sys.stderr)
        return getattr(error, "exit_code", 2)
    except KeyboardInterrupt:
        print(f"ecr-replication {args.command}: interrupted", file=sys.stderr)
        return 130
    except Exception as error:  # noqa: BLE001 the last resort: still one line, never a traceback
        print(f"ecr-replication {args.command}: internal error: {type(error).__name__}: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
