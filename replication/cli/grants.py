"""Whether a destination registry policy lets a source account replicate into it.

Only ``Allow`` statements count; ``Deny`` statements and conditions are not evaluated (a check that
reads them as grants would be wrong, one that ignores them can only under-report a problem).
"""

from __future__ import annotations

from fnmatch import fnmatchcase
from typing import Any

from replication.cli.live import Destination

REQUIRED_ACTIONS: tuple[str, ...] = ("ecr:ReplicateImage", "ecr:CreateRepository")
"""What replication needs in a cross-account destination (without CreateRepository only existing repositories receive images)."""


def _as_list(value: Any) -> list[Any]:
    """A policy field that may be one value or a list, as a list."""
    return value if isinstance(value, list) else [value]


def _grants_principal(statement: dict[str, Any], account: str) -> bool:
    """Whether the statement's principal is the account (root ARN or bare id)."""
    principal = statement.get("Principal", {})
    names = _as_list(principal.get("AWS", [])) if isinstance(principal, dict) else _as_list(principal)
    return any(name in (account, f"arn:aws:iam::{account}:root") for name in names)


def _covers(pattern: str, resource_prefix: str) -> bool:
    """Whether an IAM resource pattern matches every ARN that starts with ``resource_prefix``.

    A pattern ending in ``*`` that matches the prefix itself matches any continuation of it, since the
    final ``*`` absorbs the rest; a pattern without a trailing ``*`` can't cover an open-ended prefix.
    """
    return pattern.endswith("*") and fnmatchcase(resource_prefix, pattern)


def missing_grants(policy: dict[str, Any], account: str, destination: Destination, prefixes: list[str]) -> list[str]:
    """What the policy fails to allow ``account`` for each replicated prefix, in words; empty when all is granted.

    ``prefixes`` are repository-name prefixes (``""`` for a rule that replicates every repository).
    """
    allows = [
        s for s in _as_list(policy.get("Statement", []))
        if s.get("Effect") == "Allow" and _grants_principal(s, account)
    ]
    gaps = []
    for action in REQUIRED_ACTIONS:
        granting = [s for s in allows if any(fnmatchcase(action.lower(), a.lower()) for a in _as_list(s.get("Action", [])))]
        for prefix in prefixes:
            arn = f"arn:aws:ecr:{destination.region}:{destination.registry_id}:repository/{prefix}"
            if not any(_covers(r, arn) for s in granting for r in _as_list(s.get("Resource", []))):
                gaps.append(f"{action} on {arn}*")
    return gaps
