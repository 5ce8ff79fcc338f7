"""`ecr-replication-rule-limits`: rules, filters and destinations AWS accepts."""

from functools import partial

import pytest

from policies.ecr_guardrails.limits import MAX_RULES
from policies.ecr_guardrails.replication_limits import rule_limits
from replication.preview.analyzer import UNKNOWN
from tests.policies.policy_args import violation_messages
from tests.policies.policy_stacks import (SOURCE_ACCOUNT, SOURCE_REGION, destination, provider,
                                          replication_configuration, rule)


messages = partial(violation_messages, rule_limits)


def test_a_valid_configuration_passes() -> None:
    rules = [rule([destination()], ["prod/", "team-a/api"])] * MAX_RULES
    assert messages(replication_configuration(rules=rules)) == []


def test_more_rules_than_pulumi_aws_takes_are_reported() -> None:
    """The API takes 25 rules, pulumi-aws's Terraform schema 10: an 11th fails `pulumi preview` (issue 19, item 1)."""
    [message] = messages(replication_configuration(rules=[rule([destination()])] * 11))
    assert message == "the configuration has 11 rules; pulumi-aws allows at most 10: merge rules that share destinations."


def test_more_than_100_filters_in_a_rule_are_reported() -> None:
    prefixes = [f"team{i}/" for i in range(101)]
    [message] = messages(replication_configuration(rules=[rule([destination()], prefixes)]))
    assert "rule 1 has 101 repository filters" in message and "at most 100" in message


def test_rule_and_filter_limits_are_configurable() -> None:
    config = replication_configuration(rules=[rule([destination()], ["ab", "cd", "ef"])] * 2)
    found = messages(config, {"maxRules": 1.0, "maxFiltersPerRule": 2.0, "filterMinLength": 3.0})
    assert any("2 rules" in m for m in found)
    assert sum("3 repository filters" in m for m in found) == 2
    assert sum("is 2 characters long" in m for m in found) == 6


def test_a_filter_type_other_than_prefix_match_is_reported() -> None:
    [message] = messages(replication_configuration(rules=[rule([destination()], filter_type="WILDCARD")]))
    assert "filterType 'WILDCARD'" in message and "'PREFIX_MATCH'" in message


def test_a_filter_without_type_is_reported() -> None:
    untyped = {"destinations": [destination()], "repositoryFilters": [{"filter": "prod/"}]}
    config = replication_configuration(rules=[untyped])
    [message] = messages(config)
    assert "filter 'prod/' has no filterType; set it to 'PREFIX_MATCH'" in message


@pytest.mark.parametrize("value, problem", [("p", "is 1 characters long"), ("a" * 257, "is 257 characters long"),
                                            ("Prod/", "not a valid repository name prefix"),
                                            ("prod//api", "not a valid repository name prefix")])
def test_filter_values_aws_rejects_are_reported(value: str, problem: str) -> None:
    [message] = messages(replication_configuration(rules=[rule([destination()], [value])]))
    assert problem in message


def test_a_destination_equal_to_the_source_registry_is_reported() -> None:
    [message] = messages(replication_configuration(rules=[rule([destination(SOURCE_ACCOUNT, SOURCE_REGION)])]))
    assert "to itself" in message and f"{SOURCE_ACCOUNT}/{SOURCE_REGION}" in message


def test_the_source_account_may_come_from_an_assumed_role() -> None:
    config = replication_configuration(rules=[rule([destination(SOURCE_ACCOUNT, SOURCE_REGION)])],
                                       resource_provider=provider("role", account=None, role_account=SOURCE_ACCOUNT))
    assert len(messages(config)) == 1


def test_same_account_in_another_region_is_fine() -> None:
    assert messages(replication_configuration(rules=[rule([destination(SOURCE_ACCOUNT, "eu-west-1")])])) == []


def test_malformed_destinations_are_reported() -> None:
    found = messages(replication_configuration(rules=[rule([destination("12345", "US_EAST")])]))
    assert any("'12345' is not a 12-digit account id" in m for m in found)
    assert any("'US_EAST' is not a region name" in m for m in found)


def test_unknown_values_and_missing_props_are_skipped() -> None:
    unknown = replication_configuration(rules=[{
        "destinations": [{"region": UNKNOWN, "registryId": SOURCE_ACCOUNT}],
        "repositoryFilters": [{"filter": UNKNOWN, "filterType": "PREFIX_MATCH"},
                              {"filter": "prod/", "filterType": UNKNOWN}]}])
    missing = replication_configuration("missing")
    missing["props"] = {}
    assert messages(unknown) == [] and messages(missing) == []


def test_other_resource_types_are_ignored() -> None:
    other = replication_configuration(rules=[rule([destination()] * 2)] * 11)
    other["type"] = "aws:s3/bucket:Bucket"
    assert messages(other) == []
