"""Which private registry (account, region) a resource manages, judged from its region and its provider."""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Optional

from pulumi_policy import PolicyProviderResource

from .limits import ACCOUNT_ID_PATTERN
from .props import UNKNOWN, elements, field, json_value, text


@dataclass(frozen=True)
class Registry:
    """A private registry: one per account and region.

    `account` is the 12-digit account id when the provider names it, otherwise the provider's URN: two
    resources are then known to share a registry only when they share the provider and the region.
    """

    account: str
    region: str

    @property
    def account_id(self) -> Optional[str]:
        """The account id, or `None` when the registry is only known by its provider."""
        return self.account if ACCOUNT_ID_PATTERN.match(self.account) else None

    def __str__(self) -> str:
        if self.account_id:
            return f"registry {self.account}/{self.region}"
        return f"the registry of provider {self.account} in {self.region}"


def _account_of_role_arn(arn: Any) -> Optional[str]:
    """The account id in an IAM role ARN (`arn:aws:iam::<account>:role/...`), if it has one."""
    if not isinstance(arn, str):
        return None
    parts = arn.split(":")
    if len(parts) >= 6 and parts[2] == "iam" and ACCOUNT_ID_PATTERN.match(parts[4]):
        return parts[4]
    return None


def provider_account(provider: PolicyProviderResource) -> str:
    """The account a provider deploys into: its single `allowedAccountIds` entry, else its assumed role's
    account, else its URN (the provider then stands for an account we can't name)."""
    allowed = [account for account in elements(json_value(provider.props, "allowedAccountIds"))
               if isinstance(account, str)]
    if len(allowed) == 1 and ACCOUNT_ID_PATTERN.match(allowed[0]):
        return allowed[0]
    roles = list(elements(json_value(provider.props, "assumeRoles")))
    single_role = json_value(provider.props, "assumeRole")
    if isinstance(single_role, Mapping):
        roles.append(single_role)
    role_accounts = {_account_of_role_arn(field(role, "roleArn") or field(role, "role_arn")) for role in roles}
    if len(role_accounts) == 1 and None not in role_accounts:
        return role_accounts.pop()  # type: ignore[return-value]
    return provider.urn


def resource_registry(props: Mapping[str, Any], provider: Optional[PolicyProviderResource]) -> Optional[Registry]:
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
    return Registry(provider_account(provider), region)
