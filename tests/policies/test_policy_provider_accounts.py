"""Which account the pack takes a provider to deploy into (`registries.provider_account`): the shared rule
(`ecr_semantics.deployment_account`) on props as the engine sends them (lists and objects of a provider as JSON text,
values unknown during preview). Through a role chain the last role is the identity (IAM user guide, "role chaining";
pulumi-aws 7 `assumeRoles` are assumed in order); `allowedAccountIds` refusing it leaves the account unnamed."""

import json
from typing import Any, Optional

import pytest

from policies.ecr_guardrails.registries import provider_account
from policies.ecr_guardrails.singletons import single_configuration
from replication.preview.analyzer import UNKNOWN, ProviderResource
from tests.policies.policy_args import _provider, run_policy
from tests.policies.policy_stacks import DESTINATION_ACCOUNT, DESTINATION_REGION, registry_policy, urn

HUB = "999999999999"


def role(account: str, name: str = "deployer") -> dict[str, Any]:
    return {"roleArn": f"arn:aws:iam::{account}:role/{name}"}


def aws_provider(name: str, **props: Any) -> ProviderResource:
    """An aws provider with engine-named props; lists and objects given as the engine sends them unless raw."""
    return ProviderResource(type="pulumi:providers:aws", name=name, urn=urn("pulumi:providers:aws", name),
                            props={"region": DESTINATION_REGION, **props})


def account(**props: Any) -> Optional[str]:
    found = _provider(aws_provider("p", **props))
    assert found is not None
    return provider_account(found)


CHAIN = [role(HUB, "hub"), role(DESTINATION_ACCOUNT)]

CASES: dict[str, tuple[dict[str, Any], Optional[str]]] = {
    "a chain, as JSON text": ({"assumeRoles": json.dumps(CHAIN)}, DESTINATION_ACCOUNT),
    "a chain, as a list": ({"assumeRoles": CHAIN}, DESTINATION_ACCOUNT),
    "a chain in role_arn spelling": ({"assumeRoles": json.dumps([{"role_arn": r["roleArn"]} for r in CHAIN])},
                                     DESTINATION_ACCOUNT),
    "the single assumeRole of pulumi-aws 6": ({"assumeRole": json.dumps(role(DESTINATION_ACCOUNT))}, DESTINATION_ACCOUNT),
    "allowed ids agreeing with the chain": ({"allowedAccountIds": json.dumps([DESTINATION_ACCOUNT]),
                                             "assumeRoles": json.dumps(CHAIN)}, DESTINATION_ACCOUNT),
    "allowed ids naming the chain's first role": ({"allowedAccountIds": json.dumps([HUB]),
                                                   "assumeRoles": json.dumps(CHAIN)}, None),
    "several allowed ids, the chain picks one": ({"allowedAccountIds": json.dumps([HUB, DESTINATION_ACCOUNT]),
                                                  "assumeRoles": json.dumps(CHAIN)}, DESTINATION_ACCOUNT),
    "several allowed ids and no role": ({"allowedAccountIds": json.dumps([HUB, DESTINATION_ACCOUNT])}, None),
    "an allowed id that is no account id": ({"allowedAccountIds": json.dumps(["22222222222"])}, None),
    "one allowed id, the last role unknown": ({"allowedAccountIds": [DESTINATION_ACCOUNT],
                                               "assumeRoles": [role(HUB), UNKNOWN]}, DESTINATION_ACCOUNT),
    "the last role unknown, an earlier one known": ({"assumeRoles": [role(HUB), UNKNOWN]}, None),
    "the last role's ARN unknown": ({"assumeRoles": [role(HUB), {"roleArn": UNKNOWN}]}, None),
    "an allowed id unknown next to a known one": ({"allowedAccountIds": [DESTINATION_ACCOUNT, UNKNOWN]}, None),
    "nothing": ({}, None),
}


@pytest.mark.parametrize("case", CASES)
def test_the_account_a_provider_deploys_into(case: str) -> None:
    props, expected = CASES[case]
    assert account(**props) == expected


def test_a_chain_ending_in_a_pinned_provider_s_account_shares_its_registry() -> None:
    """Two registry policies for 222222222222/us-west-2, one through a pinned provider, one through a chain that
    starts in another account: both replace the same document, so both are reported."""
    pinned = aws_provider("pinned", allowedAccountIds=json.dumps([DESTINATION_ACCOUNT]))
    chained = aws_provider("chained", assumeRoles=json.dumps(CHAIN))
    policies = [registry_policy("a", resource_provider=pinned), registry_policy("b", resource_provider=chained)]
    violations = run_policy(single_configuration, policies)
    assert sorted(urn for _, urn in violations) == sorted(p["urn"] for p in policies)
    assert all(f"registry {DESTINATION_ACCOUNT}/{DESTINATION_REGION}" in message for message, _ in violations)
