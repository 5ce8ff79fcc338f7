"""`ecr-registry-policy-least-privilege` and `ecr-replication-has-permission`: registry permissions policies
grant replication, and only replication, to named accounts; and every cross-account destination's policy
really lets its source account replicate every prefix it receives, evaluated as IAM does (`iam_policy`)."""

from collections import defaultdict
from collections.abc import Iterator, Sequence
from typing import Optional

from pulumi_policy import EnforcementLevel, ResourceValidationArgs, StackValidationArgs

from .ecr_semantics import Registry, registry_of_arn
from .iam_policy import (PolicyDocumentError, PolicyKind, Requirement, Statement, parse_policy, principal_problems,
                         replication_caller, replication_requirements, unmet)
from .limits import MAX_REGISTRY_POLICY_CHARS, PULL_THROUGH_UPSTREAM_ACTIONS, REPLICATION_ACTIONS
from .policy_config import PolicyOption
from .props import UNKNOWN, text
from .registries import AnyRegistry, ProviderRegistry, describe
from .resource_types import REGISTRY_POLICY, REPOSITORY
from .declare import resource_policy, stack_policy
from .stack_index import RegistryResource, ReplicationSource, StackIndex

ALLOWED_ACTIONS_OPTION: PolicyOption[tuple] = PolicyOption(
    "allowedActions", (), "ECR actions Allow statements may grant besides ecr:ReplicateImage and "
                          "ecr:CreateRepository (e.g. pull-through cache actions).")
"""Extra actions a registry policy may allow."""

PULL_THROUGH_GRANTS_OPTION = PolicyOption(
    "allowPullThroughGrants", True, "Allow the actions an upstream registry grants the accounts of its ECR-to-ECR "
                                    "pull-through cache spokes: " + ", ".join(PULL_THROUGH_UPSTREAM_ACTIONS) + ".")
"""Whether a registry policy may grant the pull-through cache upstream actions (ECR user guide, "Setting up
permissions for cross-account ECR to ECR PTC")."""

REQUIRE_CREATE_REPOSITORY_OPTION = PolicyOption(
    "requireCreateRepository", True, "Require ecr:CreateRepository besides ecr:ReplicateImage (false when every "
                                     "replicated repository is pre-created, the component's least-privilege mode).")
"""Whether a destination policy must also grant `ecr:CreateRepository`."""

MAX_POLICY_LENGTH_OPTION = PolicyOption("maxPolicyLength", MAX_REGISTRY_POLICY_CHARS,
                                        "Longest registry policy text (characters) ECR accepts.", "maximum")
"""How long a registry policy's text may be."""

_NOT_A_POLICY = "the policy is not a JSON policy document IAM could evaluate ({}); fix it."


def _statement_problems(statement: Statement, allowed_actions: frozenset[str], pull_through: bool) -> Iterator[str]:
    where = f"Allow statement {statement.label}"
    # Whom it names: the rule the component and `ecr-replication import` apply, in the same words.
    for problem in principal_problems(statement, PolicyKind.REGISTRY):
        yield f"statement {statement.label}: {problem}."
    if statement.not_actions is not None:
        yield f"{where} uses NotAction, which grants every other action; list the actions instead."
    beyond = [action for action in statement.actions or () if action.lower() not in allowed_actions]
    if beyond:
        spokes = f", pull-through spokes {', '.join(PULL_THROUGH_UPSTREAM_ACTIONS)}" if pull_through else ""
        yield (f"{where} grants {', '.join(beyond)}; replication needs only {' and '.join(REPLICATION_ACTIONS)}"
               f"{spokes} (list other actions in allowedActions to permit them).")


def _least_privilege_problems(args: ResourceValidationArgs) -> Iterator[str]:
    document = text(args.props, "policy")
    if document is None or document is UNKNOWN:
        return
    longest, accepted = MAX_POLICY_LENGTH_OPTION.most(args, authority="ECR accepts")
    if len(document) > longest:
        yield (f"the policy text is {len(document)} characters long; {accepted}: "
               f"merge statements or narrow their Resource lists.")
    try:
        statements = parse_policy(document)
    except PolicyDocumentError as error:
        yield _NOT_A_POLICY.format(error)
        return
    pull_through = bool(PULL_THROUGH_GRANTS_OPTION.read(args))
    spoke_actions = PULL_THROUGH_UPSTREAM_ACTIONS if pull_through else ()
    allowed = frozenset(a.lower() for a in (*REPLICATION_ACTIONS, *spoke_actions, *ALLOWED_ACTIONS_OPTION.read(args)))
    for statement in statements:
        if statement.effect == "Allow":
            yield from _statement_problems(statement, allowed, pull_through)


least_privilege = resource_policy(
    name="ecr-registry-policy-least-privilege",
    description="Registry policies allow only named AWS accounts (no '*' principal, no NotPrincipal, no service) and "
                "only the replication actions ecr:ReplicateImage and ecr:CreateRepository and the actions an "
                "upstream grants its pull-through cache spokes (allowPullThroughGrants), unless more are listed in "
                f"allowedActions; their text fits ECR's {MAX_REGISTRY_POLICY_CHARS:,} characters.",
    level=EnforcementLevel.MANDATORY,
    check=_least_privilege_problems,
    resource_type=REGISTRY_POLICY,
    options=[ALLOWED_ACTIONS_OPTION, PULL_THROUGH_GRANTS_OPTION, MAX_POLICY_LENGTH_OPTION],
)
"""Judges every Allow statement of each registry policy."""


class _PolicyIndex:
    """Registry policies by the registry they govern.

    A registry policy governs the registry it is put into: its provider's account, in its region. Its Resource
    ARNs don't move it anywhere (a policy in another account or region naming this registry's ARNs governs
    nothing here), so they only help when the provider names no account: then a policy whose ARNs all lie in one
    registry of the policy's own region is taken to be that registry's.
    """

    def __init__(self, policies: list[RegistryResource]) -> None:
        self._by_registry: dict[AnyRegistry, list[Optional[Sequence[Statement]]]] = defaultdict(list)
        for policy in policies:
            document = text(policy.resource.props, "policy")
            statements = _statements(document) if isinstance(document, str) else None
            registry = policy.registry
            if isinstance(registry, ProviderRegistry):
                named = {r for s in statements or () for arn in s.resources or () if (r := registry_of_arn(arn))}
                if len(named) == 1 and next(iter(named)).region == registry.region:
                    registry = next(iter(named))
            if registry is not None:
                self._by_registry[registry].append(statements)

    def problem(self, source_account: str, destination: Registry, requirements: Sequence[Requirement]) -> Optional[str]:
        """Why the policies of `destination` don't let `source_account` meet `requirements`, or `None` when one of
        them does (or is unknown during preview, or unreadable, which the least-privilege policy reports). Asked for
        the role ECR replicates as (`iam_policy.replication_caller`): a Deny naming it counts."""
        policies = self._by_registry.get(destination)
        if not policies:
            return "has no registry policy in this stack"
        gaps: list[str] = []
        for statements in policies:
            if statements is None:
                return None
            found = unmet(statements, replication_caller(source_account, destination.partition), requirements)
            if not found:
                return None
            gaps = [f"{decision.says(source_account)} {requirement}: {decision.explain()}" for requirement, decision in found]
        return "has a registry policy that " + "; ".join(gaps)


def _statements(document: str) -> Optional[Sequence[Statement]]:
    try:
        return parse_policy(document)
    except PolicyDocumentError:
        return None


def _pre_created(index: StackIndex, destination: Registry, source: ReplicationSource) -> list[str]:
    """The repositories the stack creates in `destination` that the source's rules replicate to it."""
    names = []
    for repository in index.of_type(REPOSITORY):
        name = text(repository.resource.props, "name")
        if repository.registry == destination and isinstance(name, str) and any(
                rule.replicates(name) for rule in source.rules if destination in rule.destinations):
            names.append(name)
    return names


def _missing_permissions(source: ReplicationSource, policies: _PolicyIndex, index: StackIndex,
                         create_repositories: bool) -> Iterator[str]:
    if not isinstance(source.registry, Registry):
        return
    source_account = source.registry.account_id
    for destination in sorted(source.destinations):
        if destination.account_id == source_account:
            continue
        prefixes = [p for rule in source.rules if destination in rule.destinations for p in rule.prefixes]
        requirements = replication_requirements(destination, prefixes)
        if not create_repositories:
            # Least-privilege mode: ReplicateImage on the repositories the stack pre-creates there, else (they are
            # made elsewhere) on every replicated prefix.
            pre_created = _pre_created(index, destination, source)
            requirements = (replication_requirements(destination, (), pre_created) if pre_created else
                            tuple(r for r in requirements if r.action == "ecr:ReplicateImage"))
        problem = policies.problem(source_account, destination, requirements) if requirements else None
        if problem:
            needed = ", ".join(map(str, requirements))
            yield (f"destination {destination} {problem}. Replication from {describe(source.registry)} will fail "
                   f"unless the registry policy there lets {source.registry.account_root_arn} do {needed}. Add or "
                   f"fix the RegistryPolicy in that registry (its provider must name the account via "
                   f"allowedAccountIds or an assumed role).")


def _permission_problems(args: StackValidationArgs, index: StackIndex) -> Iterator[tuple[str, str]]:
    create_repositories = bool(REQUIRE_CREATE_REPOSITORY_OPTION.read(args))
    policies = _PolicyIndex(index.of_type(REGISTRY_POLICY))
    for source in index.replication_sources:
        for problem in _missing_permissions(source, policies, index, create_repositories):
            yield problem, source.resource.urn


has_permission = stack_policy(
    name="ecr-replication-has-permission",
    description="Every cross-account replication destination has a registry policy in the stack that lets the "
                "source account ecr:ReplicateImage and ecr:CreateRepository on every prefix replicated to it "
                "(evaluated as IAM does: explicit deny wins, wildcards, NotAction/NotResource; a Condition makes a "
                "grant unprovable).",
    level=EnforcementLevel.ADVISORY,
    check=_permission_problems,
    options=[REQUIRE_CREATE_REPOSITORY_OPTION],
)
"""Warns about cross-account destinations whose registry policy in the stack doesn't provably open them to the
source account."""
