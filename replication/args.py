"""The public arguments of the EcrReplication component.

They are ``TypedDict``s so the component can be served to other Pulumi languages: the schema is inferred from
these hints and the docstring under each field. Fields that decide how many resources exist (destinations,
regions, prefixes, switches) and what is validated before anything is created (prefixes, repository settings,
policy statements) are plain values; account ids may be ``pulumi.Input``.
"""

from typing import Any, NotRequired, TypedDict

import pulumi
import pulumi_aws as aws


class RepositorySettingsArgs(TypedDict):
    """How replicated repositories are configured in a destination registry.
    Replication creates repositories MUTABLE, AES256-encrypted, unscanned and without lifecycle or repository
    policy. These settings reach them through repository creation templates (applied when replication creates a
    repository), the registry scanning configuration (scan on push) and, optionally, pre-created repositories."""

    image_tag_mutability: NotRequired[str]
    """`MUTABLE`, `IMMUTABLE`, `MUTABLE_WITH_EXCLUSION` or `IMMUTABLE_WITH_EXCLUSION`. In a pull-through spoke an
    immutable tag is never refreshed from the upstream (the component warns): override it per spoke, e.g.
    `IMMUTABLE_WITH_EXCLUSION` with the tags that move upstream excluded."""

    image_tag_mutability_exclusion_filters: NotRequired[list[str]]
    """Tag wildcard filters (e.g. `latest`, `dev-*`) exempt from the mutability setting; only with a
    `*_WITH_EXCLUSION` mutability."""

    scan_on_push: NotRequired[bool]
    """Scan images on push in the replicated prefixes (a rule of the destination registry's scanning
    configuration, which the component then owns whole)."""

    encryption_type: NotRequired[str]
    """`AES256` (the default), `KMS` or `KMS_DSSE`."""

    kms_key: NotRequired[str]
    """The KMS key ARN for `KMS`/`KMS_DSSE` encryption. A key lives in one region: it must be the destination
    region's (give KMS keys by region for several regions)."""

    kms_keys: NotRequired[dict[str, str]]
    """KMS key ARNs by destination region, for destinations in several regions."""

    lifecycle_policy: NotRequired[str]
    """A lifecycle policy JSON document for replicated repositories, checked against ECR's lifecycle policy grammar.
    Exclusive with the two helpers below."""

    expire_untagged_after_days: NotRequired[int]
    """Lifecycle helper: expire untagged images this many days after push."""

    keep_last_images: NotRequired[int]
    """Lifecycle helper: keep only this many most recent images."""

    repository_policy: NotRequired[str]
    """A repository policy JSON document for replicated repositories (e.g. let workload accounts pull)."""

    tags: NotRequired[dict[str, str]]
    """Resource tags of replicated repositories."""

    repositories: NotRequired[list[str]]
    """Repositories to create ahead of replication, with the same settings. Each must match a replicated prefix."""

    allow_repository_creation: NotRequired[bool]
    """Whether replication may create repositories (default true). False is the least-privilege mode: the
    registry policy grants only `ecr:ReplicateImage`, on exactly the pre-created `repositories`."""


class ReplicationDestinationArgs(TypedDict):
    """One destination account of the replication, with the regions its images go to."""

    provider: aws.Provider
    """The explicit aws provider of the destination account. Registry policies are created through it."""

    regions: NotRequired[list[str]]
    """Regions to replicate to in the destination account (regions ECR serves, as the installed botocore knows
    them). Defaults to the provider's own region."""

    account_id: NotRequired[pulumi.Input[str]]
    """The destination account id (12 digits). Looked up through `provider` when absent; an explicit id gives
    earlier validation errors."""

    repository_prefixes: NotRequired[list[str]]
    """Repository name prefixes replicated to this destination, overriding the component's
    repository prefixes. An empty list replicates every repository."""

    manage_registry_policy: NotRequired[bool]
    """Whether the component owns the destination registry permissions policy (default true). Set false when
    the policy is managed elsewhere: it must then grant the source account `ecr:CreateRepository` and
    `ecr:ReplicateImage`."""

    registry_policy_statements: NotRequired[list[dict[str, Any]]]
    """Extra IAM statements merged into the destination registry policy, which the component owns whole
    (a registry has exactly one policy document). Only for a cross-account destination whose policy the component
    manages; a Deny that would take away what replication needs is rejected."""

    repository_settings: NotRequired[RepositorySettingsArgs]
    """Settings for this destination's replicated repositories; each field given here overrides the same field
    of the component's repository settings."""


class PullThroughDestinationArgs(TypedDict):
    """A pull-through spoke: registries of one account that serve the replicated images from an upstream registry
    of this component through pull-through cache rules, one per replicated prefix, with the upstream's repository
    names. ECR copies an image into a spoke the first time it is pulled there, so spokes reach any number of
    registries beyond replication's 25, but hold no copy before that pull: no disaster-recovery copy."""

    provider: aws.Provider
    """The explicit aws provider of the spoke account. The pull-through cache rules, the role ECR assumes and the
    repository settings are created through it."""

    regions: NotRequired[list[str]]
    """Spoke regions in the account (regions ECR serves, but not the China and GovCloud regions, which have no pull
    through cache). Defaults to the provider's own region."""

    account_id: NotRequired[pulumi.Input[str]]
    """The spoke account id (12 digits). Looked up through `provider` when absent."""

    upstream: NotRequired[str]
    """The registry the spoke caches from, `ACCOUNT/REGION`: the source registry (the default) or one of this
    component's replication destinations, whose replicated prefixes the spoke caches. In another account, the
    spoke gets a role ECR assumes and the upstream's registry policy grants the spoke account pull access."""

    repository_settings: NotRequired[RepositorySettingsArgs]
    """Settings for the cached repositories (through creation templates applied for pull-through cache); each field
    given here overrides the same field of the component's repository settings."""


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
    """The source account id (12 digits). Looked up through the source provider when absent."""

    source_region: NotRequired[str]
    """The source registry's region. Defaults to the source provider's region."""

    repository_settings: NotRequired[RepositorySettingsArgs]
    """Settings for replicated repositories in every destination registry (a destination may override fields)."""

    pull_through_destinations: NotRequired[list[PullThroughDestinationArgs]]
    """Pull-through spokes: registries in further accounts and regions that cache the replicated images from the
    source or a replication destination on first pull. They don't count toward replication's 25 destinations."""

    manage_source_registry_policy: NotRequired[bool]
    """Whether the component owns the source registry's permissions policy when a spoke in another account caches
    from the source (default true): it then holds the source registry policy statements and the spokes' grants,
    replacing any other policy there (a registry has one; the component warns unless those statements are given).
    Set false when that policy is managed elsewhere: it must grant each spoke account `ecr:BatchGetImage`,
    `ecr:GetDownloadUrlForLayer`, `ecr:BatchImportUpstreamImage` and `ecr:GetImageCopyStatus`."""

    source_registry_policy_statements: NotRequired[list[dict[str, Any]]]
    """Extra IAM statements of the source registry's permissions policy, which the component owns whole when a spoke
    in another account caches from the source: keep the policy's other grants here (given, even empty, the
    component stops warning that its policy replaces the live one). Checked like a destination's registry policy
    statements; a Deny that takes a spoke's grant away is rejected."""

    adopt_existing: NotRequired[bool]
    """Adopt a live setup (default false): the replication configuration, the registry policies, the creation
    templates, the scanning configurations and the spokes' pull-through cache rules get Pulumi's `import` option
    with the id pulumi-aws documents (`<account>@<region>`, `<prefix>@<region>`), so the first `pulumi up` takes
    them into the stack instead of creating them (roles are created). Needs every account id and region explicit,
    the spokes' too. Remove it after that first `up`."""
