"""The deploying provider's schema, the second contract: what pulumi-aws refuses at ``pulumi preview``.

pulumi-aws 7.51.1 bridges terraform-provider-aws v6 (its ``upstream`` submodule) and checks every input against
that Terraform schema (list sizes, string lengths and patterns, enums, ``ConflictsWith``, ``CustomizeDiff``) before it
sends any request, so a value AWS's API accepts can still fail ``pulumi preview``. Every input the component declares
must pass both contracts. :data:`CONSTRAINTS` lists, for every resource type the component declares, each constraint
of that schema with its source, AWS's rule next to it and how the component keeps it; ``docs/limits.md`` shows it
(``python -m replication.provider_schema`` prints the table, ``tests/component/test_provider_schema.py`` compares
and tests each constraint at its bound). Limits both products share live in :mod:`replication.limits` (the stricter
value, citing both); the checks only the component needs live here: the IAM names pulumi-aws generates, destination
region names, and the region-in-partition check.

Sources: terraform-provider-aws v6 ``internal/service/ecr/*.go``, ``internal/service/iam/role.go``,
``role_policy.go`` and ``validate.go``, ``internal/verify`` (``regionRegexp``, ``ValidAccountID``),
``internal/provider/sdkv2/region.go``; pulumi-aws ``provider/resource_overrides.go`` and ``provider/autonaming.go``
(autonaming). They were read in the 2026 sources of both repositories: the commit pulumi-aws 7.51.1's ``upstream``
submodule pins could not be resolved here, so the figures the installed pulumi-aws states itself (its SDK
docstrings: rules, destinations per rule, tag filter length and wildcards) are compared by a test, and an upgrade
that changes them fails it.
"""

import re
from dataclasses import dataclass
from typing import Final

from replication.ecr_semantics import partition_of
from replication.errors import ReplicationConfigError
from replication.resource_types import (LIFECYCLE_POLICY, PULL_THROUGH_CACHE_RULE, REGISTRY_POLICY,
                                        REGISTRY_SCANNING_CONFIGURATION, REPLICATION_CONFIGURATION, REPOSITORY,
                                        REPOSITORY_CREATION_TEMPLATE, REPOSITORY_POLICY, ROLE, ROLE_POLICY)

IAM_NAME_PATTERN: Final = re.compile(r"^[\w+=,.@-]+$", re.ASCII)
"""An IAM role or inline policy name: the Terraform schema's ``[\\w+=,.@-]`` (``internal/service/iam/validate.go``,
``validResourceName``; Go's ``\\w`` is ASCII) and IAM's (botocore's IAM model, ``roleNameType`` and
``policyNameType`` patterns)."""

ROLE_NAME_MAX_LENGTH: Final = 64
"""IAM role names (botocore's IAM model, ``roleNameType``; ``internal/service/iam/role.go``, ``roleNameMaxLen``;
pulumi-aws ``provider/resources.go``: ``tfbridge.AutoName("name", 64, "-")``)."""

ROLE_POLICY_NAME_MAX_LENGTH: Final = 128
"""IAM inline policy names (botocore's IAM model, ``policyNameType``; ``internal/service/iam/role_policy.go``,
``rolePolicyNameMaxLen``). pulumi-aws autonames a role policy within 255 characters (``provider/autonaming.go``,
the default for every resource with a ``name`` input), so the schema's 128 binds."""

AUTONAME_SUFFIX_LENGTH: Final = 8
"""What pulumi-aws appends to a resource name when it generates the physical name: ``-`` and 7 random characters
(``tfbridge.AutoName(name, maxlen, "-")``); a generated name longer than the maximum fails ``pulumi preview``."""

REGION_NAME_PATTERN: Final = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d{1,2}$", re.ASCII)
"""A region name as terraform-provider-aws reads one (``internal/verify/validate.go``, ``regionRegexp``): what its
schema takes as a replication destination's region (``replication_configuration.go``, ``destination.region``:
``verify.ValidRegionName``) and what an import id's ``@<region>`` suffix can name (``internal/provider/sdkv2/
region.go``, ``importRegion``; :mod:`replication.adoption`). Narrower than the API's ``[0-9a-z-]{2,25}``:
``eusc-de-east-1`` (the ``aws-eusc`` partition) does not match."""


def check_autonamed_iam_name(component_name: str, resource_name: str, max_length: int, needed_by: str) -> None:
    """Raise naming the component's ``name`` unless the name pulumi-aws generates from ``resource_name`` (a resource
    name made from ``component_name``, then ``-`` and 7 random characters) is an IAM name of at most ``max_length``
    characters; ``needed_by`` says why the resource exists, for the message."""
    if not IAM_NAME_PATTERN.match(resource_name):
        raise ReplicationConfigError(
            "name",
            component_name,
            f"{needed_by}, named after the component ({resource_name!r}), and IAM names (and pulumi-aws's schema) "
            "take only letters, digits and '+=,.@_-': give the component a name without spaces or other characters",
        )
    longest = max_length - AUTONAME_SUFFIX_LENGTH
    if len(resource_name) > longest:
        raise ReplicationConfigError(
            "name",
            component_name,
            f"{needed_by}, and pulumi-aws names it after the component ({resource_name!r}) with "
            f"{AUTONAME_SUFFIX_LENGTH} random characters appended, within IAM's {max_length}-character names: give "
            f"the component a name {len(resource_name) - longest} character(s) shorter",
        )


def check_destination_region(field: str, region: str) -> None:
    """Raise naming ``field`` when pulumi-aws's schema refuses ``region`` as a replication destination."""
    if not REGION_NAME_PATTERN.match(region):
        raise ReplicationConfigError(
            field,
            region,
            "pulumi-aws 7.51.1 refuses this region as a replication destination (its schema takes only names like "
            "'us-west-2', verify.ValidRegionName), although ECR serves it: replicate to it outside pulumi-aws",
        )


def region_partition_problem(region: str, provider_region: str) -> str | None:
    """Why pulumi-aws refuses a resource in ``region`` declared through a provider configured for
    ``provider_region``, or ``None``: a resource's ``region`` must lie in its provider's partition
    (``internal/provider/sdkv2/region.go``, ``validateRegionInPartition``, a ``CustomizeDiff`` check: "partition
    (...) for per-resource Region (...) is not the provider's configured partition (...)")."""
    wanted, configured = partition_of(region).name, partition_of(provider_region).name
    if wanted == configured:
        return None
    return (
        f"this region is in partition {wanted}, but the provider it goes through is configured for "
        f"{provider_region} (partition {configured}), and pulumi-aws refuses a resource whose region lies in another "
        f"partition than its provider's: give it a provider whose region is in {wanted}"
    )


@dataclass(frozen=True)
class SchemaConstraint:
    """One constraint of the Terraform schema on an input the component sends, next to AWS's rule."""

    argument: str
    """The pulumi-aws input (engine name; ``[]`` marks list items)."""
    provider: str
    """What the Terraform schema accepts."""
    aws: str
    """What AWS accepts (botocore's model or an AWS document); empty when AWS states nothing of its own."""
    kept: str
    """How the component keeps within both."""


_REGION = SchemaConstraint(
    "region",
    "in the provider's partition (`sdkv2/region.go`, `validateRegionInPartition`, CustomizeDiff)",
    "",
    "refused, naming the region argument, when the provider's `region` lies in another partition",
)
_POLICY_JSON = "valid JSON (`validation.StringIsJSON`)"

CONSTRAINTS: Final[dict[str, tuple[SchemaConstraint, ...]]] = {
    REPLICATION_CONFIGURATION: (
        SchemaConstraint("replicationConfiguration", "at most 1 (`MaxItems: 1`)", "one per registry",
                         "exactly one"),
        SchemaConstraint("replicationConfiguration.rules", "1 to 10 (`MaxItems: 10`)", "at most 25",
                         "`limits.MAX_RULES` = 10: refused past it (one rule per distinct prefix set)"),
        SchemaConstraint("rules[].destinations", "1 to 25 (`MaxItems: 25`)", "at most 100 per rule, 25 unique "
                         "per registry (service quota)", "`limits.MAX_UNIQUE_DESTINATIONS` = 25 bounds every rule"),
        SchemaConstraint("rules[].destinations[].region", "`^[a-z]{2}(-[a-z]+)+-\\d{1,2}$` (`verify.ValidRegionName`)",
                         "`[0-9a-z-]{2,25}`, a region ECR serves", "refused unless both match (`eusc-de-east-1` "
                         "doesn't); regions from botocore's endpoint data"),
        SchemaConstraint("rules[].destinations[].registryId", "`^\\d{12}$` (`verify.ValidAccountID`)", "`[0-9]{12}`",
                         "12 digits, given as a string"),
        SchemaConstraint("rules[].repositoryFilters", "1 to 100 (`MinItems: 1`, `MaxItems: 100`)", "1 to 100",
                         "`limits.MAX_FILTERS_PER_RULE`; left out for a rule without prefixes"),
        SchemaConstraint("rules[].repositoryFilters[].filter", "any string", "2 to 256 characters, repository-name "
                         "pattern", "`limits.FILTER_*`"),
        SchemaConstraint("rules[].repositoryFilters[].filterType", "`RepositoryFilterType` enum", "`PREFIX_MATCH`",
                         "always `PREFIX_MATCH`"),
        _REGION,
    ),
    REGISTRY_POLICY: (
        SchemaConstraint("policy", _POLICY_JSON, "at most 10,240 characters", "canonical JSON, size checked"),
        _REGION,
    ),
    REPOSITORY_CREATION_TEMPLATE: (
        SchemaConstraint("prefix", "2 to 256 characters, `ROOT` or a repository name", "1 to 256, same pattern "
                         "(a trailing `/` allowed)", "`ROOT` or a whole path segment of a prefix, 2 to 256 characters"),
        SchemaConstraint("appliedFors", "at least 1 (`MinItems: 1`), `RCTAppliedFor` enum", "`RCTAppliedFor` enum",
                         "`[\"REPLICATION\"]`"),
        SchemaConstraint("description", "0 to 255 characters", "at most 256",
                         "`limits.MAX_TEMPLATE_DESCRIPTION_CHARS` = 255: shortened to fit"),
        SchemaConstraint("encryptionConfigurations[].encryptionType", "`EncryptionType` enum", "`AES256`, `KMS`, "
                         "`KMS_DSSE`", "`limits.ENCRYPTION_TYPES`"),
        SchemaConstraint("customRoleArn", "an ARN (`verify.ValidARN`)", "at most 2,048", "the templates' role's ARN"),
        SchemaConstraint("imageTagMutability", "`ImageTagMutability` enum", "same enum", "`limits.IMAGE_TAG_MUTABILITIES`"),
        SchemaConstraint("imageTagMutabilityExclusionFilters", "at most 5 (`MaxItems: 5`)", "at most 5",
                         "`limits.MAX_TAG_FILTERS`"),
        SchemaConstraint("imageTagMutabilityExclusionFilters[].filter", "1 to 128 of `[a-zA-Z0-9._*-]`, at most 2 `*` "
                         "(`validateImageTagMutabilityExclusionFilter`)", "1 to 128, same characters, any `*`",
                         "`limits.TAG_FILTER_PATTERN`, `limits.MAX_TAG_FILTER_WILDCARDS` = 2"),
        SchemaConstraint("imageTagMutabilityExclusionFilters[].filterType", "`ImageTagMutabilityExclusionFilterType` "
                         "enum", "`WILDCARD`", "always `WILDCARD`"),
        SchemaConstraint("lifecyclePolicy", _POLICY_JSON, "100 to 30,720 characters, lifecycle grammar",
                         "`lifecycle_policy.py` checks the grammar and size"),
        SchemaConstraint("repositoryPolicy", "an IAM policy document", "at most 10,240 characters",
                         "evaluated as IAM does, size checked"),
        SchemaConstraint("resourceTags", "a map of strings", "tags", "strings only"),
        _REGION,
    ),
    REGISTRY_SCANNING_CONFIGURATION: (
        SchemaConstraint("scanType", "`ScanType` enum", "`BASIC`, `ENHANCED`", "always `BASIC`"),
        SchemaConstraint("rules", "at most 100 (`MaxItems: 100`)", "at most 2", "exactly one rule"),
        SchemaConstraint("rules[].repositoryFilters", "at least 1 (`MinItems: 1`)", "at most 100",
                         "one per replicated prefix (at most 100), or `*`"),
        SchemaConstraint("rules[].repositoryFilters[].filter", "1 to 256 characters, `^[0-9a-z*](?:[0-9a-z_./*-]?"
                         "[0-9a-z*]+)*$`", "1 to 255, same pattern", "`limits.SCANNING_FILTER_*` (255): refused "
                         "otherwise"),
        SchemaConstraint("rules[].repositoryFilters[].filterType", "`ScanningRepositoryFilterType` enum", "`WILDCARD`",
                         "always `WILDCARD`"),
        SchemaConstraint("rules[].scanFrequency", "`ScanFrequency` enum", "same enum", "always `SCAN_ON_PUSH`"),
        _REGION,
    ),
    REPOSITORY: (
        SchemaConstraint("name", "any string (required)", "2 to 256 characters, repository-name pattern",
                         "`limits.REPOSITORY_NAME_*`"),
        SchemaConstraint("encryptionConfigurations[].encryptionType", "`EncryptionType` enum", "same enum",
                         "`limits.ENCRYPTION_TYPES`"),
        SchemaConstraint("imageTagMutability", "`ImageTagMutability` enum", "same enum",
                         "`limits.IMAGE_TAG_MUTABILITIES`"),
        SchemaConstraint("imageTagMutabilityExclusionFilters", "at most 5; 1 to 128 of `[a-zA-Z0-9._*-]`, at most 2 `*`",
                         "at most 5, any `*`", "as for templates"),
        SchemaConstraint("imageTagMutabilityExclusionFilters", "only with a `*_WITH_EXCLUSION` mutability "
                         "(`validateImageTagMutabilityExclusionFilterUsage`, CustomizeDiff)", "same",
                         "refused otherwise, naming the setting"),
        SchemaConstraint("imageScanningConfiguration", "at most 1 (`MaxItems: 1`)", "", "exactly one"),
        _REGION,
    ),
    LIFECYCLE_POLICY: (
        SchemaConstraint("policy", _POLICY_JSON, "100 to 30,720 characters, lifecycle grammar",
                         "the templates' lifecycle policy"),
        _REGION,
    ),
    REPOSITORY_POLICY: (
        SchemaConstraint("policy", _POLICY_JSON, "at most 10,240 characters", "the templates' repository policy"),
        _REGION,
    ),
    PULL_THROUGH_CACHE_RULE: (
        SchemaConstraint("ecrRepositoryPrefix", "2 to 30 characters, `ROOT` or path segments joined by single `.`, "
                         "`_` or `-` (`validation.StringMatch`)", "2 to 30 characters or `ROOT`, also doubled `__` "
                         "and `--` (`PullThroughCacheRuleRepositoryPrefix`)",
                         "a replicated prefix ending in `/`, as a path segment: both patterns "
                         "(`limits.is_pull_through_prefix`), else refused naming the prefix"),
        SchemaConstraint("upstreamRepositoryPrefix", "as `ecrRepositoryPrefix`", "as `ecrRepositoryPrefix`; only with "
                         "a non-`ROOT` cache prefix", "the same prefix as the cache's, left out for `ROOT`"),
        SchemaConstraint("upstreamRegistryUrl", "a string (required)", "the upstream registry's host",
                         "the upstream's host in its partition (`ecr_semantics`)"),
        SchemaConstraint("customRoleArn", "an ARN (`verify.ValidARN`)", "at most 2,048 (`CustomRoleArn`)",
                         "the spokes' role's ARN for a cross-account spoke; left out in the upstream's account"),
        _REGION,
    ),
    ROLE: (
        SchemaConstraint("name", "1 to 64 of `[\\w+=,.@-]` (`validResourceName(roleNameMaxLen)`), `ConflictsWith` "
                         "`namePrefix`; pulumi-aws generates `<resource name>-<7 random>` within 64",
                         "1 to 64, same characters", "neither given: the component's name is checked so that the "
                         "role's resource name plus 8 fits, without spaces"),
        SchemaConstraint("description", "0 to 1,000 characters, no `“` or `‘`", "at most 1,000",
                         "a fixed text, well within"),
        SchemaConstraint("assumeRolePolicy", _POLICY_JSON, "an IAM policy", "the ECR user guide's trust policy"),
    ),
    ROLE_POLICY: (
        SchemaConstraint("name", "1 to 128 of `[\\w+=,.@-]` (`validRolePolicyName`), `ConflictsWith` `namePrefix`; "
                         "pulumi-aws generates `<resource name>-<7 random>` within 255", "1 to 128, same characters",
                         "neither given: the component's name is checked so that the policy's resource name plus 8 "
                         "fits in 128"),
        SchemaConstraint("policy", "an IAM policy document (`verify.ValidIAMPolicyJSON`)", "a role's inline policies "
                         "total 10,240 characters (IAM quotas)", "`limits.MAX_ROLE_INLINE_POLICY_CHARS`: resources "
                         "widened to fit"),
    ),
}
"""Every Terraform-schema constraint on an input the component sends, by the type token of the resource."""


def markdown_table() -> str:
    """The table of :data:`CONSTRAINTS` in docs/limits.md."""
    rows = ["| resource | input | pulumi-aws 7.51.1 (Terraform schema) | AWS | the component |", "|---|---|---|---|---|"]
    for type_token, constraints in CONSTRAINTS.items():
        resource = type_token.rsplit(":", 1)[-1]
        module = type_token.split(":")[1].split("/")[0]
        for constraint in constraints:
            rows.append(f"| `{module}.{resource}` | `{constraint.argument}` | {constraint.provider} | "
                        f"{constraint.aws or '—'} | {constraint.kept} |")
    return "\n".join(rows) + "\n"


def main() -> None:
    """Print the table for docs/limits.md."""
    print(markdown_table(), end="")


if __name__ == "__main__":
    main()
