"""Options and value types the commands share: AWS access, destination access, durations, help text."""

from __future__ import annotations

import argparse
import re
import textwrap
from collections.abc import Callable

DEFAULT_MAX_WORKERS = 12
"""How many AWS calls a command makes side by side by default (``status --max-workers``; ``verify`` reads its
destination registries this many at a time)."""

_DURATION = re.compile(r"^(\d+(?:\.\d+)?)([smh]?)$")


def parse_duration(text: str) -> float:
    """Seconds in ``90``, ``90s``, ``30m`` or ``1h``; argparse reports anything else."""
    found = _DURATION.match(text.strip())
    if not found:
        raise argparse.ArgumentTypeError(f"invalid duration {text!r}: use e.g. 90s, 30m or 1h")
    return float(found[1]) * {"": 1, "s": 1, "m": 60, "h": 3600}[found[2]]


def positive_int(text: str) -> int:
    """An integer of at least 1, for argparse."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1 (got {value})")
    return value


HELP_WIDTH = 79
"""Columns the descriptions of ``--help`` are wrapped to (argparse wraps option help to the terminal itself)."""


def help_text(docstring: str | None, width: int = HELP_WIDTH) -> str:
    """A module docstring as ``--help`` prints it: without reST or Markdown code marks, each paragraph and each
    list item ("1. ...", "- ...") wrapped to ``width`` columns."""
    text = re.sub(r"``([^`]+)``|`([^`]+)`", lambda m: m[1] or m[2], docstring or "").strip()
    paragraphs = []
    for paragraph in text.split("\n\n"):
        items = re.split(r"\n(?=\s*(?:\d+\.|-) )", paragraph)
        paragraphs.append("\n".join(
            textwrap.fill(" ".join(item.split()), width,
                          subsequent_indent=" " * len(re.match(r"\s*(?:\d+\. |- )?", item.strip())[0]))
            for item in items))
    return "\n\n".join(paragraphs)


def add_live_command(subparsers: argparse._SubParsersAction, name: str, summary: str, docstring: str | None,
                     func: Callable[[argparse.Namespace], int]) -> argparse.ArgumentParser:
    """Add a command that calls AWS: ``--json`` and how to reach the source registry."""
    parser = subparsers.add_parser(name, help=summary, description=help_text(docstring),
                                   formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.set_defaults(func=func)
    parser.add_argument("--json", action="store_true", help="print JSON on stdout instead of text")
    group = parser.add_argument_group(
        "AWS access (source registry)",
        help_text("botocore's credential chain, region, retries (AWS_RETRY_MODE, AWS_MAX_ATTEMPTS) and endpoints "
                  "(AWS_ENDPOINT_URL) apply; AWS_REGION is read before AWS_DEFAULT_REGION.", HELP_WIDTH - 2))
    group.add_argument("--profile", help="named AWS profile (default: the standard credential chain)")
    group.add_argument("--role-arn", help="IAM role to assume (from --profile's credentials) before calling AWS")
    group.add_argument("--region", help="region of the source registry, and of every call made for it, STS included "
                                        "(default: the one the stack or the expected file declares, else "
                                        "AWS_REGION, AWS_DEFAULT_REGION or the profile's region)")
    return parser


def add_destination_access(parser: argparse.ArgumentParser) -> None:
    """The options that reach destination accounts (and pull-through spoke accounts): every registry is read with
    credentials of its own account, verified with STS, never with the source's."""
    group = parser.add_argument_group("AWS access (destination and spoke accounts)")
    group.add_argument("--destination-role-arn", action="append", default=[], metavar="ACCOUNT=ROLE_ARN",
                       help="role to assume for a destination or pull-through spoke account, from --profile's "
                            "credentials (repeatable)")
    group.add_argument("--destination-profile", action="append", default=[], metavar="ACCOUNT=PROFILE",
                       help="profile for a destination or spoke account; with --destination-role-arn, the role is "
                            "assumed from it (repeatable)")
