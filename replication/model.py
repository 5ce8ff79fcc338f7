"""Normalize and validate EcrReplication arguments into the model: plain values, no Pulumi resources.

* :func:`normalize` checks everything the arguments say by themselves (prefixes, counts, explicit ids and
  regions, repository settings, extra policy statements) and returns a :class:`ReplicationSpec`, where account
  ids and regions that are left out, or given as outputs, are still ``None``;
* :func:`build_model` takes the resolved account ids and regions and returns the :class:`ReplicationModel`:
  the source registry, every destination registry with its KMS key, and the rules. It runs eagerly when
  everything is explicit, and otherwise as soon as the lookups resolve, with the same error texts;
* :func:`check_registry_policy` checks a rendered registry policy (size, and no extra statement denying what
  replication needs).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from replication import limits
from replication.adoption import check_import_region
from replication.ecr_semantics import EVERY_REPOSITORY, Registry, Rule
from replication.errors import ReplicationConfigError
from replication.iam_policy import (PolicyDocumentError, PolicyKind, Requirement, parse_policy, principal_problems,
                                    replication_caller, replication_requirements, unmet)
from replication.provider_schema import (ROLE_NAME_MAX_LENGTH, ROLE_POLICY_NAME_MAX_LENGTH, check_autonamed_iam_name,
                                         check_destination_region)
from replication.regions import unknown_region_problem
from replication.repository_settings import RepositorySettings, normalize_settings

if TYPE_CHECKING:
    from replication.pull_through import SpokeRegistry, SpokeSlot

POLICY_SID = "AllowEcrReplicationFromSourceAccount"
"""Sid of the statement the component writes into each destination registry policy."""


@dataclass(frozen=True)
class RegistrySlot:
    """One registry as the arguments declare it, before lookups: an entry of a list argument (``destinations``,
    ``pull_through_destinations``) and one of its regions."""

    ARGUMENT: ClassVar[str] = "destinations"
    """The list argument the entry is in."""
    LABEL: ClassVar[str] = "destination"
    """What the entry is, in names that stand in for an account id still to be looked up."""

    index: int
    """Position of the entry in its list argument."""
    region_index: int | None
    """Position of the region in the entry's ``regions``; ``None`` for the provider's own region."""
    region: str | None
    """The explicit region, or ``None`` until the provider's region is looked up."""
    account_id: str | None
    """The explicit account id, or ``None`` until it is looked up or its output resolves."""

    @property
    def field(self) -> str:
        """The argument path of this entry, for error messages."""
        return f"{self.ARGUMENT}[{self.index}]"

    @property
    def region_field(self) -> str:
        """The argument path of this slot's region, for error messages."""
        suffix = "" if self.region_index is None else f"[{self.region_index}]"
        return f"{self.field}.regions{suffix}"

    @property
    def account_label(self) -> str:
        """The account id, or the entry's position while the id is still to be looked up."""
        return self.account_id or f"{self.LABEL}{self.index}"

    @property
    def resource_suffix(self) -> str:
        """A readable suffix, unique per registry, for the names of this registry's resources.

        ``<account>-<region>`` when both are explicit; otherwise the entry's position stands in, so
        giving the ids and regions explicitly from the start keeps names stable (a rename replaces resources).
        """
        if self.account_id is not None and self.region is not None:
            return f"{self.account_id}-{self.region}"
        return f"{self.LABEL}{self.index}-{self.region or 'provider-region'}"


@dataclass(frozen=True)
class DestinationSlot(RegistrySlot):
    """One destination registry as the arguments declare it, before lookups."""

    prefixes: tuple[str, ...]
    """Prefixes replicated to this registry (empty: every repository)."""
    cross_account: bool
    """Whether the registry is in another account than the source (decides whether it gets a policy)."""
    manage_registry_policy: bool
    """Whether the component owns this registry's permissions policy."""
    extra_statements: tuple[Mapping[str, Any], ...]
    """Statements merged into the registry policy after the replication statement."""
    settings: RepositorySettings | None
    """Settings of the replicated repositories (component defaults merged with the destination's own)."""


def template_role_name(component_name: str, slot: RegistrySlot) -> str:
    """The resource name of the creation templates' role in the slot's account (one role per account)."""
    return f"{component_name}-template-role-{slot.account_label}"


def template_role_policy_name(component_name: str, slot: RegistrySlot) -> str:
    """The resource name of the inline policy of the creation templates' role in the slot's account."""
    return f"{component_name}-template-role-policy-{slot.account_label}"


@dataclass(frozen=True)
class ReplicationSpec:
    """Validated arguments with the values that still need a lookup left as ``None``."""

    source_account_id: str | None
    source_region: str | None
    slots: tuple[DestinationSlot, ...]
    adopt_existing: bool = False
    """Whether the children a live setup already has are imported (``adoption``); every id and region is explicit."""
    spokes: tuple[SpokeSlot, ...] = ()
    """The pull-through spoke registries (:mod:`replication.pull_through` lays them out)."""
    manage_source_registry_policy: bool = True
    """Whether the component owns the source registry's policy when cross-account spokes cache from the source."""
    source_policy_statements: tuple[Mapping[str, Any], ...] | None = None
    """Statements the source registry's policy holds besides the spokes' grant (``None``: not given)."""

    @property
    def fully_known(self) -> bool:
        """Whether every account id and region is explicit, so the model can be built right away."""
        values = [self.source_account_id, self.source_region]
        values += [v for slot in (*self.slots, *self.spokes) for v in (slot.account_id, slot.region)]
        return all(v is not None for v in values)


@dataclass(frozen=True)
class ReplicationGrant:
    """What a destination registry policy grants the source account."""

    actions: tuple[str, ...]
    repositories: tuple[str, ...]
    """Exact repository names when ``exact``, else name prefixes (``""``: every repository)."""
    exact: bool

    def name_patterns(self) -> list[str]:
        """The repository part of each granted ARN (``prod/*``, or an exact name)."""
        return list(self.repositories) if self.exact else [f"{prefix}*" for prefix in self.repositories]


@dataclass(frozen=True)
class DestinationRegistry:
    """A resolved destination registry, the slot that declared it, and its repositories' KMS key."""

    slot: DestinationSlot
    registry: Registry
    kms_key: str | None = None
    """The KMS key of replicated repositories here (``None`` without KMS encryption), checked to live here."""

    @property
    def grant(self) -> ReplicationGrant:
        """What the registry policy grants the source: ``ecr:CreateRepository`` and ``ecr:ReplicateImage`` on the
        replicated prefixes, or in the least-privilege mode (no repository creation) only ``ecr:ReplicateImage``
        on exactly the pre-created repositories."""
        settings = self.slot.settings
        if settings is not None and not settings.allow_repository_creation:
            return ReplicationGrant(("ecr:ReplicateImage",), settings.repositories, exact=True)
        return ReplicationGrant(limits.REPLICATION_ACTIONS, self.slot.prefixes or (EVERY_REPOSITORY,), exact=False)

    @property
    def requirements(self) -> tuple[Requirement, ...]:
        """What this registry's policy must let the source account do, in the shared model's terms
        (``iam_policy.replication_requirements``, which ``check`` and the policy pack evaluate too)."""
        grant = self.grant
        return replication_requirements(self.registry, grant.repositories, grant.repositories if grant.exact else None)


@dataclass(frozen=True)
class ReplicationModel:
    """Everything the component creates, as plain values."""

    source: Registry
    destinations: tuple[DestinationRegistry, ...]
    rules: tuple[Rule, ...]
    """One rule per distinct prefix set, its destinations in declaration order."""
    spokes: tuple[SpokeRegistry, ...] = ()
    """The pull-through spoke registries, in declaration order (:func:`replication.pull_through.build_spokes`)."""
    manage_source_registry_policy: bool = True
    """Whether the component owns the source registry's policy (``ReplicationSpec.manage_source_registry_policy``)."""
    source_policy_statements: tuple[Mapping[str, Any], ...] = ()
    """Statements the source registry's policy holds before the spokes' grant
    (``ReplicationSpec.source_policy_statements``)."""


def check_account_id(field: str, value: object) -> str:
    """Return ``value`` when it is a 12-digit account id, else raise naming ``field``."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        raise ReplicationConfigError(
            field, value, "an AWS account id is a string of 12 digits, not a number: quote it ('012345678901')"
        )
    if not isinstance(value, str) or not limits.ACCOUNT_ID_PATTERN.match(value):
        raise ReplicationConfigError(field, value, "an AWS account id is exactly 12 digits")
    return value


def check_region(field: str, value: object) -> str:
    """Return ``value`` when it is a region ECR serves (botocore's endpoint data), else raise naming ``field``."""
    if not isinstance(value, str) or not limits.REGION_PATTERN.match(value):
        raise ReplicationConfigError(field, value, "a region is 2 to 25 characters of a-z, 0-9 and '-', like 'us-west-2'")
    problem = unknown_region_problem(value)
    if problem is not None:
        raise ReplicationConfigError(field, value, problem)
    return value


def _check_destination_region(field: str, value: object) -> str:
    """A region ECR serves that pulumi-aws's schema also takes as a replication destination."""
    region = check_region(field, value)
    check_destination_region(field, region)
    return region


def check_prefixes(field: str, value: object) -> tuple[str, ...]:
    """Validate a list of repository prefixes (AWS's filter rules, no duplicates, at most 100)."""
    if value is None:
        return ()
    if not isinstance(value, Sequence) or isinstance(value, str):
        raise ReplicationConfigError(field, value, "must be a list of repository name prefixes")
    if len(value) > limits.MAX_FILTERS_PER_RULE:
        raise ReplicationConfigError(
            field, f"{len(value)} prefixes", f"a replication rule holds at most {limits.MAX_FILTERS_PER_RULE} filters"
        )
    seen: set[str] = set()
    for i, prefix in enumerate(value):
        item = f"{field}[{i}]"
        if not isinstance(prefix, str):
            raise ReplicationConfigError(item, prefix, "a prefix must be a string")
        if not limits.FILTER_MIN_LENGTH <= len(prefix) <= limits.FILTER_MAX_LENGTH:
            raise ReplicationConfigError(
                item, prefix, f"a prefix is {limits.FILTER_MIN_LENGTH} to {limits.FILTER_MAX_LENGTH} characters long"
            )
        if not limits.FILTER_PATTERN.match(prefix):
            raise ReplicationConfigError(
                item, prefix, "a prefix uses lowercase letters, digits, '.', '_', '-' and '/' as repository names do"
            )
        if prefix in seen:
            raise ReplicationConfigError(item, prefix, "duplicate prefix")
        seen.add(prefix)
    return tuple(value)


def check_policy_statements(field: str, value: Sequence[Any]) -> tuple[Mapping[str, Any], ...]:
    """Validate extra registry policy statements: statements IAM can evaluate, whose principals a registry policy
    may name (``iam_policy.principal_problems``, the rule the policy pack and ``import`` apply too), not the
    replication statement's Sid (``field[i]`` names the i-th in errors)."""
    for i, statement in enumerate(value):
        item = f"{field}[{i}]"
        if not isinstance(statement, Mapping) or statement.get("Effect") not in ("Allow", "Deny"):
            raise ReplicationConfigError(item, statement, "a statement is an object with Effect 'Allow' or 'Deny'")
        if statement.get("Sid") == POLICY_SID:
            raise ReplicationConfigError(f"{item}.Sid", POLICY_SID, "this Sid is reserved for the replication statement")
        element = "NotPrincipal" if "NotPrincipal" in statement else "Principal"
        principal = statement.get(element)
        if not _plain(principal):
            raise ReplicationConfigError(
                f"{item}.{element}", principal, "principals are plain strings (ARNs or account ids), not outputs"
            )
        try:
            [parsed] = parse_policy({"Statement": [statement]})
        except PolicyDocumentError as error:
            raise ReplicationConfigError(item, statement, f"IAM can't evaluate this statement: {error}") from None
        problems = principal_problems(parsed, PolicyKind.REGISTRY)
        if problems:
            raise ReplicationConfigError(f"{item}.{element}", principal, problems[0])
    return tuple(value)


def _plain(principal: object) -> bool:
    """Whether a ``Principal`` element holds plain strings only (no Pulumi output a program passed by mistake)."""
    if isinstance(principal, Mapping):
        return all(isinstance(v, str) or isinstance(v, list) and all(isinstance(n, str) for n in v)
                   for v in principal.values())
    return principal is None or isinstance(principal, str)


def explicit_account(field: str, value: object) -> str | None:
    """An explicit account id, checked; ``None`` when it is absent or a Pulumi output, resolved later. A number is
    refused here: it would only fail once looked-up values resolve, with a less helpful message."""
    if isinstance(value, str) or isinstance(value, (int, float)) and not isinstance(value, bool):
        return check_account_id(field, value)
    return None


ProviderCheck = Callable[[str, object], bool]
"""Validates the provider found at an argument path and tells whether it is the source provider."""


def normalize(name: str, args: Mapping[str, Any], check_provider: ProviderCheck) -> ReplicationSpec:
    """Validate what the arguments of component ``name`` say by themselves and lay out one slot per destination
    registry.

    ``check_provider(field, value)`` raises for a missing or wrong provider and returns whether ``value`` is the
    source provider, which makes a destination same-account (cross-region).
    """
    check_provider("source_provider", args.get("source_provider"))
    destinations = args.get("destinations")
    if not isinstance(destinations, Sequence) or not destinations:
        raise ReplicationConfigError("destinations", destinations, "name at least one destination")

    source_account = explicit_account("source_account_id", args.get("source_account_id"))
    source_region = args.get("source_region")
    if source_region is not None:
        check_region("source_region", source_region)
    default_prefixes = check_prefixes("repository_prefixes", args.get("repository_prefixes"))

    slots: list[DestinationSlot] = []
    for index, destination in enumerate(destinations):
        if not isinstance(destination, Mapping):
            raise ReplicationConfigError(f"destinations[{index}]", destination, "must be a ReplicationDestinationArgs")
        same_provider = check_provider(f"destinations[{index}].provider", destination.get("provider"))
        slots.extend(_destination_slots(index, destination, args, default_prefixes, source_account, same_provider))
    if len(slots) > limits.MAX_UNIQUE_DESTINATIONS:
        raise ReplicationConfigError(
            "destinations",
            f"{len(slots)} destination registries",
            f"a registry replicates to at most {limits.MAX_UNIQUE_DESTINATIONS} unique destinations",
        )
    prefix_sets = list(dict.fromkeys(slot.prefixes for slot in slots))
    if len(prefix_sets) > limits.MAX_RULES:
        first_over = next(slot for slot in slots if slot.prefixes == prefix_sets[limits.MAX_RULES])
        raise ReplicationConfigError(
            "destinations",
            f"{len(prefix_sets)} distinct prefix sets",
            f"each distinct set of prefixes is one rule, and pulumi-aws takes at most {limits.MAX_RULES} rules in a "
            f"configuration (its Terraform schema; ECR's API allows more); rule {limits.MAX_RULES + 1} would replicate "
            f"{', '.join(first_over.prefixes) or 'every repository'} to {first_over.region_field}: give more "
            "destinations the same prefixes",
        )
    for slot in slots:
        if slot.settings is not None and slot.settings.needs_role:
            check_role_names(name, template_role_name(name, slot), template_role_policy_name(name, slot),
                             f"the creation templates of {slot.field} need a role")
    adopt = args.get("adopt_existing", False)
    if not isinstance(adopt, bool):
        raise ReplicationConfigError("adopt_existing", adopt, "must be true or false")
    spec = ReplicationSpec(source_account, source_region, tuple(slots), adopt)
    if adopt:
        _check_adoptable(spec)
    return spec


def _check_adoptable(spec: ReplicationSpec) -> None:
    """Import ids name each registry's account and region, so adopting needs them explicit and nameable."""
    if not spec.fully_known:
        raise ReplicationConfigError(
            "adopt_existing",
            True,
            "import ids name each registry's account and region: give source_account_id, source_region and every "
            "destination's account_id and regions explicitly (as plain values)",
        )
    check_import_region("source_region", spec.source_region or "")
    for slot in spec.slots:
        check_import_region(slot.region_field, slot.region or "")


def check_role_names(component_name: str, role_name: str, policy_name: str, needed_by: str) -> None:
    """A role and its inline policy get names pulumi-aws generates from their resource names, which carry the
    component's name: both must be IAM names (``provider_schema.check_autonamed_iam_name``); ``needed_by`` says what
    needs the role (``the creation templates of destinations[0] need a role``)."""
    check_autonamed_iam_name(component_name, role_name, ROLE_NAME_MAX_LENGTH, needed_by)
    check_autonamed_iam_name(component_name, policy_name, ROLE_POLICY_NAME_MAX_LENGTH, needed_by)


def _destination_slots(
    index: int,
    destination: Mapping[str, Any],
    args: Mapping[str, Any],
    default_prefixes: tuple[str, ...],
    source_account: str | None,
    same_provider: bool,
) -> list[DestinationSlot]:
    """The slots (one per region) of destination ``index``."""
    field = f"destinations[{index}]"
    account = explicit_account(f"{field}.account_id", destination.get("account_id"))
    if account is not None:
        if same_provider and source_account is not None and account != source_account:
            raise ReplicationConfigError(
                f"{field}.account_id",
                account,
                f"this destination uses source_provider, which is account {source_account}; "
                "give the destination account its own provider",
            )
    if same_provider:
        account = account or source_account
    cross_account = not same_provider and (account is None or source_account is None or account != source_account)

    prefixes = default_prefixes
    if "repository_prefixes" in destination:
        prefixes = check_prefixes(f"{field}.repository_prefixes", destination["repository_prefixes"])
    manage = destination.get("manage_registry_policy", True)
    if not isinstance(manage, bool):
        raise ReplicationConfigError(f"{field}.manage_registry_policy", manage, "must be true or false")
    statements = _extra_statements(field, destination.get("registry_policy_statements"), manage, cross_account)
    settings = normalize_settings(args.get("repository_settings"), destination.get("repository_settings"), field, prefixes)

    return [
        DestinationSlot(index, region_index, region, account, prefixes, cross_account, manage, statements, settings)
        for region_index, region in region_entries(field, destination.get("regions"), _check_destination_region)
    ]


def region_entries(field: str, regions: object, check: Callable[[str, object], str] = check_region
                   ) -> list[tuple[int | None, str | None]]:
    """The ``regions`` of the list entry at ``field``, each with its position: ``[(None, None)]`` (the provider's
    region) when left out; raises for an empty list, a region ``check`` refuses (by default: one ECR doesn't
    serve), or a duplicate."""
    if regions is None:
        return [(None, None)]
    if not isinstance(regions, Sequence) or isinstance(regions, str) or not regions:
        raise ReplicationConfigError(f"{field}.regions", regions, "must be a non-empty list of regions, or left out")
    entries: list[tuple[int | None, str | None]] = [
        (i, check(f"{field}.regions[{i}]", r)) for i, r in enumerate(regions)
    ]
    for i, region in entries:
        if regions.index(region) != i:
            raise ReplicationConfigError(f"{field}.regions[{i}]", region, "duplicate region")
    return entries


def _extra_statements(
    destination_field: str, value: object, manage: bool, cross_account: bool
) -> tuple[Mapping[str, Any], ...]:
    """The destination's extra registry policy statements, only where the component writes a registry policy."""
    field = f"{destination_field}.registry_policy_statements"
    if value is None:
        return ()
    if not isinstance(value, Sequence) or isinstance(value, str):
        raise ReplicationConfigError(field, value, "must be a list of IAM policy statements")
    if value and not manage:
        raise ReplicationConfigError(
            field,
            f"{len(value)} statement(s)",
            "are only used when the component manages the registry policy (manage_registry_policy is false)",
        )
    if value and not cross_account:
        raise ReplicationConfigError(
            field,
            f"{len(value)} statement(s)",
            "would be dropped: a same-account destination gets no registry policy (replication within an account "
            "needs none); manage this registry's policy elsewhere",
        )
    return check_policy_statements(field, value)


def build_model(
    spec: ReplicationSpec,
    source_account_id: str,
    source_region: str,
    resolved: Sequence[tuple[str, str]],
) -> ReplicationModel:
    """Check the resolved account ids and regions and lay out registries, their KMS keys, and rules.

    ``resolved[i]`` is the (account id, region) of ``spec.slots[i]``.
    """
    source = Registry(check_account_id("source_account_id", source_account_id), check_region("source_region", source_region))
    seen: dict[Registry, DestinationSlot] = {}
    destinations: list[DestinationRegistry] = []
    for slot, (account, region) in zip(spec.slots, resolved, strict=True):
        registry = Registry(
            check_account_id(f"{slot.field}.account_id", account), _check_destination_region(slot.region_field, region)
        )
        if registry.partition != source.partition:
            raise ReplicationConfigError(
                slot.region_field, region, f"ECR replicates only within a partition, and the source is in {source.partition}"
            )
        if registry == source:
            raise ReplicationConfigError(
                slot.region_field, region, f"replicating registry {source.host} to itself is not possible"
            )
        if registry in seen:
            raise ReplicationConfigError(
                slot.field, f"{account}/{region}", f"this registry is already a destination at {seen[registry].region_field}"
            )
        if not slot.cross_account and account != source.account_id:
            raise ReplicationConfigError(
                f"{slot.field}.account_id",
                account,
                f"this destination uses source_provider, which reaches account {source.account_id}; "
                "give the destination account its own provider",
            )
        if slot.cross_account and account == source.account_id:
            raise ReplicationConfigError(
                f"{slot.field}.provider",
                account,
                "this provider reaches the source account; use source_provider for same-account destinations",
            )
        kms_key = slot.settings.kms_key_for(region) if slot.settings is not None else None
        seen[registry] = slot
        destinations.append(DestinationRegistry(slot, registry, kms_key))

    groups: dict[tuple[str, ...], list[Registry]] = {}
    for destination in destinations:
        groups.setdefault(destination.slot.prefixes, []).append(destination.registry)
    rules = tuple(Rule(tuple(registries), prefixes) for prefixes, registries in groups.items())
    return ReplicationModel(source, tuple(destinations), rules)


def check_registry_policy(source: Registry, destination: DestinationRegistry, document: str) -> None:
    """Raise when the rendered registry policy of ``destination`` is larger than ECR accepts, or when one of its
    extra statements takes away what the replication statement grants (evaluated as IAM does, for the role ECR
    replicates as: ``iam_policy.replication_caller``, the rule ``check`` and the pack apply too)."""
    slot = destination.slot
    if len(document) > limits.MAX_REGISTRY_POLICY_CHARS:
        raise ReplicationConfigError(
            slot.field,
            f"{len(document)} characters",
            f"the registry policy for {destination.registry.host} exceeds ECR's {limits.MAX_REGISTRY_POLICY_CHARS}"
            "-character limit; use fewer prefixes or extra statements",
        )
    if not slot.extra_statements:
        return
    statements = parse_policy(document)
    caller = replication_caller(source.account_id, source.partition)
    # The replication statement meets every requirement unconditionally: only a Deny can take one away, so the
    # policy is evaluated only for the requirements some Deny concerns.
    denies = [s for s in statements if s.effect == "Deny"]
    concerned = [
        requirement for requirement in destination.requirements
        if any(s.applies_to(caller, requirement.action) and s.touches(requirement.resources) for s in denies)
    ]
    for requirement, decision in unmet(statements, caller, concerned):
        index = extra_statement_index(slot.extra_statements, decision.statements, REPLICATION_STATEMENT_POSITION + 1)
        raise ReplicationConfigError(
            f"{slot.field}.registry_policy_statements[{index}]",
            slot.extra_statements[index].get("Sid") or slot.extra_statements[index],
            f"takes {requirement} away from the source account {source.account_id}, whose role {caller.arn} is "
            f"what ECR replicates as ({decision.explain()}), and replication needs it: it would fail, with only "
            "CloudTrail saying why",
        )


REPLICATION_STATEMENT_POSITION = 1
"""Where a cross-account destination's registry policy holds the replication statement: first, the extra statements
after it (``documents.registry_policy_document``)."""


def extra_statement_index(extra: Sequence[Mapping[str, Any]], labels: tuple[str, ...], first: int) -> int:
    """The position among the ``extra`` statements of the first statement ``labels`` names (a Sid, or ``#<n>``: the
    n-th statement of the policy, where the first extra statement is the ``first``-th)."""
    return next(index for index, statement in enumerate(extra)
                if (statement.get("Sid") or f"#{index + first}") in labels)
