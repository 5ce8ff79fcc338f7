"""The public arguments of the EcrReplication component.

They are ``TypedDict``s so the component can be served to other Pulumi languages: the schema is inferred from
these hints and the docstring under each field. Fields that decide how many resources exist (destinations,
regions, prefixes, switches) are plain values; the rest may be ``pulumi.Input``.
"""

from typing import Any, NotRequired, TypedDict

import pulumi
import pulumi_aws as aws


class ReplicationDestinationArgs(TypedDict):
    """One destination account of the replication, with the regions its images go to."""

    provider: aws.Provider
    """The explicit aws provider of the destination account. Registry policies are created through it."""

    regions: NotRequired[list[str]]
    """Regions to replicate to in the destination account. Defaults to the provider's own region."""

    account_id: NotRequired[pulumi.Input[str]]
    """The destination account id (12 digits). Looked up through `provider` when absent; an explicit id gives
    earlier validation errors."""

    repository_prefixes: NotRequired[list[str]]
    """Repository name prefixes replicated to this destination, overriding the component's
    `repository_prefixes`. An empty list replicates every repository."""

    manage_registry_policy: NotRequired[bool]
    """Whether the component owns the destination registry permissions policy (default true). Set false when
    the policy is managed elsewhere: it must then grant the source account `ecr:CreateRepository` and
    `ecr:ReplicateImage`."""

    registry_policy_statements: NotRequired[list[dict[str, Any]]]
    """Extra IAM statements merged into the destination registry policy, which the component owns whole
    (a registry has exactly one policy document)."""


class EcrReplicationArgs(TypedDict):
    """Arguments of EcrReplication: where images are replicated from, to where, and which repositories."""

    source_provider: aws.Provider
    """The explicit aws provider of the source account. The replication configuration is created through it."""

    destinations: list[ReplicationDestinationArgs]
    """The destination accounts and their regions (at most 25 unique registries in all)."""

    repository_prefixes: NotRequired[list[str]]
    """Repository name prefixes to replicate (`PREFIX_MATCH`, a plain string prefix: `prod` also matches
    `prod-api`). Absent or empty replicates every repository."""

    source_account_id: NotRequired[pulumi.Input[str]]
    """The source account id (12 digits). Looked up through `source_provider` when absent."""

    source_region: NotRequired[str]
    """The source registry's region. Defaults to the region of `source_provider`."""
