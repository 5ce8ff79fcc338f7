"""Whether a registry permissions policy lets an account do an action on some repositories, evaluated as IAM does.

Covers what a registry policy can contain (IAM JSON policy reference, "Policy evaluation logic" and the
``Principal``, ``Action``/``NotAction``, ``Resource``/``NotResource`` and ``Condition`` elements):

* an explicit ``Deny`` wins over any ``Allow``; nothing allowed is an implicit deny;
* actions match case-insensitively, resources case-sensitively, both with the ``*`` and ``?`` wildcards;
* the request comes from one principal, a :class:`Caller`: for replication, the source account's service-linked role
  (:func:`replication_caller`; ECR replicates as that role). ``"*"``, ``{"AWS": ...}`` naming its account (the
  account id or root ARN: IAM then leaves the decision to the account's own policies) or the caller's own ARN apply
  to it; another role's ARN doesn't. ``NotPrincipal`` exempts it from a ``Deny`` only when it names both its account
  and its own ARN; an ``Allow`` with ``NotPrincipal`` (which IAM doesn't support) grants nothing. Other principal
  kinds (``Service``, ...) never stand for an account's principal;
* a ``Condition`` is not evaluated: a grant that depends on one is *conditional*, never reported as allowed.

:func:`principal_problems` is the one rule for whom an ``Allow`` may name, in a registry policy and in a repository
policy alike (the component, ``ecr-replication import`` and the policy pack all ask it).

:func:`replication_caller` is the one rule for whom ECR replicates as: ``check``, the component and the pack ask
the evaluator about it, so a ``Deny`` naming the replication role counts as much as one naming the account.

The resources asked about are one ARN, or every ARN that starts with a prefix (a replicated repository prefix:
``arn:aws:ecr:us-west-2:222222222222:repository/prod/`` stands for every repository replication may create
under ``prod/``). This file is copied byte for byte to ``policies/ecr_guardrails/``
(``tests/test_shared_copies.py``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from functools import lru_cache
from typing import Any

from .ecr_semantics import Registry, account_of_principal, account_root_arn, minimal_prefixes, replication_role_arn
from .limits import ACCOUNT_ID_PATTERN, PULL_THROUGH_UPSTREAM_ACTIONS, REPLICATION_ACTIONS


class PolicyDocumentError(ValueError):
    """A policy that is not a JSON policy document IAM could evaluate; the message says what is wrong."""


class Verdict(Enum):
    """What a policy says about one request."""

    ALLOWED = "allowed"
    """An ``Allow`` without a condition covers every resource asked about, and no ``Deny`` may apply."""
    DENIED = "denied"
    """A ``Deny`` without a condition applies to some of the resources: an explicit deny wins."""
    CONDITIONAL = "conditional"
    """Allowed only under a ``Condition``, or a ``Deny`` with a ``Condition`` may apply: not provably granted."""
    NOT_GRANTED = "not granted"
    """No statement allows it (an implicit deny)."""


class PolicyKind(Enum):
    """The resource a policy is attached to: it decides which principals an ``Allow`` may name."""

    REGISTRY = "registry"
    """A registry permissions policy: it grants replication to other accounts, so it names AWS accounts only."""
    REPOSITORY = "repository"
    """A repository policy: it may also name services, and ``"*"`` when a condition pins the callers. Its statements
    need no ``Resource`` (the ECR user guide's repository policy examples have none: the policy's repository is
    the resource)."""


@dataclass(frozen=True)
class Resources:
    """The resources a request touches: exactly ``arn``, or (``open_ended``) every ARN that starts with it."""

    arn: str
    open_ended: bool

    @classmethod
    def exactly(cls, arn: str) -> Resources:
        """One resource."""
        return cls(arn, False)

    @classmethod
    def starting_with(cls, arn_prefix: str) -> Resources:
        """Every resource whose ARN starts with ``arn_prefix``."""
        return cls(arn_prefix, True)

    def __str__(self) -> str:
        return f"{self.arn}*" if self.open_ended else self.arn


@dataclass(frozen=True)
class Decision:
    """A verdict and the statements (Sid, else ``#position``) it rests on."""

    verdict: Verdict
    statements: tuple[str, ...] = ()
    partial: tuple[str, ...] = ()
    """``Allow`` statements that cover only part of the resources asked about."""

    @property
    def allowed(self) -> bool:
        """Whether the request is provably allowed."""
        return self.verdict is Verdict.ALLOWED

    def says(self, account: str) -> str:
        """What the policy does to the account's request, to be followed by the action: "denies 111111111111",
        "does not let 111111111111 do"; a grant that hangs on a Condition is not called a denial."""
        return {Verdict.ALLOWED: f"lets {account} do", Verdict.DENIED: f"denies {account}",
                Verdict.CONDITIONAL: f"does not provably let {account} do",
                Verdict.NOT_GRANTED: f"does not let {account} do"}[self.verdict]

    def explain(self) -> str:
        """The verdict in words, naming the statements."""
        named = ", ".join(self.statements)
        if self.verdict is Verdict.ALLOWED:
            return f"allowed by statement {named}"
        if self.verdict is Verdict.DENIED:
            return f"explicitly denied by statement {named}"
        if self.verdict is Verdict.CONDITIONAL:
            return (f"depends on the Condition of statement {named}, which is not evaluated here, so the grant is "
                    "not provable")
        if self.partial:
            return f"not granted: statement {', '.join(self.partial)} allows it on only part of these repositories"
        return "not granted: no statement allows it"


def _strings(value: Any, element: str) -> tuple[str, ...]:
    """A policy element that is one string or a list of strings, as a tuple."""
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return tuple(value)
    raise PolicyDocumentError(f"{element} must be a string or a list of strings (got {value!r})")


@dataclass(frozen=True)
class Caller:
    """The principal a request comes from, as a resource policy's ``Principal`` element can name it: by its account
    (the account id or the account's root ARN) or by its own ARN (the root ARN itself for the account's root)."""

    account_id: str
    partition: str
    arn: str

    @property
    def account_root_arn(self) -> str:
        """The principal ARN of the caller's whole account."""
        return account_root_arn(self.account_id, self.partition)

    @property
    def is_account_root(self) -> bool:
        """Whether the caller is the account itself, not one of its roles."""
        return self.arn == self.account_root_arn


def replication_caller(account_id: str, partition: str) -> Caller:
    """The principal ECR replicates as out of ``account_id``: the account's service-linked role
    ``AWSServiceRoleForECRReplication`` (ECR user guide, "Amazon ECR service-linked role for replication";
    ``ecr_semantics.replication_role_arn``). A grant to the account covers it; a ``Deny`` naming the role, the
    account or ``"*"`` takes replication away."""
    return Caller(account_id, partition, replication_role_arn(account_id, partition))


def account_caller(account_id: str, partition: str) -> Caller:
    """The account ``account_id`` itself (its root): a principal a grant to the account covers, and a ``Deny``
    naming the account or ``"*"`` takes away. For a role of the account whose ARN isn't known (one with a generated
    name), the account is what a policy can be judged against."""
    return Caller(account_id, partition, account_root_arn(account_id, partition))


@dataclass(frozen=True)
class Principals:
    """A ``Principal`` or ``NotPrincipal`` element: ``everyone`` for ``"*"``, else its ``AWS`` entries."""

    everyone: bool
    aws: tuple[str, ...]
    others: tuple[tuple[str, tuple[str, ...]], ...] = ()
    """Principal kinds besides ``AWS`` (``Service``, ``Federated``, ...), by kind, with their entries: they never
    name an account."""

    @property
    def other_kinds(self) -> tuple[str, ...]:
        """The principal kinds besides ``AWS`` the element names."""
        return tuple(kind for kind, _ in self.others)

    @classmethod
    def parse(cls, value: Any, element: str) -> Principals:
        """Read ``"*"`` or ``{"AWS": ..., "Service": ...}``."""
        if value == "*":
            return cls(True, ())
        if isinstance(value, Mapping):
            aws = _strings(value["AWS"], f"{element}.AWS") if "AWS" in value else ()
            others = tuple(sorted((str(kind), _strings(entries, f"{element}.{kind}"))
                                  for kind, entries in value.items() if kind != "AWS"))
            return cls("*" in aws, tuple(a for a in aws if a != "*"), others)
        raise PolicyDocumentError(f"{element} must be \"*\" or an object such as {{\"AWS\": ...}} (got {value!r})")

    def normal_form(self, partition: str) -> tuple[Any, ...]:
        """The element written one way (:meth:`Statement.normal_form`): entries sorted, an account id as its
        root ARN in ``partition``."""
        aws = sorted(account_root_arn(a, partition) if ACCOUNT_ID_PATTERN.match(a) else a for a in self.aws)
        return self.everyone, tuple(aws), tuple((kind, tuple(sorted(entries))) for kind, entries in self.others)

    def _name_account(self, caller: Caller) -> bool:
        return caller.account_id in self.aws or caller.account_root_arn in self.aws

    def include(self, caller: Caller) -> bool:
        """Whether a ``Principal`` element with these principals applies to ``caller``: everyone, its account (IAM
        JSON policy reference, "Principal", AWS account principals: naming an account delegates to the account, so it
        covers the account's roles), or its own ARN. Another role's ARN does not apply to it."""
        return self.everyone or self._name_account(caller) or caller.arn in self.aws

    def exempt(self, caller: Caller) -> bool:
        """Whether a ``NotPrincipal`` element with these principals exempts ``caller`` from its ``Deny``: it must
        name everyone, or the caller's account and, for a role, the role's ARN too (IAM JSON policy reference,
        "NotPrincipal", key points: AWS may validate the account first, then the role, so name "both the ARN for a
        role and the ARN for the account containing that role"; naming only one leaves the Deny applying)."""
        return self.everyone or self._name_account(caller) and (caller.is_account_root or caller.arn in self.aws)


@dataclass(frozen=True)
class ConditionTest:
    """One test of a ``Condition`` element: ``{operator: {key: values}}``; the tests of a statement must all hold."""

    operator: str
    key: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class Statement:
    """One statement of a policy, as IAM reads it."""

    label: str
    """The Sid, else ``#`` and the statement's 1-based position."""
    effect: str
    principals: Principals | None
    not_principals: Principals | None
    actions: tuple[str, ...] | None
    not_actions: tuple[str, ...] | None
    resources: tuple[str, ...] | None
    not_resources: tuple[str, ...] | None
    """Neither is set in a repository policy statement without ``Resource``: it concerns the policy's repository."""
    conditions: tuple[ConditionTest, ...] = ()
    sid: str = ""
    """The ``Sid`` ("" without one)."""

    def normal_form(self, partition: str) -> tuple[Any, ...]:
        """The statement with what reads the same written one way, so two statements that differ only in how they
        are written compare equal: a single string and a one-element list are one value, and the order of the
        entries of ``Action``, ``Resource``, ``Principal`` (and their ``Not`` forms) and of a condition's values
        doesn't matter (IAM JSON policy reference, "Policy grammar": ``<action_string> | [<action_string>, ...]``);
        an ``AWS`` principal written as an account id is that account's root ARN (reference, "Principal": "you can
        also specify the AWS account ID ... arn:aws:iam::123456789012:root"). The same readings pulumi-aws makes
        when it compares a registry policy's text with the live one (terraform-provider-aws
        ``internal/service/ecr/registry_policy.go``: ``DiffSuppressFunc: verify.SuppressEquivalentPolicyDiffs``,
        hashicorp/awspolicyequivalence ``PoliciesAreEquivalent``), so equal forms are a policy pulumi-aws doesn't
        write again. The ``Sid`` is kept (pulumi-aws compares it); actions keep their case (pulumi-aws compares them
        as written, though IAM doesn't). One reading is IAM's alone: ``"*"`` and ``{"AWS": "*"}`` are one form (both
        name everyone; :class:`Principals` doesn't keep which), which pulumi-aws would write again."""

        def listed(values: tuple[str, ...] | None) -> tuple[str, ...] | None:
            return None if values is None else tuple(sorted(values))

        def principals(element: Principals | None) -> tuple[Any, ...] | None:
            return None if element is None else element.normal_form(partition)

        return (self.sid, self.effect, principals(self.principals), principals(self.not_principals),
                listed(self.actions), listed(self.not_actions), listed(self.resources), listed(self.not_resources),
                tuple(sorted((t.operator, t.key, tuple(sorted(t.values))) for t in self.conditions)))

    @property
    def conditional(self) -> bool:
        """Whether the statement has a ``Condition``, which is not evaluated here."""
        return bool(self.conditions)

    def applies_to(self, caller: Caller, action: str) -> bool:
        """Whether the statement concerns ``action`` requested by ``caller``. An ``Allow`` with ``NotPrincipal``
        concerns nobody: IAM supports ``NotPrincipal`` only with ``Deny`` (IAM JSON policy reference,
        "NotPrincipal"), so no grant rests on it (:func:`principal_problems` reports it)."""
        if self.principals is not None and not self.principals.include(caller):
            return False
        if self.not_principals is not None and (self.effect == "Allow" or self.not_principals.exempt(caller)):
            return False
        if self.actions is not None:
            return any(_action_matches(pattern, action) for pattern in self.actions)
        return not any(_action_matches(pattern, action) for pattern in self.not_actions or ())

    @property
    def resource_patterns(self) -> tuple[tuple[str, ...], bool]:
        """The patterns of ``Resource`` (``True``: the statement is about what they match) or of ``NotResource``
        (``False``: about everything else; no patterns at all: about the policy's own repository)."""
        if self.resources is not None:
            return self.resources, True
        return self.not_resources or (), False

    def covers(self, resources: Resources) -> bool:
        """Whether every resource asked about is within the statement's resources."""
        return covered((self,), resources)

    def touches(self, resources: Resources) -> bool:
        """Whether some resource asked about is within the statement's resources."""
        return touched((self,), resources)


def _one_of(raw: Mapping[str, Any], label: str, name: str, parse: Any, optional: bool = False) -> tuple[Any, Any]:
    """The parsed ``name`` and ``Not<name>`` elements of a statement: exactly one must be present (at most one when
    ``optional``)."""
    present = [key for key in (name, f"Not{name}") if key in raw]
    if optional and not present:
        return None, None
    if len(present) != 1:
        raise PolicyDocumentError(f"statement {label} needs exactly one of {name} and Not{name}")
    value = parse(raw[present[0]], f"statement {label} {present[0]}")
    return (value, None) if present[0] == name else (None, value)


def _conditions(value: Any, label: str) -> tuple[ConditionTest, ...]:
    """A ``Condition`` element: ``{operator: {key: value or list of values}}`` (IAM JSON policy reference,
    "Condition"); values other than strings (``true``, numbers) are kept as their JSON text."""
    if value is None:
        return ()
    if not isinstance(value, Mapping) or not all(isinstance(keys, Mapping) for keys in value.values()):
        raise PolicyDocumentError(f"statement {label} Condition must map operators to objects of condition keys "
                                  f"(got {value!r})")
    tests = []
    for operator, keys in value.items():
        for key, values in keys.items():
            listed = values if isinstance(values, list) else [values]
            tests.append(ConditionTest(str(operator), str(key),
                                       tuple(v if isinstance(v, str) else json.dumps(v) for v in listed)))
    return tuple(tests)


def _statement(raw: Any, position: int, kind: PolicyKind) -> Statement:
    if not isinstance(raw, Mapping):
        raise PolicyDocumentError(f"statement #{position} is not an object")
    label = str(raw.get("Sid") or f"#{position}")
    effect = raw.get("Effect")
    if effect not in ("Allow", "Deny"):
        raise PolicyDocumentError(f"statement {label} has Effect {effect!r}; it must be Allow or Deny")
    principals, not_principals = _one_of(raw, label, "Principal", Principals.parse)
    actions, not_actions = _one_of(raw, label, "Action", _strings)
    resources, not_resources = _one_of(raw, label, "Resource", _strings, optional=kind is PolicyKind.REPOSITORY)
    return Statement(label, effect, principals, not_principals, actions, not_actions, resources, not_resources,
                     _conditions(raw.get("Condition"), label), str(raw.get("Sid") or ""))


def policy_statements(document: str | Mapping[str, Any]) -> tuple[Any, ...]:
    """The ``Statement`` element of a policy (JSON text or parsed) as a tuple, as written: IAM takes one statement
    object or a list of them (IAM JSON policy grammar: ``"Statement": <statement> | [<statement>, ...]``); none when
    it has no such element. :class:`PolicyDocumentError` when the text isn't a JSON object."""
    if isinstance(document, str):
        try:
            document = json.loads(document)
        except ValueError as error:
            raise PolicyDocumentError(f"the policy is not valid JSON ({error})") from None
    if not isinstance(document, Mapping):
        raise PolicyDocumentError("the policy is not a JSON object")
    raw = document.get("Statement")
    return (raw,) if isinstance(raw, Mapping) else tuple(raw) if isinstance(raw, list) else ()


def parse_policy(document: str | Mapping[str, Any], kind: PolicyKind = PolicyKind.REGISTRY) -> tuple[Statement, ...]:
    """The statements of a policy (JSON text or parsed); :class:`PolicyDocumentError` when it isn't one."""
    statements = policy_statements(document)
    if not statements:
        raise PolicyDocumentError("the policy has no Statement")
    return tuple(_statement(item, position, kind) for position, item in enumerate(statements, start=1))


IDENTITY_CONDITION_KEYS = ("aws:PrincipalOrgID", "aws:PrincipalOrgPaths", "aws:PrincipalAccount", "aws:PrincipalArn")
"""The global condition keys that compare the *requesting principal's* organization, organization path, account or
ARN with the policy's values (IAM user guide, "AWS global condition context keys", properties of the principal).
``aws:SourceAccount``/``aws:SourceArn`` are not among them: they describe the resource a *service* acts for."""

ORGANIZATION_ID_PATTERN = re.compile(r"^o-[a-z0-9]{10,32}$")
"""An AWS Organizations organization id (botocore's Organizations model, ``OrganizationId`` pattern)."""

_MATCHING_OPERATORS = frozenset({"StringEquals", "StringEqualsIgnoreCase", "StringLike", "ArnEquals", "ArnLike"})
"""Operators that hold only when the key is present and matches a value. The negated ones, ``...IfExists`` and
``Null`` hold for a request without the key (IAM user guide, "Condition operators": a missing key makes the
condition false, except with a negated operator, ``...IfExists`` and ``Null``), and ``ForAllValues:`` holds for an
empty set; ``ForAnyValue:`` needs one matching value."""


def _pins(key: str, value: str) -> bool:
    """Whether a value of an identity key pins callers to a named organization or account: a 12-digit account id, an
    organization id, an organization path starting with its organization id (the user guide: "always include the
    organization ID"), or an IAM/STS ARN in a 12-digit account. A wildcard in the account or organization part would
    match every caller (the user guide's "Sensitive condition keys": wildcards in them have no valid use), so such a
    value pins nothing. Stricter than IAM, on purpose."""
    if key == "aws:principalaccount":
        return ACCOUNT_ID_PATTERN.match(value) is not None
    if key == "aws:principalorgid":
        return ORGANIZATION_ID_PATTERN.match(value) is not None
    if key == "aws:principalorgpaths":
        organization, slash, _ = value.partition("/")
        return bool(slash) and ORGANIZATION_ID_PATTERN.match(organization) is not None
    return value.startswith("arn:") and account_of_principal(value) is not None


def restricts_callers(conditions: Iterable[ConditionTest]) -> bool:
    """Whether the conditions let only principals of named organizations, accounts or ARNs through: one test (the
    tests of a statement must all hold) that matches an identity key against values that each pin one. Condition
    key names are case-insensitive, operators are not (IAM user guide, "Condition")."""
    identity_keys = {key.lower() for key in IDENTITY_CONDITION_KEYS}
    for test in conditions:
        operator = test.operator.removeprefix("ForAnyValue:")
        key = test.key.lower()
        if operator in _MATCHING_OPERATORS and key in identity_keys and test.values and all(
                _pins(key, value) for value in test.values):
            return True
    return False


def principal_problems(statement: Statement, kind: PolicyKind) -> tuple[str, ...]:
    """What is wrong with whom ``statement`` names, in words (none for a statement that is fine).

    The rule (IAM JSON policy reference, "Principal" and "NotPrincipal"):

    * a ``Deny`` is never a principal problem: ``"*"`` or ``NotPrincipal`` there narrow access;
    * an ``Allow`` with ``NotPrincipal`` grants everyone but the principals it names (IAM supports
      ``NotPrincipal`` only with ``Deny``);
    * an ``Allow`` for ``"*"`` (or ``{"AWS": "*"}``) opens the resource to every AWS account. A registry policy
      grants replication to named accounts, so it never may; a repository policy may when a condition lets only
      named principals through (:func:`restricts_callers`);
    * a registry policy's ``Allow`` names AWS accounts only: account ids, or IAM/STS ARNs in an account (the
      accounts that replicate into the registry), never services or other principal kinds.
    """
    if statement.effect != "Allow":
        return ()
    if statement.principals is None:
        return ("an Allow with NotPrincipal grants every principal except those it names (IAM supports NotPrincipal "
                "only with Deny); name the principals in Principal",)
    principals = statement.principals
    problems = []
    if principals.everyone and kind is PolicyKind.REGISTRY:
        problems.append("an Allow for the '*' principal opens the registry to every AWS account; name the accounts, "
                        "e.g. {\"AWS\": \"arn:aws:iam::<account>:root\"}")
    elif principals.everyone and not restricts_callers(statement.conditions):
        problems.append("an Allow for the '*' principal opens the repositories to every AWS account unless a "
                        "Condition lets only your principals through: StringEquals or StringLike on "
                        f"{', '.join(IDENTITY_CONDITION_KEYS)}, naming your organization, accounts or roles")
    if kind is PolicyKind.REGISTRY:
        unnamed = [p for p in principals.aws if account_of_principal(p) is None] + list(principals.other_kinds)
        if unnamed or not (principals.aws or principals.everyone):
            problems.append("a registry policy may allow only AWS accounts (account ids or IAM ARNs in them); this "
                            f"Allow names {', '.join(unnamed) or 'none'}")
    return tuple(problems)


def evaluate(statements: Sequence[Statement], caller: Caller, action: str, resources: Resources) -> Decision:
    """Whether the policy lets ``caller`` do ``action`` on all of ``resources``: a resource is allowed when some
    ``Allow`` includes it and no ``Deny`` does, so the ``Allow`` statements may share the resources between them."""
    concerned = [s for s in statements if s.applies_to(caller, action) and s.touches(resources)]
    denies = [s for s in concerned if s.effect == "Deny"]
    allows = [s for s in concerned if s.effect == "Allow"]
    unconditional_denies = [s.label for s in denies if not s.conditional]
    if unconditional_denies:
        return Decision(Verdict.DENIED, tuple(unconditional_denies))
    unconditional_allows = [s for s in allows if not s.conditional]
    if not denies and covered(unconditional_allows, resources):
        return Decision(Verdict.ALLOWED, tuple(s.label for s in unconditional_allows))
    if covered(allows, resources):
        return Decision(Verdict.CONDITIONAL, tuple(s.label for s in (*denies, *allows) if s.conditional))
    return Decision(Verdict.NOT_GRANTED, partial=tuple(s.label for s in allows))


@dataclass(frozen=True)
class Requirement:
    """An action an account (the source of replication, or a pull-through spoke's account) must be allowed on some
    resources of a registry."""

    action: str
    resources: Resources

    def covers(self, other: Requirement) -> bool:
        """Whether meeting this requirement meets ``other`` too: the same action (case-insensitively) on resources
        that include all of ``other``'s."""
        mine, theirs = self.resources, other.resources
        return self.action.lower() == other.action.lower() and (
            mine == theirs or mine.open_ended and theirs.arn.startswith(mine.arn))

    def __str__(self) -> str:
        return f"{self.action} on {self.resources}"


def replication_requirements(destination: Registry, prefixes: Iterable[str],
                             pre_created: Sequence[str] | None = None) -> tuple[Requirement, ...]:
    """What the destination's registry policy must let the source account do for replication to work.

    ECR user guide, "Private registry permissions" (cross-account replication): ``ecr:ReplicateImage`` and
    ``ecr:CreateRepository`` on every repository replication may create, that is every name under each replicated
    prefix (``""``: every repository). With ``pre_created`` (the least-privilege mode, where replication may not
    create repositories): ``ecr:ReplicateImage`` on exactly those repositories.
    """
    if pre_created is not None:
        return tuple(Requirement("ecr:ReplicateImage", Resources.exactly(destination.repository_arn(name)))
                     for name in sorted(pre_created))
    return tuple(Requirement(action, Resources.starting_with(destination.repository_arn(prefix)))
                 for prefix in sorted(minimal_prefixes(prefixes)) for action in sorted(REPLICATION_ACTIONS))


def pull_through_requirements(upstream: Registry, prefixes: Iterable[str]) -> tuple[Requirement, ...]:
    """What the upstream registry's policy must let a cross-account pull-through spoke's account do: ECR user guide,
    "Setting up permissions for cross-account ECR to ECR PTC" ("Creating a resource policy in the upstream Amazon ECR
    registry"): ``ecr:BatchGetImage``, ``ecr:GetDownloadUrlForLayer``, ``ecr:BatchImportUpstreamImage`` and
    ``ecr:GetImageCopyStatus`` on the upstream's repositories, here every name under each cached prefix (``""``:
    every repository)."""
    return tuple(Requirement(action, Resources.starting_with(upstream.repository_arn(prefix)))
                 for prefix in sorted(minimal_prefixes(prefixes)) for action in sorted(PULL_THROUGH_UPSTREAM_ACTIONS))


def declared_requirements(statements: Sequence[Statement], caller: Caller) -> tuple[Requirement, ...]:
    """What a policy explicitly grants ``caller``: each action and resource of its unconditional ``Allow``
    statements that apply to it (a resource ending in ``*`` stands for every resource starting with the rest), each
    once: a grant another one of the same action already covers is left out."""
    requirements: dict[Requirement, None] = {}
    for statement in statements:
        if statement.effect != "Allow" or statement.conditional or statement.principals is None:
            continue
        if not statement.principals.include(caller):
            continue
        for action in statement.actions or ():
            for resource in statement.resources or ():
                kept = Resources.starting_with(resource[:-1]) if resource.endswith("*") else Resources.exactly(resource)
                requirements[Requirement(action, kept)] = None
    return tuple(requirement for requirement in requirements if not any(
        other != requirement and other.covers(requirement) for other in requirements))


def unmet(statements: Sequence[Statement], caller: Caller,
          requirements: Iterable[Requirement]) -> list[tuple[Requirement, Decision]]:
    """Each requirement the policy does not provably meet for ``caller``, with the decision that says why."""
    decisions = ((requirement, evaluate(statements, caller, requirement.action, requirement.resources))
                 for requirement in requirements)
    return [(requirement, decision) for requirement, decision in decisions if not decision.allowed]


def _action_matches(pattern: str, action: str) -> bool:
    return _glob(pattern, True).fullmatch(action) is not None


@lru_cache(maxsize=4096)
def _glob(pattern: str, ignore_case: bool) -> re.Pattern[str]:
    """IAM's wildcards as a regular expression: ``*`` any run of characters, ``?`` any one character."""
    body = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile(body, re.IGNORECASE | re.DOTALL if ignore_case else re.DOTALL)


def _closure(pattern: str, states: Iterable[int]) -> frozenset[int]:
    """``states`` and every position reached from them by skipping ``*`` (which may match nothing)."""
    pending, seen = list(states), set(states)
    while pending:
        position = pending.pop()
        if position < len(pattern) and pattern[position] == "*" and position + 1 not in seen:
            seen.add(position + 1)
            pending.append(position + 1)
    return frozenset(seen)


def _step(pattern: str, states: frozenset[int], character: str) -> frozenset[int]:
    """The positions after reading one more character: ``*`` consumes it and stays, ``?`` or the same character
    consumes it and moves on."""
    following = set()
    for position in states:
        if position < len(pattern):
            token = pattern[position]
            if token == "*":
                following.add(position)
            elif token == "?" or token == character:
                following.add(position + 1)
    return _closure(pattern, following)


def _states_after(pattern: str, text: str) -> frozenset[int]:
    """The positions in ``pattern`` a wildcard match can be at after reading ``text`` (empty: no match possible).

    A small NFA: ``*`` may consume a character and stay, or be skipped; ``?`` consumes any one character.
    """
    head = re.split(r"[*?]", pattern, maxsplit=1)[0]
    if not (text.startswith(head) or head.startswith(text)):
        return frozenset()  # the literal start differs: no match, seen without reading character by character
    states = _closure(pattern, {0})
    for character in text:
        states = _step(pattern, states, character)
        if not states:
            break
    return states


_UNNAMED_CHARACTER = "\x00"
"""A character no pattern names (no ARN holds it): every character the patterns don't name reads as this one."""


def _match_vectors(patterns: Sequence[str], resources: Resources) -> Iterator[tuple[bool, ...]]:
    """Which of ``patterns`` match, for each resource asked about: one vector for one ARN; for every ARN starting
    with a prefix, each combination some continuation gives, found by walking the product of the patterns'
    automata over the characters they name and one they don't (any other character behaves as that one)."""
    if not resources.open_ended:
        yield tuple(_glob(pattern, False).fullmatch(resources.arn) is not None for pattern in patterns)
        return
    starts = [_states_after(pattern, resources.arn) for pattern in patterns]
    live = [index for index, states in enumerate(starts) if states]  # a pattern dead after the prefix never matches
    alphabet = sorted({c for index in live for c in patterns[index] if c not in "*?"}) + [_UNNAMED_CHARACTER]
    start = tuple(starts[index] for index in live)
    pending, seen = [start], {start}
    while pending:
        states = pending.pop()
        matches = [False] * len(patterns)
        for index, positions in zip(live, states):
            matches[index] = len(patterns[index]) in positions
        yield tuple(matches)
        for character in alphabet:
            following = tuple(_step(patterns[index], positions, character) for index, positions in zip(live, states))
            if following not in seen:
                seen.add(following)
                pending.append(following)


def _inclusion(statements: Sequence[Statement], resources: Resources) -> Iterator[bool]:
    """For each distinct way a resource asked about meets the statements' resource patterns, whether some statement
    includes that resource (``Resource``: one of its patterns matches; ``NotResource``: none does)."""
    layout = [statement.resource_patterns for statement in statements]
    patterns = [pattern for listed, _ in layout for pattern in listed]
    for matches in _match_vectors(patterns, resources):
        start, inside = 0, False
        for listed, positive in layout:
            hit = any(matches[start:start + len(listed)])
            start += len(listed)
            inside = inside or hit == positive
        yield inside


def covered(statements: Sequence[Statement], resources: Resources) -> bool:
    """Whether every resource asked about is within the resources of some of ``statements`` (none: nothing is)."""
    for statement in statements:  # one statement covering all is the common case, and cheaper to see
        listed, positive = statement.resource_patterns
        if (any(pattern_covers(p, resources) for p in listed) if positive
                else not any(pattern_overlaps(p, resources) for p in listed)):
            return True
    return bool(statements) and all(_inclusion(statements, resources))


def touched(statements: Sequence[Statement], resources: Resources) -> bool:
    """Whether some resource asked about is within the resources of one of ``statements``."""
    excluding = []
    for statement in statements:
        listed, positive = statement.resource_patterns
        if positive and any(pattern_overlaps(p, resources) for p in listed):
            return True
        if not positive and not any(pattern_covers(p, resources) for p in listed):
            excluding.append(statement)  # one of its patterns excluding everything asked about excludes it
    return any(_inclusion(excluding, resources))


def pattern_covers(pattern: str, resources: Resources) -> bool:
    """Whether an IAM ``*``/``?`` wildcard pattern matches every resource asked about, as IAM matches a ``Resource``:
    the whole ARN (a registry scanning filter matches differently: ``ecr_semantics.scanning_filter_covers``).

    For a prefix, the match must be able to reach a run of nothing but ``*`` after reading the prefix, which
    then absorbs any continuation (``repository/prod/*`` covers ``repository/prod/``, not ``repository/prod``).
    """
    if not resources.open_ended:
        return _glob(pattern, False).fullmatch(resources.arn) is not None
    rests = (pattern[position:] for position in _states_after(pattern, resources.arn))
    return any(rest and set(rest) == {"*"} for rest in rests)


def pattern_overlaps(pattern: str, resources: Resources) -> bool:
    """Whether a ``*``/``?`` wildcard pattern matches some resource asked about."""
    if not resources.open_ended:
        return _glob(pattern, False).fullmatch(resources.arn) is not None
    return bool(_states_after(pattern, resources.arn))
