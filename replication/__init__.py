"""pulumi-ecr-replication: Amazon ECR replication between accounts and regions as one Pulumi component.

```python
from replication import EcrReplication, EcrReplicationArgs, ReplicationDestinationArgs, PullThroughDestinationArgs
```
"""

from replication.args import (EcrReplicationArgs, PullThroughDestinationArgs, ReplicationDestinationArgs,
                              RepositorySettingsArgs)
from replication.component import EcrReplication
from replication.errors import ReplicationConfigError

__all__ = [
    "EcrReplication",
    "EcrReplicationArgs",
    "PullThroughDestinationArgs",
    "ReplicationConfigError",
    "ReplicationDestinationArgs",
    "RepositorySettingsArgs",
]
