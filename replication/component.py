"""The EcrReplication component: wires the model's documents to aws resources through explicit providers."""

from collections.abc import Callable
from dataclasses import replace
from typing import Any, TypeVar

import pulumi
import pulumi_aws as aws

from replication import documents
from replication.adoption import Adoption
from replication.argument_names import check_argument_names
from replication.args import EcrReplicationArgs
from replication.destination_resources import declare_repository_settings, destination_targets
from replication.errors import ReplicationConfigError, warning_text
from replication.model import ReplicationModel, ReplicationSpec, build_model, check_registry_policy, normalize
from replication.provider_facts import provider_check, provider_claims
from replication.pull_through import (build_spokes, check_destination_grants, check_source_policy,
                                      destination_policy_needed, immutable_tag_warnings, normalize_spokes,
                                      source_policy_warnings)
from replication.pull_through_resources import declare_pull_through, declare_source_registry_policy, spoke_targets
from replication.resource_types import ECR_REPLICATION

TYPE_TOKEN = ECR_REPLICATION
"""The component's Pulumi type token."""

T = TypeVar("T")


class EcrReplication(pulumi.ComponentResource):
    """Amazon ECR replication from one source registry to registries in other accounts and regions.
    Creates, through explicit providers only: a registry permissions policy in every cross-account destination
    registry (granting the source account `ecr:CreateRepository` and `ecr:ReplicateImage`); with
    repository settings, the creation templates, scan-on-push rules, pre-created repositories and template role
    that configure replicated repositories; and the source registry's replication configuration with one rule per
    distinct prefix set, created after all of those. With pull-through spokes, in each spoke registry one
    pull-through cache rule per replicated prefix and the repository settings for cached repositories; across
    accounts the role ECR assumes and the upstream registry's grant to the spoke account.
    """

    source_registry: pulumi.Output[str]
    """The source registry host, `<account>.dkr.ecr.<region>.amazonaws.com` (`.amazonaws.com.cn` in China)."""

    destination_registries: pulumi.Output[list[str]]
    """The destination registry hosts, `<account>.dkr.ecr.<region>.amazonaws.com` (`.amazonaws.com.cn` in China),
    in declaration order."""

    replication_rules: pulumi.Output[list[dict[str, Any]]]
    """The replication rules exactly as `aws ecr describe-registry` shows them (camelCase keys)."""

    registry_policies: pulumi.Output[dict[str, str]]
    """The registry policy document the component manages in each registry, keyed by registry host: the destinations',
    and the source's when it grants pull-through spokes."""

    pull_through_registries: pulumi.Output[list[str]]
    """The pull-through spoke registry hosts, in declaration order (empty without spokes)."""

    def __init__(self, name: str, args: EcrReplicationArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        check_argument_names(args, EcrReplicationArgs)
        source_provider = args.get("source_provider")
        # A destination is same-account when it passes the very source_provider object (identity, not equality:
        # two provider objects may reach one account, which only their looked-up account ids can tell; the model
        # rejects that pair once they resolve).
        def is_source_provider(field: str, value: object) -> bool:
            return _check_provider(field, value) is source_provider

        spec = normalize_spokes(name, args, normalize(name, args, is_source_provider), is_source_provider)
        # A fully explicit configuration is validated here, before this component or any child registers.
        validated = _Validated.now(spec)
        super().__init__(TYPE_TOKEN, name, {}, opts)
        if validated is None:
            validated = _Validated.after_lookups(spec, args, self)
        # Every child waits for the explicit account ids and regions to agree with their providers.
        checked = provider_check(provider_claims(spec, args), self)

        providers = [destination["provider"] for destination in args["destinations"]]
        spoke_providers = [spoke["provider"] for spoke in args.get("pull_through_destinations") or ()]
        adoption = Adoption(spec.adopt_existing)
        policies: dict[int | None, pulumi.Resource] = {}
        for position, slot in enumerate(spec.slots):
            if not destination_policy_needed(spec, position):
                continue
            policies[position] = aws.ecr.RegistryPolicy(
                f"{name}-registry-policy-{slot.resource_suffix}",
                policy=validated.registry_policy(lambda m, i=position: m.destinations[i].registry.host),
                region=validated.input(lambda m, i=position: m.destinations[i].registry.region),
                opts=pulumi.ResourceOptions(
                    parent=self,
                    provider=providers[slot.index],
                    depends_on=[checked],
                    import_=adoption.registry_document(slot.account_id, slot.region),
                ),
            )
        source_policy = declare_source_registry_policy(self, name, spec, validated.input, validated.registry_policy,
                                                       source_provider, adoption, checked)
        if source_policy is not None:
            policies[None] = source_policy
        targets = destination_targets(spec, providers) + spoke_targets(spec, spoke_providers)
        settings, by_target = declare_repository_settings(self, name, targets, validated.input, adoption, checked)
        aws.ecr.ReplicationConfiguration(
            f"{name}-replication",
            replication_configuration=validated.input(documents.replication_configuration_input),
            region=validated.input(lambda m: m.source.region),
            opts=pulumi.ResourceOptions(
                parent=self,
                provider=source_provider,
                depends_on=[*(p for position, p in policies.items() if position is not None), *settings, checked],
                import_=adoption.registry_document(spec.source_account_id, spec.source_region),
            ),
        )
        spoke_settings = {id(target.slot): own for target, own in zip(targets, by_target)}
        declare_pull_through(self, name, spec, validated.input, spoke_providers, policies, spoke_settings, adoption,
                             checked)
        for warning in (*source_policy_warnings(spec), *immutable_tag_warnings(spec)):
            pulumi.log.warn(warning_text(warning), resource=self)

        self.source_registry = validated.output(lambda m: m.source.host)
        self.destination_registries = validated.output(lambda m: [d.registry.host for d in m.destinations])
        self.replication_rules = validated.output(documents.replication_rules)
        self.registry_policies = validated.registry_policies()
        self.pull_through_registries = validated.output(lambda m: [s.registry.host for s in m.spokes])
        self.register_outputs(
            {
                "source_registry": self.source_registry,
                "destination_registries": self.destination_registries,
                "replication_rules": self.replication_rules,
                "registry_policies": self.registry_policies,
                "pull_through_registries": self.pull_through_registries,
            }
        )


def _check_provider(field: str, value: object) -> object:
    """Return ``value`` when it is an explicit aws provider; the default provider is never used."""
    if not isinstance(value, pulumi.ProviderResource) or value.package != "aws":
        raise ReplicationConfigError(field, value, "pass an explicit aws.Provider for this account")
    return value


def _validate(
    spec: ReplicationSpec,
    source_account_id: str,
    source_region: str,
    resolved: list[tuple[str, str]],
    resolved_spokes: list[tuple[str, str]],
) -> tuple[ReplicationModel, dict[str, str]]:
    """Build the model (destinations, then spokes) and render and check its registry policies (by registry host):
    whatever AWS would reject raises here. The policies rendered here are the ones the resources and outputs get."""
    model = build_model(spec, source_account_id, source_region, resolved)
    model = replace(model, spokes=build_spokes(spec, model, resolved_spokes),
                    manage_source_registry_policy=spec.manage_source_registry_policy,
                    source_policy_statements=spec.source_policy_statements or ())
    policies = documents.registry_policies(model)
    for destination in model.destinations:
        document = policies.get(destination.registry.host)
        if document is not None:
            check_registry_policy(model.source, destination, document)
            check_destination_grants(destination, model.spokes, document)
    if model.source.host in policies:
        check_source_policy(model, policies[model.source.host])
    return model, policies


class _Validated:
    """The validated model and its registry policies: known while the program runs when every account id and
    region is explicit, so children get plain inputs (as cheap as resources declared by hand); otherwise an output
    that is validated, with the same messages, once the provider lookups and output ids resolve."""

    def __init__(self, validated: pulumi.Output[tuple[ReplicationModel, dict[str, str]]],
                 known: tuple[ReplicationModel, dict[str, str]] | None) -> None:
        self._output = validated
        self._known = known

    @classmethod
    def now(cls, spec: ReplicationSpec) -> "_Validated | None":
        """Validate right away when nothing needs a lookup (``None`` otherwise)."""
        if not spec.fully_known:
            return None
        values = _validate(
            spec,
            spec.source_account_id or "",
            spec.source_region or "",
            [(slot.account_id or "", slot.region or "") for slot in spec.slots],
            [(slot.account_id or "", slot.region or "") for slot in spec.spokes],
        )
        # Output.from_input would walk the model's values; a plain apply keeps it one output.
        return cls(pulumi.Output.from_input(None).apply(lambda _: values), values)

    @classmethod
    def after_lookups(cls, spec: ReplicationSpec, args: EcrReplicationArgs, parent: pulumi.Resource) -> "_Validated":
        """Validate once every account id and region resolves: explicit outputs, and lookups through each provider."""
        lookups = _Lookups(parent)
        source_provider = args["source_provider"]
        source_account = _account_input(args.get("source_account_id"), source_provider, lookups)
        source_region = spec.source_region or lookups.region(source_provider)
        slot_values: list[pulumi.Input[str]] = []
        entries = [(slot, args["destinations"][slot.index]) for slot in spec.slots]
        entries += [(slot, args["pull_through_destinations"][slot.index]) for slot in spec.spokes]
        for slot, entry in entries:
            provider = entry["provider"]
            if slot.account_id is not None:
                account: pulumi.Input[str] = slot.account_id
            elif provider is source_provider and "account_id" not in entry:
                account = source_account
            else:
                account = _account_input(entry.get("account_id"), provider, lookups)
            slot_values += [account, slot.region or lookups.region(provider)]

        def validate(values: list[str]) -> tuple[ReplicationModel, dict[str, str]]:
            source_id, region, *rest = values
            resolved = list(zip(rest[::2], rest[1::2], strict=True))
            return _validate(spec, source_id, region, resolved[: len(spec.slots)], resolved[len(spec.slots):])

        return cls(pulumi.Output.all(source_account, source_region, *slot_values).apply(validate), None)

    def input(self, fn: Callable[[ReplicationModel], T]) -> pulumi.Input[T]:
        """``fn(model)`` as a resource input: a plain value now, or an output once the model resolves."""
        if self._known is None:
            return self._output.apply(lambda validated: fn(validated[0]))
        return fn(self._known[0])

    def output(self, fn: Callable[[ReplicationModel], T]) -> pulumi.Output[T]:
        """``fn(model)`` as an output, for the component's own outputs."""
        return self._output.apply(lambda validated: fn(validated[0]))

    def registry_policy(self, host: Callable[[ReplicationModel], str]) -> pulumi.Input[str]:
        """The registry policy document (as rendered and checked) of the registry whose host ``host(model)`` is (a
        plain value when known)."""
        if self._known is None:
            return self._output.apply(lambda validated: validated[1][host(validated[0])])
        model, policies = self._known
        return policies[host(model)]

    def registry_policies(self) -> pulumi.Output[dict[str, str]]:
        """Every managed registry policy document, keyed by registry host."""
        return self._output.apply(lambda validated: validated[1])


class _Lookups:
    """Account id and region lookups through a provider, made once per provider."""

    def __init__(self, parent: pulumi.Resource) -> None:
        self._parent = parent
        self._accounts: dict[int, pulumi.Output[str]] = {}
        self._regions: dict[int, pulumi.Output[str]] = {}

    def _options(self, provider: pulumi.ProviderResource) -> pulumi.InvokeOutputOptions:
        return pulumi.InvokeOutputOptions(provider=provider, parent=self._parent)

    def account_id(self, provider: pulumi.ProviderResource) -> pulumi.Output[str]:
        """The account id the provider's credentials reach (``sts:GetCallerIdentity``)."""
        if id(provider) not in self._accounts:
            identity = aws.get_caller_identity_output(opts=self._options(provider))
            self._accounts[id(provider)] = identity.account_id
        return self._accounts[id(provider)]

    def region(self, provider: pulumi.ProviderResource) -> pulumi.Output[str]:
        """The provider's configured region."""
        if id(provider) not in self._regions:
            self._regions[id(provider)] = aws.get_region_output(opts=self._options(provider)).region
        return self._regions[id(provider)]


def _account_input(
    value: pulumi.Input[str] | None, provider: pulumi.ProviderResource, lookups: _Lookups
) -> pulumi.Input[str]:
    """An explicit account id (plain or output), or the one the provider reaches."""
    return lookups.account_id(provider) if value is None else value
