"""The registry-policy evaluator against IAM's evaluation rules (IAM JSON policy reference: "Policy evaluation
logic", "Principal", "NotPrincipal", "Action"/"NotAction", "Resource"/"NotResource", "Condition"), asked for the
principal ECR replicates as: the source account's service-linked role (ECR user guide, "Amazon ECR service-linked
role for replication")."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from replication.iam_policy import (PolicyDocumentError, Resources, Verdict, evaluate, parse_policy, pattern_covers,
                                    pattern_overlaps, replication_caller)

SOURCE = "111111111111"
REPOSITORIES = "arn:aws:ecr:us-west-2:222222222222:repository/"
ROOT = f"arn:aws:iam::{SOURCE}:root"
REPLICATION_ROLE = f"arn:aws:iam::{SOURCE}:role/aws-service-role/replication.ecr.amazonaws.com/AWSServiceRoleForECRReplication"
"""The ARN ECR replicates as, written out here as AWS documents it (not computed by the code under test)."""
CALLER = replication_caller(SOURCE, "aws")


def allow(**fields: Any) -> dict[str, Any]:
    return {"Effect": "Allow", **fields}


def deny(**fields: Any) -> dict[str, Any]:
    return {"Effect": "Deny", **fields}


def replication(**overrides: Any) -> dict[str, Any]:
    """AWS's documented replication statement, with some elements changed."""
    statement = {"Sid": "Replication", "Effect": "Allow", "Principal": {"AWS": ROOT},
                 "Action": ["ecr:CreateRepository", "ecr:ReplicateImage"], "Resource": f"{REPOSITORIES}*"}
    statement.update(overrides)
    return statement


def verdict(statements: list[dict[str, Any]], action: str = "ecr:ReplicateImage", prefix: str = "prod/",
            account: str = SOURCE, partition: str = "aws", base: str = REPOSITORIES, exact: bool = False) -> Verdict:
    policy = parse_policy({"Version": "2012-10-17", "Statement": statements})
    resources = Resources.exactly(base + prefix) if exact else Resources.starting_with(base + prefix)
    return evaluate(policy, replication_caller(account, partition), action, resources).verdict


ALLOWED, DENIED, NOT_GRANTED, CONDITIONAL = Verdict.ALLOWED, Verdict.DENIED, Verdict.NOT_GRANTED, Verdict.CONDITIONAL

CASES: dict[str, tuple[list[dict[str, Any]], dict[str, Any], Verdict]] = {
    # principals
    "root ARN": ([replication()], {}, ALLOWED),
    "bare account id": ([replication(Principal={"AWS": SOURCE})], {}, ALLOWED),
    "list of principals": ([replication(Principal={"AWS": ["arn:aws:iam::999999999999:root", ROOT]})], {}, ALLOWED),
    "AWS wildcard": ([replication(Principal={"AWS": "*"})], {}, ALLOWED),
    "wildcard principal": ([replication(Principal="*")], {}, ALLOWED),
    "another account": ([replication(Principal={"AWS": "arn:aws:iam::999999999999:root"})], {}, NOT_GRANTED),
    "another role of the account is not the replication role": (
        [replication(Principal={"AWS": f"arn:aws:iam::{SOURCE}:role/deployer"})], {}, NOT_GRANTED),
    "the replication role itself": ([replication(Principal={"AWS": REPLICATION_ROLE})], {}, ALLOWED),
    "the role without its path is another role": (
        [replication(Principal={"AWS": f"arn:aws:iam::{SOURCE}:role/AWSServiceRoleForECRReplication"})], {},
        NOT_GRANTED),
    "a service principal": ([replication(Principal={"Service": "ecr.amazonaws.com"})], {}, NOT_GRANTED),
    "the replication service principal is not its role": (
        [replication(Principal={"Service": "replication.ecr.amazonaws.com"})], {}, NOT_GRANTED),
    "an Allow with NotPrincipal grants nothing": (
        [replication(Principal=None, NotPrincipal={"AWS": "arn:aws:iam::999999999999:root"})], {}, NOT_GRANTED),
    # a Deny naming the account, its root, "*" or the replication role takes replication away; other roles don't
    "deny naming the replication role": (
        [replication(), deny(Principal={"AWS": REPLICATION_ROLE}, Action="ecr:ReplicateImage", Resource="*")], {},
        DENIED),
    "deny naming the replication role among others": (
        [replication(), deny(Principal={"AWS": [f"arn:aws:iam::{SOURCE}:role/deployer", REPLICATION_ROLE]},
                             Action="ecr:*", Resource="*")], {}, DENIED),
    "deny naming the root": ([replication(), deny(Principal={"AWS": ROOT}, Action="ecr:*", Resource="*")], {}, DENIED),
    "deny naming another role of the account": (
        [replication(), deny(Principal={"AWS": f"arn:aws:iam::{SOURCE}:role/deployer"}, Action="ecr:*", Resource="*")],
        {}, ALLOWED),
    "deny naming another account": (
        [replication(), deny(Principal={"AWS": "999999999999"}, Action="ecr:*", Resource="*")], {}, ALLOWED),
    "NotPrincipal deny exempting only the account still denies its role": (
        [replication(), deny(NotPrincipal={"AWS": ROOT}, Action="ecr:*", Resource="*")], {}, DENIED),
    "NotPrincipal deny exempting only the role still denies it": (
        [replication(), deny(NotPrincipal={"AWS": REPLICATION_ROLE}, Action="ecr:*", Resource="*")], {}, DENIED),
    "NotPrincipal deny exempting the account and the replication role": (
        [replication(), deny(NotPrincipal={"AWS": [REPLICATION_ROLE, SOURCE]}, Action="ecr:*", Resource="*")], {},
        ALLOWED),
    "NotPrincipal deny exempting the account and another role": (
        [replication(), deny(NotPrincipal={"AWS": [ROOT, f"arn:aws:iam::{SOURCE}:role/deployer"]}, Action="ecr:*",
                             Resource="*")], {}, DENIED),
    "NotPrincipal deny naming another account": (
        [replication(), deny(NotPrincipal={"AWS": "arn:aws:iam::999999999999:root"}, Action="ecr:*", Resource="*")],
        {}, DENIED),
    # actions
    "ecr:*": ([replication(Action="ecr:*")], {}, ALLOWED),
    "ecr:Replicate*": ([replication(Action="ecr:Replicate*")], {}, ALLOWED),
    "ecr:Replicate* does not grant CreateRepository": (
        [replication(Action="ecr:Replicate*")], {"action": "ecr:CreateRepository"}, NOT_GRANTED),
    "star action": ([replication(Action="*")], {}, ALLOWED),
    "question mark": ([replication(Action="ecr:ReplicateImag?")], {}, ALLOWED),
    "actions are case-insensitive": ([replication(Action="ECR:replicateimage")], {}, ALLOWED),
    "only CreateRepository": ([replication(Action="ecr:CreateRepository")], {}, NOT_GRANTED),
    "NotAction leaving ReplicateImage in": ([replication(Action=None, NotAction="ecr:DeleteRepository")], {}, ALLOWED),
    "NotAction taking ReplicateImage out": ([replication(Action=None, NotAction="ecr:Replicate*")], {}, NOT_GRANTED),
    # resources
    "another prefix": ([replication(Resource=f"{REPOSITORIES}dev/*")], {}, NOT_GRANTED),
    "the same prefix": ([replication(Resource=f"{REPOSITORIES}prod/*")], {}, ALLOWED),
    "a wider prefix": ([replication(Resource=f"{REPOSITORIES}prod*")], {"prefix": "prod-api"}, ALLOWED),
    "a segment prefix does not cover a string prefix": (
        [replication(Resource=f"{REPOSITORIES}prod/*")], {"prefix": "prod"}, NOT_GRANTED),
    "one repository does not cover a prefix": ([replication(Resource=f"{REPOSITORIES}prod/api")], {}, NOT_GRANTED),
    "one repository, asked exactly": (
        [replication(Resource=f"{REPOSITORIES}prod/api")], {"prefix": "prod/api", "exact": True}, ALLOWED),
    "a trailing ? covers no prefix": ([replication(Resource=f"{REPOSITORIES}prod/?")], {}, NOT_GRANTED),
    "resource star": ([replication(Resource="*")], {}, ALLOWED),
    "resources are case-sensitive": ([replication(Resource=f"{REPOSITORIES}PROD/*")], {}, NOT_GRANTED),
    "another region": (
        [replication(Resource="arn:aws:ecr:eu-west-1:222222222222:repository/*")], {}, NOT_GRANTED),
    "every repository needs repository/*": (
        [replication(Resource=f"{REPOSITORIES}prod/*")], {"prefix": ""}, NOT_GRANTED),
    "NotResource elsewhere": ([replication(Resource=None, NotResource=f"{REPOSITORIES}secret/*")], {}, ALLOWED),
    "NotResource inside the prefix": (
        [replication(Resource=None, NotResource=f"{REPOSITORIES}prod/secret*")], {}, NOT_GRANTED),
    # explicit deny wins
    "deny on part of the prefix": (
        [replication(), deny(Principal="*", Action="ecr:ReplicateImage", Resource=f"{REPOSITORIES}prod/secret*")],
        {}, DENIED),
    "deny on another prefix": (
        [replication(), deny(Principal="*", Action="ecr:ReplicateImage", Resource=f"{REPOSITORIES}dev/*")], {}, ALLOWED),
    "deny of another action": (
        [replication(), deny(Principal="*", Action="ecr:DeleteRepository", Resource="*")], {}, ALLOWED),
    "deny everything but the prefix": (
        [replication(), deny(Principal="*", Action="ecr:*", NotResource=f"{REPOSITORIES}prod/*")],
        {"prefix": "dev/"}, DENIED),
    "deny everything but the prefix, asked about it": (
        [replication(), deny(Principal="*", Action="ecr:*", NotResource=f"{REPOSITORIES}prod/*")], {}, ALLOWED),
    "deny before allow": (
        [deny(Principal={"AWS": SOURCE}, Action="ecr:*", Resource="*"), replication()], {}, DENIED),
    # conditions are not evaluated
    "conditional allow": (
        [replication(Condition={"StringEquals": {"aws:SourceAccount": SOURCE}})], {}, CONDITIONAL),
    "conditional deny that may apply": (
        [replication(), deny(Principal="*", Action="ecr:*", Resource="*",
                             Condition={"Bool": {"aws:SecureTransport": "false"}})], {}, CONDITIONAL),
    "conditional deny elsewhere": (
        [replication(), deny(Principal="*", Action="ecr:*", Resource=f"{REPOSITORIES}dev/*",
                             Condition={"Bool": {"aws:SecureTransport": "false"}})], {}, ALLOWED),
    "unconditional allow beside a conditional one": (
        [replication(Condition={"Bool": {"aws:SecureTransport": "true"}}), replication(Sid="Plain")], {}, ALLOWED),
    # partitions
    "China: the aws-cn root": (
        [replication(Principal={"AWS": f"arn:aws-cn:iam::{SOURCE}:root"}, Resource="*")],
        {"partition": "aws-cn", "base": "arn:aws-cn:ecr:cn-northwest-1:222222222222:repository/"}, ALLOWED),
    "China: an aws root names no account there": (
        [replication(Resource="*")],
        {"partition": "aws-cn", "base": "arn:aws-cn:ecr:cn-northwest-1:222222222222:repository/"}, NOT_GRANTED),
    "China: a deny naming the aws-cn replication role": (
        [replication(Principal={"AWS": SOURCE}, Resource="*"),
         deny(Principal={"AWS": REPLICATION_ROLE.replace("arn:aws:", "arn:aws-cn:")}, Action="ecr:*", Resource="*")],
        {"partition": "aws-cn", "base": "arn:aws-cn:ecr:cn-northwest-1:222222222222:repository/"}, DENIED),
    "China: an aws role ARN is no role there": (
        [replication(Principal={"AWS": SOURCE}, Resource="*"),
         deny(Principal={"AWS": REPLICATION_ROLE}, Action="ecr:*", Resource="*")],
        {"partition": "aws-cn", "base": "arn:aws-cn:ecr:cn-northwest-1:222222222222:repository/"}, ALLOWED),
    "China: an aws resource ARN": (
        [replication(Principal={"AWS": SOURCE})],
        {"partition": "aws-cn", "base": "arn:aws-cn:ecr:cn-northwest-1:222222222222:repository/"}, NOT_GRANTED),
    "GovCloud": (
        [replication(Principal={"AWS": f"arn:aws-us-gov:iam::{SOURCE}:root"},
                     Resource="arn:aws-us-gov:ecr:us-gov-west-1:222222222222:repository/*")],
        {"partition": "aws-us-gov", "base": "arn:aws-us-gov:ecr:us-gov-west-1:222222222222:repository/"}, ALLOWED),
}


def _without_none(statement: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in statement.items() if value is not None}


@pytest.mark.parametrize("case", CASES)
def test_evaluation(case: str) -> None:
    statements, request, expected = CASES[case]
    assert verdict([_without_none(s) for s in statements], **request) == expected


def test_a_partial_grant_is_named_in_the_explanation() -> None:
    policy = parse_policy({"Statement": [replication(Resource=f"{REPOSITORIES}prod/api*")]})
    decision = evaluate(policy, CALLER, "ecr:ReplicateImage", Resources.starting_with(f"{REPOSITORIES}prod/"))
    assert decision.verdict is NOT_GRANTED
    assert decision.explain() == "not granted: statement Replication allows it on only part of these repositories"


def test_a_condition_is_named_in_the_explanation() -> None:
    policy = parse_policy({"Statement": [replication(Condition={"Bool": {"aws:SecureTransport": "true"}})]})
    decision = evaluate(policy, CALLER, "ecr:ReplicateImage", Resources.starting_with(REPOSITORIES))
    assert "Condition of statement Replication" in decision.explain()
    assert not decision.allowed


def test_a_single_statement_object_is_read() -> None:
    policy = parse_policy('{"Statement": ' + str(replication()).replace("'", '"') + "}")
    assert [s.label for s in policy] == ["Replication"]


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ("not json", "not valid JSON"),
        ([], "not a JSON object"),
        ({"Statement": []}, "no Statement"),
        ({"Statement": [{"Principal": "*", "Action": "ecr:*", "Resource": "*"}]}, "statement #1 has Effect None"),
        ({"Statement": [replication(NotAction="ecr:*")]}, "exactly one of Action and NotAction"),
        ({"Statement": [replication(Resource=None)]}, "exactly one of Resource and NotResource"),
        ({"Statement": [replication(Principal="111111111111")]}, "Principal must be"),
        ({"Statement": [replication(Action=["ecr:*", 3])]}, "Action must be a string or a list of strings"),
    ],
)
def test_documents_iam_could_not_evaluate_are_errors(document: Any, message: str) -> None:
    if isinstance(document, dict):
        document = {"Statement": [_without_none(s) for s in document["Statement"]]}
    with pytest.raises(PolicyDocumentError, match=message):
        parse_policy(document)


# The prefix matching against brute force: every continuation of a prefix over a small alphabet, up to a length.
ALPHABET = "ab/"
patterns = st.text(alphabet="ab/*?", max_size=6)
prefixes = st.text(alphabet=ALPHABET, max_size=4)


def _continuations(length: int) -> list[str]:
    return ["".join(chars) for n in range(length + 1) for chars in itertools.product(ALPHABET, repeat=n)]


CONTINUATIONS = _continuations(4)


def _matches(pattern: str, text: str) -> bool:
    return evaluate(parse_policy({"Statement": [replication(Resource=pattern, Principal="*")]}), CALLER,
                    "ecr:ReplicateImage", Resources.exactly(text)).allowed


@given(patterns, prefixes)
def test_a_covering_pattern_matches_every_continuation(pattern: str, prefix: str) -> None:
    if pattern_covers(pattern, Resources.starting_with(prefix)):
        assert all(_matches(pattern, prefix + rest) for rest in CONTINUATIONS)


@given(patterns, prefixes)
def test_a_pattern_overlaps_exactly_when_some_continuation_matches(pattern: str, prefix: str) -> None:
    some = any(_matches(pattern, prefix + rest) for rest in _continuations(len(pattern) + 1))
    assert pattern_overlaps(pattern, Resources.starting_with(prefix)) == some


@given(patterns, prefixes)
def test_a_pattern_ending_in_a_star_covers_whatever_it_matches(pattern: str, prefix: str) -> None:
    if pattern.endswith("*") and _matches(pattern, prefix):
        assert pattern_covers(pattern, Resources.starting_with(prefix))
