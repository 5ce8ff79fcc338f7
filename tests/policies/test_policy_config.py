"""Policy config files: a misspelled or mistyped setting is an error, never silently ignored, and a limit the
organisation chose is reported as theirs, not as AWS's."""

from typing import Any

import pytest
from pulumi.runtime import proto

from policies.ecr_guardrails.limits import MAX_FILTERS_PER_RULE, MAX_RULES
from policies.ecr_guardrails.policy_config import UnknownSettingError
from policies.ecr_guardrails.registry_permissions import least_privilege
from policies.ecr_guardrails.replication_limits import destination_limit, rule_limits
from replication.preview.analyzer import PolicyConfigError, PolicyPackError
from replication.preview.analyzer.messages import _struct
from tests.policies.conftest import BothPaths
from tests.policies.policy_args import run_policy, violation_messages
from tests.policies.policy_stacks import (creation_template, destination, many_destinations, registry_policy,
                                          replication_configuration, rule, statement)


@pytest.mark.parametrize("config, problem", [
    ({"ecr-replication-destination-limit": {"maxDestinatons": 20}},
     "ecr-replication-destination-limit: unknown setting 'maxDestinatons' (did you mean 'maxDestinations'?); "
     "its settings are maxDestinations"),
    ({"ecr-replication-destination-limit": {"maxDestinations": "20"}},
     "ecr-replication-destination-limit.maxDestinations must be an integer (got '20')"),
    ({"ecr-replication-destination-limit": {"maxDestinations": True}},
     "ecr-replication-destination-limit.maxDestinations must be an integer (got True)"),
    ({"ecr-replication-rule-limits": {"maxRules": -1}},
     "ecr-replication-rule-limits.maxRules must be at least 0 (got -1)"),
    ({"ecr-registry-policy-least-privilege": {"allowedActions": ["ecr:BatchImportUpstreamImage", 7]}},
     "ecr-registry-policy-least-privilege.allowedActions[1] must be a string (got 7)"),
    ({"ecr-registry-policy-least-privilege": {"allowedActions": "ecr:BatchImportUpstreamImage"}},
     "ecr-registry-policy-least-privilege.allowedActions must be an array (got 'ecr:BatchImportUpstreamImage')"),
    ({"aws-explicit-providers": {"strict": True}},
     "aws-explicit-providers: unknown setting 'strict'; it has no settings"),
    ({"all": {"enforcementLevel": "advisory", "maxDestinations": 20}},
     "all: only enforcementLevel applies to every policy; move 'maxDestinations' under the policy it belongs to"),
    ({"ecr-replication-destination-limits": "advisory"},
     "the policy config names 'ecr-replication-destination-limits', a policy the pack doesn't have (did you mean "
     "'ecr-replication-destination-limit'?)"),
    ({"aws-explicit-providers": {"enforcementLevel": "mandetory"}},
     "aws-explicit-providers: enforcement level 'mandetory' is not one of advisory, mandatory, remediate, disabled "
     "(did you mean 'mandatory'?)"),
    ({"aws-explicit-providers": 3}, "aws-explicit-providers: must be an enforcement level or an object of settings"),
    ({"ecr-replication-rule-limits": {"maxRules": MAX_RULES + 5}},
     f"ecr-replication-rule-limits.maxRules must be at most {MAX_RULES} (got {MAX_RULES + 5})"),
    ({"ecr-replication-rule-limits": {"filterMinLength": 1}},
     "ecr-replication-rule-limits.filterMinLength must be at least 2 (got 1)"),
], ids=["misspelled", "string", "boolean", "negative", "item", "not a list", "no settings", "all", "policy", "level",
        "entry", "looser than AWS", "shorter than AWS"])
def test_the_harness_refuses_a_config_the_pack_does_not_declare(pack: BothPaths, config: dict[str, Any],
                                                                 problem: str) -> None:
    with pytest.raises(PolicyConfigError) as refused:
        pack.configure(config)
    assert problem in str(refused.value)


def test_every_problem_is_named_at_once(pack: BothPaths) -> None:
    config = {"ecr-replication-destination-limit": {"maxDestinatons": 20},
              "ecr-replication-rule-limits": {"maxRules": "ten"}}
    with pytest.raises(PolicyConfigError, match="maxDestinatons.*; ecr-replication-rule-limits.maxRules must be"):
        pack.configure(config)


def test_numbers_arrive_as_json_numbers(pack: BothPaths) -> None:
    """A policy config's numbers cross the analyzer protocol as JSON numbers (protobuf doubles, ``20`` arrives as
    ``20.0``) and its switches as booleans: each takes effect as the setting's type, on both SDK paths, and a
    message shows the number as the user wrote it."""
    pack.configure({"ecr-replication-destination-limit": {"maxDestinations": 20},
                    "ecr-replication-rule-limits": {"maxRules": 2},
                    "ecr-replicated-repositories-hardened": {"aes256Counts": True, "requireScanOnPush": False}})
    over = replication_configuration(rules=[rule(many_destinations(21))])
    [limit] = [d for d in pack.analyze_stack([over]) if d.policy_name == "ecr-replication-destination-limit"]
    assert "your limit is 20 (maxDestinations in the policy config; AWS allows 25). Remove 1" in limit.message
    assert not [d for d in pack.analyze_stack([replication_configuration(rules=[rule(many_destinations(20))])])
                if d.policy_name == "ecr-replication-destination-limit"]
    [rules] = pack.analyze(replication_configuration(rules=[rule([destination()])] * 3))
    assert "the configuration has 3 rules; your limit is 2 (maxRules in the policy config;" in rules.message
    assert pack.analyze_stack([creation_template(encryption="AES256")]) == []


def _raw_configure(pack: BothPaths, policy: str, settings: dict[str, Any]) -> None:
    """Configure the pack the way the Pulumi CLI does, which lets an unknown key through its schema check (only
    properties and required reach it) after filling in each declared setting's default."""
    assert pack.info is not None
    request = proto.ConfigureAnalyzerRequest()
    for info in pack.info.policies:
        properties = {key: schema["default"] for key, schema in dict(info.configSchema.properties).items()}
        properties.update(settings if info.name == policy else {})
        request.policyConfig[info.name].CopyFrom(proto.PolicyConfig(enforcementLevel=info.enforcementLevel,
                                                                    properties=_struct(properties)))
    pack._call("Configure", request)  # noqa: SLF001 (bypasses the harness's own check on purpose)


def test_the_pack_itself_refuses_a_misspelled_stack_policy_setting(pack: BothPaths) -> None:
    _raw_configure(pack, "ecr-replication-destination-limit", {"maxDestinatons": 20})
    with pytest.raises(PolicyPackError, match=r"policy config of ecr-replication-destination-limit: unknown setting "
                                              r"'maxDestinatons' \(did you mean 'maxDestinations'\?\)"):
        pack.analyze_stack([replication_configuration()])


def test_the_pack_itself_refuses_a_misspelled_resource_policy_setting(pack: BothPaths) -> None:
    _raw_configure(pack, "ecr-replication-rule-limits", {"maxRule": 5})
    with pytest.raises(PolicyPackError, match="unknown setting 'maxRule' \\(did you mean 'maxRules'\\?\\)"):
        pack.analyze(replication_configuration())


def test_the_pack_accepts_the_defaults_the_cli_fills_in(pack: BothPaths) -> None:
    _raw_configure(pack, "ecr-replication-destination-limit", {})
    assert pack.preview([replication_configuration()]) != []  # judged (a destination without a registry policy)


def test_a_policy_run_directly_refuses_an_unknown_setting() -> None:
    with pytest.raises(UnknownSettingError, match="'maxDestinatons' \\(did you mean 'maxDestinations'\\?\\)"):
        run_policy(destination_limit, [replication_configuration()], {"maxDestinatons": 20})


def test_a_violation_of_aws_own_limit_says_so() -> None:
    config = replication_configuration(rules=[rule(many_destinations(26))])
    for settings in ({}, {"maxDestinations": 25.0}):
        [message] = violation_messages(destination_limit, [config], settings)
        assert "AWS allows at most 25. Remove 1 destination(s)." in message and "your limit" not in message


def test_a_violation_of_a_chosen_destination_limit_says_your_limit() -> None:
    config = replication_configuration(rules=[rule(many_destinations(21))])
    [message] = violation_messages(destination_limit, [config], {"maxDestinations": 20.0})
    assert "your limit is 20 (maxDestinations in the policy config; AWS allows 25). Remove 1 destination(s)." \
        in message
    assert "AWS allows at most" not in message


def test_chosen_rule_and_filter_limits_say_your_limit() -> None:
    config = replication_configuration(rules=[rule([destination()], ["prod/", "team/", "base/"])] * 3)
    messages = violation_messages(rule_limits, config, {"maxRules": 2.0, "maxFiltersPerRule": 2.0})
    assert (f"the configuration has 3 rules; your limit is 2 (maxRules in the policy config; pulumi-aws allows "
            f"{MAX_RULES})") in messages[0]
    assert ("rule 1 has 3 repository filters; your limit is 2 (maxFiltersPerRule in the policy config; AWS allows "
            f"{MAX_FILTERS_PER_RULE})") in messages[1]
    assert not any("AWS allows at most" in message for message in messages)


def test_a_chosen_policy_length_says_your_limit() -> None:
    policy = registry_policy(statements=[statement()])
    [message] = violation_messages(least_privilege, policy, {"maxPolicyLength": 100.0})
    assert "your limit is 100 (maxPolicyLength in the policy config; ECR accepts 10240)" in message
    [message] = violation_messages(least_privilege, registry_policy(statements=[statement()] * 50))
    assert "ECR accepts at most 10240" in message
