"""`ecr-replication-destination-limit` and `ecr-replication-rule-limits`: what AWS rejects in a
replication configuration."""

from collections.abc import Iterator

from pulumi_policy import EnforcementLevel, ResourceValidationArgs, StackValidationArgs

from .ecr_semantics import PREFIX_MATCH
from .limits import (ACCOUNT_ID_PATTERN, FILTER_MAX_LENGTH, FILTER_MIN_LENGTH, FILTER_PATTERN, MAX_FILTERS_PER_RULE,
                     MAX_RULES, MAX_UNIQUE_DESTINATIONS, REGION_PATTERN)
from .resource_types import REPLICATION_CONFIGURATION
from .declare import resource_policy, stack_policy
from .props import UNKNOWN
from .registries import describe, resource_registry
from .replication_rules import ReplicationRule, declared_rule_count, replication_rules
from .policy_config import PolicyOption
from .stack_index import StackIndex, group_by_registry, names, on_each

MAX_DESTINATIONS_OPTION = PolicyOption("maxDestinations", MAX_UNIQUE_DESTINATIONS,
                                       "Most unique (region, registryId) destinations of one source registry.",
                                       "maximum")
"""How many unique destinations one source registry may replicate to."""

MAX_RULES_OPTION = PolicyOption("maxRules", MAX_RULES, "Most rules in one replication configuration.", "maximum")
"""How many rules a replication configuration may have: pulumi-aws's schema allows fewer than the API
(``limits.MAX_RULES``), and its limit is the one a stack meets first."""

MAX_FILTERS_OPTION = PolicyOption("maxFiltersPerRule", MAX_FILTERS_PER_RULE, "Most repository filters in one rule.",
                                  "maximum")
"""How many repository filters a rule may have."""

FILTER_MIN_LENGTH_OPTION = PolicyOption("filterMinLength", FILTER_MIN_LENGTH, "Shortest repository filter value.",
                                        "minimum")
"""The shortest filter value."""

FILTER_MAX_LENGTH_OPTION = PolicyOption("filterMaxLength", FILTER_MAX_LENGTH, "Longest repository filter value.",
                                        "maximum")
"""The longest filter value."""


def _destination_limit_problems(args: StackValidationArgs, index: StackIndex) -> Iterator[tuple[str, str]]:
    limit, most = MAX_DESTINATIONS_OPTION.most(args)
    for group in group_by_registry(index.replication_sources).values():
        unique = frozenset().union(*(source.destinations for source in group))
        if len(unique) <= limit:
            continue
        where = describe(group[0].registry) if group[0].registry else "this source registry"
        yield from on_each(group, f"{where} replicates to {len(unique)} unique destinations (region, registryId) "
                                  f"across {len(group)} replication configuration(s) ({names(group)}); {most}. "
                                  f"Remove {len(unique) - limit} destination(s). Registries served as pull-through "
                                  f"cache spokes of a destination don't count toward the limit.")


destination_limit = stack_policy(
    name="ecr-replication-destination-limit",
    description=f"A source registry replicates to at most {MAX_UNIQUE_DESTINATIONS} unique (region, registryId) "
                "destinations across all rules of its replication configuration(s); pull-through cache spokes count "
                "nothing toward it.",
    level=EnforcementLevel.MANDATORY,
    check=_destination_limit_problems,
    options=[MAX_DESTINATIONS_OPTION],
)
"""Counts unique destinations per replication configuration and per source registry (all its configurations)."""


def _filter_problems(rule: ReplicationRule, args: ResourceValidationArgs) -> Iterator[str]:
    min_length, max_length = FILTER_MIN_LENGTH_OPTION.read(args), FILTER_MAX_LENGTH_OPTION.read(args)
    most, allowed = MAX_FILTERS_OPTION.most(args)
    if rule.filter_count > most:
        yield (f"rule {rule.number} has {rule.filter_count} repository filters; {allowed}: split it into several "
               f"rules with the same destinations.")
    for f in rule.filters:
        if f.filter_type is not UNKNOWN and f.filter_type != PREFIX_MATCH:
            found = f"filterType {f.filter_type!r}" if f.filter_type else "no filterType"
            yield (f"rule {rule.number} filter {f.value!r} has {found}; set it to {PREFIX_MATCH!r}, "
                   f"the only type replication accepts.")
        if not min_length <= len(f.value) <= max_length:
            yield (f"rule {rule.number} filter {f.value!r} is {len(f.value)} characters long; "
                   f"use a prefix of {min_length} to {max_length} characters.")
        elif not FILTER_PATTERN.match(f.value):
            yield (f"rule {rule.number} filter {f.value!r} is not a valid repository name prefix "
                   f"(lowercase letters, digits, '.', '_', '-' and '/' separated parts).")


def _rule_limit_problems(args: ResourceValidationArgs) -> Iterator[str]:
    most, allowed = MAX_RULES_OPTION.most(args, "pulumi-aws allows")
    if (declared := declared_rule_count(args.props)) > most:
        yield f"the configuration has {declared} rules; {allowed}: merge rules that share destinations."
    source = resource_registry(args.props, args.provider)
    for rule in replication_rules(args.props):
        yield from _filter_problems(rule, args)
        for destination in rule.destinations:
            if not ACCOUNT_ID_PATTERN.match(destination.account_id):
                yield (f"rule {rule.number} destination registryId {destination.account_id!r} is not a 12-digit "
                       f"account id.")
            if not REGION_PATTERN.match(destination.region):
                yield f"rule {rule.number} destination region {destination.region!r} is not a region name."
            if source == destination:
                yield f"rule {rule.number} replicates {describe(source)} to itself; remove destination {destination}."


rule_limits = resource_policy(
    name="ecr-replication-rule-limits",
    description=f"Replication rules stay within what AWS and pulumi-aws accept: at most {MAX_RULES} rules, "
                f"{MAX_FILTERS_PER_RULE} PREFIX_MATCH filters per rule with valid {FILTER_MIN_LENGTH}..{FILTER_MAX_LENGTH} character values, "
                "and no destination equal to the source registry.",
    level=EnforcementLevel.MANDATORY,
    check=_rule_limit_problems,
    resource_type=REPLICATION_CONFIGURATION,
    options=[MAX_RULES_OPTION, MAX_FILTERS_OPTION, FILTER_MIN_LENGTH_OPTION, FILTER_MAX_LENGTH_OPTION],
)
"""Checks each replication configuration's rules, filters and destinations against what AWS accepts."""
