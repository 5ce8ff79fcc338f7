"""Which private registry (account, region) a resource manages, judged from its region and its provider."""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Optional, Union

from pulumi_policy import PolicyProviderResource

from .ecr_semantics import ALLOWED_ACCOUNT_IDS, ASSUME_ROLES, Registry, deployment_account
from .props import UNKNOWN, field, items, json_value, text


@dataclass(frozen=True)
class ProviderRegistry:
    """A registry whose provider doesn't name its account: two resources are known to share it only when they
    share the provider and the region."""

    provider_urn: str
    region: str

    def __str__(self) -> str:
        return f"the registry of provider {self.provider_urn} in {self.region}"


AnyRegistry = Union[Registry, ProviderRegistry]
"""A registry as far as the stack tells it."""


def describe(registry: AnyRegistry) -> str:
    """A registry in words, for messages: ``registry <account>/<region>`` when its account is known."""
    return f"registry {registry}" if isinstance(registry, Registry) else str(registry)


def provider_account(provider: PolicyProviderResource) -> Optional[str]:
    """The account a provider deploys into, as the shared rule (`ecr_semantics.deployment_account`) decides it from
    its `allowedAccountIds` and the roles it assumes (`assumeRoles` in order, else the single `assumeRole` of
    pulumi-aws before 7); `None` when that can't be named (the provider then stands for an account of its own)."""
    allowed = items(json_value(provider.props, ALLOWED_ACCOUNT_IDS))
    roles = json_value(provider.props, ASSUME_ROLES)
    if roles is None:
        single = json_value(provider.props, "assumeRole")
        roles = [single] if isinstance(single, Mapping) else []
    # Every entry, an unknown one too (as UNKNOWN): how many accounts are allowed and which role is last decide.
    arns = [field(role, "roleArn") or field(role, "role_arn") for role in items(roles)]
    return deployment_account(allowed, arns).account_id


def resource_registry(props: Mapping[str, Any], provider: Optional[PolicyProviderResource]) -> Optional[AnyRegistry]:
    """The registry a resource manages: its `region` (else its provider's) in its provider's account.

    `None` when that can't be known: no provider, or a region that is unknown during preview.
    """
    if provider is None:
        return None
    region = text(props, "region")
    if region is None:
        region = text(provider.props, "region")
    if region is None or region is UNKNOWN:
        return None
    account = provider_account(provider)
    return Registry(account, region) if account else ProviderRegistry(provider.urn, region)
