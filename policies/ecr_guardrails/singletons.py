"""`ecr-replication-single-configuration`: one replication configuration, registry policy and scanning
configuration per registry, because each replaces the whole document of its registry."""

from collections.abc import Iterator

from pulumi_policy import EnforcementLevel, StackValidationArgs

from .resource_types import REGISTRY_POLICY, REGISTRY_SCANNING_CONFIGURATION, REPLICATION_CONFIGURATION
from .declare import stack_policy
from .registries import describe
from .stack_index import StackIndex, group_by_registry, names, on_each

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


single_configuration = stack_policy(
    name="ecr-replication-single-configuration",
    description="At most one ReplicationConfiguration, one RegistryPolicy and one RegistryScanningConfiguration "
                "per registry (account and region) in a stack: they overwrite each other.",
    level=EnforcementLevel.MANDATORY,
    check=_single_configuration_problems,
)
"""Reports registries whose singleton documents several resources of the stack manage."""
