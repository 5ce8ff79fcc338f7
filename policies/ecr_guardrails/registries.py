"""Which private registry (account, region) a resource manages, judged from its region and its provider."""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Optional, Union

from pulumi_policy import PolicyProviderResource

from .ecr_semantics import Registry
from .iam_policy import account_of_principal
from .limits import ACCOUNT_ID_PATTERN
from .props import UNKNOWN, elements, field, json_value, text


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
    """The account a provider deploys into: its single `allowedAccountIds` entry, else its assumed role's
    account, else `None` (the provider then stands for an account we can't name)."""
    allowed = [account for account in elements(json_value(provider.props, "allowedAccountIds"))
               if isinstance(account, str)]
    if len(allowed) == 1 and ACCOUNT_ID_PATTERN.match(allowed[0]):
        return allowed[0]
    roles = list(elements(json_value(provider.props, "assumeRoles")))
    single_role = json_value(provider.props, "assumeRole")
    if isinstance(single_role, Mapping):
        roles.append(single_role)
    arns = [field(role, "roleArn") or field(role, "role_arn") for role in roles]
    role_accounts = {account_of_principal(arn) if isinstance(arn, str) else None for arn in arns}
    if len(role_accounts) == 1 and None not in role_accounts:
        return role_accounts.pop()
    return None


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
