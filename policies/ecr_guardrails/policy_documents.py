"""Registry permissions policy documents (JSON text) read into plain statements."""

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Optional

from .limits import ACCOUNT_ID_PATTERN
from .wildcards import wildcard_match


def _strings(value: Any) -> tuple[str, ...]:
    """A policy field that may be one string or a list of strings, as a tuple."""
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list):
        return tuple(item for item in value if isinstance(item, str))
    return ()


def principal_account(principal: str) -> Optional[str]:
    """The account an AWS principal names: a bare account id or any IAM ARN in that account."""
    if ACCOUNT_ID_PATTERN.match(principal):
        return principal
    parts = principal.split(":")
    if len(parts) >= 6 and parts[0] == "arn" and parts[2] in ("iam", "sts") and ACCOUNT_ID_PATTERN.match(parts[4]):
        return parts[4]
    return None


@dataclass(frozen=True)
class Statement:
    """One policy statement, reduced to what the guardrails judge."""

    label: str
    """The Sid, or the statement's 1-based position."""
    effect: str
    aws_principals: tuple[str, ...]
    """`AWS` principals; `("*",)` for `"Principal": "*"`."""
    other_principal_kinds: tuple[str, ...]
    """Principal kinds other than AWS (`Service`, `Federated`, ...)."""
    actions: tuple[str, ...]
    not_actions: tuple[str, ...]
    resources: tuple[str, ...]

    @property
    def allows(self) -> bool:
        """Whether this is an Allow statement."""
        return self.effect == "Allow"

    def grants(self, action: str) -> bool:
        """Whether this Allow statement's actions cover `action` (IAM wildcards, case-insensitive)."""
        return self.allows and any(wildcard_match(pattern, action, ignore_case=True) for pattern in self.actions)

    def names_account(self, account: str) -> bool:
        """Whether one of the AWS principals is `account` (its id or an ARN in it)."""
        return any(principal_account(principal) == account for principal in self.aws_principals)


def _statement(position: int, raw: Mapping[str, Any]) -> Statement:
    principal = raw.get("Principal")
    if isinstance(principal, Mapping):
        aws_principals = _strings(principal.get("AWS"))
        others = tuple(kind for kind in principal if kind != "AWS")
    else:
        aws_principals, others = _strings(principal), ()
    return Statement(
        label=str(raw.get("Sid") or f"#{position}"),
        effect=str(raw.get("Effect", "")),
        aws_principals=aws_principals,
        other_principal_kinds=others,
        actions=_strings(raw.get("Action")),
        not_actions=_strings(raw.get("NotAction")),
        resources=_strings(raw.get("Resource")),
    )


def parse_policy(document: str) -> Optional[tuple[Statement, ...]]:
    """The statements of a policy document, or `None` when it isn't a JSON object with statements."""
    try:
        parsed = json.loads(document)
    except ValueError:
        return None
    if not isinstance(parsed, Mapping):
        return None
    raw_statements = parsed.get("Statement")
    if isinstance(raw_statements, Mapping):
        raw_statements = [raw_statements]
    if not isinstance(raw_statements, list):
        return None
    return tuple(_statement(position, raw) for position, raw in enumerate(raw_statements, start=1)
                 if isinstance(raw, Mapping))
