"""One pass over a stack's resources, grouping the ECR resources the stack policies judge.

Stack policies receive every resource of the stack (10,000 in a large stack); the index looks at each
resource's type once and reads props only of the few ECR resources, so every stack policy is O(n).
"""

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Optional, TypeVar

from pulumi_policy import PolicyResource

from .resource_types import (PULL_THROUGH_CACHE_RULE, REGISTRY_POLICY, REGISTRY_SCANNING_CONFIGURATION,
                             REPLICATION_CONFIGURATION, REPOSITORY, REPOSITORY_CREATION_TEMPLATE)
from .ecr_semantics import Registry
from .registries import AnyRegistry, resource_registry
from .replication_rules import ReplicationRule, replication_rules

_INDEXED_TYPES = frozenset({REPLICATION_CONFIGURATION, REGISTRY_POLICY, REGISTRY_SCANNING_CONFIGURATION,
                            REPOSITORY, REPOSITORY_CREATION_TEMPLATE, PULL_THROUGH_CACHE_RULE})


@dataclass(frozen=True)
class RegistryResource:
    """An ECR resource and the registry it manages (`None` when that can't be known during preview)."""

    resource: PolicyResource
    registry: Optional[AnyRegistry]

    @property
    def group_key(self) -> object:
        """What resources of the same registry share: the registry, else (unknown) the resource alone."""
        return self.registry if self.registry is not None else self.resource.urn


@dataclass(frozen=True)
class ReplicationSource(RegistryResource):
    """A replication configuration with its known rules."""

    rules: tuple[ReplicationRule, ...]

    @property
    def destinations(self) -> frozenset[Registry]:
        """The unique known destinations across all rules."""
        return frozenset(d for rule in self.rules for d in rule.destinations)


class StackIndex:
    """The ECR resources of a stack by type, read once and shared by the checks of one policy run."""

    def __init__(self, resources: Iterable[PolicyResource]) -> None:
        self._by_type: dict[str, list[PolicyResource]] = defaultdict(list)
        for resource in resources:
            if resource.resource_type in _INDEXED_TYPES:
                self._by_type[resource.resource_type].append(resource)

    def of_type(self, resource_type: str) -> list[RegistryResource]:
        """The resources of one ECR type, each with its registry."""
        return [RegistryResource(r, resource_registry(r.props, r.provider)) for r in self._by_type[resource_type]]

    def raw(self, resource_type: str) -> list[PolicyResource]:
        """The resources of one ECR type as the SDK passed them."""
        return self._by_type[resource_type]

    @cached_property
    def replication_sources(self) -> list[ReplicationSource]:
        """Every replication configuration with its registry and known rules."""
        return [ReplicationSource(r.resource, r.registry, replication_rules(r.resource.props))
                for r in self.of_type(REPLICATION_CONFIGURATION)]


_Grouped = TypeVar("_Grouped", bound=RegistryResource)


def group_by_registry(resources: Iterable[_Grouped]) -> dict[object, list[_Grouped]]:
    """Resources grouped by the registry they manage (a resource whose registry is unknown stands alone)."""
    groups: dict[object, list[_Grouped]] = defaultdict(list)
    for resource in resources:
        groups[resource.group_key].append(resource)
    return groups


def names(group: Sequence[RegistryResource]) -> str:
    """The resource names of a group, for messages."""
    return ", ".join(member.resource.name for member in group)


def on_each(group: Sequence[RegistryResource], message: str) -> Iterator[tuple[str, str]]:
    """The same problem reported on every resource of a group."""
    return ((message, member.resource.urn) for member in group)
