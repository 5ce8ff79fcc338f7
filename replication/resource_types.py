"""The Pulumi type tokens of the aws resources the component declares and the plan, ``import`` and the guardrails
read. Copied byte for byte to ``policies/ecr_guardrails/`` (``tests/test_shared_copies.py``)."""

from typing import Final

ECR_REPLICATION: Final = "ecr-replication:index:EcrReplication"
"""Type token of the EcrReplication component (the parent of everything it declares)."""

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

LIFECYCLE_POLICY: Final = "aws:ecr/lifecyclePolicy:LifecyclePolicy"
"""Type token of a repository's lifecycle policy."""

REPOSITORY_POLICY: Final = "aws:ecr/repositoryPolicy:RepositoryPolicy"
"""Type token of a repository's permissions policy."""

ROLE: Final = "aws:iam/role:Role"
"""Type token of an IAM role (the creation templates' role, a cross-account spoke's pull-through role)."""

ROLE_POLICY: Final = "aws:iam/rolePolicy:RolePolicy"
"""Type token of an IAM role's inline policy (of the creation templates' or a spoke's role)."""

PULL_THROUGH_CACHE_RULE: Final = "aws:ecr/pullThroughCacheRule:PullThroughCacheRule"
"""Type token of a pull-through cache rule (a spoke's)."""
