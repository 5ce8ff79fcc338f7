"""`ecr-pull-through-upstream-replicated`: a pull-through cache rule whose upstream is a private ECR registry caches
from a registry this stack replicates the cached repositories to (or replicates them from)."""

from collections.abc import Iterator, Sequence

from pulumi_policy import EnforcementLevel, StackValidationArgs

from .declare import stack_policy
from .ecr_semantics import Registry, registry_of_host
from .limits import PULL_THROUGH_ROOT_PREFIX
from .props import UNKNOWN, elements, field, length, text
from .resource_types import PULL_THROUGH_CACHE_RULE
from .stack_index import ReplicationSource, StackIndex


def _fully_known(source: ReplicationSource) -> bool:
    """Whether the configuration's registry and every destination of its rules are known: only then can the stack
    be said not to replicate to a registry."""
    rules = field(field(source.resource.props, "replicationConfiguration"), "rules")
    if not isinstance(source.registry, Registry) or rules is UNKNOWN or len(list(elements(rules))) != length(rules):
        return False
    declared = sum(length(field(rule, "destinations")) for rule in elements(rules))
    return declared == sum(len(rule.destinations) for rule in source.rules)


def _receives(sources: Sequence[ReplicationSource], upstream: Registry, upstream_prefix: str) -> bool:
    """Whether ``upstream`` is a replication source of the stack, or a destination of a rule that replicates the
    repositories under ``upstream_prefix`` (``ROOT``: any) to it; a rule whose filters are unknown counts."""
    for source in sources:
        if source.registry == upstream:
            return True
        for rule in source.rules:
            if upstream not in rule.destinations:
                continue
            if upstream_prefix == PULL_THROUGH_ROOT_PREFIX or not rule.prefixes:
                return True
            if any(f"{upstream_prefix.rstrip('/')}/".startswith(prefix) for prefix in rule.prefixes):
                return True
    return False


def _upstream_problems(args: StackValidationArgs, index: StackIndex) -> Iterator[tuple[str, str]]:
    sources = index.replication_sources
    if not all(_fully_known(source) for source in sources):
        return
    for rule in index.raw(PULL_THROUGH_CACHE_RULE):
        url = text(rule.props, "upstreamRegistryUrl")
        upstream = registry_of_host(url) if isinstance(url, str) else None
        upstream_prefix = text(rule.props, "upstreamRepositoryPrefix")
        if upstream is None or upstream_prefix is UNKNOWN:
            continue
        upstream_prefix = upstream_prefix or PULL_THROUGH_ROOT_PREFIX
        if _receives(sources, upstream, upstream_prefix):
            continue
        what = "any repository" if upstream_prefix == PULL_THROUGH_ROOT_PREFIX else f"'{upstream_prefix.rstrip('/')}/'"
        yield (f"pull-through cache rule {text(rule.props, 'ecrRepositoryPrefix')!r} caches from {upstream} ({url}), "
               f"but no replication configuration in this stack replicates {what} to it or from it: it would cache "
               f"from a registry that never receives the images. Point upstreamRegistryUrl at the source registry or "
               f"at a destination that receives these repositories, or replicate them to {upstream}."), rule.urn


upstream_replicated = stack_policy(
    name="ecr-pull-through-upstream-replicated",
    description="A pull-through cache rule with a private ECR upstream caches from a registry this stack replicates "
                "from, or replicates the cached repositories to (the upstream of a spoke).",
    level=EnforcementLevel.ADVISORY,
    check=_upstream_problems,
)
"""Warns about pull-through cache rules whose ECR upstream this stack's replication doesn't fill."""
