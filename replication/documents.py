"""Render the documents AWS receives from a :class:`~replication.plan.ReplicationPlan`.

Pure functions: plain values in, plain dicts or deterministic JSON out (same inputs, same bytes).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from replication import limits
from replication.errors import ReplicationConfigError
from replication.plan import POLICY_SID, DestinationRegistry, Registry, ReplicationPlan


def to_json(document: Any) -> str:
    """Serialize a document canonically: sorted keys, no insignificant white space."""
    return json.dumps(document, sort_keys=True, separators=(",", ":"))


def replication_statement(source_account_id: str, destination: Registry, prefixes: tuple[str, ...]) -> dict[str, Any]:
    """The statement that lets the source account replicate into ``destination``.

    It grants ``ecr:CreateRepository`` as well as ``ecr:ReplicateImage``: without it replication fails for every
    repository that does not exist yet in the destination.
    """
    patterns = [f"{prefix}*" for prefix in prefixes] or ["*"]
    return {
        "Sid": POLICY_SID,
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{source_account_id}:root"},
        "Action": list(limits.REPLICATION_ACTIONS),
        "Resource": [destination.repository_arn(pattern) for pattern in patterns],
    }


def registry_policy_document(plan: ReplicationPlan, destination: DestinationRegistry) -> str:
    """The whole registry permissions policy of ``destination``: the replication statement plus extra ones."""
    statements = [replication_statement(plan.source.account_id, destination.registry, destination.slot.prefixes)]
    statements += [dict(statement) for statement in destination.slot.extra_statements]
    document = to_json({"Version": "2012-10-17", "Statement": statements})
    if len(document) > limits.MAX_REGISTRY_POLICY_CHARS:
        raise ReplicationConfigError(
            destination.slot.field,
            f"{len(document)} characters",
            f"the registry policy for {destination.registry.host} exceeds ECR's {limits.MAX_REGISTRY_POLICY_CHARS}"
            "-character limit; use fewer prefixes or extra statements",
        )
    return document


def _camel_case(name: str) -> str:
    """``repository_filters`` -> ``repositoryFilters``."""
    head, *rest = name.split("_")
    return head + "".join(word.title() for word in rest)


def _rules(plan: ReplicationPlan, key: Callable[[str], str]) -> list[dict[str, Any]]:
    """The rules of ``plan`` with keys written through ``key`` (snake_case names in, the wanted casing out)."""
    return [
        {
            key("destinations"): [{key("region"): d.region, key("registry_id"): d.account_id} for d in rule.destinations],
            key("repository_filters"): [{key("filter"): p, key("filter_type"): "PREFIX_MATCH"} for p in rule.prefixes],
        }
        for rule in plan.rules
    ]


def replication_rules(plan: ReplicationPlan) -> list[dict[str, Any]]:
    """The rules as AWS's ``describe-registry`` shows them (camelCase keys)."""
    return _rules(plan, _camel_case)


def replication_configuration_input(plan: ReplicationPlan) -> dict[str, Any]:
    """The ``replication_configuration`` input of ``aws.ecr.ReplicationConfiguration`` (snake_case keys)."""
    return {"rules": _rules(plan, str)}


def registry_policies(plan: ReplicationPlan) -> dict[str, str]:
    """Every registry policy the component manages, keyed by registry host."""
    return {d.registry.host: registry_policy_document(plan, d) for d in plan.destinations if d.needs_registry_policy}
