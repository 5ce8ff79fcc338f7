"""Render every document and input AWS receives from the validated model (registry policies, replication rules,
creation templates, lifecycle policies, the templates' role, scanning rules, and for pull-through spokes their rules,
their role and the upstream's grants).

Pure functions: plain values in, plain dicts or deterministic JSON out (same inputs, same bytes). Nothing here
validates: :mod:`replication.model` and :mod:`replication.repository_settings` checked every value first.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from functools import cache
from typing import Any

from replication import limits
from replication.ecr_semantics import Registry, canonical_json
from replication.model import POLICY_SID, DestinationRegistry, ReplicationModel
from replication.pull_through import GRANT_SID, SpokeRegistry, granted
from replication.repository_settings import RepositorySettings, scanning_filters

TEMPLATE_ROLE_ECR_ACTIONS = ("ecr:CreateRepository", "ecr:ReplicateImage", "ecr:TagResource")
TEMPLATE_ROLE_KMS_ACTIONS = ("kms:CreateGrant", "kms:RetireGrant", "kms:DescribeKey")
"""The permissions of a creation templates' role, as the ECR user guide lists them ("Create a custom policy for
repository creation templates")."""


POLICY_VERSION = "2012-10-17"
"""The IAM policy language version every document here is written in (IAM JSON policy reference, "Version")."""


def policy_document(statements: Sequence[dict[str, Any]]) -> str:
    """An IAM policy of ``statements`` in the current language version, as canonical JSON."""
    return canonical_json({"Version": POLICY_VERSION, "Statement": list(statements)})

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


def pull_through_grants(upstream: Registry, spokes: Sequence[SpokeRegistry]) -> list[dict[str, Any]]:
    """The statement of ``upstream``'s registry policy that lets the accounts of its cross-account spokes cache from
    it (none without such spokes), as the ECR user guide gives it ("Setting up permissions for cross-account ECR to
    ECR PTC", "Creating a resource policy in the upstream Amazon ECR registry": the spoke account's root,
    ``limits.PULL_THROUGH_UPSTREAM_ACTIONS``), for every spoke account at once (the principal lists them; one
    account is named alone, as in the guide), with ``Resource`` narrowed from ``repository/*`` to the repositories
    the spokes cache: every spoke of an upstream caches the prefixes it receives."""
    spokes = granted(spokes, upstream)
    if not spokes:
        return []
    roots = sorted({Registry(s.registry.account_id, upstream.region).account_root_arn for s in spokes})
    return [{
        "Sid": GRANT_SID,
        "Effect": "Allow",
        "Principal": {"AWS": roots[0] if len(roots) == 1 else roots},
        "Action": list(limits.PULL_THROUGH_UPSTREAM_ACTIONS),
        "Resource": sorted({upstream.repository_arn(pattern) for s in spokes for pattern in s.repository_patterns()}),
    }]


def registry_policy_document(source: Registry, destination: DestinationRegistry,
                             spokes: Sequence[SpokeRegistry] = ()) -> str:
    """The whole registry permissions policy of ``destination``: the replication statement (for a cross-account
    destination), the extra statements, then the grants of the spokes that cache from it."""
    statements = [replication_statement(source, destination)] if destination.slot.cross_account else []
    statements += [dict(statement) for statement in destination.slot.extra_statements]
    statements += pull_through_grants(destination.registry, spokes)
    return policy_document(statements)


def registry_policies(model: ReplicationModel) -> dict[str, str]:
    """Every registry policy the component manages, keyed by registry host: each cross-account destination's and
    each destination's a cross-account spoke caches from (where the component manages them), and the source's when
    a cross-account spoke caches from it (unless ``manage_source_registry_policy`` is off): its
    ``source_registry_policy_statements``, then the spokes' grant."""
    policies = {
        d.registry.host: registry_policy_document(model.source, d, model.spokes)
        for d in model.destinations
        if d.slot.manage_registry_policy and (d.slot.cross_account or granted(model.spokes, d.registry))
    }
    source_grants = pull_through_grants(model.source, model.spokes)
    if source_grants and model.manage_source_registry_policy:
        statements = [dict(statement) for statement in model.source_policy_statements] + source_grants
        policies[model.source.host] = policy_document(statements)
    return policies


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


def service_role_trust_policy(service: str) -> str:
    """A trust policy that lets the AWS service ``service`` assume the role, with no condition."""
    return policy_document([{"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}])


def template_role_trust_policy() -> str:
    """The trust policy of the creation templates' role, exactly as the ECR user guide gives it ("Create an IAM role
    for repository creation templates"): ECR may assume it. No condition: no AWS document says which condition
    keys ECR sends when it assumes the role, and one it doesn't send would make every templated repository
    creation fail with nothing but a CloudTrail entry to say why."""
    return service_role_trust_policy("ecr.amazonaws.com")


def pull_through_role_trust_policy() -> str:
    """The trust policy of the role a cross-account spoke's pull-through cache rules name, exactly as the ECR user
    guide gives it ("Setting up permissions for cross-account ECR to ECR PTC", "Creating a Trust policy for the IAM
    role"): ``pullthroughcache.ecr.amazonaws.com`` may assume it, with no condition (none is documented, and one ECR
    doesn't meet would make every cold pull fail)."""
    return service_role_trust_policy(limits.PULL_THROUGH_SERVICE_PRINCIPAL)


def iam_policy_size(document: str) -> int:
    """A policy's size as IAM counts it against its quotas: characters other than white space."""
    return len("".join(document.split()))


TemplateRoleEntry = tuple[Registry, Sequence[str], str | None]
"""A registry whose creation templates use the role: the registry, the repository part of the ARNs of the
repositories the templates may create there (``prod/*``, or exact names), and its repositories' KMS key."""


def _widened_until_it_fits(repositories: dict[Registry, list[str]], render: Callable[[], str]) -> str:
    """``render()``, which lists ``repositories`` (repository ARNs by registry), again with one registry at a time
    widened to all its repositories (``repository/*``), the registry with the most text first, until the policy
    fits a role's inline policy quota (``limits.MAX_ROLE_INLINE_POLICY_CHARS``) or every registry is widened.
    Deterministic: the same repositories, the same document."""
    policy = render()
    for registry in sorted(repositories, key=lambda r: (-sum(map(len, repositories[r])), r)):
        if iam_policy_size(policy) <= limits.MAX_ROLE_INLINE_POLICY_CHARS:
            return policy
        repositories[registry] = [registry.repository_arn("*")]
        policy = render()
    return policy


def template_role_policy(entries: Sequence[TemplateRoleEntry]) -> str:
    """The inline policy of the creation templates' role in one account, for the registries (replication
    destinations, pull-through spokes) whose templates use it.

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
    repositories: dict[Registry, list[str]] = {}
    for registry, patterns, _ in sorted(entries, key=lambda entry: entry[0]):
        repositories.setdefault(registry, [])
        repositories[registry] = sorted({*repositories[registry], *(registry.repository_arn(p) for p in patterns)})
    keys = sorted({key for _, _, key in entries if key is not None})

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
        return policy_document(statements)

    policy = _widened_until_it_fits(repositories, document)
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


AUTHORIZATION_ACTION = "ecr:GetAuthorizationToken"
"""The one action of the pull-through role without a resource type (Service Authorization Reference)."""


def pull_through_role_policy(spokes: Sequence[SpokeRegistry]) -> str:
    """The inline policy of the role ECR assumes for the cross-account spokes of one account.

    The actions are the ECR user guide's ("Setting up permissions for cross-account ECR to ECR PTC", "Creating an IAM
    role to define the pull through cache permissions": ``limits.PULL_THROUGH_ROLE_ACTIONS``, there on ``*``).
    ``ecr:GetAuthorizationToken`` keeps ``*``: the Service Authorization Reference ("Actions, resources, and condition
    keys for Amazon Elastic Container Registry") gives it no resource type. The others are repository actions there,
    and the guide says neither which of them ECR uses on the upstream nor which on the spoke, so each is allowed on
    both: the repositories the spokes cache, in their upstreams and in the spokes themselves (``prod/*``, or
    ``repository/*`` for every repository). Too many of them for IAM's quota widen whole registries, as
    :func:`template_role_policy` does.
    """
    repositories: dict[Registry, list[str]] = {}
    for spoke in sorted(spokes, key=lambda spoke: spoke.registry):
        for registry in (spoke.upstream, spoke.registry):
            arns = {*repositories.get(registry, ()), *(registry.repository_arn(p) for p in spoke.repository_patterns())}
            repositories[registry] = sorted(arns)
    repository_actions = [action for action in limits.PULL_THROUGH_ROLE_ACTIONS if action != AUTHORIZATION_ACTION]

    def document() -> str:
        statements = [
            {"Sid": "AuthenticateToRegistries", "Effect": "Allow", "Action": [AUTHORIZATION_ACTION], "Resource": "*"},
            {"Sid": "CacheUpstreamImages", "Effect": "Allow", "Action": repository_actions,
             "Resource": sorted(arn for arns in repositories.values() for arn in arns)},
        ]
        return policy_document(statements)

    return _widened_until_it_fits(repositories, document)


def pull_through_rule_inputs(prefix: str, upstream_host: Any) -> dict[str, Any]:
    """The inputs of ``aws.ecr.PullThroughCacheRule`` for the cache prefix ``prefix`` of a spoke that caches from the
    registry ``upstream_host`` (the role and the region are wired by the component): the upstream's host as
    ``upstream_registry_url`` (botocore, ``CreatePullThroughCacheRule.upstreamRegistryUrl``:
    ``<accountId>.dkr.ecr.<region>.amazonaws.com`` for ``ecr``; ``Registry.host`` is partition-aware), and the same
    prefix upstream, so a cached repository has the upstream's name. A ``ROOT`` rule names no upstream prefix, which
    defaults to ``ROOT`` and may be set only with another cache prefix (ECR user guide, "Customizing repository
    prefixes for ECR to ECR pull through cache")."""
    return {
        "ecr_repository_prefix": prefix,
        "upstream_registry_url": upstream_host,
        "upstream_repository_prefix": None if prefix == limits.PULL_THROUGH_ROOT_PREFIX else prefix,
    }


TEMPLATE_CREATORS = {limits.APPLIED_FOR_REPLICATION: "replication", limits.APPLIED_FOR_PULL_THROUGH_CACHE:
                     "pull-through cache"}
"""What creates the repositories a template acts for, by ``appliedFor``, as its description says it."""


def template_description(prefix: str, applied_for: str = limits.APPLIED_FOR_REPLICATION) -> str:
    """A creation template's description, shortened to what the Terraform provider accepts."""
    text = f"Settings of repositories that {TEMPLATE_CREATORS[applied_for]} creates under {prefix}"
    if len(text) <= limits.MAX_TEMPLATE_DESCRIPTION_CHARS:
        return text
    return text[: limits.MAX_TEMPLATE_DESCRIPTION_CHARS - 3] + "..."


def creation_template_inputs(settings: RepositorySettings, prefix: str,
                             applied_for: str = limits.APPLIED_FOR_REPLICATION) -> dict[str, Any]:
    """The inputs of ``aws.ecr.RepositoryCreationTemplate`` for ``prefix`` that don't depend on the registry
    (encryption, the role and the region are the registry's): a template acting for ``applied_for``, replication
    (``REPLICATION``) in a destination, pull-through cache (``PULL_THROUGH_CACHE``) in a spoke."""
    return {
        "prefix": prefix,
        "applied_fors": [applied_for],
        "description": template_description(prefix, applied_for),
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
