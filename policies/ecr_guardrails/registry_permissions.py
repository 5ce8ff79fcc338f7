"""`ecr-registry-policy-least-privilege` and `ecr-replication-has-permission`: registry permissions policies
grant replication, and only replication, to named accounts."""

from collections import defaultdict
from collections.abc import Iterator
from typing import Optional

from pulumi_policy import EnforcementLevel, ResourceValidationArgs, StackValidationArgs

from .limits import ACCOUNT_ID_PATTERN, MAX_REGISTRY_POLICY_CHARS, REPLICATION_ACTIONS
from .resource_types import REGISTRY_POLICY
from .declare import resource_policy, stack_policy
from .policy_documents import Statement, parse_policy, principal_account
from .props import UNKNOWN, text
from .registries import Registry
from .replication_rules import Destination
from .policy_config import PolicyOption
from .stack_index import RegistryResource, ReplicationSource, StackIndex

ALLOWED_ACTIONS_OPTION: PolicyOption[tuple] = PolicyOption(
    "allowedActions", (), "ECR actions Allow statements may grant besides ecr:ReplicateImage and "
                          "ecr:CreateRepository (e.g. pull-through cache actions).")
"""Extra actions a registry policy may allow."""

REQUIRE_CREATE_REPOSITORY_OPTION = PolicyOption(
    "requireCreateRepository", True, "Require ecr:CreateRepository besides ecr:ReplicateImage (false when every "
                                     "replicated repository is pre-created, the component's least-privilege mode).")
"""Whether a destination policy must also grant `ecr:CreateRepository`."""

MAX_POLICY_LENGTH_OPTION = PolicyOption("maxPolicyLength", MAX_REGISTRY_POLICY_CHARS,
                                    "Longest registry policy text (characters) ECR accepts.")
"""How long a registry policy's text may be."""

_NOT_A_POLICY = "the policy is not a JSON policy document with a Statement list; fix its JSON."


def _statement_problems(statement: Statement, allowed_actions: frozenset[str]) -> Iterator[str]:
    where = f"Allow statement {statement.label}"
    if "*" in statement.aws_principals:
        yield (f"{where} has the '*' principal; name the source accounts, e.g. "
               f"{{\"AWS\": \"arn:aws:iam::<source-account>:root\"}}.")
    unnamed = [p for p in statement.aws_principals if p != "*" and principal_account(p) is None]
    if statement.other_principal_kinds or unnamed or not statement.aws_principals:
        yield (f"{where} must name AWS accounts as principals (account ids or IAM ARNs); "
               f"found {', '.join(unnamed + list(statement.other_principal_kinds)) or 'none'}.")
    if statement.not_actions:
        yield f"{where} uses NotAction, which grants every other action; list the actions instead."
    beyond = [action for action in statement.actions if action.lower() not in allowed_actions]
    if beyond:
        yield (f"{where} grants {', '.join(beyond)}; replication needs only {' and '.join(REPLICATION_ACTIONS)} "
               f"(list other actions in allowedActions to permit them).")


def _least_privilege_problems(args: ResourceValidationArgs) -> Iterator[str]:
    document = text(args.props, "policy")
    if document is None or document is UNKNOWN:
        return
    longest, accepted = MAX_POLICY_LENGTH_OPTION.most(args, authority="ECR accepts")
    if len(document) > longest:
        yield (f"the policy text is {len(document)} characters long; {accepted}: "
               f"merge statements or narrow their Resource lists.")
    statements = parse_policy(document)
    if statements is None:
        yield _NOT_A_POLICY
        return
    allowed = frozenset(a.lower() for a in (*REPLICATION_ACTIONS, *ALLOWED_ACTIONS_OPTION.read(args)))
    for statement in statements:
        if statement.allows:
            yield from _statement_problems(statement, allowed)


least_privilege = resource_policy(
    name="ecr-registry-policy-least-privilege",
    description="Registry policies allow only named accounts (no '*' principal) and only the replication actions "
                "ecr:ReplicateImage and ecr:CreateRepository, unless more are listed in allowedActions; their "
                "text fits ECR's 10,240 characters.",
    level=EnforcementLevel.MANDATORY,
    check=_least_privilege_problems,
    resource_type=REGISTRY_POLICY,
    options=[ALLOWED_ACTIONS_OPTION, MAX_POLICY_LENGTH_OPTION],
)
"""Judges every Allow statement of each registry policy."""


def _arn_registry(arn: str) -> Optional[Registry]:
    """The registry an ECR ARN (`arn:aws:ecr:<region>:<account>:repository/...`) lies in."""
    parts = arn.split(":")
    if len(parts) >= 6 and parts[2] == "ecr" and parts[3] and ACCOUNT_ID_PATTERN.match(parts[4]):
        return Registry(parts[4], parts[3])
    return None


class _PolicyIndex:
    """Registry policies by the registries they govern: their provider's, and those their Resource ARNs name."""

    def __init__(self, policies: list[RegistryResource]) -> None:
        self._by_registry: dict[Registry, list[Optional[tuple[Statement, ...]]]] = defaultdict(list)
        for policy in policies:
            document = text(policy.resource.props, "policy")
            statements = None if document is UNKNOWN or not isinstance(document, str) else parse_policy(document)
            registries = {policy.registry} if policy.registry else set()
            registries.update(r for s in statements or () for arn in s.resources if (r := _arn_registry(arn)))
            for registry in registries:
                self._by_registry[registry].append(statements)

    def problem(self, source_account: str, destination: Destination, actions: tuple[str, ...]) -> Optional[str]:
        """Why replication from `source_account` to `destination` lacks one of `actions`, or `None` if it has
        them all (or a governing policy is unknown during preview)."""
        policies = self._by_registry.get(Registry(destination.registry_id, destination.region))
        if not policies:
            return "has no registry policy in this stack"
        for statements in policies:
            if statements is None:
                return None
            granting = [s for s in statements if s.names_account(source_account)]
            if all(any(s.grants(action) for s in granting) for action in actions):
                return None
        return f"has a registry policy that doesn't grant account {source_account} {' and '.join(actions)}"


def _missing_permissions(source: ReplicationSource, policies: _PolicyIndex,
                         actions: tuple[str, ...]) -> Iterator[str]:
    source_account = source.registry.account_id if source.registry else None
    if source_account is None:
        return
    for destination in sorted(source.destinations, key=str):
        if destination.registry_id == source_account:
            continue
        problem = policies.problem(source_account, destination, actions)
        if problem:
            yield (f"destination {destination} {problem}: replication from {source.registry} will fail unless a "
                   f"policy managed elsewhere grants arn:aws:iam::{source_account}:root {' and '.join(actions)} "
                   f"there. Add a RegistryPolicy in that registry (its provider must name the account via "
                   f"allowedAccountIds or an assumed role).")


def _permission_problems(args: StackValidationArgs, index: StackIndex) -> Iterator[tuple[str, str]]:
    actions = REPLICATION_ACTIONS if REQUIRE_CREATE_REPOSITORY_OPTION.read(args) else ("ecr:ReplicateImage",)
    policies = _PolicyIndex(index.of_type(REGISTRY_POLICY))
    for source in index.replication_sources:
        for problem in _missing_permissions(source, policies, actions):
            yield problem, source.resource.urn


has_permission = stack_policy(
    name="ecr-replication-has-permission",
    description="Every cross-account replication destination has a registry policy in the stack granting the "
                "source account ecr:ReplicateImage and ecr:CreateRepository.",
    level=EnforcementLevel.ADVISORY,
    check=_permission_problems,
    options=[REQUIRE_CREATE_REPOSITORY_OPTION],
)
"""Warns about cross-account destinations that no registry policy of the stack opens to the source account."""
