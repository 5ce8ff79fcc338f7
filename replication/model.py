"""Normalize and validate EcrReplication arguments into plain values.

Two steps, both free of Pulumi resources:

* :func:`normalize` checks everything the arguments say by themselves (prefixes, counts, explicit ids and
  regions) and returns a :class:`ReplicationSpec`, where account ids and regions that are left out, or given
  as outputs, are still ``None``;
* :func:`build_model` takes the resolved account ids and regions and returns the :class:`ReplicationModel`:
  the source registry, every destination registry and the rules. It runs eagerly when everything is explicit,
  and otherwise as soon as the lookups resolve, with the same error texts.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from replication import limits
from replication.ecr_semantics import Registry
from replication.errors import ReplicationConfigError
from replication.repository_settings import RepositorySettings, normalize_settings

POLICY_SID = "AllowEcrReplicationFromSourceAccount"
"""Sid of the statement the component writes into each destination registry policy."""


@dataclass(frozen=True)
class DestinationSlot:
    """One destination registry as the arguments declare it, before lookups."""

    index: int
    """Position of the destination in ``destinations``."""
    region_index: int | None
    """Position of the region in the destination's ``regions``; ``None`` for the provider's own region."""
    region: str | None
    """The explicit region, or ``None`` until the provider's region is looked up."""
    account_id: str | None
    """The explicit account id, or ``None`` until it is looked up or its output resolves."""
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

    @property
    def field(self) -> str:
        """The argument path of this destination, for error messages."""
        return f"destinations[{self.index}]"

    @property
    def region_field(self) -> str:
        """The argument path of this slot's region, for error messages."""
        suffix = "" if self.region_index is None else f"[{self.region_index}]"
        return f"{self.field}.regions{suffix}"

    @property
    def resource_suffix(self) -> str:
        """A readable suffix, unique per registry, for the names of this registry's resources.

        ``<account>-<region>`` when both are explicit; otherwise the destination's position stands in, so
        giving the ids and regions explicitly from the start keeps names stable (a rename replaces resources).
        """
        if self.account_id is not None and self.region is not None:
            return f"{self.account_id}-{self.region}"
        return f"destination{self.index}-{self.region or 'provider-region'}"


@dataclass(frozen=True)
class ReplicationSpec:
    """Validated arguments with the values that still need a lookup left as ``None``."""

    source_account_id: str | None
    source_region: str | None
    slots: tuple[DestinationSlot, ...]

    @property
    def fully_known(self) -> bool:
        """Whether every account id and region is explicit, so the model can be built right away."""
        values = [self.source_account_id, self.source_region]
        values += [v for slot in self.slots for v in (slot.account_id, slot.region)]
        return all(v is not None for v in values)


@dataclass(frozen=True)
class DestinationRegistry:
    """A resolved destination registry and the slot that declared it."""

    slot: DestinationSlot
    registry: Registry

    @property
    def needs_registry_policy(self) -> bool:
        """Whether the component creates a registry policy here (cross-account and managed)."""
        return self.slot.cross_account and self.slot.manage_registry_policy


@dataclass(frozen=True)
class ReplicationRule:
    """One replication rule: the destinations that share a prefix set."""

    prefixes: tuple[str, ...]
    destinations: tuple[Registry, ...]


@dataclass(frozen=True)
class ReplicationModel:
    """Everything the component creates, as plain values."""

    source: Registry
    destinations: tuple[DestinationRegistry, ...]
    rules: tuple[ReplicationRule, ...]


def check_account_id(field: str, value: object) -> str:
    """Return ``value`` when it is a 12-digit account id, else raise naming ``field``."""
    if not isinstance(value, str) or not limits.ACCOUNT_ID_PATTERN.match(value):
        raise ReplicationConfigError(field, value, "an AWS account id is exactly 12 digits")
    return value


def check_region(field: str, value: object) -> str:
    """Return ``value`` when it looks like an AWS region name, else raise naming ``field``."""
    if not isinstance(value, str) or not limits.REGION_PATTERN.match(value):
        raise ReplicationConfigError(field, value, "a region is 2 to 25 characters of a-z, 0-9 and '-', like 'us-west-2'")
    return value


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


def _check_statements(field: str, value: object) -> tuple[Mapping[str, Any], ...]:
    """Validate extra registry policy statements: objects with an Effect, no wildcard principal."""
    if value is None:
        return ()
    if not isinstance(value, Sequence) or isinstance(value, str):
        raise ReplicationConfigError(field, value, "must be a list of IAM policy statements")
    for i, statement in enumerate(value):
        item = f"{field}[{i}]"
        if not isinstance(statement, Mapping) or statement.get("Effect") not in ("Allow", "Deny"):
            raise ReplicationConfigError(item, statement, "a statement is an object with Effect 'Allow' or 'Deny'")
        if statement.get("Sid") == POLICY_SID:
            raise ReplicationConfigError(f"{item}.Sid", POLICY_SID, "this Sid is reserved for the replication statement")
        principal = statement.get("Principal")
        aws_principals = principal.get("AWS") if isinstance(principal, Mapping) else principal
        names = [aws_principals] if isinstance(aws_principals, str) else aws_principals or []
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise ReplicationConfigError(
                f"{item}.Principal", principal, "principals are plain strings (ARNs or account ids), not outputs"
            )
        if principal == "*" or "*" in names:
            raise ReplicationConfigError(
                f"{item}.Principal", principal, "a wildcard principal would open the registry to every account"
            )
    return tuple(value)


def _explicit_str(value: object) -> str | None:
    """A plain string stays, anything else (absent, or a Pulumi output) is resolved later."""
    return value if isinstance(value, str) else None


ProviderCheck = Callable[[str, object], bool]
"""Validates the provider found at an argument path and tells whether it is the source provider."""


def normalize(args: Mapping[str, Any], check_provider: ProviderCheck) -> ReplicationSpec:
    """Validate what the arguments say by themselves and lay out one slot per destination registry.

    ``check_provider(field, value)`` raises for a missing or wrong provider and returns whether ``value`` is the
    source provider, which makes a destination same-account (cross-region).
    """
    check_provider("source_provider", args.get("source_provider"))
    destinations = args.get("destinations")
    if not isinstance(destinations, Sequence) or not destinations:
        raise ReplicationConfigError("destinations", destinations, "name at least one destination")

    source_account = _explicit_str(args.get("source_account_id"))
    if source_account is not None:
        check_account_id("source_account_id", source_account)
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
    prefix_sets = {slot.prefixes for slot in slots}
    if len(prefix_sets) > limits.MAX_RULES:
        raise ReplicationConfigError(
            "destinations",
            f"{len(prefix_sets)} distinct prefix sets",
            f"each distinct set of prefixes is one rule and a configuration holds at most {limits.MAX_RULES} rules",
        )
    return ReplicationSpec(source_account, source_region, tuple(slots))


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
    account = _explicit_str(destination.get("account_id"))
    if account is not None:
        check_account_id(f"{field}.account_id", account)
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
    statements = _check_statements(f"{field}.registry_policy_statements", destination.get("registry_policy_statements"))
    if statements and not manage:
        raise ReplicationConfigError(
            f"{field}.registry_policy_statements",
            f"{len(statements)} statement(s)",
            "are only used when the component manages the registry policy (manage_registry_policy is false)",
        )
    settings = normalize_settings(args.get("repository_settings"), destination.get("repository_settings"), field, prefixes)

    regions = destination.get("regions")
    if regions is None:
        region_entries: list[tuple[int | None, str | None]] = [(None, None)]
    elif not isinstance(regions, Sequence) or isinstance(regions, str) or not regions:
        raise ReplicationConfigError(f"{field}.regions", regions, "must be a non-empty list of regions, or left out")
    else:
        region_entries = [(i, check_region(f"{field}.regions[{i}]", r)) for i, r in enumerate(regions)]
        for i, region in region_entries:
            if regions.index(region) != i:
                raise ReplicationConfigError(f"{field}.regions[{i}]", region, "duplicate region")
    return [
        DestinationSlot(index, region_index, region, account, prefixes, cross_account, manage, statements, settings)
        for region_index, region in region_entries
    ]


def build_model(
    spec: ReplicationSpec,
    source_account_id: str,
    source_region: str,
    resolved: Sequence[tuple[str, str]],
) -> ReplicationModel:
    """Check the resolved account ids and regions and lay out registries and rules.

    ``resolved[i]`` is the (account id, region) of ``spec.slots[i]``.
    """
    source = Registry(check_account_id("source_account_id", source_account_id), check_region("source_region", source_region))
    seen: dict[Registry, DestinationSlot] = {}
    destinations: list[DestinationRegistry] = []
    for slot, (account, region) in zip(spec.slots, resolved, strict=True):
        registry = Registry(check_account_id(f"{slot.field}.account_id", account), check_region(slot.region_field, region))
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
        if slot.settings is not None:
            slot.settings.kms_key_for(region)
        seen[registry] = slot
        destinations.append(DestinationRegistry(slot, registry))

    groups: dict[tuple[str, ...], list[Registry]] = {}
    for destination in destinations:
        groups.setdefault(destination.slot.prefixes, []).append(destination.registry)
    rules = tuple(ReplicationRule(prefixes, tuple(registries)) for prefixes, registries in groups.items())
    return ReplicationModel(source, tuple(destinations), rules)
