"""The EcrReplication component: wires the model's documents to aws resources through explicit providers."""

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import pulumi
import pulumi_aws as aws

from replication import documents
from replication.args import EcrReplicationArgs
from replication.destination_resources import declare_destination_settings
from replication.errors import ReplicationConfigError
from replication.model import ReplicationModel, ReplicationSpec, build_model, normalize

TYPE_TOKEN = "ecr-replication:index:EcrReplication"
"""The component's Pulumi type token."""


class EcrReplication(pulumi.ComponentResource):
    """Amazon ECR replication from one source registry to registries in other accounts and regions.
    Creates, through explicit providers only: a registry permissions policy in every cross-account destination
    registry (granting the source account `ecr:CreateRepository` and `ecr:ReplicateImage`); with
    repository settings, the creation templates, scan-on-push rules, pre-created repositories and template role
    that configure replicated repositories; and the source registry's replication configuration with one rule per
    distinct prefix set, created after all of those.
    """

    source_registry: pulumi.Output[str]
    """The source registry host, `<account>.dkr.ecr.<region>.amazonaws.com`."""

    destination_registries: pulumi.Output[list[str]]
    """The destination registry hosts, `<account>.dkr.ecr.<region>.amazonaws.com`, in declaration order."""

    replication_rules: pulumi.Output[list[dict[str, Any]]]
    """The replication rules exactly as `aws ecr describe-registry` shows them (camelCase keys)."""

    registry_policies: pulumi.Output[dict[str, str]]
    """The registry policy document the component manages in each destination registry, keyed by registry host."""

    def __init__(self, name: str, args: EcrReplicationArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        source_provider = args.get("source_provider")
        spec = normalize(args, lambda field, value: _check_provider(field, value) is source_provider)
        checked = _check_now(spec)
        super().__init__(TYPE_TOKEN, name, {}, opts)

        providers = [destination["provider"] for destination in args["destinations"]]
        derive = _Derive(checked if checked is not None else checked_output_of(spec, args, lookups=_Lookups(self)))

        policies: list[pulumi.Resource] = []
        for position, slot in enumerate(spec.slots):
            if not (slot.cross_account and slot.manage_registry_policy):
                continue
            policies.append(
                aws.ecr.RegistryPolicy(
                    f"{name}-registry-policy-{slot.resource_suffix}",
                    policy=derive.registry_policy(position),
                    region=derive(lambda p, i=position: p.destinations[i].registry.region),
                    opts=pulumi.ResourceOptions(parent=self, provider=providers[slot.index]),
                )
            )
        settings = declare_destination_settings(self, name, spec, derive, providers)
        aws.ecr.ReplicationConfiguration(
            f"{name}-replication",
            replication_configuration=derive(documents.replication_configuration_input),
            region=derive(lambda p: p.source.region),
            opts=pulumi.ResourceOptions(parent=self, provider=source_provider, depends_on=policies + settings),
        )

        self.source_registry = derive.output(lambda p: p.source.host)
        self.destination_registries = derive.output(lambda p: [d.registry.host for d in p.destinations])
        self.replication_rules = derive.output(documents.replication_rules)
        self.registry_policies = derive.registry_policies()
        self.register_outputs(
            {
                "source_registry": self.source_registry,
                "destination_registries": self.destination_registries,
                "replication_rules": self.replication_rules,
                "registry_policies": self.registry_policies,
            }
        )


def _check_provider(field: str, value: object) -> object:
    """Return ``value`` when it is an explicit aws provider; the default provider is never used."""
    if not isinstance(value, pulumi.ProviderResource) or value.package != "aws":
        raise ReplicationConfigError(field, value, "pass an explicit aws.Provider for this account")
    return value


_Checked = tuple[ReplicationModel, dict[str, str]]
"""A validated model and its registry policy documents by registry host (rendering them checks their size)."""


def _checked(
    spec: ReplicationSpec, source_account_id: str, source_region: str, resolved: list[tuple[str, str]]
) -> _Checked:
    """Build the model and render its registry policies, raising on anything AWS would reject."""
    model = build_model(spec, source_account_id, source_region, resolved)
    return model, documents.registry_policies(model)


def _check_now(spec: ReplicationSpec) -> _Checked | None:
    """Build and fully validate the model right away when nothing needs a lookup."""
    if not spec.fully_known:
        return None
    return _checked(
        spec,
        spec.source_account_id or "",
        spec.source_region or "",
        [(slot.account_id or "", slot.region or "") for slot in spec.slots],
    )


T = TypeVar("T")


class _Derive:
    """Derive values from the model: plain resource inputs when it is known now, outputs when it waits on lookups.

    Plain inputs keep a fully explicit configuration as cheap as resources declared by hand, and the registry
    policies rendered while validating are the ones the resources get.
    """

    def __init__(self, checked: _Checked | pulumi.Output[_Checked]) -> None:
        self._known = None if isinstance(checked, pulumi.Output) else checked
        # Output.from_input would walk the model's values; a plain apply keeps it one output.
        self._output: pulumi.Output[_Checked] = (
            checked if isinstance(checked, pulumi.Output) else pulumi.Output.from_input(None).apply(lambda _: checked)
        )

    def _with_policies(self, fn: Callable[[ReplicationModel, dict[str, str]], T]) -> pulumi.Input[T]:
        if self._known is None:
            return self._output.apply(lambda checked: fn(*checked))
        return fn(*self._known)

    def __call__(self, fn: Callable[[ReplicationModel], T]) -> pulumi.Input[T]:
        """``fn(model)`` now, or once the model resolves."""
        return self._with_policies(lambda model, _: fn(model))

    def output(self, fn: Callable[[ReplicationModel], T]) -> pulumi.Output[T]:
        """``fn(model)`` as an output, for the component's own outputs."""
        return self._output.apply(lambda checked: fn(checked[0]))

    def registry_policy(self, position: int) -> pulumi.Input[str]:
        """The registry policy document of the destination registry at ``position``."""
        return self._with_policies(lambda model, policies: policies[model.destinations[position].registry.host])

    def registry_policies(self) -> pulumi.Output[dict[str, str]]:
        """Every managed registry policy document, keyed by registry host."""
        return self._output.apply(lambda checked: checked[1])


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


def checked_output_of(spec: ReplicationSpec, args: EcrReplicationArgs, lookups: _Lookups) -> pulumi.Output[_Checked]:
    """The checked model once every account id and region resolves, explicit outputs and lookups alike."""
    source_provider = args["source_provider"]
    source_account = _account_input(args.get("source_account_id"), source_provider, lookups)
    source_region = spec.source_region or lookups.region(source_provider)
    slot_values: list[pulumi.Input[str]] = []
    for slot in spec.slots:
        destination: Mapping[str, Any] = args["destinations"][slot.index]
        provider = destination["provider"]
        if slot.account_id is not None:
            account: pulumi.Input[str] = slot.account_id
        elif provider is source_provider and "account_id" not in destination:
            account = source_account
        else:
            account = _account_input(destination.get("account_id"), provider, lookups)
        slot_values += [account, slot.region or lookups.region(provider)]

    def check(values: list[str]) -> _Checked:
        source_id, region, *rest = values
        return _checked(spec, source_id, region, list(zip(rest[::2], rest[1::2], strict=True)))

    return pulumi.Output.all(source_account, source_region, *slot_values).apply(check)


def _account_input(
    value: pulumi.Input[str] | None, provider: pulumi.ProviderResource, lookups: _Lookups
) -> pulumi.Input[str]:
    """An explicit account id (plain or output), or the one the provider reaches."""
    return lookups.account_id(provider) if value is None else value
