"""`ecr-replication-single-configuration`: one replication configuration, registry policy and scanning
configuration per registry, because each replaces the whole document of its registry."""

from pulumi_policy import EnforcementLevel, ReportViolation, StackValidationArgs, StackValidationPolicy

from .aws_facts import REGISTRY_POLICY, REGISTRY_SCANNING_CONFIGURATION, REPLICATION_CONFIGURATION
from .stack_index import StackIndex, group_by_registry

_SINGLETON_TYPES: dict[str, str] = {
    REPLICATION_CONFIGURATION: "ReplicationConfiguration resources (PutReplicationConfiguration)",
    REGISTRY_POLICY: "RegistryPolicy resources (PutRegistryPolicy)",
    REGISTRY_SCANNING_CONFIGURATION: "RegistryScanningConfiguration resources (PutRegistryScanningConfiguration)",
}


def _check_single_configuration(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    index = StackIndex(args.resources)
    for resource_type, kind in _SINGLETON_TYPES.items():
        for group in group_by_registry(r for r in index.of_type(resource_type) if r.registry).values():
            if len(group) < 2:
                continue
            names = ", ".join(r.resource.name for r in group)
            for member in group:
                report_violation(
                    f"{len(group)} {kind} manage {member.registry} ({names}). Each replaces the registry's whole "
                    f"document, so they overwrite each other on every update: merge them into one resource "
                    f"(one EcrReplication component must own every rule of a source registry).",
                    member.resource.urn)


single_configuration = StackValidationPolicy(
    name="ecr-replication-single-configuration",
    description="At most one ReplicationConfiguration, one RegistryPolicy and one RegistryScanningConfiguration "
                "per registry (account and region) in a stack: they overwrite each other.",
    enforcement_level=EnforcementLevel.MANDATORY,
    validate=_check_single_configuration,
)
"""Reports registries whose singleton documents several resources of the stack manage."""
