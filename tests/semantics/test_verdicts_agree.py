"""The shared evaluator, `check`, the policy pack, `ecr-replication import` and the component against an oracle
written here from IAM's evaluation rules, on generated registry policies.

The oracle is a brute-force reading, independent of `replication.iam_policy`: it takes concrete requests (a
principal, an action, one repository ARN) and decides each one as the IAM user guide says ("Policy evaluation
logic": an explicit Deny wins over any Allow, and without an Allow the request is implicitly denied), statement by
statement, with its own wildcard matcher. The principals are concrete too: the source account's root, the role ECR
replicates as (its service-linked role, ECR user guide "Amazon ECR service-linked role for replication"),
another role of the source account, and another account. A prefix is granted when every repository name of a
fixed set that starts with it is; the set holds a witness for every distinction the generated resource patterns
can make.

The generated statements name the account root, the account id, `"*"`, the replication role, other roles of the
source account, another account and a service, in `Principal` and in `NotPrincipal`, with Allow and Deny, so a
Deny naming the replication role (which blocks replication though the account is granted) is drawn often.
"""

from __future__ import annotations

import itertools
import json
import operator
from dataclasses import dataclass
from enum import Enum
from functools import cache
from typing import Any

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from policies.ecr_guardrails.registry_permissions import has_permission, least_privilege
from replication import EcrReplication, EcrReplicationArgs, ReplicationConfigError, ReplicationDestinationArgs
from replication.cli.check import registry_policy_findings
from replication.ecr_semantics import Registry
from replication.iam_policy import Caller, Resources, Verdict, evaluate, parse_policy, replication_caller
from replication.model import POLICY_SID
from replication.preview.analyzer import stack_resources
from replication.preview.runner import run_offline
from replication.stack.importer import LiveRegistry, LiveSetup, config_from_live
from tests.conftest import account_provider
from tests.policies.policy_args import violation_messages
from tests.policies.policy_stacks import destination, provider, registry_policy, replication_configuration, rule

SOURCE, OTHER_ACCOUNT, DEST, REGION = "111111111111", "999999999999", "222222222222", "us-west-2"
REPOSITORIES = f"arn:aws:ecr:{REGION}:{DEST}:repository/"
ROOT = f"arn:aws:iam::{SOURCE}:root"
REPLICATION_ROLE = f"arn:aws:iam::{SOURCE}:role/aws-service-role/replication.ecr.amazonaws.com/AWSServiceRoleForECRReplication"
"""The role ECR replicates as, written out as AWS documents it (not computed by the code under test)."""
DEPLOYER = f"arn:aws:iam::{SOURCE}:role/deployer"
OTHER_ROOT = f"arn:aws:iam::{OTHER_ACCOUNT}:root"

ACTIONS = ("ecr:ReplicateImage", "ecr:CreateRepository")
"""What replication needs (ECR user guide, "Private registry permissions")."""

PREFIXES = ("", "prod/", "prod", "dev/", "prod/api")
"""The prefixes asked about ("": every repository)."""

NAMES = ("prod/x", "prod/api", "prod/api/x", "prod/apix", "prod/secret", "prod/secret-x", "prod-x", "prodx", "prod",
         "dev/x", "dev", "x", "secret")
"""Concrete repository names; those starting with a prefix stand for every repository under it."""


# The oracle ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Principal:
    """A concrete principal making a request: its account and its own ARN (the root ARN for the account itself)."""

    account: str
    arn: str

    @property
    def root(self) -> str:
        return f"arn:aws:iam::{self.account}:root"

    @property
    def caller(self) -> Caller:
        """The same principal in the evaluator's terms."""
        return Caller(self.account, "aws", self.arn)


PRINCIPALS = {"source root": Principal(SOURCE, ROOT), "replication role": Principal(SOURCE, REPLICATION_ROLE),
              "another role": Principal(SOURCE, DEPLOYER), "another account": Principal(OTHER_ACCOUNT, OTHER_ROOT)}


@cache
def glob(pattern: str, text: str, ignore_case: bool) -> bool:
    """IAM's wildcards, by dynamic programming: ``*`` any run of characters, ``?`` exactly one."""
    if ignore_case:
        pattern, text = pattern.lower(), text.lower()
    matched = [True] + [False] * len(text)  # matched[j]: the pattern read so far matches text[:j]
    for token in pattern:
        if token == "*":
            matched = list(itertools.accumulate(matched, operator.or_))
        else:
            matched = [False] + [matched[j] and (token == "?" or token == text[j]) for j in range(len(text))]
    return matched[-1]


def _listed(element: Any) -> tuple[bool, list[str]]:
    """``(everyone, AWS entries)`` of a Principal or NotPrincipal element; other kinds list nothing."""
    if element == "*":
        return True, []
    entries = element.get("AWS", [])
    entries = [entries] if isinstance(entries, str) else list(entries)
    return "*" in entries, entries


def named(element: Any, principal: Principal) -> bool:
    """IAM JSON policy reference, "Principal": an account (id or root ARN) stands for every principal of it, a
    role's ARN for that role only; a service principal is not an IAM principal of the account."""
    everyone, entries = _listed(element)
    return everyone or any(entry in (principal.account, principal.root, principal.arn) for entry in entries)


def exempted(element: Any, principal: Principal) -> bool:
    """IAM JSON policy reference, "NotPrincipal" key points: AWS may validate the account, then the role, so a Deny
    spares a role only when its NotPrincipal lists both the account and the role."""
    everyone, entries = _listed(element)
    account_listed = principal.account in entries or principal.root in entries
    return everyone or account_listed and (principal.arn == principal.root or principal.arn in entries)


def _strings(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else value


def concerns(statement: dict[str, Any], principal: Principal, action: str, arn: str) -> bool:
    """Whether a statement is about this request, its Condition aside."""
    if "Principal" in statement:
        if not named(statement["Principal"], principal):
            return False
    elif statement["Effect"] == "Allow" or exempted(statement["NotPrincipal"], principal):
        return False  # IAM doesn't support Allow with NotPrincipal: no grant rests on it
    if "Action" in statement:
        acts = any(glob(pattern, action, True) for pattern in _strings(statement["Action"]))
    else:
        acts = not any(glob(pattern, action, True) for pattern in _strings(statement["NotAction"]))
    if "Resource" in statement:
        return acts and any(glob(pattern, arn, False) for pattern in _strings(statement["Resource"]))
    return acts and not any(glob(pattern, arn, False) for pattern in _strings(statement["NotResource"]))


class Outcome(Enum):
    """What IAM does with one concrete request; UNKNOWN when it hangs on a Condition."""

    DENY = "explicitly denied"
    ALLOW = "allowed"
    UNKNOWN = "allowed or not, depending on a condition"
    NOT_GRANTED = "implicitly denied"


def decide(statements: list[dict[str, Any]], principal: Principal, action: str, arn: str) -> Outcome:
    """Explicit deny, then allow, then implicit deny; a Condition is never known to hold."""
    relevant = [s for s in statements if concerns(s, principal, action, arn)]
    denies = [s for s in relevant if s["Effect"] == "Deny"]
    allows = [s for s in relevant if s["Effect"] == "Allow"]
    if any("Condition" not in s for s in denies):
        return Outcome.DENY
    if any("Condition" not in s for s in allows) and not denies:
        return Outcome.ALLOW
    return Outcome.UNKNOWN if allows else Outcome.NOT_GRANTED


def oracle_verdict(statements: list[dict[str, Any]], principal: Principal, action: str, arns: list[str]) -> Verdict:
    """The verdict on a request for all of ``arns``: a Deny of any wins; all allowed is allowed; all at least
    possibly allowed is conditional; else not granted."""
    outcomes = {decide(statements, principal, action, arn) for arn in arns}
    if Outcome.DENY in outcomes:
        return Verdict.DENIED
    if outcomes == {Outcome.ALLOW}:
        return Verdict.ALLOWED
    return Verdict.CONDITIONAL if outcomes <= {Outcome.ALLOW, Outcome.UNKNOWN} else Verdict.NOT_GRANTED


def under(prefix: str) -> list[str]:
    """The repository ARNs that stand for every repository under ``prefix``."""
    return [REPOSITORIES + name for name in NAMES if name.startswith(prefix)]


def replication_granted(statements: list[dict[str, Any]], prefixes: list[str]) -> bool:
    """Whether the replication role may do both replication actions on every repository under every prefix."""
    role = PRINCIPALS["replication role"]
    return all(oracle_verdict(statements, role, action, under(prefix)) is Verdict.ALLOWED
               for prefix in prefixes or [""] for action in ACTIONS)


def test_the_oracle_reads_the_documented_cases() -> None:
    """The oracle itself, on the cases the issue names: the account is granted, a Deny names the role."""
    grant = {"Effect": "Allow", "Principal": {"AWS": ROOT}, "Action": list(ACTIONS), "Resource": f"{REPOSITORIES}*"}
    role_deny = {"Effect": "Deny", "Principal": {"AWS": REPLICATION_ROLE}, "Action": "ecr:*", "Resource": "*"}
    other_deny = {**role_deny, "Principal": {"AWS": DEPLOYER}}
    assert replication_granted([grant], ["prod/"])
    assert not replication_granted([grant, role_deny], ["prod/"])
    assert replication_granted([grant, other_deny], ["prod/"])
    assert decide([grant, role_deny], PRINCIPALS["another role"], "ecr:ReplicateImage", REPOSITORIES + "x") \
        is Outcome.ALLOW
    assert glob("ecr:Replicate*", "ECR:REPLICATEIMAGE", True) and not glob("prod/*", "prod", False)
    assert glob("a?c*", "abcdef", False) and not glob("a?c", "ac", False)


# Generated policies -------------------------------------------------------------------------------------------------

principal_elements = st.sampled_from([
    "*", {"AWS": "*"}, {"AWS": ROOT}, {"AWS": SOURCE}, {"AWS": REPLICATION_ROLE}, {"AWS": DEPLOYER},
    {"AWS": OTHER_ROOT}, {"AWS": [DEPLOYER, REPLICATION_ROLE]}, {"AWS": [REPLICATION_ROLE, SOURCE]},
    {"AWS": [ROOT, DEPLOYER]}, {"Service": "replication.ecr.amazonaws.com"}])
actions = st.lists(st.sampled_from(["ecr:ReplicateImage", "ecr:CreateRepository", "ecr:*", "ecr:Replicate*",
                                    "ecr:Create*", "*", "ecr:DeleteRepository"]), min_size=1, max_size=3, unique=True)
resources = st.lists(st.sampled_from([f"{REPOSITORIES}*", f"{REPOSITORIES}prod/*", f"{REPOSITORIES}prod*",
                                      f"{REPOSITORIES}dev/*", f"{REPOSITORIES}prod/secret*", "*",
                                      f"arn:aws:ecr:eu-west-1:{DEST}:repository/*"]), min_size=1, max_size=2, unique=True)
prefix_sets = st.lists(st.sampled_from(["prod/", "prod", "dev/", "prod/api"]), min_size=0, max_size=3, unique=True)


@st.composite
def statements(draw: st.DrawFn) -> dict[str, Any]:
    """Any statement: Allow or Deny, Principal or NotPrincipal, Action or NotAction, Resource or NotResource,
    sometimes with a Condition."""
    statement: dict[str, Any] = {
        "Effect": draw(st.sampled_from(["Allow", "Allow", "Deny"])),
        draw(st.sampled_from(["Principal", "Principal", "Principal", "NotPrincipal"])): draw(principal_elements),
        draw(st.sampled_from(["Action", "Action", "NotAction"])): draw(actions),
        draw(st.sampled_from(["Resource", "Resource", "NotResource"])): draw(resources),
    }
    if draw(st.booleans()) and draw(st.booleans()):
        statement["Condition"] = {"Bool": {"aws:SecureTransport": "true"}}
    return statement


denies = st.fixed_dictionaries({
    "Effect": st.just("Deny"),
    "Principal": st.sampled_from(["*", {"AWS": "*"}, {"AWS": ROOT}, {"AWS": SOURCE}, {"AWS": REPLICATION_ROLE},
                                  {"AWS": DEPLOYER}, {"AWS": [DEPLOYER, REPLICATION_ROLE]}]),
    "Action": st.sampled_from(["ecr:ReplicateImage", "ecr:CreateRepository", "ecr:*", "ecr:DeleteRepository"]),
    "Resource": resources})
"""A Deny naming the replication role, another role of the source account, the root, the account id or "*"."""

exceptions = st.fixed_dictionaries({
    "Effect": st.just("Deny"),
    "NotPrincipal": st.sampled_from([{"AWS": ROOT}, {"AWS": SOURCE}, {"AWS": REPLICATION_ROLE}, {"AWS": OTHER_ROOT},
                                     {"AWS": [REPLICATION_ROLE, SOURCE]}, {"AWS": [ROOT, DEPLOYER]}]),
    "Action": st.sampled_from(["ecr:ReplicateImage", "ecr:*"]),
    "Resource": st.sampled_from(["*", f"{REPOSITORIES}*"])})
"""A Deny for everyone but the principals it names: the account, the replication role, both, another role."""

grants = st.fixed_dictionaries({
    "Effect": st.just("Allow"),
    "Principal": st.sampled_from([{"AWS": ROOT}, {"AWS": SOURCE}, {"AWS": REPLICATION_ROLE}, {"AWS": DEPLOYER}]),
    "Action": st.just(list(ACTIONS)),
    "Resource": st.sampled_from([f"{REPOSITORIES}*", f"{REPOSITORIES}prod/*", f"{REPOSITORIES}prod*"])})
"""A replication grant, to the account (root or id), to the replication role, or to another role."""

policies = st.one_of(
    st.lists(st.one_of(statements(), denies, exceptions, grants), min_size=1, max_size=3),
    st.tuples(grants, st.lists(st.one_of(statements(), denies, exceptions), max_size=2)).map(
        lambda drawn: [drawn[0], *drawn[1]]))
"""Any policy, or a replication grant with whatever else (often a Deny)."""


def _with_sids(generated: list[dict[str, Any]], label: str = "S") -> list[dict[str, Any]]:
    return [{**statement, "Sid": f"{label}{i}"} for i, statement in enumerate(generated)]


# The evaluator ------------------------------------------------------------------------------------------------------


def test_the_replication_caller_is_the_documented_role() -> None:
    assert replication_caller(SOURCE, "aws") == PRINCIPALS["replication role"].caller


@settings(max_examples=600, deadline=None)
@given(policies)
def test_the_evaluator_agrees_with_the_oracle(generated: list[dict[str, Any]]) -> None:
    """For every principal, replication action and prefix, and for single repositories: the same verdict."""
    policy = _with_sids(generated)
    parsed = parse_policy({"Version": "2012-10-17", "Statement": policy})
    for name, principal in PRINCIPALS.items():
        for action in ACTIONS:
            for prefix in PREFIXES:
                expected = oracle_verdict(policy, principal, action, under(prefix))
                got = evaluate(parsed, principal.caller, action, Resources.starting_with(REPOSITORIES + prefix))
                assert got.verdict is expected, (name, action, prefix)
            for repository in NAMES:
                expected = oracle_verdict(policy, principal, action, [REPOSITORIES + repository])
                got = evaluate(parsed, principal.caller, action, Resources.exactly(REPOSITORIES + repository))
                assert got.verdict is expected, (name, action, repository)
    role = PRINCIPALS["replication role"]
    event("replication role: " + oracle_verdict(policy, role, "ecr:ReplicateImage", under("prod/")).value)
    if not replication_granted(policy, ["prod/"]) and oracle_verdict(
            policy, PRINCIPALS["source root"], "ecr:ReplicateImage", under("prod/")) is Verdict.ALLOWED:
        event("the account is granted, its replication role is not")


# check, the pack, import and the component --------------------------------------------------------------------------


def _check_findings(text: str, prefixes: list[str]) -> tuple[list[str], list[str]]:
    """check's findings about what the policy grants, and about whom its statements name."""
    found = [f.problem for f in registry_policy_findings(text, SOURCE, Registry(DEST, REGION), frozenset(prefixes or [""]))]
    named = [problem for problem in found if problem.startswith("registry policy statement ")]
    return [problem for problem in found if problem not in named], named


def _pack_says_granted(resources: list[Any], create_repositories: bool = True) -> bool:
    return violation_messages(has_permission, resources, {"requireCreateRepository": create_repositories}) == []


def _pack_principal_findings(statements: list[dict[str, Any]]) -> list[str]:
    """What the pack's mandatory least-privilege policy says about whom the statements name (its other findings are
    about actions)."""
    found = violation_messages(least_privilege, registry_policy(statements=statements))
    return [message for message in found if message.startswith("statement ")]


homes = st.sampled_from([(DEST, REGION), (DEST, REGION), (OTHER_ACCOUNT, REGION), (DEST, "eu-west-1")])
"""Where the policy is put: the destination registry, or one whose ARNs merely name it."""


@settings(max_examples=300, deadline=None)
@given(policies, prefix_sets, homes)
def test_check_and_the_pack_agree_with_the_oracle(generated: list[dict[str, Any]], prefixes: list[str],
                                                 home: tuple[str, str]) -> None:
    """check reads the destination registry's own policy (a policy put elsewhere is no policy there); the pack
    judges the policies of the stack. Both say replication is granted exactly when the oracle does, and both
    report the statements whose principals a registry policy may not name, in the same words."""
    account, region = home
    policy = registry_policy(statements=_with_sids(generated), region=region,
                             resource_provider=provider("destination", region=region, account=account))
    configuration = replication_configuration(rules=[rule([destination(DEST, REGION)], prefixes)])
    granted = home == (DEST, REGION) and replication_granted(_with_sids(generated), prefixes)
    permission_findings, principal_findings = _check_findings(policy["props"]["policy"], prefixes)
    assert (permission_findings == []) == replication_granted(_with_sids(generated), prefixes)
    assert _pack_says_granted([configuration, policy]) == granted
    assert [problem.removeprefix("registry policy ") + "." for problem in principal_findings] == \
        _pack_principal_findings(_with_sids(generated))
    event(f"granted: {granted}")


def _replication_statement(prefixes: list[str]) -> dict[str, Any]:
    """The statement the component writes for these prefixes (its registry policy without extra statements)."""
    [policy] = [r for r in _component_run(prefixes, []).resources if r.type == "aws:ecr/registryPolicy:RegistryPolicy"]
    return json.loads(policy.inputs["policy"])["Statement"][0]


def _component_run(prefixes: list[str], extra: list[dict[str, Any]]) -> Any:
    def program() -> None:
        source = account_provider("source", SOURCE, "us-east-1")
        EcrReplication("images", EcrReplicationArgs(
            source_provider=source, source_account_id=SOURCE, source_region="us-east-1", repository_prefixes=prefixes,
            destinations=[ReplicationDestinationArgs(provider=account_provider("destination", DEST, REGION),
                                                     account_id=DEST, regions=[REGION],
                                                     registry_policy_statements=extra)]))

    return run_offline(program)


@cache
def _written_statement(prefixes: tuple[str, ...]) -> dict[str, Any]:
    return _replication_statement(list(prefixes))


def _import_refusals(statements: list[dict[str, Any]], prefixes: list[str]) -> tuple[str, ...]:
    """What `ecr-replication import` refuses of a live destination registry with this policy."""
    live_rule: dict[str, Any] = {"destinations": [{"region": REGION, "registryId": DEST}]}
    if prefixes:
        live_rule["repositoryFilters"] = [{"filter": p, "filterType": "PREFIX_MATCH"} for p in prefixes]
    policy = json.dumps({"Version": "2012-10-17", "Statement": statements})
    destination_registry = LiveRegistry(Registry(DEST, REGION), policy, (), {"scanType": "BASIC", "rules": []})
    return config_from_live(LiveSetup(Registry(SOURCE, "us-east-1"), (live_rule,), (destination_registry,))).refusals


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(prefix_sets, st.lists(st.one_of(statements(), denies, exceptions), max_size=2))
def test_the_component_import_check_and_the_pack_agree_on_extra_statements(
        prefixes: list[str], generated: list[dict[str, Any]]) -> None:
    """Whatever extra statements a user gives (Allow or Deny; the account, the replication role, other roles, "*",
    NotPrincipal, a service):

    * the component accepts them exactly when the pack finds nothing wrong with whom they name and the oracle says
      the replication role is still granted everything; what it writes then passes check and the pack;
    * when it rejects them for whom they name, the pack reports the same problem in the same words, and so do
      `ecr-replication import` and `check` for a live policy holding them;
    * when it rejects them for a Deny, the oracle says replication is not granted, and check and the pack agree.
    """
    extra = _with_sids(generated, "Extra")
    policy_statements = [_written_statement(tuple(prefixes)), *extra]
    text = json.dumps({"Version": "2012-10-17", "Statement": policy_statements})
    pack_findings = _pack_principal_findings(policy_statements)
    refusals = _import_refusals(policy_statements, prefixes)
    permission_findings, check_principal_findings = _check_findings(text, prefixes)
    granted = replication_granted(policy_statements, prefixes)
    try:
        run = _component_run(prefixes, extra)
    except ReplicationConfigError as error:
        index = int(error.field.split("registry_policy_statements[")[1].split("]")[0])
        if error.field.endswith(("].Principal", "].NotPrincipal")):
            event(f"rejected: {error.problem.split(';')[0]}")
            assert f"statement Extra{index}: {error.problem}." in pack_findings
            assert f"registry {DEST}/{REGION}: registry policy statement Extra{index}: {error.problem}" in refusals
            assert f"registry policy statement Extra{index}: {error.problem}" in check_principal_findings
        else:  # a Deny that takes replication away
            event("rejected: a Deny takes replication away")
            assert "takes ecr:" in error.problem and not granted and permission_findings
            assert not _pack_says_granted([replication_configuration(rules=[rule([destination(DEST, REGION)], prefixes)]),
                                           registry_policy(statements=policy_statements)])
        return
    event("accepted" + (" with a Deny naming a role" if any(
        x["Effect"] == "Deny" and DEPLOYER in json.dumps(x.get("Principal")) for x in extra) else ""))
    assert granted, "the component accepted a policy that doesn't grant replication to the role ECR replicates as"
    assert pack_findings == [] and refusals == () and check_principal_findings == [] and permission_findings == []
    [policy] = [r for r in run.resources if r.type == "aws:ecr/registryPolicy:RegistryPolicy"]
    assert json.loads(policy.inputs["policy"])["Statement"] == policy_statements
    assert _pack_says_granted(stack_resources(run.resources))
    assert json.loads(policy.inputs["policy"])["Statement"][0]["Principal"] == {"AWS": f"arn:aws:iam::{SOURCE}:root"}
    assert json.loads(policy.inputs["policy"])["Statement"][0]["Sid"] == POLICY_SID
