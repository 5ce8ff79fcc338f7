"""AWS limits and name patterns for ECR replication, in one place.

Where botocore's ECR service model (``botocore/data/ecr/2015-09-21/service-2.json``, the API model AWS publishes)
states a limit or a pattern, the value here is that one, word for word: ``tests/component/test_limits.py`` fails
when the model and this file disagree. Limits the model doesn't state cite the AWS document they come from. Where the
Terraform schema that pulumi-aws bridges is stricter than the API (what ``pulumi preview`` refuses before any request
is sent), the value is the stricter one, citing both (``replication/provider_schema.py`` lists that schema's
constraints for every resource type the component declares).
Nothing here imports Pulumi. The policy pack carries a byte-identical copy (``policies/ecr_guardrails/limits.py``,
kept so by ``tests/test_shared_copies.py``; ``make pack-copies`` refreshes it).
"""

import re
from typing import Final

MAX_UNIQUE_DESTINATIONS: Final = 25
"""Unique (region, registry id) destinations across all rules of one source registry. A service quota, not in the
API model: ECR user guide, "Private image replication in Amazon ECR", considerations."""

MAX_RULES: Final = 10
"""Rules in one replication configuration: the stricter of the two contracts. The API allows 25 (model:
``ReplicationRuleList`` max); the Terraform schema pulumi-aws 7.51.1 bridges allows 10 (terraform-provider-aws,
``internal/service/ecr/replication_configuration.go``, ``rule`` ``MaxItems: 10``; pulumi-aws's SDK docstring: "A
maximum of 10 are allowed per `replication_configuration`"), so an 11th rule fails ``pulumi preview``."""

MAX_FILTERS_PER_RULE: Final = 100
"""Repository filters in one rule (model: ``RepositoryFilterList`` max)."""

FILTER_MIN_LENGTH: Final = 2
FILTER_MAX_LENGTH: Final = 256
"""Length bounds of a ``PREFIX_MATCH`` filter value (model: ``RepositoryFilterValue``)."""

FILTER_PATTERN: Final = re.compile(r"^(?:[a-z0-9]+(?:[._-][a-z0-9]*)*/)*[a-z0-9]*(?:[._-][a-z0-9]*)*$")
"""A repository filter value (model: ``RepositoryFilterValue`` pattern)."""

ACCOUNT_ID_PATTERN: Final = re.compile(r"^(?:[0-9]{12})$")
"""An AWS account id, the registry id of a private registry (model: ``RegistryId`` pattern)."""

REGION_PATTERN: Final = re.compile(r"^(?:[0-9a-z-]{2,25})$")
"""A replication destination region (model: ``Region`` pattern)."""

MAX_REGISTRY_POLICY_CHARS: Final = 10_240
"""Largest registry permissions policy document (model: ``RegistryPolicyText`` max)."""

MAX_REPOSITORY_POLICY_CHARS: Final = 10_240
"""Largest repository policy document (model: ``RepositoryPolicyText`` max)."""

LIFECYCLE_POLICY_MIN_CHARS: Final = 100
LIFECYCLE_POLICY_MAX_CHARS: Final = 30_720
"""Length bounds of a lifecycle policy document (model: ``LifecyclePolicyText``)."""

LIFECYCLE_MAX_TAG_PATTERN_WILDCARDS: Final = 4
"""Wildcards (*) in one ``tagPatternList`` string of a lifecycle rule (ECR user guide, "Lifecycle policy properties
in Amazon ECR", tagPatternList: at most four wildcards per string)."""

MAX_TEMPLATE_DESCRIPTION_CHARS: Final = 255
"""Longest creation template description. The API allows 256 (model: ``RepositoryTemplateDescription``), but the
Terraform provider under pulumi-aws validates 0 to 255 (terraform-provider-aws,
``internal/service/ecr/repository_creation_template.go``), so 256 would fail ``pulumi preview``."""

REPLICATION_ACTIONS: Final = ("ecr:CreateRepository", "ecr:ReplicateImage")
"""What a destination registry policy grants the source account: without ``ecr:CreateRepository`` replication
fails for every repository that does not exist yet in the destination."""

REPOSITORY_NAME_MIN_LENGTH: Final = 2
REPOSITORY_NAME_MAX_LENGTH: Final = 256
REPOSITORY_NAME_PATTERN: Final = re.compile(r"^(?:[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(\/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)*)$")
"""A repository name (model: ``RepositoryName``); also what a creation template prefix, less its implied '/',
must be."""

TAG_FILTER_PATTERN: Final = re.compile(r"^[0-9a-zA-Z._*-]{1,128}$")
"""An image tag mutability exclusion filter (model: ``ImageTagMutabilityExclusionFilterValue`` pattern)."""

MAX_TAG_FILTERS: Final = 5
"""Image tag mutability exclusion filters per repository or template (model: ``ImageTagMutabilityExclusionFilters``
max)."""

MAX_TAG_FILTER_WILDCARDS: Final = 2
"""Wildcards (*) allowed in one tag mutability exclusion filter (not in the API model; the Terraform provider under
pulumi-aws rejects more: terraform-provider-aws, ``internal/service/ecr/repository.go``,
``validateImageTagMutabilityExclusionFilter``)."""

IMAGE_TAG_MUTABILITIES: Final = ("MUTABLE", "IMMUTABLE", "MUTABLE_WITH_EXCLUSION", "IMMUTABLE_WITH_EXCLUSION")
"""Values of a repository's image tag mutability (model: ``ImageTagMutability`` enum)."""

APPLIED_FOR_REPLICATION: Final = "REPLICATION"
"""The ``appliedFor`` value of a creation template that acts when replication creates a repository (model:
``RCTAppliedFor`` enum)."""

DEFAULT_IMAGE_TAG_MUTABILITY: Final = "MUTABLE"
"""What a repository gets when its creation template (or ``CreateRepository``) names no tag mutability (model:
``CreateRepositoryCreationTemplate`` and ``CreateRepository``, ``imageTagMutability``: "If this parameter is omitted,
the default setting of MUTABLE will be used")."""

ENCRYPTION_TYPES: Final = ("AES256", "KMS", "KMS_DSSE")
"""Values of a repository's encryption type (model: ``EncryptionType`` enum)."""

DEFAULT_ENCRYPTION_TYPE: Final = "AES256"
"""What a repository is encrypted with when its creation template (or ``CreateRepository``) names no encryption
(model: ``EncryptionConfiguration``: "By default, when no encryption configuration is set or the AES256 encryption
type is used, Amazon ECR uses server-side encryption with Amazon S3-managed encryption keys"; ECR user guide,
"Manage your repository creation templates": without a matching template ECR uses default settings, which
"include turning off tag immutability, using AES-256 encryption")."""

KMS_ENCRYPTION_TYPES: Final = ("KMS", "KMS_DSSE")
"""Encryption types backed by a KMS key."""

IMMUTABLE_TAG_SETTINGS: Final = ("IMMUTABLE", "IMMUTABLE_WITH_EXCLUSION")
"""Tag mutability settings that keep a replicated tag pointing at one image."""

SCAN_ON_PUSH_FREQUENCIES: Final = ("SCAN_ON_PUSH", "CONTINUOUS_SCAN")
"""Registry scanning frequencies that scan an image when it arrives (continuous scanning also scans on push)."""

KMS_KEY_ARN_PATTERN: Final = re.compile(r"^arn:aws[a-z0-9-]*:kms:(?P<region>[a-z0-9-]+):(?P<account>[0-9]{12}):key/[a-z0-9-]+$")
"""A KMS key ARN, as a creation template takes it (model: ``KmsKeyForRepositoryCreationTemplate`` pattern, no
alias), with named groups: the key's region must be the destination repository's."""

KMS_KEY_MAX_LENGTH: Final = 2048
"""Longest KMS key ARN (model: ``KmsKeyForRepositoryCreationTemplate`` max)."""

SCANNING_FILTER_PATTERN: Final = re.compile(r"^[a-z0-9*](?:[._\-/a-z0-9*]?[a-z0-9*]+)*$")
SCANNING_FILTER_MAX_LENGTH: Final = 255
"""A registry scanning rule's ``WILDCARD`` repository filter (model: ``ScanningRepositoryFilterValue``)."""

MAX_ROLE_INLINE_POLICY_CHARS: Final = 10_240
"""The total size of a role's inline policies, white space not counted (IAM user guide, "IAM and AWS STS quotas",
character limits: "Role policy size cannot exceed 10,240 characters"; botocore's IAM model allows 131,072 per
document, the quota is what IAM enforces)."""

# Pull-through cache from another private ECR registry (the pull-through spokes).

PULL_THROUGH_ROOT_PREFIX: Final = "ROOT"
"""The pull-through cache prefix that stands for every repository (model: ``PullThroughCacheRuleRepositoryPrefix``
pattern's ``ROOT`` alternative; ECR user guide, "Customizing repository prefixes for ECR to ECR pull through
cache": the upstream prefix "can be set only when the Amazon ECR repository prefix has a non-ROOT value")."""

PULL_THROUGH_PREFIX_MIN_LENGTH: Final = 2
PULL_THROUGH_PREFIX_MAX_LENGTH: Final = 30
"""Length bounds of a pull-through cache rule's ``ecrRepositoryPrefix`` and ``upstreamRepositoryPrefix``: the same in
the API (model: ``PullThroughCacheRuleRepositoryPrefix``, min 2, max 30) and in the Terraform provider under
pulumi-aws (terraform-provider-aws, ``internal/service/ecr/pull_through_cache_rule.go``, ``ecr_repository_prefix``
and ``upstream_repository_prefix``: ``validation.StringLenBetween(2, 30)``)."""

PULL_THROUGH_PREFIX_PATTERN: Final = re.compile(
    r"^([a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(\/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)*\/?|ROOT)$"
)
"""A pull-through cache prefix as the API accepts it (model: ``PullThroughCacheRuleRepositoryPrefix`` pattern)."""

PULL_THROUGH_PREFIX_TERRAFORM_PATTERN: Final = re.compile(
    r"^((?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*/?|ROOT)$"
)
"""A pull-through cache prefix as the Terraform provider under pulumi-aws validates it before any request
(terraform-provider-aws, ``internal/service/ecr/pull_through_cache_rule.go``, ``ecr_repository_prefix`` and
``upstream_repository_prefix``, ``validation.StringMatch``): stricter than the API's, which also takes the doubled
separators ``__`` and ``--``. A prefix must match both (:func:`is_pull_through_prefix`)."""

MAX_PULL_THROUGH_RULES: Final = 50
"""Pull-through cache rules per registry (ECR user guide, "Amazon ECR service quotas": "Pull through cache rules
per registry", 50, not adjustable; not in the API model)."""

PULL_THROUGH_UNSUPPORTED_REGIONS: Final = ("cn-north-1", "cn-northwest-1", "us-gov-east-1", "us-gov-west-1")
"""Regions where ECR creates no pull-through cache rules (ECR user guide, "Sync an upstream registry with an Amazon
ECR private registry", "Considerations for using pull through cache rules": China (Beijing), China (Ningxia), AWS
GovCloud (US-East) and AWS GovCloud (US-West))."""

APPLIED_FOR_PULL_THROUGH_CACHE: Final = "PULL_THROUGH_CACHE"
"""The ``appliedFor`` value of a creation template that acts when a pull-through cache rule creates a repository
(model: ``RCTAppliedFor`` enum)."""

PULL_THROUGH_SERVICE_PRINCIPAL: Final = "pullthroughcache.ecr.amazonaws.com"
"""The service that assumes a pull-through cache rule's ``customRoleArn`` (ECR user guide, "Setting up permissions
for cross-account ECR to ECR PTC", "Creating a Trust policy for the IAM role")."""

PULL_THROUGH_ROLE_ACTIONS: Final = (
    "ecr:GetDownloadUrlForLayer",
    "ecr:GetAuthorizationToken",
    "ecr:BatchImportUpstreamImage",
    "ecr:BatchGetImage",
    "ecr:GetImageCopyStatus",
    "ecr:InitiateLayerUpload",
    "ecr:UploadLayerPart",
    "ecr:CompleteLayerUpload",
    "ecr:PutImage",
)
"""What the role a cross-account spoke's pull-through cache rule names may do, in the ECR user guide's order
("Setting up permissions for cross-account ECR to ECR PTC", "Creating an IAM role to define the pull through cache
permissions")."""

PULL_THROUGH_UPSTREAM_ACTIONS: Final = (
    "ecr:BatchGetImage",
    "ecr:GetDownloadUrlForLayer",
    "ecr:BatchImportUpstreamImage",
    "ecr:GetImageCopyStatus",
)
"""What the upstream registry's policy grants a cross-account spoke's account, in the ECR user guide's order
("Setting up permissions for cross-account ECR to ECR PTC", "Creating a resource policy in the upstream Amazon ECR
registry")."""


def is_pull_through_prefix(prefix: str) -> bool:
    """Whether ``prefix`` can be a pull-through cache rule's prefix: within the bounds and both patterns above."""
    return (
        PULL_THROUGH_PREFIX_MIN_LENGTH <= len(prefix) <= PULL_THROUGH_PREFIX_MAX_LENGTH
        and PULL_THROUGH_PREFIX_PATTERN.match(prefix) is not None
        and PULL_THROUGH_PREFIX_TERRAFORM_PATTERN.match(prefix) is not None
    )
