"""Render the documents AWS receives from a :class:`~replication.model.ReplicationModel`.

Pure functions: plain values in, plain dicts or deterministic JSON out (same inputs, same bytes).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from replication import limits
from replication.errors import ReplicationConfigError
from replication.ecr_semantics import Registry, canonical_json
from replication.model import POLICY_SID, DestinationRegistry, ReplicationModel


def replication_statement(source: Registry, destination: DestinationRegistry) -> dict[str, Any]:
    """The statement that lets the source account replicate into ``destination``.

    It grants ``ecr:CreateRepository`` as well as ``ecr:ReplicateImage`` on the replicated prefixes: without it
    replication fails for every repository that does not exist yet in the destination. In the least-privilege
    mode (``allow_repository_creation`` false) it grants only ``ecr:ReplicateImage``, on exactly the pre-created
    repositories.
    """
    settings = destination.slot.settings
    if settings is not None and not settings.allow_repository_creation:
        actions = ["ecr:ReplicateImage"]
        patterns = list(settings.repositories)
    else:
        actions = list(limits.REPLICATION_ACTIONS)
        patterns = [f"{prefix}*" for prefix in destination.slot.prefixes] or ["*"]
    return {
        "Sid": POLICY_SID,
        "Effect": "Allow",
        "Principal": {"AWS": source.account_root_arn},
        "Action": actions,
        "Resource": [destination.registry.repository_arn(pattern) for pattern in patterns],
    }


def registry_policy_document(model: ReplicationModel, destination: DestinationRegistry) -> str:
    """The whole registry permissions policy of ``destination``: the replication statement plus extra ones."""
    statements = [replication_statement(model.source, destination)]
    statements += [dict(statement) for statement in destination.slot.extra_statements]
    document = canonical_json({"Version": "2012-10-17", "Statement": statements})
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


def _rules(model: ReplicationModel, key: Callable[[str], str]) -> list[dict[str, Any]]:
    """The rules of ``model`` with keys written through ``key`` (snake_case names in, the wanted casing out)."""
    return [
        {
            key("destinations"): [{key("region"): d.region, key("registry_id"): d.account_id} for d in rule.destinations],
            key("repository_filters"): [{key("filter"): p, key("filter_type"): "PREFIX_MATCH"} for p in rule.prefixes],
        }
        for rule in model.rules
    ]


def replication_rules(model: ReplicationModel) -> list[dict[str, Any]]:
    """The rules as AWS's ``describe-registry`` shows them (camelCase keys)."""
    return _rules(model, _camel_case)


def replication_configuration_input(model: ReplicationModel) -> dict[str, Any]:
    """The ``replication_configuration`` input of ``aws.ecr.ReplicationConfiguration`` (snake_case keys)."""
    return {"rules": _rules(model, str)}


def registry_policies(model: ReplicationModel) -> dict[str, str]:
    """Every registry policy the component manages, keyed by registry host."""
    return {d.registry.host: registry_policy_document(model, d) for d in model.destinations if d.needs_registry_policy}


def template_role_trust_policy(account_id: str) -> str:
    """Trust policy of the creation templates' role: ECR, acting for this account only."""
    return canonical_json(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "ecr.amazonaws.com"},
                    "Action": "sts:AssumeRole",
                    "Condition": {"StringEquals": {"aws:SourceAccount": account_id}},
                }
            ],
        }
    )


def template_role_policy(destinations: list[DestinationRegistry]) -> str:
    """Least-privilege permissions of the creation templates' role for one account's destination registries.

    ECR creates the repository (``ecr:CreateRepository``, ``ecr:ReplicateImage``), tags it when templates set tags
    (``ecr:TagResource``) and uses the KMS keys when they encrypt with KMS (grants and ``kms:DescribeKey``).
    """
    needing = [d for d in destinations if d.slot.settings is not None and d.slot.settings.needs_role]
    repositories = sorted(
        {d.registry.repository_arn(f"{prefix}*") for d in needing for prefix in (d.slot.prefixes or ("",))}
    )
    ecr_actions = list(limits.REPLICATION_ACTIONS)
    if any(d.slot.settings.tags for d in needing if d.slot.settings):
        ecr_actions.append("ecr:TagResource")
    statements: list[dict[str, Any]] = [
        {"Sid": "CreateReplicatedRepositories", "Effect": "Allow", "Action": ecr_actions, "Resource": repositories}
    ]
    keys = sorted({key for d in needing if d.slot.settings and (key := d.slot.settings.kms_key_for(d.registry.region))})
    if keys:
        statements += [
            {"Sid": "DescribeRepositoryKeys", "Effect": "Allow", "Action": ["kms:DescribeKey", "kms:RetireGrant"], "Resource": keys},
            {
                "Sid": "GrantRepositoryKeysToEcr",
                "Effect": "Allow",
                "Action": "kms:CreateGrant",
                "Resource": keys,
                "Condition": {"Bool": {"kms:GrantIsForAWSResource": "true"}},
            },
        ]
    return canonical_json({"Version": "2012-10-17", "Statement": statements})
