"""`ecr-replication-destination-limit`: unique destinations per source registry."""

from policies.ecr_guardrails.replication_limits import destination_limit
from replication.preview.analyzer import UNKNOWN
from tests.policies.policy_args import run_policy
from tests.policies.policy_stacks import (SOURCE_ACCOUNT, destination, many_destinations, provider,
                                          replication_configuration, rule)


def test_25_unique_destinations_pass() -> None:
    assert run_policy(destination_limit, [replication_configuration(rules=[rule(many_destinations(25))])]) == []


def test_26_unique_destinations_in_one_configuration_are_reported_on_it() -> None:
    config = replication_configuration(rules=[rule(many_destinations(26))])
    [(message, urn)] = run_policy(destination_limit, [config])
    assert urn == config["urn"]
    assert "26 unique destinations" in message and "at most 25" in message and "Remove 1 destination" in message


def test_a_destination_repeated_across_rules_counts_once() -> None:
    destinations = many_destinations(25)
    rules = [rule(destinations, ["prod/"]), rule(destinations[:5], ["team/"])]
    assert run_policy(destination_limit, [replication_configuration(rules=rules)]) == []


def test_configurations_of_one_registry_are_counted_together() -> None:
    destinations = many_destinations(30)
    first = replication_configuration("first", rules=[rule(destinations[:15])])
    second = replication_configuration("second", rules=[rule(destinations[15:])])
    violations = run_policy(destination_limit, [first, second])
    assert sorted(urn for _, urn in violations) == sorted([first["urn"], second["urn"]])
    assert all("30 unique destinations" in m and "2 replication configuration(s) (first, second)" in m
               for m, _ in violations)


def test_configurations_of_different_registries_are_counted_apart() -> None:
    destinations = many_destinations(30)
    east = replication_configuration("east", rules=[rule(destinations[:15])])
    west = replication_configuration("west", rules=[rule(destinations[15:])], region="eu-west-1")
    other_account = replication_configuration("other", rules=[rule(destinations[:15])],
                                              resource_provider=provider("other", account="999999999999"))
    assert run_policy(destination_limit, [east, west, other_account]) == []


def test_the_limit_is_configurable() -> None:
    config = replication_configuration(rules=[rule(many_destinations(3))])
    assert len(run_policy(destination_limit, [config], {"maxDestinations": 2.0})) == 1
    assert run_policy(destination_limit, [config], {"maxDestinations": 3.0}) == []


def test_unknown_destinations_are_skipped_but_known_ones_still_count() -> None:
    unknown = [{"region": UNKNOWN, "registryId": SOURCE_ACCOUNT}, {"region": "us-west-2", "registryId": UNKNOWN}]
    within = replication_configuration(rules=[rule(many_destinations(24) + unknown)])
    beyond = replication_configuration("beyond", rules=[rule(many_destinations(26) + unknown)])
    assert run_policy(destination_limit, [within]) == []
    assert len(run_policy(destination_limit, [beyond])) == 1


def test_unknown_rules_and_missing_configuration_are_skipped() -> None:
    unknown_rules = replication_configuration()
    unknown_rules["props"] = {"replicationConfiguration": {"rules": UNKNOWN}}
    missing = replication_configuration("missing")
    missing["props"] = {}
    assert run_policy(destination_limit, [unknown_rules, missing]) == []


def test_a_configuration_whose_region_is_unknown_is_still_counted_alone() -> None:
    config = replication_configuration(rules=[rule(many_destinations(26))], region=UNKNOWN)
    config["provider"] = provider("source", region=UNKNOWN)
    sibling = replication_configuration("sibling", rules=[rule([destination("444444444444")])])
    violations = run_policy(destination_limit, [config, sibling])
    assert [urn for _, urn in violations] == [config["urn"]]
