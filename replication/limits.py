"""AWS limits and name patterns for ECR replication, in one place.

Numbers come from the ECR user guide (see ``shared/ECR_FACTS.md``); botocore's service model is looser, so the
guide's numbers are the ones enforced. Nothing here imports Pulumi.
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
