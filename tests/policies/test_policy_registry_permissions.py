"""`ecr-registry-policy-least-privilege` and `ecr-replication-has-permission`."""

from functools import partial

import pytest

from policies.ecr_guardrails.registry_permissions import has_permission, least_privilege
from replication.preview.analyzer import UNKNOWN, PolicyPackServer
from tests.policies.policy_args import run_policy, violation_messages

PROD = "arn:aws:ecr:us-west-2:222222222222:repository/prod/*"
from tests.policies.policy_stacks import (DESTINATION_ACCOUNT, SOURCE_ACCOUNT, destination, guarded_stack,
                                          provider, registry_policy, replication_configuration, rule, statement)


least_privilege_messages = partial(violation_messages, least_privilege)
permission_messages = partial(violation_messages, has_permission)


def test_the_documented_replication_statement_passes() -> None:
    assert least_privilege_messages(registry_policy()) == []
    assert least_privilege_messages(registry_policy(statements=[statement(principal=SOURCE_ACCOUNT)])) == []


@pytest.mark.parametrize("principal", ["*", ["*"], [f"arn:aws:iam::{SOURCE_ACCOUNT}:root", "*"]])
def test_a_star_principal_is_reported(principal: object) -> None:
    found = least_privilege_messages(registry_policy(statements=[statement(principal=principal)]))
    assert any("'*' principal" in m for m in found)


def test_an_allow_with_not_principal_is_reported() -> None:
    all_but_one = statement(sid="AllButOne")
    all_but_one["NotPrincipal"] = all_but_one.pop("Principal")
    assert least_privilege_messages(registry_policy(statements=[statement(), all_but_one])) == [
        "statement AllButOne: an Allow with NotPrincipal grants every principal except those it names (IAM supports "
        "NotPrincipal only with Deny); name the principals in Principal."]


def test_a_deny_statement_may_use_a_star_principal_and_any_action() -> None:
    deny = statement(principal="*", actions=["ecr:*"], effect="Deny", sid="DenyAll")
    assert least_privilege_messages(registry_policy(statements=[statement(), deny])) == []


def test_actions_beyond_replication_are_reported_unless_allowed_in_config() -> None:
    policy = registry_policy(statements=[statement(actions=["ecr:ReplicateImage", "ecr:PutImage"])])
    [message] = least_privilege_messages(policy)
    assert "grants ecr:PutImage" in message and "allowedActions" in message
    assert least_privilege_messages(policy, {"allowedActions": ["ecr:PutImage"]}) == []


PULL_THROUGH_GRANT = statement(principal="arn:aws:iam::444444444444:root", sid="AllowPullThroughCacheToSpokeAccounts",
                               actions=["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer",
                                        "ecr:BatchImportUpstreamImage", "ecr:GetImageCopyStatus"])
"""The statement the ECR user guide documents for a spoke account in the upstream's registry policy ("Setting up
permissions for cross-account ECR to ECR PTC"), with the component's prefix-narrowed Resource."""


def test_the_documented_pull_through_grant_passes_unless_switched_off() -> None:
    policy = registry_policy(statements=[statement(), PULL_THROUGH_GRANT])
    assert least_privilege_messages(policy) == []
    [message] = least_privilege_messages(policy, {"allowPullThroughGrants": False})
    assert message == (
        "Allow statement AllowPullThroughCacheToSpokeAccounts grants ecr:BatchGetImage, ecr:GetDownloadUrlForLayer, "
        "ecr:BatchImportUpstreamImage, ecr:GetImageCopyStatus; replication needs only ecr:CreateRepository and "
        "ecr:ReplicateImage (list other actions in allowedActions to permit them).")


def test_with_pull_through_grants_allowed_other_actions_are_still_reported_naming_both_needs() -> None:
    [message] = least_privilege_messages(registry_policy(statements=[statement(actions=["ecr:PutImage"])]))
    assert message.endswith("grants ecr:PutImage; replication needs only ecr:CreateRepository and ecr:ReplicateImage, "
                            "pull-through spokes ecr:BatchGetImage, ecr:GetDownloadUrlForLayer, "
                            "ecr:BatchImportUpstreamImage, ecr:GetImageCopyStatus (list other actions in "
                            "allowedActions to permit them).")


def test_wildcard_actions_and_not_action_are_reported() -> None:
    not_action = statement(actions=[])
    del not_action["Action"]
    not_action["NotAction"] = "ecr:DeleteRepository"
    found = least_privilege_messages(registry_policy(statements=[statement(actions="ecr:*"), not_action]))
    assert any("grants ecr:*" in m for m in found) and any("NotAction" in m for m in found)


def test_allow_statements_must_name_accounts() -> None:
    service = statement(sid="ToAService")
    service["Principal"] = {"Service": "ecr.amazonaws.com"}
    found = least_privilege_messages(registry_policy(statements=[service, statement(principal="someone", sid="Typo")]))
    assert found == [
        "statement ToAService: a registry policy may allow only AWS accounts (account ids or IAM ARNs in them); this "
        "Allow names Service.",
        "statement Typo: a registry policy may allow only AWS accounts (account ids or IAM ARNs in them); this Allow "
        "names someone."]


def test_a_policy_that_is_not_json_is_reported() -> None:
    policy = registry_policy()
    policy["props"] = {"region": "us-west-2", "policy": "{not json"}
    [message] = least_privilege_messages(policy)
    assert message.startswith("the policy is not a JSON policy document IAM could evaluate (the policy is not valid "
                              "JSON")


def test_policy_text_longer_than_ecr_accepts_is_reported() -> None:
    long_policy = registry_policy(statements=[statement(sid=f"S{i}") for i in range(60)])
    length = len(long_policy["props"]["policy"])
    assert length > 10_240
    assert least_privilege_messages(long_policy) == [f"the policy text is {length} characters long; ECR accepts at "
                                                     f"most 10240: merge statements or narrow their Resource lists."]
    assert least_privilege_messages(long_policy, {"maxPolicyLength": float(length)}) == []


def test_unknown_or_missing_policy_text_is_skipped() -> None:
    unknown, missing = registry_policy("unknown"), registry_policy("missing")
    unknown["props"] = {"policy": UNKNOWN}
    missing["props"] = {}
    assert least_privilege_messages(unknown) == [] and least_privilege_messages(missing) == []


def test_a_granting_destination_policy_satisfies_replication() -> None:
    assert permission_messages(guarded_stack()) == []


def test_a_cross_account_destination_without_policy_is_warned_about() -> None:
    config = replication_configuration()
    violations = run_policy(has_permission, [config])
    [(message, urn)] = violations
    assert urn == config["urn"]
    assert f"destination {DESTINATION_ACCOUNT}/us-west-2 has no registry policy" in message
    assert "will fail unless the registry policy there lets arn:aws:iam::111111111111:root do" in message


def test_a_policy_missing_create_repository_is_warned_about() -> None:
    policy = registry_policy(statements=[statement(actions=["ecr:ReplicateImage"])])
    [message] = permission_messages([replication_configuration(), policy])
    assert (f"has a registry policy that does not let 111111111111 do ecr:CreateRepository on {PROD}: "
            "not granted: no statement allows it.") in message


REPLICATION_ROLE = (f"arn:aws:iam::{SOURCE_ACCOUNT}:role/aws-service-role/replication.ecr.amazonaws.com/"
                    "AWSServiceRoleForECRReplication")
"""The role ECR replicates cross-account as (ECR user guide, "Amazon ECR service-linked role for replication")."""


def test_a_deny_naming_the_replication_role_is_warned_about() -> None:
    """The account is granted, but ECR replicates as its service-linked role, and a Deny naming that role wins."""
    role_deny = statement(principal=REPLICATION_ROLE, actions=["ecr:ReplicateImage"], effect="Deny", sid="NoRole")
    [message] = permission_messages([replication_configuration(), registry_policy(statements=[statement(), role_deny])])
    assert (f"has a registry policy that denies 111111111111 ecr:ReplicateImage on {PROD}: explicitly denied by "
            "statement NoRole.") in message


def test_a_deny_naming_another_role_of_the_source_account_leaves_replication_alone() -> None:
    other = statement(principal=f"arn:aws:iam::{SOURCE_ACCOUNT}:role/deployer", actions=["ecr:*"], effect="Deny")
    assert permission_messages([replication_configuration(), registry_policy(statements=[statement(), other])]) == []


def test_create_repository_can_be_left_out_when_repositories_are_pre_created() -> None:
    policy = registry_policy(statements=[statement(actions=["ecr:ReplicateImage"])])
    assert violation_messages(has_permission, [replication_configuration(), policy],
                              {"requireCreateRepository": False}) == []
    lacking = registry_policy(statements=[statement(actions=["ecr:CreateRepository"])])
    [message] = violation_messages(has_permission, [replication_configuration(), lacking],
                                   {"requireCreateRepository": False})
    assert f"does not let 111111111111 do ecr:ReplicateImage on {PROD}: not granted" in message


def test_a_policy_granting_another_prefix_is_warned_about() -> None:
    """Issue 10.3: a policy that grants only repository/dev/* while prod/ replicates does not let prod/ replicate."""
    policy = registry_policy(statements=[statement(resources="arn:aws:ecr:us-west-2:222222222222:repository/dev/*")])
    [message] = permission_messages([replication_configuration(), policy])
    assert f"ecr:ReplicateImage on {PROD}: not granted: no statement allows it" in message


def test_a_deny_or_a_condition_in_the_policy_is_evaluated() -> None:
    deny = statement(principal="*", effect="Deny", sid="NoSecrets", actions=["ecr:ReplicateImage"],
                     resources="arn:aws:ecr:us-west-2:222222222222:repository/prod/secret*")
    [denied] = permission_messages([replication_configuration(), registry_policy(statements=[statement(), deny])])
    assert f"ecr:ReplicateImage on {PROD}: explicitly denied by statement NoSecrets" in denied
    conditional = statement()
    conditional["Condition"] = {"StringEquals": {"aws:SourceAccount": "111111111111"}}
    [unprovable] = permission_messages([replication_configuration(), registry_policy(statements=[conditional])])
    assert "depends on the Condition of statement" in unprovable


def test_a_policy_for_another_account_does_not_count() -> None:
    policy = registry_policy(statements=[statement(principal="arn:aws:iam::999999999999:root")])
    assert len(permission_messages([replication_configuration(), policy])) == 1


def test_a_policy_is_found_by_its_resource_arns_when_its_provider_names_no_account() -> None:
    policy = registry_policy(resource_provider=provider("anonymous", region="us-west-2", account=None))
    assert permission_messages([replication_configuration(), policy]) == []


def test_a_policy_put_into_another_account_does_not_count_whatever_its_arns_say() -> None:
    """A policy deployed into 999999999999's registry governs that registry, even though its Resource ARNs name the
    destination's (the identity mistake issue 10 fixed in check)."""
    policy = registry_policy(resource_provider=provider("elsewhere", region="us-west-2", account="999999999999"))
    [message] = permission_messages([replication_configuration(), policy])
    assert "has no registry policy in this stack" in message


def test_a_policy_put_into_another_region_does_not_count_whatever_its_arns_say() -> None:
    policy = registry_policy(region="eu-west-1")  # its statement's ARNs name us-west-2
    [message] = permission_messages([replication_configuration(), policy])
    assert "has no registry policy in this stack" in message
    anonymous = registry_policy(region="eu-west-1", resource_provider=provider("anonymous", region="eu-west-1",
                                                                               account=None))
    assert len(permission_messages([replication_configuration(), anonymous])) == 1


def test_a_policy_in_another_region_does_not_count() -> None:
    policy = registry_policy(region="eu-west-1", statements=[statement(region="eu-west-1")])
    assert len(permission_messages([replication_configuration(), policy])) == 1


def test_same_account_destinations_need_no_policy() -> None:
    assert permission_messages([replication_configuration(rules=[rule([destination(SOURCE_ACCOUNT)])])]) == []


def test_unknown_policy_text_or_unknown_source_account_is_skipped() -> None:
    unknown_policy = registry_policy()
    unknown_policy["props"] = {"region": "us-west-2", "policy": UNKNOWN}
    anonymous_source = replication_configuration(resource_provider=provider("anonymous", account=None))
    assert permission_messages([replication_configuration(), unknown_policy]) == []
    assert permission_messages([anonymous_source]) == []


def test_it_is_advisory_by_default_and_can_be_made_mandatory(pack: PolicyPackServer) -> None:
    resources = [replication_configuration()]
    [default] = [d for d in pack.analyze_stack(resources) if d.policy_name == "ecr-replication-has-permission"]
    pack.configure({"ecr-replication-has-permission": {"enforcementLevel": "mandatory"}})
    [configured] = [d for d in pack.analyze_stack(resources) if d.policy_name == "ecr-replication-has-permission"]
    assert (default.enforcement_level, configured.enforcement_level) == ("advisory", "mandatory")
