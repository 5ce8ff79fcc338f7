"""Which account an aws provider deploys into (`ecr_semantics.deployment_account`), the one rule the offline plan
and the policy pack share. Roles are assumed in the order listed, each with the previous one's credentials (IAM user
guide, "role chaining"; terraform-provider-aws#22728, pulumi-aws 7 `assumeRoles`), so the last role is the identity;
`allowedAccountIds` is checked against that identity and the provider refuses any other account."""

from __future__ import annotations

import pytest

from replication.ecr_semantics import ALLOWED_ACCOUNT_IDS, ASSUME_ROLES, DeploymentAccount, deployment_account

A, B, C = "111111111111", "222222222222", "333333333333"


def role(account: str, name: str = "deployer") -> str:
    return f"arn:aws:iam::{account}:role/{name}"


REFUSES = "the last assumed role is in an account allowedAccountIds doesn't allow, so the provider refuses to run"

CASES: dict[str, tuple[list[object], list[object], DeploymentAccount]] = {
    "one allowed account": ([A], [], DeploymentAccount(A, ALLOWED_ACCOUNT_IDS)),
    "one role": ([], [role(B)], DeploymentAccount(B, ASSUME_ROLES)),
    "a chain A then B deploys as B": ([], [role(A, "hub"), role(B)], DeploymentAccount(B, ASSUME_ROLES)),
    "a chain of three": ([], [role(A), role(C), role(B)], DeploymentAccount(B, ASSUME_ROLES)),
    "a GovCloud role": ([], [f"arn:aws-us-gov:iam::{B}:role/deployer"], DeploymentAccount(B, ASSUME_ROLES)),
    "allowed and the chain's last role agree": ([B], [role(A), role(B)], DeploymentAccount(B, ALLOWED_ACCOUNT_IDS)),
    "allowed names the chain's first role, not its last": ([A], [role(A), role(B)], DeploymentAccount(None, reason=REFUSES)),
    "allowed and the only role disagree": ([A], [role(B)], DeploymentAccount(None, reason=REFUSES)),
    "several allowed, the last role picks one": ([A, B], [role(B)], DeploymentAccount(B, ASSUME_ROLES)),
    "several allowed, the last role in none": ([A, B], [role(C)], DeploymentAccount(None, reason=REFUSES)),
    "several allowed and no role": ([A, B], [], DeploymentAccount(
        None, reason="allowedAccountIds names 2 accounts and no assumed role says which one")),
    "one allowed, the last role unreadable": ([A], [role(B), None], DeploymentAccount(A, ALLOWED_ACCOUNT_IDS)),
    "the last role unreadable, an earlier one readable": ([], [role(B), None], DeploymentAccount(
        None, reason="the last assumed role's ARN names no account")),
    "a role ARN that is an account id": ([], [B], DeploymentAccount(
        None, reason="the last assumed role's ARN names no account")),
    "a role ARN without an account": ([], ["arn:aws:iam:::role/deployer"], DeploymentAccount(
        None, reason="the last assumed role's ARN names no account")),
    "an allowed entry of 11 digits": (["11111111111"], [], DeploymentAccount(
        None, reason="an allowedAccountIds entry is no 12-digit account id")),
    "an allowed entry that is a number": ([111111111111], [role(A)], DeploymentAccount(
        None, reason="an allowedAccountIds entry is no 12-digit account id")),
    "an unknown allowed entry next to a known one": ([A, object()], [], DeploymentAccount(
        None, reason="an allowedAccountIds entry is no 12-digit account id")),
    "nothing": ([], [], DeploymentAccount(None, reason="neither allowedAccountIds nor assumeRoles names it")),
}


@pytest.mark.parametrize("case", CASES)
def test_the_account_a_provider_deploys_into(case: str) -> None:
    allowed, roles, expected = CASES[case]
    assert deployment_account(allowed, roles) == expected


def test_reasons_repeat_no_setting_a_user_may_have_made_secret() -> None:
    for allowed, roles, _ in CASES.values():
        reason = deployment_account(allowed, roles).reason
        assert not any(account in reason for account in (A, B, C)) and "deployer" not in reason
