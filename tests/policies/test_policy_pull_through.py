"""The pack on pull-through spokes: `ecr-pull-through-upstream-replicated`, one rule per registry prefix
(`ecr-replication-single-configuration`), the source registry policy as a singleton, and spokes counting nothing
toward the 25 destinations (`ecr-replication-destination-limit`)."""

import pytest

from policies.ecr_guardrails.pull_through import upstream_replicated
from policies.ecr_guardrails.replication_limits import destination_limit
from policies.ecr_guardrails.singletons import single_configuration
from replication.preview.analyzer import UNKNOWN
from tests.policies.policy_args import run_policy, violation_messages
from tests.policies.policy_stacks import (DESTINATION_ACCOUNT, DESTINATION_REGION, SOURCE_ACCOUNT, SOURCE_REGION,
                                          destination, many_destinations, pull_through_rule, registry_policy,
                                          replication_configuration, rule, source_provider, spoke_provider, statement)

SOURCE_HOST = f"{SOURCE_ACCOUNT}.dkr.ecr.{SOURCE_REGION}.amazonaws.com"
OTHER_HOST = "999999999999.dkr.ecr.eu-west-1.amazonaws.com"


def test_a_spoke_of_a_destination_that_receives_its_prefix_passes() -> None:
    stack = [replication_configuration(), pull_through_rule()]  # prod/ to 222222222222/us-west-2, cached from there
    assert run_policy(upstream_replicated, stack) == []


def test_a_spoke_of_the_source_registry_passes() -> None:
    assert run_policy(upstream_replicated, [replication_configuration(), pull_through_rule(upstream=SOURCE_HOST,
                                                                                           prefix="team")]) == []


def test_a_spoke_of_a_registry_the_stack_does_not_replicate_to_is_reported() -> None:
    spoke = pull_through_rule(upstream=OTHER_HOST)
    [(message, urn)] = run_policy(upstream_replicated, [replication_configuration(), spoke])
    assert urn == spoke["urn"]
    assert message == (
        f"pull-through cache rule 'prod' caches from 999999999999/eu-west-1 ({OTHER_HOST}), but no replication "
        "configuration in this stack replicates 'prod/' to it or from it: it would cache from a registry that never "
        "receives the images. Point upstreamRegistryUrl at the source registry or at a destination that receives "
        "these repositories, or replicate them to 999999999999/eu-west-1.")


def test_a_spoke_of_a_destination_that_does_not_receive_its_prefix_is_reported() -> None:
    other_prefix = pull_through_rule("spoke-team", prefix="team", upstream_prefix="team")
    assert len(run_policy(upstream_replicated, [replication_configuration(), other_prefix])) == 1
    # A rule without filters replicates everything; a ROOT rule (no upstream prefix) caches whatever arrives.
    everything = replication_configuration(rules=[{"destinations": [destination()]}])
    assert run_policy(upstream_replicated, [everything, other_prefix]) == []
    root = pull_through_rule("spoke-root", prefix="ROOT", upstream_prefix=None)
    assert run_policy(upstream_replicated, [replication_configuration(), root]) == []


def test_a_stack_without_replication_hears_about_every_ecr_upstream_but_not_other_registries() -> None:
    docker_hub = pull_through_rule("docker", prefix="docker-hub", upstream="registry-1.docker.io", upstream_prefix=None)
    assert len(run_policy(upstream_replicated, [pull_through_rule(), docker_hub])) == 1


def test_unknown_values_are_skipped() -> None:
    unknown_url = pull_through_rule(upstream=UNKNOWN)
    unknown_prefix = pull_through_rule("unknown-prefix", upstream=OTHER_HOST, upstream_prefix=UNKNOWN)
    assert run_policy(upstream_replicated, [replication_configuration(), unknown_url, unknown_prefix]) == []
    # An unknown destination might be the upstream: nothing can be said to be unreplicated.
    unknown_destination = replication_configuration(rules=[rule([destination(region=UNKNOWN)])])
    assert run_policy(upstream_replicated, [unknown_destination, pull_through_rule(upstream=OTHER_HOST)]) == []


def test_two_rules_for_one_prefix_of_a_registry_are_both_reported() -> None:
    first, second = pull_through_rule("first"), pull_through_rule("second", prefix="prod/")
    elsewhere = pull_through_rule("elsewhere", region="eu-west-2")
    violations = run_policy(single_configuration, [first, second, elsewhere])
    assert sorted(urn for _, urn in violations) == sorted([first["urn"], second["urn"]])
    assert all("2 PullThroughCacheRule resources cache prefix 'prod' in registry 444444444444/ap-south-1 "
               "(first, second)" in message and "PullThroughCacheRuleAlreadyExistsException" in message
               for message, _ in violations)


def test_the_source_registry_policy_is_a_singleton_too() -> None:
    grant = statement(principal="arn:aws:iam::444444444444:root", actions=["ecr:BatchGetImage"],
                      region=SOURCE_REGION, account=SOURCE_ACCOUNT)
    component = registry_policy("component-source", [grant], source_provider(), SOURCE_REGION)
    by_hand = registry_policy("by-hand", [grant], source_provider(), SOURCE_REGION)
    messages = violation_messages(single_configuration, [component, by_hand])
    assert len(messages) == 2 and "2 RegistryPolicy resources (PutRegistryPolicy) manage registry 111111111111/us-east-1" in messages[0]


@pytest.mark.parametrize("spokes", [10, 60])
def test_spokes_count_nothing_toward_the_25_destinations(spokes: int) -> None:
    replication = replication_configuration(rules=[rule(many_destinations(25))])
    rules = [pull_through_rule(f"spoke-{i}", region=f"region-{i}", resource_provider=spoke_provider(f"4{i:011}"))
             for i in range(spokes)]
    assert run_policy(destination_limit, [replication, *rules]) == []
    [message] = violation_messages(destination_limit, [replication_configuration(rules=[rule(many_destinations(26))])])
    assert message.endswith("Remove 1 destination(s). Registries served as pull-through cache spokes of a destination "
                            "don't count toward the limit.")


def test_the_destination_limit_ignores_a_pull_through_rule_that_names_a_destination_registry() -> None:
    """Only replication configurations count: a rule with an upstream in the destinations adds no destination."""
    rules = [pull_through_rule(upstream=f"{DESTINATION_ACCOUNT}.dkr.ecr.{DESTINATION_REGION}.amazonaws.com")]
    assert run_policy(destination_limit, [replication_configuration(rules=[rule(many_destinations(25))]), *rules]) == []
