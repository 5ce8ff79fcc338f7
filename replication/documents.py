"""Render every document and input AWS receives from the validated model (registry policies, replication rules,
creation templates, lifecycle policies, the templates' role, scanning rules).

Pure functions: plain values in, plain dicts or deterministic JSON out (same inputs, same bytes). Nothing here
validates: :mod:`replication.model` and :mod:`replication.repository_settings` checked every value first.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache
from typing import Any

from replication import limits
from replication.ecr_semantics import Registry, canonical_json
from replication.model import POLICY_SID, DestinationRegistry, ReplicationModel
from replication.repository_settings import RepositorySettings, scanning_filters

TEMPLATE_ROLE_ECR_ACTIONS = ("ecr:CreateRepository", "ecr:ReplicateImage", "ecr:TagResource")
TEMPLATE_ROLE_KMS_ACTIONS = ("kms:CreateGrant", "kms:RetireGrant", "kms:DescribeKey")
"""The permissions of a creation templates' role, as the ECR user guide lists them ("Create a custom policy for
repository creation templates")."""


def replication_statement(source: Registry, destination: DestinationRegistry) -> dict[str, Any]:
    """The statement that lets the source account replicate into ``destination`` (see ``DestinationRegistry.grant``).

    Without ``ecr:CreateRepository`` replication fails for every repository that does not exist yet in the
    destination, so it is granted unless every replicated repository is pre-created (least-privilege mode).
    """
    grant = destination.grant
    repositories = destination.registry.repository_arn("")
    return {
        "Sid": POLICY_SID,
        "Effect": "Allow",
        "Principal": {"AWS": source.account_root_arn},
        "Action": list(grant.actions),
        "Resource": [repositories + pattern for pattern in grant.name_patterns()],
    }


def registry_policy_document(source: Registry, destination: DestinationRegistry) -> str:
    """The whole registry permissions policy of ``destination``: the replication statement, then the extra ones."""
    statements = [replication_statement(source, destination)]
    statements += [dict(statement) for statement in destination.slot.extra_statements]
    return canonical_json({"Version": "2012-10-17", "Statement": statements})


def registry_policies(model: ReplicationModel) -> dict[str, str]:
    """Every registry policy the component manages, keyed by registry host."""
    return {
        d.registry.host: registry_policy_document(model.source, d) for d in model.destinations if d.needs_registry_policy
    }


def replication_rules(model: ReplicationModel) -> list[dict[str, Any]]:
    """The rules as AWS JSON, exactly as ``aws ecr describe-registry`` shows them (a rule replicating every
    repository has no ``repositoryFilters``: the API takes 1 to 100 filters or none)."""
    return [rule.as_api() for rule in model.rules]


def replication_configuration_input(model: ReplicationModel) -> dict[str, Any]:
    """The ``replication_configuration`` input of ``aws.ecr.ReplicationConfiguration``.

    The same AWS JSON as :func:`replication_rules` with snake_case keys, the names pulumi-aws's input types use
    (``registryId`` -> ``registry_id``); the SDK camel-cases them again on the wire, where they are AWS's names.
    """
    return {"rules": _snake_case_keys(replication_rules(model))}


@cache
def _snake_case(key: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", key).lower()


def _snake_case_keys(value: Any) -> Any:
    if isinstance(value, dict):
        return {_snake_case(key): _snake_case_keys(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_snake_case_keys(item) for item in value]
    return value


def template_role_trust_policy() -> str:
    """The trust policy of the creation templates' role, exactly as the ECR user guide gives it ("Create an IAM role
    for repository creation templates"): ECR may assume it. No condition: no AWS document says which condition
    keys ECR sends when it assumes the role, and one it doesn't send would make every templated repository
    creation fail with nothing but a CloudTrail entry to say why."""
    return canonical_json(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": {"Service": "ecr.amazonaws.com"}, "Action": "sts:AssumeRole"}],
        }
    )


def iam_policy_size(document: str) -> int:
    """A policy's size as IAM counts it against its quotas: characters other than white space."""
    return len("".join(document.split()))


def template_role_policy(destinations: Sequence[DestinationRegistry]) -> str:
    """The inline policy of the creation templates' role in one account, for the destinations whose templates use it.

    The statements are the ECR user guide's ("Create a custom policy for repository creation templates"), with
    ``Resource`` narrowed from ``*``: the Service Authorization Reference gives ``repository`` as the resource type
    of ``ecr:CreateRepository``, ``ecr:ReplicateImage`` and ``ecr:TagResource``, and ``key`` as that of
    ``kms:CreateGrant``, ``kms:RetireGrant`` and ``kms:DescribeKey`` ("Actions, resources, and condition keys for
    Amazon Elastic Container Registry" / "... for AWS Key Management Service").

    A role's inline policies may hold 10,240 characters (``limits.MAX_ROLE_INLINE_POLICY_CHARS``), so the policy
    lists the narrowest resources that fit: each replicated prefix of each registry; when that is too large, whole
    registries (``repository/*``) one at a time, the registry with the most text first; and last, if still too
    large, KMS keys by region and account (``key/*``). Deterministic: same destinations, same document.
    """
    needing = [d for d in destinations if d.slot.settings is not None and d.slot.settings.needs_role]
    repositories = {
        d.registry: sorted({d.registry.repository_arn("") + pattern for pattern in d.grant.name_patterns()})
        for d in sorted(needing, key=lambda d: d.registry)
    }
    keys = sorted({d.kms_key for d in needing if d.kms_key is not None})

    def document() -> str:
        statements: list[dict[str, Any]] = [
            {
                "Sid": "CreateReplicatedRepositories",
                "Effect": "Allow",
                "Action": list(TEMPLATE_ROLE_ECR_ACTIONS),
                "Resource": sorted(arn for arns in repositories.values() for arn in arns),
            }
        ]
        if keys:
            statements.append(
                {"Sid": "UseRepositoryKeys", "Effect": "Allow", "Action": list(TEMPLATE_ROLE_KMS_ACTIONS), "Resource": keys}
            )
        return canonical_json({"Version": "2012-10-17", "Statement": statements})

    policy = document()
    for registry in sorted(repositories, key=lambda r: (-sum(map(len, repositories[r])), r)):
        if iam_policy_size(policy) <= limits.MAX_ROLE_INLINE_POLICY_CHARS:
            return policy
        repositories[registry] = [registry.repository_arn("*")]
        policy = document()
    if iam_policy_size(policy) > limits.MAX_ROLE_INLINE_POLICY_CHARS:
        keys = sorted({":".join(key.split(":")[:5]) + ":key/*" for key in keys})
        policy = document()
    return policy


def lifecycle_policy(settings: RepositorySettings) -> str | None:
    """The lifecycle policy of replicated repositories: the one given, or the one the two helpers make (expire
    untagged images N days after push, then keep the last N images, in that priority)."""
    if settings.lifecycle_policy is not None:
        return settings.lifecycle_policy
    rules: list[dict[str, Any]] = []
    if settings.expire_untagged_after_days is not None:
        days = settings.expire_untagged_after_days
        rules.append(
            {
                "description": f"Expire untagged images {days} days after push",
                "selection": {"tagStatus": "untagged", "countType": "sinceImagePushed", "countUnit": "days",
                              "countNumber": days},
                "action": {"type": "expire"},
            }
        )
    if settings.keep_last_images is not None:
        count = settings.keep_last_images
        rules.append(
            {
                "description": f"Keep the last {count} images",
                "selection": {"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": count},
                "action": {"type": "expire"},
            }
        )
    for priority, rule in enumerate(rules, start=1):
        rule["rulePriority"] = priority
    return canonical_json({"rules": rules}) if rules else None


def encryption_configurations(settings: RepositorySettings, kms_key: str | None) -> list[dict[str, str]] | None:
    """The ``encryption_configurations`` input of templates and repositories, with the registry's KMS key."""
    if settings.encryption_type is None:
        return None
    configuration = {"encryption_type": settings.encryption_type}
    if kms_key is not None:
        configuration["kms_key"] = kms_key
    return [configuration]


def exclusion_filters(settings: RepositorySettings) -> list[dict[str, str]] | None:
    """The ``image_tag_mutability_exclusion_filters`` input of templates and repositories."""
    if not settings.mutability_exclusion_filters:
        return None
    return [{"filter": f, "filter_type": "WILDCARD"} for f in settings.mutability_exclusion_filters]


def template_description(prefix: str) -> str:
    """A creation template's description, shortened to what the Terraform provider accepts."""
    text = f"Settings of repositories that replication creates under {prefix}"
    if len(text) <= limits.MAX_TEMPLATE_DESCRIPTION_CHARS:
        return text
    return text[: limits.MAX_TEMPLATE_DESCRIPTION_CHARS - 3] + "..."


def creation_template_inputs(settings: RepositorySettings, prefix: str) -> dict[str, Any]:
    """The inputs of ``aws.ecr.RepositoryCreationTemplate`` for ``prefix`` that don't depend on the registry
    (encryption, the role and the region are the registry's)."""
    return {
        "prefix": prefix,
        "applied_fors": [limits.APPLIED_FOR_REPLICATION],
        "description": template_description(prefix),
        "image_tag_mutability": settings.image_tag_mutability,
        "image_tag_mutability_exclusion_filters": exclusion_filters(settings),
        "lifecycle_policy": lifecycle_policy(settings),
        "repository_policy": settings.repository_policy,
        "resource_tags": dict(settings.tags) or None,
    }


def repository_inputs(settings: RepositorySettings, name: str) -> dict[str, Any]:
    """The inputs of a pre-created ``aws.ecr.Repository`` that don't depend on the registry."""
    return {
        "name": name,
        "image_tag_mutability": settings.image_tag_mutability,
        "image_tag_mutability_exclusion_filters": exclusion_filters(settings),
        "image_scanning_configuration": {"scan_on_push": settings.scan_on_push},
        "tags": dict(settings.tags) or None,
    }


def scanning_rules(prefixes: tuple[str, ...]) -> list[dict[str, Any]]:
    """The ``rules`` input of ``aws.ecr.RegistryScanningConfiguration``: scan the replicated prefixes on push."""
    filters = [{"filter": f, "filter_type": "WILDCARD"} for f in scanning_filters(prefixes)]
    return [{"scan_frequency": "SCAN_ON_PUSH", "repository_filters": filters}]
