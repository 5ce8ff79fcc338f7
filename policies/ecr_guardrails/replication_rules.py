"""The rules of a replication configuration's props, read into plain values with unknowns left out."""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .ecr_semantics import Registry, Rule
from .props import UNKNOWN, elements, field, length, text


@dataclass(frozen=True)
class RepositoryFilter:
    """A rule's repository filter; `filter_type` is `None` when missing and `UNKNOWN` when unknown."""

    value: str
    filter_type: Any


@dataclass(frozen=True)
class ReplicationRule:
    """One rule: its known destinations and filters, and how many filters it declares in all."""

    number: int
    """1-based position in the configuration, for messages."""
    destinations: tuple[Registry, ...]
    filters: tuple[RepositoryFilter, ...]
    filter_count: int
    """Declared filters, unknown ones included."""
    filters_known: bool
    """False when the whole filter list is unknown during preview."""

    @property
    def prefixes(self) -> tuple[str, ...]:
        """The known repository name prefixes the rule replicates; `("",)` for a rule that replicates every
        repository (no filters), `()` when its filters are unknown."""
        if self.filters_known and self.filter_count == 0:
            return ("",)
        return tuple(f.value for f in self.filters)

    def replicates(self, repository_name: str) -> bool:
        """Whether the rule replicates the repository of that name (as far as its known filters tell)."""
        return bool(self.prefixes) and Rule(self.destinations, self.prefixes).matches(repository_name)


def _destination(node: Any) -> Registry | None:
    region, registry_id = text(node, "region"), text(node, "registryId")
    if isinstance(region, str) and isinstance(registry_id, str):
        return Registry(registry_id, region)
    return None


def _filter(node: Any) -> RepositoryFilter | None:
    value = text(node, "filter")
    if not isinstance(value, str):
        return None
    return RepositoryFilter(value, text(node, "filterType"))


def replication_rules(props: Mapping[str, Any]) -> tuple[ReplicationRule, ...]:
    """The known rules of a `ReplicationConfiguration`'s props (unknown rules, destinations and filters left out)."""
    document = field(props, "replicationConfiguration")
    rules = []
    for number, rule in enumerate(elements(field(document, "rules")), start=1):
        raw_filters = field(rule, "repositoryFilters")
        rules.append(ReplicationRule(
            number=number,
            destinations=tuple(d for d in map(_destination, elements(field(rule, "destinations"))) if d),
            filters=tuple(f for f in map(_filter, elements(raw_filters)) if f),
            filter_count=length(raw_filters),
            filters_known=raw_filters is not UNKNOWN,
        ))
    return tuple(rules)


def declared_rule_count(props: Mapping[str, Any]) -> int:
    """How many rules the configuration declares, unknown ones included."""
    return length(field(field(props, "replicationConfiguration"), "rules"))
