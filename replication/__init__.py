"""pulumi-ecr-replication: Amazon ECR replication between accounts and regions as one Pulumi component."""

from replication.errors import ReplicationConfigError

__all__ = ["ReplicationConfigError"]
