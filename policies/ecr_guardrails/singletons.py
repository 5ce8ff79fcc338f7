"""`ecr-replication-single-configuration`: one replication configuration, registry policy and scanning
configuration per registry, because each replaces the whole document of its registry; and one pull-through cache
rule per prefix of a registry."""

from collections.abc import Iterator

from pulumi_policy import EnforcementLevel, StackValidationArgs

from .resource_types import (PULL_THROUGH_CACHE_RULE, REGISTRY_POLICY, REGISTRY_SCANNING_CONFIGURATION,
                             REPLICATION_CONFIGURATION)
from .declare import stack_policy
from .props import text
from .registries import describe
from .stack_index import RegistryResource, StackIndex, group_by_registry, names, on_each

_SINGLETON_TYPES: dict[str, str] = {
    REPLICATION_CONFIGURATION: "ReplicationConfiguration resources (PutReplicationConfiguration)",
    REGISTRY_POLICY: "RegistryPolicy resources (PutRegistryPolicy)",
    REGISTRY_SCANNING_CONFIGURATION: "RegistryScanningConfiguration resources (PutRegistryScanningConfiguration)",
}


def _single_configuration_problems(args: StackValidationArgs, index: StackIndex) -> Iterator[tuple[str, str]]:
    for resource_type, kind in _SINGLETON_TYPES.items():
        for group in group_by_registry(r for r in index.of_type(resource_type) if r.registry).values():
            if len(group) < 2:
                continue
            yield from on_each(group, f"{len(group)} {kind} manage {describe(group[0].registry)} ({names(group)}). Each "
                                      f"replaces the registry's whole document, so they overwrite each other on "
                                      f"every update: merge them into one resource (one EcrReplication component "
                                      f"must own every rule of a source registry).")
    yield from _pull_through_rule_problems(index)


def _pull_through_rule_problems(index: StackIndex) -> Iterator[tuple[str, str]]:
    """A registry holds one pull-through cache rule per prefix (ECR assumes a '/' after it): a second one fails with
    ``PullThroughCacheRuleAlreadyExistsException`` (botocore, ``CreatePullThroughCacheRule``)."""
    by_prefix: dict[tuple[object, str], list[RegistryResource]] = {}
    for rule in index.of_type(PULL_THROUGH_CACHE_RULE):
        prefix = text(rule.resource.props, "ecrRepositoryPrefix")
        if rule.registry is not None and isinstance(prefix, str):
            by_prefix.setdefault((rule.registry, prefix.rstrip("/")), []).append(rule)
    for (_, prefix), group in by_prefix.items():
        if len(group) > 1:
            yield from on_each(group, f"{len(group)} PullThroughCacheRule resources cache prefix {prefix!r} in "
                                      f"{describe(group[0].registry)} ({names(group)}). A registry holds one rule "
                                      f"per prefix, so creating the second fails (PullThroughCacheRuleAlreadyExists"
                                      f"Exception): keep one.")


single_configuration = stack_policy(
    name="ecr-replication-single-configuration",
    description="At most one ReplicationConfiguration, one RegistryPolicy (the source registry's too) and one "
                "RegistryScanningConfiguration per registry (account and region) in a stack: they overwrite each "
                "other; and at most one PullThroughCacheRule per prefix of a registry.",
    level=EnforcementLevel.MANDATORY,
    check=_single_configuration_problems,
)
"""Reports registries whose singleton documents several resources of the stack manage, and pull-through cache rules
of one registry and prefix."""
