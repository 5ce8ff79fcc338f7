"""`ecr-replication-destination-limit` and `ecr-replication-rule-limits`: what AWS rejects in a
replication configuration."""

from pulumi_policy import (EnforcementLevel, ReportViolation, ResourceValidationArgs, ResourceValidationPolicy,
                           StackValidationArgs, StackValidationPolicy)

from .aws_facts import (ACCOUNT_ID_PATTERN, FILTER_MAX_LENGTH, FILTER_MIN_LENGTH, FILTER_PATTERN,
                        MAX_FILTERS_PER_RULE, MAX_RULES, MAX_UNIQUE_DESTINATIONS, REGION_PATTERN,
                        REPLICATION_CONFIGURATION, REPLICATION_FILTER_TYPE)
from .props import UNKNOWN
from .registries import resource_registry
from .replication_rules import ReplicationRule, declared_rule_count, replication_rules
from .settings import Setting, config_schema
from .stack_index import StackIndex, group_by_registry

MAX_DESTINATIONS_SETTING = Setting("maxDestinations", MAX_UNIQUE_DESTINATIONS,
                                   "Most unique (region, registryId) destinations of one source registry.")
"""How many unique destinations one source registry may replicate to."""

MAX_RULES_SETTING = Setting("maxRules", MAX_RULES, "Most rules in one replication configuration.")
"""How many rules a replication configuration may have."""

MAX_FILTERS_SETTING = Setting("maxFiltersPerRule", MAX_FILTERS_PER_RULE, "Most repository filters in one rule.")
"""How many repository filters a rule may have."""

FILTER_MIN_LENGTH_SETTING = Setting("filterMinLength", FILTER_MIN_LENGTH, "Shortest repository filter value.")
"""The shortest filter value."""

FILTER_MAX_LENGTH_SETTING = Setting("filterMaxLength", FILTER_MAX_LENGTH, "Longest repository filter value.")
"""The longest filter value."""


def _check_destination_limit(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    limit = MAX_DESTINATIONS_SETTING.read(args)
    sources = StackIndex(args.resources).replication_sources
    for group in group_by_registry(sources).values():
        unique = frozenset().union(*(source.destinations for source in group))
        if len(unique) <= limit:
            continue
        names = ", ".join(source.resource.name for source in group)
        where = group[0].registry or "this source registry"
        for source in group:
            report_violation(
                f"{where} replicates to {len(unique)} unique destinations (region, registryId) across "
                f"{len(group)} replication configuration(s) ({names}); AWS allows at most {limit}. "
                f"Remove {len(unique) - limit} destination(s).",
                source.resource.urn)


destination_limit = StackValidationPolicy(
    name="ecr-replication-destination-limit",
    description="A source registry replicates to at most 25 unique (region, registryId) destinations across "
                "all rules of its replication configuration(s).",
    enforcement_level=EnforcementLevel.MANDATORY,
    validate=_check_destination_limit,
    config_schema=config_schema([MAX_DESTINATIONS_SETTING]),
)
"""Counts unique destinations per replication configuration and per source registry (all its configurations)."""


def _filter_problems(rule: ReplicationRule, args: ResourceValidationArgs) -> list[str]:
    min_length, max_length = FILTER_MIN_LENGTH_SETTING.read(args), FILTER_MAX_LENGTH_SETTING.read(args)
    problems = []
    if rule.filter_count > (most := MAX_FILTERS_SETTING.read(args)):
        problems.append(f"rule {rule.number} has {rule.filter_count} repository filters; AWS allows at most "
                        f"{most}: split it into several rules with the same destinations.")
    for f in rule.filters:
        if f.filter_type is not UNKNOWN and f.filter_type != REPLICATION_FILTER_TYPE:
            found = f"filterType {f.filter_type!r}" if f.filter_type else "no filterType"
            problems.append(f"rule {rule.number} filter {f.value!r} has {found}; set it to "
                            f"{REPLICATION_FILTER_TYPE!r}, the only type replication accepts.")
        if not min_length <= len(f.value) <= max_length:
            problems.append(f"rule {rule.number} filter {f.value!r} is {len(f.value)} characters long; "
                            f"use a prefix of {min_length} to {max_length} characters.")
        elif not FILTER_PATTERN.match(f.value):
            problems.append(f"rule {rule.number} filter {f.value!r} is not a valid repository name prefix "
                            f"(lowercase letters, digits, '.', '_', '-' and '/' separated parts).")
    return problems


def _check_rule_limits(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    if args.resource_type != REPLICATION_CONFIGURATION:
        return
    problems = []
    if (declared := declared_rule_count(args.props)) > (most := MAX_RULES_SETTING.read(args)):
        problems.append(f"the configuration has {declared} rules; AWS allows at most {most}: merge rules that "
                        f"share destinations.")
    source = resource_registry(args.props, args.provider)
    for rule in replication_rules(args.props):
        problems.extend(_filter_problems(rule, args))
        for destination in rule.destinations:
            if not ACCOUNT_ID_PATTERN.match(destination.registry_id):
                problems.append(f"rule {rule.number} destination registryId {destination.registry_id!r} "
                                f"is not a 12-digit account id.")
            if not REGION_PATTERN.match(destination.region):
                problems.append(f"rule {rule.number} destination region {destination.region!r} is not a "
                                f"region name.")
            if source and source.account_id == destination.registry_id and source.region == destination.region:
                problems.append(f"rule {rule.number} replicates {source} to itself; remove destination "
                                f"{destination}.")
    for problem in problems:
        report_violation(problem, None)


rule_limits = ResourceValidationPolicy(
    name="ecr-replication-rule-limits",
    description="Replication rules stay within AWS's limits: at most 10 rules, 100 PREFIX_MATCH filters per "
                "rule with valid 2..256 character values, and no destination equal to the source registry.",
    enforcement_level=EnforcementLevel.MANDATORY,
    validate=_check_rule_limits,
    config_schema=config_schema([MAX_RULES_SETTING, MAX_FILTERS_SETTING, FILTER_MIN_LENGTH_SETTING,
                                 FILTER_MAX_LENGTH_SETTING]),
)
"""Checks each replication configuration's rules, filters and destinations against what AWS accepts."""
