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


def build_parser() -> argparse.ArgumentParser:
    """Build the top-level parser with every registered sub-command."""
    parser = argparse.ArgumentParser(
        prog="ecr-replication",
        description="Plan, check and operate Amazon ECR replication set up by the EcrReplication component.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in COMMAND_MODULES:
        importlib.import_module(f"replication.cli.{module}").register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI and return its exit code; errors become one line on stderr, never a traceback."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except (CliError, ReplicationConfigError) as error:
        print(f"ecr-replication {args.command}: error: {error}", file=sys.stderr)
        return getattr(error, "exit_code", 2)
    except KeyboardInterrupt:
        print(f"ecr-replication {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
