"""pulumi-ecr-replication: Amazon ECR replication between accounts and regions as one Pulumi component.

```python
from replication import EcrReplication, EcrReplicationArgs, ReplicationDestinationArgs, PullThroughDestinationArgs
```

The public names are imported on first use (PEP 562): the ``ecr-replication`` CLI lives in this package too, and
its ``--help`` and live commands need no Pulumi SDK, which importing the component would load.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the names as type checkers see them (re-exports)
    from replication.args import EcrReplicationArgs as EcrReplicationArgs
    from replication.args import PullThroughDestinationArgs as PullThroughDestinationArgs
    from replication.args import ReplicationDestinationArgs as ReplicationDestinationArgs
    from replication.args import RepositorySettingsArgs as RepositorySettingsArgs
    from replication.component import EcrReplication as EcrReplication
    from replication.errors import ReplicationConfigError as ReplicationConfigError

_HOMES = {
    "EcrReplication": "replication.component",
    "EcrReplicationArgs": "replication.args",
    "PullThroughDestinationArgs": "replication.args",
    "ReplicationConfigError": "replication.errors",
    "ReplicationDestinationArgs": "replication.args",
    "RepositorySettingsArgs": "replication.args",
}
"""Each public name and the module that defines it."""

__all__ = sorted(_HOMES)


def __getattr__(name: str) -> Any:
    """A public name, imported from its module the first time it is asked for."""
    if name not in _HOMES:
        raise AttributeError(f"module 'replication' has no attribute {name!r}")
    value = getattr(importlib.import_module(_HOMES[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    """The module's names, the public ones not imported yet included."""
    return sorted({*globals(), *_HOMES})
