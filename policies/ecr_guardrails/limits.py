"""AWS limits and name patterns for ECR replication, in one place.

Numbers come from the ECR user guide (see ``shared/ECR_FACTS.md``); botocore's service model is looser, so the
guide's numbers are the ones enforced. Nothing here imports Pulumi. The policy pack carries a byte-identical copy
(``policies/ecr_guardrails/limits.py``, kept so by ``tests/test_shared_copies.py``).
"""

import re
from typing import Final

MAX_UNIQUE_DESTINATIONS: Final = 25
"""Unique (region, registry id) destinations across all rules of one source registry."""

MAX_RULES: Final = 10
"""Rules in one replication configuration."""

MAX_FILTERS_PER_RULE: Final = 100
"""Repository filters in one rule."""

FILTER_MIN_LENGTH: Final = 2
FILTER_MAX_LENGTH: Final = 256
"""Length bounds of a ``PREFIX_MATCH`` filter value."""

FILTER_PATTERN: Final = re.compile(r"^(?:[a-z0-9]+(?:[._-][a-z0-9]*)*/)*[a-z0-9]*(?:[._-][a-z0-9]*)*$")
"""AWS's pattern for a repository filter value."""

ACCOUNT_ID_PATTERN: Final = re.compile(r"^[0-9]{12}$")
"""An AWS account id (the registry id of a private registry)."""

REGION_PATTERN: Final = re.compile(r"^[0-9a-z-]{2,25}$")
"""AWS's pattern for a replication destination region."""

MAX_REGISTRY_POLICY_CHARS: Final = 10_240
"""Largest registry permissions policy document ECR accepts."""

REPLICATION_ACTIONS: Final = ("ecr:CreateRepository", "ecr:ReplicateImage")
"""What a destination registry policy grants the source account: without ``ecr:CreateRepository`` replication
fails for every repository that does not exist yet in the destination."""

REPOSITORY_NAME_PATTERN: Final = re.compile(r"^(?=.{2,256}$)(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$")
"""ECR's rule for a repository name (also what a creation template prefix, less its implied '/', must match)."""

TAG_FILTER_PATTERN: Final = re.compile(r"^[0-9A-Za-z._*-]{1,128}$")
"""An image tag mutability exclusion filter: letters, digits and ._*-, at most 128 characters."""

MAX_TAG_FILTER_WILDCARDS: Final = 2
"""Wildcards (*) allowed in one tag mutability exclusion filter."""

IMAGE_TAG_MUTABILITIES: Final = ("MUTABLE", "IMMUTABLE", "MUTABLE_WITH_EXCLUSION", "IMMUTABLE_WITH_EXCLUSION")
"""Values of a repository's image tag mutability."""

ENCRYPTION_TYPES: Final = ("AES256", "KMS", "KMS_DSSE")
"""Values of a repository's encryption type."""

KMS_ENCRYPTION_TYPES: Final = ("KMS", "KMS_DSSE")
"""Encryption types backed by a KMS key."""

IMMUTABLE_TAG_SETTINGS: Final = ("IMMUTABLE", "IMMUTABLE_WITH_EXCLUSION")
"""Tag mutability settings that keep a replicated tag pointing at one image."""

SCAN_ON_PUSH_FREQUENCIES: Final = ("SCAN_ON_PUSH", "CONTINUOUS_SCAN")
"""Registry scanning frequencies that scan an image when it arrives (continuous scanning also scans on push)."""

KMS_KEY_ARN_PATTERN: Final = re.compile(r"^arn:aws[a-z0-9-]*:kms:(?P<region>[0-9a-z-]+):(?P<account>[0-9]{12}):key/[a-z0-9-]+$")
"""A KMS key ARN (creation templates take no alias), whose region must be the destination repository's."""

MAX_TAG_FILTERS: Final = 5
"""Image tag mutability exclusion filters per repository or template."""

SCANNING_FILTER_PATTERN: Final = re.compile(r"^[a-z0-9*](?:[._\-/a-z0-9*]?[a-z0-9*]+)*$")
SCANNING_FILTER_MAX_LENGTH: Final = 255
"""A registry scanning rule's WILDCARD repository filter."""

