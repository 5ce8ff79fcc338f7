"""Pull-through cache spokes: registries beyond replication's 25 that serve the replicated images from an upstream
registry of this component, plain values, no Pulumi.

A spoke registry (account, region) gets one pull-through cache rule per replicated prefix that names the
upstream's host (``<account>.dkr.ecr.<region>.<dns suffix>``) and the prefix as a path segment on both sides
(``prod/`` -> ``prod``), so a cached repository has the upstream's name; without prefixes one ``ROOT`` rule caches
every repository. ECR pulls an image into the spoke the first time someone pulls it there (ECR user guide, "Sync an
upstream registry with an Amazon ECR private registry"), so a spoke fans images out past the 25 destination
registries replication reaches, but holds no copy until then.

* :func:`normalize_spokes` checks what the arguments say by themselves and lays out one :class:`SpokeSlot` per
  spoke registry. The upstream (``ACCOUNT/REGION``, the source by default) must be matched to the source or to a
  replication destination here, before anything is created: it decides which prefixes, and so how many rules,
  each spoke gets, and whether the spoke needs a role and a grant.
* :func:`build_spokes` checks the resolved account ids and regions and returns the :class:`SpokeRegistry` values.
* :func:`check_grants` checks that a registry policy the component renders doesn't deny a spoke what it was granted;
  :func:`check_source_policy` checks the source registry's policy, which the component declares for spokes that
  cache from the source across accounts (a singleton: :func:`source_policy_warnings` says so).

Across accounts, ECR assumes a role in the spoke's account and the upstream grants that account access (ECR user
guide, "Setting up permissions for cross-account ECR to ECR PTC"; :mod:`replication.documents` renders both); in one
account ECR uses its service-linked role (the same guide, "Sync an upstream registry ...": "you must create an IAM
role if the upstream and downstream Amazon ECR registries belong to different AWS account"; botocore's
``CreatePullThroughCacheRule.customRoleArn``: "If you specify neither role, Amazon ECR uses its service-linked role").
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, ClassVar

from replication import limits
from replication.adoption import check_import_region
from replication.ecr_semantics import Registry, minimal_prefixes, parse_registry, partition_of
from replication.errors import ReplicationConfigError, ReplicationWarning
from replication.iam_policy import account_caller, parse_policy, pull_through_requirements, unmet
from replication.model import (REPLICATION_STATEMENT_POSITION, DestinationRegistry, ProviderCheck, RegistrySlot,
                               ReplicationModel, ReplicationSpec, check_account_id, check_policy_statements,
                               check_prefixes, check_region, check_role_names, explicit_account, extra_statement_index,
                               region_entries, template_role_name, template_role_policy_name)
from replication.repository_settings import RepositorySettings, normalize_settings

ARGUMENT = "pull_through_destinations"
"""The component argument that lists the spokes."""

MANAGE_SOURCE_POLICY = "manage_source_registry_policy"
"""The component argument that says whether the component owns the source registry's policy."""

SOURCE_POLICY_STATEMENTS = "source_registry_policy_statements"
"""The component argument that lists the source registry policy's statements besides the spokes' grant."""

GRANT_SID = "AllowPullThroughCacheToSpokeAccounts"
"""The Sid of the statement of an upstream's registry policy that grants its spokes' accounts."""


@dataclass(frozen=True)
class SpokeSlot(RegistrySlot):
    """One spoke registry as the arguments declare it, before lookups."""

    ARGUMENT: ClassVar[str] = ARGUMENT
    LABEL: ClassVar[str] = "spoke"

    upstream_position: int | None
    """The registry the spoke caches from: ``None`` for the source, else the position of the destination registry in
    ``ReplicationSpec.slots``."""
    prefixes: tuple[str, ...]
    """The replicated prefixes the upstream receives (empty: every repository): what the spoke caches."""
    cache_prefixes: tuple[str, ...]
    """The prefix of each pull-through cache rule (``prod/`` -> ``prod``), or ``ROOT`` alone."""
    cross_account: bool
    """Whether the spoke is in another account than its upstream (it then needs a role and the upstream's grant)."""
    settings: RepositorySettings | None
    """Settings of the cached repositories (component defaults merged with the spoke's own)."""


@dataclass(frozen=True)
class SpokeRegistry:
    """A resolved spoke registry, the slot that declared it, its upstream and its repositories' KMS key."""

    slot: SpokeSlot
    registry: Registry
    upstream: Registry
    kms_key: str | None = None
    """The KMS key of cached repositories here (``None`` without KMS encryption), checked to live here."""

    def repository_patterns(self) -> list[str]:
        """The repository part of the ARNs of the cached repositories, the same on both sides (``prod/*``)."""
        return [cached_repository_prefix(p) + "*" for p in self.slot.cache_prefixes]


def upstream_prefix(rule: Mapping[str, Any]) -> str:
    """The upstream prefix of a pull-through cache rule, live (``DescribePullThroughCacheRules``) or declared (the
    ``PullThroughCacheRule`` inputs, in the same names): ``ROOT`` when it names none (botocore,
    ``CreatePullThroughCacheRule.upstreamRepositoryPrefix``: "When this field isn't specified, Amazon ECR will use
    the ``ROOT``")."""
    return str(rule.get("upstreamRepositoryPrefix") or limits.PULL_THROUGH_ROOT_PREFIX)

def cached_repository_prefix(rule_prefix: str) -> str:
    """The repository names a pull-through cache rule's prefix stands for, as a name prefix: ``prod`` -> ``prod/``
    (ECR assumes a ``/`` after the prefix: botocore's ``CreatePullThroughCacheRule.ecrRepositoryPrefix``, "There is
    always an assumed ``/`` applied to the end of the prefix"), ``ROOT`` -> ``""`` (every repository)."""
    if rule_prefix == limits.PULL_THROUGH_ROOT_PREFIX:
        return ""
    return rule_prefix if rule_prefix.endswith("/") else f"{rule_prefix}/"


def pull_through_role_name(component_name: str, slot: RegistrySlot) -> str:
    """The resource name of the role ECR assumes for the spokes in the slot's account (one role per account)."""
    return f"{component_name}-pull-through-role-{slot.account_label}"


def pull_through_role_policy_name(component_name: str, slot: RegistrySlot) -> str:
    """The resource name of the inline policy of the spokes' role in the slot's account."""
    return f"{component_name}-pull-through-role-policy-{slot.account_label}"


def cache_prefixes(prefixes_field: str, prefixes: Sequence[str], spoke_field: str) -> tuple[str, ...]:
    """The pull-through cache rule prefixes for the replicated ``prefixes`` (given at ``prefixes_field``): each a
    whole path segment without its ``/`` (ECR assumes one), the ones a shorter prefix already covers left out;
    ``ROOT`` when every repository is replicated. Raises, naming the prefix, for one no rule can carry."""
    if not prefixes:
        return (limits.PULL_THROUGH_ROOT_PREFIX,)
    kept = minimal_prefixes(prefixes)
    segments = []
    for i, prefix in enumerate(prefixes):
        if prefix not in kept:
            continue  # the rule of the shorter prefix caches these repositories
        if not prefix.endswith("/"):
            raise ReplicationConfigError(
                f"{prefixes_field}[{i}]",
                prefix,
                f"{spoke_field} caches it, and a pull-through cache rule's prefix is a whole path segment (ECR assumes "
                f"a '/' after it): a rule for {prefix!r} would serve {prefix}/... but not the other names replication "
                f"copies under this prefix; end the prefix with '/'",
            )
        segment = prefix[:-1]
        if not limits.is_pull_through_prefix(segment) or segment == limits.PULL_THROUGH_ROOT_PREFIX:
            raise ReplicationConfigError(
                f"{prefixes_field}[{i}]",
                prefix,
                f"{spoke_field} caches it, and {segment!r} can't be a pull-through cache rule's prefix: AWS and the "
                f"Terraform provider under pulumi-aws take {limits.PULL_THROUGH_PREFIX_MIN_LENGTH} to "
                f"{limits.PULL_THROUGH_PREFIX_MAX_LENGTH} characters of a-z and 0-9 parts joined by one '.', '_', '-' "
                "or '/'",
            )
        segments.append(segment)
    if len(segments) > limits.MAX_PULL_THROUGH_RULES:
        raise ReplicationConfigError(
            prefixes_field,
            f"{len(segments)} prefixes",
            f"{spoke_field} caches each in a pull-through cache rule of its own, and a registry holds at most "
            f"{limits.MAX_PULL_THROUGH_RULES} (an ECR service quota that can't be raised)",
        )
    return tuple(segments)


def check_pull_through_region(field: str, region: str, source_region: str | None) -> str:
    """Return ``region`` unless ECR creates no pull-through cache rules there; the error says how such a registry
    can get the images, which depends on the partition of the source (``source_region``; ``None``: still to be
    looked up): ECR replicates only within a partition, so replication reaches it from a source of its own
    partition only."""
    if region not in limits.PULL_THROUGH_UNSUPPORTED_REGIONS:
        return region
    partition = partition_of(region).name
    source_partition = None if source_region is None else partition_of(source_region).name
    if source_partition == partition:
        remedy = "replicate to it instead (a replication destination)"
    elif source_partition is None:
        remedy = (f"a registry here gets the images only by replication, from a source registry in partition "
                  f"{partition} (ECR replicates only within a partition)")
    else:
        remedy = (f"nor can this component replicate to it: the source registry is in partition {source_partition}, "
                  f"and ECR replicates only within a partition, so a registry here gets the images only from a "
                  f"source registry in {partition} (a stack of its own)")
    raise ReplicationConfigError(
        field,
        region,
        "ECR creates no pull-through cache rules in this region (ECR user guide, considerations for pull through "
        f"cache: not in {', '.join(limits.PULL_THROUGH_UNSUPPORTED_REGIONS)}); {remedy}",
    )


@dataclass(frozen=True)
class _Upstream:
    """A registry a spoke may cache from, as far as the arguments tell before lookups."""

    position: int | None
    """``None`` for the source, else the destination registry's position in ``ReplicationSpec.slots``."""
    account_id: str | None
    region: str | None
    provider: object
    prefixes: tuple[str, ...]
    prefixes_field: str
    """The argument path the prefixes come from, for errors."""

    @property
    def name(self) -> str:
        """``ACCOUNT/REGION``, as a spoke names its upstream."""
        return f"{self.account_id}/{self.region}"


def _upstreams(args: Mapping[str, Any], spec: ReplicationSpec) -> list[_Upstream]:
    """The source and every destination registry, as spokes can name them."""
    source = _Upstream(None, spec.source_account_id, spec.source_region, args.get("source_provider"),
                       check_prefixes("repository_prefixes", args.get("repository_prefixes")), "repository_prefixes")
    upstreams = [source]
    for position, slot in enumerate(spec.slots):
        destination: Mapping[str, Any] = args["destinations"][slot.index]
        own = "repository_prefixes" in destination
        upstreams.append(_Upstream(position, slot.account_id, slot.region, destination.get("provider"), slot.prefixes,
                                   f"{slot.field}.repository_prefixes" if own else "repository_prefixes"))
    return upstreams


def _upstream(field: str, value: object, upstreams: list[_Upstream]) -> _Upstream:
    """The upstream ``value`` (``ACCOUNT/REGION``; ``None``: the source) names among ``upstreams``."""
    if value is None:
        return upstreams[0]
    named = parse_registry(value) if isinstance(value, str) else None
    if named is None:
        raise ReplicationConfigError(field, value, "write the upstream registry as ACCOUNT/REGION, like "
                                                   "'222222222222/us-west-2'")
    check_region(field, named.region)
    for upstream in upstreams:
        if (upstream.account_id, upstream.region) == (named.account_id, named.region):
            return upstream
    unknown = [u for u in upstreams if u.account_id is None or u.region is None]
    if unknown:
        raise ReplicationConfigError(
            field,
            value,
            "the upstream must be matched to the source or a replication destination before anything is created; "
            "give source_account_id, source_region and the destinations' account_id and regions explicitly",
        )
    known = ", ".join(u.name for u in upstreams)
    raise ReplicationConfigError(
        field,
        value,
        f"a spoke caches from the source registry or one of this component's replication destinations ({known}): "
        "a registry that replication doesn't fill never receives the images",
    )


def normalize_spokes(name: str, args: Mapping[str, Any], spec: ReplicationSpec,
                     check_provider: ProviderCheck) -> ReplicationSpec:
    """``spec`` with the spokes of component ``name`` laid out, one slot per spoke registry, and the source registry
    policy switch; raises for whatever the arguments say wrong by themselves."""
    manage_source = args.get(MANAGE_SOURCE_POLICY, True)
    if not isinstance(manage_source, bool):
        raise ReplicationConfigError(MANAGE_SOURCE_POLICY, manage_source, "must be true or false")
    spokes = args.get(ARGUMENT)
    if spokes is not None and (not isinstance(spokes, Sequence) or isinstance(spokes, str)):
        raise ReplicationConfigError(ARGUMENT, spokes, "must be a list of PullThroughDestinationArgs")
    slots: list[SpokeSlot] = []
    if spokes is not None:
        upstreams = _upstreams(args, spec)
        for index, spoke in enumerate(spokes):
            field = f"{ARGUMENT}[{index}]"
            if not isinstance(spoke, Mapping):
                raise ReplicationConfigError(field, spoke, "must be a PullThroughDestinationArgs")
            is_source_provider = check_provider(f"{field}.provider", spoke.get("provider"))
            slots.extend(_spoke_slots(name, index, spoke, args, spec, upstreams, is_source_provider))
        _check_registries(spec, slots)
        if spec.adopt_existing:
            _check_adoptable(slots)
    statements = _source_policy_statements(args.get(SOURCE_POLICY_STATEMENTS), manage_source, slots)
    return replace(spec, spokes=tuple(slots), manage_source_registry_policy=manage_source,
                   source_policy_statements=statements)


def _source_policy_statements(value: object, manage: bool, spokes: Sequence[SpokeSlot]
                              ) -> tuple[Mapping[str, Any], ...] | None:
    """The statements the source registry's policy holds besides the spokes' grant (``None`` when not given), checked
    as a destination's extra statements are (``model.check_policy_statements``), only where the component declares
    that policy."""
    if value is None:
        return None
    field = SOURCE_POLICY_STATEMENTS
    if not isinstance(value, Sequence) or isinstance(value, str):
        raise ReplicationConfigError(field, value, "must be a list of IAM policy statements")
    if value and not manage:
        raise ReplicationConfigError(
            field, f"{len(value)} statement(s)",
            f"are only used when the component manages the source registry's policy ({MANAGE_SOURCE_POLICY} is "
            "false)")
    if value and not any(_grants_from_source(slot) for slot in spokes):
        raise ReplicationConfigError(
            field, f"{len(value)} statement(s)",
            "would be dropped: the component declares the source registry's policy only when a spoke in another "
            f"account caches from the source ({ARGUMENT}); manage this registry's policy elsewhere")
    statements = check_policy_statements(field, value)
    for i, statement in enumerate(statements):
        if statement.get("Sid") == GRANT_SID:
            raise ReplicationConfigError(f"{field}[{i}].Sid", GRANT_SID, _RESERVED_GRANT_SID)
    return statements


def _grants_from_source(slot: SpokeSlot) -> bool:
    """Whether the source registry's policy grants this spoke's account: it caches from the source, from another
    account."""
    return slot.cross_account and slot.upstream_position is None


def _check_adoptable(slots: Sequence[SpokeSlot]) -> None:
    """Import ids name each spoke registry's account and region (``replication.adoption``), so adopting needs them
    explicit, in regions an import id can name."""
    for slot in slots:
        if slot.account_id is None or slot.region is None:
            raise ReplicationConfigError(
                "adopt_existing", True,
                f"import ids name each registry's account and region: give {slot.field}.account_id and its regions "
                "explicitly (as plain values)")
        check_import_region(slot.region_field, slot.region)


def _spoke_slots(name: str, index: int, spoke: Mapping[str, Any], args: Mapping[str, Any], spec: ReplicationSpec,
                 upstreams: list[_Upstream], is_source_provider: bool) -> list[SpokeSlot]:
    """The slots (one per region) of spoke ``index``."""
    field = f"{ARGUMENT}[{index}]"
    account = explicit_account(f"{field}.account_id", spoke.get("account_id"))
    if is_source_provider:
        if account is not None and spec.source_account_id is not None and account != spec.source_account_id:
            raise ReplicationConfigError(
                f"{field}.account_id", account,
                f"this spoke uses source_provider, which is account {spec.source_account_id}; give the spoke's "
                "account its own provider")
        account = account or spec.source_account_id
    upstream = _upstream(f"{field}.upstream", spoke.get("upstream"), upstreams)
    provider = spoke.get("provider")
    same_provider = provider is upstream.provider
    if same_provider and account is not None and upstream.account_id is not None and account != upstream.account_id:
        raise ReplicationConfigError(
            f"{field}.account_id", account,
            f"this spoke uses its upstream's provider, which is account {upstream.account_id}; give the spoke's "
            "account its own provider")
    cross_account = not same_provider and (account is None or upstream.account_id is None
                                           or account != upstream.account_id)
    prefixes = upstream.prefixes
    cached = cache_prefixes(upstream.prefixes_field, prefixes, field)
    settings = normalize_settings(args.get("repository_settings"), spoke.get("repository_settings"), field, prefixes)
    if settings is not None and not settings.allow_repository_creation:
        raise ReplicationConfigError(
            settings.fields["allow_repository_creation"], False,
            f"{field} is a pull-through spoke, which creates the repositories it caches; allow_repository_creation "
            f"false narrows what replication may do: set allow_repository_creation true in "
            f"{field}.repository_settings")
    slots = []
    for region_index, region in region_entries(field, spoke.get("regions")):
        if region is not None:
            check_pull_through_region(f"{field}.regions[{region_index}]", region, spec.source_region)
        slots.append(SpokeSlot(index, region_index, region, account, upstream.position, prefixes, cached, cross_account,
                               settings))
    first = slots[0]
    if cross_account:
        check_role_names(name, pull_through_role_name(name, first), pull_through_role_policy_name(name, first),
                         f"the pull-through cache rules of {field} need a role")
    if settings is not None and settings.needs_role:
        check_role_names(name, template_role_name(name, first), template_role_policy_name(name, first),
                         f"the creation templates of {field} need a role")
    return slots


def _check_registries(spec: ReplicationSpec, spokes: Sequence[SpokeSlot]) -> None:
    """Spokes whose account and region are explicit: none is the source, a destination, or another spoke."""
    taken: dict[tuple[str, str], str] = {}
    if spec.source_account_id is not None and spec.source_region is not None:
        taken[spec.source_account_id, spec.source_region] = "the source registry"
    for slot in spec.slots:
        if slot.account_id is not None and slot.region is not None:
            taken[slot.account_id, slot.region] = f"the replication destination at {slot.region_field}"
    for spoke in spokes:
        if spoke.account_id is None or spoke.region is None:
            continue
        key = (spoke.account_id, spoke.region)
        if key in taken:
            raise ReplicationConfigError(spoke.region_field, spoke.region, _taken_problem("/".join(key), taken[key]))
        taken[key] = f"the spoke at {spoke.region_field}"


def _taken_problem(registry: str, taken_by: str) -> str:
    """Why a spoke can't be ``registry`` (``ACCOUNT/REGION``), which ``taken_by`` already is."""
    return (f"registry {registry} is already {taken_by}; a registry is either a replication destination (a real copy), "
            "a pull-through spoke (cached on first pull), or the source")


def build_spokes(spec: ReplicationSpec, model: ReplicationModel,
                 resolved: Sequence[tuple[str, str]]) -> tuple[SpokeRegistry, ...]:
    """Check the spokes' resolved account ids and regions against ``model`` and lay them out.

    ``resolved[i]`` is the (account id, region) of ``spec.spokes[i]``. Everything the arguments said explicitly was
    checked by :func:`normalize_spokes`; this repeats the checks that need looked-up values.
    """
    taken: dict[Registry, str] = {model.source: "the source registry"}
    taken.update({d.registry: f"the replication destination at {d.slot.region_field}" for d in model.destinations})
    spokes = []
    for slot, (account, region) in zip(spec.spokes, resolved, strict=True):
        registry = Registry(check_account_id(f"{slot.field}.account_id", account),
                            check_pull_through_region(slot.region_field, check_region(slot.region_field, region),
                                                           model.source.region))
        upstream = model.source if slot.upstream_position is None else model.destinations[slot.upstream_position].registry
        if registry in taken:
            raise ReplicationConfigError(slot.region_field, region, _taken_problem(str(registry), taken[registry]))
        taken[registry] = f"the spoke at {slot.region_field}"
        if registry.partition != upstream.partition:
            raise ReplicationConfigError(
                slot.region_field, region,
                f"the upstream {upstream} is in partition {upstream.partition}, and a pull-through cache rule's role "
                "and the upstream's grant name principals of one partition")
        if slot.cross_account != (registry.account_id != upstream.account_id):
            raise ReplicationConfigError(
                f"{slot.field}.provider", account,
                f"this provider reaches account {account}, and the upstream {upstream} is in account "
                f"{upstream.account_id}: give {slot.field}.account_id explicitly, and for a spoke in the upstream's "
                "account use the upstream's provider")
        kms_key = slot.settings.kms_key_for(registry.region) if slot.settings is not None else None
        spokes.append(SpokeRegistry(slot, registry, upstream, kms_key))
    _check_reserved_sids(model, spokes)
    return tuple(spokes)


def _check_reserved_sids(model: ReplicationModel, spokes: Sequence[SpokeRegistry]) -> None:
    """An extra statement of a destination upstream may not take the Sid of the grant the component adds there."""
    for destination in model.destinations:
        if not granted(spokes, destination.registry):
            continue
        for i, statement in enumerate(destination.slot.extra_statements):
            if statement.get("Sid") == GRANT_SID:
                raise ReplicationConfigError(
                    f"{destination.slot.field}.registry_policy_statements[{i}].Sid", statement["Sid"],
                    _RESERVED_GRANT_SID)


_RESERVED_GRANT_SID = "this Sid is reserved for the statement that grants a pull-through spoke's account"


def granted(spokes: Sequence[SpokeRegistry], upstream: Registry) -> list[SpokeRegistry]:
    """The cross-account spokes that cache from ``upstream``, which its registry policy must grant."""
    return [spoke for spoke in spokes if spoke.slot.cross_account and spoke.upstream == upstream]


def source_policy_needed(spec: ReplicationSpec) -> bool:
    """Whether the component declares the source registry's policy: a cross-account spoke caches from the source,
    and ``manage_source_registry_policy`` is on."""
    return spec.manage_source_registry_policy and any(_grants_from_source(s) for s in spec.spokes)


def destination_policy_needed(spec: ReplicationSpec, position: int) -> bool:
    """Whether the component declares a registry policy in the destination registry at ``position``: it manages it,
    and it is in another account than the source or a cross-account spoke caches from it."""
    slot = spec.slots[position]
    spoke_grant = any(s.cross_account and s.upstream_position == position for s in spec.spokes)
    return slot.manage_registry_policy and (slot.cross_account or spoke_grant)


def check_grants(upstream: Registry, extra: Sequence[Mapping[str, Any]], field: str, first: int,
                 spokes: Sequence[SpokeRegistry], document: str) -> None:
    """Raise when one of the ``extra`` statements (given at ``field``; the policy's ``first``-th statement is the first
    of them) of ``upstream``'s rendered registry policy ``document`` takes away what the policy grants the
    cross-account spokes that cache from it (evaluated as IAM does)."""
    if not extra:
        return
    statements = parse_policy(document)
    for spoke in granted(spokes, upstream):
        account = spoke.registry.account_id
        requirements = pull_through_requirements(upstream, spoke.slot.prefixes or ("",))
        for requirement, decision in unmet(statements, account_caller(account, upstream.partition), requirements):
            index = extra_statement_index(extra, decision.statements, first)
            raise ReplicationConfigError(
                f"{field}[{index}]",
                extra[index].get("Sid") or extra[index],
                f"takes {requirement} away from account {account}, whose spoke at {spoke.slot.region_field} caches "
                f"from this registry ({decision.explain()}): its pull-through cache would fail",
            )


def check_destination_grants(destination: DestinationRegistry, spokes: Sequence[SpokeRegistry], document: str) -> None:
    """:func:`check_grants` for a destination upstream's policy: the replication statement (across accounts), its
    ``registry_policy_statements``, then the spokes' grant."""
    slot = destination.slot
    first = REPLICATION_STATEMENT_POSITION + 1 if slot.cross_account else 1
    check_grants(destination.registry, slot.extra_statements, f"{slot.field}.registry_policy_statements", first,
                 spokes, document)


def check_source_policy(model: ReplicationModel, document: str) -> None:
    """Raise when the source registry's policy (its ``source_registry_policy_statements``, then the spokes' grant) is
    larger than ECR accepts, or when one of those statements takes a spoke's grant away."""
    if len(document) > limits.MAX_REGISTRY_POLICY_CHARS:
        raise ReplicationConfigError(
            ARGUMENT, f"{len(document)} characters",
            f"the source registry policy granting the spoke accounts exceeds ECR's {limits.MAX_REGISTRY_POLICY_CHARS}"
            f"-character limit; cache from a destination for some spoke accounts, use fewer prefixes, or fewer "
            f"{SOURCE_POLICY_STATEMENTS}")
    check_grants(model.source, model.source_policy_statements, SOURCE_POLICY_STATEMENTS, 1, model.spokes, document)


def source_policy_warnings(spec: ReplicationSpec) -> list[ReplicationWarning]:
    """A warning when the component declares the source registry's policy and ``source_registry_policy_statements``
    isn't given: a registry has one policy (``PutRegistryPolicy`` replaces it whole), so declaring it replaces
    whatever the source registry's policy grants today, unbeknown to whoever just added a spoke. Account ids stay out
    of it (a stack may keep them secret)."""
    if not source_policy_needed(spec) or spec.source_policy_statements is not None:
        return []
    first, *others = dict.fromkeys(slot.field for slot in spec.spokes if _grants_from_source(slot))
    also = f" (as {'does' if len(others) == 1 else 'do'} {', '.join(others)})" if others else ""
    return [ReplicationWarning(
        first,
        f"caches from the source registry across accounts{also}, so the component declares the source registry's "
        "policy to grant the spokes; a registry has one policy, so this one replaces any other policy of the source "
        "registry at the next pulumi up, other accounts' grants included: keep those in "
        f"{SOURCE_POLICY_STATEMENTS} (given, even empty, it ends this warning), or set {MANAGE_SOURCE_POLICY} to "
        "false and grant the spoke accounts yourself",
    )]


def immutable_tag_warnings(spec: ReplicationSpec) -> list[ReplicationWarning]:
    """A warning for each spoke whose cached repositories get immutable tags without the spoke itself saying which
    tags stay mutable: ECR then can't refresh a cached tag that moved upstream (ECR user guide, "Sync an upstream
    registry with an Amazon ECR private registry": "Turning on image tag immutability for repositories using a pull
    through cache rule will prevent Amazon ECR from updating images using the same tag"). ``IMMUTABLE`` always warns;
    ``IMMUTABLE_WITH_EXCLUSION`` only when it comes from the component-wide settings, whose exclusion filters were
    chosen for the destinations: in the spoke's own settings it names the tags that move upstream, the trade-off the
    pack's ``ecr-replicated-repositories-hardened`` recommends for spokes."""
    warnings = {}
    for slot in spec.spokes:
        settings = slot.settings
        if settings is None or settings.image_tag_mutability not in limits.IMMUTABLE_TAG_SETTINGS:
            continue
        source = settings.fields["image_tag_mutability"]
        if settings.image_tag_mutability != "IMMUTABLE" and source.startswith(f"{slot.field}."):
            continue
        own = f"{slot.field}.repository_settings"
        warnings[slot.index] = ReplicationWarning(
            slot.field,
            f"image_tag_mutability {settings.image_tag_mutability} (from {source}) reaches the spoke's cached "
            "repositories, where ECR can't refresh a cached tag that moves upstream (only tags in the exclusion "
            f"filters stay mutable); set {own}.image_tag_mutability to MUTABLE, or to IMMUTABLE_WITH_EXCLUSION with the "
            f"tags that move upstream in {own}.image_tag_mutability_exclusion_filters"
        )
    return list(warnings.values())
