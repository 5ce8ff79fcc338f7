"""Whom an Allow may name (`iam_policy.principal_problems`), the one rule the component, `ecr-replication import` and
the policy pack apply: IAM JSON policy reference, "Principal" and "NotPrincipal"; "AWS global condition context keys"
(the principal's organization, path, account and ARN); "Condition operators" (a missing key fails a matching
operator but passes a negated one, `...IfExists` and `Null`)."""

from __future__ import annotations

from typing import Any

import botocore.session
import pytest

from replication.iam_policy import (ORGANIZATION_ID_PATTERN, PolicyDocumentError, PolicyKind, parse_policy,
                                    policy_statements, principal_problems)

REGISTRY, REPOSITORY = PolicyKind.REGISTRY, PolicyKind.REPOSITORY
SOURCE = "111111111111"
ORG = "o-a1b2c3d4e5"
EVERYONE_TO_REGISTRY = ("an Allow for the '*' principal opens the registry to every AWS account; name the accounts, "
                        "e.g. {\"AWS\": \"arn:aws:iam::<account>:root\"}")
EVERYONE_TO_REPOSITORIES = ("an Allow for the '*' principal opens the repositories to every AWS account unless a "
                            "Condition lets only your principals through: StringEquals or StringLike on "
                            "aws:PrincipalOrgID, aws:PrincipalOrgPaths, aws:PrincipalAccount, aws:PrincipalArn, naming "
                            "your organization, accounts or roles")
ALL_BUT = ("an Allow with NotPrincipal grants every principal except those it names (IAM supports NotPrincipal only "
           "with Deny); name the principals in Principal")


def not_accounts(found: str) -> str:
    return f"a registry policy may allow only AWS accounts (account ids or IAM ARNs in them); this Allow names {found}"


def problems(kind: PolicyKind, effect: str = "Allow", condition: dict[str, Any] | None = None, **element: Any,
             ) -> tuple[str, ...]:
    statement: dict[str, Any] = {"Sid": "S", "Effect": effect, "Action": "ecr:BatchGetImage", **element}
    if kind is REGISTRY:
        statement["Resource"] = "arn:aws:ecr:us-west-2:222222222222:repository/*"
    if condition is not None:
        statement["Condition"] = condition
    [parsed] = parse_policy({"Statement": [statement]}, kind)
    return principal_problems(parsed, kind)


CASES: dict[str, tuple[dict[str, Any], tuple[str, ...], tuple[str, ...]]] = {
    # (statement elements, problems in a registry policy, problems in a repository policy)
    "Deny to everyone (a guard)": ({"effect": "Deny", "Principal": "*"}, (), ()),
    "Deny to all but one": ({"effect": "Deny", "NotPrincipal": {"AWS": SOURCE}}, (), ()),
    "Deny to a service": ({"effect": "Deny", "Principal": {"Service": "ecr.amazonaws.com"}}, (), ()),
    "Allow to all but one": ({"NotPrincipal": {"AWS": SOURCE}}, (ALL_BUT,), (ALL_BUT,)),
    "Allow to everyone": ({"Principal": "*"}, (EVERYONE_TO_REGISTRY,), (EVERYONE_TO_REPOSITORIES,)),
    "Allow to AWS *": ({"Principal": {"AWS": "*"}}, (EVERYONE_TO_REGISTRY,), (EVERYONE_TO_REPOSITORIES,)),
    "Allow to an account and *": ({"Principal": {"AWS": [SOURCE, "*"]}}, (EVERYONE_TO_REGISTRY,),
                                  (EVERYONE_TO_REPOSITORIES,)),
    "Allow to an account root": ({"Principal": {"AWS": f"arn:aws:iam::{SOURCE}:root"}}, (), ()),
    "Allow to an account id": ({"Principal": {"AWS": SOURCE}}, (), ()),
    "Allow to a role in an account": ({"Principal": {"AWS": f"arn:aws:iam::{SOURCE}:role/ci"}}, (), ()),
    "Allow to a GovCloud account": ({"Principal": {"AWS": f"arn:aws-us-gov:iam::{SOURCE}:root"}}, (), ()),
    "Allow to a service": ({"Principal": {"Service": "lambda.amazonaws.com"}}, (not_accounts("Service"),), ()),
    "Allow to an account and a service": ({"Principal": {"AWS": SOURCE, "Service": "lambda.amazonaws.com"}},
                                          (not_accounts("Service"),), ()),
    "Allow to a name that is no account": ({"Principal": {"AWS": "deployer"}}, (not_accounts("deployer"),), ()),
    "Allow to nobody": ({"Principal": {}}, (not_accounts("none"),), ()),
    "Allow to everyone in an organization": (
        {"Principal": "*", "condition": {"StringEquals": {"aws:PrincipalOrgID": ORG}}}, (EVERYONE_TO_REGISTRY,), ()),
}


@pytest.mark.parametrize("case", CASES)
def test_the_rule(case: str) -> None:
    elements, in_registry, in_repository = CASES[case]
    elements = dict(elements)
    effect, condition = elements.pop("effect", "Allow"), elements.pop("condition", None)
    assert problems(REGISTRY, effect, condition, **elements) == in_registry
    assert problems(REPOSITORY, effect, condition, **elements) == in_repository


PINNING = {
    "the organization": {"StringEquals": {"aws:PrincipalOrgID": ORG}},
    "the organization, key in lower case": {"StringEquals": {"aws:principalorgid": [ORG]}},
    "an organization path": {"ForAnyValue:StringLike": {"aws:PrincipalOrgPaths": [f"{ORG}/r-ab12/ou-ab12-11111111/*"]}},
    "accounts": {"StringEquals": {"aws:PrincipalAccount": [SOURCE, "222222222222"]}},
    "roles of an account": {"ArnLike": {"aws:PrincipalArn": f"arn:aws:iam::{SOURCE}:role/ci-*"}},
    "TLS and the organization (conditions must all hold)": {"Bool": {"aws:SecureTransport": "true"},
                                                            "StringEquals": {"aws:PrincipalOrgID": ORG}},
}
NOT_PINNING = {
    "TLS only": {"Bool": {"aws:SecureTransport": "true"}},
    "no condition at all": {},
    "a wildcard organization": {"StringLike": {"aws:PrincipalOrgID": "o-*"}},
    "every organization but one": {"StringNotEquals": {"aws:PrincipalOrgID": ORG}},
    "IfExists (a principal outside any organization passes)": {"StringEqualsIfExists": {"aws:PrincipalOrgID": ORG}},
    "only that the key exists": {"Null": {"aws:PrincipalOrgID": "false"}},
    "ForAllValues (an empty set passes)": {"ForAllValues:StringLike": {"aws:PrincipalOrgPaths": [f"{ORG}/*"]}},
    "a path without its organization": {"ForAnyValue:StringLike": {"aws:PrincipalOrgPaths": ["*/ou-ab12-11111111/*"]}},
    "one of the accounts a wildcard": {"StringLike": {"aws:PrincipalAccount": [SOURCE, "*"]}},
    "an account prefix": {"StringLike": {"aws:PrincipalAccount": "1111*"}},
    "roles in any account": {"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/ci"}},
    "the source account a service acts for": {"StringEquals": {"aws:SourceAccount": SOURCE}},
}


@pytest.mark.parametrize("condition", PINNING)
def test_a_repository_policy_may_allow_everyone_its_condition_pins(condition: str) -> None:
    assert problems(REPOSITORY, condition=PINNING[condition], Principal="*") == ()
    assert problems(REGISTRY, condition=PINNING[condition], Principal="*") == (EVERYONE_TO_REGISTRY,)


@pytest.mark.parametrize("condition", NOT_PINNING)
def test_a_condition_that_lets_others_through_pins_nothing(condition: str) -> None:
    assert problems(REPOSITORY, condition=NOT_PINNING[condition], Principal="*") == (EVERYONE_TO_REPOSITORIES,)


def test_the_organization_id_pattern_is_the_organizations_api_model_s() -> None:
    model = botocore.session.get_session().get_service_model("organizations")
    assert ORGANIZATION_ID_PATTERN.pattern == model.shape_for("OrganizationId").metadata["pattern"]


def test_a_repository_policy_statement_needs_no_resource_a_registry_policy_statement_does() -> None:
    statement = {"Effect": "Allow", "Principal": {"AWS": SOURCE}, "Action": "ecr:BatchGetImage"}
    [parsed] = parse_policy({"Statement": statement}, REPOSITORY)
    assert (parsed.resources, parsed.not_resources) == (None, None)
    with pytest.raises(PolicyDocumentError, match="exactly one of Resource and NotResource"):
        parse_policy({"Statement": statement})


@pytest.mark.parametrize("condition", ["aws:SecureTransport", {"Bool": "aws:SecureTransport"}, ["Bool"]])
def test_a_condition_that_is_not_operators_of_keys_is_an_error(condition: Any) -> None:
    with pytest.raises(PolicyDocumentError, match="statement S Condition must map operators to objects"):
        parse_policy({"Statement": {"Sid": "S", "Effect": "Deny", "Principal": "*", "Action": "ecr:*", "Resource": "*",
                                    "Condition": condition}})


def test_condition_values_that_are_not_strings_are_read_as_their_json() -> None:
    [parsed] = parse_policy({"Statement": {"Effect": "Deny", "Principal": "*", "Action": "ecr:*", "Resource": "*",
                                           "Condition": {"Bool": {"aws:SecureTransport": False}}}})
    assert [(t.operator, t.key, t.values) for t in parsed.conditions] == [("Bool", "aws:SecureTransport", ("false",))]
    assert parsed.conditional


@pytest.mark.parametrize(
    ("document", "statements"),
    [({"Statement": {"Sid": "one"}}, ({"Sid": "one"},)), ('{"Statement": [{"Sid": "a"}, {"Sid": "b"}]}',
                                                           ({"Sid": "a"}, {"Sid": "b"})),
     ({"Version": "2012-10-17"}, ()), ({"Statement": "text"}, ())],
    ids=["one object", "a list, as text", "none", "neither object nor list"],
)
def test_the_statement_element_is_one_object_or_a_list(document: Any, statements: tuple[Any, ...]) -> None:
    assert policy_statements(document) == statements
