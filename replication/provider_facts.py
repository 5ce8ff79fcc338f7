"""What an explicit account id or region must agree with in the provider it goes through.

Two things about a provider decide whether the component's explicit values can be right, and only the provider knows
them:

* **the account it deploys into.** An explicit ``account_id`` (or ``source_account_id``) names the registry a
  provider's resources land in; a provider pinned to another account (``allowed_account_ids``, or the last role of
  ``assume_roles``) would put the registry policy, templates and scanning configuration in that other account, with
  documents naming the wrong one. The component asks the provider who it is (``aws.getCallerIdentity``): at
  ``pulumi preview`` the provider's own credentials answer; the offline plan answers from the provider's
  configuration by the one rule, ``ecr_semantics.deployment_account`` (``replication/preview/runner.py``), and when
  that names no account nothing offline contradicts the explicit one. The lookup carries the expected account as its
  ``id`` argument (an optional input of the data source, which it overwrites with the account it reads:
  terraform-provider-aws ``internal/service/sts/caller_identity_data_source.go``), which is how the offline plan
  tells a check from a lookup the component needs.
* **the partition of its region.** pulumi-aws refuses a resource whose ``region`` lies in another partition than its
  provider's region (``provider_schema.region_partition_problem``). The provider's region is its ``region`` output;
  a provider that sets none (its region comes from the environment) gives no verdict.

:func:`provider_check` returns an output that resolves once both are checked and fails, with the component's own
error naming the argument, otherwise. Every child of the component depends on it, so none is created before it
passes; the children's inputs stay plain values.
"""

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from replication.errors import ReplicationConfigError
from replication.model import RegistrySlot, ReplicationSpec
from replication.provider_schema import region_partition_problem


@dataclass(frozen=True)
class ProviderClaim:
    """An explicit account id or region, the argument that gave it, and the provider it goes through."""

    field: str
    value: str
    provider: pulumi.ProviderResource
    account: bool
    """Whether ``value`` is an account id (else a region)."""


def provider_claims(spec: ReplicationSpec, args: Mapping[str, Any]) -> list[ProviderClaim]:
    """Every explicit account id and region of the arguments (the source, the destinations and the pull-through
    spokes), with the provider each goes through."""
    source = args["source_provider"]
    claims = []
    if spec.source_account_id is not None:
        claims.append(ProviderClaim("source_account_id", spec.source_account_id, source, True))
    if spec.source_region is not None:
        claims.append(ProviderClaim("source_region", spec.source_region, source, False))
    entries: Sequence[tuple[Sequence[RegistrySlot], Sequence[Mapping[str, Any]]]] = (
        (spec.slots, args["destinations"]), (spec.spokes, args.get("pull_through_destinations") or ()))
    for slots, arguments in entries:
        for slot in slots:
            provider = arguments[slot.index]["provider"]
            # An entry through source_provider is checked against the source account (the model's rule).
            explicit_account = isinstance(arguments[slot.index].get("account_id"), str) and provider is not source
            if explicit_account and slot.region_index in (None, 0) and slot.account_id is not None:
                claims.append(ProviderClaim(f"{slot.field}.account_id", slot.account_id, provider, True))
            if slot.region is not None:
                claims.append(ProviderClaim(slot.region_field, slot.region, provider, False))
    return claims


def provider_check(claims: Sequence[ProviderClaim], parent: pulumi.Resource) -> pulumi.Output[None]:
    """An output that resolves to ``None`` once every claim agrees with its provider, and fails naming the first
    that doesn't. It carries no resource dependency of its own (the children already depend on their provider)."""
    accounts: dict[tuple[int, str], pulumi.Output[str]] = {}
    regions: dict[int, pulumi.Output[Any]] = {}
    for claim in claims:
        if claim.account:
            key = (id(claim.provider), claim.value)
            if key not in accounts:
                options = pulumi.InvokeOutputOptions(provider=claim.provider, parent=parent)
                accounts[key] = aws.get_caller_identity_output(id=claim.value, opts=options).account_id
        elif id(claim.provider) not in regions:
            region = getattr(claim.provider, "region", None)
            regions[id(claim.provider)] = region if isinstance(region, pulumi.Output) else pulumi.Output.from_input(None)

    async def check() -> None:
        for claim in claims:
            if claim.account:
                actual = await accounts[(id(claim.provider), claim.value)].future()
                if actual is not None and actual != claim.value:
                    raise ReplicationConfigError(
                        claim.field,
                        claim.value,
                        f"the provider given for it deploys into account {actual} (its allowed_account_ids, the role "
                        "it assumes last, or its credentials), so the resources would land there: give that "
                        "account's id, or a provider of this account",
                    )
            else:
                provider_region = await regions[id(claim.provider)].future()
                problem = region_partition_problem(claim.value, provider_region) if provider_region else None
                if problem is not None:
                    raise ReplicationConfigError(claim.field, claim.value, problem)

    return pulumi.Output.from_input(asyncio.ensure_future(check()))
