"""AWS limits, patterns and type tokens the guardrails enforce: one place, no Pulumi imports.

The pack must install on its own (`pulumi policy publish` ships only this folder and what
`requirements.txt` names), so these facts are repeated here rather than imported from `replication.limits`;
`tests/policies/test_policy_facts.py` fails when the two disagree.
"""

import re
from typing import Final

MAX_UNIQUE_DESTINATIONS: Final = 25
"""Unique (region, registryId) destinations across all rules of one replication configuration."""

MAX_RULES: Final = 10
"""Rules in one replication configuration (the user guide's limit; botocore's model allows 25)."""

MAX_FILTERS_PER_RULE: Final = 100
"""Repository filters in one replication rule."""

FILTER_MIN_LENGTH: Final = 2
"""Shortest repository filter value AWS accepts."""

FILTER_MAX_LENGTH: Final = 256
"""Longest repository filter value AWS accepts."""

FILTER_PATTERN: Final = re.compile(r"^(?:[a-z0-9]+(?:[._-][a-z0-9]*)*/)*[a-z0-9]*(?:[._-][a-z0-9]*)*$")
"""What a replication repository filter value must match."""

REPLICATION_FILTER_TYPE: Final = "PREFIX_MATCH"
"""The only filter type replication rules accept."""

REGION_PATTERN: Final = re.compile(r"^[0-9a-z-]{2,25}$")
"""What a destination region must match."""

ACCOUNT_ID_PATTERN: Final = re.compile(r"^[0-9]{12}$")
"""What a destination registryId (an AWS account id) must match."""

REPLICATION_ACTIONS: Final = ("ecr:CreateRepository", "ecr:ReplicateImage")
"""What a destination registry policy must grant the source account, and all it needs to grant."""

MAX_REGISTRY_POLICY_CHARS: Final = 10_240
"""Longest registry permissions policy text ECR accepts."""

IMMUTABLE_TAG_SETTINGS: Final = ("IMMUTABLE", "IMMUTABLE_WITH_EXCLUSION")
"""Tag mutability settings that keep a replicated tag pointing at one image."""

KMS_ENCRYPTION_TYPES: Final = ("KMS", "KMS_DSSE")
"""Encryption types backed by a KMS key."""

SCAN_ON_PUSH_FREQUENCIES: Final = ("SCAN_ON_PUSH", "CONTINUOUS_SCAN")
"""Scanning frequencies that scan an image when it arrives (continuous scanning also scans on push)."""

AWS_PROVIDER_TYPE: Final = "pulumi:providers:aws"
"""Type token of the AWS provider resource."""

REPLICATION_CONFIGURATION: Final = "aws:ecr/replicationConfiguration:ReplicationConfiguration"
"""Type token of a registry's replication configuration."""

REGISTRY_POLICY: Final = "aws:ecr/registryPolicy:RegistryPolicy"
"""Type token of a registry permissions policy."""

REGISTRY_SCANNING_CONFIGURATION: Final = "aws:ecr/registryScanningConfiguration:RegistryScanningConfiguration"
"""Type token of a registry scanning configuration."""

REPOSITORY_CREATION_TEMPLATE: Final = "aws:ecr/repositoryCreationTemplate:RepositoryCreationTemplate"
"""Type token of a repository creation template."""

REPOSITORY: Final = "aws:ecr/repository:Repository"
"""Type token of a repository."""
